//! Commands in the composer: the menu that `/` opens (filtered by what
//! follows it, keyboard-navigable), the picked command as a chip, and the
//! toggle buttons of button commands.

use leptos::prelude::*;

use crate::client::ChatStore;
use crate::i18n::t;
use crate::protocol::{matching_commands, Command};

/// The commands whose id starts with what follows a leading `/`, while the
/// text is that one word.
pub(crate) fn menu_matches(commands: &[Command], text: &str) -> Vec<Command> {
    match text.strip_prefix('/') {
        Some(typed) if !typed.contains(char::is_whitespace) => {
            matching_commands(commands, typed).cloned().collect()
        }
        _ => Vec::new(),
    }
}

fn icon(command: &Command) -> Option<impl IntoView> {
    command
        .icon
        .clone()
        .map(|src| view! { <img class="command-icon" src=crate::root_path::href(&src) alt="" width="16" height="16"/> })
}

/// The open menu; `index` is the highlighted option, `pick` takes an id.
pub(crate) fn command_menu(
    matches: Memo<Vec<Command>>,
    index: RwSignal<usize>,
    pick: impl Fn(String) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let options = move || {
        matches
            .get()
            .into_iter()
            .enumerate()
            .map(|(i, c)| {
                let id = c.id.clone();
                view! {
                    <li role="option" class="command-option" data-testid="command-option"
                        data-command=c.id.clone()
                        aria-selected=move || (index.get() == i).to_string()
                        on:mousedown=move |ev| {
                            // Keeps the focus in the composer.
                            ev.prevent_default();
                            pick(id.clone());
                        }>
                        {icon(&c)}
                        <span class="command-id">{c.id.clone()}</span>
                        <span class="command-description">{c.description.clone()}</span>
                    </li>
                }
            })
            .collect_view()
    };
    view! { <ul class="command-menu" role="listbox" aria-label=t("composer.commands") data-testid="command-menu">{options}</ul> }
}

/// The picked command, with a button that drops it.
pub(crate) fn command_chip(command: RwSignal<Option<String>>) -> impl IntoView {
    move || {
        command.get().map(|id| {
            view! {
                <span class="command-chip" data-testid="command-chip" data-command=id.clone()>
                    {format!("/{id}")}
                    <button type="button" class="command-chip-remove" aria-label=t("composer.drop_command")
                        on:click=move |_| command.set(None)>"×"</button>
                </span>
            }
        })
    }
}

/// Toggles for the commands shown as buttons.
pub(crate) fn command_buttons(
    store: ChatStore,
    command: RwSignal<Option<String>>,
) -> impl IntoView {
    let buttons = move || {
        store
            .commands
            .get()
            .into_iter()
            .filter(|c| c.button)
            .map(|c| {
                let id = StoredValue::new(c.id.clone());
                let on = move || id.with_value(|id| command.with(|p| p.as_deref() == Some(id)));
                view! {
                    <button type="button" class="btn btn-ghost btn-small command-button"
                        data-testid="command-button" data-command=c.id.clone()
                        title=c.description.clone()
                        aria-pressed=move || on().to_string()
                        on:click=move |_| {
                            let next = (!on()).then(|| id.get_value());
                            command.set(next);
                        }>
                        {icon(&c)}
                        <span>{c.id.clone()}</span>
                    </button>
                }
            })
            .collect_view()
    };
    view! { <div class="command-buttons">{buttons}</div> }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_menu_matches_the_word_after_a_leading_slash() {
        let commands = vec![
            Command::new("Search"),
            Command::new("Sketch"),
            Command::new("Picture"),
        ];
        let ids = |text: &str| -> Vec<String> {
            menu_matches(&commands, text)
                .into_iter()
                .map(|c| c.id)
                .collect()
        };
        assert_eq!(ids("/"), ["Search", "Sketch", "Picture"]);
        assert_eq!(ids("/s"), ["Search", "Sketch"]);
        assert_eq!(ids("/SEA"), ["Search"]);
        assert!(ids("/search me").is_empty());
        assert!(ids("search").is_empty());
        assert!(ids("/x").is_empty());
    }
}
