/// A data layer failure.
#[derive(Debug, thiserror::Error)]
pub enum DataError {
    /// The database could not be opened or created.
    #[error("cannot open the database at {path}: {source}")]
    Open {
        path: String,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// Applying the schema migrations failed.
    #[error("database migration failed: {0}")]
    Migration(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// A query failed.
    #[error("database error: {0}")]
    Query(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// Stored data could not be decoded (e.g. invalid JSON in a column).
    #[error("stored data is invalid: {0}")]
    Corrupt(String),
    /// This data layer does not keep what was asked for (e.g. share links).
    #[error("this data layer does not support {0}")]
    Unsupported(&'static str),
    /// `database_url` names a database Loquat does not store in.
    #[error(
        "unsupported database URL ({0}): use postgres://user:password@host/db or sqlite:///path/loquat.db"
    )]
    UnsupportedUrl(String),
    /// A page cursor of another kind of listing (a recency cursor passed to
    /// a full-text search, or the other way round).
    #[error("the page cursor does not belong to this listing")]
    InvalidCursor,
    /// A write named a thread that belongs to another user.
    #[error("thread {0} belongs to another user")]
    NotOwner(String),
}

/// Result of a data layer call.
pub type DataResult<T> = Result<T, DataError>;

impl From<sqlx::Error> for DataError {
    /// A row that does not decode is damage in the store; anything else is
    /// the query failing.
    fn from(err: sqlx::Error) -> Self {
        match err {
            sqlx::Error::ColumnDecode { .. }
            | sqlx::Error::Decode(_)
            | sqlx::Error::ColumnNotFound(_)
            | sqlx::Error::ColumnIndexOutOfBounds { .. } => DataError::Corrupt(err.to_string()),
            err => DataError::Query(Box::new(err)),
        }
    }
}
