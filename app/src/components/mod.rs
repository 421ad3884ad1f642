//! The UI, one component per file, grouped by area.

pub mod composer;
pub mod elements;
pub mod feed;
pub mod form;
pub mod history;
pub mod layout;
pub mod settings;
pub mod status;

mod chat_page;
pub(crate) mod dom;
mod icons;
mod sync_hydrated;

pub use chat_page::ChatPage;
pub(crate) use sync_hydrated::erased;
