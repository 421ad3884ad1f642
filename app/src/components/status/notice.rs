use leptos::prelude::*;

use crate::client::ChatStore;
use crate::i18n::t;

/// A dismissible message from the server (a refused frame, an expired
/// session).
#[component]
pub fn Notice() -> impl IntoView {
    let store = expect_context::<ChatStore>();
    view! {
        {move || {
            store
                .notice
                .get()
                .map(|text| {
                    view! {
                        <div class="notice" data-testid="notice" role="alert">
                            <span>{text}</span>
                            <button
                                type="button"
                                class="icon-btn"
                                aria-label=t("status.dismiss")
                                on:click=move |_| store.notice.set(None)
                            >
                                "×"
                            </button>
                        </div>
                    }
                })
        }}
    }
}
