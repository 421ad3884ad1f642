use leptos::html::Div;
use leptos::prelude::*;

use super::{Starters, StepNode, Thinking, Welcome};
use crate::client::ChatStore;
use crate::i18n::{t, t_with};

/// Distance from the bottom (px) within which the feed keeps following new
/// content.
const STICK_THRESHOLD: i32 = 48;
/// Top-level items rendered when a thread opens; earlier ones come in pages
/// of this size as the user scrolls up, so a long thread opens as fast as a
/// short one.
const WINDOW: usize = 50;
/// Distance from the top (px) within which the next earlier page loads.
const EARLIER_THRESHOLD: i32 = 200;

/// The scrolling list of the thread's top-level items. Follows new content
/// until the user scrolls up; then offers a jump back to the latest. Only
/// the latest [`WINDOW`] items are rendered at first; scrolling to the top
/// (or the button there) shows earlier ones, inserted above what is on
/// screen without moving it.
#[component]
pub fn Feed() -> impl IntoView {
    let store = expect_context::<ChatStore>();
    let feed = NodeRef::<Div>::new();
    let stick = RwSignal::new(true);

    let shown = RwSignal::new(WINDOW);
    Effect::new(move |_| {
        store.thread_id.track();
        shown.set(WINDOW);
    });
    let hidden = Memo::new(move |_| store.roots.with(|r| r.len().saturating_sub(shown.get())));
    // Keyed by the snapshot generation too (see ChatStore::generation).
    let visible = move || {
        let from = hidden.get();
        let generation = store.generation.get_value();
        store.roots.with(|r| {
            r.get(from..)
                .unwrap_or_default()
                .iter()
                .map(|id| (generation, id.clone()))
                .collect::<Vec<_>>()
        })
    };
    // Earlier items go in above what the user is reading: keep the distance
    // from the bottom, so the same content stays on screen, and start no
    // other page until that is done (the scroll it causes is not the user's).
    let inserting = StoredValue::new(false);
    let show_earlier = move || {
        if inserting.get_value() {
            return;
        }
        let Some(el) = feed.get_untracked() else {
            return;
        };
        let from_bottom = el.scroll_height() - el.scroll_top();
        inserting.set_value(true);
        shown.update(|n| *n += WINDOW);
        request_animation_frame(move || {
            if let Some(el) = feed.get_untracked() {
                el.set_scroll_top(el.scroll_height() - from_bottom);
            }
            inserting.set_value(false);
        });
    };

    // Where the feed last scrolled itself. A scroll position above it can
    // only come from the user, even when a token re-rendered in between and
    // the browser reported the scroll late.
    let auto_top = StoredValue::new(0);
    let user_scrolled_up = move |scroll_top: i32| scroll_top + 2 < auto_top.get_value();
    let scroll_to_bottom = move || {
        if let Some(el) = feed.get_untracked() {
            el.set_scroll_top(el.scroll_height());
            auto_top.set_value(el.scroll_top());
        }
    };
    Effect::new(move |_| {
        store.revision.track();
        store.thinking.track();
        if !stick.get_untracked() {
            return;
        }
        match feed.get_untracked() {
            Some(el) if user_scrolled_up(el.scroll_top()) => stick.set(false),
            _ => scroll_to_bottom(),
        }
    });
    let on_scroll = move |_| {
        if let Some(el) = feed.get_untracked() {
            if el.scroll_top() < EARLIER_THRESHOLD && hidden.get_untracked() > 0 {
                show_earlier();
            }
            let gap = el.scroll_height() - el.scroll_top() - el.client_height();
            if gap <= STICK_THRESHOLD {
                auto_top.set_value(el.scroll_top());
                if !stick.get_untracked() {
                    stick.set(true);
                }
            } else if user_scrolled_up(el.scroll_top()) && stick.get_untracked() {
                stick.set(false);
            }
        }
    };
    let jump = move |_| {
        stick.set(true);
        scroll_to_bottom();
    };

    view! {
        <div class="feed" node_ref=feed on:scroll=on_scroll on:click=move |ev| on_content_click(store, ev) data-testid="feed">
            <div class="feed-inner">
                <Show when=move || store.roots.with(Vec::is_empty)>
                    <Welcome/>
                </Show>
                <Show when=move || { hidden.get() > 0 }>
                    <button
                        type="button"
                        class="btn load-earlier"
                        data-testid="load-earlier"
                        on:click=move |_| show_earlier()
                    >
                        {move || t_with("feed.show_earlier", &[("count", &hidden.get().to_string())])}
                    </button>
                </Show>
                <For
                    each=visible
                    key=|row| row.clone()
                    children=|(_, id): (u64, String)| view! { <StepNode id/> }
                />
                <Starters/>
                <Show when=move || store.thinking.get()>
                    <Thinking/>
                </Show>
            </div>
        </div>
        <Show when=move || !stick.get()>
            <button type="button" class="jump-latest" data-testid="jump-latest" on:click=jump>
                {t("feed.jump_latest")}
            </button>
        </Show>
    }
}

/// Copy buttons and element links inside rendered markdown are plain HTML;
/// one delegated listener serves them all.
fn on_content_click(store: ChatStore, event: leptos::ev::MouseEvent) {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        let Some(target) = event
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        else {
            return;
        };
        if let Ok(Some(link)) = target.closest("a[data-element-id][data-display=side]") {
            event.prevent_default();
            let element = link
                .get_attribute("data-element-id")
                .and_then(|id| store.element(&id));
            if let Some(element) = element {
                store.side_panel.set(Some(crate::protocol::SidePanel {
                    title: element.name.clone(),
                    elements: vec![element],
                }));
            }
            return;
        }
        let Ok(Some(button)) = target.closest("[data-copy-code]") else {
            return;
        };
        let code = button
            .closest(".code-block")
            .ok()
            .flatten()
            .and_then(|block| block.query_selector("code").ok().flatten())
            .and_then(|code| code.text_content());
        if let Some(code) = code {
            crate::components::dom::copy_to_clipboard(&code);
            // The word comes with the button, in the page's language.
            if let Some(copied) = button.get_attribute("data-copied") {
                button.set_text_content(Some(&copied));
            }
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (store, event);
}
