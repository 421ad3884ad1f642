//! Who a request acts for. Every route, server function and the streaming
//! endpoint go through [`request_user`], so authentication only has to
//! change this one place.

use axum::http::HeaderMap;

use crate::runtime::Runtime;

/// The id of the user a request acts for; `None` when nothing is persisted
/// (there is no history to act on).
pub(crate) fn request_user(runtime: &Runtime, _headers: &HeaderMap) -> Option<String> {
    // Without authentication every request is the local default user.
    runtime.current_user()
}
