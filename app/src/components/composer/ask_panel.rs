//! The open question, above the composer: a hint for text questions (the
//! composer answers them), buttons for a choice, a file picker with its
//! uploads, or a form whose submit waits for its rules.

use leptos::either::EitherOf4;
use leptos::prelude::*;
use serde_json::{Map, Value};

use super::{AskFiles, AttachmentList};
use crate::client::{self, ChatStore};
use crate::components::elements::action_button;
use crate::components::form::field_view;
use crate::i18n::t;
use crate::protocol::{Action, Ask, AskAnswer, AskKind, ClientEvent, FormField, FormRule};

fn answer(id: &str, answer: AskAnswer) {
    let sent = client::send(ClientEvent::Answer {
        id: id.to_string(),
        answer,
    });
    if !sent {
        expect_context::<ChatStore>()
            .notice
            .set(Some(t("ask.not_sent")));
    }
}

/// Shows the question the app is waiting on, if any.
#[component]
pub fn AskPanel() -> impl IntoView {
    let store = expect_context::<ChatStore>();
    view! {
        {move || store.ask.get().map(ask_view)}
    }
}

fn ask_view(ask: Ask) -> impl IntoView {
    let kind = match &ask.kind {
        AskKind::Text => "text",
        AskKind::File(_) => "file",
        AskKind::Action { .. } => "action",
        AskKind::Form { .. } => "form",
    };
    let body = match ask.kind.clone() {
        AskKind::Text => EitherOf4::A(view! {
            <p class="ask-hint">{t("ask.waiting")}</p>
        }),
        AskKind::Action { actions } => EitherOf4::B(choice_view(ask.id.clone(), actions)),
        AskKind::File(rules) => EitherOf4::C(file_view(ask.id.clone(), rules.accept.join(","))),
        AskKind::Form { fields, rules } => EitherOf4::D(form_view(ask.id.clone(), fields, rules)),
    };
    view! {
        <section class="ask" data-testid="ask" data-ask-kind=kind aria-live="polite">{body}</section>
    }
}

fn choice_view(id: String, actions: Vec<Action>) -> impl IntoView {
    let buttons = actions
        .into_iter()
        .map(|action| {
            let id = id.clone();
            let action_id = action.id.clone();
            action_button(&action, move |_| {
                answer(
                    &id,
                    AskAnswer::Action {
                        action_id: action_id.clone(),
                    },
                )
            })
        })
        .collect_view();
    view! { <div class="ask-actions">{buttons}</div> }
}

fn file_view(id: String, accept: String) -> impl IntoView {
    let files = expect_context::<AskFiles>().0;
    let picker = NodeRef::<leptos::html::Input>::new();
    let ready = move || !files.busy() && !files.ready_ids().is_empty();
    let submit = move |_| {
        let ids = files.ready_ids();
        files.clear();
        answer(&id, AskAnswer::File { files: ids });
    };
    let on_pick = move |_| super::file_drop::take_picked(picker);
    view! {
        <div class="ask-files" on:dragover=super::on_drag_over on:drop=super::on_drop>
            <p class="ask-hint">{t("ask.drop_files")}</p>
            <button
                type="button"
                class="btn btn-small"
                data-testid="ask-choose"
                on:click=move |_| {
                    if let Some(el) = picker.get_untracked() {
                        el.click();
                    }
                }
            >
                {t("ask.choose_files")}
            </button>
            <input node_ref=picker type="file" multiple=true hidden=true accept=accept data-testid="ask-input" on:change=on_pick/>
        </div>
        <AttachmentList attachments=files/>
        <button type="button" class="btn btn-primary btn-small" data-testid="ask-submit" disabled=move || !ready() on:click=submit>
            {t("ask.send_files")}
        </button>
    }
}

fn form_view(id: String, fields: Vec<FormField>, rules: Vec<FormRule>) -> impl IntoView {
    let values = RwSignal::new(
        fields
            .iter()
            .map(|f| (f.id.clone(), f.input.initial_value()))
            .collect::<Map<String, Value>>(),
    );
    let valid = move || values.with(|v| rules.iter().all(|rule| rule.holds(v)));
    let inputs = fields
        .into_iter()
        .map(|field| field_view(field, values, "ask-field"))
        .collect_view();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let values = values.get_untracked();
        // Empty optional numbers are left out rather than sent as null.
        let values = values.into_iter().filter(|(_, v)| !v.is_null()).collect();
        answer(&id, AskAnswer::Form { values });
    };
    view! {
        <form class="ask-form" on:submit=submit>
            {inputs}
            <button type="submit" class="btn btn-primary btn-small" data-testid="ask-submit" disabled=move || !valid()>
                {t("ask.submit")}
            </button>
        </form>
    }
}
