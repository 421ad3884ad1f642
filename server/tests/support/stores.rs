//! The two places a test's data can live: a fresh SQLite file, or a fresh
//! database on the PostgreSQL that `scripts/services.sh` started (or the
//! developer's own, named by LOQUAT_TEST_POSTGRES_URL).
//!
//! `both_backends!` runs each listed test once per backend, as
//! `sqlite::<name>` and `postgres::<name>`.

use std::ops::Deref;
use std::sync::atomic::{AtomicU64, Ordering};

use loquat::data::{DataLayer, PostgresDataLayer, SqliteDataLayer};

/// Where a test's data lives; [`Place::open`] opens it (again, for tests of
/// restarts).
pub enum Place {
    /// The data dir; the database is its `loquat.db`, as a server keeps it.
    Sqlite(tempfile::TempDir),
    /// A database of its own, and a data dir for everything else.
    Postgres { url: String, dir: tempfile::TempDir },
}

/// The PostgreSQL server the tests use; a missing one fails the test (the
/// README's test command always starts one).
pub fn postgres_admin_url() -> String {
    std::env::var("LOQUAT_TEST_POSTGRES_URL").unwrap_or_else(|_| {
        panic!(
            "LOQUAT_TEST_POSTGRES_URL is not set: run the tests with scripts/test.sh, or \
             `scripts/services.sh cargo test …`, which start a throwaway PostgreSQL; or set it \
             to a server where this role may CREATE DATABASE"
        )
    })
}

impl Place {
    pub fn sqlite() -> Place {
        Place::Sqlite(
            tempfile::Builder::new()
                .prefix("loquat-data-layer")
                .tempdir()
                .unwrap(),
        )
    }

    /// A new, empty database on the test server.
    pub async fn postgres() -> Place {
        use sqlx::Connection;
        static N: AtomicU64 = AtomicU64::new(0);
        let admin = postgres_admin_url();
        let name = format!(
            "loquat_test_{}_{}_{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_micros()
        );
        let mut conn = sqlx::PgConnection::connect(&admin)
            .await
            .unwrap_or_else(|e| panic!("cannot reach PostgreSQL at {admin}: {e}"));
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&mut conn)
            .await
            .unwrap();
        conn.close().await.unwrap();
        let mut url = reqwest::Url::parse(&admin).unwrap();
        url.set_path(&name);
        Place::Postgres {
            url: url.to_string(),
            dir: tempfile::tempdir().unwrap(),
        }
    }

    /// The data dir a server started on this place uses.
    pub fn data_dir(&self) -> &std::path::Path {
        match self {
            Place::Sqlite(dir) | Place::Postgres { dir, .. } => dir.path(),
        }
    }

    /// The configuration of a server keeping its data here.
    pub fn config(&self) -> loquat::config::Config {
        let mut config = loquat::config::Config::default();
        if let Place::Postgres { url, .. } = self {
            config.project.database_url = Some(url.clone());
        }
        config
    }

    /// The environment of a `loquat` process keeping its data here.
    pub fn env(&self) -> Vec<(&'static str, String)> {
        match self {
            Place::Sqlite(_) => Vec::new(),
            Place::Postgres { url, .. } => vec![("DATABASE_URL", url.clone())],
        }
    }

    pub async fn open(&self) -> Store {
        match self {
            Place::Sqlite(dir) => Store::Sqlite(
                SqliteDataLayer::open(dir.path().join(loquat::DATABASE_FILE))
                    .await
                    .unwrap(),
            ),
            Place::Postgres { url, .. } => {
                Store::Postgres(PostgresDataLayer::connect(url).await.unwrap())
            }
        }
    }

    /// The versions in the migrations table, in order.
    pub async fn migration_versions(&self) -> Vec<i64> {
        self.column("SELECT version FROM _sqlx_migrations ORDER BY version")
            .await
    }

    /// How many rows `table` has, whoever owns them.
    pub async fn count_rows(&self, table: &str) -> i64 {
        self.column(&format!("SELECT COUNT(*) FROM {table}")).await[0]
    }

    /// A query's only column, read beside the data layer.
    async fn column(&self, sql: &str) -> Vec<i64> {
        let store = self.open().await;
        let values = match &store {
            Store::Sqlite(data) => sqlx::query_scalar(sql).fetch_all(data.pool()).await,
            Store::Postgres(data) => sqlx::query_scalar(sql).fetch_all(data.pool()).await,
        };
        store.close().await;
        values.unwrap()
    }
}

/// An open data layer of either kind.
pub enum Store {
    Sqlite(SqliteDataLayer),
    Postgres(PostgresDataLayer),
}

impl Store {
    pub async fn close(&self) {
        match self {
            Store::Sqlite(data) => data.close().await,
            Store::Postgres(data) => data.close().await,
        }
    }
}

impl Deref for Store {
    type Target = dyn DataLayer;

    fn deref(&self) -> &(dyn DataLayer + 'static) {
        match self {
            Store::Sqlite(data) => data,
            Store::Postgres(data) => data,
        }
    }
}

/// Runs each `async fn name(place: Place)` once on each backend.
#[macro_export]
macro_rules! both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::support::stores::Place::sqlite()).await
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::support::stores::Place::postgres().await).await
                }
            )*
        }
    };
}
