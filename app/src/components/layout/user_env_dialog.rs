use leptos::prelude::*;

use crate::client::{user_env, ChatStore};
use crate::i18n::t;
use crate::protocol::{UiConfig, UserEnv};

/// The values the app asks each user for (`[project] user_env`, API keys
/// say): kept in this browser only. Opens by itself while one is missing.
#[component]
pub fn UserEnvDialog() -> impl IntoView {
    let store = expect_context::<ChatStore>();
    let keys = StoredValue::new(expect_context::<UiConfig>().user_env);
    let open = RwSignal::new(false);
    let values = RwSignal::new(UserEnv::default());
    // After hydration (local storage is the browser's): ask while missing.
    Effect::new(move |_| {
        let saved = user_env::load();
        let missing = keys.with_value(|k| k.iter().any(|key| !saved.0.contains_key(key)));
        values.set(saved);
        if missing {
            open.set(true);
        }
    });
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        user_env::save(store, values.get_untracked());
        open.set(false);
    };
    let fields = move || {
        keys.get_value()
            .into_iter()
            .map(|key| {
                let name = StoredValue::new(key.clone());
                view! {
                    <label>
                        {key.clone()}
                        <input
                            type="password"
                            autocomplete="off"
                            data-testid="user-env-input"
                            data-key=key.clone()
                            prop:value=move || values.with(|v| v.0.get(&name.get_value()).cloned().unwrap_or_default())
                            on:input=move |ev| {
                                let value = event_target_value(&ev);
                                values.update(|v| {
                                    v.0.insert(name.get_value(), value);
                                });
                            }
                        />
                    </label>
                }
            })
            .collect_view()
    };
    view! {
        <button
            type="button"
            class="btn btn-ghost"
            data-testid="user-env-open"
            title=t("keys.hint")
            on:click=move |_| open.update(|o| *o = !*o)
        >
            {t("keys.open")}
        </button>
        <Show when=move || open.get()>
            <form class="share-panel user-env" role="dialog" aria-label=t("keys.title") on:submit=save>
                <p>{t("keys.explain")}</p>
                {fields}
                <button type="submit" class="btn btn-primary btn-small" data-testid="user-env-save">
                    {t("common.save")}
                </button>
            </form>
        </Show>
    }
}
