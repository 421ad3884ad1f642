//! Builds the app's [`Auth`] from its hooks and configuration, or none when
//! no login is configured (the local user, as without this module).

use std::sync::Arc;

use super::authenticator::{Auth, AuthParts, HeaderLogin, PasswordLogin};
use super::callbacks::AuthHooks;
use super::cookie::CookieSettings;
use super::login_limit::{LoginLimiter, LoginLimits};
use super::memory_store::MemoryAuthStore;
use super::oauth::{OAuth, ProviderError};
use super::secret::{AuthSecret, SecretError};
use super::token::TokenKeys;
use super::trusted_proxies::TrustedProxies;
use crate::config::{Config, CookieSameSite};
use crate::data::DataLayer;

/// Why the logins cannot be set up; the server does not start.
#[derive(Debug, thiserror::Error)]
pub enum AuthSetupError {
    #[error(transparent)]
    Secret(#[from] SecretError),
    #[error(
        "[auth] password_users needs the embedded data layer (it keeps the users); \
         this app uses its own, or has persistence off"
    )]
    NoUserStore,
    #[error(
        "both Loquat::password_auth and [auth] password_users are set: the app's callback \
         checks passwords, so turn password_users off"
    )]
    TwoPasswordLogins,
    #[error("[auth] trusted_proxies: `{0}` is neither an address nor a network (10.0.0.0/8)")]
    Proxy(String),
    #[error("OAuth: {0}")]
    OAuth(#[from] ProviderError),
    #[error(
        "Loquat::oauth is set but no provider is configured: set the OAUTH_<PROVIDER>_CLIENT_ID \
         and OAUTH_<PROVIDER>_CLIENT_SECRET variables of at least one (see docs/auth.md)"
    )]
    NoProvider,
}

/// The app's logins, or `None` when it has none.
pub(crate) fn build(
    hooks: &AuthHooks,
    config: &Config,
    data: Option<Arc<dyn DataLayer>>,
    public_url: Option<&str>,
    limits: LoginLimits,
) -> Result<Option<Arc<Auth>>, AuthSetupError> {
    let built_in = config.auth.password_users;
    let oauth = OAuth::from_env(&process_env(), hooks.oauth.clone())?;
    if hooks.oauth.is_some() && oauth.is_none() {
        return Err(AuthSetupError::NoProvider);
    }
    if hooks.password.is_none() && hooks.header.is_none() && !built_in && oauth.is_none() {
        return Ok(None);
    }
    let secret = match &hooks.secret {
        Some(secret) => secret.clone(),
        None => AuthSecret::from_env()?,
    };
    let kept = data.clone().and_then(|data| data.auth_store());
    let password = match (&hooks.password, built_in) {
        (Some(_), true) => return Err(AuthSetupError::TwoPasswordLogins),
        (Some(callback), false) => Some(PasswordLogin::Callback(callback.clone())),
        (None, true) if kept.is_none() => return Err(AuthSetupError::NoUserStore),
        (None, true) => Some(PasswordLogin::BuiltIn),
        (None, false) => None,
    };
    let header = match &hooks.header {
        Some(callback) => Some(HeaderLogin {
            callback: callback.clone(),
            proxies: TrustedProxies::parse(&config.auth.trusted_proxies)
                .map_err(AuthSetupError::Proxy)?,
        }),
        None => None,
    };
    let store = kept.unwrap_or_else(|| Arc::new(MemoryAuthStore::default()));
    let secure = public_url.is_some_and(|url| url.trim().starts_with("https://"));
    let cookie = CookieSettings::new(
        secure,
        match config.auth.cookie_same_site {
            CookieSameSite::Lax => cookie::SameSite::Lax,
            CookieSameSite::Strict => cookie::SameSite::Strict,
            CookieSameSite::None => cookie::SameSite::None,
        },
        config.project.user_session_timeout,
        &config.project.root_path,
    );
    Ok(Some(Arc::new(Auth::new(AuthParts {
        keys: TokenKeys::new(&secret),
        store,
        data,
        password,
        header,
        on_logout: hooks.on_logout.clone(),
        oauth,
        public_url: public_url.map(str::to_string),
        root: config.project.root_path.clone(),
        cookie,
        limiter: LoginLimiter::new(limits),
    }))))
}

/// The process environment (UTF-8 variables only).
fn process_env() -> std::collections::HashMap<String, String> {
    std::env::vars_os()
        .filter_map(|(name, value)| Some((name.into_string().ok()?, value.into_string().ok()?)))
        .collect()
}
