//! Loquat's shared crate: the wire protocol, markdown rendering and the
//! Leptos UI. Built with `ssr` for the server and `hydrate` for the browser;
//! the UI is generic and renders whatever the protocol says.
// Leptos views nest deep types.
#![recursion_limit = "256"]

pub mod client;
pub mod components;
pub mod history;
pub mod markdown;
pub mod protocol;
pub mod route;
mod shell;
mod ui_config;
pub mod units;

pub use shell::{shell, App};
