use leptos::either::{Either, EitherOf9};
use leptos::prelude::*;
use serde_json::{Map, Value};

use crate::i18n::t;
use crate::protocol::{number_value, Choice, FormField, FormInput};

/// A typed number as JSON; empty or invalid is null.
fn number(text: &str) -> Value {
    text.trim()
        .parse::<f64>()
        .map(number_value)
        .unwrap_or(Value::Null)
}

fn text_of(value: Value) -> String {
    match value {
        Value::String(s) => s,
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

fn strings_of(value: &Value) -> Vec<String> {
    value
        .as_array()
        .map(|items| {
            items
                .iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// One input of a form, bound to its value in `values` (by the field's
/// id). The input (or, for a group of them, its container) carries
/// `data-testid=test_id` and `data-field=<id>`.
pub(crate) fn field_view(
    field: FormField,
    values: RwSignal<Map<String, Value>>,
    test_id: &'static str,
) -> impl IntoView {
    let key = StoredValue::new(field.id.clone());
    let set = move |value: Value| {
        values.update(|v| {
            v.insert(key.get_value(), value);
        })
    };
    let current =
        move || key.with_value(|k| values.with(|v| v.get(k).cloned().unwrap_or(Value::Null)));
    let id = field.id.clone();
    // A group of inputs is labelled by its legend rather than wrapping them.
    let grouped = matches!(
        field.input,
        FormInput::Radio { .. } | FormInput::MultiSelect { .. } | FormInput::Tags { .. }
    );
    let input = match field.input.clone() {
        FormInput::Text {
            placeholder,
            multiline: true,
            ..
        } => EitherOf9::A(view! {
            <textarea data-testid=test_id data-field=id rows="3" placeholder=placeholder
                prop:value=move || text_of(current())
                on:input=move |ev| set(Value::String(event_target_value(&ev)))></textarea>
        }),
        FormInput::Text { placeholder, .. } => EitherOf9::B(view! {
            <input type="text" data-testid=test_id data-field=id placeholder=placeholder
                prop:value=move || text_of(current())
                on:input=move |ev| set(Value::String(event_target_value(&ev)))/>
        }),
        FormInput::Number { min, max, step, .. } => EitherOf9::C(view! {
            <input type="number" data-testid=test_id data-field=id
                min=min.map(|m| number_value(m).to_string()) max=max.map(|m| number_value(m).to_string())
                step=step.map(|s| number_value(s).to_string()).unwrap_or_else(|| "any".into())
                prop:value=move || text_of(current())
                on:input=move |ev| set(number(&event_target_value(&ev)))/>
        }),
        FormInput::Select { options, .. } => EitherOf9::D(view! {
            <select data-testid=test_id data-field=id
                prop:value=move || text_of(current())
                on:change=move |ev| set(Value::String(event_target_value(&ev)))>
                {options.into_iter().map(|o| view! { <option value=o.value>{o.label}</option> }).collect_view()}
            </select>
        }),
        FormInput::Radio { options, .. } => {
            EitherOf9::E(radio_view(id, options, current, set, test_id))
        }
        FormInput::MultiSelect { options, .. } => {
            EitherOf9::F(multi_view(id, options, current, set, test_id))
        }
        FormInput::Tags { .. } => EitherOf9::G(tags_view(id, current, set, test_id)),
        FormInput::Switch { .. } | FormInput::Checkbox { .. } => {
            let switch = matches!(field.input, FormInput::Switch { .. });
            EitherOf9::H(view! {
                <input type="checkbox" role=switch.then_some("switch") class:switch=switch
                    data-testid=test_id data-field=id
                    prop:checked=move || current() == Value::Bool(true)
                    on:change=move |ev| set(Value::Bool(event_target_checked(&ev)))/>
            })
        }
        FormInput::Slider { min, max, step, .. } => EitherOf9::I(view! {
            <input type="range" data-testid=test_id data-field=id
                min=number_value(min).to_string() max=number_value(max).to_string() step=number_value(step).to_string()
                prop:value=move || text_of(current())
                on:input=move |ev| set(number(&event_target_value(&ev)))/>
            <output class="form-slider-value">{move || text_of(current())}</output>
        }),
    };
    let tooltip = field.tooltip.clone().map(|tip| {
        view! { <span class="form-tip" title=tip.clone() aria-label=tip tabindex="0">"?"</span> }
    });
    let description = field
        .description
        .clone()
        .map(|text| view! { <small class="form-description">{text}</small> });
    let head = view! { <span class="form-label">{field.label.clone()}{tooltip}</span> };
    if grouped {
        Either::Left(view! {
            <fieldset class="form-field">
                <legend>{head}</legend>
                {input}
                {description}
            </fieldset>
        })
    } else {
        Either::Right(view! {
            <label class="form-field">
                {head}
                {input}
                {description}
            </label>
        })
    }
}

fn radio_view(
    id: String,
    options: Vec<Choice>,
    current: impl Fn() -> Value + Copy + Send + Sync + 'static,
    set: impl Fn(Value) + Copy + Send + Sync + 'static,
    test_id: &'static str,
) -> impl IntoView {
    let name = format!("{test_id}-{id}");
    let buttons = options
        .into_iter()
        .map(|o| {
            let value = StoredValue::new(o.value.clone());
            view! {
                <label class="form-option">
                    <input type="radio" name=name.clone() value=o.value
                        prop:checked=move || value.with_value(|v| current().as_str() == Some(v.as_str()))
                        on:change=move |_| set(Value::String(value.get_value()))/>
                    {o.label}
                </label>
            }
        })
        .collect_view();
    view! { <div class="form-options" role="radiogroup" data-testid=test_id data-field=id>{buttons}</div> }
}

fn multi_view(
    id: String,
    options: Vec<Choice>,
    current: impl Fn() -> Value + Copy + Send + Sync + 'static,
    set: impl Fn(Value) + Copy + Send + Sync + 'static,
    test_id: &'static str,
) -> impl IntoView {
    let boxes = options
        .into_iter()
        .map(|o| {
            let value = StoredValue::new(o.value.clone());
            let picked = move || value.with_value(|v| strings_of(&current()).contains(v));
            let toggle = move |ev: leptos::ev::Event| {
                let on = event_target_checked(&ev);
                let mut now = strings_of(&current());
                let v = value.get_value();
                now.retain(|x| *x != v);
                if on {
                    now.push(v);
                }
                set(Value::Array(now.into_iter().map(Value::String).collect()));
            };
            view! {
                <label class="form-option">
                    <input type="checkbox" value=o.value prop:checked=picked on:change=toggle/>
                    {o.label}
                </label>
            }
        })
        .collect_view();
    view! { <div class="form-options" role="group" data-testid=test_id data-field=id>{boxes}</div> }
}

/// Tags as chips with a remove button each, and a box where Enter (or a
/// comma) adds what was typed.
fn tags_view(
    id: String,
    current: impl Fn() -> Value + Copy + Send + Sync + 'static,
    set: impl Fn(Value) + Copy + Send + Sync + 'static,
    test_id: &'static str,
) -> impl IntoView {
    let draft = RwSignal::new(String::new());
    let add = move || {
        let tag = draft
            .get_untracked()
            .trim()
            .trim_end_matches(',')
            .trim()
            .to_string();
        draft.set(String::new());
        let mut now = strings_of(&current());
        if !tag.is_empty() && !now.contains(&tag) {
            now.push(tag);
            set(Value::Array(now.into_iter().map(Value::String).collect()));
        }
    };
    let remove = move |tag: String| {
        let mut now = strings_of(&current());
        now.retain(|t| *t != tag);
        set(Value::Array(now.into_iter().map(Value::String).collect()));
    };
    let chips = move || {
        strings_of(&current())
            .into_iter()
            .map(|tag| {
                let gone = tag.clone();
                view! {
                    <span class="form-tag">
                        {tag.clone()}
                        <button type="button" class="form-tag-remove" aria-label=format!("Remove {tag}")
                            on:click=move |_| remove(gone.clone())>"×"</button>
                    </span>
                }
            })
            .collect_view()
    };
    view! {
        <div class="form-tags" data-testid=test_id data-field=id>
            {chips}
            <input type="text" class="form-tag-input" placeholder=t("form.add_tag_placeholder") aria-label=t("form.add_tag")
                prop:value=move || draft.get()
                on:input=move |ev| {
                    draft.set(event_target_value(&ev));
                    if draft.with_untracked(|d| d.ends_with(',')) {
                        add();
                    }
                }
                on:keydown=move |ev: leptos::ev::KeyboardEvent| {
                    if ev.key() == "Enter" {
                        ev.prevent_default();
                        add();
                    }
                }
                on:blur=move |_| add()/>
        </div>
    }
}
