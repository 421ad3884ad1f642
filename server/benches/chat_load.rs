//! Chat load tool: how many streamed tokens Loquat delivers, how fast, at
//! what server CPU cost, and how much memory an idle session takes.
//!
//! ```sh
//! cargo bench -p loquat --bench chat_load
//! cargo bench -p loquat --bench chat_load -- --clients 1,10,100 --messages 5 --tokens 200 --idle 1000 --json
//! ```
//!
//! The program starts itself again with `--serve` as the server under test:
//! a Loquat app that streams `--tokens` tokens per message with no delay (or
//! `--pace-ms` apart, like a model), on 127.0.0.1. The server's CPU time and memory are read from `/proc`, apart
//! from the clients', which run here on a multi-threaded tokio runtime.
//!
//! For each C of `--clients`, C WebSocket sessions connect (not timed), then
//! each sends `--messages` messages in sequence, each after the previous reply
//! ended. Every `step_delta` of the reply is counted and the reply's text is
//! compared with the expected one. First-token latency is send → first
//! token; full-reply latency is send → `run_ended`.
//!
//! Then, on a fresh server, `--idle` sessions connect, say hello and stay
//! open; the growth of the server's resident memory divided by their number
//! is the memory of one idle session.
//!
//! Exits non-zero if a token is missing, a reply is wrong or a session failed.
//! Linux only (`/proc`).

#[path = "chat_load/client.rs"]
mod client;
#[path = "chat_load/procfs.rs"]
mod procfs;
#[path = "chat_load/server.rs"]
mod server;
#[path = "chat_load/sign_ins.rs"]
mod sign_ins;

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::Parser;
use serde_json::json;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use client::{Exchange, Session};
use procfs::CpuSample;
use server::ServerProcess;

/// Targets from the issue, for this 2-core machine.
const FLOOR_CLIENTS: usize = 100;
const FLOOR_TOKENS_PER_CPU_S: f64 = 250_000.0;
const FLOOR_IDLE_KIB: f64 = 16.0;

/// Sessions being opened at once (the listen backlog is finite).
const CONNECT_CONCURRENCY: usize = 64;
/// Client read buffer of idle sessions (the client's memory, not measured).
const IDLE_READ_BUFFER: usize = 8 * 1024;

#[derive(Debug, Parser)]
#[command(
    name = "chat_load",
    about = "Load-test Loquat's streaming chat over real WebSockets"
)]
struct Args {
    /// Concurrent sessions of each load scenario.
    #[arg(long, value_delimiter = ',', default_value = "1,10,100")]
    clients: Vec<usize>,
    /// Messages each session sends, one after the other.
    #[arg(long, default_value_t = 5)]
    messages: usize,
    /// Tokens streamed in each reply.
    #[arg(long, default_value_t = 200)]
    tokens: usize,
    /// Idle sessions held open to measure memory (0: skip).
    #[arg(long, default_value_t = 1000)]
    idle: usize,
    /// Seconds any single step (connect, one reply) may take.
    #[arg(long, default_value_t = 60)]
    timeout: u64,
    /// Serve without persistence (to measure what persistence costs).
    #[arg(long)]
    no_persistence: bool,
    /// Keep the server's data in PostgreSQL instead of SQLite: each server
    /// started gets a new database on this server (a role that may create
    /// databases), e.g. `--postgres "$LOQUAT_TEST_POSTGRES_URL"` under
    /// scripts/services.sh.
    #[arg(long)]
    postgres: Option<String>,
    /// Every session signs in first (password login), then chats with its
    /// cookie; adds the sign-in → first token latency and the sign-ins a
    /// second.
    #[arg(long)]
    auth: bool,
    /// Milliseconds between tokens, like a model's pace (0: no delay).
    #[arg(long, default_value_t = 0)]
    pace_ms: u64,
    /// Print JSON on stdout (the table then goes to stderr).
    #[arg(long)]
    json: bool,
    /// Run as the server under test.
    #[arg(long, hide = true)]
    serve: bool,
    /// The server's data directory.
    #[arg(long, hide = true)]
    data_dir: Option<PathBuf>,
    /// Passed by `cargo bench`; ignored.
    #[arg(long, hide = true)]
    bench: bool,
}

