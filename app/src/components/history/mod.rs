//! The history sidebar: the user's saved conversations, grouped by day,
//! searchable, paged as it scrolls, with rename and delete.
//!
//! The server renders the list as loading and the browser fetches it once
//! hydrated (from an effect), so the server's HTML and the first client
//! render are the same.

mod day_group;
mod delete_dialog;
mod history_sidebar;
mod sidebar_open;
mod sidebar_toggle;
mod state;
mod thread_group;
mod thread_item;
mod thread_list;
mod thread_name_editor;
mod thread_search;
mod thread_snippet;

pub use history_sidebar::HistorySidebar;
pub use sidebar_open::SidebarOpen;
pub use sidebar_toggle::SidebarToggle;
