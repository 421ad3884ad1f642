//! The records a [`super::DataLayer`] stores, besides [`Step`]s, which are
//! the protocol's own type.

use loquat_app::protocol::{Element, Millis, Step};
use serde::{Deserialize, Serialize};

/// Identifier of the user that owns every thread when no authentication is
/// configured.
pub const LOCAL_USER: &str = "local";

/// A stored user.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserRecord {
    /// Generated id (threads refer to it).
    pub id: String,
    /// Unique name the identity provider knows the user by.
    pub identifier: String,
    /// What the identity provider calls them, as of their last sign-in.
    #[serde(default)]
    pub display_name: Option<String>,
    pub metadata: serde_json::Map<String, serde_json::Value>,
    pub created_at: Millis,
}

/// A stored thread.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ThreadRecord {
    pub id: String,
    pub user_id: String,
    /// The user's name for it, or the start of its first user message.
    pub name: Option<String>,
    pub created_at: Millis,
    /// Last user activity; history is sorted by it.
    pub updated_at: Millis,
    pub tags: Vec<String>,
    pub metadata: serde_json::Map<String, serde_json::Value>,
}

/// What [`super::DataLayer::update_thread`] changes: each field that is
/// set replaces the stored one.
///
/// ```
/// let update = loquat::data::ThreadUpdate {
///     name: Some("Trip to Lisbon".into()),
///     tags: Some(vec!["travel".into()]),
///     ..Default::default()
/// };
/// assert!(update.metadata.is_none());
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ThreadUpdate {
    pub name: Option<String>,
    pub tags: Option<Vec<String>>,
    pub metadata: Option<serde_json::Map<String, serde_json::Value>>,
}

/// Changes written together in one transaction, in this order: thread
/// upserts, step upserts (in the given order), element upserts, step
/// deletions, element deletions.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct WriteBatch {
    /// Each creates the thread or updates an existing one of the same user.
    /// On update `name` only fills a missing name (a rename wins over the
    /// automatic one), `updated_at` only moves forward, and tags and
    /// metadata are replaced. A thread owned by another user fails the batch
    /// with [`super::DataError::NotOwner`].
    pub threads: Vec<ThreadRecord>,
    /// Inserted or replaced whole. A step keeps its place in the thread from
    /// its first insert: new steps go after every existing step of the thread.
    pub steps: Vec<Step>,
    /// Elements inserted or replaced whole (after the steps). An element id
    /// of another thread is left alone.
    pub elements: Vec<Element>,
    /// `(thread_id, step_id)` pairs; descendants are not implied. A deleted
    /// step's elements go with it.
    pub deleted_steps: Vec<(String, String)>,
    /// `(thread_id, element_id)` pairs.
    pub deleted_elements: Vec<(String, String)>,
    /// Feedback upserted (after everything above), one per message.
    pub feedbacks: Vec<FeedbackRecord>,
    /// `(thread_id, step_id)` of feedback taken back.
    pub deleted_feedbacks: Vec<(String, String)>,
}

impl WriteBatch {
    /// True when the batch would change nothing.
    pub fn is_empty(&self) -> bool {
        self.threads.is_empty()
            && self.steps.is_empty()
            && self.elements.is_empty()
            && self.deleted_steps.is_empty()
            && self.deleted_elements.is_empty()
            && self.feedbacks.is_empty()
            && self.deleted_feedbacks.is_empty()
    }

    /// Appends another batch's changes after this one's.
    pub fn merge(&mut self, other: WriteBatch) {
        self.threads.extend(other.threads);
        self.steps.extend(other.steps);
        self.elements.extend(other.elements);
        self.deleted_steps.extend(other.deleted_steps);
        self.deleted_elements.extend(other.deleted_elements);
        self.feedbacks.extend(other.feedbacks);
        self.deleted_feedbacks.extend(other.deleted_feedbacks);
    }

    /// Folds the records of one thread, or of one step, into one: in the
    /// place of the first, with the values of the last. Each record is the
    /// whole row as it was when taken, so the last is what the row ends
    /// as. Batches merged into one transaction often name a thread more
    /// than once (a message, its run starting and ending), and one
    /// multi-row statement may not change a row twice (PostgreSQL refuses
    /// it).
    pub fn compact(&mut self) {
        fold_last(&mut self.threads, |t| t.id.clone());
        fold_last(&mut self.steps, |s| s.id.clone());
    }
}

