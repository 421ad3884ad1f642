//! Loquat's own small scripts that run outside the app's bundle (the
//! frame's sign-in, the copilot widget's loader): plain JavaScript compiled
//! into the binary, served with one set of headers.

use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};

/// `source` as a script: revalidated on each use (`no-cache`), so a new
/// release reaches the pages that load it at once.
pub(crate) fn serve(source: &'static str) -> Response {
    (
        [
            (CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (CACHE_CONTROL, "no-cache"),
        ],
        source,
    )
        .into_response()
}
