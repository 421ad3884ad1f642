//! Logins: who is using the app, when it has logins configured.
//!
//! Without any, every request is the local user, exactly as before. With
//! one or more, the identity layer asks [`Auth`](authenticator) for the
//! user of each request: a trusted proxy's headers, a bearer token, or the
//! session cookie of a sign-in kept on the server (so signing out ends it
//! at once). See `docs/auth.md` for each login and `docs/security.md` for
//! the model.

mod authenticator;
mod callbacks;
mod cookie;
mod frame_access;
mod login_limit;
mod memory_store;
pub(crate) mod oauth;
mod password;
mod secret;
mod setup;
mod store;
mod token;
mod trusted_proxies;
mod user;
mod users_cli;

pub(crate) use authenticator::{bearer_token, key_hash, Auth, LoginError, SignedIn};
pub(crate) use callbacks::{header_callback, logout_hook, password_callback, AuthHooks};
pub(crate) use frame_access::{FrameAccess, WS_PROTOCOL};
pub use login_limit::LoginLimits;
pub use memory_store::MemoryAuthStore;
pub(crate) use oauth::oauth_callback;
pub use oauth::ProviderError;
pub use password::{
    hash_password, verify_password, PasswordError, MAX_PASSWORD_BYTES, MIN_PASSWORD_CHARS,
};
pub use secret::{create_secret, AuthSecret, SecretError, MIN_SECRET_BYTES, SECRET_ENV};
pub(crate) use setup::build;
pub use setup::AuthSetupError;
pub use store::{AuthStore, LoginSession, PasswordUser, StoredPassword};
pub use token::{Claims, TokenError, TokenKeys, MAX_TOKEN_BYTES};
pub use trusted_proxies::TrustedProxies;
pub use user::{User, MAX_IDENTIFIER_BYTES};
pub use users_cli::{run as run_users_command, UsersError};
