//! Runs a session's hooks one at a time, in the order they were queued. A run
//! is a spawned task of its own: it does not depend on any socket, so it goes
//! on when the browser goes away, and only stop or session end cancel it.

use std::sync::{Arc, Weak};

use loquat_app::protocol::{Action, RunOutcome, ServerEvent, Step, StepType};

use super::hooks::HookFuture;
use super::session::Session;
use crate::error::{describe, BoxError};
use crate::sdk::{ActionCall, Chat, Message, SettingsValues};
use crate::time::now_millis;

/// One hook invocation waiting its turn.
#[derive(Debug)]
pub(crate) enum RunRequest {
    ChatStart,
    /// A thread was resumed from history.
    /// `interrupted`: the server running its last reply stopped before
    /// the reply finished (a notice says so first).
    ChatResume {
        interrupted: bool,
    },
    /// Boxed: a queued request stays small.
    Message(Box<Message>),
    /// An action button was clicked: `(message id, action)`.
    Action(Box<(String, Action)>),
    /// The user saved the chat settings (the values as saved).
    SettingsUpdate(Box<serde_json::Map<String, serde_json::Value>>),
    /// The page embedding the app posted it this value.
    WindowMessage(Box<serde_json::Value>),
    /// The user's recording ended and every chunk reached the app.
    AudioEnd,
}

/// Runs the session's queued requests one after the other; ends when the
/// queue is empty (the next request starts it again), or the session is
/// dropped or closed.
pub(crate) async fn run_queue(session: Weak<Session>) {
    loop {
        let Some(session) = session.upgrade() else {
            break;
        };
        let Some((epoch, request)) = session.next_request() else {
            break;
        };
        if session.is_current_epoch(epoch) {
            // Boxed: an idle session's task then only holds the wait for
            // the next request, not room for a whole run's state.
            Box::pin(execute(&session, epoch, request)).await;
        } // else dropped by a stop

        // After every request, run or not: one that never started may
        // still have been marked open by its user message.
        session.mark_run(false);
        session.done_request();
        // A draining node hands the session over once nothing is left to run.
        let runtime = &session.runtime;
        if runtime.is_draining() && !session.is_closed() && session.try_hand_over(false) {
            runtime.hand_over(&session).await;
        }
    }
}

async fn execute(session: &Arc<Session>, epoch: u64, request: RunRequest) {
    let hooks = &session.runtime.hooks;
    let chat = Chat::new(session.clone());
    if let RunRequest::ChatResume { interrupted: true } = request {
        // Said in the thread (and kept in it) before the app's resume hook.
        let _ = chat
            .send(crate::sdk::Message::system(super::INTERRUPTED_NOTICE))
            .await;
        session.mark_run(false);
    }
    let future: HookFuture = match request {
        RunRequest::ChatStart => match &hooks.on_chat_start {
            Some(hook) => hook(chat.clone()),
            None => return,
        },
        RunRequest::ChatResume { .. } => match (&hooks.on_chat_resume, chat.session().record()) {
            (Some(hook), Some(thread)) => hook(chat.clone(), thread),
            _ => return,
        },
        RunRequest::Message(message) => match &hooks.on_message {
            Some(hook) => hook(chat.clone(), *message),
            None => return,
        },
        RunRequest::SettingsUpdate(values) => match &hooks.on_settings_update {
            Some(hook) => hook(chat.clone(), SettingsValues::new(*values)),
            None => return,
        },
        RunRequest::WindowMessage(value) => match &hooks.on_window_message {
            Some(hook) => hook(chat.clone(), *value),
            None => return,
        },
        RunRequest::AudioEnd => match &hooks.on_audio_end {
            Some(hook) => hook(chat.clone()),
            None => return,
        },
        RunRequest::Action(click) => {
            let (message_id, action) = *click;
            match hooks.actions.get(&action.name) {
                Some(hook) => hook(
                    chat.clone(),
                    ActionCall::new(action, message_id, chat.clone()),
                ),
                None => return,
            }
        }
    };
    let run_id = crate::ids::new_id();
    if session
        .emit(ServerEvent::RunStarted {
            run_id: run_id.clone(),
            at: now_millis(),
        })
        .is_err()
    {
        return;
    }
    session.mark_run(true);
    let task = tokio::spawn(future);
    session.set_current_run(Some(task.abort_handle()));
    if !session.is_current_epoch(epoch) {
        task.abort(); // stopped while the run was being started
    }
    let outcome = match task.await {
        Ok(Ok(())) => RunOutcome::Completed,
        Ok(Err(err)) => {
            report_error(session, &err).await;
            RunOutcome::Failed
        }
        Err(join) if join.is_cancelled() => RunOutcome::Stopped,
        Err(join) => {
            report_panic(session, join.into_panic()).await;
            RunOutcome::Failed
        }
    };
    session.set_current_run(None);
    session.close_open_steps().await;
    if outcome == RunOutcome::Stopped {
        if let Some(on_stop) = &hooks.on_stop {
            // on_stop is itself a hook: its failure is reported, not fatal.
            match tokio::spawn(on_stop(chat)).await {
                Ok(Ok(())) => {}
                Ok(Err(err)) => report_error(session, &err).await,
                Err(join) if join.is_panic() => report_panic(session, join.into_panic()).await,
                Err(_) => {}
            }
            session.close_open_steps().await;
        }
    }
    // The run's mark is taken back by the queue (`run_queue`).
    let _ = session.emit(ServerEvent::RunEnded { run_id, outcome });
}

pub(super) async fn report_error(session: &Session, err: &BoxError) {
    let debug = session.runtime.config.project.debug;
    tracing::warn!(session = %session.id, error = %describe(err.as_ref(), true), "hook failed");
    post_error_message(session, describe(err.as_ref(), debug)).await;
}

pub(super) async fn report_panic(session: &Session, payload: Box<dyn std::any::Any + Send>) {
    let detail = payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".into());
    tracing::error!(session = %session.id, panic = %detail, "hook panicked");
    let text = if session.runtime.config.project.debug {
        format!("The assistant crashed: {detail}")
    } else {
        "The assistant crashed while handling this. The error was logged on the server.".into()
    };
    post_error_message(session, text).await;
}

async fn post_error_message(session: &Session, text: String) {
    let now = now_millis();
    let step = Step {
        id: crate::ids::new_id(),
        thread_id: session.thread_id(),
        name: "Error".into(),
        step_type: StepType::AssistantMessage,
        output: text,
        is_error: true,
        created_at: now,
        start: Some(now),
        end: Some(now),
        ..Default::default()
    };
    let _ = session.create_step(step).await;
}
