//! Full-text search of history: a search's words, the ranked query of each
//! backend, and the snippets it returns.
//!
//! Semantics (both backends, see docs/conversations.md): a thread matches
//! when its name, or one of its finished messages, contains every word of
//! the search, each as a word prefix (`deplo` finds "deployment"), ignoring
//! case and diacritics. Threads are ranked by the sum of their matching
//! documents' relevance (bm25 in SQLite, `ts_rank_cd` in PostgreSQL; the
//! name weighs four times a message), then by recency. A search without a
//! letter or digit (`%`, `_`, `\`) is not a full-text one: it lists the
//! threads whose name or messages contain it literally, newest first.
//!
//! The user's text never reaches either query language as syntax: only
//! runs of letters and digits are kept, each quoted, so `"`, `*`, `:`, `&`,
//! `|`, `!`, parentheses, `NEAR(` and `OR` are either dropped or plain words.

use loquat_app::protocol::{Snippet, ThreadPage, ThreadSummary};
use sqlx::{Encode, Executor, FromRow, IntoArguments, Pool, Type};

use super::rows::SummaryRow;
use super::Backend;
use crate::data::{DataResult, ThreadCursor};
use crate::ids::UserId;

/// Words of a search that count; the rest are ignored (a bounded query).
const MAX_WORDS: usize = 16;

/// Characters of a word that count: a longer word is searched as the
/// prefix it starts with.
const MAX_WORD_CHARS: usize = 64;

/// Where a snippet's match starts and ends, as the queries mark it. Both are
/// private-use characters, removed from the text before it is indexed or
/// cut into a snippet, so a mark is never the user's own character.
pub(crate) const MARK_START: char = '\u{E000}';
pub(crate) const MARK_END: char = '\u{E001}';

/// The words of a search: runs of letters and digits, in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct SearchWords(Vec<String>);

impl SearchWords {
    /// The words of `text`; `None` when it has no letter or digit (then it
    /// is searched literally).
    pub(crate) fn parse(text: &str) -> Option<SearchWords> {
        let words: Vec<String> = text
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .take(MAX_WORDS)
            .map(|w| w.chars().take(MAX_WORD_CHARS).collect())
            .collect();
        (!words.is_empty()).then_some(SearchWords(words))
    }

    /// The words, each of letters and digits only.
    pub(crate) fn words(&self) -> &[String] {
        &self.0
    }
}

/// An FTS5 query: every word, quoted, as a prefix (`"deplo"* AND "x"*`).
/// The words hold only letters and digits (see [`SearchWords`]), so
/// nothing in them is syntax.
pub(crate) fn fts5_query(words: &[String]) -> String {
    join(words, " AND ", |w| format!("\"{w}\"*"))
}

/// A `to_tsquery` text: every word, quoted, as a prefix
/// (`'deplo':* & 'x':*`).
pub(crate) fn tsquery(words: &[String]) -> String {
    join(words, " & ", |w| format!("'{w}':*"))
}

fn join(words: &[String], separator: &str, term: impl Fn(&str) -> String) -> String {
    words
        .iter()
        .map(|w| term(w))
        .collect::<Vec<_>>()
        .join(separator)
}

/// A passage with its matches between [`MARK_START`] and [`MARK_END`], as
/// plain text and the ranges of the matches (in `char`s). Whitespace runs
/// (a message's line breaks) become one space.
pub(crate) fn snippet_from_marked(marked: &str) -> Option<Snippet> {
    let mut text = String::with_capacity(marked.len());
    let mut marks = Vec::new();
    let mut chars = 0_u32;
    let mut open: Option<u32> = None;
    let mut space = false;
    for c in marked.trim().chars() {
        if c.is_whitespace() {
            space = true;
            continue;
        }
        // A pending space goes before a mark or a character, never inside.
        if space && c != MARK_END && !text.is_empty() {
            text.push(' ');
            chars += 1;
        }
        if c != MARK_END {
            space = false;
        }
        match c {
            MARK_START => open = Some(chars),
            MARK_END => {
                if let Some(start) = open.take().filter(|&start| start < chars) {
                    marks.push((start, chars));
                }
            }
            c => {
                text.push(c);
                chars += 1;
            }
        }
    }
    (!text.is_empty()).then_some(Snippet { text, marks })
}

