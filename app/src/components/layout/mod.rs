//! Page frame: header and the not-found page.

mod header;
mod not_found;
mod profile_picker;
mod share_panel;
mod theme_toggle;
mod thread_menu;
mod user_env_dialog;
mod user_menu;

pub use header::Header;
pub use not_found::NotFound;
pub use profile_picker::ProfilePicker;
pub use theme_toggle::ThemeToggle;
pub use thread_menu::ThreadMenu;
pub use user_env_dialog::UserEnvDialog;
pub use user_menu::UserMenu;
