//! The streaming chat loop through a real server and a real WebSocket.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use loquat::protocol::{ClientEvent, ErrorCode, RunOutcome};
use loquat::{Chat, Loquat, Message, StepType};
use support::{numbered_tokens, Client, TestApp};

/// An app that streams `n` numbered tokens, `pause` apart, for every message.
fn streaming_app(n: usize, pause: Duration) -> Loquat {
    Loquat::new().on_message(move |chat: Chat, _msg: Message| async move {
        let reply = chat.stream(Message::assistant("")).await?;
        for token in numbered_tokens(n) {
            reply.token(&token).await?;
            if !pause.is_zero() {
                tokio::time::sleep(pause).await;
            }
        }
        reply.finish().await?;
        Ok(())
    })
}

#[tokio::test]
async fn a_message_gets_a_complete_in_order_streamed_reply() {
    let app = TestApp::start(streaming_app(300, Duration::ZERO)).await;
    let mut client = app.client().await;
    client.say("hello").await;
    client.wait_for(|c| c.finished_replies().len() == 1).await;

    let user = client.messages_of(StepType::UserMessage);
    assert_eq!(user.len(), 1);
    assert_eq!(user[0].output, "hello");
    let reply = client.finished_replies()[0];
    assert_eq!(reply.output, numbered_tokens(300).concat());
    // Tokens travel as deltas: one per token, never the whole text again.
    let deltas = client
        .events
        .iter()
        .filter(|e| matches!(e, loquat::protocol::ServerEvent::StepDelta { .. }))
        .count();
    assert_eq!(deltas, 300);
    client
        .wait_for(|c| c.run_ends() == vec![RunOutcome::Completed])
        .await;
}

#[tokio::test]
async fn nested_steps_carry_their_parents() {
    let app = TestApp::start(
        Loquat::new().on_message(|chat: Chat, msg: Message| async move {
            let outer = chat.step("outer").kind(StepType::Run).start().await?;
            let inner = outer
                .step("inner")
                .kind(StepType::Tool)
                .input(msg.content.clone())
                .show_input("json")
                .start()
                .await?;
            inner.token("partial ").await?;
            inner.token("output").await?;
            inner.finish().await?;
            let failing = outer.step("failing").kind(StepType::Tool).start().await?;
            failing.fail("tool exploded").await?;
            outer.finish_with("done").await?;
            chat.send(Message::assistant("answer").in_step(&outer))
                .await?;
            Ok(())
        }),
    )
    .await;
    let mut client = app.client().await;
    client.say("{\"q\":1}").await;
    client.wait_for(|c| !c.run_ends().is_empty()).await;

    let outer = client.step_named("outer").unwrap().clone();
    let inner = client.step_named("inner").unwrap();
    let failing = client.step_named("failing").unwrap();
    let answer = client.finished_replies()[0];
    assert_eq!(outer.parent_id, None);
    assert_eq!(inner.parent_id.as_deref(), Some(outer.id.as_str()));
    assert_eq!(failing.parent_id.as_deref(), Some(outer.id.as_str()));
    assert_eq!(answer.parent_id.as_deref(), Some(outer.id.as_str()));
    assert_eq!(inner.output, "partial output");
    assert_eq!(inner.input, "{\"q\":1}");
    assert_eq!(inner.status(), "done");
    assert!(failing.is_error);
    assert_eq!(failing.status(), "error");
    assert_eq!(outer.output, "done");
}

#[tokio::test]
async fn two_sessions_see_only_their_own_events() {
    let app = TestApp::start(
        Loquat::new().on_message(|chat: Chat, msg: Message| async move {
            for i in 0..50 {
                chat.send(Message::assistant(format!("{}-{i}", msg.content)))
                    .await?;
                tokio::task::yield_now().await;
            }
            Ok(())
        }),
    )
    .await;
    let mut a = app.client().await;
    let mut b = app.client().await;
    assert_ne!(a.session_id, b.session_id);
    a.say("alpha").await;
    b.say("beta").await;
    a.wait_for(|c| c.finished_replies().len() == 50).await;
    b.wait_for(|c| c.finished_replies().len() == 50).await;
    assert!(a.steps.iter().all(|s| !s.output.contains("beta")));
    assert!(b.steps.iter().all(|s| !s.output.contains("alpha")));
    assert_eq!(a.steps.len(), 51);
    assert_eq!(b.steps.len(), 51);
}

