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
