//! The embedded default: one SQLite file in WAL mode, with versioned
//! migrations from `server/migrations/sqlite`.

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

use super::sql::SqlStore;
use super::{DataError, DataResult};

/// Connections in the pool (SQLite serializes writers anyway).
const MAX_CONNECTIONS: u32 = 4;

/// The data layer in one SQLite file.
pub type SqliteDataLayer = SqlStore<sqlx::Sqlite>;

impl SqlStore<sqlx::Sqlite> {
    /// Opens (creating if needed) the database at `path` and brings its
    /// schema up to date.
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), loquat::data::DataError> {
    /// let data = loquat::data::SqliteDataLayer::open("/var/lib/chat/loquat.db").await?;
    /// # drop(data); Ok(()) }
    /// ```
    pub async fn open(path: impl AsRef<Path>) -> DataResult<SqliteDataLayer> {
        let path = path.as_ref().to_path_buf();
        let open_error = |source: Box<dyn std::error::Error + Send + Sync>| DataError::Open {
            path: path.display().to_string(),
            source,
        };
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|e| open_error(Box::new(e)))?;
        }
        let options = SqliteConnectOptions::from_str("sqlite://")
            .map_err(|e| open_error(Box::new(e)))?
            .filename(&path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // With WAL, NORMAL survives a killed process (not a power cut)
            // without an fsync per commit.
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            // Statement journals of multi-row upserts stay off the disk.
            .pragma("temp_store", "memory")
            // Reads of recently written pages come from memory, not `pread`.
            .pragma("cache_size", "-16384")
            .pragma("mmap_size", "67108864")
            .busy_timeout(Duration::from_secs(5));
        let pool = SqlitePoolOptions::new()
            .max_connections(MAX_CONNECTIONS)
            .connect_with(options.clone())
            .await
            .map_err(|e| open_error(Box::new(e)))?;
        sqlx::migrate!("./migrations/sqlite")
            .run(&pool)
            .await
            .map_err(|e| DataError::Migration(Box::new(e)))?;
        // One connection for the runtime's batched writes (SQLite has one
        // writer anyway), so the pages it writes stay in its cache.
        let writes = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(options)
            .await
            .map_err(|e| open_error(Box::new(e)))?;
        Ok(SqlStore::with_writer(pool, writes))
    }
}
