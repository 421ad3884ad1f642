use leptos::prelude::*;

use super::composer::{
    on_drag_over, on_drop, AskFiles, AskPanel, Attachments, Composer, ComposerFiles, Draft,
};
use super::elements::ThreadElements;
use super::feed::Feed;
use super::status::{ConnectionStatus, Notice};

/// The chat: the feed above, the composer below.
#[component]
pub fn ChatPage() -> impl IntoView {
    provide_context(ComposerFiles(Attachments::new()));
    provide_context(AskFiles(Attachments::new()));
    provide_context(Draft::new());
    view! {
        <main class="chat" on:dragover=on_drag_over on:drop=on_drop>
            <ConnectionStatus/>
            <ThreadElements/>
            <Feed/>
            <Notice/>
            <AskPanel/>
            <Composer/>
        </main>
    }
}