/// Indexes the finished messages SQLite's triggers queued (migration
/// 0007), in one transaction: a document for each, its text in the FTS
/// table, then an empty queue. A queued step has no document yet (the
/// triggers take an edited message's away when they queue it again); one
/// that is no longer a finished message by now is dropped from the queue.
pub(crate) const SQLITE_INDEX_QUEUED: [&str; 3] = [
    "INSERT INTO search_docs (thread_id, step_id)
        SELECT s.thread_id, s.id FROM search_queue q JOIN steps s ON s.id = q.step_id
        WHERE s.streaming = 0
            AND s.type IN ('user_message', 'assistant_message', 'system_message')
        ORDER BY s.thread_id, s.position",
    "INSERT INTO search_index (rowid, name, body)
        SELECT d.id, NULL, replace(replace(s.output, char(57344), ''), char(57345), '')
        FROM search_queue q
        JOIN search_docs d ON d.step_id = q.step_id
        JOIN steps s ON s.id = q.step_id",
    "DELETE FROM search_queue",
];

/// The ranked search in SQLite: bm25 over `search_index` (migration 0006).
///
/// `matches` is materialized because bm25() is only available in a query
/// that reads the FTS table directly. A thread's score is the sum over its
/// matching documents (bm25 is negative: lower is better), its snippet is
/// from its best message (the row of the one `MIN`, an SQLite rule for
/// bare columns), computed for the rows of the page only.
pub(crate) const SQLITE_SEARCH: &str = "\
WITH matches AS MATERIALIZED (
    SELECT rowid AS doc, bm25(search_index, 4.0, 1.0) AS score
    FROM search_index WHERE search_index MATCH $2
), hits AS (
    SELECT d.thread_id AS thread_id, m.doc AS doc, d.step_id IS NOT NULL AS is_message,
        m.score AS score
    FROM matches m
    JOIN search_docs d ON d.id = m.doc
    JOIN threads t ON t.id = d.thread_id
    WHERE t.user_id = $1
), ranked AS (
    SELECT thread_id, SUM(score) AS score,
        MIN(CASE WHEN is_message THEN score END) AS best, doc
    FROM hits GROUP BY thread_id
), page AS (
    SELECT t.id, t.name, t.created_at, t.updated_at, r.score,
        CASE WHEN r.best IS NULL THEN NULL ELSE r.doc END AS doc
    FROM ranked r JOIN threads t ON t.id = r.thread_id
    ORDER BY r.score, t.updated_at DESC, t.id DESC
    LIMIT $3 OFFSET $4
)
SELECT p.id, p.name, p.created_at, p.updated_at,
    (SELECT snippet(search_index, 1, char(57344), char(57345), '…', 16)
        FROM search_index WHERE search_index MATCH $2 AND search_index.rowid = p.doc)
        AS snippet
FROM page p
ORDER BY p.score, p.updated_at DESC, p.id DESC";

/// The ranked search in PostgreSQL: `ts_rank_cd` over the stored
/// `search_vector` columns of migration 0002 (NULL, so never matching, for
/// steps that are not finished messages). Documents are ranked without
/// length normalisation, so a thread that says the words more often ranks
/// higher; its snippet is `ts_headline` of its best message, for the rows
/// of the page only.
pub(crate) const POSTGRES_SEARCH: &str = "\
WITH hits AS (
    SELECT s.thread_id, s.id AS step_id,
        ts_rank_cd(s.search_vector, to_tsquery('loquat_search'::regconfig, $2)) AS score
    FROM steps s JOIN threads t ON t.id = s.thread_id
    WHERE t.user_id = $1
        AND s.search_vector @@ to_tsquery('loquat_search'::regconfig, $2)
    UNION ALL
    SELECT t.id, NULL,
        4 * ts_rank_cd(t.search_vector, to_tsquery('loquat_search'::regconfig, $2))
    FROM threads t
    WHERE t.user_id = $1
        AND t.search_vector @@ to_tsquery('loquat_search'::regconfig, $2)
), ranked AS (
    SELECT thread_id, SUM(score) AS score,
        (array_agg(step_id ORDER BY score DESC) FILTER (WHERE step_id IS NOT NULL))[1] AS best
    FROM hits GROUP BY thread_id
), page AS (
    SELECT t.id, t.name, t.created_at, t.updated_at, r.score, r.best
    FROM ranked r JOIN threads t ON t.id = r.thread_id
    ORDER BY r.score DESC, t.updated_at DESC, t.id DESC
    LIMIT $3 OFFSET $4
)
SELECT p.id, p.name, p.created_at, p.updated_at,
    (SELECT ts_headline('loquat_search'::regconfig,
            replace(replace(s.output, chr(57344), ''), chr(57345), ''),
            to_tsquery('loquat_search'::regconfig, $2),
            'MaxFragments=1, MaxWords=18, MinWords=8, ShortWord=0, StartSel=' || chr(57344)
                || ', StopSel=' || chr(57345))
        FROM steps s WHERE s.id = p.best) AS snippet
