//! Several nodes as one app: real nodes sharing a real PostgreSQL and a
//! real NATS with JetStream (both started by `scripts/services.sh`), real
//! WebSockets. A tab on one node follows a session running on another; a
//! reconnect through another node replays what it missed; stop and
//! answers reach the run wherever the tab is; a node killed with SIGKILL
//! mid-reply hands its chats over; a node stopping with SIGTERM drains.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::time::Duration;

use loquat::config::Config;
use loquat::protocol::{AskAnswer, ClientEvent, RunOutcome, ServerEvent, StepType};
use loquat::{Chat, Loquat, Message};
use support::process::{free_port, loquat_logging_to, Proc};
use support::stores::Place;
use support::{Client, TempDir, TestApp, DEADLINE};

/// The NATS the tests share; a missing one fails the test (the README's
/// test command always starts one).
fn nats_url() -> String {
    std::env::var("LOQUAT_TEST_NATS_URL").unwrap_or_else(|_| {
        panic!(
            "LOQUAT_TEST_NATS_URL is not set: run the tests with scripts/test.sh, or \
             `scripts/services.sh cargo test …`, which start a throwaway NATS with JetStream"
        )
    })
}

/// "long" streams 300 tokens 10 ms apart; "ask" asks for a name and
/// greets it; anything else is echoed in five tokens.
fn app() -> Loquat {
    Loquat::new().on_message(|chat: Chat, msg: Message| async move {
        if msg.content == "ask" {
            let name = chat.ask_text("Your name?").await?;
            let name = name.unwrap_or_default();
            chat.send(Message::assistant(format!("hello {name}")))
                .await?;
            return Ok(());
        }
        let reply = chat.stream(Message::assistant("")).await?;
        let (count, pause) = match msg.content.as_str() {
            "long" => (300, 10),
            _ => (5, 0),
        };
        for i in 0..count {
            reply.token(&format!("{} {i}. ", msg.content)).await?;
            if pause > 0 {
                tokio::time::sleep(Duration::from_millis(pause)).await;
            }
        }
        reply.finish().await?;
        Ok(())
    })
}

/// A node of a cluster on `place`'s database, in this process.
async fn node(place: &Place, name: &str) -> TestApp {
    let mut config: Config = place.config();
    config.cluster.nats_url = Some(nats_url());
    config.cluster.node_name = Some(format!("{name}-{}", loquat::SessionId::generate()));
    TestApp::start_in(app(), config, place.data_dir()).await
}

