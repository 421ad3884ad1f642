//! What a client asks of its session: [`Session::handle`] takes one
//! [`ClientEvent`] (after `hello`) and does it, or says why not. The
//! transport (the WebSocket in `http/ws.rs`) only parses frames and sends
//! the refusal back; every rule lives here.

use std::sync::Arc;

use loquat_app::protocol::{Action, ClientEvent, Element, ElementKind, ErrorCode, StepType};
use loquat_app::protocol::{CallFnResult, MAX_CALL_FN_ERROR_BYTES};
use loquat_app::protocol::{Feedback, ServerEvent, REACTIONS_KEY};

use super::answers;
use super::operations;
use super::runner::RunRequest;
use super::session::Session;
use super::{Handled, Refusal};
use crate::data::FeedbackRecord;
use crate::error::ChatError;
use crate::sdk::{with_prop, Chat};

impl Session {
    /// Does what `event` asks, or refuses it. Clicks, reactions, element
    /// updates and settings saves count against the session's rate
    /// ([`crate::SessionLimits::interactions_per_second`]); over it they
    /// are dropped with [`ErrorCode::RateLimited`].
    pub(crate) async fn handle(self: &Arc<Self>, event: ClientEvent) -> Result<Handled, Refusal> {
        let runtime = &self.runtime;
        let Some(_busy) = self.enter() else {
            return Err(Refusal::new(
                ErrorCode::NotReady,
                "this chat is moving to another server; send that again in a moment",
            ));
        };
        let interaction = matches!(
            event,
            ClientEvent::ActionClicked { .. }
                | ClientEvent::React { .. }
                | ClientEvent::Feedback { .. }
                | ClientEvent::ElementPropsUpdated { .. }
                | ClientEvent::ElementRemoveRequested { .. }
                | ClientEvent::ElementAction { .. }
                | ClientEvent::UpdateSettings { .. }
                | ClientEvent::WindowMessage { .. }
                | ClientEvent::CallFnResult { .. }
        );
        if interaction && !self.take_interaction() {
            return Err(Refusal::new(
                ErrorCode::RateLimited,
                "too many clicks or updates at once; this one was dropped",
            ));
        }
        match event {
            ClientEvent::Hello { .. } => Err(Refusal::new(
                ErrorCode::MalformedFrame,
                "already attached to a session",
            )),
            // The socket that sends them holds the stream (see
            // `runtime::audio`): they never come this way from a tab of
            // this server, only relayed from another node's.
            // Answered by the socket that asks (see `runtime::math`).
            ClientEvent::RenderMath { .. } => Err(Refusal::new(
                ErrorCode::UnsupportedFrame,
                "render_math is answered by the connection that sends it",
            )),
            ClientEvent::AudioStart { .. } | ClientEvent::AudioEnd => Err(Refusal::new(
                ErrorCode::AudioStopped,
                "audio goes to the server running the chat; reload the page",
            )),
            ClientEvent::Send {
                content,
                files,
                command,
            } => {
                answers::send(self, content, files, command).await?;
                Ok(Handled::Continue)
            }
            ClientEvent::UpdateSettings { values } => {
                self.update_settings(values)?;
                Ok(Handled::Continue)
            }
            ClientEvent::WindowMessage { value } => {
                // The browser passes on only what the configured origins
                // post, but it is not trusted: without origins or a hook
                // there is nothing to pass a message to.
                if runtime.config.project.window_message_origins.is_empty()
                    || runtime.hooks.on_window_message.is_none()
                {
                    return Err(Refusal::new(
                        ErrorCode::FeatureDisabled,
                        "this app takes no window messages",
                    ));
                }
                self.enqueue_for_client(RunRequest::WindowMessage(Box::new(value)))?;
                Ok(Handled::Continue)
            }
            ClientEvent::CallFnResult { id, result } => {
                let result = match result {
                    CallFnResult::Error(reason) => {
                        CallFnResult::Error(bounded(reason, MAX_CALL_FN_ERROR_BYTES))
                    }
                    ok => ok,
                };
                // A late answer (the call timed out, or another tab of the
                // chat answered first) is nobody's: dropped without a fuss.
                self.finish_call(&id, result);
                Ok(Handled::Continue)
            }
            ClientEvent::McpAdd { name, url, headers } => {
                let chat = Chat::new(self.clone());
                self.mcp
                    .add(&chat, &name, &url, &headers)
                    .map_err(mcp_refusal)?;
                Ok(Handled::Continue)
            }
            ClientEvent::McpRemove { name } => {
                let chat = Chat::new(self.clone());
                // Checked now (a refusal goes back to this tab); the
                // connection closes and the hook runs on their own task.
                self.mcp.remove(&chat, &name).map_err(mcp_refusal)?;
                Ok(Handled::Continue)
            }
            ClientEvent::Answer { id, answer } => {
                answers::answer(self, &id, answer).await?;
                Ok(Handled::Continue)
            }
            ClientEvent::EditMessage { id, content } => {
                if !self.edit_message_on() {
                    return Err(Refusal::new(
                        ErrorCode::FeatureDisabled,
                        "editing messages is turned off",
                    ));
                }
                if content.trim().is_empty() {
                    return Err(Refusal::new(
                        ErrorCode::EmptyMessage,
                        "the message is empty",
                    ));
                }
                if !self.is_user_message(&id) {
                    return Err(Refusal::new(
                        ErrorCode::UnknownStep,
                        "there is no such message to edit",
                    ));
                }
                self.spawn_operation(move |s| async move {
                    operations::edit_message(&s, &id, content).await
                });
                Ok(Handled::Continue)
            }
            ClientEvent::Rerun => {
                self.spawn_operation(|s| async move { operations::rerun(&s).await });
                Ok(Handled::Continue)
            }
            ClientEvent::Undo => {
                self.spawn_operation(|s| async move { operations::undo_turn(&s).await });
                Ok(Handled::Continue)
            }
            ClientEvent::Clear => {
                self.spawn_operation(|s| async move { operations::clear_all(&s).await });
                Ok(Handled::Continue)
            }
            ClientEvent::Stop => {
                self.stop();
                Ok(Handled::Continue)
            }
            ClientEvent::EndChat => {
                runtime.end_session(&self.id);
                Ok(Handled::End)
            }
            ClientEvent::ActionClicked { step_id, action_id } => {
                // The action is taken from the thread, never from the browser.
                let action = self
                    .step(&step_id)
                    .and_then(|step| step.actions.into_iter().find(|a| a.id == action_id))
                    .filter(|action| runtime.hooks.actions.contains_key(&action.name))
                    .ok_or_else(|| {
                        Refusal::new(
                            ErrorCode::UnknownAction,
                            "that action is no longer available",
                        )
                    })?;
                self.enqueue_for_client(RunRequest::Action(Box::new((step_id, action))))?;
                Ok(Handled::Continue)
            }
            ClientEvent::React {
                step_id,
                reaction,
                active,
            } => {
                if !runtime.config.ui.reactions.contains(&reaction) {
                    return Err(Refusal::new(
                        ErrorCode::FeatureDisabled,
                        "that reaction is not offered",
                    ));
                }
                self.react(&step_id, &reaction, active)?;
                Ok(Handled::Continue)
            }
            ClientEvent::Feedback { step_id, feedback } => {
                if !self.feedback_on() {
                    return Err(Refusal::new(
                        ErrorCode::FeatureDisabled,
                        "feedback is turned off",
                    ));
                }
                let feedback = feedback
                    .map(|f| {
                        f.checked(Some(&runtime.config.features.feedback_reasons))
                            .map_err(|e| Refusal::new(ErrorCode::MalformedFrame, e.to_string()))
                    })
                    .transpose()?;
                self.give_feedback(&step_id, feedback).await;
                Ok(Handled::Continue)
            }
            ClientEvent::ElementPropsUpdated { id, props } => {
                let mut element = self.custom_element(&id)?;
                element.props = with_prop(std::mem::take(&mut element.props), None, "props", props);
                self.set_element(element).await.map_err(storage_refusal)?;
                Ok(Handled::Continue)
            }
            ClientEvent::ElementRemoveRequested { id } => {
                self.custom_element(&id)?;
                self.remove_element(&id).await.map_err(storage_refusal)?;
                Ok(Handled::Continue)
            }
            ClientEvent::ElementAction { id, name, payload } => {
                let element = self.custom_element(&id)?;
                if !runtime.hooks.actions.contains_key(&name) {
                    return Err(Refusal::new(
                        ErrorCode::UnknownAction,
                        "no callback has that action's name",
                    ));
                }
                let mut action = Action::new(name).payload(payload);
                action.id = crate::ids::new_id();
                let for_id = element.for_id.unwrap_or_default();
                self.enqueue_for_client(RunRequest::Action(Box::new((for_id, action))))?;
                Ok(Handled::Continue)
            }
        }
    }

