//! [`ApiError`]: every refusal an HTTP route gives, with its status and a
//! reason for the user, answered as `{"error": "<reason>"}`.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;

/// Why a request was refused. Handlers return `Result<_, ApiError>`; the
/// variant decides the status, the text is shown to the user as it is, so
/// it names what to change (never an internal detail: those are logged).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum ApiError {
    /// 400: the request itself is wrong.
    #[error("{0}")]
    BadRequest(String),
    /// 401: no user could be told from the request.
    #[error("{0}")]
    Unauthorized(String),
    /// 403: not allowed (cross-site, or a feature that is off).
    #[error("{0}")]
    Forbidden(String),
    /// 404: missing, or another user's (never told apart).
    #[error("{0}")]
    NotFound(&'static str),
    /// 408: the body stopped arriving, or came too slowly.
    #[error("{0}")]
    Timeout(String),
    /// 413: larger than the limit.
    #[error("{0}")]
    TooLarge(String),
    /// 415: a type the route does not take.
    #[error("{0}")]
    UnsupportedType(String),
    /// 421: a host name this server does not answer for.
    #[error("{0}")]
    MisdirectedHost(String),
    /// 429: a cap on what one client or session may have at once.
    #[error("{0}")]
    TooMany(String),
    /// 503: the server as a whole is at a cap; try again shortly.
    #[error("{0}")]
    Busy(String),
    /// 500: the server failed (the cause is in its log).
    #[error("{0}")]
    Internal(&'static str),
}

impl ApiError {
    /// The refusal another node gave (with its status), as this one gives
    /// it; a status no variant has is a 500.
    pub(crate) fn relayed(status: u16, message: String) -> ApiError {
        match status {
            400 => ApiError::BadRequest(message),
            403 => ApiError::Forbidden(message),
            404 => ApiError::NotFound("that question is no longer waiting"),
            408 => ApiError::Timeout(message),
            413 => ApiError::TooLarge(message),
            415 => ApiError::UnsupportedType(message),
            429 => ApiError::TooMany(message),
            503 => ApiError::Busy(message),
            _ => ApiError::Internal("the server running this chat failed"),
        }
    }

    /// The HTTP status of this refusal.
    pub(crate) fn status(&self) -> StatusCode {
        match self {
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::Timeout(_) => StatusCode::REQUEST_TIMEOUT,
            ApiError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UnsupportedType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::MisdirectedHost(_) => StatusCode::MISDIRECTED_REQUEST,
            ApiError::TooMany(_) => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Busy(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        let body = serde_json::json!({ "error": self.to_string() });
        let mut response = (status, Json(body)).into_response();
        if status == StatusCode::REQUEST_TIMEOUT {
            // The rest of a stalled body is not worth reading.
            response.headers_mut().insert(
                axum::http::header::CONNECTION,
                axum::http::HeaderValue::from_static("close"),
            );
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_refusal_is_its_status_and_a_json_reason() {
        let response = ApiError::NotFound("thread not found").into_response();
        assert_eq!(response.status(), StatusCode::NOT_FOUND);
        let body = axum::body::to_bytes(response.into_body(), 1024)
            .await
            .expect("body");
        assert_eq!(body, r#"{"error":"thread not found"}"#);
        assert_eq!(
            ApiError::TooMany("x".into()).status(),
            StatusCode::TOO_MANY_REQUESTS
        );
    }
}
