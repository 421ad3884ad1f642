//! The starters of a chat page: the app's `starters` hook runs for the
//! user the identity layer found, before the page renders (rendering cannot
//! wait on a hook), and the page carries them for the empty chat.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::Response;
use loquat_app::protocol::Starter;

use super::current_user::CurrentUser;
use crate::runtime::Runtime;

/// Longest the page waits for the app's starters.
const STARTERS_TIMEOUT: Duration = Duration::from_secs(5);

/// What the `starters` hook gave for this request's user.
#[derive(Clone, Debug, Default)]
pub(crate) struct PageStarters(pub(crate) Vec<Starter>);

/// The pages that show a chat (and so, when it is empty, the starters).
fn is_chat_page(path: &str) -> bool {
    path == "/" || path.starts_with("/thread/")
}

/// Runs the `starters` hook for a chat page (inside the identity layer)
/// and keeps the result in the request for the render.
pub(crate) async fn with_starters(
    State(runtime): State<Arc<Runtime>>,
    mut request: Request,
    next: Next,
) -> Response {
    let hook = runtime.hooks.starters.clone();
    if let Some(hook) =
        hook.filter(|_| request.method() == Method::GET && is_chat_page(request.uri().path()))
    {
        let user = request
            .extensions()
            .get::<CurrentUser>()
            .and_then(|u| u.user.as_deref().cloned());
        match tokio::time::timeout(STARTERS_TIMEOUT, hook(user, None)).await {
            Ok(starters) => {
                request.extensions_mut().insert(PageStarters(starters));
            }
            Err(_) => tracing::warn!(
                "the starters hook took longer than {} s; the page shows none",
                STARTERS_TIMEOUT.as_secs()
            ),
        }
    }
    next.run(request).await
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
}
