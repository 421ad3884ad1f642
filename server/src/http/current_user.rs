//! Who a request acts for. The [`identify`] layer resolves it once per
//! request, by the app's [`Identify`], before any route runs: a request no
//! user can be told from is refused there (401), so no route can forget
//! it. Handlers take the [`CurrentUser`] extractor, which reads what the
//! layer found; the history server functions read the same from the
//! request parts. Without logins every request is the local user; the
//! logins of the identity issue are further [`Identify`] implementations.

use std::sync::Arc;

use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::api_error::ApiError;
use crate::ids::UserId;

/// The user a request acts for. Ownership is then checked where the data
/// is read: another user's thread, session or element is "not found".
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct CurrentUser(pub(crate) UserId);

impl CurrentUser {
    /// The user the identity layer found for a request.
    pub(crate) fn of(parts: &Parts) -> Result<CurrentUser, ApiError> {
        parts.extensions.get::<CurrentUser>().cloned().ok_or_else(|| {
            // Only a route mounted outside the identity layer gets here.
            tracing::error!(path = %parts.uri.path(), "a request reached a handler without an identity");
            ApiError::Internal("the request has no identity")
        })
    }

    pub(crate) fn id(&self) -> &UserId {
        &self.0
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
        Some(CurrentUser(self.0.clone()))
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
        None => ApiError::Unauthorized("sign in to use this app".into()).into_response(),
    }
}
