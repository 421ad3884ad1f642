//! What the tool reads about processes, from `/proc` (Linux only): CPU time,
//! resident memory, and the open-files limit.

use std::time::Duration;

/// Reads a whole `/proc` file.
fn read(path: &str) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("cannot read {path}: {e}"))
}

/// Clock ticks per second, the unit of `utime`/`stime` in `/proc/<pid>/stat`
/// (`getconf CLK_TCK`; 100 on every mainstream Linux).
pub fn clock_ticks() -> u64 {
    static TICKS: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    *TICKS.get_or_init(|| {
        std::process::Command::new("getconf")
            .arg("CLK_TCK")
            .output()
            .ok()
            .and_then(|out| String::from_utf8(out.stdout).ok())
            .and_then(|s| s.trim().parse().ok())
            .filter(|&t: &u64| t > 0)
            .unwrap_or(100)
    })
}

/// User + system CPU time consumed so far by process `pid` (all threads).
pub fn cpu_time(pid: u32) -> Result<Duration, String> {
    let stat = read(&format!("/proc/{pid}/stat"))?;
    // `pid (comm) state ppid …`: comm may contain spaces and parentheses, so
    // split after the last `)`. Fields from `state` on: utime is the 12th,
    // stime the 13th (fields 14 and 15 of proc(5)).
    let rest = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest)
        .ok_or_else(|| format!("unexpected /proc/{pid}/stat: {stat}"))?;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let field = |i: usize| -> Result<u64, String> {
        fields
            .get(i)
            .and_then(|f| f.parse().ok())
            .ok_or_else(|| format!("unexpected /proc/{pid}/stat: {stat}"))
    };
    let ticks = field(11)? + field(12)?;
    let hz = clock_ticks();
    Ok(Duration::from_secs(ticks / hz) + Duration::from_nanos((ticks % hz) * 1_000_000_000 / hz))
}

/// User + system CPU time of process `pid`, to the nanosecond where the
/// kernel's scheduler statistics allow: the sum of `/proc/<pid>/task/*/schedstat`
/// (time on CPU of every live thread). Threads that exited are missing from
/// that sum but not from the tick count of `/proc/<pid>/stat`, so use
/// [`CpuSample::since`] to combine both.
#[derive(Clone, Copy, Debug)]
pub struct CpuSample {
    ticks: Duration,
    precise: Option<Duration>,
}

impl CpuSample {
    pub fn take(pid: u32) -> Result<CpuSample, String> {
        Ok(CpuSample {
            ticks: cpu_time(pid)?,
            precise: threads_cpu_time(pid),
        })
    }

    /// CPU time used between `earlier` and this sample.
    pub fn since(&self, earlier: &CpuSample) -> Duration {
        let ticks = self.ticks.saturating_sub(earlier.ticks);
        match (self.precise, earlier.precise) {
            (Some(now), Some(then)) => {
                let precise = now.saturating_sub(then);
                // Tick accounting lags by up to a couple of ticks per thread;
                // a bigger excess means threads exited in between.
                if ticks > precise + Duration::from_millis(50) {
                    ticks
                } else {
                    precise
                }
            }
            _ => ticks,
        }
    }
}

/// Sum of the on-CPU time of the live threads of `pid`, in nanoseconds.
fn threads_cpu_time(pid: u32) -> Option<Duration> {
    let mut total: u64 = 0;
    for entry in std::fs::read_dir(format!("/proc/{pid}/task")).ok()? {
        let path = entry.ok()?.path().join("schedstat");
        let text = std::fs::read_to_string(path).ok()?;
        total += text.split_whitespace().next()?.parse::<u64>().ok()?;
    }
    Some(Duration::from_nanos(total))
}

/// A `kB` line of `/proc/<pid>/status` (`VmRSS`, `VmHWM`, …), in KiB.
fn status_kib(pid: u32, key: &str) -> Result<u64, String> {
    let status = read(&format!("/proc/{pid}/status"))?;
    status
        .lines()
        .find_map(|line| {
            let value = line.strip_prefix(key)?.strip_prefix(':')?;
            value.trim().trim_end_matches("kB").trim().parse().ok()
        })
        .ok_or_else(|| format!("no {key} in /proc/{pid}/status"))
}

/// Resident set size now, in KiB.
pub fn rss_kib(pid: u32) -> Result<u64, String> {
    status_kib(pid, "VmRSS")
}

/// Peak resident set size, in KiB.
pub fn peak_rss_kib(pid: u32) -> Result<u64, String> {
    status_kib(pid, "VmHWM")
}

/// The (soft, hard) limits on open files of this process.
pub fn open_files_limit() -> Option<(u64, u64)> {
    let limits = read("/proc/self/limits").ok()?;
    let line = limits.lines().find(|l| l.starts_with("Max open files"))?;
    let mut values = line["Max open files".len()..].split_whitespace().map(|v| {
        if v == "unlimited" {
            Some(u64::MAX)
        } else {
            v.parse().ok()
        }
    });
    Some((values.next()??, values.next()??))
}

/// Set in the environment of a process started with a raised limit.
const RAISED_ENV: &str = "LOQUAT_BENCH_NOFILE_RAISED";

/// Makes sure at least `need` files can be open, raising the soft limit up to
/// the hard one. Without `libc` (and with `unsafe` forbidden) the only way is
/// to re-execute this program through `sh -c 'ulimit -Sn N; exec …'`, which
/// does not return on success. The server child inherits the limit.
///
/// Returns how many files can be open.
pub fn ensure_open_files(need: u64) -> u64 {
    let Some((soft, hard)) = open_files_limit() else {
        return need;
    };
    if soft >= need || std::env::var_os(RAISED_ENV).is_some() {
        return soft;
    }
    let target = need.min(hard);
    if target <= soft {
        return soft;
    }
    let Ok(exe) = std::env::current_exe() else {
        return soft;
    };
    use std::os::unix::process::CommandExt;
    let err = std::process::Command::new("sh")
        .arg("-c")
        .arg(r#"ulimit -Sn "$1" || exit 111; shift; exec "$@""#)
        .arg("sh")
        .arg(target.to_string())
        .arg(exe)
        .args(std::env::args_os().skip(1))
        .env(RAISED_ENV, "1")
        .exec();
    eprintln!("warning: could not raise the open-files limit to {target}: {err}");
    soft
}

/// The processes whose parent is `pid` (nginx's workers), from `/proc/*/stat`.
pub fn children(pid: u32) -> Vec<u32> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|&child| {
            read(&format!("/proc/{child}/stat")).is_ok_and(|stat| {
                // `pid (comm) state ppid …`
                stat.rsplit_once(')')
                    .and_then(|(_, rest)| rest.split_whitespace().nth(1)?.parse::<u32>().ok())
                    == Some(pid)
            })
        })
        .collect()
}

/// CPU samples of several processes, taken together.
pub struct CpuSamples(Vec<CpuSample>);

impl CpuSamples {
    pub fn take(pids: &[u32]) -> Result<CpuSamples, String> {
        pids.iter()
            .map(|&pid| CpuSample::take(pid))
            .collect::<Result<_, _>>()
            .map(CpuSamples)
    }

    /// CPU time all of them used between `earlier` and these samples.
    pub fn since(&self, earlier: &CpuSamples) -> Duration {
        self.0
            .iter()
            .zip(&earlier.0)
            .map(|(now, then)| now.since(then))
            .sum()
    }
}