fn main() -> ExitCode {
    let mut args = Args::parse();
    NO_PERSISTENCE.store(args.no_persistence, std::sync::atomic::Ordering::Relaxed);
    PACE_MS.store(args.pace_ms, std::sync::atomic::Ordering::Relaxed);
    AUTH.store(args.auth, std::sync::atomic::Ordering::Relaxed);
    if let Some(url) = &args.postgres {
        let _ = POSTGRES.set(url.clone());
    }
    if args.serve {
        let data_dir = args
            .data_dir
            .clone()
            .unwrap_or_else(|| std::env::temp_dir().join("loquat-chat-load"));
        let pace = Duration::from_millis(args.pace_ms);
        let persist = !args.no_persistence;
        let store = server::Store {
            persist,
            postgres: args.postgres.clone(),
        };
        return match server::serve(args.tokens, data_dir, store, pace, args.auth) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("chat_load server: {e}");
                ExitCode::FAILURE
            }
        };
    }

    let max_clients = args.clients.iter().copied().max().unwrap_or(0);
    let need = (max_clients.max(args.idle) + 256) as u64;
    let can_open = procfs::ensure_open_files(need);
    if can_open < need {
        let idle = (can_open.saturating_sub(256) as usize).min(args.idle);
        eprintln!(
            "warning: only {can_open} files may be open (raise `ulimit -n`); idle sessions capped at {idle}"
        );
        args.idle = idle;
    }

    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("chat_load: cannot start tokio: {e}");
            return ExitCode::FAILURE;
        }
    };
    let report = match runtime.block_on(run(&args)) {
        Ok(report) => report,
        Err(e) => {
            eprintln!("chat_load: {e}");
            return ExitCode::FAILURE;
        }
    };
    // Let lingering client tasks go without waiting for them.
    runtime.shutdown_timeout(Duration::from_secs(1));

    let table = report.table(&args);
    if args.json {
        eprint!("{table}");
        println!("{}", report.json(&args));
    } else {
        print!("{table}");
    }
    if report.ok() {
        ExitCode::SUCCESS
    } else {
        eprintln!("chat_load: FAILED (missing tokens, wrong replies or session errors; see above)");
        ExitCode::FAILURE
    }
}

struct Report {
    server_pid: u32,
    addr: String,
    load: Vec<LoadRow>,
    idle: Option<IdleRow>,
    sign_ins: Option<sign_ins::SignInRow>,
}

/// One load scenario.
struct LoadRow {
    clients: usize,
    messages: usize,
    delivered: usize,
    expected: usize,
    wrong_replies: usize,
    errors: Vec<String>,
    /// Text frames received per message, on average.
    frames_per_message: f64,
    wall: Duration,
    server_cpu: Duration,
    client_cpu: Duration,
    /// Sorted.
    first_token: Vec<Duration>,
    /// Sorted.
    full_reply: Vec<Duration>,
    server_rss_kib: u64,
    server_peak_kib: u64,
}

/// The idle-memory scenario.
struct IdleRow {
    sessions: usize,
    opened: usize,
    errors: Vec<String>,
    rss_before_kib: u64,
    rss_after_kib: u64,
    samples: usize,
}

impl IdleRow {
    fn per_session_kib(&self) -> f64 {
        (self.rss_after_kib as f64 - self.rss_before_kib as f64) / self.opened.max(1) as f64
    }
}

