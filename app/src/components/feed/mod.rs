//! The conversation: messages, steps and their content.

mod feed_view;
mod feedback_bar;
mod markdown_view;
mod message;
mod message_editor;
mod reaction_bar;
mod step_children;
mod step_node;
mod step_view;
mod thinking;
mod welcome;

pub use feed_view::Feed;
pub use feedback_bar::FeedbackBar;
pub use markdown_view::MarkdownView;
pub use message::MessageView;
pub use message_editor::MessageEditor;
pub use reaction_bar::ReactionBar;
pub use step_children::StepChildren;
pub use step_node::StepNode;
pub use step_view::StepView;
pub use thinking::Thinking;
pub use welcome::{Starters, Welcome};
