use leptos::prelude::*;

use crate::client::{self, ChatStore};
use crate::i18n::t;
use crate::protocol::{ChatProfile, UiConfig};

/// The chat profiles offered to the user, when the app has some: the
/// picked one in the header; its menu lists each with its icon and
/// description. Picking another starts a new chat with it.
#[component]
pub fn ProfilePicker() -> impl IntoView {
    let ui = expect_context::<UiConfig>();
    let store = expect_context::<ChatStore>();
    let current = ui.profile.clone().unwrap_or_default();
    let picked = ui.profiles.iter().find(|p| p.name == current).cloned();
    let open = RwSignal::new(false);
    let options = ui
        .profiles
        .iter()
        .cloned()
        .map(|profile| option_view(profile, &current, store, open))
        .collect_view();
    view! {
        <div class="menu profile-menu">
            <button type="button" class="btn btn-ghost profile-picker" data-testid="profile-picker"
                data-profile=current.clone() aria-haspopup="listbox" aria-expanded=move || open.get().to_string()
                on:click=move |_| open.update(|o| *o = !*o)>
                {picked.and_then(|p| p.icon).map(|src| view! { <img class="profile-icon" src=crate::root_path::href(&src) alt="" width="18" height="18"/> })}
                <span>{current.clone()}</span>
                <span aria-hidden="true">"▾"</span>
            </button>
            <ul class="profile-options" role="listbox" aria-label=t("header.profiles") hidden=move || !open.get()>
                {options}
            </ul>
        </div>
    }
}

fn option_view(
    profile: ChatProfile,
    current: &str,
    store: ChatStore,
    open: RwSignal<bool>,
) -> impl IntoView {
    let selected = profile.name == current;
    let name = StoredValue::new(profile.name.clone());
    let markdown = crate::markdown::for_page().without_html();
    let text = profile.description.clone();
    // Rendered again when math the browser asked for arrives.
    let description = move || markdown.render(&text);
    view! {
        <li role="option" class="profile-option" data-testid="profile-option" data-profile=profile.name.clone()
            aria-selected=selected.to_string()
            on:click=move |_| {
                open.set(false);
                if !selected {
                    client::switch_profile(store, &name.get_value());
                }
            }>
            {profile.icon.map(|src| view! { <img class="profile-icon" src=crate::root_path::href(&src) alt="" width="24" height="24"/> })}
            <div class="profile-text">
                <span class="profile-name">{profile.name.clone()}</span>
                <div class="profile-description markdown" inner_html=description></div>
            </div>
        </li>
    }
}
