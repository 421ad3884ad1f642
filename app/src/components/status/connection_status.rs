use leptos::prelude::*;

use crate::client::{ChatStore, ConnectionState};
use crate::i18n::t;

/// Visible whenever the streaming connection is not up.
#[component]
pub fn ConnectionStatus() -> impl IntoView {
    let store = expect_context::<ChatStore>();
    let state = move || store.connection.get();
    view! {
        <Show when=move || state() != ConnectionState::Connected>
            <div class="connection-status" data-testid="connection-status" role="status">
                <span class="spinner" aria-hidden="true"></span>
                {move || match state() {
                    ConnectionState::Reconnecting => t("status.reconnecting"),
                    _ => t("status.connecting"),
                }}
            </div>
        </Show>
    }
}
