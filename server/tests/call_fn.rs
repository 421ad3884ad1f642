//! `chat.call_fn`: the hook calls a function of the page that embeds the
//! chat and awaits its answer, through the real server and WebSocket (the
//! test answers as the browser does, with `call_fn_result`): a value, the
//! page's error, a timeout, and answers that are nobody's.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::time::Duration;

use loquat::protocol::{CallFnResult, ClientEvent, ServerEvent};
use loquat::{Chat, Loquat, Message};
use support::{Client, TestApp};

/// Calls the page's `name` with `{"n": 21}` (timeout from the message:
/// `name` or `name slow`) and says what came of it.
fn app() -> Loquat {
    Loquat::new().on_message(|chat: Chat, msg: Message| async move {
        let (name, timeout) = match msg.content.split_once(' ') {
            Some((name, _)) => (name.to_string(), Duration::from_millis(300)),
            None => (msg.content.clone(), Duration::from_secs(10)),
        };
        let reply = match chat
            .call_fn(name, loquat::json!({ "n": 21 }))
            .timeout(timeout)
            .await
        {
            Ok(value) => format!("answered {value}"),
            Err(err) => format!("failed: {err}"),
        };
        chat.send(Message::assistant(reply)).await?;
        Ok(())
    })
}

/// The calls the page got so far: (id, name, args).
fn calls(client: &Client) -> Vec<(String, String, serde_json::Value)> {
    client
        .events
        .iter()
        .filter_map(|event| match event {
            ServerEvent::CallFn { id, name, args } => {
                Some((id.clone(), name.clone(), args.clone()))
            }
            _ => None,
        })
        .collect()
}

async fn answer(client: &mut Client, id: &str, result: CallFnResult) {
    client
        .send(&ClientEvent::CallFnResult {
            id: id.to_string(),
            result,
        })
        .await;
}

async fn reply(client: &mut Client, text: &str) {
    client
        .wait_for(|c| c.steps.iter().any(|s| s.output == text))
        .await;
}

#[tokio::test]
async fn the_hook_gets_the_pages_answer_or_its_error() {
    let app = TestApp::start(app()).await;
    let mut client = Client::connect(app.addr, None, None).await;

    client.say("double").await;
    client.wait_for(|c| calls(c).len() == 1).await;
    let (id, name, args) = calls(&client).remove(0);
    assert_eq!(
        (name.as_str(), args),
        ("double", loquat::json!({ "n": 21 }))
    );
    // An answer to another call is nobody's: the hook still waits.
    answer(
        &mut client,
        "not-a-call",
        CallFnResult::Ok(loquat::json!(0)),
    )
    .await;
    answer(
        &mut client,
        &id,
        CallFnResult::Ok(loquat::json!({ "n": 42 })),
    )
    .await;
    reply(&mut client, "answered {\"n\":42}").await;
    // A second answer to the same call changes nothing, and is no error.
    answer(&mut client, &id, CallFnResult::Ok(loquat::json!(1))).await;

    client.say("missing").await;
    client.wait_for(|c| calls(c).len() == 2).await;
    let id = calls(&client)[1].0.clone();
    let long = "x".repeat(10_000);
    answer(
        &mut client,
        &id,
        CallFnResult::Error(format!("no handler {long}")),
    )
    .await;
    client
        .wait_for(|c| {
            c.steps.iter().any(|s| {
                s.output
                    .starts_with("failed: the page's function call failed: no handler")
            })
        })
        .await;
    // The page's reason is cut to its bound.
    let shown = client
        .steps
        .iter()
        .find(|s| s.output.starts_with("failed:"))
        .unwrap()
        .output
        .len();
    assert!(shown < 1200, "{shown} bytes");
    assert!(client.errors.is_empty(), "{:?}", client.errors);
}

#[tokio::test]
async fn a_page_that_does_not_answer_in_time_is_a_timeout_in_the_hook() {
    let app = TestApp::start(app()).await;
    let mut client = Client::connect(app.addr, None, None).await;
    client.say("slow please").await;
    client.wait_for(|c| calls(c).len() == 1).await;
    reply(
        &mut client,
        "failed: the page did not answer the function call `slow` in time",
    )
    .await;
    // The late answer is dropped without an error.
    let id = calls(&client)[0].0.clone();
    answer(&mut client, &id, CallFnResult::Ok(loquat::json!(true))).await;
    client.say("quick").await;
    client.wait_for(|c| calls(c).len() == 2).await;
    let id = calls(&client)[1].0.clone();
    answer(&mut client, &id, CallFnResult::Ok(loquat::json!("fine"))).await;
    reply(&mut client, "answered \"fine\"").await;
    assert!(client.errors.is_empty(), "{:?}", client.errors);
}

/// Only the chat's own page answers its calls: bob's socket answering
/// alice's call id is nobody's answer (her hook takes her page's), and a
/// page of another site cannot open a socket to answer at all.
#[tokio::test]
async fn another_users_or_another_sites_answer_is_nobodys() {
    let app = TestApp::start(
        app()
            .auth_secret(loquat::auth::AuthSecret::new(support::auth::secret()).unwrap())
            .password_auth(|username, password| async move {
                (matches!(username.as_str(), "alice" | "bob") && password == "wonderland")
                    .then(|| loquat::User::new(username))
            }),
    )
    .await;
    let (_, alice_cookie) = support::auth::sign_in(&app, "alice", "wonderland").await;
    let (_, bob_cookie) = support::auth::sign_in(&app, "bob", "wonderland").await;
    let alice_cookie = alice_cookie.unwrap();
    let mut alice = Client::connect_with(app.addr, &[("cookie", &alice_cookie)])
        .await
        .unwrap();
    let mut bob = Client::connect_with(app.addr, &[("cookie", &bob_cookie.unwrap())])
        .await
        .unwrap();

    alice.say("double").await;
    alice.wait_for(|c| calls(c).len() == 1).await;
    let id = calls(&alice)[0].0.clone();
    // Bob answers alice's call, then chats: once his own call arrives, his
    // socket's earlier answer has been handled.
    answer(&mut bob, &id, CallFnResult::Ok(loquat::json!("bob's"))).await;
    bob.say("triple").await;
    bob.wait_for(|c| calls(c).len() == 1).await;
    assert_ne!(calls(&bob)[0].0, id);

    // Another site's page, with alice's cookie, is refused at the handshake.
    let foreign = Client::connect_with(
        app.addr,
        &[
            ("cookie", &alice_cookie),
            ("origin", "https://evil.example"),
        ],
    )
    .await;
    assert_eq!(foreign.err(), Some(403));

    // Alice's hook still waits, and takes her page's answer.
    answer(&mut alice, &id, CallFnResult::Ok(loquat::json!(42))).await;
    reply(&mut alice, "answered 42").await;
    assert!(alice.errors.is_empty(), "{:?}", alice.errors);
}
