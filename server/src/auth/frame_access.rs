//! Signing in where the browser keeps no cookie: a page framed by another
//! site (third-party cookies blocked, Safari's default; and the session
//! cookie is `SameSite=Lax`, so a cross-site frame never sends it anyway).
//!
//! Such a page holds its session token in script and sends it itself:
//! - on requests, as `Authorization: Bearer …`;
//! - on the WebSocket, whose browser API cannot set headers, as a second
//!   subprotocol, `Sec-WebSocket-Protocol: loquat, loquat.token.<token>`
//!   (the server answers `loquat`); never in the URL, which logs keep;
//! - for what the browser loads by itself (an image, a video, a download
//!   link), as `?media_token=` on those routes only: a token of its own
//!   that reads the user's elements and exports and nothing else, ends
//!   with the sign-in, and cannot pass for a session or bearer token.

use axum::http::header::SEC_WEBSOCKET_PROTOCOL;
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method};
use loquat_app::access::{is_media_route, MEDIA_QUERY};
use serde::{Deserialize, Serialize};

use super::token::now_secs;
use super::{Auth, LoginError};
use crate::http::CurrentUser;

/// The subprotocol the app's socket speaks.
pub(crate) const WS_PROTOCOL: &str = "loquat";

/// The prefix of the subprotocol that carries a token.
const WS_TOKEN_PREFIX: &str = "loquat.token.";

/// What a frame signed in without a cookie holds.
#[derive(Clone, Debug)]
pub(crate) struct FrameAccess {
    /// The session token: a sign-in of its own, so signing out in the frame
    /// leaves the user's other sign-ins alone, and the other way round.
    pub(crate) token: String,
    /// The media token of that sign-in.
    pub(crate) media: String,
}

/// A media token's claims. No `identifier` field, on purpose: it does not
/// decode as [`super::Claims`], so it is refused wherever a session or
/// bearer token is taken.
#[derive(Debug, Serialize, Deserialize)]
struct MediaClaims {
    /// The user's identifier.
    media_of: String,
    /// The sign-in it belongs to: it ends with it.
    sid: String,
    exp: u64,
    iat: u64,
}

impl Auth {
    /// The frame's access for a token handed over to it: a session token
    /// (from the sign-in popup, or kept by the frame across reloads) is
    /// used as it is; a bearer token (minted by the host site's backend)
    /// becomes a sign-in of its own. `None` when the token is not valid.
    pub(crate) async fn frame_access(&self, token: &str) -> Result<FrameAccess, LoginError> {
        let claims = self
            .parts
            .keys
            .verify(token)
            .map_err(|_| LoginError::BadCredentials)?;
        let (user, token, sid, exp) = match claims.sid {
            Some(sid) => {
                let user = self
                    .signed_in_as(&claims.identifier, &sid)
                    .await
                    .ok_or(LoginError::BadCredentials)?;
                (user, token.to_string(), sid, claims.exp)
            }
            None => {
                let profile = self
                    .bearer_user(token)
                    .await
                    .ok_or(LoginError::BadCredentials)?;
                let started = self.new_session(profile, "frame").await?;
                (started.user, started.token, started.sid, started.exp)
            }
        };
        let identifier = user
            .user
            .as_ref()
            .map(|u| u.identifier.clone())
            .ok_or(LoginError::Unavailable)?;
        let media = MediaClaims {
            media_of: identifier,
            sid,
            exp,
            iat: now_secs(),
        };
        let media = self.parts.keys.sign_value(&media).map_err(|err| {
            tracing::error!(error = %err, "signing a media token failed");
            LoginError::Unavailable
        })?;
        Ok(FrameAccess { token, media })
    }

    /// The user of a media token, while its sign-in lasts.
    pub(crate) async fn media_user(&self, token: &str) -> Option<CurrentUser> {
        let claims: MediaClaims = self.parts.keys.verify_value(token).ok()?;
        self.signed_in_as(&claims.media_of, &claims.sid).await
    }
}

/// The token a WebSocket upgrade carries as its subprotocol, if any.
pub(crate) fn protocol_token(headers: &HeaderMap) -> Option<&str> {
    headers
        .get_all(SEC_WEBSOCKET_PROTOCOL)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .find_map(|protocol| protocol.trim().strip_prefix(WS_TOKEN_PREFIX))
        .filter(|token| !token.is_empty())
}

/// The media token of a request that may carry one: a GET (or HEAD) of an
/// element (its page, content, rows) or of a thread's export.
pub(crate) fn media_token(request: &Parts) -> Option<&str> {
    if !matches!(request.method, Method::GET | Method::HEAD) || !is_media_route(request.uri.path())
    {
        return None;
    }
    request
        .uri
        .query()?
        .split('&')
        .find_map(|pair| pair.strip_prefix(MEDIA_QUERY)?.strip_prefix('='))
        .filter(|token| !token.is_empty())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use axum::http::{HeaderValue, Request};

    fn parts(method: Method, uri: &str) -> Parts {
        Request::builder()
            .method(method)
            .uri(uri)
            .body(())
            .unwrap()
            .into_parts()
            .0
    }

    #[test]
    fn the_socket_token_is_the_loquat_token_subprotocol() {
        let mut headers = HeaderMap::new();
        assert_eq!(protocol_token(&headers), None);
        headers.insert(
            SEC_WEBSOCKET_PROTOCOL,
            HeaderValue::from_static("loquat, loquat.token.abc.def"),
        );
        assert_eq!(protocol_token(&headers), Some("abc.def"));
        headers.insert(
            SEC_WEBSOCKET_PROTOCOL,
            HeaderValue::from_static("loquat, loquat.token."),
        );
        assert_eq!(protocol_token(&headers), None);
        headers.insert(SEC_WEBSOCKET_PROTOCOL, HeaderValue::from_static("chat"));
        assert_eq!(protocol_token(&headers), None);
    }

    #[test]
    fn a_media_token_is_read_only_on_media_routes() {
        let token = |method, uri| media_token(&parts(method, uri)).map(str::to_string);
        assert_eq!(
            token(Method::GET, "/element/e1/content?media_token=t1").as_deref(),
            Some("t1")
        );
        assert_eq!(
            token(Method::HEAD, "/element/e1?x=1&media_token=t2").as_deref(),
            Some("t2")
        );
        assert_eq!(
            token(Method::GET, "/api/threads/t/export?media_token=t3").as_deref(),
            Some("t3")
        );
        for (method, uri) in [
            (Method::POST, "/element/e1/content?media_token=t"),
            (Method::GET, "/?media_token=t"),
            (Method::GET, "/auth/user?media_token=t"),
            (Method::GET, "/api/threads/list?media_token=t"),
            (Method::GET, "/api/threads/a/b/export?media_token=t"),
            (Method::GET, "/element/e1/content?media_tokens=t"),
            (Method::GET, "/element/e1/content?media_token="),
        ] {
            assert_eq!(token(method.clone(), uri), None, "{method} {uri}");
        }
    }
}
