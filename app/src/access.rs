//! A page signed in without a cookie: the app framed by another site, where
//! the browser keeps no cookie of the app's (third-party cookies blocked;
//! the session cookie is `SameSite=Lax` in any case). The server renders
//! such a page with its tokens ([`PageAccess`]), and the page sends them
//! itself:
//! - the session token on its requests (`Authorization: Bearer …`) and on
//!   its WebSocket (the subprotocol `loquat.token.<token>`);
//! - the media token on the addresses the browser loads by itself (an
//!   image, a video, a download link): `?media_token=…`, only on the routes
//!   that take one ([`is_media_route`]).
//!
//! The frame keeps its session token in `sessionStorage` (partitioned by
//! the browser under the framing site), so a reload signs in again without
//! asking.

use crate::protocol::PageAccess;

/// Where the frame keeps its session token across reloads. The sign-in
/// frame's script (served by the server) reads the same key.
pub const STORAGE_KEY: &str = "loquat.access-token";

/// The query parameter of a media token.
pub const MEDIA_QUERY: &str = "media_token";

/// A route the browser loads without script, which takes a media token:
/// `/element/…` (an element's page, content, rows) and
/// `/api/threads/<id>/export`.
///
/// ```
/// use loquat_app::access::is_media_route;
///
/// assert!(is_media_route("/element/e1/content"));
/// assert!(is_media_route("/api/threads/t1/export"));
/// assert!(!is_media_route("/api/threads/import"));
/// ```
pub fn is_media_route(path: &str) -> bool {
    if path.starts_with("/element/") {
        return true;
    }
    path.strip_prefix("/api/threads/")
        .and_then(|rest| rest.strip_suffix("/export"))
        .is_some_and(|id| !id.is_empty() && !id.contains('/'))
}

#[cfg(feature = "hydrate")]
thread_local! {
    static BROWSER_ACCESS: std::cell::RefCell<Option<Option<PageAccess>>> =
        const { std::cell::RefCell::new(None) };
}

/// This page's tokens, when it is signed in without a cookie.
pub fn current() -> Option<PageAccess> {
    #[cfg(feature = "hydrate")]
    {
        if let Some(access) = BROWSER_ACCESS.with_borrow(Clone::clone) {
            return access;
        }
        let access = crate::ui_config::current().access;
        BROWSER_ACCESS.with_borrow_mut(|a| *a = Some(access.clone()));
        access
    }
    #[cfg(not(feature = "hydrate"))]
    {
        leptos::prelude::with_context::<crate::protocol::UiConfig, _>(|ui| ui.access.clone())
            .flatten()
    }
}

/// `href`, the browser's address of the app address `url`, with the page's
/// media token when it has one and `url` is a media route.
pub(crate) fn with_media_token(url: &str, href: String) -> String {
    let path = url.split(['?', '#']).next().unwrap_or_default();
    if !url.starts_with('/') || url.starts_with("//") || !is_media_route(path) {
        return href;
    }
    match current() {
        Some(access) => add_media_token(href, &access.media),
        None => href,
    }
}

/// `href` with `media_token=<token>` in its query (before any fragment).
fn add_media_token(href: String, token: &str) -> String {
    let (address, fragment) = match href.split_once('#') {
        Some((address, fragment)) => (address, Some(fragment)),
        None => (href.as_str(), None),
    };
    let separator = if address.contains('?') { '&' } else { '?' };
    let mut out = format!("{address}{separator}{MEDIA_QUERY}={token}");
    if let Some(fragment) = fragment {
        out.push('#');
        out.push_str(fragment);
    }
    out
}

/// `Authorization` for this page's requests, when it holds a token.
#[cfg(feature = "hydrate")]
pub(crate) fn authorization() -> Option<String> {
    current().map(|access| format!("Bearer {}", access.token))
}

/// The WebSocket's subprotocols: the app's, then the token when the page
/// holds one.
#[cfg(feature = "hydrate")]
pub(crate) fn socket_protocols() -> Option<[String; 2]> {
    current().map(|access| {
        [
            "loquat".to_string(),
            format!("loquat.token.{}", access.token),
        ]
    })
}

/// Keeps the page's session token for its reloads, and gives the page its
/// own address (it came from the sign-in frame's form, whose address the
/// browser shows): a reload asks for it again, with the kept token. Runs
/// before hydration, which reads the address.
#[cfg(feature = "hydrate")]
pub fn keep() {
    let Some(access) = current() else { return };
    let window = leptos::prelude::window();
    if let Ok(Some(storage)) = window.session_storage() {
        let _ = storage.set_item(STORAGE_KEY, &access.token);
    }
    if let Ok(history) = window.history() {
        let href = crate::root_path::current().href(&access.path);
        let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&href));
    }
}

/// The frame's sign-in ended (signed out, or ended elsewhere): forgets the
/// token and goes to the sign-in frame, which comes back to `next`.
#[cfg(feature = "hydrate")]
pub(crate) fn sign_in_again(next: &str, signed_out: bool) {
    let window = leptos::prelude::window();
    if let Ok(Some(storage)) = window.session_storage() {
        let _ = storage.remove_item(STORAGE_KEY);
    }
    let next = String::from(js_sys::encode_uri_component(next));
    let extra = if signed_out { "&signed_out=1" } else { "" };
    let _ = window.location().replace(&crate::root_path::href(&format!(
        "/auth/frame?next={next}{extra}"
    )));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn media_routes_are_elements_and_exports() {
        for yes in [
            "/element/e1",
            "/element/e1/content",
            "/element/e1/rows",
            "/api/threads/t1/export",
        ] {
            assert!(is_media_route(yes), "{yes}");
        }
        for no in [
            "/",
            "/ws",
            "/elements/x.js",
            "/api/threads/import",
            "/api/threads//export",
            "/api/threads/a/b/export",
            "/auth/user",
        ] {
            assert!(!is_media_route(no), "{no}");
        }
    }

    #[test]
    fn the_media_token_goes_in_the_query_before_the_fragment() {
        assert_eq!(
            add_media_token("/chat/element/e/content".into(), "t"),
            "/chat/element/e/content?media_token=t"
        );
        assert_eq!(
            add_media_token("/element/e/rows?offset=5#x".into(), "t"),
            "/element/e/rows?offset=5&media_token=t#x"
        );
    }

    #[test]
    fn without_a_token_or_off_a_media_route_an_address_is_unchanged() {
        // No settings in context: no token.
        assert_eq!(
            with_media_token("/element/e/content", "/element/e/content".into()),
            "/element/e/content"
        );
        let owner = leptos::prelude::Owner::new();
        owner.with(|| {
            leptos::prelude::provide_context(crate::protocol::UiConfig {
                access: Some(PageAccess {
                    token: "s".into(),
                    media: "m".into(),
                    path: "/".into(),
                }),
                ..Default::default()
            });
            assert_eq!(
                with_media_token("/element/e/content", "/element/e/content".into()),
                "/element/e/content?media_token=m"
            );
            for other in [
                "/thread/x",
                "https://cdn.example/element/e",
                "//x/element/e",
            ] {
                assert_eq!(with_media_token(other, other.into()), other);
            }
        });
    }
}
