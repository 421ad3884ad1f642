//! Conversation operations: edit a user message, rerun, undo and clear.
//! The browser's versions first stop the active run and wait until it has
//! ended; the SDK's versions (called from within hooks) do not.

use std::time::Duration;

use loquat_app::protocol::{Step, StepType};

use super::runner::RunRequest;
use super::session::Session;
use crate::error::ChatError;
use crate::sdk::Message;

/// How long an operation waits for a stopped run to wind down.
const STOP_GRACE: Duration = Duration::from_secs(10);

/// Top-level steps, in order.
fn roots(session: &Session) -> Vec<Step> {
    session.with_steps(|steps| {
        steps
            .iter()
            .filter(|s| s.parent_id.is_none())
            .cloned()
            .collect()
    })
}

fn ids(steps: &[Step]) -> Vec<String> {
    steps.iter().map(|s| s.id.clone()).collect()
}

/// Position of the last top-level user message.
fn last_user_turn(roots: &[Step]) -> Option<usize> {
    roots
        .iter()
        .rposition(|s| s.step_type == StepType::UserMessage)
}

/// Stops the active run and waits until it has ended.
pub(crate) async fn stop_and_wait(session: &Session) {
    let mut seen = session.changes().version();
    session.stop();
    let wait = async {
        while session.is_running() {
            seen = session.changes().after(seen).await;
        }
    };
    let _ = tokio::time::timeout(STOP_GRACE, wait).await;
}

/// Replaces a user message's content, removes what followed it and answers
/// it again.
pub(crate) async fn edit_message(
    session: &Session,
    id: &str,
    content: String,
) -> Result<(), ChatError> {
    stop_and_wait(session).await;
    let roots = roots(session);
    let at = roots
        .iter()
        .position(|s| s.id == id && s.step_type == StepType::UserMessage)
        .ok_or_else(|| ChatError::UnknownStep(id.to_string()))?;
    session.remove_steps(&ids(&roots[at + 1..])).await?;
    session
        .update_step(id, |s| s.output = content.clone())
        .await?;
    answer_again(session, id)
}

/// Answers the last user message again, replacing what followed it.
pub(crate) async fn rerun(session: &Session) -> Result<(), ChatError> {
    stop_and_wait(session).await;
    let roots = roots(session);
    let at = last_user_turn(&roots).ok_or_else(|| ChatError::UnknownStep("user message".into()))?;
    session.remove_steps(&ids(&roots[at + 1..])).await?;
    answer_again(session, &roots[at].id)
}

/// Removes the last user message and everything after it.
pub(crate) async fn undo_turn(session: &Session) -> Result<(), ChatError> {
    stop_and_wait(session).await;
    let roots = roots(session);
    let Some(at) = last_user_turn(&roots) else {
        return Ok(());
    };
    session.remove_steps(&ids(&roots[at..])).await
}

/// Removes everything (the browser's clear).
pub(crate) async fn clear_all(session: &Session) -> Result<(), ChatError> {
    stop_and_wait(session).await;
    session.remove_steps(&ids(&roots(session))).await
}

/// Removes the last `count` top-level messages and every step after the
/// first of them; returns the messages removed, oldest first.
pub(crate) async fn undo(session: &Session, count: usize) -> Result<Vec<Message>, ChatError> {
    if count == 0 {
        return Ok(Vec::new());
    }
    let roots = roots(session);
    let messages: Vec<usize> = roots
        .iter()
        .enumerate()
        .filter(|(_, s)| s.step_type.is_message())
        .map(|(i, _)| i)
        .collect();
    let Some(&from) = messages.get(messages.len().saturating_sub(count)) else {
        return Ok(Vec::new());
    };
    let removed = &roots[from..];
    session.remove_steps(&ids(removed)).await?;
    Ok(removed
        .iter()
        .filter(|s| s.step_type.is_message())
        .map(Message::from_step)
        .collect())
}

/// Removes every step; returns the messages removed.
pub(crate) async fn clear(session: &Session) -> Result<Vec<Message>, ChatError> {
    let roots = roots(session);
    session.remove_steps(&ids(&roots)).await?;
    Ok(roots
        .iter()
        .filter(|s| s.step_type.is_message())
        .map(Message::from_step)
        .collect())
}

/// Queues `on_message` for the message `id` as it is now.
fn answer_again(session: &Session, id: &str) -> Result<(), ChatError> {
    let step = session
        .with_steps(|steps| steps.iter().find(|s| s.id == id).cloned())
        .ok_or_else(|| ChatError::UnknownStep(id.to_string()))?;
    session.enqueue(RunRequest::Message(Box::new(Message::from_step(&step))))
}

/// Queues `on_message` for the last top-level message, whoever wrote it.
pub(crate) fn respond(session: &Session) -> Result<(), ChatError> {
    let last = roots(session)
        .into_iter()
        .rev()
        .find(|s| s.step_type.is_message())
        .ok_or_else(|| ChatError::UnknownStep("message".into()))?;
    session.enqueue(RunRequest::Message(Box::new(Message::from_step(&last))))
}