#[tokio::test]
async fn reconnecting_mid_stream_loses_and_repeats_no_token() {
    let app = TestApp::start(streaming_app(200, Duration::from_micros(300))).await;
    let expected = numbered_tokens(200).concat();
    for round in 0..25 {
        let mut client = app.client().await;
        client.say("go").await;
        // Drop the connection at a different point each round.
        let cut = 5 + round * 7;
        client
            .wait_for(|c| {
                c.steps
                    .iter()
                    .any(|s| s.step_type == StepType::AssistantMessage && s.output.len() >= cut)
            })
            .await;
        let mut client = client.reconnect().await;
        if round % 3 == 0 {
            client = client.reconnect().await; // twice in a row
        }
        client.wait_for(|c| c.finished_replies().len() == 1).await;
        assert_eq!(
            client.finished_replies()[0].output,
            expected,
            "round {round}"
        );
        assert_eq!(
            client.snapshots, 1,
            "replay, not snapshot, in round {round}"
        );
    }
}

#[tokio::test]
async fn the_run_keeps_going_while_no_browser_is_attached() {
    let app = TestApp::start(streaming_app(100, Duration::from_millis(1))).await;
    let mut client = app.client().await;
    client.say("go").await;
    client
        .wait_for(|c| {
            c.steps
                .iter()
                .any(|s| !s.output.is_empty() && s.step_type == StepType::AssistantMessage)
        })
        .await;
    let session = client.session_id.clone();
    client.drop_connection().await;
    // A new tab (no local state) attaches after the run has finished.
    tokio::time::sleep(Duration::from_millis(400)).await;
    let mut tab = Client::connect(app.addr, Some(session), None).await;
    tab.wait_for(|c| c.finished_replies().len() == 1).await;
    assert_eq!(
        tab.finished_replies()[0].output,
        numbered_tokens(100).concat()
    );
    assert_eq!(tab.messages_of(StepType::UserMessage).len(), 1);
}

#[tokio::test]
async fn a_gap_older_than_the_replay_buffer_is_healed_by_a_snapshot() {
    let app = Loquat::new()
        .limits(loquat::RuntimeLimits {
            replay: loquat::ReplayLimits {
                max_events: 16,
                ..Default::default()
            },
            ..Default::default()
        })
        .on_message(|chat: Chat, _msg: Message| async move {
            let reply = chat.stream(Message::assistant("")).await?;
            for t in numbered_tokens(120) {
                reply.token(&t).await?;
                tokio::time::sleep(Duration::from_micros(200)).await;
            }
            reply.finish().await?;
            Ok(())
        });
    let app = TestApp::start(app).await;
    let mut client = app.client().await;
    client.say("go").await;
    client
        .wait_for(|c| {
            c.steps
                .iter()
                .any(|s| s.output.len() > 10 && s.step_type == StepType::AssistantMessage)
        })
        .await;
    let session = client.session_id.clone();
    let applied = client.applied;
    client.drop_connection().await;
    tokio::time::sleep(Duration::from_millis(150)).await;
    let mut client = Client::connect(app.addr, Some(session), Some(applied)).await;
    client.wait_for(|c| c.finished_replies().len() == 1).await;
    assert_eq!(
        client.finished_replies()[0].output,
        numbered_tokens(120).concat()
    );
    assert!(client.snapshots >= 1);
}

/// Session A streams half a reply and its tab goes away; the other half
/// streams while it is away, then session B streams a long reply. A's tab
/// then comes back: within the replay buffers' total it is replayed what
/// it missed, past it (B's events pushed A's out) it gets a snapshot.
/// Either way it ends with the whole reply. Returns A's snapshot count.
async fn come_back_after_another_session_streamed(max_total_bytes: usize) -> usize {
    let gate = Arc::new(tokio::sync::Notify::new());
    let open = gate.clone();
    let app = Loquat::new()
        .limits(loquat::RuntimeLimits {
            replay: loquat::ReplayLimits {
                max_total_bytes,
                ..Default::default()
            },
            ..Default::default()
        })
        .on_message(move |chat: Chat, msg: Message| {
            let gate = gate.clone();
            async move {
                let reply = chat.stream(Message::assistant("")).await?;
                let tokens = numbered_tokens(msg.content.parse().unwrap_or(10));
                for (i, t) in tokens.iter().enumerate() {
                    if msg.content == "200" && i == 100 {
                        gate.notified().await;
                    }
                    reply.token(t).await?;
                }
                reply.finish().await?;
                Ok(())
            }
        });
    let app = TestApp::start(app).await;
    let mut a = app.client().await;
    a.say("200").await;
    let half = numbered_tokens(100).concat();
    a.wait_for(|c| c.steps.iter().any(|s| s.output == half))
        .await;
    a.leave().await;
    open.notify_one();
    let mut b = app.client().await;
    b.say("600").await;
    b.wait_for(|c| c.finished_replies().len() == 1).await;
    let mut a = a.reconnect_to(app.addr, false).await;
    a.wait_for(|c| c.finished_replies().len() == 1).await;
    assert_eq!(
        a.finished_replies()[0].output,
        numbered_tokens(200).concat()
    );
    a.snapshots
}

