//! A rolling restart under load: three `loquat` processes behind nginx
//! (round robin), one PostgreSQL, one NATS; 50 clients chat through nginx
//! while each node in turn is stopped with SIGTERM and started again. Every
//! message gets its whole reply, and every reply a client saw complete is
//! in the database as the client saw it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::net::SocketAddr;
use std::process::Command;
use std::time::Duration;

use loquat::protocol::{Step, StepType};
use loquat::{ThreadId, UserId};
use support::nginx::Nginx;
use support::process::{free_port, loquat_logging_to, Proc};
use support::stores::Place;
use support::{Client, TempDir};

const CLIENTS: usize = 50;
/// Each client sends at least this many messages, and goes on until the
/// restarts are over.
const MIN_MESSAGES: usize = 2;
const MAX_MESSAGES: usize = 12;
/// The demo reply's last words (server/src/demo/offline.rs): a reply that
/// has them came whole.
const LAST_WORDS: &str = "restart the server.";
/// How long one message may take to be answered, reconnections included.
const REPLY_DEADLINE: Duration = Duration::from_secs(90);

fn nats_url() -> String {
    std::env::var("LOQUAT_TEST_NATS_URL").unwrap_or_else(|_| {
        panic!(
            "LOQUAT_TEST_NATS_URL is not set: run the tests with scripts/test.sh, or \
             `scripts/services.sh cargo test …`, which start a throwaway NATS with JetStream"
        )
    })
}

struct Node {
    port: u16,
    dir: TempDir,
    env: Vec<(&'static str, String)>,
    proc: Option<Proc>,
}

impl Node {
    async fn start(&mut self) {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.path.join("node.log"))
            .unwrap();
        self.proc = Some(loquat_logging_to(self.port, &self.dir, &self.env, log).await);
    }

    /// SIGTERM, and waits for the drain to end.
    fn stop(&mut self) {
        let mut proc = self.proc.take().expect("a running node");
        let pid = proc.child.id().to_string();
        assert!(Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success());
        let started = std::time::Instant::now();
        loop {
            if proc.child.try_wait().unwrap().is_some() {
                return;
            }
            assert!(
                started.elapsed() < Duration::from_secs(40),
                "a node did not drain in time"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

/// The user message `text`, and the whole reply after it, if it came.
fn reply_to<'a>(steps: &'a [Step], text: &str) -> Option<&'a Step> {
    let asked = steps
        .iter()
        .position(|s| s.step_type == StepType::UserMessage && s.output == text)?;
    steps[asked + 1..]
        .iter()
        .take_while(|s| s.step_type != StepType::UserMessage)
        .find(|s| {
            s.step_type == StepType::AssistantMessage
                && !s.streaming
                && s.output.contains(LAST_WORDS)
        })
}

/// Chats through `addr` until the restarts are over (at least
/// `MIN_MESSAGES`), reconnecting whenever its socket closes. Returns its
/// thread and what it saw: each message with its reply.
async fn chat(
    addr: SocketAddr,
    n: usize,
    restarting: tokio::sync::watch::Receiver<bool>,
) -> (String, Vec<(String, String)>) {
    let mut client = Client::connect(addr, None, None).await;
    let mut seen = Vec::new();
    for i in 0..MAX_MESSAGES {
        if i >= MIN_MESSAGES && !*restarting.borrow() {
            break;
        }
        let text = format!("client {n}, message {i}");
        let deadline = tokio::time::Instant::now() + REPLY_DEADLINE;
        'answered: loop {
            let asked = client
                .steps
                .iter()
                .any(|s| s.step_type == StepType::UserMessage && s.output == text);
            if !asked {
                client.say(&text).await;
            }
            loop {
                if let Some(reply) = reply_to(&client.steps, &text) {
                    seen.push((text.clone(), reply.output.clone()));
                    break 'answered;
                }
                match tokio::time::timeout_at(deadline, client.recv_frame()).await {
                    Ok(true) => {}
                    // Its node stopped: back through nginx, to another one.
                    Ok(false) => {
                        let with_thread = !client.thread_id.is_empty();
                        client = client.reconnect_to(addr, with_thread).await;
                        continue 'answered;
                    }
                    Err(_) => panic!(
                        "client {n}: no whole reply to {text:?}; steps: {:#?}",
                        client.steps
                    ),
                }
            }
        }
    }
    (client.thread_id.clone(), seen)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rolling_restart_under_load_loses_no_completed_message() {
    let place = Place::postgres().await;
    let ports: Vec<u16> = (0..3).map(|_| free_port()).collect();
    let nginx = Nginx::start(&ports).await;
    let mut nodes = Vec::new();
    for (i, port) in ports.iter().enumerate() {
        let mut env = place.env();
        env.extend([
            ("LOQUAT_CLUSTER_NATS_URL", nats_url()),
            (
                "LOQUAT_CLUSTER_NODE_NAME",
                format!("restart-{i}-{}", loquat::SessionId::generate()),
            ),
            ("LOQUAT_URL", format!("http://{}", nginx.addr)),
            ("LOQUAT_PROJECT_PROXIES", "127.0.0.1".into()),
            ("LOQUAT_DEMO_TOKENS_PER_SEC", "50".into()),
            ("LOQUAT_CLUSTER_DRAIN_TIMEOUT", "30".into()),
        ]);
        let mut node = Node {
            port: *port,
            dir: TempDir::new(),
            env,
            proc: None,
        };
        node.start().await;
        nodes.push(node);
    }

    let nginx = std::sync::Arc::new(nginx);
    let (restarting_tx, restarting) = tokio::sync::watch::channel(true);
    let clients: Vec<_> = (0..CLIENTS)
        .map(|n| tokio::spawn(chat(nginx.addr, n, restarting.clone())))
        .collect();
    // Every node in turn, while the clients chat.
    tokio::time::sleep(Duration::from_secs(2)).await; // let the chats get going
    for node in &mut nodes {
        tokio::task::block_in_place(|| node.stop());
        node.start().await;
    }
    restarting_tx.send_replace(false);

    let mut results = Vec::new();
    for client in clients {
        results.push(client.await.unwrap());
    }
    let data = place.open().await;
    let local = data
        .get_or_create_user(loquat::data::LOCAL_USER)
        .await
        .unwrap();
    let user = UserId::parse(&local.id).unwrap();
    let mut replies = 0;
    for (thread, seen) in &results {
        assert!(seen.len() >= MIN_MESSAGES);
        let thread = ThreadId::parse(thread).unwrap();
        let (_, steps) = data
            .thread_with_steps(&user, &thread)
            .await
            .unwrap()
            .unwrap();
        for (text, reply) in seen {
            let stored = reply_to(&steps, text)
                .unwrap_or_else(|| panic!("the reply to {text:?} is not stored whole"));
            assert_eq!(
                &stored.output, reply,
                "the stored reply to {text:?} differs"
            );
            replies += 1;
        }
    }
    eprintln!("{replies} replies across {CLIENTS} clients and 3 restarts, all stored");
    data.close().await;
    drop(nginx);
}
