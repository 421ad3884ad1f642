//! [`AuthStore`] in the embedded SQLite file: the `auth_users` and
//! `auth_sessions` tables (migration 0003).

use loquat_app::protocol::Millis;
use sqlx::Row;

use super::sqlite_store::{from_json, json_text, query_error, to_i64, to_u64};
use super::{DataError, DataResult, SqliteDataLayer};
use crate::auth::{AuthStore, LoginSession, PasswordUser, StoredPassword};

fn corrupt(err: sqlx::Error) -> DataError {
    DataError::Corrupt(err.to_string())
}

#[async_trait::async_trait]
impl AuthStore for SqliteDataLayer {
    async fn create_login(&self, login: &LoginSession) -> DataResult<()> {
        let mut tx = self.pool().begin().await.map_err(query_error)?;
        sqlx::query("DELETE FROM auth_sessions WHERE expires_at <= ?")
            .bind(to_i64(login.created_at))
            .execute(&mut *tx)
            .await
            .map_err(query_error)?;
        sqlx::query(
            "INSERT INTO auth_sessions \
             (key_hash, user_id, identifier, profile, provider, created_at, expires_at) \
             VALUES (?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&login.key_hash)
        .bind(&login.user_id)
        .bind(&login.user.identifier)
        .bind(json_text(&login.user))
        .bind(&login.provider)
        .bind(to_i64(login.created_at))
        .bind(to_i64(login.expires_at))
        .execute(&mut *tx)
        .await
        .map_err(query_error)?;
        tx.commit().await.map_err(query_error)
    }

    async fn login(&self, key_hash: &str, now: Millis) -> DataResult<Option<LoginSession>> {
        let row = sqlx::query(
            "SELECT key_hash, user_id, profile, provider, created_at, expires_at \
             FROM auth_sessions WHERE key_hash = ? AND expires_at > ?",
        )
        .bind(key_hash)
        .bind(to_i64(now))
        .fetch_optional(self.pool())
        .await
        .map_err(query_error)?;
        let Some(row) = row else {
            return Ok(None);
        };
        let profile: String = row.try_get("profile").map_err(corrupt)?;
        Ok(Some(LoginSession {
            key_hash: row.try_get("key_hash").map_err(corrupt)?,
            user_id: row.try_get("user_id").map_err(corrupt)?,
            user: from_json("profile", &profile)?,
            provider: row.try_get("provider").map_err(corrupt)?,
            created_at: to_u64(row.try_get("created_at").map_err(corrupt)?),
            expires_at: to_u64(row.try_get("expires_at").map_err(corrupt)?),
        }))
    }

    async fn end_login(&self, key_hash: &str) -> DataResult<bool> {
        let done = sqlx::query("DELETE FROM auth_sessions WHERE key_hash = ?")
            .bind(key_hash)
            .execute(self.pool())
            .await
            .map_err(query_error)?;
        Ok(done.rows_affected() > 0)
    }

    async fn end_logins_of(&self, identifier: &str, now: Millis) -> DataResult<u64> {
        let mut tx = self.pool().begin().await.map_err(query_error)?;
        let ended = sqlx::query("DELETE FROM auth_sessions WHERE identifier = ?")
            .bind(identifier)
            .execute(&mut *tx)
            .await
            .map_err(query_error)?
            .rows_affected();
        sqlx::query(
            "INSERT INTO auth_users (identifier, created_at, tokens_valid_after) VALUES (?, ?, ?) \
             ON CONFLICT(identifier) DO UPDATE SET tokens_valid_after = excluded.tokens_valid_after",
        )
        .bind(identifier)
        .bind(to_i64(now))
        .bind(to_i64(now))
        .execute(&mut *tx)
        .await
        .map_err(query_error)?;
        tx.commit().await.map_err(query_error)?;
        Ok(ended)
    }

    async fn tokens_valid_after(&self, identifier: &str) -> DataResult<Millis> {
        let after: Option<i64> =
            sqlx::query_scalar("SELECT tokens_valid_after FROM auth_users WHERE identifier = ?")
                .bind(identifier)
                .fetch_optional(self.pool())
                .await
                .map_err(query_error)?;
        Ok(after.map_or(0, to_u64))
    }

    async fn set_password(
        &self,
        identifier: &str,
        display_name: Option<&str>,
        password_hash: &str,
    ) -> DataResult<bool> {
        let existed: Option<Option<String>> =
            sqlx::query_scalar("SELECT password_hash FROM auth_users WHERE identifier = ?")
                .bind(identifier)
                .fetch_optional(self.pool())
                .await
                .map_err(query_error)?;
        sqlx::query(
            "INSERT INTO auth_users (identifier, password_hash, display_name, created_at) \
             VALUES (?, ?, ?, ?) ON CONFLICT(identifier) DO UPDATE SET \
             password_hash = excluded.password_hash, \
             display_name = COALESCE(excluded.display_name, auth_users.display_name)",
        )
        .bind(identifier)
        .bind(password_hash)
        .bind(display_name)
        .bind(to_i64(crate::time::now_millis()))
        .execute(self.pool())
        .await
        .map_err(query_error)?;
        Ok(!matches!(existed, Some(Some(_))))
    }

    async fn password_user(&self, identifier: &str) -> DataResult<Option<StoredPassword>> {
        let row = sqlx::query(
            "SELECT password_hash, display_name FROM auth_users \
             WHERE identifier = ? AND password_hash IS NOT NULL",
        )
        .bind(identifier)
        .fetch_optional(self.pool())
        .await
        .map_err(query_error)?;
        row.map(|row| {
            Ok(StoredPassword {
                hash: row.try_get("password_hash").map_err(corrupt)?,
                display_name: row.try_get("display_name").map_err(corrupt)?,
            })
        })
        .transpose()
    }

    async fn remove_password(&self, identifier: &str, now: Millis) -> DataResult<bool> {
        let removed = sqlx::query(
            "UPDATE auth_users SET password_hash = NULL \
             WHERE identifier = ? AND password_hash IS NOT NULL",
        )
        .bind(identifier)
        .execute(self.pool())
        .await
        .map_err(query_error)?
        .rows_affected()
            > 0;
        if removed {
            self.end_logins_of(identifier, now).await?;
        }
        Ok(removed)
    }

    async fn password_users(&self) -> DataResult<Vec<PasswordUser>> {
        let rows = sqlx::query(
            "SELECT identifier, display_name, created_at FROM auth_users \
             WHERE password_hash IS NOT NULL ORDER BY identifier",
        )
        .fetch_all(self.pool())
        .await
        .map_err(query_error)?;
        rows.iter()
            .map(|row| {
                Ok(PasswordUser {
                    identifier: row.try_get("identifier").map_err(corrupt)?,
                    display_name: row.try_get("display_name").map_err(corrupt)?,
                    created_at: to_u64(row.try_get("created_at").map_err(corrupt)?),
                })
            })
            .collect()
    }
}
