//! Against cross-site requests: every state-changing request (any method
//! but GET, HEAD, OPTIONS) and every WebSocket upgrade from a page of
//! another origin is refused with 403, in this one place, so that no route
//! can forget it (server functions, import, upload, rename, delete, and
//! whatever comes later).
//!
//! A browser always says where a request comes from: `Origin` on these
//! requests (checked against the app's origins: scheme, host and port;
//! `null` never passes) and `Sec-Fetch-Site`. A request with neither comes
//! from a program, not from a page the user visits, and passes.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::header::{ORIGIN, UPGRADE};
use axum::http::{HeaderMap, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::api_error::ApiError;
use super::origin_policy::OriginPolicy;

pub(crate) async fn refuse_cross_site(
    State(policy): State<Arc<OriginPolicy>>,
    request: Request,
    next: Next,
) -> Response {
    let safe = matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    if (!safe || is_websocket_upgrade(request.headers()))
        && !from_allowed_page(&policy, request.headers())
    {
        return ApiError::Forbidden(
            "cross-site request refused: this page's origin may not use the app \
             (see [project] allow_origins)"
                .into(),
        )
        .into_response();
    }
    next.run(request).await
}

fn is_websocket_upgrade(headers: &HeaderMap) -> bool {
    headers
        .get(UPGRADE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.eq_ignore_ascii_case("websocket"))
}

fn from_allowed_page(policy: &OriginPolicy, headers: &HeaderMap) -> bool {
    if let Some(origin) = headers.get(ORIGIN) {
        return origin
            .to_str()
            .is_ok_and(|origin| policy.origin_allowed(origin));
    }
    // Browsers that send no Origin still send this; `none` is the user's
    // own action (address bar, bookmark).
    match headers.get("sec-fetch-site").map(|v| v.to_str()) {
        Some(Ok("same-origin" | "none")) | None => true,
        Some(_) => false,
    }
}
