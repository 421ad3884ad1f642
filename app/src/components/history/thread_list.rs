use leptos::either::EitherOf3;
use leptos::html::Nav;
use leptos::prelude::*;

use super::day_group::{group_threads, search_results, today};
use super::state::{HistoryState, ListStatus};
use super::thread_group::ThreadGroup;
use crate::i18n::t;

/// Distance (px) from the bottom of the list within which the next page is
/// fetched.
const LOAD_MORE_MARGIN: i32 = 160;

/// The scrolling list: day sections, the loading/empty/error states, and
/// the next page fetched as the end comes into view.
#[component]
pub fn ThreadList(state: HistoryState) -> impl IntoView {
    let list = NodeRef::<Nav>::new();
    let sections = Memo::new(move |_| {
        let searching = !state.search.with(String::is_empty);
        state.threads.with(|threads| {
            if searching {
                search_results(threads)
            } else {
                group_threads(threads, today())
            }
        })
    });
    let groups = move || sections.with(|all| all.iter().map(|s| s.group).collect::<Vec<_>>());

    // Near the end (and laid out: a hidden list has no height) → next page.
    let check_end = move || {
        let near_end = list.get_untracked().is_some_and(|el| {
            el.client_height() > 0
                && el.scroll_height() - el.scroll_top() - el.client_height() <= LOAD_MORE_MARGIN
        });
        if near_end {
            state.load_more();
        }
    };
    // A list shorter than its box never scrolls: look again after each
    // change, once it is laid out.
    Effect::new(move |_| {
        state.threads.track();
        state.status.track();
        state.loading_more.track();
        #[cfg(feature = "hydrate")]
        request_animation_frame(check_end);
    });

    let busy = move || (state.status.get() == ListStatus::Loading).to_string();
    let placeholder = move || {
        let empty = state.threads.with(Vec::is_empty);
        match state.status.get() {
            ListStatus::Loading => empty.then(|| {
                EitherOf3::A(view! {
                    <p class="thread-empty" data-testid="thread-loading">
                        <span class="spinner" aria-hidden="true"></span>
                        {t("history.loading")}
                    </p>
                })
            }),
            ListStatus::Ready => empty.then(|| {
                let text = if state.search.with(String::is_empty) {
                    t("history.empty")
                } else {
                    t("history.no_matches")
                };
                EitherOf3::B(
                    view! { <p class="thread-empty" data-testid="thread-empty">{text}</p> },
                )
            }),
            ListStatus::Failed(reason) => Some(EitherOf3::C(view! {
                <div class="thread-list-error" role="alert" data-testid="thread-list-error">
                    <p>{t("history.load_failed")} {reason}</p>
                    <button
                        type="button"
                        class="btn btn-small"
                        on:click=move |_| state.reload(&state.search.get_untracked())
                    >
                        {t("common.retry")}
                    </button>
                </div>
            })),
        }
    };
    let more_error = move || {
        state.more_error.get().map(|reason| {
            view! {
                <div class="thread-list-error" role="alert">
                    <p>{t("history.load_more_failed")} {reason}</p>
                    <button type="button" class="btn btn-small" on:click=move |_| state.retry_more()>
                        {t("common.retry")}
                    </button>
                </div>
            }
        })
    };

    view! {
        <nav
            class="thread-list"
            node_ref=list
            data-testid="thread-list"
            aria-label=t("history.list")
            aria-busy=busy
            on:scroll=move |_| check_end()
        >
            <For each=groups key=|group| *group let:group>
                <ThreadGroup group sections state/>
            </For>
            {placeholder}
            <Show when=move || state.loading_more.get()>
                <p class="thread-list-more" data-testid="thread-loading-more">
                    <span class="spinner" aria-hidden="true"></span>
                    {t("history.loading")}
                </p>
            </Show>
            {more_error}
        </nav>
    }
}
