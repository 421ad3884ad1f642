//! `GET /copilot/index.js`: the copilot widget's loader, for a host page's
//! `<script src>`. It is small on purpose (9.3 KB, 3.2 KB gzipped): the
//! chat itself is the app, in a frame the loader creates inside a shadow
//! root the first time the widget opens (see the script's header and
//! docs/embedding.md).

use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};

/// The loader (plain JavaScript: it runs on the host page, before and
/// without the app's bundle).
const LOADER: &str = include_str!("copilot/index.js");

pub(crate) async fn loader() -> Response {
    (
        [
            (CONTENT_TYPE, "text/javascript; charset=utf-8"),
            // Revalidated: a new release reaches host pages at once.
            (CACHE_CONTROL, "no-cache"),
        ],
        LOADER,
    )
        .into_response()
}
