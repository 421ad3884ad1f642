//! The server under test: this same program started with `--serve`, so its
//! CPU time and memory are measured apart from the clients'.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use loquat::config::Config;
use loquat::{Chat, Loquat, Message, ServeOptions};

/// The auth secret of `--auth` servers (a benchmark's, not a real one).
const BENCH_SECRET: &str = "chat-load-benchmark-secret-0123456789abcdef";

/// What the server prints once it accepts connections.
const LISTENING: &str = "LISTENING ";

/// The tokens of every reply: "tok0 tok1 …".
pub fn reply_tokens(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("tok{i} ")).collect()
}

/// `--serve`: an app that streams `tokens` tokens per message, `pace` apart
/// (zero: no delay), on loopback, until its standard input closes (its parent
/// went away). `persist`: keep conversations in the data directory's SQLite
/// file.
pub fn serve(
    tokens: usize,
    data_dir: PathBuf,
    store: Store,
    pace: Duration,
    auth: bool,
    node: Option<Node>,
) -> Result<(), Box<dyn std::error::Error>> {
    let mut config = Config::default();
    config.project.persistence = store.persist;
    if let Some(node) = node {
        config.cluster.nats_url = Some(node.nats_url);
        config.cluster.node_name = Some(node.name);
        // Requests come through the balancer, for its address.
        config.project.proxies = vec!["127.0.0.1".into()];
        config.project.allowed_hosts = vec![node.balancer];
    }
    if std::env::var_os("LOQUAT_LOG").is_some() {
        loquat::init_tracing();
    }
    exit_with_parent(Some(data_dir.clone()));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        config.project.database_url = match (&store.database_url, &store.postgres) {
            (Some(url), _) => Some(url.clone()),
            (None, Some(admin)) => {
                let name = format!("loquat_load_{}", std::process::id());
                Some(fresh_database(admin, &name).await?)
            }
            (None, None) => None,
        };
        // Built once: the app's own work per token stays negligible, so the
        // CPU measured is the framework's.
        let tokens: Arc<[String]> = reply_tokens(tokens).into();
        // Every bench client comes from 127.0.0.1: lift the per-client caps
        // (the totals stay) so a thousand sessions from one address fit.
        let mut limits = loquat::RuntimeLimits::default();
        limits.connections.max_per_client = limits.connections.max_total;
        limits.sessions.max_per_client = limits.sessions.max_total;
        limits.sessions.max_per_user = limits.sessions.max_total;
        limits.logins.per_client_per_minute = u32::MAX;
        limits.logins.per_account_per_minute = u32::MAX;
        let mut app = Loquat::new();
        if auth {
            // Every user signs in (the check itself is free: what is measured
            // is the framework's sign-in, cookie and per-request identity).
            let secret = loquat::auth::AuthSecret::new(BENCH_SECRET)?;
            app = app
                .auth_secret(secret)
                .password_auth(|username, _| async move { Some(loquat::User::new(username)) });
        }
        let app = app
            .limits(limits)
            .config(config)
            .on_message(move |chat: Chat, _msg: Message| {
                let tokens = tokens.clone();
                async move {
                    let reply = chat.stream(Message::assistant("")).await?;
                    for token in tokens.iter() {
                        if !pace.is_zero() {
                            tokio::time::sleep(pace).await;
                        }
                        reply.token(token).await?;
                    }
                    reply.finish().await?;
                    Ok(())
                }
            });
        let server = app.bind(ServeOptions::ephemeral(data_dir)).await?;
        announce(server.local_addr())?;
        server.run().await?;
        Ok(())
    })
}

/// Tells the parent where this server listens (see [`ServerProcess::spawn`]).
pub fn announce(addr: SocketAddr) -> std::io::Result<()> {
    let mut stdout = std::io::stdout();
    writeln!(stdout, "{LISTENING}{addr}")?;
    stdout.flush()
}

/// Exits this server when its standard input closes (the parent went
/// away, whatever way it ended), removing `data_dir`.
pub fn exit_with_parent(data_dir: Option<PathBuf>) {
    std::thread::spawn(move || {
        let mut stdin = std::io::stdin();
        let mut buf = [0u8; 64];
        while matches!(stdin.read(&mut buf), Ok(n) if n > 0) {}
        if let Some(dir) = data_dir {
            remove_dir(&dir);
        }
        std::process::exit(0);
    });
}

/// Where a server keeps its conversations.
#[derive(Clone, Debug, Default)]
pub struct Store {
    /// False: no persistence at all.
    pub persist: bool,
    /// A PostgreSQL server to make a new database on (else SQLite).
    pub postgres: Option<String>,
    /// A PostgreSQL database to use as it is (the nodes of a cluster share
    /// one); wins over `postgres`.
    pub database_url: Option<String>,
}

/// A server that is one node of a cluster.
#[derive(Clone, Debug)]
pub struct Node {
    pub nats_url: String,
    /// Unique among the nodes.
    pub name: String,
    /// The balancer's address (`host:port`), the host clients ask for.
    pub balancer: String,
}

