use crate::i18n::t;
use leptos::prelude::*;

/// Shown for any unknown address.
#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::NOT_FOUND);
    }
    view! {
        <main class="not-found" data-testid="not-found">
            <h1>{t("not_found.title")}</h1>
            <p>{t("not_found.text")}</p>
            <a href=crate::root_path::current().home() class="btn">{t("not_found.start")}</a>
        </main>
    }
}