/// Keeps one item per key, where its key first appeared, with the last
/// item of that key.
fn fold_last<T>(items: &mut Vec<T>, key: impl Fn(&T) -> String) {
    if items.len() < 2 {
        return;
    }
    let mut place: std::collections::HashMap<String, usize> =
        std::collections::HashMap::with_capacity(items.len());
    let mut kept: Vec<T> = Vec::with_capacity(items.len());
    for item in items.drain(..) {
        match place.entry(key(&item)) {
            std::collections::hash_map::Entry::Occupied(at) => kept[*at.get()] = item,
            std::collections::hash_map::Entry::Vacant(slot) => {
                slot.insert(kept.len());
                kept.push(item);
            }
        }
    }
    *items = kept;
}

/// Filter and page of a history listing.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ThreadFilter {
    /// Words the thread's name or one of its messages contains (each as a
    /// word prefix, ignoring case and diacritics), best matches first; a
    /// search without letters or digits (`%`) is matched literally, newest
    /// first. See `docs/conversations.md`.
    pub search: Option<String>,
    /// Continue after this position (from the previous page's `next_cursor`,
    /// of the same search).
    pub cursor: Option<ThreadCursor>,
    /// Page size (clamped to 1..=100).
    pub limit: u32,
}

/// Where the next page of a history listing starts. A cursor of the other
/// kind than the listing's fails with [`super::DataError::InvalidCursor`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ThreadCursor {
    /// After this thread in the history order (`updated_at` desc, then
    /// `id` desc): every listing but a full-text search.
    After { updated_at: Millis, id: String },
    /// After this many results of a full-text search (ranked by relevance).
    Ranked { offset: u32 },
}

impl ThreadCursor {
    /// The opaque string form handed to the browser: `<updated_at>:<id>`
    /// or `r<offset>`.
    pub fn encode(&self) -> String {
        match self {
            ThreadCursor::After { updated_at, id } => format!("{updated_at}:{id}"),
            ThreadCursor::Ranked { offset } => format!("r{offset}"),
        }
    }

    /// Parses [`ThreadCursor::encode`]'s output; `None` when malformed.
    pub fn decode(text: &str) -> Option<ThreadCursor> {
        if let Some(offset) = text.strip_prefix('r') {
            let digits = !offset.is_empty() && offset.bytes().all(|b| b.is_ascii_digit());
            return digits
                .then(|| offset.parse().ok())
                .flatten()
                .map(|offset| ThreadCursor::Ranked { offset });
        }
        let (at, id) = text.split_once(':')?;
        let updated_at = at.parse().ok()?;
        (!id.is_empty() && id.len() <= 128).then(|| ThreadCursor::After {
            updated_at,
            id: id.to_string(),
        })
    }
}

/// Feedback on a step.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeedbackRecord {
    pub id: String,
    pub thread_id: String,
    pub for_id: String,
    /// 1 (good) or 0 (bad).
    pub value: i32,
    pub comment: Option<String>,
    /// Reasons picked from the app's list.
    #[serde(default)]
    pub reasons: Vec<String>,
}

impl FeedbackRecord {
    /// The record of a message's feedback (one per message: its id is the
    /// message's).
    pub fn of_step(
        thread_id: &str,
        step_id: &str,
        feedback: &loquat_app::protocol::Feedback,
    ) -> FeedbackRecord {
        FeedbackRecord {
            id: step_id.to_string(),
            thread_id: thread_id.to_string(),
            for_id: step_id.to_string(),
            value: i32::from(feedback.value),
            comment: feedback.comment.clone(),
            reasons: feedback.reasons.clone(),
        }
    }

    /// As the protocol shows it on the message.
    pub fn feedback(&self) -> loquat_app::protocol::Feedback {
        loquat_app::protocol::Feedback {
            value: u8::from(self.value > 0),
            comment: self.comment.clone(),
            reasons: self.reasons.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_local_user_is_a_well_formed_user_id() {
        assert!(crate::ids::UserId::parse(LOCAL_USER).is_some());
    }

    #[test]
    fn cursor_round_trips_and_rejects_garbage() {
        let c = ThreadCursor::After {
            updated_at: 42,
            id: "abc".into(),
        };
        assert_eq!(ThreadCursor::decode(&c.encode()), Some(c));
        let r = ThreadCursor::Ranked { offset: 30 };
        assert_eq!(r.encode(), "r30");
        assert_eq!(ThreadCursor::decode("r30"), Some(r));
        assert_eq!(ThreadCursor::decode("x:abc"), None);
        assert_eq!(ThreadCursor::decode("12:"), None);
        assert_eq!(ThreadCursor::decode("nocolon"), None);
        for garbage in ["r", "r-1", "r+1", "r1x", "r99999999999", "r1:2"] {
            assert_eq!(ThreadCursor::decode(garbage), None, "{garbage}");
        }
    }
}
