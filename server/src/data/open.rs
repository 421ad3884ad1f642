//! Opening the data layer a deployment names: `[project] database_url`
//! (or `DATABASE_URL`), else the embedded SQLite file.

use std::path::Path;
use std::sync::Arc;

use super::{DataError, DataLayer, DataResult, PostgresDataLayer, SqliteDataLayer};

/// Opens the database `url` names, or the SQLite file `default` when there
/// is none.
///
/// ```no_run
/// # async fn run() -> Result<(), loquat::data::DataError> {
/// use std::path::Path;
/// let data = loquat::data::open(Some("postgres://loquat@db/loquat"), Path::new("loquat.db")).await?;
/// # drop(data); Ok(()) }
/// ```
pub async fn open(url: Option<&str>, default: &Path) -> DataResult<Arc<dyn DataLayer>> {
    let Some(url) = url.map(str::trim).filter(|url| !url.is_empty()) else {
        return Ok(Arc::new(SqliteDataLayer::open(default).await?));
    };
    match DatabaseKind::of(url)? {
        DatabaseKind::Postgres => Ok(Arc::new(PostgresDataLayer::connect(url).await?)),
        DatabaseKind::Sqlite(path) => Ok(Arc::new(SqliteDataLayer::open(path).await?)),
    }
}

/// What a database URL names: the one reading of `postgres://…` and
/// `sqlite:…` URLs, for the store and for `import-chainlit`'s source.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum DatabaseKind<'a> {
    Postgres,
    /// The file's path.
    Sqlite(&'a str),
}

impl<'a> DatabaseKind<'a> {
    /// Which database `url` names; [`DataError::UnsupportedUrl`] with the
    /// scheme alone (never the credentials) for any other.
    pub(crate) fn of(url: &'a str) -> DataResult<DatabaseKind<'a>> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(DatabaseKind::Postgres);
        }
        // sqlite:///abs/path, sqlite://rel/path, sqlite:path
        if let Some(rest) = url.strip_prefix("sqlite:") {
            let path = rest.strip_prefix("//").unwrap_or(rest);
            let path = path.split_once('?').map_or(path, |(path, _)| path);
            if !path.is_empty() {
                return Ok(DatabaseKind::Sqlite(path));
            }
        }
        Err(DataError::UnsupportedUrl(
            url.split_once("://")
                .map_or(url, |(scheme, _)| scheme)
                .to_string(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_name_their_database() {
        assert_eq!(
            DatabaseKind::of("postgres://u:p@h/db").ok(),
            Some(DatabaseKind::Postgres)
        );
        assert_eq!(
            DatabaseKind::of("postgresql://h/db").ok(),
            Some(DatabaseKind::Postgres)
        );
        assert_eq!(
            DatabaseKind::of("sqlite:///var/lib/chat/loquat.db").ok(),
            Some(DatabaseKind::Sqlite("/var/lib/chat/loquat.db"))
        );
        assert_eq!(
            DatabaseKind::of("sqlite:data/loquat.db?mode=rwc").ok(),
            Some(DatabaseKind::Sqlite("data/loquat.db"))
        );
    }

    #[test]
    fn other_urls_are_refused_by_scheme_without_credentials() {
        for url in ["mysql://root:secret@h/db", "sqlite:", "loquat.db"] {
            match DatabaseKind::of(url) {
                Err(DataError::UnsupportedUrl(shown)) => assert!(!shown.contains("secret")),
                other => panic!("{url}: {other:?}"),
            }
        }
    }
}
