//! [`AuthStore`]: the `auth_users` (built-in password users, and when each
//! identifier's tokens became void) and `auth_sessions` (revocable
//! sign-ins, by the SHA-256 of the cookie's session id) tables.

use loquat_app::protocol::Millis;
use sqlx::{ColumnIndex, Decode, Encode, Executor, FromRow, IntoArguments, Type};

use super::rows::{from_json, json_text, millis, to_i64};
use super::{Backend, SqlStore};
use crate::auth::{AuthStore, LoginSession, PasswordUser, StoredPassword};
use crate::data::{DataError, DataResult};

#[derive(FromRow)]
pub(crate) struct LoginRow {
    key_hash: String,
    user_id: String,
    profile: String,
    provider: String,
    created_at: i64,
    expires_at: i64,
}

impl TryFrom<LoginRow> for LoginSession {
    type Error = DataError;

    fn try_from(row: LoginRow) -> DataResult<LoginSession> {
        Ok(LoginSession {
            user: from_json("profile", &row.profile)?,
            created_at: millis("created_at", row.created_at)?,
            expires_at: millis("expires_at", row.expires_at)?,
            key_hash: row.key_hash,
            user_id: row.user_id,
            provider: row.provider,
        })
    }
}

#[derive(FromRow)]
pub(crate) struct PasswordRow {
    password_hash: String,
    display_name: Option<String>,
}

#[derive(FromRow)]
pub(crate) struct PasswordUserRow {
    identifier: String,
    display_name: Option<String>,
    created_at: i64,
}

#[allow(private_bounds)]
#[async_trait::async_trait]
impl<DB> AuthStore for SqlStore<DB>
where
    DB: Backend,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: IntoArguments<'q, DB>,
    for<'q> &'q str: Encode<'q, DB> + Type<DB>,
    for<'q> Option<&'q str>: Encode<'q, DB>,
    for<'q> String: Encode<'q, DB> + Type<DB>,
    for<'q> i64: Encode<'q, DB> + Type<DB>,
    for<'r> String: Decode<'r, DB>,
    for<'r> i64: Decode<'r, DB>,
    usize: ColumnIndex<DB::Row>,
    for<'r> LoginRow: FromRow<'r, DB::Row>,
    for<'r> PasswordRow: FromRow<'r, DB::Row>,
    for<'r> PasswordUserRow: FromRow<'r, DB::Row>,
{
    async fn create_login(&self, login: &LoginSession) -> DataResult<()> {
        let mut tx = self.pool().begin().await?;
        sqlx::query::<DB>("DELETE FROM auth_sessions WHERE expires_at <= $1")
            .bind(to_i64(login.created_at))
            .execute(&mut *tx)
            .await?;
        sqlx::query::<DB>(
            "INSERT INTO auth_sessions \
             (key_hash, user_id, identifier, profile, provider, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(login.key_hash.as_str())
        .bind(login.user_id.as_str())
        .bind(login.user.identifier.as_str())
        .bind(json_text(&login.user))
        .bind(login.provider.as_str())
        .bind(to_i64(login.created_at))
        .bind(to_i64(login.expires_at))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn login(&self, key_hash: &str, now: Millis) -> DataResult<Option<LoginSession>> {
        sqlx::query_as::<DB, LoginRow>(
            "SELECT key_hash, user_id, profile, provider, created_at, expires_at \
             FROM auth_sessions WHERE key_hash = $1 AND expires_at > $2",
        )
        .bind(key_hash)
        .bind(to_i64(now))
        .fetch_optional(self.pool())
        .await?
        .map(LoginSession::try_from)
        .transpose()
    }

    async fn end_login(&self, key_hash: &str) -> DataResult<bool> {
        let done = sqlx::query::<DB>("DELETE FROM auth_sessions WHERE key_hash = $1")
            .bind(key_hash)
            .execute(self.pool())
            .await?;
        Ok(DB::rows_affected(&done) > 0)
    }

    async fn end_logins_of(&self, identifier: &str, now: Millis) -> DataResult<u64> {
        let mut tx = self.pool().begin().await?;
        let ended = sqlx::query::<DB>("DELETE FROM auth_sessions WHERE identifier = $1")
            .bind(identifier)
            .execute(&mut *tx)
            .await?;
        let ended = DB::rows_affected(&ended);
        sqlx::query::<DB>(
            "INSERT INTO auth_users (identifier, created_at, tokens_valid_after) \
             VALUES ($1, $2, $2) ON CONFLICT(identifier) DO UPDATE SET \
             tokens_valid_after = excluded.tokens_valid_after",
        )
        .bind(identifier)
        .bind(to_i64(now))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(ended)
    }

    async fn tokens_valid_after(&self, identifier: &str) -> DataResult<Millis> {
        let after = sqlx::query_scalar::<DB, i64>(
            "SELECT tokens_valid_after FROM auth_users WHERE identifier = $1",
        )
        .bind(identifier)
        .fetch_optional(self.pool())
        .await?;
        after.map_or(Ok(0), |after| millis("tokens_valid_after", after))
    }

    async fn set_password(
        &self,
        identifier: &str,
        display_name: Option<&str>,
        password_hash: &str,
    ) -> DataResult<bool> {
        let existed = sqlx::query_scalar::<DB, Option<String>>(
            "SELECT password_hash FROM auth_users WHERE identifier = $1",
        )
        .bind(identifier)
        .fetch_optional(self.pool())
        .await?;
        sqlx::query::<DB>(
            "INSERT INTO auth_users (identifier, password_hash, display_name, created_at) \
             VALUES ($1, $2, $3, $4) ON CONFLICT(identifier) DO UPDATE SET \
             password_hash = excluded.password_hash, \
             display_name = COALESCE(excluded.display_name, auth_users.display_name)",
        )
        .bind(identifier)
        .bind(password_hash)
        .bind(display_name)
        .bind(to_i64(crate::time::now_millis()))
        .execute(self.pool())
        .await?;
        Ok(!matches!(existed, Some(Some(_))))
    }

    async fn password_user(&self, identifier: &str) -> DataResult<Option<StoredPassword>> {
        let row = sqlx::query_as::<DB, PasswordRow>(
            "SELECT password_hash, display_name FROM auth_users \
             WHERE identifier = $1 AND password_hash IS NOT NULL",
        )
        .bind(identifier)
        .fetch_optional(self.pool())
        .await?;
        Ok(row.map(|row| StoredPassword {
            hash: row.password_hash,
            display_name: row.display_name,
        }))
    }

    async fn remove_password(&self, identifier: &str, now: Millis) -> DataResult<bool> {
        let done = sqlx::query::<DB>(
            "UPDATE auth_users SET password_hash = NULL \
             WHERE identifier = $1 AND password_hash IS NOT NULL",
        )
        .bind(identifier)
        .execute(self.pool())
        .await?;
        let removed = DB::rows_affected(&done) > 0;
        if removed {
            self.end_logins_of(identifier, now).await?;
        }
        Ok(removed)
    }

    async fn password_users(&self) -> DataResult<Vec<PasswordUser>> {
        sqlx::query_as::<DB, PasswordUserRow>(
            "SELECT identifier, display_name, created_at FROM auth_users \
             WHERE password_hash IS NOT NULL ORDER BY identifier",
        )
        .fetch_all(self.pool())
        .await?
        .into_iter()
        .map(|row| {
            Ok(PasswordUser {
                created_at: millis("created_at", row.created_at)?,
                identifier: row.identifier,
                display_name: row.display_name,
            })
        })
        .collect()
    }
}
