//! Real processes for the tests that need them: the `loquat` binary on a
//! port of its own, with the environment a deployment would set, killed
//! when the test lets go of it.

use std::process::{Child, ChildStdin, Command, Stdio};
use std::time::{Duration, Instant};

use super::TempDir;

const DEADLINE: Duration = Duration::from_secs(30);

/// A child process killed (and reaped) on drop; its stdin stays open so
/// the providers live exactly as long as the test holds them.
pub struct Proc {
    pub child: Child,
    pub _stdin: Option<ChildStdin>,
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The real `loquat` binary with this environment, once `/healthz` answers.
pub async fn loquat(port: u16, dir: &TempDir, env: &[(&str, String)]) -> Proc {
    loquat_logging_to(port, dir, env, Stdio::null()).await
}

/// [`loquat`], its log (stderr) going to `log`.
pub async fn loquat_logging_to(
    port: u16,
    dir: &TempDir,
    env: &[(&str, String)],
    log: impl Into<Stdio>,
) -> Proc {
    let mut command = Command::new(env!("CARGO_BIN_EXE_loquat"));
    command
        .args(["run", "--port", &port.to_string(), "--data-dir"])
        .arg(&dir.path)
        .env_remove("OPENAI_API_KEY")
        .env_remove("LOQUAT_LLM_BASE_URL")
        .env("LOQUAT_AUTH_SECRET", loquat::auth::create_secret())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(log);
    for (name, value) in env {
        command.env(name, value);
    }
    let child = command.spawn().unwrap();
    let server = Proc {
        child,
        _stdin: None,
    };
    let started = Instant::now();
    loop {
        let health = reqwest::get(format!("http://127.0.0.1:{port}/healthz")).await;
        if health.is_ok_and(|r| r.status().is_success()) {
            return server;
        }
        assert!(started.elapsed() < DEADLINE, "loquat did not start");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
