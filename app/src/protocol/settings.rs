//! Chat settings: a form the app declares (model, temperature, …) that the
//! user opens from the composer or the header, with the values it holds
//! now. Kept per thread and restored when the thread is resumed.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::{check_values, FormError, FormField};

/// The settings of one chat: the inputs, grouped in tabs, and their values.
///
/// ```
/// use loquat_app::protocol::{ChatSettings, FormField, FormInput, SettingsTab};
///
/// let settings = ChatSettings::new(vec![SettingsTab {
///     label: String::new(),
///     fields: vec![FormField {
///         id: "stream".into(),
///         label: "Stream tokens".into(),
///         tooltip: None,
///         description: None,
///         input: FormInput::Switch { initial: true },
///     }],
/// }]);
/// assert_eq!(settings.values["stream"], true);
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Default)]
pub struct ChatSettings {
    pub tabs: Vec<SettingsTab>,
    /// Every input's current value, by its id.
    #[serde(default)]
    pub values: Map<String, Value>,
}

/// A group of inputs; with one tab and no label, the panel shows no tabs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Default)]
pub struct SettingsTab {
    #[serde(default)]
    pub label: String,
    pub fields: Vec<FormField>,
}

/// Where the browser offers the settings (`[UI] chat_settings_location`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum SettingsLocation {
    /// A button in the composer opens them in a dialog.
    #[default]
    Composer,
    /// A button in the header opens them in a panel at the side.
    Sidebar,
}

impl ChatSettings {
    /// Settings with every input at its initial value.
    pub fn new(tabs: Vec<SettingsTab>) -> Self {
        let values = tabs
            .iter()
            .flat_map(|tab| &tab.fields)
            .map(|f| (f.id.clone(), f.input.initial_value()))
            .collect();
        ChatSettings { tabs, values }
    }

    /// Every input, tab after tab.
    pub fn fields(&self) -> impl Iterator<Item = &FormField> + Clone {
        self.tabs.iter().flat_map(|tab| tab.fields.iter())
    }

    /// Takes the earlier values that still fit (same id, accepted by the
    /// input as declared now); the others stay at their initial values.
    pub fn keep_values(&mut self, earlier: &Map<String, Value>) {
        let kept: Vec<(String, Value)> = self
            .fields()
            .filter_map(|f| {
                let value = earlier.get(&f.id)?;
                f.input
                    .accepts(value)
                    .then(|| (f.id.clone(), value.clone()))
            })
            .collect();
        self.values.extend(kept);
    }

    /// Applies the values the user saved, if every one names an input and
    /// fits it; inputs left out keep their values. On refusal nothing
    /// changes.
    ///
    /// ```
    /// use loquat_app::protocol::{ChatSettings, FormField, FormInput, SettingsTab};
    /// use serde_json::json;
    ///
    /// let mut settings = ChatSettings::new(vec![SettingsTab {
    ///     label: String::new(),
    ///     fields: vec![FormField {
    ///         id: "temperature".into(),
    ///         label: "Temperature".into(),
    ///         tooltip: None,
    ///         description: None,
    ///         input: FormInput::Slider { min: 0.0, max: 2.0, step: 0.1, initial: Some(1.0) },
    ///     }],
    /// }]);
    /// assert!(settings.update(json!({ "temperature": 5 }).as_object().unwrap()).is_err());
    /// assert_eq!(settings.values["temperature"], 1);
    /// settings.update(json!({ "temperature": 0.3 }).as_object().unwrap()).unwrap();
    /// assert_eq!(settings.values["temperature"], 0.3);
    /// ```
    pub fn update(&mut self, values: &Map<String, Value>) -> Result<(), FormError> {
        check_values(self.fields(), values)?;
        self.values
            .extend(values.iter().map(|(k, v)| (k.clone(), v.clone())));
        Ok(())
    }

    /// Checks the declaration itself: ids are unique and every initial
    /// value fits its input. Returns the first problem.
    pub fn problem(&self) -> Option<String> {
        let mut seen = std::collections::HashSet::new();
        for field in self.fields() {
            if field.id.is_empty() {
                return Some(format!("the input {:?} has no id", field.label));
            }
            if !seen.insert(field.id.as_str()) {
                return Some(format!("two inputs have the id {:?}", field.id));
            }
            if !field.input.accepts(&field.input.initial_value()) {
                return Some(format!(
                    "the initial value of {:?} does not fit it",
                    field.id
                ));
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::{Choice, FormInput};
    use serde_json::json;

    fn field(id: &str, input: FormInput) -> FormField {
        FormField {
            id: id.into(),
            label: id.into(),
            tooltip: None,
            description: None,
            input,
        }
    }

    fn sample() -> ChatSettings {
        ChatSettings::new(vec![
            SettingsTab {
                label: "Model".into(),
                fields: vec![field(
                    "model",
                    FormInput::Select {
                        options: vec![Choice::new("small"), Choice::new("large")],
                        initial: Some("small".into()),
                    },
                )],
            },
            SettingsTab {
                label: "Output".into(),
                fields: vec![field("stream", FormInput::Switch { initial: true })],
            },
        ])
    }

    #[test]
    fn values_start_at_their_initials_and_refused_updates_change_nothing() {
        let mut settings = sample();
        assert_eq!(
            settings.values,
            *json!({"model": "small", "stream": true})
                .as_object()
                .unwrap()
        );
        let before = settings.clone();
        let bad = json!({"model": "large", "stream": "yes"});
        assert!(settings.update(bad.as_object().unwrap()).is_err());
        assert_eq!(settings, before);
        let unknown = json!({"modle": "large"});
        assert_eq!(
            settings.update(unknown.as_object().unwrap()),
            Err(FormError::UnknownField("modle".into()))
        );
    }

    #[test]
    fn a_new_declaration_keeps_the_values_that_still_fit() {
        let mut settings = sample();
        let earlier = json!({"model": "huge", "stream": false, "gone": 1});
        settings.keep_values(earlier.as_object().unwrap());
        assert_eq!(settings.values["model"], "small");
        assert_eq!(settings.values["stream"], false);
        assert!(!settings.values.contains_key("gone"));
    }

    #[test]
    fn duplicate_ids_and_unfit_initials_are_problems() {
        let mut twice = sample();
        twice.tabs[1]
            .fields
            .push(field("model", FormInput::Checkbox { initial: false }));
        assert!(twice.problem().is_some_and(|p| p.contains("two inputs")));
        let unfit = ChatSettings::new(vec![SettingsTab {
            label: String::new(),
            fields: vec![field(
                "t",
                FormInput::Slider {
                    min: 0.0,
                    max: 1.0,
                    step: 0.5,
                    initial: Some(0.7),
                },
            )],
        }]);
        assert!(unfit.problem().is_some());
        assert_eq!(sample().problem(), None);
    }
}