FROM page p
ORDER BY p.score DESC, p.updated_at DESC, p.id DESC";

/// One page of `user_id`'s threads that match `words`, best first, after
/// `offset` results.
pub(super) async fn ranked_page<DB>(
    pool: &Pool<DB>,
    user_id: &UserId,
    words: &SearchWords,
    offset: u32,
    limit: u32,
) -> DataResult<ThreadPage>
where
    DB: Backend,
    for<'c> &'c Pool<DB>: Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: IntoArguments<'q, DB>,
    for<'q> &'q str: Encode<'q, DB> + Type<DB>,
    for<'q> String: Encode<'q, DB> + Type<DB>,
    for<'q> i64: Encode<'q, DB> + Type<DB>,
    for<'r> SummaryRow: FromRow<'r, DB::Row>,
{
    let rows = sqlx::query_as::<DB, SummaryRow>(DB::SEARCH_THREADS)
        .bind(user_id.as_str())
        .bind(DB::search_query(words.words()))
        .bind(i64::from(limit) + 1)
        .bind(i64::from(offset))
        .fetch_all(pool)
        .await?;
    let mut threads = rows
        .into_iter()
        .map(ThreadSummary::try_from)
        .collect::<DataResult<Vec<_>>>()?;
    let next_cursor = (threads.len() > limit as usize).then(|| {
        threads.truncate(limit as usize);
        ThreadCursor::Ranked {
            offset: offset.saturating_add(limit),
        }
        .encode()
    });
    Ok(ThreadPage {
        threads,
        next_cursor,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Option<Vec<String>> {
        SearchWords::parse(text).map(|w| w.0)
    }

    #[test]
    fn words_are_runs_of_letters_and_digits() {
        assert_eq!(
            words("  Deplo-yment, café 50%\tQ3 "),
            Some(vec![
                "Deplo".into(),
                "yment".into(),
                "café".into(),
                "50".into(),
                "Q3".into()
            ])
        );
        assert_eq!(words("%"), None);
        assert_eq!(words("_ \\ %_"), None);
        assert_eq!(words(""), None);
    }

    #[test]
    fn syntax_of_either_query_language_never_survives() {
        let hostile = r#"a" OR b* NEAR(c d) e:f & g | !h (i) 'j' -k ^l {m} "#;
        let parsed = SearchWords::parse(hostile).unwrap_or(SearchWords(vec![]));
        for word in &parsed.0 {
            assert!(word.chars().all(char::is_alphanumeric), "{word}");
        }
        let fts5 = fts5_query(parsed.words());
        assert_eq!(fts5.matches('"').count(), 2 * parsed.0.len(), "{fts5}");
        // `OR` and `NEAR` are quoted words, not operators.
        assert!(fts5.contains("\"OR\"* AND \"b\"*"), "{fts5}");
        let tsquery = tsquery(parsed.words());
        assert!(tsquery.starts_with("'a':* & 'OR':* & 'b':*"), "{tsquery}");
    }

    #[test]
    fn long_searches_are_bounded() {
        let many = "w ".repeat(100);
        assert_eq!(words(&many).map(|w| w.len()), Some(MAX_WORDS));
        let long = "x".repeat(500);
        assert_eq!(
            words(&long).map(|w| w[0].chars().count()),
            Some(MAX_WORD_CHARS)
        );
    }

    #[test]
    fn marked_passages_become_text_and_char_ranges() {
        let marked = "…the \u{E000}Café\u{E001} was\n\n  \u{E000}deployed\u{E001} ";
        let snippet = snippet_from_marked(marked);
        assert_eq!(
            snippet,
            Some(Snippet {
                text: "…the Café was deployed".into(),
                marks: vec![(5, 9), (14, 22)],
            })
        );
        // Unbalanced or empty marks are dropped, the text kept.
        let snippet = snippet_from_marked("a\u{E001}b\u{E000}\u{E001}c\u{E000}d");
        assert_eq!(
            snippet,
            Some(Snippet {
                text: "abcd".into(),
                marks: vec![],
            })
        );
        assert_eq!(snippet_from_marked(" \n "), None);
    }
}
