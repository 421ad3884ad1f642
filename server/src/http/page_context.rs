//! What a chat page shows for its user that the app decides in a hook: the
//! chat profiles offered, the one picked (the `loquat_profile` cookie the
//! picker sets, if offered, else the default), and the starters of the
//! empty chat (the profile's own, else the `starters` hook's). The hooks
//! run before the page renders (rendering cannot wait on a hook), inside
//! the identity layer.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::header::COOKIE;
use axum::http::Method;
use axum::middleware::Next;
use axum::response::Response;
use loquat_app::protocol::{pick_profile, ChatProfile, Starter};

use super::current_user::CurrentUser;
use crate::runtime::Runtime;

/// Longest the page waits for the app's starters.
const STARTERS_TIMEOUT: Duration = Duration::from_secs(5);

/// The cookie naming the chat profile the user picked last.
pub(crate) const PROFILE_COOKIE: &str = "loquat_profile";

/// What the hooks gave for this request's user.
#[derive(Clone, Debug, Default)]
pub(crate) struct PageContext {
    pub(crate) profiles: Vec<ChatProfile>,
    /// The profile the page renders with.
    pub(crate) profile: Option<ChatProfile>,
    pub(crate) starters: Vec<Starter>,
}

/// The pages that show a chat.
fn is_chat_page(path: &str) -> bool {
    path == "/" || path.starts_with("/thread/")
}

/// The profile named by the request's `loquat_profile` cookie (the picker
/// writes it percent-encoded).
fn picked(request: &Request) -> Option<String> {
    request
        .headers()
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == PROFILE_COOKIE)
        .and_then(|(_, value)| {
            percent_encoding::percent_decode_str(value)
                .decode_utf8()
                .ok()
                .map(|v| v.into_owned())
        })
}

/// Runs the app's `chat_profiles` and `starters` hooks for a chat page and
/// keeps what they gave in the request for the render.
pub(crate) async fn with_page_context(
    State(runtime): State<Arc<Runtime>>,
    mut request: Request,
    next: Next,
) -> Response {
    let hooks = &runtime.hooks;
    let wanted = request.method() == Method::GET
        && is_chat_page(request.uri().path())
        && (hooks.starters.is_some() || hooks.chat_profiles.is_some());
    if wanted {
        let user = request
            .extensions()
            .get::<CurrentUser>()
            .and_then(|u| u.user.as_deref().cloned());
        let profiles = runtime.chat_profiles(user.as_ref()).await;
        let profile = pick_profile(&profiles, picked(&request).as_deref()).cloned();
        let starters = match &profile {
            Some(p) if !p.starters.is_empty() => p.starters.clone(),
            _ => starters_of(&runtime, user, profile.as_ref().map(|p| p.name.clone())).await,
        };
        request.extensions_mut().insert(PageContext {
            profiles,
            profile,
            starters,
        });
    }
    next.run(request).await
}

async fn starters_of(
    runtime: &Runtime,
    user: Option<crate::User>,
    profile: Option<String>,
) -> Vec<Starter> {
    let Some(hook) = runtime.hooks.starters.clone() else {
        return Vec::new();
    };
    match tokio::time::timeout(STARTERS_TIMEOUT, hook(user, profile)).await {
        Ok(starters) => starters,
        Err(_) => {
            tracing::warn!(
                "the starters hook took longer than {} s; the page shows none",
                STARTERS_TIMEOUT.as_secs()
            );
            Vec::new()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_chat_pages_get_starters() {
        assert!(is_chat_page("/"));
        assert!(is_chat_page("/thread/abc"));
        assert!(!is_chat_page("/element/abc"));
        assert!(!is_chat_page("/ws"));
        assert!(!is_chat_page("/api/threads/import"));
    }

    #[test]
    fn the_picked_profile_is_read_from_its_cookie() {
        let request = Request::builder()
            .header(COOKIE, "a=1; loquat_profile=Sales%20desk")
            .header(COOKIE, "b=2")
            .body(axum::body::Body::empty())
            .unwrap_or_default();
        assert_eq!(picked(&request).as_deref(), Some("Sales desk"));
        let none = Request::builder()
            .body(axum::body::Body::empty())
            .unwrap_or_default();
        assert_eq!(picked(&none), None);
    }
}
