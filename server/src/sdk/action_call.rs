use loquat_app::protocol::Action;

use super::Chat;
use crate::error::ChatError;

/// A click on an action button, as its callback receives it: the action
/// as the server stored it (the browser only says which one was clicked)
/// and the message it is on.
#[derive(Clone, Debug)]
pub struct ActionCall {
    /// The action clicked.
    pub action: Action,
    /// The message (step) the action is on.
    pub message_id: String,
    chat: Chat,
}

impl ActionCall {
    pub(crate) fn new(action: Action, message_id: String, chat: Chat) -> Self {
        ActionCall {
            action,
            message_id,
            chat,
        }
    }

    /// The action's name.
    pub fn name(&self) -> &str {
        &self.action.name
    }

    /// The action's payload.
    pub fn payload(&self) -> &serde_json::Value {
        &self.action.payload
    }

    /// Removes this action's button from its message (for everyone, and in
    /// history).
    pub async fn remove(&self) -> Result<(), ChatError> {
        self.chat
            .remove_action(&self.message_id, &self.action.id)
            .await
    }
}
