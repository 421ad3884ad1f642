use leptos::prelude::*;

use crate::client::{self, ChatStore, StepModel};
use crate::components::icons::reaction_icon;
use crate::protocol::{ClientEvent, UiConfig};

/// The message's reaction toggles (`[UI] reactions`); one that is on stays
/// visible when the pointer leaves the message.
#[component]
pub fn ReactionBar(model: StepModel) -> impl IntoView {
    let store = expect_context::<ChatStore>();
    let offered = expect_context::<UiConfig>().reactions;
    offered
        .into_iter()
        .map(|reaction| {
            let name = reaction.clone();
            let on = Memo::new(move |_| model.step.with(|s| s.has_reaction(&name)));
            let name = StoredValue::new(reaction.clone());
            let toggle = move |_| {
                let sent = client::send(ClientEvent::React {
                    step_id: model.step.with_untracked(|s| s.id.clone()),
                    reaction: name.get_value(),
                    active: !on.get_untracked(),
                });
                if !sent {
                    store
                        .notice
                        .set(Some(crate::i18n::t("composer.not_connected")));
                }
            };
            let label = crate::i18n::t_with("message.react", &[("reaction", &reaction)]);
            let icon = reaction_icon(&reaction)
                .map(str::to_string)
                .unwrap_or_else(|| crate::markdown::escape(&reaction));
            view! {
                <button
                    type="button"
                    class="icon-btn reaction"
                    class:on=move || on.get()
                    data-testid="reaction"
                    data-reaction=reaction.clone()
                    aria-pressed=move || on.get().to_string()
                    title=label.clone()
                    aria-label=label
                    on:click=toggle
                    inner_html=icon
                ></button>
            }
        })
        .collect_view()
}
