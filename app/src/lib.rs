//! Loquat's shared crate: the wire protocol, markdown rendering and the
//! Leptos UI. Built with `ssr` for the server and `hydrate` for the browser;
//! the UI is generic and renders whatever the protocol says.
// Leptos views nest deep types.
#![recursion_limit = "256"]

pub mod access;
pub mod branding;
mod build_id;
pub mod client;
pub mod components;
pub mod history;
pub mod i18n;
pub mod markdown;
#[cfg(feature = "ssr")]
pub mod page_policy;
pub mod protocol;
pub mod root_path;
pub mod route;
mod shell;
pub mod site_assets;
mod ui_config;
pub mod units;

#[cfg(feature = "hydrate")]
pub use build_id::check_page;
pub use build_id::{build_id, BUILD_ATTR};
pub use shell::{shell, App};