    /// The user's saved settings: checked against the chat's settings as
    /// declared (every value names an input and fits it, or nothing
    /// changes), shown in every tab, kept with the thread; then
    /// `on_settings_update` runs with all the values.
    fn update_settings(
        &self,
        values: serde_json::Map<String, serde_json::Value>,
    ) -> Result<(), Refusal> {
        let Some(mut settings) = self.settings() else {
            return Err(Refusal::new(
                ErrorCode::FeatureDisabled,
                "this chat has no settings",
            ));
        };
        settings.update(&values).map_err(|err| {
            Refusal::new(
                ErrorCode::InvalidSettings,
                format!("settings not saved: {err}"),
            )
        })?;
        let all = settings.values.clone();
        if self.runtime.hooks.on_settings_update.is_some() && !self.has_queue_room() {
            return Err(queue_full());
        }
        self.set_settings(Some(settings))
            .map_err(|_| Refusal::new(ErrorCode::SessionExpired, "the chat has ended"))?;
        if self.runtime.hooks.on_settings_update.is_some() {
            self.enqueue_for_client(RunRequest::SettingsUpdate(Box::new(all)))?;
        }
        Ok(())
    }

    /// Queues a run a client asked for, refused when too many wait.
    fn enqueue_for_client(&self, request: RunRequest) -> Result<(), Refusal> {
        self.enqueue(request).map_err(|err| match err {
            ChatError::QueueFull => queue_full(),
            _ => Refusal::new(ErrorCode::UnknownAction, "the chat has ended"),
        })
    }

