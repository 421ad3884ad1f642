//! nginx in front of a test's nodes, from scripts/services/nginx-cluster.conf
//! (the configuration docs/deploy.md shows): round robin, on a free
//! loopback port, in a temp dir; stopped when the test lets go of it.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::process::free_port;
use super::TempDir;

const DEADLINE: Duration = Duration::from_secs(15);

pub struct Nginx {
    pub addr: std::net::SocketAddr,
    child: Child,
    _dir: TempDir,
}

impl Drop for Nginx {
    fn drop(&mut self) {
        // A failing test shows what nginx saw.
        if std::thread::panicking() {
            let log = std::fs::read_to_string(self._dir.path.join("error.log")).unwrap_or_default();
            eprintln!("----- nginx error log -----\n{log}");
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn required(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| {
        panic!(
            "{name} is not set: run the tests with scripts/test.sh, or `scripts/services.sh \
             cargo test …`, which install nginx for the cluster tests"
        )
    })
}

impl Nginx {
    /// nginx balancing over the nodes on `ports` (they need not be up yet).
    pub async fn start(ports: &[u16]) -> Nginx {
        let template = std::fs::read_to_string(required("LOQUAT_TEST_NGINX_CONF")).unwrap();
        let dir = TempDir::new();
        let listen = free_port();
        let servers: Vec<String> = ports
            .iter()
            .map(|p| format!("        server 127.0.0.1:{p} max_fails=1 fail_timeout=2s;"))
            .collect();
        // Run as root (CI), the workers stay root to use the temp dir;
        // /proc/self belongs to the process's user.
        let root = std::fs::metadata("/proc/self")
            .is_ok_and(|m| std::os::unix::fs::MetadataExt::uid(&m) == 0);
        let conf = template
            .replace("@USER@", if root { "user root;" } else { "" })
            .replace("@PREFIX@", &dir.path.display().to_string())
            .replace("@LISTEN@", &listen.to_string())
            .replace("@SERVERS@", &servers.join("\n"));
        let conf_path = dir.path.join("nginx.conf");
        std::fs::write(&conf_path, conf).unwrap();
        let child = Command::new(required("LOQUAT_TEST_NGINX"))
            .arg("-p")
            .arg(&dir.path)
            .arg("-c")
            .arg(&conf_path)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let addr: std::net::SocketAddr = format!("127.0.0.1:{listen}").parse().unwrap();
        let started = Instant::now();
        // Ready when it takes connections (a request would find no node up
        // and mark them all down for a while).
        while tokio::net::TcpStream::connect(addr).await.is_err() {
            assert!(started.elapsed() < DEADLINE, "nginx did not start");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Nginx {
            addr,
            child,
            _dir: dir,
        }
    }
}