#[tokio::test]
async fn the_replay_buffers_of_all_sessions_share_one_byte_bound() {
    // Far more than both replies: A is replayed what it missed (its one
    // snapshot is the first connection's).
    assert_eq!(
        come_back_after_another_session_streamed(64 * 1024 * 1024).await,
        1
    );
    // Less than B's reply alone: B's events pushed A's out, and A gets a
    // second snapshot.
    assert_eq!(come_back_after_another_session_streamed(16 * 1024).await, 2);
}

#[tokio::test]
async fn stop_cancels_the_run_and_on_stop_runs() {
    let stops = Arc::new(AtomicUsize::new(0));
    let counter = stops.clone();
    let app = Loquat::new()
        .on_message(|chat: Chat, _msg: Message| async move {
            let reply = chat.stream(Message::assistant("")).await?;
            loop {
                reply.token("more ").await?;
                tokio::time::sleep(Duration::from_millis(2)).await;
            }
        })
        .on_stop(move |chat: Chat| {
            let counter = counter.clone();
            async move {
                counter.fetch_add(1, Ordering::SeqCst);
                chat.send(Message::system("Stopped by the user")).await?;
                Ok(())
            }
        });
    let app = TestApp::start(app).await;
    let mut client = app.client().await;
    client.say("go").await;
    client
        .wait_for(|c| c.steps.iter().any(|s| s.output.len() > 20))
        .await;
    client.send(&ClientEvent::Stop).await;
    client
        .wait_for(|c| c.run_ends() == vec![RunOutcome::Stopped])
        .await;
    assert_eq!(stops.load(Ordering::SeqCst), 1);
    let partial = &client.messages_of(StepType::AssistantMessage)[0];
    assert!(!partial.streaming, "partial reply is closed");
    assert!(partial.output.starts_with("more more"));
    assert_eq!(
        client.messages_of(StepType::SystemMessage)[0].output,
        "Stopped by the user"
    );
    // The session still works after a stop: the next message starts a new run.
    client.say("again").await;
    client
        .wait_for(|c| {
            c.messages_of(StepType::AssistantMessage).len() == 2
                && c.messages_of(StepType::AssistantMessage)[1].output.len() > 10
        })
        .await;
    client.send(&ClientEvent::Stop).await;
    client.wait_for(|c| c.run_ends().len() == 2).await;
    assert_eq!(stops.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn a_failing_or_panicking_hook_shows_an_error_and_the_next_message_works() {
    let app = TestApp::start(
        Loquat::new().on_message(|chat: Chat, msg: Message| async move {
            match msg.content.as_str() {
                "fail" => Err(std::io::Error::other("the database is down").into()),
                "panic" => panic!("boom"),
                _ => {
                    chat.send(Message::assistant("fine")).await?;
                    Ok(())
                }
            }
        }),
    )
    .await;
    let mut client = app.client().await;
    client.say("fail").await;
    client.wait_for(|c| c.run_ends().len() == 1).await;
    client.say("panic").await;
    client.wait_for(|c| c.run_ends().len() == 2).await;
    client.say("ok").await;
    client.wait_for(|c| c.run_ends().len() == 3).await;
    assert_eq!(
        client.run_ends(),
        vec![
            RunOutcome::Failed,
            RunOutcome::Failed,
            RunOutcome::Completed
        ]
    );
    let errors: Vec<_> = client.steps.iter().filter(|s| s.is_error).collect();
    assert_eq!(errors.len(), 2);
    assert!(errors[0].output.contains("the database is down"));
    assert!(errors[1].output.contains("crashed"));
    assert!(
        !errors[1].output.contains("boom"),
        "panic detail hidden outside debug mode"
    );
    assert_eq!(
        client
            .finished_replies()
            .iter()
            .filter(|s| !s.is_error)
            .count(),
        1
    );
}

#[tokio::test]
async fn debug_mode_shows_the_full_cause_chain() {
    #[derive(Debug, thiserror::Error)]
    #[error("could not answer")]
    struct Outer(#[source] std::io::Error);
    let mut config = loquat::config::Config::default();
    config.project.debug = true;
    let app = Loquat::new().on_message(|_chat: Chat, _msg: Message| async move {
        Err(Outer(std::io::Error::other("disk full")).into())
    });
    let app = TestApp::start_with(app, config).await;
    let mut client = app.client().await;
    client.say("x").await;
    client.wait_for(|c| c.run_ends().len() == 1).await;
    let error = client.steps.iter().find(|s| s.is_error).unwrap();
    assert!(error.output.contains("could not answer"));
    assert!(error.output.contains("disk full"));
}

#[tokio::test]
async fn malformed_and_binary_frames_are_refused_and_the_connection_stays_usable() {
    let app = TestApp::start(streaming_app(3, Duration::ZERO)).await;
    let mut client = app.client().await;
    client.send_raw("{not json".into()).await;
    client.wait_for(|c| c.errors.len() == 1).await;
    client
        .send_raw("{\"type\":\"launch_missiles\"}".into())
        .await;
    client.wait_for(|c| c.errors.len() == 2).await;
    client.send_binary(vec![1, 2, 3]).await;
    client.wait_for(|c| c.errors.len() == 3).await;
    client.say("   ").await;
    client.wait_for(|c| c.errors.len() == 4).await;
    assert_eq!(
        client.error_codes(),
        vec![
            ErrorCode::MalformedFrame,
            ErrorCode::MalformedFrame,
            ErrorCode::UnsupportedFrame,
            ErrorCode::EmptyMessage
        ]
    );
    client.say("still there?").await;
    client.wait_for(|c| c.finished_replies().len() == 1).await;
    assert!(client
        .messages_of(StepType::UserMessage)
        .iter()
        .all(|m| m.output == "still there?"));
}

#[tokio::test]
async fn a_frame_over_the_limit_closes_the_socket_before_it_is_buffered_and_the_session_survives() {
    let limits = loquat::RuntimeLimits {
        max_frame_bytes: 64 * 1024,
        ..loquat::RuntimeLimits::default()
    };
    let app = TestApp::start(streaming_app(3, Duration::ZERO).limits(limits)).await;
    let mut client = app.client().await;
    client.say("first").await;
    client.wait_for(|c| c.finished_replies().len() == 1).await;
    client
        .send_raw(format!(
            "{{\"type\":\"send\",\"content\":\"{}\"}}",
            "x".repeat(65 * 1024)
        ))
        .await;
    // 1009: message too big.
    assert_eq!(client.close_code().await, Some(1009));
    let session = client.session_id.clone();
    let mut client = support::Client::connect(app.addr, Some(session.clone()), None).await;
    assert_eq!(
        client.session_id, session,
        "the same session, not a new one"
    );
    client.say("second").await;
    client.wait_for(|c| c.finished_replies().len() == 2).await;
    let sent: Vec<String> = client
        .messages_of(StepType::UserMessage)
        .iter()
        .map(|m| m.output.clone())
        .collect();
    assert_eq!(sent, ["first", "second"]);
}

#[tokio::test]
async fn frames_before_hello_are_refused() {
    let app = TestApp::start(streaming_app(1, Duration::ZERO)).await;
    let (mut ws, _) = tokio_tungstenite::connect_async(format!("ws://{}/ws", app.addr))
        .await
        .unwrap();
    use futures_util::{SinkExt, StreamExt};
    ws.send(tokio_tungstenite::tungstenite::Message::Text(
        "{\"type\":\"stop\"}".into(),
    ))
    .await
    .unwrap();
    let frame = tokio::time::timeout(support::DEADLINE, ws.next())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    let text = frame.into_text().unwrap();
    assert!(text.contains("not_ready"), "{text}");
}

#[tokio::test]
async fn messages_sent_during_a_run_are_queued_in_order() {
    let app = TestApp::start(
        Loquat::new().on_message(|chat: Chat, msg: Message| async move {
            tokio::time::sleep(Duration::from_millis(30)).await;
            chat.send(Message::assistant(format!("re: {}", msg.content)))
                .await?;
            Ok(())
        }),
    )
    .await;
    let mut client = app.client().await;
    for i in 0..5 {
        client.say(&format!("m{i}")).await;
    }
    client.wait_for(|c| c.finished_replies().len() == 5).await;
    let replies: Vec<_> = client
        .finished_replies()
        .iter()
        .map(|s| s.output.clone())
        .collect();
    assert_eq!(
        replies,
        (0..5).map(|i| format!("re: m{i}")).collect::<Vec<_>>()
    );
    // All five user messages show at once, before their replies.
    let first_reply = client
        .steps
        .iter()
        .position(|s| s.step_type == StepType::AssistantMessage)
        .unwrap();
    assert!(first_reply >= 5);
}

#[tokio::test]
async fn chat_start_greets_and_the_conversation_is_available_as_openai_messages() {
    let app = TestApp::start(
        Loquat::new()
            .on_chat_start(|chat: Chat| async move {
                chat.user_session().set("greeted", true);
                chat.send(Message::assistant("Hi! Ask me something."))
                    .await?;
                Ok(())
            })
            .on_message(|chat: Chat, _msg: Message| async move {
                let history = chat.messages();
                let greeted: bool = chat.user_session().get("greeted").unwrap_or(false);
                let roles: Vec<String> = history.iter().map(|m| format!("{:?}", m.role)).collect();
                chat.send(Message::assistant(format!(
                    "{} greeted={greeted}",
                    roles.join(",")
                )))
                .await?;
                Ok(())
            }),
    )
    .await;
    let mut client = app.client().await;
    client.wait_for(|c| c.finished_replies().len() == 1).await;
    client.say("question").await;
    client.wait_for(|c| c.finished_replies().len() == 2).await;
    assert_eq!(
        client.finished_replies()[1].output,
        "Assistant,User greeted=true"
    );
}

#[tokio::test]
async fn an_idle_session_expires_and_on_chat_end_runs() {
    let ended = Arc::new(AtomicUsize::new(0));
    let counter = ended.clone();
    let mut config = loquat::config::Config::default();
    config.project.session_timeout = Duration::from_millis(300);
    let app = Loquat::new()
        .on_message(|chat: Chat, _m: Message| async move {
            chat.send(Message::assistant("ok")).await?;
            Ok(())
        })
        .on_chat_end(move |_chat: Chat| {
            let counter = counter.clone();
            async move {
                counter.fetch_add(1, Ordering::SeqCst);
                Ok(())
            }
        });
    let app = TestApp::start_with(app, config).await;
    let client = app.client().await;
    let old = client.session_id.clone();
    client.drop_connection().await;
    let deadline = tokio::time::Instant::now() + support::DEADLINE;
    while ended.load(Ordering::SeqCst) == 0 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "session never expired"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let mut again = Client::connect(app.addr, Some(old.clone()), Some(3)).await;
    assert_ne!(again.session_id, old);
    again.wait_for(|c| c.snapshots == 1).await;
    assert_eq!(again.error_codes(), vec![ErrorCode::SessionExpired]);
}

#[tokio::test]
async fn new_chat_ends_the_session_at_once() {
    let ended = Arc::new(AtomicUsize::new(0));
    let counter = ended.clone();
    let app = TestApp::start(Loquat::new().on_chat_end(move |_chat: Chat| {
        let counter = counter.clone();
        async move {
            counter.fetch_add(1, Ordering::SeqCst);
            Ok(())
        }
    }))
    .await;
    let mut client = app.client().await;
    client.send(&ClientEvent::EndChat).await;
    let deadline = tokio::time::Instant::now() + support::DEADLINE;
    while ended.load(Ordering::SeqCst) == 0 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "on_chat_end never ran"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test]
async fn websocket_origins_outside_allow_origins_are_refused() {
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    let mut config = loquat::config::Config::default();
    config.project.allow_origins = vec!["https://trusted.example".into()];
    let app = TestApp::start_with(streaming_app(1, Duration::ZERO), config).await;
    let url = format!("ws://{}/ws", app.addr);
    let with_origin = |origin: &str| {
        let mut request = url.clone().into_client_request().unwrap();
        request
            .headers_mut()
            .insert("origin", origin.parse().unwrap());
        request
    };
    let refused = tokio_tungstenite::connect_async(with_origin("https://evil.example")).await;
    match refused {
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            assert_eq!(response.status(), 403)
        }
        other => panic!("foreign origin was not refused: {other:?}"),
    }
    assert!(
        tokio_tungstenite::connect_async(with_origin("https://trusted.example"))
            .await
            .is_ok()
    );
    let same_origin = format!("http://{}", app.addr);
    assert!(tokio_tungstenite::connect_async(with_origin(&same_origin))
        .await
        .is_ok());
}
