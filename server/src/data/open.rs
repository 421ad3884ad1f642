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
    match Kind::of(url)? {
        Kind::Postgres => Ok(Arc::new(PostgresDataLayer::connect(url).await?)),
        Kind::Sqlite(path) => Ok(Arc::new(SqliteDataLayer::open(path).await?)),
    }
}

/// What a database URL names.
#[derive(Debug, PartialEq, Eq)]
enum Kind<'a> {
    Postgres,
    Sqlite(&'a str),
}

impl<'a> Kind<'a> {
    fn of(url: &'a str) -> DataResult<Kind<'a>> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(Kind::Postgres);
        }
        // sqlite:///abs/path, sqlite://rel/path, sqlite:path
        if let Some(rest) = url.strip_prefix("sqlite:") {
            let path = rest.strip_prefix("//").unwrap_or(rest);
            let path = path.split_once('?').map_or(path, |(path, _)| path);
            if !path.is_empty() {
                return Ok(Kind::Sqlite(path));
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
        assert_eq!(Kind::of("postgres://u:p@h/db").ok(), Some(Kind::Postgres));
        assert_eq!(Kind::of("postgresql://h/db").ok(), Some(Kind::Postgres));
        assert_eq!(
            Kind::of("sqlite:///var/lib/chat/loquat.db").ok(),
            Some(Kind::Sqlite("/var/lib/chat/loquat.db"))
        );
        assert_eq!(
            Kind::of("sqlite:data/loquat.db?mode=rwc").ok(),
            Some(Kind::Sqlite("data/loquat.db"))
        );
    }

    #[test]
    fn other_urls_are_refused_by_scheme_without_credentials() {
        for url in ["mysql://root:secret@h/db", "sqlite:", "loquat.db"] {
            match Kind::of(url) {
                Err(DataError::UnsupportedUrl(shown)) => assert!(!shown.contains("secret")),
                other => panic!("{url}: {other:?}"),
            }
        }
    }
}
