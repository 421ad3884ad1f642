//! Feedback on assistant replies through the real server: shown on the
//! message in every tab, kept in the `feedbacks` table (after a restart the
//! reply still has it), in the export, and passed to `on_feedback`; bad
//! feedback is refused and loses nothing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use loquat::config::Config;
use loquat::data::FeedbackRecord;
use loquat::protocol::{ClientEvent, Feedback, ServerEvent, StepType};
use loquat::{Chat, Loquat, Message};
use support::{Client, TempDir, TestApp};

fn app(seen: tokio::sync::mpsc::UnboundedSender<FeedbackRecord>) -> Loquat {
    Loquat::new()
        .on_message(|chat: Chat, msg: Message| async move {
            chat.send(Message::assistant(format!("echo: {}", msg.content)))
                .await?;
            Ok(())
        })
        .on_feedback(move |_chat: Chat, feedback: FeedbackRecord| {
            let seen = seen.clone();
            async move {
                let _ = seen.send(feedback);
                Ok(())
            }
        })
}

fn config() -> Config {
    let mut config = Config::default();
    config.features.feedback_reasons = vec!["Inaccurate".into(), "Too long".into()];
    config
}

fn reply_id(client: &Client) -> String {
    client
        .steps
        .iter()
        .find(|s| s.step_type == StepType::AssistantMessage)
        .map(|s| s.id.clone())
        .unwrap()
}

#[tokio::test]
async fn feedback_is_shown_stored_exported_and_passed_to_the_hook() {
    let dir = TempDir::new();
    let (tx, mut seen) = tokio::sync::mpsc::unbounded_channel();
    let app = TestApp::start_in(self::app(tx.clone()), config(), &dir.path).await;
    let mut client = app.client().await;
    client.say("hi").await;
    client
        .wait_for(|c| c.steps.iter().any(|s| s.output == "echo: hi"))
        .await;
    let reply = reply_id(&client);
    let user = client
        .steps
        .iter()
        .find(|s| s.step_type == StepType::UserMessage)
        .map(|s| s.id.clone())
        .unwrap();

    let good = Feedback {
        value: 0,
        comment: Some("  it got the date wrong ".into()),
        reasons: vec!["Inaccurate".into()],
    };
    client
        .send(&ClientEvent::Feedback {
            step_id: reply.clone(),
            feedback: Some(good),
        })
        .await;
    let stored = Feedback {
        value: 0,
        comment: Some("it got the date wrong".into()),
        reasons: vec!["Inaccurate".into()],
    };
    client
        .wait_for(|c| {
            c.steps
                .iter()
                .any(|s| s.id == reply && s.feedback.as_ref() == Some(&stored))
        })
        .await;
    let hooked = tokio::time::timeout(support::DEADLINE, seen.recv())
        .await
        .unwrap()
        .unwrap();
    assert_eq!((hooked.for_id.as_str(), hooked.value), (reply.as_str(), 0));
    assert_eq!(hooked.comment.as_deref(), Some("it got the date wrong"));

    // Refused, each with an error, and the stored feedback stays.
    let refused = [
        (
            reply.clone(),
            Some(Feedback {
                value: 1,
                comment: None,
                reasons: vec!["Rude".into()],
            }),
        ),
        (
            reply.clone(),
            Some(Feedback {
                value: 1,
                comment: Some("x".repeat(loquat::protocol::MAX_FEEDBACK_COMMENT_CHARS + 1)),
                reasons: vec![],
            }),
        ),
        (
            reply.clone(),
            Some(Feedback {
                value: 7,
                comment: None,
                reasons: vec![],
            }),
        ),
        (user, Some(Feedback::default())),
        ("no-such-step".to_string(), Some(Feedback::default())),
    ];
    let errors_before = client.errors.len();
    for (step_id, feedback) in refused.iter().take(3).cloned() {
        client
            .send(&ClientEvent::Feedback { step_id, feedback })
            .await;
    }
    client
        .wait_for(|c| c.errors.len() >= errors_before + 3)
        .await;
    assert!(client
        .errors
        .iter()
        .all(|e| matches!(e, ServerEvent::Error { .. })));
    for (step_id, feedback) in refused.iter().skip(3).cloned() {
        client
            .send(&ClientEvent::Feedback { step_id, feedback })
            .await;
    }
    let thread_id = client.thread_id.clone();
    client.drop_connection().await;
    app.stop().await;

    // After a restart the reply has its feedback; the export has it too.
    let app = TestApp::start_in(self::app(tx), config(), &dir.path).await;
    let mut resumed = app.open_thread(&thread_id).await;
    resumed
        .wait_for(|c| c.steps.iter().any(|s| s.id == reply))
        .await;
    let step = resumed.steps.iter().find(|s| s.id == reply).unwrap();
    assert_eq!(step.feedback.as_ref(), Some(&stored));
    assert!(resumed
        .steps
        .iter()
        .filter(|s| s.id != reply)
        .all(|s| s.feedback.is_none()));
    let (status, body) = app.get(&format!("/api/threads/{thread_id}/export")).await;
    assert_eq!(status, 200);
    assert!(body.contains("it got the date wrong"), "{body}");

    // Taking it back removes it from the table.
    let mut client = resumed;
    client
        .send(&ClientEvent::Feedback {
            step_id: reply.clone(),
            feedback: None,
        })
        .await;
    client
        .wait_for(|c| {
            c.steps
                .iter()
                .any(|s| s.id == reply && s.feedback.is_none())
        })
        .await;
    client.drop_connection().await;
    app.stop().await;
    let app = TestApp::start_in(
        self::app(tokio::sync::mpsc::unbounded_channel().0),
        config(),
        &dir.path,
    )
    .await;
    let mut resumed = app.open_thread(&thread_id).await;
    resumed
        .wait_for(|c| c.steps.iter().any(|s| s.id == reply))
        .await;
    assert!(resumed.steps.iter().all(|s| s.feedback.is_none()));
}
