//! Where the user writes.

mod ask_panel;
mod attachments;
mod composer_form;
mod conversation_actions;
mod file_drop;

pub use ask_panel::AskPanel;
pub use attachments::{precheck, AttachmentList, Attachments};
pub use composer_form::Composer;
pub use conversation_actions::ConversationActions;
pub use file_drop::{on_drag_over, on_drop, AskFiles, ComposerFiles};
