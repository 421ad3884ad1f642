use leptos::prelude::*;

use crate::client::{self, ChatStore, StepModel};
use crate::components::icons::{THUMB_DOWN, THUMB_UP};
use crate::i18n::t;
use crate::protocol::{ClientEvent, Feedback, UiConfig, MAX_FEEDBACK_COMMENT_CHARS};

/// Thumbs up and down under an assistant reply. A vote is sent at once;
/// then a small form takes an optional comment and reasons. Clicking the
/// chosen thumb again takes the feedback back. The saved comment is shown
/// under the reply.
#[component]
pub fn FeedbackBar(model: StepModel) -> impl IntoView {
    let store = expect_context::<ChatStore>();
    let reasons = StoredValue::new(expect_context::<UiConfig>().feedback_reasons);
    let current = Memo::new(move |_| model.step.with(|s| s.feedback.clone()));
    // The vote as the user last chose it, before the server confirms it
    // (every tab follows the server's afterwards).
    let voted = RwSignal::new(current.get_untracked().map(|f| f.value));
    Effect::new(move |_| voted.set(current.get().map(|f| f.value)));
    let open = RwSignal::new(false);
    let comment = RwSignal::new(String::new());
    let picked = RwSignal::new(Vec::<String>::new());
    let send = move |feedback: Option<Feedback>| {
        let sent = client::send(ClientEvent::Feedback {
            step_id: model.step.with_untracked(|s| s.id.clone()),
            feedback,
        });
        if !sent {
            store.notice.set(Some(t("composer.not_connected")));
        }
    };
    let vote = move |value: u8| {
        if voted.get_untracked() == Some(value) {
            voted.set(None);
            send(None);
            open.set(false);
            return;
        }
        voted.set(Some(value));
        send(Some(Feedback {
            value,
            ..Feedback::default()
        }));
        comment.set(String::new());
        picked.set(Vec::new());
        open.set(true);
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(value) = voted.get_untracked() else {
            return;
        };
        let text = comment.get_untracked();
        send(Some(Feedback {
            value,
            comment: Some(text).filter(|t| !t.trim().is_empty()),
            reasons: picked.get_untracked(),
        }));
        open.set(false);
    };
    let reason_boxes = move || {
        reasons
            .get_value()
            .into_iter()
            .map(|reason| {
                let name = StoredValue::new(reason.clone());
                let toggle = move |_| {
                    let reason = name.get_value();
                    picked.update(|p| match p.iter().position(|r| *r == reason) {
                        Some(at) => {
                            p.remove(at);
                        }
                        None => p.push(reason),
                    });
                };
                view! {
                    <label class="feedback-reason">
                        <input type="checkbox" data-testid="feedback-reason" on:change=toggle/>
                        {reason}
                    </label>
                }
            })
            .collect_view()
    };
    view! {
        <span class="feedback">
            {thumb(1, "feedback-up", t("feedback.good"), THUMB_UP, voted, vote)}
            {thumb(0, "feedback-down", t("feedback.bad"), THUMB_DOWN, voted, vote)}
        </span>
        <Show when=move || open.get()>
            <form class="feedback-form" on:submit=submit>
                <textarea
                    data-testid="feedback-comment"
                    placeholder=t("feedback.comment")
                    maxlength=MAX_FEEDBACK_COMMENT_CHARS.to_string()
                    rows="2"
                    prop:value=move || comment.get()
                    on:input=move |ev| comment.set(event_target_value(&ev))
                ></textarea>
                <div class="feedback-reasons">{reason_boxes}</div>
                <button type="submit" class="btn btn-small" data-testid="feedback-submit">
                    {t("feedback.send")}
                </button>
            </form>
        </Show>
        {move || {
            current
                .get()
                .and_then(|f| f.comment)
                .filter(|_| !open.get())
                .map(|text| view! { <p class="feedback-saved" data-testid="feedback-saved">{text}</p> })
        }}
    }
}

/// One thumb, pressed while it is the user's vote.
fn thumb(
    value: u8,
    test_id: &'static str,
    label: String,
    icon: &'static str,
    voted: RwSignal<Option<u8>>,
    vote: impl Fn(u8) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let on = move || voted.get() == Some(value);
    let title = label.clone();
    view! {
        <button
            type="button"
            class="icon-btn"
            class:on=on
            data-testid=test_id
            aria-pressed=move || on().to_string()
            title=title
            aria-label=label
            on:click=move |_| vote(value)
            inner_html=icon
        ></button>
    }
}
