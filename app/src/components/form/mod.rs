//! Form inputs as the browser shows them, shared by the app's questions and
//! the chat settings.

mod field_view;

pub(crate) use field_view::field_view;
