//! Why an import from Chainlit stopped (as opposed to a row it skipped,
//! which [`super::SkipReason`] describes and the import goes on after).

use crate::data::DataError;

/// An import that could not go on.
#[derive(Debug, thiserror::Error)]
pub enum ChainlitImportError {
    /// The source URL is neither a PostgreSQL nor a SQLite one.
    #[error(
        "unsupported Chainlit database URL ({0}): use postgres://user:password@host/db or \
         sqlite:///path/chainlit.db"
    )]
    UnsupportedUrl(String),
    /// The Chainlit database could not be reached.
    #[error("cannot connect to the Chainlit database: {0}")]
    Connect(#[source] sqlx::Error),
    /// The database has neither of Chainlit's schemas.
    #[error(
        "no Chainlit tables found: expected the official data layer's \"User\", \"Thread\", \
         \"Step\", \"Element\", \"Feedback\" or the SQLAlchemy layer's users, threads, steps, \
         elements, feedbacks (missing: {0})"
    )]
    NotChainlit(String),
    /// Reading the Chainlit database failed.
    #[error("cannot read Chainlit's {table}: {source}")]
    Read {
        table: &'static str,
        #[source]
        source: sqlx::Error,
    },
    /// The data directory's configuration is invalid.
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
    /// The data directory cannot be created.
    #[error("cannot create data directory {path}: {source}")]
    DataDir {
        path: std::path::PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// Writing to Loquat's store failed.
    #[error("cannot write to Loquat's store: {0}")]
    Write(#[from] DataError),
}
