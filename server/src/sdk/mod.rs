//! The developer-facing API.

mod app;
mod chat;
mod message;
mod serialize;
mod step;
mod user_session;

pub use app::{Loquat, Server, DATABASE_FILE};
pub use chat::Chat;
pub use message::{Message, MessageKind};
pub use serialize::SerializeOptions;
pub use step::{MessageHandle, StepBuilder, StepHandle};
pub use user_session::UserSession;
