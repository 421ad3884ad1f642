//! [`Auth`]: the logins the app has, as one [`Identify`] for the identity
//! layer, and the sign-in and sign-out steps the auth routes call.
//!
//! A request is told from, in this order:
//! 1. the trusted proxy's headers (header login, only from a trusted peer);
//! 2. `Authorization: Bearer <token>` (a bearer or session token); a bad
//!    one is refused, never passed on to the cookie;
//! 3. a frame's token on its WebSocket, or its media token on the routes
//!    that take one (see `frame_access`); a bad one is refused likewise;
//! 4. the session cookie, whose sign-in must still exist on the server.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::ConnectInfo;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue};
use sha2::{Digest, Sha256};

use super::callbacks::{HeaderCallback, LogoutHook, PasswordCallback};
use super::cookie::CookieSettings;
use super::frame_access::{media_token, protocol_token};
use super::login_limit::{LoginLimiter, Throttled};
use super::password::{verify_on_pool, MAX_PASSWORD_BYTES};
use super::store::{AuthStore, LoginSession};
use super::token::{now_secs, Claims, TokenKeys};
use super::trusted_proxies::TrustedProxies;
use super::user::MAX_IDENTIFIER_BYTES;
use super::User;
use crate::data::{DataError, DataLayer};
use crate::http::{CurrentUser, Identify};
use crate::ids::UserId;
use crate::time::now_millis;

/// Resolved user ids kept before the cache starts over.
const MAX_CACHED_USERS: usize = 10_000;

/// How password sign-ins are checked.
#[derive(Clone)]
pub(crate) enum PasswordLogin {
    /// The app's `Loquat::password_auth`.
    Callback(PasswordCallback),
    /// The built-in users (`loquat users add`).
    BuiltIn,
}

/// Header logins: the app's callback, believed only from these peers.
#[derive(Clone)]
pub(crate) struct HeaderLogin {
    pub(crate) callback: HeaderCallback,
    pub(crate) proxies: TrustedProxies,
}

/// Why a sign-in did not happen. The login page shows each as a fixed
/// message (never the client's own text).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub(crate) enum LoginError {
    #[error("the username or password is not right")]
    BadCredentials,
    #[error("too many sign-in attempts; wait a minute and try again")]
    Throttled,
    #[error("signing in is not possible right now; try again later")]
    Unavailable,
    #[error("this way of signing in is not enabled")]
    NotEnabled,
}

impl LoginError {
    /// The code the login page is sent back with (`/login?error=…`).
    pub(crate) fn code(self) -> &'static str {
        match self {
            LoginError::BadCredentials => "bad_credentials",
            LoginError::Throttled => "too_many_attempts",
            LoginError::Unavailable => "unavailable",
            LoginError::NotEnabled => "not_enabled",
        }
    }
}

impl From<Throttled> for LoginError {
    fn from(_: Throttled) -> Self {
        LoginError::Throttled
    }
}

impl From<DataError> for LoginError {
    fn from(err: DataError) -> Self {
        tracing::error!(error = %err, "the sign-in store failed");
        LoginError::Unavailable
    }
}

/// What an [`Auth`] is made of (see `setup.rs`).
pub(crate) struct AuthParts {
    pub(crate) keys: TokenKeys,
    pub(crate) store: Arc<dyn AuthStore>,
    /// Conversations' owners are stored users when there is persistence.
    pub(crate) data: Option<Arc<dyn DataLayer>>,
    pub(crate) password: Option<PasswordLogin>,
    pub(crate) header: Option<HeaderLogin>,
    pub(crate) on_logout: Option<LogoutHook>,
    pub(crate) oauth: Option<super::oauth::OAuth>,
    /// `LOQUAT_URL`: where OAuth providers send the browser back to.
    pub(crate) public_url: Option<String>,
    /// `[project] root_path`: the callback lives under it.
    pub(crate) root: loquat_app::root_path::RootPath,
    pub(crate) cookie: CookieSettings,
    pub(crate) limiter: LoginLimiter,
}

/// A new sign-in: the user and the `Set-Cookie` that carries it.
/// A sign-in just started: its user, its session token, and what the token
/// names (the sign-in's id and the token's expiry).
pub(crate) struct NewSession {
    pub(crate) user: CurrentUser,
    pub(crate) token: String,
    pub(crate) sid: String,
    pub(crate) exp: u64,
}

pub(crate) struct SignedIn {
    pub(crate) user: CurrentUser,
    pub(crate) cookie: HeaderValue,
}

pub(crate) struct Auth {
    pub(crate) parts: AuthParts,
    /// identifier → stored user id, so a bearer or header request does not
    /// write to the database.
    user_ids: Mutex<HashMap<String, UserId>>,
    /// Sign-ins ended here (their key hashes): open sockets of theirs close.
    ended: tokio::sync::broadcast::Sender<String>,
}

impl Auth {
    pub(crate) fn new(parts: AuthParts) -> Auth {
        Auth {
            parts,
            user_ids: Mutex::new(HashMap::new()),
            ended: tokio::sync::broadcast::channel(64).0,
        }
    }

