use leptos::either::Either;
use leptos::prelude::*;

use super::{FeedbackBar, MarkdownView, MessageEditor, ReactionBar, StepChildren};
use crate::client::StepModel;
use crate::components::dom::{copy_to_clipboard, format_time, iso_time};
use crate::components::elements::{ActionBar, MessageElements};
use crate::components::erased;
use crate::components::icons::{COPY, EDIT_MESSAGE};
use crate::i18n::t;
use crate::protocol::{StepType, UiConfig, COMMAND_KEY};

/// Content longer than this starts collapsed when `default_collapse_content`
/// is on (checked when the message is complete, never per token).
const COLLAPSE_CHARS: usize = 2_000;

/// A stable hue for an author's avatar.
fn hue(name: &str) -> u32 {
    name.bytes()
        .fold(7u32, |h, b| h.wrapping_mul(31).wrapping_add(u32::from(b)))
        % 360
}

/// One message: avatar, author, time, rendered content, nested steps and
/// actions.
#[component]
pub fn MessageView(model: StepModel) -> impl IntoView {
    let step = model.step.get_untracked();
    let author = step.name.clone();
    let kind = step.step_type;
    // A name's initial, or its leading emoji.
    let initial = author
        .chars()
        .next()
        .map(|c| c.to_uppercase().to_string())
        .unwrap_or_else(|| "?".into());
    let avatar_style = format!("--avatar-hue: {}", hue(&author));
    let streaming = move || model.step.with(|s| s.streaming).to_string();
    let is_error = move || model.step.with(|s| s.is_error);
    let copy = move |_| model.output.with_untracked(|text| copy_to_clipboard(text));
    let collapse_long = expect_context::<UiConfig>().default_collapse_content;
    // Footers are the app's text: never raw HTML.
    let footer_markdown = crate::markdown::for_page().without_html();
    let expanded = RwSignal::new(false);
    let editable = kind == StepType::UserMessage
        && step.parent_id.is_none()
        && expect_context::<UiConfig>().edit_message;
    let editing = RwSignal::new(false);
    let feedback = kind == StepType::AssistantMessage
        && step.parent_id.is_none()
        && expect_context::<UiConfig>().feedback;
    let long = Memo::new(move |_| {
        collapse_long
            && !model.step.with(|s| s.streaming)
            && model.output.with(|o| o.len() > COLLAPSE_CHARS)
    });

    view! {
        <article
            class="message"
            class:from-user=kind == StepType::UserMessage
            class:from-system=kind == StepType::SystemMessage
            class:is-error=is_error
            data-testid="message"
            data-author=author.clone()
            data-type=kind.as_str()
            data-streaming=streaming
            data-step-id=step.id.clone()
        >
            {match expect_context::<UiConfig>().branding.avatar_of(&author) {
                Some(src) => Either::Left(view! { <img class="avatar avatar-image" src=crate::root_path::href(src) alt="" data-testid="avatar"/> }),
                None => Either::Right(view! { <div class="avatar" style=avatar_style data-testid="avatar" aria-hidden="true">{initial}</div> }),
            }}
            <div class="message-body">
                <header class="message-meta">
                    <span class="author">{author.clone()}</span>
                    <time datetime=iso_time(step.created_at)>{format_time(step.created_at, &expect_context::<UiConfig>().interface.timestamp_format)}</time>
                </header>
                {(kind == StepType::UserMessage)
                    .then(|| step.metadata.get(COMMAND_KEY).and_then(|c| c.as_str()).map(str::to_string))
                    .flatten()
                    .map(|command| view! { <span class="message-command" data-testid="message-command">{format!("/{command}")}</span> })}
                <Show
                    when=move || editing.get()
                    // A fallback is an `AnyView`: erased without async hydration.
                    fallback=move || erased(view! {
                        <div class="message-content" class:collapsed=move || long.get() && !expanded.get()>
                            <MarkdownView model/>
                        </div>
                    })
                >
                    <MessageEditor model editing/>
                </Show>
                <Show when=move || long.get() && !editing.get()>
                    <button
                        type="button"
                        class="btn btn-ghost btn-small"
                        data-testid="message-expand"
                        on:click=move |_| expanded.update(|e| *e = !*e)
                    >
                        {move || if expanded.get() { t("message.show_less") } else { t("message.show_more") }}
                    </button>
                </Show>
                {move || {
                    model.step.with(|s| s.footer().map(|f| footer_markdown.render(f))).map(|html| {
                        view! { <div class="message-footer markdown" data-testid="message-footer" inner_html=html></div> }
                    })
                }}
                <MessageElements model/>
                <ActionBar model/>
                <StepChildren model/>
                <footer
                    class="message-actions"
                    class:has-reaction=move || model.step.with(|s| !s.reactions().is_empty() || s.feedback.is_some())
                >
                    <Show when=move || !model.step.with(|s| s.streaming)>
                        <ReactionBar model/>
                        {feedback.then(|| view! { <FeedbackBar model/> })}
                    </Show>
                    <button
                        type="button"
                        class="icon-btn"
                        data-testid="copy-message"
                        title=t("message.copy")
                        aria-label=t("message.copy")
                        on:click=copy
                        inner_html=COPY
                    ></button>
                    <Show when=move || editable && !editing.get()>
                        <button
                            type="button"
                            class="icon-btn"
                            data-testid="message-edit"
                            title=t("message.edit")
                            aria-label=t("message.edit")
                            on:click=move |_| editing.set(true)
                            inner_html=EDIT_MESSAGE
                        ></button>
                    </Show>
                </footer>
            </div>
        </article>
    }
}