/// What a `--serve` child is started with.
#[derive(Clone, Debug)]
pub struct ServeSpec {
    pub tokens: usize,
    pub store: Store,
    pub pace_ms: u64,
    pub auth: bool,
    pub node: Option<Node>,
}

impl ServeSpec {
    /// The child's arguments (its data directory apart).
    fn args(&self) -> Vec<String> {
        let mut args = vec![
            "--serve".to_string(),
            "--pace-ms".into(),
            self.pace_ms.to_string(),
            "--tokens".into(),
            self.tokens.to_string(),
        ];
        if !self.store.persist {
            args.push("--no-persistence".into());
        }
        if let Some(url) = &self.store.postgres {
            args.extend(["--postgres".into(), url.clone()]);
        }
        if let Some(url) = &self.store.database_url {
            args.extend(["--database-url".into(), url.clone()]);
        }
        if self.auth {
            args.push("--auth".into());
        }
        if let Some(node) = &self.node {
            args.extend([
                "--nats".into(),
                node.nats_url.clone(),
                "--node-name".into(),
                node.name.clone(),
                "--balancer".into(),
                node.balancer.clone(),
            ]);
        }
        args
    }
}

/// A new database `name` on the PostgreSQL server at `admin`; its URL.
pub async fn fresh_database(admin: &str, name: &str) -> Result<String, Box<dyn std::error::Error>> {
    use sqlx::Connection;
    let mut conn = sqlx::PgConnection::connect(admin).await?;
    sqlx::query(&format!("DROP DATABASE IF EXISTS {name}"))
        .execute(&mut conn)
        .await?;
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut conn)
        .await?;
    let mut url = reqwest::Url::parse(admin)?;
    url.set_path(name);
    Ok(url.to_string())
}

/// A running server child. Dropping it stops the child and removes its data
/// directory.
pub struct ServerProcess {
    child: Child,
    stdin: Option<ChildStdin>,
    _stdout: ChildStdout,
    data_dir: PathBuf,
    pub addr: SocketAddr,
}

impl ServerProcess {
    /// Starts `<this program> --serve` and waits until it listens.
    pub fn start(spec: &ServeSpec) -> Result<ServerProcess, String> {
        ServerProcess::spawn(spec.args())
    }

    /// Starts `<this program> args --data-dir <a new temp dir>` and waits
    /// until it says where it listens.
    pub fn spawn(args: Vec<String>) -> Result<ServerProcess, String> {
        let exe = std::env::current_exe().map_err(|e| format!("cannot find this program: {e}"))?;
        let data_dir = std::env::temp_dir().join(format!(
            "loquat-chat-load-{}-{}",
            std::process::id(),
            next_id()
        ));
        std::fs::create_dir_all(&data_dir)
            .map_err(|e| format!("cannot create {}: {e}", data_dir.display()))?;
        let mut command = Command::new(exe);
        command.args(args);
        let spawned = command
            .arg("--data-dir")
            .arg(&data_dir)
            // Configuration comes from code, never from the environment.
            .env_remove("LOQUAT_HOST")
            .env_remove("LOQUAT_PORT")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn();
        let mut child = match spawned {
            Ok(child) => child,
            Err(e) => {
                remove_dir(&data_dir);
                return Err(format!("cannot start the server: {e}"));
            }
        };
        let (stdin, stdout) = (child.stdin.take(), child.stdout.take());
        let Some(stdout) = stdout else {
            stop(&mut child, None, &data_dir);
            return Err("the server's output is not piped".into());
        };
        let mut reader = BufReader::new(stdout);
        let mut line = String::new();
        let addr = match reader.read_line(&mut line) {
            Ok(n) if n > 0 => line
                .trim()
                .strip_prefix(LISTENING)
                .and_then(|a| a.parse::<SocketAddr>().ok()),
            _ => None,
        };
        let Some(addr) = addr.filter(|a| a.ip().is_loopback()) else {
            stop(&mut child, stdin, &data_dir);
            return Err(format!(
                "the server did not start (it said {:?})",
                line.trim()
            ));
        };
        Ok(ServerProcess {
            child,
            stdin,
            _stdout: reader.into_inner(),
            data_dir,
            addr,
        })
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        stop(&mut self.child, self.stdin.take(), &self.data_dir);
    }
}

/// Closes the child's stdin (it exits), kills it if it lingers, reaps it.
fn stop(child: &mut Child, stdin: Option<ChildStdin>, data_dir: &Path) {
    drop(stdin);
    let deadline = Instant::now() + Duration::from_secs(2);
    loop {
        match child.try_wait() {
            Ok(Some(_)) => break,
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(20)),
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                break;
            }
        }
    }
    remove_dir(data_dir);
}

fn remove_dir(dir: &Path) {
    let _ = std::fs::remove_dir_all(dir);
}

fn next_id() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    N.fetch_add(1, Ordering::Relaxed)
}
