use leptos::prelude::*;

use super::share_panel::{share, SharePanel, Sharing};
use crate::client::ChatStore;
use crate::components::icons::{DOWNLOAD, MORE, UPLOAD};
use crate::i18n::t;
use crate::protocol::UiConfig;

/// Download the conversation (JSON with every detail, or JSONL for
/// fine-tuning) and import a JSON download as a new thread.
#[component]
pub fn ThreadMenu() -> impl IntoView {
    let store = expect_context::<ChatStore>();
    let sharing_on = expect_context::<UiConfig>().sharing;
    let sharing = RwSignal::new(Sharing::Closed);
    let open = RwSignal::new(false);
    let href = move |format: &str| {
        store
            .thread_id
            .get()
            .map(|id| crate::root_path::href(&format!("/api/threads/{id}/export?format={format}")))
    };
    let has_messages = move || !store.roots.with(Vec::is_empty);
    let on_file = move |ev: leptos::ev::Event| {
        open.set(false);
        #[cfg(feature = "hydrate")]
        import_selected(store, ev);
        #[cfg(not(feature = "hydrate"))]
        let _ = ev;
    };
    view! {
        <div class="menu">
            <button
                type="button"
                class="btn btn-ghost btn-icon"
                data-testid="thread-menu"
                title=t("header.thread_menu")
                aria-label=t("header.thread_menu")
                aria-haspopup="menu"
                aria-expanded=move || open.get().to_string()
                on:click=move |_| open.update(|o| *o = !*o)
                inner_html=MORE
            ></button>
            <Show when=move || open.get()>
                <div class="menu-popup" role="menu" on:click=move |_| open.set(false)>
                    <Show when=has_messages>
                        <a class="menu-item" role="menuitem" data-testid="download-json" href=move || href("json") download="">
                            <span class="btn-icon-svg" inner_html=DOWNLOAD></span>
                            {t("menu.download_json")}
                        </a>
                        <a class="menu-item" role="menuitem" data-testid="download-jsonl" href=move || href("jsonl") download="">
                            <span class="btn-icon-svg" inner_html=DOWNLOAD></span>
                            {t("menu.download_jsonl")}
                        </a>
                        {sharing_on.then(|| view! {
                            <button type="button" class="menu-item" role="menuitem" data-testid="share"
                                on:click=move |_| share(store, sharing)>
                                {t("menu.share")}
                            </button>
                        })}
                    </Show>
                    <label class="menu-item" role="menuitem" on:click=move |ev| ev.stop_propagation()>
                        <span class="btn-icon-svg" inner_html=UPLOAD></span>
                        {t("menu.import")}
                        <input
                            type="file"
                            accept="application/json,.json"
                            data-testid="import-thread"
                            class="visually-hidden"
                            on:change=on_file
                        />
                    </label>
                </div>
            </Show>
            <SharePanel state=sharing/>
        </div>
    }
}

/// Uploads the chosen file; opens the new thread, or shows why it failed.
#[cfg(feature = "hydrate")]
fn import_selected(store: ChatStore, ev: leptos::ev::Event) {
    use wasm_bindgen::JsCast;

    let Some(input) = ev
        .target()
        .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
    else {
        return;
    };
    let Some(file) = input.files().and_then(|files| files.get(0)) else {
        return;
    };
    input.set_value("");
    let i18n = crate::i18n::i18n();
    leptos::task::spawn_local(async move {
        match upload(&file, &i18n).await {
            Ok(thread_id) => crate::client::open_thread(store, thread_id),
            Err(message) => store.notice.set(Some(
                i18n.t_with("menu.import_failed", &[("reason", &message)]),
            )),
        }
    });
}

#[cfg(feature = "hydrate")]
async fn upload(file: &web_sys::File, i18n: &crate::i18n::I18n) -> Result<String, String> {
    #[derive(serde::Deserialize)]
    struct Reply {
        thread_id: Option<String>,
        error: Option<String>,
    }
    // The server takes JSON only (a form or text/plain post is refused).
    let mut request = gloo_net::http::Request::post(&crate::root_path::href("/api/threads/import"))
        .header("content-type", "application/json");
    if let Some(authorization) = crate::access::authorization() {
        request = request.header("Authorization", &authorization);
    }
    let response = request
        .body(file.clone())
        .map_err(|_| i18n.t("menu.unreachable"))?
        .send()
        .await
        .map_err(|_| i18n.t("menu.unreachable"))?;
    let text = response.text().await.unwrap_or_default();
    let unexpected = || {
        i18n.t_with(
            "menu.unexpected",
            &[("status", &response.status().to_string())],
        )
    };
    let reply: Reply = serde_json::from_str(&text).map_err(|_| {
        if response.status() == 413 {
            i18n.t("menu.too_large")
        } else {
            unexpected()
        }
    })?;
    match (reply.thread_id, reply.error) {
        (Some(id), _) if response.ok() => Ok(id),
        (_, Some(error)) => Err(error),
        _ => Err(unexpected()),
    }
}
