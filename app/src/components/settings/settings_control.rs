use leptos::prelude::*;
use serde_json::{Map, Value};

use crate::client::{self, ChatStore, ConnectionState};
use crate::components::form::field_view;
use crate::components::icons::{CLOSE, SETTINGS};
use crate::i18n::t;
use crate::protocol::{ClientEvent, SettingsLocation, SettingsTab, UiConfig};

/// The settings button and, once opened, the settings panel: a dialog over
/// the chat from the composer, or a panel at the side from the header (as
/// `[UI] chat_settings_location` says). Placed in both spots; each shows
/// only where the configuration puts it, and only while the app has
/// declared settings. Saving sends the values; the server checks them and
/// every tab shows what it kept.
#[component]
pub fn SettingsControl(place: SettingsLocation) -> impl IntoView {
    let store = expect_context::<ChatStore>();
    let here = expect_context::<UiConfig>().settings_location == place;
    let open = RwSignal::new(false);
    let dialog = NodeRef::<leptos::html::Form>::new();
    // The dialog takes the focus when it opens, so Escape (and Tab) work
    // in it at once.
    Effect::new(move |_| {
        if open.get() {
            request_animation_frame(move || {
                if let Some(form) = dialog.get_untracked() {
                    let _ = form.focus();
                }
            });
        }
    });
    let declared = move || here && store.settings.with(Option::is_some);
    // What the user is editing: the values when the panel opened.
    let draft = RwSignal::new(Map::<String, Value>::new());
    let tab = RwSignal::new(0usize);
    let show = move |_| {
        draft.set(
            store
                .settings
                .with_untracked(|s| s.as_ref().map(|s| s.values.clone()))
                .unwrap_or_default(),
        );
        tab.set(0);
        open.set(true);
    };
    // Settings removed by the app close the panel.
    Effect::new(move |_| {
        if !declared() {
            open.set(false);
        }
    });
    // Read here: the handler runs outside the component's context.
    let not_saved = StoredValue::new(t("settings.not_saved"));
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let values = draft.get_untracked();
        if client::send(ClientEvent::UpdateSettings { values }) {
            open.set(false);
        } else {
            store.notice.set(Some(not_saved.get_value()));
        }
    };
    let offline = move || store.connection.get() != ConnectionState::Connected;
    let class = match place {
        SettingsLocation::Composer => "settings-panel as-dialog",
        SettingsLocation::Sidebar => "settings-panel at-side",
    };
    let panel = move || {
        let tabs: Vec<SettingsTab> = store
            .settings
            .with_untracked(|s| s.as_ref().map(|s| s.tabs.clone()))
            .unwrap_or_default();
        let labelled = tabs.len() > 1 || tabs.iter().any(|t| !t.label.is_empty());
        let tab_buttons = labelled.then(|| {
            let buttons = tabs
                .iter()
                .enumerate()
                .map(|(i, t)| {
                    view! {
                        <button type="button" role="tab" class="settings-tab" data-testid="settings-tab"
                            data-tab=t.label.clone()
                            aria-selected=move || (tab.get() == i).to_string()
                            on:click=move |_| tab.set(i)>
                            {t.label.clone()}
                        </button>
                    }
                })
                .collect_view();
            view! { <div class="settings-tabs" role="tablist">{buttons}</div> }
        });
        let pages = tabs
            .into_iter()
            .enumerate()
            .map(|(i, t)| {
                let fields = t
                    .fields
                    .into_iter()
                    .map(|f| field_view(f, draft, "settings-field"))
                    .collect_view();
                view! { <div class="settings-page" role="tabpanel" hidden=move || tab.get() != i>{fields}</div> }
            })
            .collect_view();
        view! {
            <div class="settings-backdrop" on:click=move |_| open.set(false)></div>
            <form class=class role="dialog" aria-label=t("settings.dialog") data-testid="settings-panel"
                node_ref=dialog tabindex="-1"
                on:submit=save
                on:keydown=move |ev: leptos::ev::KeyboardEvent| {
                    if ev.key() == "Escape" {
                        open.set(false);
                    }
                }>
                <div class="settings-head">
                    <h2>{t("settings.title")}</h2>
                    <button type="button" class="icon-btn" aria-label=t("common.close") title=t("common.close")
                        on:click=move |_| open.set(false) inner_html=CLOSE></button>
                </div>
                {tab_buttons}
                <div class="settings-body">{pages}</div>
                <div class="settings-actions">
                    <button type="button" class="btn btn-ghost btn-small" data-testid="settings-cancel"
                        on:click=move |_| open.set(false)>{t("common.cancel")}</button>
                    <button type="submit" class="btn btn-primary btn-small" data-testid="settings-save"
                        disabled=offline>{t("settings.save")}</button>
                </div>
            </form>
        }
    };
    view! {
        <Show when=declared>
            <button type="button" class="icon-btn settings-open" data-testid="settings-open"
                title=t("settings.title") aria-label=t("settings.title") aria-haspopup="dialog"
                on:click=show inner_html=SETTINGS></button>
        </Show>
        <Show when=move || open.get()>{panel}</Show>
    }
}
