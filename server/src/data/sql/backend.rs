//! What differs between the SQL databases Loquat stores in: the little
//! dialect the shared queries need, and the sqlx capabilities they use.
//!
//! Every query is written once, with `$1`-style parameters (which both
//! PostgreSQL and SQLite read), and only the bits below vary per backend;
//! the multi-row writes (see `write.rs`) use SQLite's anonymous `?`.

use sqlx::Database;

use super::search::{fts5_query, tsquery, POSTGRES_SEARCH, SQLITE_INDEX_QUEUED, SQLITE_SEARCH};

/// A database the shared [`super::SqlStore`] runs on.
pub trait Backend: Database {
    /// Name in messages ("SQLite", "PostgreSQL").
    const NAME: &'static str;

    /// Opens a write transaction. SQLite's `BEGIN IMMEDIATE` takes the write
    /// lock up front (waiting out the busy timeout) instead of failing when
    /// a read must later upgrade to a write.
    const BEGIN_WRITE: &'static str;

    /// Case-insensitive `LIKE`: SQLite's `LIKE` already ignores ASCII case.
    const LIKE: &'static str;

    /// True when the multi-row write statements number their parameters
    /// `$1, $2, …` (PostgreSQL needs it); false when they use anonymous
    /// `?`, bound in order. SQLite finds the value of a named or numbered
    /// parameter by a linear scan of the statement's parameter names, once
    /// per parameter bound: for the 1,152 parameters of a 64-step batch
    /// that made batched writes about 40% slower (measured with the
    /// persistence benchmark, 2026-12-06) than anonymous parameters.
    const NUMBERED_PARAMETERS: bool;

    /// The ranked full-text search of history (see `search.rs`): `$1` the
    /// user, `$2` [`Backend::search_query`], `$3` the rows wanted, `$4` the
    /// rows to skip.
    const SEARCH_THREADS: &'static str;

    /// Statements that index the finished messages queued for search, in
    /// one transaction (SQLite, whose triggers queue them: see migration
    /// 0007); empty for a backend whose index keeps up as rows are written
    /// (PostgreSQL's GIN index batches on its own, `fastupdate`).
    const INDEX_QUEUED: &'static [&'static str];

    /// A search's words (letters and digits only) in the query language of
    /// [`Backend::SEARCH_THREADS`].
    fn search_query(words: &[String]) -> String;

    /// Rows a statement changed (sqlx has no trait for it).
    fn rows_affected(result: &Self::QueryResult) -> u64;
}

impl Backend for sqlx::Sqlite {
    const NAME: &'static str = "SQLite";
    const BEGIN_WRITE: &'static str = "BEGIN IMMEDIATE";
    const LIKE: &'static str = "LIKE";
    const NUMBERED_PARAMETERS: bool = false;
    const SEARCH_THREADS: &'static str = SQLITE_SEARCH;
    const INDEX_QUEUED: &'static [&'static str] = &SQLITE_INDEX_QUEUED;

    fn search_query(words: &[String]) -> String {
        fts5_query(words)
    }

    fn rows_affected(result: &Self::QueryResult) -> u64 {
        result.rows_affected()
    }
}

impl Backend for sqlx::Postgres {
    const NAME: &'static str = "PostgreSQL";
    const BEGIN_WRITE: &'static str = "BEGIN";
    const LIKE: &'static str = "ILIKE";
    const NUMBERED_PARAMETERS: bool = true;
    const SEARCH_THREADS: &'static str = POSTGRES_SEARCH;
    const INDEX_QUEUED: &'static [&'static str] = &[];

    fn search_query(words: &[String]) -> String {
        tsquery(words)
    }

    fn rows_affected(result: &Self::QueryResult) -> u64 {
        result.rows_affected()
    }
}
