//! Form inputs, shared by the app's questions (`ask_form`) and the chat
//! settings panel: what each input is, its initial value, and which values
//! it accepts. The browser renders them; the server checks every value
//! against them again, since the browser's word counts for nothing.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

#[cfg(target_arch = "wasm32")]
use super::tag_first::{tagged_object, RestOfObject};

/// Longest text a text input accepts, in characters.
pub const MAX_TEXT_INPUT_CHARS: usize = 10_000;
/// Most tags (or picked options) one input holds.
pub const MAX_TAGS: usize = 100;
/// Longest tag, in characters.
pub const MAX_TAG_CHARS: usize = 200;

/// One option of a select, radio group or multi-select: the label shown
/// and the value the app receives. A plain string is both.
///
/// ```
/// use loquat_app::protocol::Choice;
///
/// let plain: Choice = serde_json::from_str(r#""gpt-4o""#).unwrap();
/// assert_eq!(plain, Choice::new("gpt-4o"));
/// let labeled: Choice = serde_json::from_str(r#"{"label":"Fast","value":"mini"}"#).unwrap();
/// assert_eq!(labeled, Choice::labeled("Fast", "mini"));
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Choice {
    pub label: String,
    pub value: String,
}

impl Choice {
    /// An option whose label is its value.
    pub fn new(value: impl Into<String>) -> Self {
        let value = value.into();
        Choice {
            label: value.clone(),
            value,
        }
    }

    /// An option showing `label` for `value`.
    pub fn labeled(label: impl Into<String>, value: impl Into<String>) -> Self {
        Choice {
            label: label.into(),
            value: value.into(),
        }
    }
}

impl<S: Into<String>> From<S> for Choice {
    fn from(value: S) -> Self {
        Choice::new(value)
    }
}

impl<'de> Deserialize<'de> for Choice {
    /// A string, or an object with `label` and `value`. Read by hand rather
    /// than as a `#[serde(untagged)]` enum, which buffers every value before
    /// trying each shape (code the browser's bundle would carry for this
    /// type alone).
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ChoiceVisitor)
    }
}

struct ChoiceVisitor;

impl<'de> serde::de::Visitor<'de> for ChoiceVisitor {
    type Value = Choice;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a string or an object with `label` and `value`")
    }

    fn visit_str<E: serde::de::Error>(self, value: &str) -> Result<Choice, E> {
        Ok(Choice::new(value))
    }

    fn visit_string<E: serde::de::Error>(self, value: String) -> Result<Choice, E> {
        Ok(Choice::new(value))
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<Choice, A::Error> {
        let Labeled { label, value } =
            Labeled::deserialize(serde::de::value::MapAccessDeserializer::new(map))?;
        Ok(Choice { label, value })
    }

    /// `["label", "value"]`, which the derived `untagged` shape read too.
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, seq: A) -> Result<Choice, A::Error> {
        let Labeled { label, value } =
            Labeled::deserialize(serde::de::value::SeqAccessDeserializer::new(seq))?;
        Ok(Choice { label, value })
    }
}

/// A choice's object (or pair) form.
#[derive(Deserialize)]
struct Labeled {
    label: String,
    value: String,
}

/// One input of a form. On the wire its own fields come first, then
/// `input` naming the kind and that kind's fields, as Loquat writes them
/// (the browser reads them in that order: `protocol/tag_first.rs`).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(not(target_arch = "wasm32"), derive(Deserialize))]
pub struct FormField {
    /// The key of its value in the answer (or the settings).
    pub id: String,
    pub label: String,
    /// Shown on hovering the info mark next to the label.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tooltip: Option<String>,
    /// Shown under the input.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(flatten)]
    pub input: FormInput,
}

#[cfg(target_arch = "wasm32")]
impl<'de> Deserialize<'de> for FormField {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(FormFieldVisitor)
    }
}

#[cfg(target_arch = "wasm32")]
struct FormFieldVisitor;

