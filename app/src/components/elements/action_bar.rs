use leptos::prelude::*;

use crate::client::{self, ChatStore, StepModel};
use crate::components::icons::action_icon;
use crate::i18n::t;
use crate::protocol::{Action, ClientEvent};

/// A message's action buttons. A click names the action; the server runs
/// the callback with the action as it stored it.
#[component]
pub fn ActionBar(model: StepModel) -> impl IntoView {
    let store = expect_context::<ChatStore>();
    let actions = move || model.step.with(|s| s.actions.clone());
    view! {
        <Show when=move || model.step.with(|s| !s.actions.is_empty())>
            <div class="action-bar">
                <For each=actions key=|a| a.id.clone() let:action>
                    {
                        let action_id = action.id.clone();
                        let click = move |_| {
                            let sent = client::send(ClientEvent::ActionClicked {
                                step_id: model.step.with_untracked(|s| s.id.clone()),
                                action_id: action_id.clone(),
                            });
                            if !sent {
                                store.notice.set(Some(t("element.action_not_sent")));
                            }
                        };
                        action_button(&action, click)
                    }
                </For>
            </div>
        </Show>
    }
}

/// One action's button (on a message, or as a choice of a question).
pub(crate) fn action_button(
    action: &Action,
    click: impl FnMut(leptos::ev::MouseEvent) + 'static,
) -> impl IntoView {
    view! {
        <button
            type="button"
            class="btn btn-small action"
            data-testid="action"
            data-action-name=action.name.clone()
            title=action.tooltip.clone().unwrap_or_default()
            on:click=click
        >
            {action
                .icon
                .as_deref()
                .and_then(action_icon)
                .map(|svg| view! { <span class="action-icon" inner_html=svg></span> })}
            {action.label.clone()}
        </button>
    }
}