    /// Turns a reaction on a finished message on or off. Published at
    /// once; written with the next checkpoint (within a second), so a burst
    /// of reactions is one write, not one per click.
    fn react(&self, step_id: &str, reaction: &str, active: bool) -> Result<(), Refusal> {
        let unknown = || Refusal::new(ErrorCode::UnknownStep, "there is no such message");
        self.emit_tracked(|thread| {
            let mut step = thread
                .get(step_id)
                .filter(|s| s.step_type.is_message() && !s.streaming)
                .cloned()
                .ok_or_else(|| ChatError::UnknownStep(step_id.to_string()))?;
            set_reaction(&mut step, reaction, active);
            Ok(ServerEvent::StepUpdated { step })
        })
        .map(|_| ())
        .map_err(|_| unknown())
    }

    /// Puts the feedback on the message (every tab shows it), stores it
    /// after what the session wrote before, and runs `on_feedback`.
    async fn give_feedback(self: &Arc<Self>, step_id: &str, feedback: Option<Feedback>) {
        let given = feedback.clone();
        let emitted = self.emit_tracked(|thread| {
            let mut step = thread
                .get(step_id)
                .filter(|s| s.step_type == StepType::AssistantMessage && !s.streaming)
                .cloned()
                .ok_or_else(|| ChatError::UnknownStep(step_id.to_string()))?;
            step.feedback = given;
            Ok(ServerEvent::StepUpdated { step })
        });
        if emitted.is_err() {
            return;
        }
        let thread_id = self.thread_id();
        let record = feedback
            .as_ref()
            .map(|f| FeedbackRecord::of_step(&thread_id, step_id, f));
        self.store_feedback(&thread_id, step_id, record.clone());
        if let (Some(hook), Some(record)) = (self.runtime.hooks.on_feedback.clone(), record) {
            let chat = Chat::new(self.clone());
            tokio::spawn(async move {
                if let Err(err) = hook(chat, record).await {
                    tracing::warn!(error = %err, "on_feedback failed");
                }
            });
        }
    }

    /// A custom element of the session's thread: the only kind the browser
    /// may change, and only its own.
    fn custom_element(&self, id: &str) -> Result<Element, Refusal> {
        self.element(id)
            .filter(|element| element.kind == ElementKind::Custom)
            .ok_or_else(|| {
                Refusal::new(
                    ErrorCode::UnknownElement,
                    "that element is not in this chat",
                )
            })
    }

    fn is_user_message(&self, id: &str) -> bool {
        self.with_steps(|steps| {
            steps.iter().any(|s| {
                s.id == id && s.parent_id.is_none() && s.step_type == StepType::UserMessage
            })
        })
    }

    /// Runs an operation on its own task: it may wait for a run to stop,
    /// and the connection must keep forwarding events meanwhile.
    fn spawn_operation<F, Fut>(self: &Arc<Self>, operation: F)
    where
        F: FnOnce(Arc<Session>) -> Fut,
        Fut: std::future::Future<Output = Result<(), ChatError>> + Send + 'static,
    {
        let future = operation(self.clone());
        let id = self.id.clone();
        tokio::spawn(async move {
            if let Err(err) = future.await {
                tracing::debug!(session = %id, error = %err, "operation refused");
            }
        });
    }
}

fn storage_refusal(err: ChatError) -> Refusal {
    match err {
        ChatError::UnknownElement(_) => Refusal::new(
            ErrorCode::UnknownElement,
            "that element is not in this chat",
        ),
        err => {
            tracing::warn!(error = %err, "an element change failed");
            Refusal::new(ErrorCode::Storage, "the change could not be saved")
        }
    }
}

/// Turns `reaction` on or off in a message's metadata (kept sorted).
fn set_reaction(step: &mut loquat_app::protocol::Step, reaction: &str, active: bool) {
    let mut reactions = step.reactions();
    reactions.retain(|r| r != reaction);
    if active {
        reactions.push(reaction.to_string());
    }
    reactions.sort();
    if reactions.is_empty() {
        step.metadata.remove(REACTIONS_KEY);
    } else {
        step.metadata
            .insert(REACTIONS_KEY.into(), serde_json::json!(reactions));
    }
}

/// A refused `mcp_add` or `mcp_remove`, with the reason for the panel.
fn mcp_refusal(err: crate::mcp::McpAddError) -> Refusal {
    Refusal::new(ErrorCode::McpRefused, err.to_string())
}

/// The refusal of a run a client asked for while the session's queue is full.
fn queue_full() -> Refusal {
    Refusal::new(
        ErrorCode::RateLimited,
        "too many requests are waiting in this chat; try again when it is done",
    )
}

/// `text` cut to at most `max` bytes, at a character boundary.
fn bounded(mut text: String, max: usize) -> String {
    if text.len() > max {
        let mut end = max;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.truncate(end);
    }
    text
}