#[cfg(target_arch = "wasm32")]
impl<'de> serde::de::Visitor<'de> for FormFieldVisitor {
    type Value = FormField;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a form field")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<FormField, A::Error> {
        #[derive(Deserialize)]
        #[serde(rename_all = "snake_case")]
        enum Key {
            Id,
            Label,
            Tooltip,
            Description,
            Input,
            #[serde(other)]
            Other,
        }
        let (mut id, mut label, mut tooltip, mut description) = (None, None, None, None);
        while let Some(key) = map.next_key()? {
            match key {
                Key::Id => id = Some(map.next_value()?),
                Key::Label => label = Some(map.next_value()?),
                Key::Tooltip => tooltip = map.next_value()?,
                Key::Description => description = map.next_value()?,
                Key::Input => {
                    let input = FormInput::deserialize(RestOfObject(map))?;
                    return Ok(FormField {
                        id: id.ok_or_else(|| serde::de::Error::missing_field("id"))?,
                        label: label.ok_or_else(|| serde::de::Error::missing_field("label"))?,
                        tooltip,
                        description,
                        input,
                    });
                }
                Key::Other => {
                    map.next_value::<serde::de::IgnoredAny>()?;
                }
            }
        }
        Err(serde::de::Error::missing_field("input"))
    }
}

/// The kind of a form input, with its initial value. On the wire it is
/// flattened into its [`FormField`]: `"input": "<kind>"`, then its fields.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(target_arch = "wasm32", serde(remote = "Self"))]
#[cfg_attr(not(target_arch = "wasm32"), serde(tag = "input"))]
#[serde(rename_all = "snake_case")]
pub enum FormInput {
    Text {
        #[serde(default)]
        initial: String,
        #[serde(default)]
        placeholder: String,
        /// Several lines (a textarea).
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        multiline: bool,
    },
    Number {
        #[serde(default)]
        initial: Option<f64>,
        #[serde(default)]
        min: Option<f64>,
        #[serde(default)]
        max: Option<f64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        step: Option<f64>,
    },
    /// One of `options`, from a drop-down.
    Select {
        options: Vec<Choice>,
        #[serde(default)]
        initial: Option<String>,
    },
    /// One of `options`, as radio buttons.
    Radio {
        options: Vec<Choice>,
        #[serde(default)]
        initial: Option<String>,
    },
    /// Any of `options`.
    MultiSelect {
        options: Vec<Choice>,
        #[serde(default)]
        initial: Vec<String>,
    },
    Switch {
        #[serde(default)]
        initial: bool,
    },
    Checkbox {
        #[serde(default)]
        initial: bool,
    },
    Slider {
        min: f64,
        max: f64,
        #[serde(default = "one")]
        step: f64,
        #[serde(default)]
        initial: Option<f64>,
    },
    /// Free-form tags the user adds and removes.
    Tags {
        #[serde(default)]
        initial: Vec<String>,
    },
}

fn one() -> f64 {
    1.0
}

/// A number as JSON: whole numbers stay integers.
pub fn number_value(n: f64) -> Value {
    if n.fract() == 0.0 && n.abs() < 9.0e15 {
        Value::from(n as i64)
    } else {
        Value::from(n)
    }
}

fn strings(values: &[String]) -> Value {
    Value::Array(values.iter().cloned().map(Value::String).collect())
}

/// True when `n` is `min` plus a whole number of `step`s (within rounding).
fn on_step(n: f64, min: f64, step: f64) -> bool {
    if step <= 0.0 {
        return true;
    }
    let steps = (n - min) / step;
    (steps - steps.round()).abs() < 1e-6
}

fn tags_ok(value: &Value, allowed: Option<&[Choice]>) -> bool {
    let Some(items) = value.as_array() else {
        return false;
    };
    items.len() <= MAX_TAGS
        && items.iter().all(|item| match item.as_str() {
            Some(s) => match allowed {
                Some(options) => options.iter().any(|o| o.value == s),
                None => !s.trim().is_empty() && s.chars().count() <= MAX_TAG_CHARS,
            },
            None => false,
        })
}

#[cfg(target_arch = "wasm32")]
tagged_object!(FormInput, "input");