async fn run(args: &Args) -> Result<Report, String> {
    let tokens = server::reply_tokens(args.tokens);
    let expected: Arc<str> = tokens.concat().into();
    let timeout = Duration::from_secs(args.timeout);

    let mut load = Vec::new();
    let mut signed = None;
    let (server_pid, addr) = if args.clients.is_empty() {
        (0, String::new())
    } else {
        let server = start_server(args.tokens)?;
        for &clients in &args.clients {
            eprintln!("chat_load: C = {clients} …");
            load.push(
                run_load(
                    &server,
                    clients,
                    args.messages,
                    args.tokens,
                    expected.clone(),
                    timeout,
                )
                .await?,
            );
        }
        if args.auth {
            eprintln!("chat_load: sign-ins …");
            signed = Some(sign_ins::run(server.addr, &expected, timeout).await);
        }
        (server.pid(), server.addr.to_string())
    };

    let idle = if args.idle > 0 {
        eprintln!("chat_load: {} idle sessions …", args.idle);
        Some(run_idle(args.idle, args.tokens, timeout).await?)
    } else {
        None
    };
    Ok(Report {
        server_pid,
        addr,
        load,
        idle,
        sign_ins: signed,
    })
}

/// `--no-persistence`, for the servers this run starts.
static NO_PERSISTENCE: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
/// `--auth`, for the servers and sessions this run starts.
static AUTH: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
/// `--postgres`, for the servers this run starts.
static POSTGRES: std::sync::OnceLock<String> = std::sync::OnceLock::new();
/// `--pace-ms`, for the servers this run starts.
static PACE_MS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

fn start_server(tokens: usize) -> Result<ServerProcess, String> {
    let store = server::Store {
        persist: !NO_PERSISTENCE.load(std::sync::atomic::Ordering::Relaxed),
        postgres: POSTGRES.get().cloned(),
    };
    let pace_ms = PACE_MS.load(std::sync::atomic::Ordering::Relaxed);
    let auth = AUTH.load(std::sync::atomic::Ordering::Relaxed);
    tokio::task::block_in_place(|| ServerProcess::start(tokens, store, pace_ms, auth))
}

/// With `--auth`, signs in `n` users of their own (`prefix0`, …), before
/// anything is measured: their session cookies.
async fn sign_in_users(
    addr: std::net::SocketAddr,
    n: usize,
    prefix: &str,
) -> Result<Option<Arc<Vec<String>>>, String> {
    if !AUTH.load(std::sync::atomic::Ordering::Relaxed) {
        return Ok(None);
    }
    let mut cookies = Vec::with_capacity(n);
    for i in 0..n {
        cookies.push(client::sign_in(addr, &format!("{prefix}{i}")).await?);
    }
    Ok(Some(Arc::new(cookies)))
}

/// Opens `n` sessions, `CONNECT_CONCURRENCY` at a time, in order (with
/// `--auth`, each with its user's cookie).
async fn open_sessions(
    addr: std::net::SocketAddr,
    n: usize,
    read_buffer: Option<usize>,
    timeout: Duration,
    cookies: Option<Arc<Vec<String>>>,
) -> Vec<Result<Session, String>> {
    let permits = Arc::new(Semaphore::new(CONNECT_CONCURRENCY));
    let mut tasks = JoinSet::new();
    for i in 0..n {
        let permits = permits.clone();
        let cookies = cookies.clone();
        tasks.spawn(async move {
            let _permit = permits.acquire_owned().await;
            let cookie = cookies.as_ref().and_then(|c| c.get(i).cloned());
            (
                i,
                Session::open(addr, read_buffer, timeout, cookie.as_deref()).await,
            )
        });
    }
    let mut sessions: Vec<Option<Result<Session, String>>> = (0..n).map(|_| None).collect();
    while let Some(joined) = tasks.join_next().await {
        if let Ok((i, session)) = joined {
            sessions[i] = Some(session);
        }
    }
    sessions
        .into_iter()
        .map(|s| s.unwrap_or_else(|| Err("connect task panicked".into())))
        .collect()
}

