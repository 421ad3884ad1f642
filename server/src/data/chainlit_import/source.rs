//! The Chainlit database being read: PostgreSQL (either schema), or the
//! SQLite file the SQLAlchemy layer is often pointed at. Opened read-only
//! where the driver allows; the import never writes to it.

use sqlx::postgres::PgRow;
use sqlx::sqlite::{SqliteConnectOptions, SqliteRow};
use sqlx::{Connection, PgConnection, SqliteConnection};

use super::rows::PAGE_ROWS;
use super::schema::{Schema, Table};
use super::ChainlitImportError;
use crate::data::{DataError, DatabaseKind};

/// An open connection to the Chainlit database.
pub enum Source {
    Postgres(PgConnection),
    Sqlite(SqliteConnection),
}

impl Source {
    /// Connects to `url` (`postgres://…`, `postgresql://…` or `sqlite:…`).
    pub async fn connect(url: &str) -> Result<Source, ChainlitImportError> {
        let url = url.trim();
        match DatabaseKind::of(url) {
            Ok(DatabaseKind::Postgres) => {
                let conn = PgConnection::connect(url)
                    .await
                    .map_err(ChainlitImportError::Connect)?;
                Ok(Source::Postgres(conn))
            }
            Ok(DatabaseKind::Sqlite(path)) => {
                // Read-only: a missing file is an error, never created.
                let options = SqliteConnectOptions::new().filename(path).read_only(true);
                let conn = SqliteConnection::connect_with(&options)
                    .await
                    .map_err(ChainlitImportError::Connect)?;
                Ok(Source::Sqlite(conn))
            }
            Err(DataError::UnsupportedUrl(scheme)) => {
                Err(ChainlitImportError::UnsupportedUrl(scheme))
            }
            Err(err) => Err(ChainlitImportError::UnsupportedUrl(err.to_string())),
        }
    }

    /// Which schema the database holds (only the SQLAlchemy layer writes
    /// to SQLite).
    pub async fn schema(&mut self) -> Result<Schema, ChainlitImportError> {
        let read = |source| ChainlitImportError::Read {
            table: "table list",
            source,
        };
        let (names, candidates): (Vec<String>, &[Schema]) = match self {
            Source::Postgres(conn) => (
                sqlx::query_scalar(
                    "SELECT table_name::text FROM information_schema.tables \
                     WHERE table_schema = current_schema()",
                )
                .fetch_all(conn)
                .await
                .map_err(read)?,
                &[Schema::Official, Schema::SqlAlchemy],
            ),
            Source::Sqlite(conn) => (
                sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'table'")
                    .fetch_all(conn)
                    .await
                    .map_err(read)?,
                &[Schema::SqlAlchemy],
            ),
        };
        Schema::detect(&names, candidates)
    }

    /// The page of `table` that starts after `offset` rows; empty at the end.
    pub async fn page<T>(
        &mut self,
        schema: Schema,
        table: Table,
        offset: i64,
    ) -> Result<Vec<T>, ChainlitImportError>
    where
        T: for<'r> sqlx::FromRow<'r, PgRow> + for<'r> sqlx::FromRow<'r, SqliteRow> + Send + Unpin,
    {
        let sql = schema.page_query(table);
        let rows = match self {
            Source::Postgres(conn) => {
                sqlx::query_as::<_, T>(sql)
                    .bind(PAGE_ROWS)
                    .bind(offset)
                    .fetch_all(conn)
                    .await
            }
            Source::Sqlite(conn) => {
                sqlx::query_as::<_, T>(sql)
                    .bind(PAGE_ROWS)
                    .bind(offset)
                    .fetch_all(conn)
                    .await
            }
        };
        rows.map_err(|source| ChainlitImportError::Read {
            table: schema.table(table),
            source,
        })
    }

    /// Closes the connection (a courtesy to the server; errors are moot).
    pub async fn close(self) {
        let _ = match self {
            Source::Postgres(conn) => conn.close().await,
            Source::Sqlite(conn) => conn.close().await,
        };
    }
}
