use leptos::either::Either;
use leptos::prelude::*;

use crate::protocol::Snippet;

/// The passage of a search result under the thread's name. The server sends
/// plain text and the ranges it matched: each piece is a text node, each
/// match a `<mark>`, so nothing in a message is ever taken for HTML.
#[component]
pub fn ThreadSnippet(snippet: Snippet) -> impl IntoView {
    let parts = snippet
        .parts()
        .into_iter()
        .map(|(text, marked)| {
            let text = text.to_string();
            if marked {
                Either::Left(view! { <mark>{text}</mark> })
            } else {
                Either::Right(text)
            }
        })
        .collect_view();
    view! { <span class="thread-snippet" data-testid="thread-snippet">{parts}</span> }
}