async fn end_sessions(sessions: Vec<Session>) {
    let mut tasks = JoinSet::new();
    for session in sessions {
        tasks.spawn(session.end());
    }
    while tasks.join_next().await.is_some() {}
}

async fn run_load(
    server: &ServerProcess,
    clients: usize,
    messages: usize,
    tokens: usize,
    expected: Arc<str>,
    timeout: Duration,
) -> Result<LoadRow, String> {
    let pid = server.pid();
    let me = std::process::id();
    let mut errors = Vec::new();
    let cookies = sign_in_users(server.addr, clients, &format!("load{clients}-")).await?;
    let opened = open_sessions(server.addr, clients, None, timeout, cookies).await;

    let server_cpu0 = CpuSample::take(pid)?;
    let client_cpu0 = CpuSample::take(me)?;
    let started = Instant::now();
    let mut tasks = JoinSet::new();
    for (i, session) in opened.into_iter().enumerate() {
        let mut session = match session {
            Ok(session) => session,
            Err(e) => {
                errors.push(format!("client {i}: {e}"));
                continue;
            }
        };
        let expected = expected.clone();
        tasks.spawn(async move {
            let mut results: Vec<Exchange> = Vec::with_capacity(messages);
            for m in 0..messages {
                let content = format!("message {m} from client {i}");
                let result = session.exchange(&content, &expected, timeout).await;
                let failed = result.error.is_some();
                results.push(result);
                if failed {
                    break;
                }
            }
            (i, session, results)
        });
    }
    let mut done = Vec::with_capacity(clients);
    let mut results = Vec::with_capacity(clients * messages);
    while let Some(joined) = tasks.join_next().await {
        match joined {
            Ok((i, session, exchanges)) => {
                done.push(session);
                for exchange in &exchanges {
                    if let Some(e) = &exchange.error {
                        errors.push(format!("client {i}: {e}"));
                    }
                }
                results.extend(exchanges);
            }
            Err(e) => errors.push(format!("client task failed: {e}")),
        }
    }
    let wall = started.elapsed();
    let server_cpu = CpuSample::take(pid)?.since(&server_cpu0);
    let client_cpu = CpuSample::take(me)?.since(&client_cpu0);
    let server_rss_kib = procfs::rss_kib(pid)?;
    let server_peak_kib = procfs::peak_rss_kib(pid)?;
    end_sessions(done).await;

    let mut first_token: Vec<Duration> = results.iter().filter_map(|r| r.first_token).collect();
    let mut full_reply: Vec<Duration> = results.iter().filter_map(|r| r.full_reply).collect();
    first_token.sort();
    full_reply.sort();
    Ok(LoadRow {
        clients,
        messages: clients * messages,
        delivered: results.iter().map(|r| r.tokens).sum(),
        expected: clients * messages * tokens,
        frames_per_message: results.iter().map(|r| r.frames).sum::<usize>() as f64
            / results.len().max(1) as f64,
        wrong_replies: results
            .iter()
            .filter(|r| r.error.is_none() && !r.text_ok)
            .count(),
        errors,
        wall,
        server_cpu,
        client_cpu,
        first_token,
        full_reply,
        server_rss_kib,
        server_peak_kib,
    })
}

