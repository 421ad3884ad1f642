//! Where sign-ins and built-in password users are kept: [`AuthStore`].
//! The embedded SQLite data layer is one ([`crate::data::SqliteDataLayer`]);
//! without it, sign-ins live in memory ([`MemoryAuthStore`]) and end with
//! the process.

use loquat_app::protocol::Millis;
use serde::{Deserialize, Serialize};

use super::User;
use crate::data::DataResult;

/// One sign-in: what the session cookie names.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoginSession {
    /// SHA-256 (hex) of the session id in the cookie: a leaked database
    /// gives no usable cookie.
    pub key_hash: String,
    /// The id conversations are stored under.
    pub user_id: String,
    /// The user as the login gave them.
    pub user: User,
    /// How they signed in: `password`, `jwt`, or an OAuth provider's id.
    pub provider: String,
    pub created_at: Millis,
    pub expires_at: Millis,
}

/// A built-in password user, as `loquat users list` shows them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasswordUser {
    pub identifier: String,
    pub display_name: Option<String>,
    pub created_at: Millis,
}

/// A built-in user's password hash (a PHC string) and display name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredPassword {
    pub hash: String,
    pub display_name: Option<String>,
}

/// Storage for sign-ins and built-in users. Implementations must be safe to
/// call from many tasks at once.
#[async_trait::async_trait]
pub trait AuthStore: Send + Sync + 'static {
    /// Records a sign-in (and forgets the expired ones).
    async fn create_login(&self, login: &LoginSession) -> DataResult<()>;

    /// The sign-in with this key, if it exists and has not expired at `now`.
    async fn login(&self, key_hash: &str, now: Millis) -> DataResult<Option<LoginSession>>;

    /// Ends one sign-in; false when there was none.
    async fn end_login(&self, key_hash: &str) -> DataResult<bool>;

    /// Ends every sign-in of `identifier` and voids its bearer tokens issued
    /// before `now`; the number of sign-ins ended.
    async fn end_logins_of(&self, identifier: &str, now: Millis) -> DataResult<u64>;

    /// Bearer tokens of `identifier` issued before this time are void.
    async fn tokens_valid_after(&self, identifier: &str) -> DataResult<Millis>;

    /// Creates the built-in user or changes their password (a PHC string);
    /// true when created.
    async fn set_password(
        &self,
        identifier: &str,
        display_name: Option<&str>,
        password_hash: &str,
    ) -> DataResult<bool>;

    /// The built-in user's password hash and display name, if they exist.
    async fn password_user(&self, identifier: &str) -> DataResult<Option<StoredPassword>>;

    /// Removes a built-in user's password and ends their sign-ins; false
    /// when there was no such user. Their conversations stay.
    async fn remove_password(&self, identifier: &str, now: Millis) -> DataResult<bool>;

    /// The built-in users, by identifier.
    async fn password_users(&self) -> DataResult<Vec<PasswordUser>>;
}
