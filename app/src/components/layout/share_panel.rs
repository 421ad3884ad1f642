use leptos::either::EitherOf4;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::client::ChatStore;
use crate::history::{share_thread, unshare_thread};
use crate::i18n::{t, t_with};

/// What the share panel shows.
#[derive(Clone, Debug, PartialEq)]
pub enum Sharing {
    Closed,
    Working,
    /// The link (absolute) of a thread.
    Link {
        thread_id: String,
        url: String,
    },
    Revoked,
    Failed(String),
}

/// Makes a read-only link to the thread being shown (replacing an earlier
/// one) and shows it, with a way to revoke it.
pub fn share(store: ChatStore, state: RwSignal<Sharing>) {
    let Some(id) = store.thread_id.get_untracked() else {
        return;
    };
    state.set(Sharing::Working);
    spawn_local(async move {
        let result = share_thread(id.clone()).await;
        // Another thread shown meanwhile: this link is not about it.
        if store.thread_id.get_untracked().as_deref() != Some(id.as_str()) {
            state.set(Sharing::Closed);
            return;
        }
        match result {
            Ok(path) => {
                let origin = window().location().origin().unwrap_or_default();
                state.set(Sharing::Link {
                    thread_id: id,
                    url: format!("{origin}{}", crate::root_path::href(&path)),
                });
            }
            Err(err) => state.set(Sharing::Failed(err.to_string())),
        }
    });
}

/// The link of the thread, and the button that revokes it.
#[component]
pub fn SharePanel(state: RwSignal<Sharing>) -> impl IntoView {
    let store = expect_context::<ChatStore>();
    // The panel is about one thread: another one shown closes it,
    // whatever it was showing.
    Effect::new(move |previous: Option<Option<String>>| {
        let shown = store.thread_id.get();
        if previous.is_some_and(|before| before != shown) {
            state.set(Sharing::Closed);
        }
        shown
    });
    let revoke = move |_| {
        let Sharing::Link { thread_id: id, .. } = state.get_untracked() else {
            return;
        };
        spawn_local(async move {
            let result = unshare_thread(id.clone()).await;
            // The answer is shown only where the link still is.
            let still_shown = state.with_untracked(
                |s| matches!(s, Sharing::Link { thread_id, .. } if *thread_id == id),
            );
            if !still_shown {
                return;
            }
            match result {
                Ok(()) => state.set(Sharing::Revoked),
                Err(err) => state.set(Sharing::Failed(err.to_string())),
            }
        });
    };
    let body = move || match state.get() {
        Sharing::Closed => None,
        Sharing::Working => Some(EitherOf4::A(view! { <p>{t("share.making")}</p> })),
        Sharing::Link { url, .. } => Some(EitherOf4::B(view! {
            <p>{t("share.anyone")}</p>
            <input class="share-link" data-testid="share-link" readonly value=url
                on:focus=|ev| {
                    #[cfg(feature = "hydrate")]
                    {
                        use wasm_bindgen::JsCast;
                        if let Some(input) = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()) {
                            input.select();
                        }
                    }
                    #[cfg(not(feature = "hydrate"))]
                    let _ = ev;
                }
            />
            <button type="button" class="btn btn-small" data-testid="share-revoke" on:click=revoke>
                {t("share.stop")}
            </button>
        })),
        Sharing::Revoked => Some(EitherOf4::C(
            view! { <p data-testid="share-revoked">{t("share.revoked")}</p> },
        )),
        Sharing::Failed(why) => Some(EitherOf4::D(
            view! { <p role="alert">{t_with("share.failed", &[("reason", &why)])}</p> },
        )),
    };
    view! {
        <Show when=move || state.get() != Sharing::Closed>
            <div class="share-panel" role="dialog" aria-label=t("share.title") data-testid="share-panel">
                {body}
                <button type="button" class="btn btn-ghost btn-small" on:click=move |_| state.set(Sharing::Closed)>
                    {t("common.close")}
                </button>
            </div>
        </Show>
    }
}
