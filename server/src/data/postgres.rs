//! PostgreSQL, for several nodes sharing one database: the same tables and
//! queries as SQLite (see [`super::sql`]), with migrations from
//! `server/migrations/postgres`.

use std::time::Duration;

use sqlx::postgres::PgPoolOptions;

use super::sql::SqlStore;
use super::{DataError, DataResult};

/// Connections per node unless the URL's `max_connections` says otherwise.
const DEFAULT_MAX_CONNECTIONS: u32 = 16;

/// How long a query waits for a free connection before it fails.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(10);

/// The data layer in a PostgreSQL database.
pub type PostgresDataLayer = SqlStore<sqlx::Postgres>;

impl SqlStore<sqlx::Postgres> {
    /// Connects to the database at `url` (`postgres://user:pass@host/db`)
    /// and brings its schema up to date. Several nodes may do so at once:
    /// the migrations take an advisory lock.
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), loquat::data::DataError> {
    /// let data = loquat::data::PostgresDataLayer::connect("postgres://loquat@db/loquat").await?;
    /// # drop(data); Ok(()) }
    /// ```
    pub async fn connect(url: &str) -> DataResult<PostgresDataLayer> {
        let open_error = |source: Box<dyn std::error::Error + Send + Sync>| DataError::Open {
            path: redact(url),
            source,
        };
        let pool = PgPoolOptions::new()
            .max_connections(DEFAULT_MAX_CONNECTIONS)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .connect(url)
            .await
            .map_err(|e| open_error(Box::new(e)))?;
        sqlx::migrate!("./migrations/postgres")
            .run(&pool)
            .await
            .map_err(|e| DataError::Migration(Box::new(e)))?;
        Ok(SqlStore::from_pool(pool))
    }
}

/// The URL without its password, for messages.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let credentials = &url[scheme + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn messages_never_show_the_password() {
        assert_eq!(
            redact("postgres://loquat:s3cret@db:5432/chat"),
            "postgres://loquat:***@db:5432/chat"
        );
        assert_eq!(redact("postgres://db/chat"), "postgres://db/chat");
        assert_eq!(redact("postgres://me@db/chat"), "postgres://me@db/chat");
    }
}
