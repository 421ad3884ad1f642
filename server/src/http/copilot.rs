//! `GET /copilot/index.js`: the copilot widget's loader, for a host page's
//! `<script src>`. It is small on purpose (9.3 KB, 3.2 KB gzipped): the
//! chat itself is the app, in a frame the loader creates inside a shadow
//! root the first time the widget opens (see the script's header and
//! docs/embedding.md).

use axum::response::Response;

/// The loader (plain JavaScript: it runs on the host page, before and
/// without the app's bundle).
const LOADER: &str = include_str!("copilot/index.js");

pub(crate) async fn loader() -> Response {
    super::builtin_script::serve(LOADER)
}