    /// Sign-ins ended from now on (their key hashes).
    pub(crate) fn ended_sign_ins(&self) -> tokio::sync::broadcast::Receiver<String> {
        self.ended.subscribe()
    }

    /// Where `provider` sends the browser back: under `LOQUAT_URL`, or the
    /// request's own host when that is a loopback name (development).
    /// Elsewhere without `LOQUAT_URL` there is no safe answer: the host
    /// header is the client's, and the scheme behind a TLS proxy unknown.
    pub(crate) fn redirect_uri(&self, provider: &str, request: &Parts) -> Option<String> {
        let base = match &self.parts.public_url {
            Some(url) => url.trim().trim_end_matches('/').to_string(),
            None => {
                let host = request
                    .headers
                    .get(axum::http::header::HOST)?
                    .to_str()
                    .ok()?;
                let name = host.rsplit_once(':').map_or(host, |(name, _)| name);
                let loopback = matches!(name, "localhost" | "127.0.0.1" | "[::1]");
                if !loopback {
                    tracing::error!(
                        "OAuth sign-in needs LOQUAT_URL (the app's public URL, e.g. \
                         https://chat.example.com) to build the redirect URI"
                    );
                    return None;
                }
                format!("http://{host}")
            }
        };
        // LOQUAT_URL may name the root path itself or only the site.
        let root = self.parts.root.as_str();
        let base = base.strip_suffix(root).unwrap_or(&base);
        Some(format!("{base}{root}/auth/oauth/{provider}/callback"))
    }

    /// How long a sign-in lasts.
    pub(crate) fn session_lifetime(&self) -> Duration {
        self.parts.cookie.max_age
    }

    /// The id `user`'s conversations are stored under: the stored user's
    /// (created, and their profile refreshed, when `refresh`), else the
    /// identifier itself.
    async fn user_id(&self, user: &User, refresh: bool) -> Result<UserId, LoginError> {
        if !user.has_valid_identifier() || user.identifier.len() > MAX_IDENTIFIER_BYTES {
            tracing::warn!("a login returned an identifier that cannot own conversations");
            return Err(LoginError::BadCredentials);
        }
        if !refresh {
            let cached = self.cache().get(&user.identifier).cloned();
            if let Some(id) = cached {
                return Ok(id);
            }
        }
        let id = match &self.parts.data {
            Some(data) => {
                let record = data.sign_in_user(user).await?;
                UserId::try_from(record.id).map_err(|err| {
                    tracing::error!(error = %err, "the data layer gave a malformed user id");
                    LoginError::Unavailable
                })?
            }
            None => UserId::parse(&user.identifier).ok_or(LoginError::BadCredentials)?,
        };
        let mut cache = self.cache();
        if cache.len() >= MAX_CACHED_USERS {
            cache.clear();
        }
        cache.insert(user.identifier.clone(), id.clone());
        Ok(id)
    }