impl FormInput {
    /// The value the input starts with: its initial value, else the first
    /// option, the minimum, off or empty. An empty number is null.
    ///
    /// ```
    /// use loquat_app::protocol::FormInput;
    ///
    /// let slider = FormInput::Slider { min: 0.0, max: 2.0, step: 0.1, initial: Some(0.7) };
    /// assert_eq!(slider.initial_value(), serde_json::json!(0.7));
    /// ```
    pub fn initial_value(&self) -> Value {
        match self {
            FormInput::Text { initial, .. } => Value::String(initial.clone()),
            FormInput::Number { initial, .. } => initial.map(number_value).unwrap_or(Value::Null),
            FormInput::Select { initial, options } | FormInput::Radio { initial, options } => {
                initial
                    .clone()
                    .or_else(|| options.first().map(|o| o.value.clone()))
                    .map(Value::String)
                    .unwrap_or(Value::Null)
            }
            FormInput::MultiSelect { initial, .. } | FormInput::Tags { initial } => {
                strings(initial)
            }
            FormInput::Switch { initial } | FormInput::Checkbox { initial } => {
                Value::Bool(*initial)
            }
            FormInput::Slider { initial, min, .. } => number_value(initial.unwrap_or(*min)),
        }
    }

    /// True when the input can hold `value`: of its kind, one of its
    /// options, within its bounds and on its slider's steps, and no longer
    /// than the limits above. Null is accepted only by a number (empty).
    ///
    /// ```
    /// use loquat_app::protocol::FormInput;
    /// use serde_json::json;
    ///
    /// let slider = FormInput::Slider { min: 0.0, max: 2.0, step: 0.5, initial: None };
    /// assert!(slider.accepts(&json!(1.5)));
    /// assert!(!slider.accepts(&json!(3)));
    /// assert!(!slider.accepts(&json!(0.7)));
    /// ```
    pub fn accepts(&self, value: &Value) -> bool {
        match self {
            FormInput::Text { .. } => value
                .as_str()
                .is_some_and(|s| s.chars().count() <= MAX_TEXT_INPUT_CHARS),
            FormInput::Number { min, max, .. } => {
                value.is_null()
                    || value.as_f64().is_some_and(|n| {
                        n.is_finite() && min.is_none_or(|m| n >= m) && max.is_none_or(|m| n <= m)
                    })
            }
            FormInput::Select { options, .. } | FormInput::Radio { options, .. } => value
                .as_str()
                .is_some_and(|s| options.iter().any(|o| o.value == s)),
            FormInput::MultiSelect { options, .. } => tags_ok(value, Some(options)),
            FormInput::Tags { .. } => tags_ok(value, None),
            FormInput::Switch { .. } | FormInput::Checkbox { .. } => value.is_boolean(),
            FormInput::Slider { min, max, step, .. } => value
                .as_f64()
                .is_some_and(|n| n >= *min && n <= *max && on_step(n, *min, *step)),
        }
    }
}

/// Why a form's values were refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FormError {
    /// The value given for the field (by label) does not fit it.
    Invalid { label: String },
    /// The form has no field with this id.
    UnknownField(String),
}

impl std::fmt::Display for FormError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FormError::Invalid { label } => write!(f, "the value of {label:?} is not valid"),
            FormError::UnknownField(id) => write!(f, "there is no field {id:?}"),
        }
    }
}

impl std::error::Error for FormError {}

/// Checks every value given against its field: each names a field, and each
/// fits it. Fields left out are not checked (the caller decides what a
/// missing value means).
///
/// ```
/// use loquat_app::protocol::{check_values, FormError, FormField, FormInput};
///
/// let fields = vec![FormField {
///     id: "hd".into(),
///     label: "HD".into(),
///     tooltip: None,
///     description: None,
///     input: FormInput::Switch { initial: false },
/// }];
/// let ok = serde_json::json!({ "hd": true });
/// assert_eq!(check_values(&fields, ok.as_object().unwrap()), Ok(()));
/// let typo = serde_json::json!({ "hdd": true });
/// assert_eq!(
///     check_values(&fields, typo.as_object().unwrap()),
///     Err(FormError::UnknownField("hdd".into()))
/// );
/// ```
pub fn check_values<'a, F>(fields: F, values: &Map<String, Value>) -> Result<(), FormError>
where
    F: IntoIterator<Item = &'a FormField> + Clone,
{
    for (id, value) in values {
        let field = fields
            .clone()
            .into_iter()
            .find(|f| &f.id == id)
            .ok_or_else(|| FormError::UnknownField(id.clone()))?;
        if !field.input.accepts(value) {
            return Err(FormError::Invalid {
                label: field.label.clone(),
            });
        }
    }
    Ok(())
}

