//! nginx in front of the nodes of `--nodes`: the cluster tests' balancer
//! (scripts/services/nginx-cluster.conf, round robin, WebSockets passed
//! through), on a port chosen before the nodes start, in a temp dir; stopped
//! when dropped. Its workers' CPU is measured apart from the nodes'.

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How long nginx may take to accept connections.
const DEADLINE: Duration = Duration::from_secs(15);

pub struct Nginx {
    pub addr: SocketAddr,
    child: Child,
    binary: PathBuf,
    dir: tempfile::TempDir,
}

/// `LOQUAT_TEST_<name>` as scripts/services.sh sets it, else `default`.
fn setting(name: &str, default: PathBuf) -> PathBuf {
    std::env::var_os(name).map_or(default, PathBuf::from)
}

/// A loopback port free now, for nginx to listen on (the nodes must know
/// the balancer's address before it starts).
pub fn free_addr() -> Result<SocketAddr, String> {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map_err(|e| format!("no free port: {e}"))
}

impl Nginx {
    /// nginx on `addr`, balancing over `nodes`.
    pub fn start(addr: SocketAddr, nodes: &[SocketAddr]) -> Result<Nginx, String> {
        let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
        let template_path = setting(
            "LOQUAT_TEST_NGINX_CONF",
            repo.join("scripts/services/nginx-cluster.conf"),
        );
        let binary = setting("LOQUAT_TEST_NGINX", PathBuf::from("/usr/sbin/nginx"));
        let template = std::fs::read_to_string(&template_path)
            .map_err(|e| format!("cannot read {}: {e}", template_path.display()))?;
        let dir = tempfile::tempdir().map_err(|e| format!("no temp dir for nginx: {e}"))?;
        let servers: Vec<String> = nodes
            .iter()
            .map(|node| format!("        server {node};"))
            .collect();
        // Run as root, the workers stay root to use the temp dir.
        let root = std::fs::metadata("/proc/self")
            .is_ok_and(|m| std::os::unix::fs::MetadataExt::uid(&m) == 0);
        let conf = template
            .replace("@USER@", if root { "user root;" } else { "" })
            .replace("@PREFIX@", &dir.path().display().to_string())
            .replace("@LISTEN@", &addr.port().to_string())
            .replace("@SERVERS@", &servers.join("\n"));
        let conf_path = dir.path().join("nginx.conf");
        std::fs::write(&conf_path, conf).map_err(|e| format!("cannot write nginx.conf: {e}"))?;
        let child = Command::new(&binary)
            .arg("-p")
            .arg(dir.path())
            .arg("-c")
            .arg(&conf_path)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", binary.display()))?;
        let mut nginx = Nginx {
            addr,
            child,
            binary,
            dir,
        };
        let started = Instant::now();
        while TcpStream::connect(addr).is_err() {
            if started.elapsed() > DEADLINE || !matches!(nginx.child.try_wait(), Ok(None)) {
                let log = std::fs::read_to_string(nginx.dir.path().join("error.log"));
                return Err(format!(
                    "nginx did not start: {}",
                    log.unwrap_or_default().trim()
                ));
            }
            std::thread::sleep(Duration::from_millis(20)); // poll interval
        }
        Ok(nginx)
    }

    /// The master and its workers.
    pub fn pids(&self) -> Vec<u32> {
        let master = self.child.id();
        let mut pids = vec![master];
        pids.extend(crate::procfs::children(master));
        pids
    }
}

impl Drop for Nginx {
    /// `nginx -s stop` (a killed master would leave its workers running),
    /// then kills it if it lingers.
    fn drop(&mut self) {
        let _ = Command::new(&self.binary)
            .arg("-p")
            .arg(self.dir.path())
            .arg("-c")
            .arg(self.dir.path().join("nginx.conf"))
            .args(["-s", "stop"])
            .stderr(Stdio::null())
            .status();
        let deadline = Instant::now() + Duration::from_secs(5);
        while matches!(self.child.try_wait(), Ok(None)) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20)); // poll interval
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