async fn run_idle(n: usize, tokens: usize, timeout: Duration) -> Result<IdleRow, String> {
    // A fresh server: memory freed by the load scenarios would otherwise be
    // reused by the idle sessions and hide their cost.
    let server = start_server(tokens)?;
    let pid = server.pid();
    // Warm up the connection path once so one-time allocations are not
    // charged to the sessions.
    let warm = sign_in_users(server.addr, 1, "warm-up").await?;
    let warm = warm.as_ref().and_then(|c| c.first().cloned());
    Session::open(
        server.addr,
        Some(IDLE_READ_BUFFER),
        timeout,
        warm.as_deref(),
    )
    .await?
    .end()
    .await;
    // Sign-ins (with --auth) are not what an idle session holds: done first.
    let cookies = sign_in_users(server.addr, n, "idle").await?;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let rss_before_kib = procfs::rss_kib(pid)?;

    let mut errors = Vec::new();
    let mut sessions = Vec::with_capacity(n);
    for (i, session) in open_sessions(server.addr, n, Some(IDLE_READ_BUFFER), timeout, cookies)
        .await
        .into_iter()
        .enumerate()
    {
        match session {
            Ok(session) => sessions.push(session),
            Err(e) => errors.push(format!("idle session {i}: {e}")),
        }
    }
    // Wait for the server to finish sending `ready` + snapshot and settle.
    let mut rss = procfs::rss_kib(pid)?;
    let mut samples = 1;
    let mut steady = 0;
    while steady < 2 && samples < 40 {
        tokio::time::sleep(Duration::from_millis(250)).await;
        let now = procfs::rss_kib(pid)?;
        samples += 1;
        steady = if now.abs_diff(rss) <= 8 {
            steady + 1
        } else {
            0
        };
        rss = now;
    }
    let opened = sessions.len();
    end_sessions(sessions).await;
    drop(server);
    Ok(IdleRow {
        sessions: n,
        opened,
        errors,
        rss_before_kib,
        rss_after_kib: rss,
        samples,
    })
}

/// Columns of the load table.
const HEADER: [&str; 12] = [
    "C",
    "msgs",
    "tokens got/expected",
    "wall s",
    "tokens/s",
    "srv CPU s",
    "tokens/srv-CPU-s",
    "cli CPU s",
    "1st token p50/p99",
    "full reply p50/p99",
    "frames/msg",
    "srv RSS (peak)",
];
const UNITS: [&str; 12] = ["", "", "", "", "", "", "", "", "ms", "ms", "", "MiB"];
const WIDTHS: [usize; 12] = [5, 5, 21, 7, 9, 9, 16, 9, 19, 19, 10, 14];

/// One right-aligned line of the load table.
fn row_line(out: &mut String, cells: &[impl AsRef<str>]) {
    for (i, (cell, width)) in cells.iter().zip(WIDTHS).enumerate() {
        if i > 0 {
            out.push(' ');
        }
        out.push_str(&format!("{:>width$}", cell.as_ref()));
    }
    out.push('\n');
}

/// Nearest-rank percentile of sorted durations, in milliseconds.
fn percentile_ms(sorted: &[Duration], p: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    let d = sorted[rank.clamp(1, sorted.len()) - 1];
    Some(d.as_secs_f64() * 1000.0)
}

fn per_second(count: usize, time: Duration) -> Option<f64> {
    let secs = time.as_secs_f64();
    (secs > 0.0).then(|| count as f64 / secs)
}

fn fmt_opt(value: Option<f64>, decimals: usize) -> String {
    match value {
        Some(v) => format!("{v:.decimals$}"),
        None => "-".into(),
    }
}

impl LoadRow {
    fn ok(&self) -> bool {
        self.delivered == self.expected && self.wrong_replies == 0 && self.errors.is_empty()
    }

    fn tokens_per_s(&self) -> Option<f64> {
        per_second(self.delivered, self.wall)
    }

    fn tokens_per_cpu_s(&self) -> Option<f64> {
        per_second(self.delivered, self.server_cpu)
    }
}

impl Report {
    fn ok(&self) -> bool {
        self.sign_ins
            .as_ref()
            .is_none_or(|row| row.errors.is_empty())
            && self.load.iter().all(LoadRow::ok)
            && self
                .idle
                .as_ref()
                .is_none_or(|idle| idle.errors.is_empty() && idle.opened == idle.sessions)
    }

