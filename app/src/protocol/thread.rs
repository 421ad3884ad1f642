use serde::{Deserialize, Serialize};

use super::{Millis, Snippet};

/// A thread as the history sidebar lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ThreadSummary {
    pub id: String,
    /// The user's name for it, or the start of its first user message.
    pub name: String,
    pub created_at: Millis,
    /// Time of the last user message; history is sorted by it, newest first.
    pub updated_at: Millis,
    /// In the results of a full-text search: the passage of the thread's
    /// best-matching message, with the matches marked. Absent elsewhere,
    /// and when only the name matched.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub snippet: Option<Snippet>,
}

/// One page of the history list.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ThreadPage {
    pub threads: Vec<ThreadSummary>,
    /// Pass back to get the next page; `None` on the last page.
    pub next_cursor: Option<String>,
}
