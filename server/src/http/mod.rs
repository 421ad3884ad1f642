//! The HTTP side: the router that joins the pages, the streaming endpoint,
//! the history API, export/import and the site's files.

mod api_error;
mod auth_routes;
mod body_deadline;
mod builtin_script;
mod copilot;
mod cross_site_guard;
mod current_user;
mod element;
mod export_stream;
mod frame_sign_in;
mod history;
mod host_guard;
mod login_page;
mod oauth_routes;
pub(crate) mod origin_policy;
mod page_context;
mod page_query;
mod page_scripts;
mod root_mount;
#[cfg(test)]
mod route_coverage;
mod router;
mod security_headers;
pub(crate) mod serve;
mod shared_page;
mod standalone_page;
mod static_files;
mod thread_page;
mod transfer;
mod upload;
mod ws;

pub(crate) use api_error::ApiError;
pub use body_deadline::BodyLimits;
pub(crate) use current_user::{CurrentUser, Identify, LocalUser};
pub(crate) use origin_policy::OriginPolicy;
pub use origin_policy::PolicyError;
pub(crate) use router::router;
pub use serve::ConnectionLimits;
pub(crate) use upload::plan as upload_plan;
