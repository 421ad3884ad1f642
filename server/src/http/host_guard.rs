//! Against DNS rebinding: a request for a host the app does not answer to
//! (`evil.example` resolving to 127.0.0.1) gets 421 on every route, the
//! WebSocket included, before any handler runs.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::header::HOST;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::api_error::ApiError;
use super::origin_policy::OriginPolicy;

pub(crate) async fn refuse_unknown_hosts(
    State(policy): State<Arc<OriginPolicy>>,
    request: Request,
    next: Next,
) -> Response {
    // HTTP/1.1 sends `Host`; HTTP/2 the authority. A request with neither
    // cannot come from a browser, so it cannot be a rebinding attack.
    let host = request
        .headers()
        .get(HOST)
        .map(|value| value.to_str().unwrap_or("\u{fffd}").to_string())
        .or_else(|| request.uri().authority().map(|a| a.as_str().to_string()));
    match host {
        Some(host) if !policy.host_allowed(&host) => ApiError::MisdirectedHost(format!(
            "this server does not answer to the host `{host}`; add it to \
             [project] allowed_hosts or set LOQUAT_URL"
        ))
        .into_response(),
        _ => next.run(request).await,
    }
}
