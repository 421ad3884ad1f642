//! Where the user writes.

mod composer_form;
mod conversation_actions;

pub use composer_form::Composer;
pub use conversation_actions::ConversationActions;
