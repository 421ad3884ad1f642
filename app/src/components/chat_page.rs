use leptos::prelude::*;

use super::composer::Composer;
use super::elements::ThreadElements;
use super::feed::Feed;
use super::status::{ConnectionStatus, Notice};

/// The chat: the feed above, the composer below.
#[component]
pub fn ChatPage() -> impl IntoView {
    view! {
        <main class="chat">
            <ConnectionStatus/>
            <ThreadElements/>
            <Feed/>
            <Notice/>
            <Composer/>
        </main>
    }
}
