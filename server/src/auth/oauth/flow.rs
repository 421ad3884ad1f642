//! A sign-in in progress at a provider: its `state`, `nonce`, PKCE
//! verifier and where to return, in a short-lived cookie signed with the
//! auth secret (path `/auth/oauth/`, `HttpOnly`, `SameSite=Lax`, so the
//! provider's redirect back brings it). Nothing is kept on the server, so
//! any node of the app can finish a sign-in another one started.

use std::time::Duration;

use axum::http::{HeaderMap, HeaderValue};
use cookie::{Cookie, SameSite};
use serde::{Deserialize, Serialize};

use crate::auth::token::{now_secs, TokenKeys};

/// How long a sign-in at the provider may take.
pub(crate) const FLOW_LIFETIME: Duration = Duration::from_secs(600);

const NAME: &str = "loquat_oauth";
const PATH: &str = "/auth/oauth/";

/// What the callback checks the provider's answer against.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct PendingFlow {
    pub(crate) provider: String,
    pub(crate) state: String,
    pub(crate) nonce: String,
    pub(crate) verifier: String,
    pub(crate) next: String,
    pub(crate) exp: u64,
}

impl PendingFlow {
    pub(crate) fn new(provider: &str, next: String) -> PendingFlow {
        PendingFlow {
            provider: provider.to_string(),
            state: crate::ids::new_token(),
            nonce: crate::ids::new_token(),
            verifier: format!("{}{}", crate::ids::new_token(), crate::ids::new_token()),
            next,
            exp: now_secs() + FLOW_LIFETIME.as_secs(),
        }
    }

    /// `Set-Cookie` carrying it.
    pub(crate) fn cookie(&self, keys: &TokenKeys, secure: bool) -> Option<HeaderValue> {
        let token = keys.sign_value(self).ok()?;
        let max_age = cookie::time::Duration::seconds(FLOW_LIFETIME.as_secs() as i64);
        header(Cookie::build((NAME, token)).max_age(max_age), secure)
    }

    /// The flow the request's cookie carries, if it is signed and unexpired.
    pub(crate) fn read(keys: &TokenKeys, headers: &HeaderMap) -> Option<PendingFlow> {
        let token = headers
            .get_all(axum::http::header::COOKIE)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(Cookie::split_parse)
            .filter_map(Result::ok)
            .find(|cookie| cookie.name() == NAME)?;
        keys.verify_value(token.value()).ok()
    }

    /// `Set-Cookie` removing it (a flow is used once).
    pub(crate) fn clear(secure: bool) -> Option<HeaderValue> {
        header(
            Cookie::build((NAME, ""))
                .max_age(cookie::time::Duration::ZERO)
                .expires(cookie::time::OffsetDateTime::UNIX_EPOCH),
            secure,
        )
    }
}

fn header(cookie: cookie::CookieBuilder<'static>, secure: bool) -> Option<HeaderValue> {
    let cookie = cookie
        .path(PATH)
        .http_only(true)
        .secure(secure)
        .same_site(SameSite::Lax)
        .build();
    HeaderValue::from_str(&cookie.to_string()).ok()
}

/// Constant-time comparison of the state the provider returned.
pub(crate) fn same_state(expected: &str, returned: &str) -> bool {
    expected.len() == returned.len()
        && expected
            .bytes()
            .zip(returned.bytes())
            .fold(0u8, |diff, (a, b)| diff | (a ^ b))
            == 0
}
