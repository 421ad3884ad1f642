//! The HTTP side: the router that joins the pages, the streaming endpoint,
//! the history API, export/import and the site's files.

mod element;
mod history;
mod json_error;
mod router;
mod static_files;
mod thread_page;
mod transfer;
mod upload;
mod user;

pub(crate) use router::router;
pub(crate) use user::request_user;
