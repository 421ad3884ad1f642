//! The developer-facing API.

mod action_call;
mod app;
mod ask;
mod chat;
mod commands;
mod element;
mod element_handle;
mod mcp;
mod message;
mod serialize;
mod settings;
mod step;
mod table;
mod task_list;
mod uploaded_file;
mod user_session;
mod window_message;

pub use action_call::ActionCall;
pub use app::{Embedded, Loquat, Server, DATABASE_FILE, FILES_DIR};
pub use ask::{AskAction, AskFile, AskForm, AskText, DEFAULT_ASK_TIMEOUT};
pub use chat::Chat;
pub(crate) use element::checked_url;
pub use element::Element;
pub(crate) use element_handle::with_prop;
pub use element_handle::ElementHandle;
pub use message::{Message, MessageKind};
pub use serialize::SerializeOptions;
pub use settings::{ChatSettings, Input, SettingsValues};
pub use step::{MessageHandle, StepBuilder, StepHandle};
pub(crate) use table::PageQuery;
pub use table::{CsvError, Table};
pub use task_list::TaskList;
pub(crate) use uploaded_file::kind_for;
pub use uploaded_file::UploadedFile;
pub use user_session::UserSession;
