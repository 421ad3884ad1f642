//! Who a request acts for. The [`identify`] layer resolves it once per
//! request, by the app's [`Identify`], before any route runs: a request no
//! user can be told from is refused there (401), so no route can forget
//! it. Handlers take the [`CurrentUser`] extractor, which reads what the
//! layer found; the history server functions read the same from the
//! request parts. Without logins every request is the local user; the
//! logins of the identity issue are further [`Identify`] implementations.

use std::sync::Arc;

use axum::extract::{FromRequestParts, Request, State};
use axum::http::header::{ACCEPT, LOCATION, UPGRADE};
use axum::http::request::Parts;
use axum::http::{HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::api_error::ApiError;
use crate::auth::User;
use crate::ids::UserId;

/// The user a request acts for. Ownership is then checked where the data
/// is read: another user's thread, session or element is "not found".
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct CurrentUser {
    /// Whose conversations these are.
    pub(crate) id: UserId,
    /// Who signed in (none for the local user of an app without logins).
    pub(crate) user: Option<Arc<User>>,
    /// The sign-in the request came with, for logging out.
    pub(crate) login_key: Option<String>,
}

impl CurrentUser {
    /// The local user of an app without logins.
    pub(crate) fn local(id: UserId) -> CurrentUser {
        CurrentUser {
            id,
            user: None,
            login_key: None,
        }
    }

    /// A signed-in user.
    pub(crate) fn signed_in(id: UserId, user: User, login_key: Option<String>) -> CurrentUser {
        CurrentUser {
            id,
            user: Some(Arc::new(user)),
            login_key,
        }
    }

    /// The user the identity layer found for a request.
    pub(crate) fn of(parts: &Parts) -> Result<CurrentUser, ApiError> {
        parts.extensions.get::<CurrentUser>().cloned().ok_or_else(|| {
            // Only a route mounted outside the identity layer gets here.
            tracing::error!(path = %parts.uri.path(), "a request reached a handler without an identity");
            ApiError::Internal("the request has no identity")
        })
    }

    pub(crate) fn id(&self) -> &UserId {
        &self.id
    }
}

impl<S: Send + Sync> FromRequestParts<S> for CurrentUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        CurrentUser::of(parts)
    }
}

/// Tells the user from a request; `None` when there is none to tell.
#[async_trait::async_trait]
pub(crate) trait Identify: Send + Sync + 'static {
    async fn identify(&self, request: &Parts) -> Option<CurrentUser>;
}

/// No logins: every request is the local user.
pub(crate) struct LocalUser(pub(crate) UserId);

#[async_trait::async_trait]
impl Identify for LocalUser {
    async fn identify(&self, _request: &Parts) -> Option<CurrentUser> {
        Some(CurrentUser::local(self.0.clone()))
    }
}

/// The layer: resolves the user and puts it in the request's extensions,
/// or refuses the request.
pub(crate) async fn identify(
    State(identity): State<Arc<dyn Identify>>,
    request: Request,
    next: Next,
) -> Response {
    let (mut parts, body) = request.into_parts();
    match identity.identify(&parts).await {
        Some(user) => {
            parts.extensions.insert(user);
            next.run(Request::from_parts(parts, body)).await
        }
        // A frame of another site keeps no cookie: it signs in its own way.
        None if is_page_visit(&parts) && super::frame_sign_in::in_cross_site_frame(&parts) => {
            to_sign_in(&parts, super::frame_sign_in::FRAME_PATH)
        }
        None if is_page_visit(&parts) => to_sign_in(&parts, "/login"),
        None => ApiError::Unauthorized("sign in to use this app".into()).into_response(),
    }
}

/// A browser navigating to a page (not a script's request, not a socket).
fn is_page_visit(parts: &Parts) -> bool {
    let header = |name| parts.headers.get(name).and_then(|v| v.to_str().ok());
    matches!(parts.method, Method::GET | Method::HEAD)
        && header(UPGRADE).is_none()
        && header(ACCEPT).is_some_and(|accept| accept.contains("text/html"))
}

/// 303 to a sign-in page (`page`), which returns here afterwards.
fn to_sign_in(parts: &Parts, page: &str) -> Response {
    let here = parts.uri.path_and_query().map_or("/", |path| path.as_str());
    let next = percent_encoding::utf8_percent_encode(here, percent_encoding::NON_ALPHANUMERIC);
    let location = format!("{page}?next={next}");
    match HeaderValue::from_str(&location) {
        Ok(location) => (StatusCode::SEE_OTHER, [(LOCATION, location)]).into_response(),
        Err(_) => ApiError::Unauthorized("sign in to use this app".into()).into_response(),
    }
}
