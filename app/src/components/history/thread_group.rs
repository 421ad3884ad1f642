use leptos::prelude::*;

use super::day_group::{DayGroup, DaySection};
use super::state::HistoryState;
use super::thread_item::ThreadItem;

/// One day heading ("Today", "Yesterday", …) and its threads.
#[component]
pub fn ThreadGroup(
    group: DayGroup,
    sections: Memo<Vec<DaySection>>,
    state: HistoryState,
) -> impl IntoView {
    let threads = move || {
        sections.with(|all| {
            all.iter()
                .find(|s| s.group == group)
                .map(|s| s.threads.clone())
                .unwrap_or_default()
        })
    };
    view! {
        <section class="thread-group" data-testid="thread-group">
            <h3 class="thread-group-title">{crate::i18n::t(group.label_key())}</h3>
            <ul class="thread-items">
                // Keyed by name and snippet too: a renamed thread, or one
                // found by another search, is drawn anew.
                <For
                    each=threads
                    key=|t| (t.id.clone(), t.name.clone(), t.snippet.clone())
                    let:thread
                >
                    <ThreadItem thread state/>
                </For>
            </ul>
        </section>
    }
}
