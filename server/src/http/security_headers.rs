//! Headers on every answer: `nosniff` and a same-origin `Referrer-Policy`.
//! Pages are in the language of the request's `Accept-Language`, so an
//! HTML answer says it varies with it (a cache keeps one per language).
//! Pages get their Content-Security-Policy from the shell that renders them
//! (`loquat_app::page_policy`, with that render's nonce); an HTML answer
//! without one gets the same policy without a nonce, so no inline script
//! runs in it.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::header::{
    ACCEPT_LANGUAGE, CONTENT_SECURITY_POLICY, CONTENT_TYPE, REFERRER_POLICY, VARY,
    X_CONTENT_TYPE_OPTIONS,
};
use axum::http::{HeaderMap, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
use loquat_app::page_policy::PagePolicy;

pub(crate) async fn add_security_headers(
    State(policy): State<Arc<PagePolicy>>,
    request: Request,
    next: Next,
) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers
        .entry(REFERRER_POLICY)
        .or_insert(HeaderValue::from_static("same-origin"));
    if is_html(headers) {
        headers.append(VARY, HeaderValue::from_name(ACCEPT_LANGUAGE));
    }
    if is_html(headers) && !headers.contains_key(CONTENT_SECURITY_POLICY) {
        if let Ok(csp) = HeaderValue::from_str(&policy.csp(None)) {
            headers.insert(CONTENT_SECURITY_POLICY, csp);
        }
    }
    response
}

fn is_html(headers: &HeaderMap) -> bool {
    headers
        .get(CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.trim_start().starts_with("text/html"))
}