    fn cache(&self) -> std::sync::MutexGuard<'_, HashMap<String, UserId>> {
        self.user_ids.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Checks a username and password (rate-limited per account and per
    /// `client`).
    pub(crate) async fn check_password(
        &self,
        username: &str,
        password: &str,
        client: IpAddr,
    ) -> Result<User, LoginError> {
        let method = self.parts.password.as_ref().ok_or(LoginError::NotEnabled)?;
        let username = username.trim();
        if username.is_empty()
            || username.len() > MAX_IDENTIFIER_BYTES
            || password.len() > MAX_PASSWORD_BYTES
        {
            return Err(LoginError::BadCredentials);
        }
        self.parts.limiter.check(username, client)?;
        match method {
            PasswordLogin::Callback(callback) => {
                callback(username.to_string(), password.to_string())
                    .await
                    .ok_or(LoginError::BadCredentials)
            }
            PasswordLogin::BuiltIn => {
                let stored = self.parts.store.password_user(username).await?;
                let (hash, display_name) = match stored {
                    Some(stored) => (Some(stored.hash), stored.display_name),
                    None => (None, None),
                };
                if verify_on_pool(password.to_string(), hash).await {
                    Ok(User {
                        identifier: username.to_string(),
                        display_name,
                        metadata: serde_json::Map::new(),
                    })
                } else {
                    Err(LoginError::BadCredentials)
                }
            }
        }
    }

    /// Signs `user` in: a new sign-in on the server and its cookie.
    pub(crate) async fn sign_in(&self, user: User, provider: &str) -> Result<SignedIn, LoginError> {
        let started = self.new_session(user, provider).await?;
        Ok(SignedIn {
            user: started.user,
            cookie: self.parts.cookie.set(&started.token),
        })
    }

    /// A new sign-in of `user` on the server and its session token (for a
    /// cookie, or for a frame that cannot keep one).
    pub(crate) async fn new_session(
        &self,
        user: User,
        provider: &str,
    ) -> Result<NewSession, LoginError> {
        // Two writes, not one transaction: the user is an idempotent upsert
        // in the data layer, the sign-in a row of the auth store (which may
        // be the in-memory one). A failure between them leaves a user with
        // no sign-in, which the next attempt reuses.
        let id = self.user_id(&user, true).await?;
        let sid = crate::ids::new_token();
        let now = now_millis();
        let lifetime = self.session_lifetime();
        let expires_at =
            now.saturating_add(u64::try_from(lifetime.as_millis()).unwrap_or(u64::MAX));
        let login = LoginSession {
            key_hash: key_hash(&sid),
            user_id: id.to_string(),
            user: user.clone(),
            provider: provider.to_string(),
            created_at: now,
            expires_at,
        };
        self.parts.store.create_login(&login).await?;
        let exp = now_secs().saturating_add(lifetime.as_secs());
        let claims = Claims {
            identifier: user.identifier.clone(),
            metadata: serde_json::Map::new(),
            display_name: None,
            exp,
            iat: now_secs(),
            sid: Some(sid.clone()),
        };
        let token = self.parts.keys.sign(&claims).map_err(|err| {
            tracing::error!(error = %err, "signing a session token failed");
            LoginError::Unavailable
        })?;
        Ok(NewSession {
            user: CurrentUser::signed_in(id, user, Some(login.key_hash)),
            token,
            sid,
            exp,
        })
    }

    /// The user of a bearer token (not a session token), if it is valid and
    /// was issued after its user was last signed out everywhere.
    pub(crate) async fn bearer_user(&self, token: &str) -> Option<User> {
        let claims = self.parts.keys.verify(token).ok()?;
        if claims.sid.is_some() {
            return None;
        }
        let valid_after = self
            .parts
            .store
            .tokens_valid_after(&claims.identifier)
            .await
            .ok()?;
        (claims.iat.saturating_mul(1000) >= valid_after || valid_after == 0).then(|| claims.user())
    }

    /// Ends the sign-in `user` made (if it was one) and runs `on_logout`.
    pub(crate) async fn sign_out(&self, user: &CurrentUser) {
        if let Some(key) = &user.login_key {
            if let Err(err) = self.parts.store.end_login(key).await {
                tracing::error!(error = %err, "ending a sign-in failed");
            }
            let _ = self.ended.send(key.clone());
        }
        if let (Some(hook), Some(profile)) = (&self.parts.on_logout, &user.user) {
            hook(User::clone(profile)).await;
        }
    }

    /// The user a session or bearer token stands for now (none once its
    /// sign-in has ended or its user was removed).
    pub(crate) async fn token_user(&self, token: &str) -> Option<CurrentUser> {
        let claims = self.parts.keys.verify(token).ok()?;
        match &claims.sid {
            Some(sid) => self.signed_in_as(&claims.identifier, sid).await,
            None => {
                let user = self.bearer_user(token).await?;
                let id = self.user_id(&user, false).await.ok()?;
                Some(CurrentUser::signed_in(id, user, None))
            }
        }
    }

    /// The user of sign-in `sid` while it lasts, if it is `identifier`'s
    /// (what a session token or a media token names).
    pub(crate) async fn signed_in_as(&self, identifier: &str, sid: &str) -> Option<CurrentUser> {
        let key = key_hash(sid);
        let login = self.parts.store.login(&key, now_millis()).await.ok()??;
        if login.user.identifier != identifier {
            return None;
        }
        let id = UserId::try_from(login.user_id).ok()?;
        Some(CurrentUser::signed_in(id, login.user, Some(key)))
    }

    async fn proxy_user(&self, request: &Parts) -> Option<CurrentUser> {
        let header = self.parts.header.as_ref()?;
        let peer = request
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|info| info.0.ip())?;
        if !header.proxies.trusts(peer) {
            return None;
        }
        let user = (header.callback)(request.headers.clone()).await?;
        let id = self.user_id(&user, false).await.ok()?;
        Some(CurrentUser::signed_in(id, user, None))
    }
}

/// The bearer token of `Authorization: Bearer …`, if the header is one.
pub(crate) fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}

/// What a store keeps instead of a secret token (a session id, a share
/// link's token): its SHA-256, in hex.
pub(crate) fn key_hash(sid: &str) -> String {
    Sha256::digest(sid.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

impl Auth {
    /// The token a request signs in with (bearer, else the session cookie),
    /// for a socket to check again later; none for header logins.
    pub(crate) fn request_token(&self, headers: &HeaderMap) -> Option<String> {
        match bearer_token(headers).or_else(|| protocol_token(headers)) {
            Some(token) => Some(token.to_string()),
            None => self.parts.cookie.read(headers),
        }
    }
}

#[async_trait::async_trait]
impl Identify for Auth {
    async fn identify(&self, request: &Parts) -> Option<CurrentUser> {
        if let Some(user) = self.proxy_user(request).await {
            return Some(user);
        }
        if request.headers.contains_key(AUTHORIZATION) {
            // A bad bearer token is refused outright.
            return self.token_user(bearer_token(&request.headers)?).await;
        }
        // A frame without cookies: its socket's token, its media token.
        if let Some(token) = protocol_token(&request.headers) {
            return self.token_user(token).await;
        }
        if let Some(token) = media_token(request) {
            return self.media_user(token).await;
        }
        let token = self.parts.cookie.read(&request.headers)?;
        self.token_user(&token).await
    }
}
