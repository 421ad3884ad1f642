use leptos::either::EitherOf3;
use leptos::prelude::*;

use super::{MarkdownView, StepChildren};
use crate::client::StepModel;
use crate::components::icons::step_icon;
use crate::i18n::t;
use crate::markdown;

/// A step of the chain of thought: a header that toggles a body with the
/// input (when shown), the output and nested steps. Collapsed at first; a
/// step with nested steps opens while it runs so the work is visible.
#[component]
pub fn StepView(model: StepModel) -> impl IntoView {
    let step = model.step.get_untracked();
    let step_type = step.step_type;
    let open = RwSignal::new(
        expect_context::<crate::protocol::UiConfig>()
            .interface
            .expand_steps,
    );
    let auto_opened = StoredValue::new(false);
    Effect::new(move |_| {
        let has_children = model.children.with(|c| !c.is_empty());
        let running = model.step.with(|s| s.end.is_none());
        if has_children && running && !auto_opened.get_value() {
            auto_opened.set_value(true);
            open.set(true);
        }
    });
    let status = move || model.step.with(|s| s.status());
    let name = move || model.step.with(|s| s.name.clone());
    let show_input = move || model.step.with(|s| s.show_input.is_shown());
    let md = StoredValue::new(markdown::for_page());
    let input_html = move || {
        let language = model
            .step
            .with(|s| s.show_input.language().unwrap_or("text").to_string());
        model
            .input
            .with(|input| md.with_value(|md| md.render_code(input, &language)))
    };
    let duration = move || {
        model.step.with(|s| match (s.start, s.end) {
            // Integer maths: float formatting would add kilobytes to the bundle.
            (Some(start), Some(end)) if end >= start => {
                let tenths = (end - start + 50) / 100;
                format!("{}.{}s", tenths / 10, tenths % 10)
            }
            _ => String::new(),
        })
    };

    view! {
        <section
            class="step"
            data-testid="step"
            data-step-type=step_type.as_str()
            data-step-name=step.name.clone()
            data-status=status
            class:open=move || open.get()
        >
            <button
                type="button"
                class="step-header"
                data-testid="step-toggle"
                aria-expanded=move || open.get().to_string()
                on:click=move |_| open.update(|o| *o = !*o)
            >
                <span class="step-icon" inner_html=step_icon(step_type)></span>
                <span class="step-name">{name}</span>
                <span class="step-state">
                    {move || match status() {
                        "running" => EitherOf3::A(view! { <span class="spinner" aria-label=t("step.running")></span> }),
                        "error" => EitherOf3::B(view! { <span class="step-error-mark">{t("step.failed")}</span> }),
                        _ => EitherOf3::C(view! { <span class="step-duration">{duration}</span> }),
                    }}
                </span>
                <span class="chevron" aria-hidden="true"></span>
            </button>
            <div class="step-body" hidden=move || !open.get()>
                <Show when=show_input>
                    <div class="step-input">
                        <div class="step-label">{t("step.input")}</div>
                        <div class="markdown" inner_html=input_html></div>
                    </div>
                </Show>
                <div class="step-output">
                    <MarkdownView model testid="step-output"/>
                    <crate::components::elements::MessageElements model/>
                </div>
                <div class="step-children">
                    <StepChildren model/>
                </div>
            </div>
        </section>
    }
}
