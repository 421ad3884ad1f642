//! The developer-facing API.

mod app;
mod chat;
mod message;
mod step;
mod user_session;

pub use app::{Loquat, Server};
pub use chat::Chat;
pub use message::{Message, MessageKind};
pub use step::{MessageHandle, StepBuilder, StepHandle};
pub use user_session::UserSession;
