//! The app's login callbacks, as the SDK stores them.

use std::future::Future;
use std::sync::Arc;

use axum::http::HeaderMap;
use futures_util::future::BoxFuture;

use super::User;

/// `Loquat::password_auth`: (username, password) → the user, if they match.
pub(crate) type PasswordCallback =
    Arc<dyn Fn(String, String) -> BoxFuture<'static, Option<User>> + Send + Sync>;

/// `Loquat::header_auth`: the request's headers (from a trusted proxy) →
/// the user they name.
pub(crate) type HeaderCallback =
    Arc<dyn Fn(HeaderMap) -> BoxFuture<'static, Option<User>> + Send + Sync>;

/// `Loquat::on_logout`: the user who signed out.
pub(crate) type LogoutHook = Arc<dyn Fn(User) -> BoxFuture<'static, ()> + Send + Sync>;

pub(crate) fn password_callback<F, Fut>(f: F) -> PasswordCallback
where
    F: Fn(String, String) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Option<User>> + Send + 'static,
{
    Arc::new(move |username, password| Box::pin(f(username, password)))
}

pub(crate) fn header_callback<F, Fut>(f: F) -> HeaderCallback
where
    F: Fn(HeaderMap) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Option<User>> + Send + 'static,
{
    Arc::new(move |headers| Box::pin(f(headers)))
}

pub(crate) fn logout_hook<F, Fut>(f: F) -> LogoutHook
where
    F: Fn(User) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    Arc::new(move |user| Box::pin(f(user)))
}

/// Every login the app registered in code.
#[derive(Clone, Default)]
pub(crate) struct AuthHooks {
    pub(crate) password: Option<PasswordCallback>,
    pub(crate) header: Option<HeaderCallback>,
    pub(crate) on_logout: Option<LogoutHook>,
    pub(crate) oauth: Option<super::oauth::OAuthCallback>,
    /// `Loquat::auth_secret`; else `LOQUAT_AUTH_SECRET`.
    pub(crate) secret: Option<super::AuthSecret>,
}
