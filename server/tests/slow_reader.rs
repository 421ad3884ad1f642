//! A client that stops reading is dropped once a frame waits longer than
//! `send_timeout`, instead of the server queueing a reply for it without
//! end; the run goes on, and a reconnect gets the whole reply.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::time::Duration;

use loquat::protocol::{RunOutcome, StepType};
use loquat::{Chat, Loquat, Message, RuntimeLimits, WebSocketLimits};
use support::{Client, TestApp, DEADLINE};

/// Messages in the flood, of [`SIZE`] bytes each: 25 MB in all, far more
/// than the socket buffers between server and client hold, so a client
/// that does not read blocks the server's sends.
const COUNT: usize = 400;
const SIZE: usize = 64 * 1024;

fn flood() -> Loquat {
    Loquat::new().on_message(|chat: Chat, _msg: Message| async move {
        let text = "z".repeat(SIZE);
        for _ in 0..COUNT {
            chat.send(Message::assistant(text.clone())).await?;
        }
        Ok(())
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_stops_reading_is_dropped_and_the_run_goes_on() {
    let limits = RuntimeLimits {
        websocket: WebSocketLimits {
            send_timeout: Duration::from_millis(300),
            ..WebSocketLimits::default()
        },
        ..RuntimeLimits::default()
    };
    let app = TestApp::start(flood().limits(limits)).await;
    let mut client = app.client().await;
    client.say("flood me").await;
    // Not reading: the server's sends back up, and the slowest frame waits
    // far longer than send_timeout. (A pause, not a wait for readiness: it
    // is the slowness under test.)
    tokio::time::sleep(Duration::from_secs(3)).await;
    // What was in flight arrives, then the socket ends, before the reply
    // could have.
    let deadline = tokio::time::Instant::now() + DEADLINE;
    loop {
        let alive = tokio::time::timeout_at(deadline, client.recv_frame())
            .await
            .expect("the server never dropped the slow client");
        if !alive {
            break;
        }
    }
    assert!(
        client.run_ends().is_empty(),
        "the whole reply reached a client that did not read"
    );

    // The session stayed, and its run finished: a reconnect sees the reply.
    let mut back = Client::connect(app.addr, Some(client.session_id.clone()), None).await;
    back.wait_for(|c| {
        c.messages_of(StepType::AssistantMessage).len() == COUNT
            || c.run_ends() == [RunOutcome::Completed]
    })
    .await;
    back.wait_for(|c| c.messages_of(StepType::AssistantMessage).len() == COUNT)
        .await;
    let replies = back.messages_of(StepType::AssistantMessage);
    assert!(replies.iter().all(|m| m.output.len() == SIZE));
}
