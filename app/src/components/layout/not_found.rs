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
            <h1>"Not found"</h1>
            <p>"There is nothing at this address."</p>
            <a href="/" class="btn">"Start a chat"</a>
        </main>
    }
}
