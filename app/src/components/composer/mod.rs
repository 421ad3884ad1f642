//! Where the user writes.

mod ask_panel;
mod attachments;
mod command_menu;
mod composer_form;
mod conversation_actions;
mod draft;
mod file_drop;
mod mcp_panel;
mod voice;

pub use ask_panel::AskPanel;
pub use attachments::{precheck, AttachmentList, Attachments};
pub use composer_form::Composer;
pub use conversation_actions::ConversationActions;
pub use draft::Draft;
pub use file_drop::{on_drag_over, on_drop, AskFiles, ComposerFiles};
pub use mcp_panel::McpControl;
pub use voice::VoiceControls;