    fn table(&self, args: &Args) -> String {
        use std::fmt::Write;
        let mut out = String::new();
        let _ = writeln!(
            out,
            "\nLoquat chat load: {}-token replies streamed {}, {} messages per client in sequence, persistence {}",
            args.tokens,
            match args.pace_ms {
                0 => "with no delay".to_string(),
                ms => format!("{ms} ms apart"),
            },
            args.messages,
            if args.no_persistence { "off" } else { "on" },
        );
        if args.auth {
            let _ = writeln!(
                out,
                "every session signed in (password login, session cookie)"
            );
        }
        let _ = writeln!(
            out,
            "server: separate process (pid {}, {}); clients: this process; {} CPUs",
            self.server_pid,
            self.addr,
            std::thread::available_parallelism().map_or(0, |n| n.get())
        );
        if !self.load.is_empty() {
            out.push('\n');
            row_line(&mut out, &HEADER);
            row_line(&mut out, &UNITS);
            for row in &self.load {
                let ms = |v: &[Duration]| {
                    format!(
                        "{} / {}",
                        fmt_opt(percentile_ms(v, 50.0), 2),
                        fmt_opt(percentile_ms(v, 99.0), 2)
                    )
                };
                let cells = [
                    row.clients.to_string(),
                    row.messages.to_string(),
                    format!("{}/{}", row.delivered, row.expected),
                    format!("{:.3}", row.wall.as_secs_f64()),
                    fmt_opt(row.tokens_per_s(), 0),
                    format!("{:.3}", row.server_cpu.as_secs_f64()),
                    fmt_opt(row.tokens_per_cpu_s(), 0),
                    format!("{:.3}", row.client_cpu.as_secs_f64()),
                    ms(&row.first_token),
                    ms(&row.full_reply),
                    format!("{:.1}", row.frames_per_message),
                    format!(
                        "{:.1} ({:.1})",
                        row.server_rss_kib as f64 / 1024.0,
                        row.server_peak_kib as f64 / 1024.0
                    ),
                ];
                row_line(&mut out, &cells);
            }
            for row in &self.load {
                if row.wrong_replies > 0 {
                    let _ = writeln!(
                        out,
                        "C = {}: {} replies with the wrong text",
                        row.clients, row.wrong_replies
                    );
                }
                for e in row.errors.iter().take(5) {
                    let _ = writeln!(out, "C = {}: {e}", row.clients);
                }
                if row.errors.len() > 5 {
                    let _ = writeln!(
                        out,
                        "C = {}: … {} errors in all",
                        row.clients,
                        row.errors.len()
                    );
                }
            }
        }
        if let Some(idle) = &self.idle {
            let _ = writeln!(
                out,
                "\nidle: {} sessions open (hello + ready), fresh server: RSS {:.1} MiB -> {:.1} MiB = {:+.1} KiB per session (settled after {} samples)",
                idle.opened,
                idle.rss_before_kib as f64 / 1024.0,
                idle.rss_after_kib as f64 / 1024.0,
                idle.per_session_kib(),
                idle.samples
            );
            if idle.opened < idle.sessions {
                let _ = writeln!(
                    out,
                    "idle: only {} of {} sessions opened",
                    idle.opened, idle.sessions
                );
            }
            for e in idle.errors.iter().take(5) {
                let _ = writeln!(out, "idle: {e}");
            }
        }

        if let Some(row) = &self.sign_ins {
            let _ = writeln!(
                out,
                "\nsign-in: POST /auth/login -> first streamed token p50 {} ms, p99 {} ms ({} users); {:.0} sign-ins/s with the limiter lifted ({} in {:.1} s)",
                fmt_opt(percentile_ms(&row.to_first_token, 50.0), 2),
                fmt_opt(percentile_ms(&row.to_first_token, 99.0), 2),
                row.to_first_token.len(),
                row.per_second(),
                row.sign_ins,
                row.wall.as_secs_f64()
            );
            for e in row.errors.iter().take(5) {
                let _ = writeln!(out, "sign-in: {e}");
            }
        }
        let _ = writeln!(out, "\nfloors:");
        let verdict = |pass: bool| if pass { "PASS" } else { "FAIL" };
        match self.load.iter().find(|r| r.clients == FLOOR_CLIENTS) {
            Some(row) => {
                let _ = writeln!(
                    out,
                    "  every token delivered at C = {FLOOR_CLIENTS}:          {} ({}/{})",
                    verdict(row.ok()),
                    row.delivered,
                    row.expected
                );
                let rate = row.tokens_per_cpu_s();
                let _ = writeln!(
                    out,
                    "  >= {FLOOR_TOKENS_PER_CPU_S:.0} tokens/server-CPU-s at C = {FLOOR_CLIENTS}: {} ({})",
                    verdict(rate.is_some_and(|r| r >= FLOOR_TOKENS_PER_CPU_S)),
                    fmt_opt(rate, 0)
                );
            }
            None => {
                let _ = writeln!(out, "  (no C = {FLOOR_CLIENTS} scenario)");
            }
        }
        match &self.idle {
            Some(idle) => {
                let kib = idle.per_session_kib();
                let _ = writeln!(
                    out,
                    "  <= {FLOOR_IDLE_KIB:.0} KiB RSS per idle session:           {} ({kib:.1} KiB at C = {})",
                    verdict(kib <= FLOOR_IDLE_KIB && idle.opened == idle.sessions),
                    idle.opened
                );
            }
            None => {
                let _ = writeln!(out, "  (no idle scenario)");
            }
        }
        out
    }