fn replies(client: &Client) -> Vec<String> {
    client
        .messages_of(StepType::AssistantMessage)
        .iter()
        .map(|s| s.output.clone())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tab_on_another_node_sees_the_stream_and_its_messages_reach_the_run() {
    let place = Place::postgres().await;
    let (a, b) = (node(&place, "a").await, node(&place, "b").await);
    let mut on_a = a.client().await;
    on_a.say("one").await;
    on_a.wait_for(|c| c.run_ends() == vec![RunOutcome::Completed])
        .await;

    // A second tab of the same session, through node B.
    let mut on_b = Client::connect(b.addr, Some(on_a.session_id.clone()), None).await;
    assert_eq!(
        on_b.session_id, on_a.session_id,
        "B started a session of its own"
    );
    on_b.wait_for(|c| c.snapshots == 1).await;
    assert_eq!(replies(&on_b), replies(&on_a));

    // A message sent through B runs on A; both tabs see it stream.
    on_b.say("two").await;
    for tab in [&mut on_a, &mut on_b] {
        tab.wait_for(|c| c.finished_replies().len() == 2).await;
    }
    assert_eq!(replies(&on_b), replies(&on_a));
    assert_eq!(replies(&on_a)[1], "two 0. two 1. two 2. two 3. two 4. ");
    a.stop().await;
    b.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reconnect_through_another_node_replays_exactly_what_it_missed() {
    let place = Place::postgres().await;
    let (a, b) = (node(&place, "a").await, node(&place, "b").await);
    let mut client = a.client().await;
    client.say("long").await;
    client
        .wait_for(|c| c.steps.iter().any(|s| s.output.contains("long 20. ")))
        .await;
    // Gone mid-reply; back through B while the reply goes on on A.
    let missed_from = client.applied;
    let client = client.reconnect_to(b.addr, false).await;
    let mut client = client;
    client
        .wait_for(|c| c.run_ends() == vec![RunOutcome::Completed])
        .await;
    // Replayed from the stream by sequence number (the client checks
    // that every event follows the one before): no snapshot needed.
    assert_eq!(client.snapshots, 1, "took a snapshot instead of a replay");
    assert!(client.applied > missed_from);
    let expected: String = (0..300).map(|i| format!("long {i}. ")).collect();
    assert_eq!(replies(&client), vec![expected]);
    a.stop().await;
    b.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stop_and_answers_sent_through_another_node_reach_the_run() {
    let place = Place::postgres().await;
    let (a, b) = (node(&place, "a").await, node(&place, "b").await);
    let mut on_a = a.client().await;
    let mut on_b = Client::connect(b.addr, Some(on_a.session_id.clone()), None).await;
    on_b.wait_for(|c| c.snapshots == 1).await;

    on_a.say("ask").await;
    on_b.wait_for(|c| {
        c.events
            .iter()
            .any(|e| matches!(e, ServerEvent::AskStarted { .. }))
    })
    .await;
    let ask_id = on_b
        .events
        .iter()
        .find_map(|e| match e {
            ServerEvent::AskStarted { ask } => Some(ask.id.clone()),
            _ => None,
        })
        .unwrap();
    on_b.send(&ClientEvent::Answer {
        id: ask_id,
        answer: AskAnswer::Text {
            content: "Ada".into(),
        },
    })
    .await;
    on_a.wait_for(|c| replies(c).iter().any(|r| r == "hello Ada"))
        .await;

    on_a.say("long").await;
    on_b.wait_for(|c| c.steps.iter().any(|s| s.output.contains("long 5. ")))
        .await;
    on_b.send(&ClientEvent::Stop).await;
    on_a.wait_for(|c| c.run_ends().last() == Some(&RunOutcome::Stopped))
        .await;
    let cut = replies(&on_a).last().cloned().unwrap();
    assert!(
        !cut.contains("long 299. "),
        "the stop did not reach the run"
    );
    a.stop().await;
    b.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thread_deleted_through_another_node_ends_its_chat_there() {
    let place = Place::postgres().await;
    let (a, b) = (node(&place, "a").await, node(&place, "b").await);
    let mut client = a.client().await;
    client.say("one").await;
    client
        .wait_for(|c| c.run_ends() == vec![RunOutcome::Completed])
        .await;
    let (status, body) = b
        .server_fn("threads/delete", &[("id", client.thread_id.as_str())])
        .await;
    assert_eq!(status, 200, "{body}");
    // The session on A ends: its socket closes.
    let closed = tokio::time::timeout(DEADLINE, async { while client.recv_frame().await {} }).await;
    assert!(closed.is_ok(), "the chat on A outlived its deleted thread");
    a.stop().await;
    b.stop().await;
}

/// The `loquat` binary as a node of a cluster on `place`'s database.
async fn node_process(place: &Place, dir: &TempDir, name: &str) -> (Proc, std::net::SocketAddr) {
    let port = free_port();
    let mut env = place.env();
    env.push(("LOQUAT_CLUSTER_NATS_URL", nats_url()));
    env.push((
        "LOQUAT_CLUSTER_NODE_NAME",
        format!("{name}-{}", loquat::SessionId::generate()),
    ));
    let log = std::fs::File::create(dir.path.join(format!("{name}.log"))).unwrap();
    let proc = loquat_logging_to(port, dir, &env, log).await;
    (proc, format!("127.0.0.1:{port}").parse().unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_killed_mid_reply_hands_its_chat_to_another_node() {
    let place = Place::postgres().await;
    let (dir_a, dir_b) = (TempDir::new(), TempDir::new());
    let (mut a, addr_a) = node_process(&place, &dir_a, "a").await;
    let (_b, addr_b) = node_process(&place, &dir_b, "b").await;
    let mut client = Client::connect(addr_a, None, None).await;
    client.say("first").await;
    client
        .wait_for(|c| c.run_ends() == vec![RunOutcome::Completed])
        .await;
    let first = replies(&client);
    client.say("tell me a long story").await;
    client
        .wait_for(|c| {
            c.steps
                .last()
                .is_some_and(|s| s.step_type == StepType::AssistantMessage && s.streaming)
        })
        .await;
    a.child.kill().unwrap(); // SIGKILL
    let _ = a.child.wait();

    // The browser reconnects (a load balancer sends it to B).
    let mut client = client.reconnect_to(addr_b, true).await;
    client.wait_for(|c| c.snapshots >= 2).await;
    assert!(client.steps.iter().all(|s| !s.streaming));
    assert_eq!(replies(&client)[0], first[0], "a completed reply was lost");
    client
        .wait_for(|c| {
            c.messages_of(StepType::SystemMessage)
                .iter()
                .any(|s| s.output.contains("stopped before it finished"))
        })
        .await;
    // And the chat goes on through B.
    let before = client.finished_replies().len();
    client.say("still there?").await;
    client
        .wait_for(|c| c.finished_replies().len() > before)
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_stopping_lets_the_reply_finish_then_hands_the_chat_over() {
    let place = Place::postgres().await;
    let (a, b) = (node(&place, "a").await, node(&place, "b").await);
    let mut client = a.client().await;
    client.say("long").await;
    client
        .wait_for(|c| c.steps.iter().any(|s| s.output.contains("long 10. ")))
        .await;
    let stopping = tokio::spawn(a.stop());
    // The reply finishes on A before it lets go.
    client
        .wait_for(|c| c.run_ends() == vec![RunOutcome::Completed])
        .await;
    tokio::time::timeout(DEADLINE, stopping)
        .await
        .unwrap()
        .unwrap();
    let mut client = client.reconnect_to(b.addr, true).await;
    client.wait_for(|c| c.snapshots >= 2).await;
    let expected: String = (0..300).map(|i| format!("long {i}. ")).collect();
    assert_eq!(replies(&client), vec![expected]);
    assert!(client
        .messages_of(StepType::SystemMessage)
        .iter()
        .all(|s| !s.output.contains("stopped before it finished")));
    client.say("again").await;
    client.wait_for(|c| c.finished_replies().len() == 2).await;
    b.stop().await;
}

/// A node of the password-login echo app (alice and bob).
async fn login_node(place: &Place, name: &str) -> TestApp {
    let mut config: Config = place.config();
    config.cluster.nats_url = Some(nats_url());
    config.cluster.node_name = Some(format!("{name}-{}", loquat::SessionId::generate()));
    config.features.spontaneous_file_upload.enabled = true;
    config.features.spontaneous_file_upload.accept = vec!["text/plain".into()];
    TestApp::start_in(support::auth::with_passwords(), config, place.data_dir()).await
}

async fn signed_in(node: &TestApp, user: &str) -> String {
    let (status, cookie) = support::auth::sign_in(node, user, "wonderland").await;
    assert_eq!(status, 200);
    cookie.expect("a session cookie")
}

async fn upload(node: &TestApp, cookie: &str, session: &str, body: &'static str) -> (u16, String) {
    let response = support::auth::http()
        .post(node.url(&format!("/api/sessions/{session}/files?name=notes.txt")))
        .header("cookie", cookie)
        .body(body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.text().await.unwrap_or_default())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_uploaded_through_another_node_reaches_the_chat() {
    let place = Place::postgres().await;
    let (a, b) = (login_node(&place, "a").await, login_node(&place, "b").await);
    let alice = signed_in(&a, "alice").await;
    let mut client = Client::connect_with(a.addr, &[("cookie", &alice)])
        .await
        .unwrap();
    // The chat runs on A; the upload request reaches B.
    let (status, body) = upload(&b, &alice, &client.session_id, "hello from a file").await;
    assert_eq!(status, 200, "{body}");
    let uploaded: serde_json::Value = serde_json::from_str(&body).unwrap();
    let file = uploaded["id"].as_str().unwrap().to_string();
    client
        .send(&ClientEvent::Send {
            content: "with a file".into(),
            files: vec![file.clone()],
            command: None,
        })
        .await;
    client
        .wait_for(|c| c.steps.iter().any(|s| s.output == "echo: with a file"))
        .await;
    assert!(
        client.elements.iter().any(|e| e.id == file),
        "the message went without its file: {:?}",
        client.elements
    );
    // A type the chat does not take is refused as its node would refuse it.
    let response = support::auth::http()
        .post(b.url(&format!(
            "/api/sessions/{}/files?name=x.png",
            client.session_id
        )))
        .header("cookie", &alice)
        .body(&b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"[..])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 415);
    a.stop().await;
    b.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_users_chat_is_found_on_no_node() {
    let place = Place::postgres().await;
    let (a, b) = (login_node(&place, "a").await, login_node(&place, "b").await);
    let alice = signed_in(&a, "alice").await;
    let mut alices = Client::connect_with(a.addr, &[("cookie", &alice)])
        .await
        .unwrap();
    alices.say("alice's secret").await;
    alices
        .wait_for(|c| c.steps.iter().any(|s| s.output == "echo: alice's secret"))
        .await;

    // Bob, through B, names alice's session: he gets a chat of his own.
    let bob = signed_in(&b, "bob").await;
    let mut bobs = Client::connect_raw_with(b.addr, &[("cookie", &bob)])
        .await
        .unwrap();
    bobs.send(&support::hello(
        Some(alices.session_id.clone()),
        Some(0),
        None,
    ))
    .await;
    bobs.wait_for(|c| c.snapshots == 1).await;
    assert_ne!(bobs.session_id, alices.session_id);
    assert!(bobs.steps.iter().all(|s| !s.output.contains("alice")));
    // …and alice's thread is not found for him.
    let mut probe = Client::open_thread_with(b.addr, &[("cookie", &bob)], &alices.thread_id)
        .await
        .unwrap();
    probe.wait_for(|c| !c.errors.is_empty()).await;
    assert!(probe.steps.is_empty());
    // Nor can he upload into her chat through B.
    let (status, _) = upload(&b, &bob, &alices.session_id, "intrusion").await;
    assert_eq!(status, 404);
    a.stop().await;
    b.stop().await;
}
