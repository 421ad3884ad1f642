//! The sidebar's list: what is shown, how it is fetched and kept current.

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::client::{ChatStore, ThreadChange};
use crate::history::{list_threads, HistoryError};
use crate::protocol::ThreadSummary;

/// Where the first page of the list stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum ListStatus {
    /// Being fetched (and what the server renders).
    Loading,
    Ready,
    /// Could not be fetched; why.
    Failed(String),
}

/// The threads listed, the search they answer, and the paging state.
/// Every fetch carries the number of the listing it belongs to; a new
/// search starts a new listing, and answers for an older one are dropped.
#[derive(Clone, Copy)]
pub(super) struct HistoryState {
    store: ChatStore,
    /// Newest first.
    pub threads: RwSignal<Vec<ThreadSummary>>,
    pub status: RwSignal<ListStatus>,
    /// The search the list answers (trimmed; empty for all threads).
    pub search: RwSignal<String>,
    /// A next page is being fetched.
    pub loading_more: RwSignal<bool>,
    /// Why the last next page failed; no more pages are fetched on scroll
    /// until the user retries.
    pub more_error: RwSignal<Option<String>>,
    /// The thread the delete dialog asks about.
    pub pending_delete: RwSignal<Option<ThreadSummary>>,
    next_cursor: StoredValue<Option<String>>,
    listing: StoredValue<u64>,
    /// Deleted here: never listed again, whatever a late answer says.
    deleted: StoredValue<Vec<String>>,
}

impl HistoryState {
    pub(super) fn new(store: ChatStore) -> Self {
        HistoryState {
            store,
            threads: RwSignal::new(Vec::new()),
            status: RwSignal::new(ListStatus::Loading),
            search: RwSignal::new(String::new()),
            loading_more: RwSignal::new(false),
            more_error: RwSignal::new(None),
            pending_delete: RwSignal::new(None),
            next_cursor: StoredValue::new(None),
            listing: StoredValue::new(0),
            deleted: StoredValue::new(Vec::new()),
        }
    }

    /// Whether `search` (as typed) is what the list already answers.
    pub(super) fn answers(self, search: &str) -> bool {
        self.search.with_untracked(|s| s == search.trim())
            && !matches!(self.status.get_untracked(), ListStatus::Failed(_))
    }

    /// Fetches the first page for `search` (empty: all threads), replacing
    /// the list when it arrives.
    pub(super) fn reload(self, search: &str) {
        let search = search.trim().to_string();
        let listing = self.listing.get_value() + 1;
        self.listing.set_value(listing);
        self.search.set(search.clone());
        self.status.set(ListStatus::Loading);
        self.loading_more.set(false);
        self.more_error.set(None);
        spawn_local(async move {
            let result = list_threads(non_empty(search), None).await;
            if self.is_stale(listing) {
                return;
            }
            match result {
                Ok(page) => {
                    let mut threads = page.threads;
                    self.deleted
                        .with_value(|deleted| threads.retain(|t| !deleted.contains(&t.id)));
                    self.next_cursor.set_value(page.next_cursor);
                    self.threads.set(threads);
                    self.status.set(ListStatus::Ready);
                    self.reapply_latest_update();
                }
                Err(error) => self.status.set(ListStatus::Failed(describe(&error))),
            }
        });
    }

    /// Fetches the next page, unless there is none or one is on its way.
    pub(super) fn load_more(self) {
        if self.status.get_untracked() != ListStatus::Ready
            || self.loading_more.get_untracked()
            || self.more_error.with_untracked(Option::is_some)
        {
            return;
        }
        let Some(cursor) = self.next_cursor.get_value() else {
            return;
        };
        let listing = self.listing.get_value();
        let search = self.search.get_untracked();
        self.loading_more.set(true);
        spawn_local(async move {
            let result = list_threads(non_empty(search), Some(cursor)).await;
            if self.is_stale(listing) {
                return;
            }
            self.loading_more.set(false);
            match result {
                Ok(page) => {
                    self.next_cursor.set_value(page.next_cursor);
                    let deleted = self.deleted.get_value();
                    self.threads
                        .maybe_update(|list| append_page(list, page.threads, &deleted));
                }
                Err(error) => self.more_error.set(Some(describe(&error))),
            }
        });
    }

    /// Fetches the next page again after a failure.
    pub(super) fn retry_more(self) {
        self.more_error.set(None);
        self.load_more();
    }

    /// Applies the server's news that a thread was saved, got a new
    /// message or was renamed by a hook: it moves to the top (keeping the
    /// name shown unless renamed), or is added there when the whole history
    /// is listed.
    pub(super) fn apply_update(self, update: ThreadChange) {
        if self.deleted.with_value(|d| d.contains(&update.thread.id)) {
            return;
        }
        let listing_all = self.search.with_untracked(String::is_empty);
        self.threads
            .maybe_update(|list| move_to_top(list, update, listing_all));
    }

    /// Shows a new name.
    pub(super) fn rename(self, id: &str, name: String) {
        self.threads.update(|list| {
            if let Some(thread) = list.iter_mut().find(|t| t.id == id) {
                thread.name = name;
            }
        });
    }

