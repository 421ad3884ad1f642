use leptos::prelude::*;

use crate::components::composer::Draft;
use crate::protocol::{Starter, UiConfig};

/// Shown while the thread is empty: the app's name and description
/// (markdown, without HTML).
#[component]
pub fn Welcome() -> impl IntoView {
    let ui = expect_context::<UiConfig>();
    let text = ui.description.clone();
    let markdown = crate::markdown::for_page().without_html();
    // Rendered again when math the browser asked for arrives.
    let description = move || {
        if text.is_empty() {
            format!(
                "<p>{}</p>",
                crate::markdown::escape(&crate::i18n::t("feed.welcome"))
            )
        } else {
            markdown.render(&text)
        }
    };
    view! {
        <div class="welcome" data-testid="welcome">
            <div class="welcome-mark" aria-hidden="true">{ui.name.chars().next().unwrap_or('L').to_string()}</div>
            <h1>{ui.name.clone()}</h1>
            <div class="welcome-description markdown" inner_html=description></div>
        </div>
    }
}

/// The app's starters, shown until the user has sent a message (under the
/// app's greeting, if it sent one).
#[component]
pub fn Starters() -> impl IntoView {
    let ui = expect_context::<UiConfig>();
    let store = expect_context::<crate::client::ChatStore>();
    let starters = StoredValue::new(ui.starters);
    // A thread from history is only known once its snapshot is applied:
    // until then (and in the server's render of it) no starters flash.
    let from_history = matches!(
        crate::route::current_page(),
        crate::route::Page::Chat { thread_id: Some(_) }
    );
    let shown = move || {
        !store.has_user_message.get()
            && (!from_history || store.revision.get() > 0)
            && starters.with_value(|s| !s.is_empty())
    };
    view! {
        <Show when=shown>
            <div class="starters" data-testid="starters">
                {starters.get_value().into_iter().map(starter_view).collect_view()}
            </div>
        </Show>
    }
}

/// One starter: clicking it sends its message, or puts it in the composer
/// when the starter says so. Before hydration the early script takes the
/// click and the composer sends it once the app is ready.
fn starter_view(starter: Starter) -> impl IntoView {
    let draft = expect_context::<Draft>();
    let Starter {
        label,
        message,
        icon,
        command,
        fill,
    } = starter;
    let send = StoredValue::new((message.clone(), command.clone()));
    let click = move |_| {
        let (message, command) = send.get_value();
        draft.start(message, command, fill);
    };
    view! {
        <button type="button" class="starter" data-testid="starter"
            data-message=message data-command=command data-fill=fill.then_some("")
            on:click=click>
            {icon.map(|src| view! { <img class="starter-icon" src=crate::root_path::href(&src) alt="" width="20" height="20"/> })}
            <span class="starter-label">{label}</span>
        </button>
    }
}
