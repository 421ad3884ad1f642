use crate::i18n::t;
use leptos::prelude::*;

/// Switches between light and dark. Until the user chooses, the page follows
/// `prefers-color-scheme`; the choice is remembered in localStorage.
#[component]
pub fn ThemeToggle() -> impl IntoView {
    let toggle = move |_| {
        #[cfg(feature = "hydrate")]
        {
            let Some(root) = document().document_element() else {
                return;
            };
            let current = root.get_attribute("data-theme").unwrap_or_else(|| {
                let dark = window()
                    .match_media("(prefers-color-scheme: dark)")
                    .ok()
                    .flatten()
                    .is_some_and(|m| m.matches());
                if dark { "dark" } else { "light" }.to_string()
            });
            let next = if current == "dark" { "light" } else { "dark" };
            let _ = root.set_attribute("data-theme", next);
            if let Ok(Some(storage)) = window().local_storage() {
                let _ = storage.set_item("loquat.theme", next);
            }
        }
    };
    view! {
        <button
            type="button"
            class="btn btn-ghost btn-icon"
            data-testid="theme-toggle"
            title=t("header.theme")
            aria-label=t("header.theme")
            on:click=toggle
        >
            <span class="theme-icon" aria-hidden="true"></span>
        </button>
    }
}
