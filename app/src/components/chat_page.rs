use leptos::prelude::*;

use super::composer::Composer;
use super::feed::Feed;
use super::status::{ConnectionStatus, Notice};

/// The chat: the feed above, the composer below.
#[component]
pub fn ChatPage() -> impl IntoView {
    view! {
        <main class="chat">
            <ConnectionStatus/>
            <Feed/>
            <Notice/>
            <Composer/>
        </main>
    }
}
