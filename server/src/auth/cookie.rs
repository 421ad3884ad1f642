//! The session cookie: `HttpOnly`, `SameSite=Lax` unless configured
//! otherwise, `Secure` (and the `__Host-` prefix) when the app's public URL
//! is https. It carries only a session token (a few hundred bytes).
//!
//! Under a root path (`/chat`) the cookie is the app's alone: its `Path` is
//! the root path (the root mount scopes it) and its name carries the path
//! (`loquat_session.chat`), so another Loquat app on the same host, at `/`
//! or at `/chat/admin`, neither overwrites nor is sent in its place. Over
//! https it is `__Secure-` then, since `__Host-` requires `Path=/`.

use std::time::Duration;

use axum::http::header::COOKIE;
use axum::http::{HeaderMap, HeaderValue};
use cookie::{Cookie, SameSite};

use loquat_app::root_path::RootPath;

const NAME: &str = "loquat_session";

/// How the session cookie is written.
#[derive(Debug, Clone)]
pub(crate) struct CookieSettings {
    pub(crate) secure: bool,
    same_site: SameSite,
    pub(crate) max_age: Duration,
    name: String,
}

impl CookieSettings {
    pub(crate) fn new(
        secure: bool,
        same_site: SameSite,
        max_age: Duration,
        root: &RootPath,
    ) -> CookieSettings {
        let scoped = root.as_str().replace('/', ".");
        let name = match (secure, root.is_root()) {
            (true, true) => format!("__Host-{NAME}"),
            (true, false) => format!("__Secure-{NAME}{scoped}"),
            (false, _) => format!("{NAME}{scoped}"),
        };
        CookieSettings {
            secure,
            same_site,
            max_age,
            name,
        }
    }

    fn name(&self) -> &str {
        &self.name
    }

    /// The session token the request carries, if any.
    pub(crate) fn read(&self, headers: &HeaderMap) -> Option<String> {
        let name = self.name();
        headers
            .get_all(COOKIE)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(Cookie::split_parse)
            .filter_map(Result::ok)
            .find(|cookie| cookie.name() == name)
            .map(|cookie| cookie.value().to_string())
    }

    /// `Set-Cookie` for a new sign-in.
    pub(crate) fn set(&self, token: &str) -> HeaderValue {
        let max_age = cookie::time::Duration::seconds(
            i64::try_from(self.max_age.as_secs()).unwrap_or(i64::MAX),
        );
        self.header(Cookie::build((self.name().to_string(), token.to_string())).max_age(max_age))
    }

    /// `Set-Cookie` that removes it.
    pub(crate) fn clear(&self) -> HeaderValue {
        self.header(
            Cookie::build((self.name().to_string(), ""))
                .max_age(cookie::time::Duration::ZERO)
                .expires(cookie::time::OffsetDateTime::UNIX_EPOCH),
        )
    }

    fn header(&self, cookie: cookie::CookieBuilder<'static>) -> HeaderValue {
        let cookie = cookie
            .path("/")
            .http_only(true)
            .secure(self.secure || self.same_site == SameSite::None)
            .same_site(self.same_site)
            .build();
        HeaderValue::from_str(&cookie.to_string())
            .unwrap_or_else(|_| HeaderValue::from_static("loquat_session=; Max-Age=0"))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn settings(secure: bool) -> CookieSettings {
        under(secure, "")
    }

    fn under(secure: bool, root: &str) -> CookieSettings {
        CookieSettings::new(
            secure,
            SameSite::Lax,
            Duration::from_secs(60),
            &RootPath::parse(root).unwrap(),
        )
    }

    #[test]
    fn the_cookie_is_http_only_lax_and_secure_over_https() {
        let plain = settings(false).set("tok");
        let plain = plain.to_str().unwrap();
        assert!(plain.starts_with("loquat_session=tok"), "{plain}");
        assert!(plain.contains("HttpOnly") && plain.contains("SameSite=Lax"));
        assert!(plain.contains("Max-Age=60") && !plain.contains("Secure"));
        let secure = settings(true).set("tok");
        let secure = secure.to_str().unwrap();
        assert!(secure.starts_with("__Host-loquat_session=tok"), "{secure}");
        assert!(secure.contains("Secure") && secure.contains("Path=/"));
    }

    #[test]
    fn the_token_is_read_among_other_cookies() {
        let mut headers = HeaderMap::new();
        headers.insert(
            COOKIE,
            HeaderValue::from_static("theme=dark; loquat_session=abc.def; x=1"),
        );
        assert_eq!(settings(false).read(&headers).as_deref(), Some("abc.def"));
        assert_eq!(settings(true).read(&headers), None);
    }

    #[test]
    fn under_a_root_path_the_cookie_is_named_for_it() {
        let plain = under(false, "/chat").set("tok");
        assert!(plain
            .to_str()
            .unwrap()
            .starts_with("loquat_session.chat=tok"));
        let secure = under(true, "/a/b").set("tok");
        let secure = secure.to_str().unwrap();
        assert!(
            secure.starts_with("__Secure-loquat_session.a.b=tok"),
            "{secure}"
        );
        // The app at the site's root does not read it, nor it the root's.
        let mut headers = HeaderMap::new();
        headers.insert(
            COOKIE,
            HeaderValue::from_static("loquat_session=root; loquat_session.chat=mine"),
        );
        assert_eq!(
            under(false, "/chat").read(&headers).as_deref(),
            Some("mine")
        );
        assert_eq!(settings(false).read(&headers).as_deref(), Some("root"));
    }
}