/// A condition the form's values must meet before it can be submitted.
/// Checked in the browser (to enable submit) and again on the server.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(target_arch = "wasm32", serde(remote = "Self"))]
#[cfg_attr(not(target_arch = "wasm32"), serde(tag = "rule"))]
#[serde(rename_all = "snake_case")]
pub enum FormRule {
    /// The field has a non-empty value.
    Required { field: String },
    /// A number field lies within `min..=max`.
    Range {
        field: String,
        #[serde(default)]
        min: Option<f64>,
        #[serde(default)]
        max: Option<f64>,
    },
    /// A switch is on.
    Checked { field: String },
}

#[cfg(target_arch = "wasm32")]
tagged_object!(FormRule, "rule");

impl FormRule {
    /// True when `values` meet the rule.
    pub fn holds(&self, values: &Map<String, Value>) -> bool {
        match self {
            FormRule::Required { field } => match values.get(field) {
                Some(Value::String(s)) => !s.trim().is_empty(),
                Some(Value::Array(items)) => !items.is_empty(),
                Some(Value::Null) | None => false,
                Some(_) => true,
            },
            FormRule::Range { field, min, max } => values
                .get(field)
                .and_then(|v| v.as_f64())
                .is_some_and(|n| min.is_none_or(|m| n >= m) && max.is_none_or(|m| n <= m)),
            FormRule::Checked { field } => {
                values.get(field).and_then(|v| v.as_bool()) == Some(true)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn each_input_accepts_its_own_kind_and_initial_value_only() {
        let options = vec![Choice::new("a"), Choice::labeled("Bee", "b")];
        let inputs = [
            (
                FormInput::Text {
                    initial: "hi".into(),
                    placeholder: String::new(),
                    multiline: false,
                },
                json!(3),
            ),
            (
                FormInput::Number {
                    initial: Some(2.0),
                    min: Some(0.0),
                    max: Some(5.0),
                    step: None,
                },
                json!(6),
            ),
            (
                FormInput::Select {
                    options: options.clone(),
                    initial: None,
                },
                json!("Bee"),
            ),
            (
                FormInput::Radio {
                    options: options.clone(),
                    initial: Some("b".into()),
                },
                json!("c"),
            ),
            (
                FormInput::MultiSelect {
                    options: options.clone(),
                    initial: vec!["a".into()],
                },
                json!(["a", "z"]),
            ),
            (FormInput::Switch { initial: true }, json!("true")),
            (FormInput::Checkbox { initial: false }, json!(1)),
            (
                FormInput::Slider {
                    min: 0.0,
                    max: 2.0,
                    step: 0.1,
                    initial: Some(0.7),
                },
                json!(2.05),
            ),
            (
                FormInput::Tags {
                    initial: vec!["x".into()],
                },
                json!(["ok", ""]),
            ),
        ];
        for (input, wrong) in inputs {
            assert!(input.accepts(&input.initial_value()), "{input:?}");
            assert!(!input.accepts(&wrong), "{input:?} took {wrong}");
        }
    }

    #[test]
    fn text_and_tags_are_bounded() {
        let text = FormInput::Text {
            initial: String::new(),
            placeholder: String::new(),
            multiline: true,
        };
        assert!(text.accepts(&json!("x".repeat(MAX_TEXT_INPUT_CHARS))));
        assert!(!text.accepts(&json!("x".repeat(MAX_TEXT_INPUT_CHARS + 1))));
        let tags = FormInput::Tags { initial: vec![] };
        let many: Vec<String> = (0..=MAX_TAGS).map(|i| i.to_string()).collect();
        assert!(!tags.accepts(&json!(many)));
        assert!(!tags.accepts(&json!(["y".repeat(MAX_TAG_CHARS + 1)])));
    }

    #[test]
    fn select_options_read_as_strings_or_label_value_pairs() {
        let input: FormInput = serde_json::from_value(json!({
            "input": "select",
            "options": ["a", {"label": "Bee", "value": "b"}],
        }))
        .expect("select");
        assert_eq!(
            input,
            FormInput::Select {
                options: vec![Choice::new("a"), Choice::labeled("Bee", "b")],
                initial: None,
            }
        );
        assert_eq!(input.initial_value(), json!("a"));
        let pair: Choice = serde_json::from_value(json!(["Bee", "b"])).expect("a pair");
        assert_eq!(pair, Choice::labeled("Bee", "b"));
        assert!(serde_json::from_value::<Choice>(json!(7)).is_err());
    }
}