    fn json(&self, args: &Args) -> serde_json::Value {
        let load: Vec<_> = self
            .load
            .iter()
            .map(|row| {
                json!({
                    "clients": row.clients,
                    "messages": row.messages,
                    "tokens_delivered": row.delivered,
                    "tokens_expected": row.expected,
                    "wrong_replies": row.wrong_replies,
                    "frames_per_message": row.frames_per_message,
                    "errors": row.errors,
                    "wall_s": row.wall.as_secs_f64(),
                    "tokens_per_s": row.tokens_per_s(),
                    "server_cpu_s": row.server_cpu.as_secs_f64(),
                    "tokens_per_server_cpu_s": row.tokens_per_cpu_s(),
                    "client_cpu_s": row.client_cpu.as_secs_f64(),
                    "first_token_ms": { "p50": percentile_ms(&row.first_token, 50.0), "p99": percentile_ms(&row.first_token, 99.0) },
                    "full_reply_ms": { "p50": percentile_ms(&row.full_reply, 50.0), "p99": percentile_ms(&row.full_reply, 99.0) },
                    "server_rss_kib": row.server_rss_kib,
                    "server_peak_rss_kib": row.server_peak_kib,
                })
            })
            .collect();
        let idle = self.idle.as_ref().map(|idle| {
            json!({
                "sessions": idle.sessions,
                "opened": idle.opened,
                "errors": idle.errors,
                "rss_before_kib": idle.rss_before_kib,
                "rss_after_kib": idle.rss_after_kib,
                "kib_per_session": idle.per_session_kib(),
            })
        });
        let sign_ins = self.sign_ins.as_ref().map(|row| {
            json!({
                "to_first_token_ms": { "p50": percentile_ms(&row.to_first_token, 50.0), "p99": percentile_ms(&row.to_first_token, 99.0) },
                "sign_ins_per_s": row.per_second(),
                "errors": row.errors,
            })
        });
        json!({
            "auth": args.auth,
            "sign_ins": sign_ins,
            "tokens_per_reply": args.tokens,
            "pace_ms": args.pace_ms,
            "persistence": !args.no_persistence,
            "messages_per_client": args.messages,
            "cpus": std::thread::available_parallelism().map_or(0, |n| n.get()),
            "ok": self.ok(),
            "load": load,
            "idle": idle,
        })
    }
}
