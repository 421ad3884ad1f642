//! The chat settings the app declared: a button that opens them, and the
//! panel where the user changes and saves them.

mod settings_control;

pub use settings_control::SettingsControl;
