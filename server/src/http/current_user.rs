//! Who a request acts for: the [`CurrentUser`] extractor. Every handler
//! that reads or changes a user's data takes one (the WebSocket upgrade,
//! pages, element, upload and transfer routes), and the history server
//! functions resolve it from the same request parts, so authentication
//! changes this one place. Without logins every request is the local user.

use std::sync::Arc;

use axum::extract::{FromRef, FromRequestParts};
use axum::http::request::Parts;

use crate::runtime::Runtime;

/// The user a request acts for. Ownership is then checked where the data
/// is read: another user's thread, session or element is "not found".
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct CurrentUser(pub(crate) String);

impl CurrentUser {
    /// The user of a request.
    pub(crate) fn of(runtime: &Runtime, _request: &Parts) -> CurrentUser {
        // No logins yet: the local user (see the identity issue).
        CurrentUser(runtime.local_user())
    }

    pub(crate) fn id(&self) -> &str {
        &self.0
    }
}

impl<S> FromRequestParts<S> for CurrentUser
where
    Arc<Runtime>: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let runtime = Arc::<Runtime>::from_ref(state);
        Ok(CurrentUser::of(&runtime, parts))
    }
}