    /// Takes a deleted thread off the list, for good.
    pub(super) fn remove(self, id: &str) {
        self.deleted.update_value(|d| d.push(id.to_string()));
        self.threads.update(|list| list.retain(|t| t.id != id));
    }

    /// The first page may predate the latest update of the current thread.
    fn reapply_latest_update(self) {
        let Some(update) = self.store.thread_update.get_untracked() else {
            return;
        };
        let current = self
            .store
            .thread_id
            .with_untracked(|id| id.as_deref() == Some(update.thread.id.as_str()));
        if current {
            self.apply_update(update);
        }
    }

    fn is_stale(self, listing: u64) -> bool {
        self.listing.try_get_value() != Some(listing)
    }
}

fn non_empty(search: String) -> Option<String> {
    (!search.is_empty()).then_some(search)
}

/// Appends a page, skipping threads already listed (a thread updated
/// between two pages can show up in both) or deleted; true if any was new.
fn append_page(
    list: &mut Vec<ThreadSummary>,
    page: Vec<ThreadSummary>,
    deleted: &[String],
) -> bool {
    let before = list.len();
    for thread in page {
        if !deleted.contains(&thread.id) && !list.iter().any(|t| t.id == thread.id) {
            list.push(thread);
        }
    }
    list.len() != before
}

/// Moves an updated thread to the top with its new time, keeping the listed
/// name unless a hook renamed it; adds it there if absent and `insert` is
/// true. True if the list changed.
fn move_to_top(list: &mut Vec<ThreadSummary>, change: ThreadChange, insert: bool) -> bool {
    let ThreadChange {
        thread: update,
        renamed,
    } = change;
    match list.iter().position(|t| t.id == update.id) {
        Some(index) => {
            let newer = list[index].updated_at < update.updated_at;
            let new_name = renamed && list[index].name != update.name;
            if !newer && !new_name {
                return false;
            }
            let mut thread = list.remove(index);
            thread.updated_at = thread.updated_at.max(update.updated_at);
            if renamed {
                thread.name = update.name;
            }
            list.insert(0, thread);
            true
        }
        None if insert => {
            list.insert(0, update);
            true
        }
        None => false,
    }
}

/// A short reason for a failed history call, for the user.
pub(super) fn describe(error: &HistoryError) -> String {
    error.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn thread(id: &str, name: &str, updated_at: u64) -> ThreadSummary {
        ThreadSummary {
            id: id.into(),
            name: name.into(),
            created_at: 1,
            updated_at,
            snippet: None,
        }
    }

    fn news(thread: ThreadSummary) -> ThreadChange {
        ThreadChange {
            thread,
            renamed: false,
        }
    }

    fn ids(list: &[ThreadSummary]) -> Vec<&str> {
        list.iter().map(|t| t.id.as_str()).collect()
    }

    #[test]
    fn an_update_moves_a_listed_thread_up_keeping_its_name() {
        let mut list = vec![thread("a", "A", 30), thread("b", "Renamed", 20)];
        assert!(move_to_top(
            &mut list,
            news(thread("b", "server name", 40)),
            true
        ));
        assert_eq!(ids(&list), ["b", "a"]);
        assert_eq!(list[0].name, "Renamed");
        assert_eq!(list[0].updated_at, 40);
        // The same news again changes nothing.
        assert!(!move_to_top(
            &mut list,
            news(thread("b", "server name", 40)),
            true
        ));
    }

    #[test]
    fn a_rename_by_a_hook_shows_its_name() {
        let mut list = vec![thread("a", "A", 30), thread("b", "first message", 20)];
        let renamed = ThreadChange {
            thread: thread("b", "Named by the hook", 20),
            renamed: true,
        };
        assert!(move_to_top(&mut list, renamed.clone(), true));
        assert_eq!(ids(&list), ["b", "a"]);
        assert_eq!(list[0].name, "Named by the hook");
        assert_eq!(list[0].updated_at, 20);
        assert!(!move_to_top(&mut list, renamed, true));
    }

    #[test]
    fn an_update_adds_a_new_thread_only_to_the_full_list() {
        let mut list = vec![thread("a", "A", 30)];
        assert!(!move_to_top(&mut list, news(thread("n", "New", 50)), false));
        assert_eq!(ids(&list), ["a"]);
        assert!(move_to_top(&mut list, news(thread("n", "New", 50)), true));
        assert_eq!(ids(&list), ["n", "a"]);
    }

    #[test]
    fn pages_skip_listed_and_deleted_threads() {
        let mut list = vec![thread("a", "A", 30), thread("b", "B", 20)];
        let page = vec![
            thread("b", "B", 20),
            thread("c", "C", 10),
            thread("d", "D", 5),
        ];
        assert!(append_page(&mut list, page, &["d".to_string()]));
        assert_eq!(ids(&list), ["a", "b", "c"]);
        assert!(!append_page(&mut list, vec![thread("c", "C", 10)], &[]));
    }

    #[test]
    fn server_errors_keep_their_message() {
        assert_eq!(describe(&HistoryError::NotFound), "thread not found");
        let error = HistoryError::Invalid("a name has 1 to 200 characters".into());
        assert_eq!(describe(&error), "a name has 1 to 200 characters");
        let error = HistoryError::Unreachable("offline".into());
        assert_eq!(describe(&error), "the server could not be reached");
    }
}
