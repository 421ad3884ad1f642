//! Chat settings: the form the app declares with [`Chat::set_settings`],
//! the inputs it is made of ([`Input`], also usable in
//! [`Chat::ask_form`](crate::Chat::ask_form)), and the values the user saved
//! ([`SettingsValues`]), readable into the app's own serde struct.
//!
//! ```no_run
//! use loquat::{ChatSettings, Input};
//!
//! #[derive(serde::Deserialize)]
//! struct Tuning {
//!     model: String,
//!     temperature: f64,
//! }
//!
//! # async fn demo(chat: loquat::Chat) -> Result<(), loquat::BoxError> {
//! chat.set_settings(
//!     ChatSettings::new()
//!         .input(Input::select("model", "Model", ["small", "large"]))
//!         .input(Input::slider("temperature", "Temperature", 0.0, 2.0).step(0.1).initial(0.7)),
//! )
//! .await?;
//! let tuning: Tuning = chat.settings()?;
//! assert_eq!(tuning.model, "small");
//! # Ok(()) }
//! ```

use loquat_app::protocol::{self, Choice, FormField, FormInput, SettingsTab};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use super::Chat;
use crate::error::ChatError;

/// One input of a settings form or of a question's form: built with one of
/// the constructors, then shaped with the modifiers.
///
/// ```
/// use loquat::Input;
///
/// let input = Input::slider("temperature", "Temperature", 0.0, 2.0)
///     .step(0.1)
///     .initial(0.7)
///     .tooltip("Higher is more varied")
///     .description("How freely the model picks its words.");
/// assert_eq!(input.id(), "temperature");
/// ```
#[derive(Clone, Debug, PartialEq)]
#[must_use]
pub struct Input {
    field: FormField,
    /// An initial value that does not fit the input (caught when the form
    /// is declared, with the input's id).
    unfit: bool,
}

impl Input {
    fn new(id: impl Into<String>, label: impl Into<String>, input: FormInput) -> Self {
        Input {
            field: FormField {
                id: id.into(),
                label: label.into(),
                tooltip: None,
                description: None,
                input,
            },
            unfit: false,
        }
    }

    /// A one-line text box.
    pub fn text(id: impl Into<String>, label: impl Into<String>) -> Self {
        Input::new(
            id,
            label,
            FormInput::Text {
                initial: String::new(),
                placeholder: String::new(),
                multiline: false,
            },
        )
    }

    /// A text box of several lines.
    pub fn text_area(id: impl Into<String>, label: impl Into<String>) -> Self {
        Input::new(
            id,
            label,
            FormInput::Text {
                initial: String::new(),
                placeholder: String::new(),
                multiline: true,
            },
        )
    }

    /// A number, optionally bounded with [`Input::min`] and [`Input::max`].
    pub fn number(id: impl Into<String>, label: impl Into<String>) -> Self {
        Input::new(
            id,
            label,
            FormInput::Number {
                initial: None,
                min: None,
                max: None,
                step: None,
            },
        )
    }

    /// A drop-down of `options`: strings, or [`Choice::labeled`] pairs
    /// showing a label for a value. Starts at the first option.
    pub fn select<I, C>(id: impl Into<String>, label: impl Into<String>, options: I) -> Self
    where
        I: IntoIterator<Item = C>,
        C: Into<Choice>,
    {
        let options = options.into_iter().map(Into::into).collect();
        Input::new(
            id,
            label,
            FormInput::Select {
                options,
                initial: None,
            },
        )
    }

    /// Radio buttons for `options` (one is picked).
    pub fn radio<I, C>(id: impl Into<String>, label: impl Into<String>, options: I) -> Self
    where
        I: IntoIterator<Item = C>,
        C: Into<Choice>,
    {
        let options = options.into_iter().map(Into::into).collect();
        Input::new(
            id,
            label,
            FormInput::Radio {
                options,
                initial: None,
            },
        )
    }

    /// Any number of `options`; its value is the list of values picked.
    pub fn multi_select<I, C>(id: impl Into<String>, label: impl Into<String>, options: I) -> Self
    where
        I: IntoIterator<Item = C>,
        C: Into<Choice>,
    {
        let options = options.into_iter().map(Into::into).collect();
        Input::new(
            id,
            label,
            FormInput::MultiSelect {
                options,
                initial: Vec::new(),
            },
        )
    }

    /// An on/off switch (off unless [`Input::initial`] says otherwise).
    pub fn switch(id: impl Into<String>, label: impl Into<String>) -> Self {
        Input::new(id, label, FormInput::Switch { initial: false })
    }

    /// A checkbox.
    pub fn checkbox(id: impl Into<String>, label: impl Into<String>) -> Self {
        Input::new(id, label, FormInput::Checkbox { initial: false })
    }

    /// A slider over `min..=max`, in steps of 1 unless [`Input::step`]
    /// says otherwise; starts at `min`.
    pub fn slider(id: impl Into<String>, label: impl Into<String>, min: f64, max: f64) -> Self {
        Input::new(
            id,
            label,
            FormInput::Slider {
                min,
                max,
                step: 1.0,
                initial: None,
            },
        )
    }

    /// Free-form tags the user adds and removes (a list of strings).
    pub fn tags(id: impl Into<String>, label: impl Into<String>) -> Self {
        Input::new(
            id,
            label,
            FormInput::Tags {
                initial: Vec::new(),
            },
        )
    }

    /// The id the value is found under.
    pub fn id(&self) -> &str {
        &self.field.id
    }

    /// The value the input starts with, of its kind: a string for text,
    /// select and radio (an option's value); a number for number and
    /// slider; a bool for switch and checkbox; a list of strings for tags
    /// and multi-select. A value of another kind makes the declaration
    /// fail with [`ChatError::InvalidForm`].
    pub fn initial(mut self, value: impl Into<Value>) -> Self {
        let value = value.into();
        let fits = match &mut self.field.input {
            FormInput::Text { initial, .. } => value.as_str().map(|s| *initial = s.to_string()),
            FormInput::Number { initial, .. } => value.as_f64().map(|n| *initial = Some(n)),
            FormInput::Slider { initial, .. } => value.as_f64().map(|n| *initial = Some(n)),
            FormInput::Select { initial, .. } | FormInput::Radio { initial, .. } => {
                value.as_str().map(|s| *initial = Some(s.to_string()))
            }
            FormInput::Switch { initial } | FormInput::Checkbox { initial } => {
                value.as_bool().map(|b| *initial = b)
            }
            FormInput::MultiSelect { initial, .. } | FormInput::Tags { initial } => value
                .as_array()
                .and_then(|items| {
                    items
                        .iter()
                        .map(|v| v.as_str().map(str::to_string))
                        .collect::<Option<Vec<_>>>()
                })
                .map(|items| *initial = items),
        };
        self.unfit |= fits.is_none();
        self
    }

    /// The text shown in an empty text box.
    pub fn placeholder(mut self, text: impl Into<String>) -> Self {
        if let FormInput::Text { placeholder, .. } = &mut self.field.input {
            *placeholder = text.into();
        }
        self
    }

    /// The step of a slider or a number.
    pub fn step(mut self, by: f64) -> Self {
        match &mut self.field.input {
            FormInput::Slider { step, .. } => *step = by,
            FormInput::Number { step, .. } => *step = Some(by),
            _ => {}
        }
        self
    }

    /// The least value of a number.
    pub fn min(mut self, least: f64) -> Self {
        if let FormInput::Number { min, .. } = &mut self.field.input {
            *min = Some(least);
        }
        self
    }

    /// The greatest value of a number.
    pub fn max(mut self, most: f64) -> Self {
        if let FormInput::Number { max, .. } = &mut self.field.input {
            *max = Some(most);
        }
        self
    }

    /// Shown on hovering the info mark next to the label.
    pub fn tooltip(mut self, text: impl Into<String>) -> Self {
        self.field.tooltip = Some(text.into());
        self
    }

    /// Shown under the input.
    pub fn description(mut self, text: impl Into<String>) -> Self {
        self.field.description = Some(text.into());
        self
    }

    /// The input as it travels, or why its initial value does not fit.
    pub(crate) fn into_field(self) -> Result<FormField, ChatError> {
        if self.unfit || !self.field.input.accepts(&self.field.input.initial_value()) {
            return Err(ChatError::InvalidForm(format!(
                "the initial value of {:?} does not fit the input",
                self.field.id
            )));
        }
        Ok(self.field)
    }
}

/// The settings form of a chat: inputs, optionally grouped in tabs. Inputs
/// added after [`ChatSettings::tab`] belong to that tab.
///
/// ```
/// use loquat::{ChatSettings, Input};
///
/// let settings = ChatSettings::new()
///     .tab("Model")
///     .input(Input::select("model", "Model", ["small", "large"]))
///     .tab("Output")
///     .input(Input::switch("stream", "Stream tokens").initial(true));
/// assert_eq!(settings.len(), 2);
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
#[must_use]
pub struct ChatSettings {
    tabs: Vec<(String, Vec<Input>)>,
}

impl ChatSettings {
    /// An empty form.
    pub fn new() -> Self {
        ChatSettings::default()
    }

    /// Starts a tab: the inputs added next are in it.
    pub fn tab(mut self, label: impl Into<String>) -> Self {
        self.tabs.push((label.into(), Vec::new()));
        self
    }

    /// Adds an input (to the last tab started, if any).
    pub fn input(mut self, input: Input) -> Self {
        match self.tabs.last_mut() {
            Some((_, inputs)) => inputs.push(input),
            None => self.tabs.push((String::new(), vec![input])),
        }
        self
    }

    /// How many inputs the form has.
    pub fn len(&self) -> usize {
        self.tabs.iter().map(|(_, inputs)| inputs.len()).sum()
    }

    /// True when the form has no inputs.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The form as it travels, every input at its initial value; refused
    /// when an id is empty or used twice, or an initial value does not fit.
    pub(crate) fn declare(self) -> Result<protocol::ChatSettings, ChatError> {
        let mut tabs = Vec::with_capacity(self.tabs.len());
        for (label, inputs) in self.tabs {
            let fields = inputs
                .into_iter()
                .map(Input::into_field)
                .collect::<Result<Vec<_>, _>>()?;
            tabs.push(SettingsTab { label, fields });
        }
        let settings = protocol::ChatSettings::new(tabs);
        match settings.problem() {
            Some(problem) => Err(ChatError::InvalidForm(problem)),
            None => Ok(settings),
        }
    }
}

/// The values of a chat's settings, by input id: what the user saved, or
/// the initial values. Read one with [`SettingsValues::get`], or all of
/// them into the app's own struct with [`SettingsValues::parse`].
///
/// ```
/// use loquat::SettingsValues;
///
/// #[derive(serde::Deserialize)]
/// struct Tuning {
///     temperature: f64,
/// }
///
/// let values = SettingsValues::new(
///     loquat::json!({ "temperature": 0.7 }).as_object().cloned().unwrap_or_default(),
/// );
/// let tuning: Tuning = values.parse().unwrap();
/// assert_eq!(tuning.temperature, 0.7);
/// assert_eq!(values.get::<f64>("temperature"), Some(0.7));
/// assert!(values.parse::<std::collections::HashMap<String, bool>>().is_err());
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SettingsValues(Map<String, Value>);

impl SettingsValues {
    pub fn new(values: Map<String, Value>) -> Self {
        SettingsValues(values)
    }

    /// One value, if the input exists and its value reads as `T`.
    pub fn get<T: DeserializeOwned>(&self, id: &str) -> Option<T> {
        serde_json::from_value(self.0.get(id)?.clone()).ok()
    }

    /// Every value, read into `T` (a struct whose fields are the input
    /// ids, say). Fails naming the field that is missing or of another
    /// kind.
    pub fn parse<T: DeserializeOwned>(&self) -> Result<T, ChatError> {
        serde_json::from_value(Value::Object(self.0.clone()))
            .map_err(|err| ChatError::SettingsType(err.to_string()))
    }

    /// The values as JSON.
    pub fn as_map(&self) -> &Map<String, Value> {
        &self.0
    }

    /// True when the chat has no settings.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl Chat {
    /// Declares (or replaces) the chat's settings: a button opens them in
    /// the browser (`[UI] chat_settings_location`), and saving runs
    /// [`Loquat::on_settings_update`](crate::Loquat::on_settings_update).
    /// Values saved earlier in this thread that still fit their input are
    /// kept (so a resumed thread keeps the user's choices); the others
    /// start at their initial values. Returns the values now in force.
    ///
    /// ```no_run
    /// # async fn demo(chat: loquat::Chat) -> Result<(), loquat::BoxError> {
    /// use loquat::{ChatSettings, Input};
    /// let values = chat
    ///     .set_settings(ChatSettings::new().input(Input::switch("stream", "Stream").initial(true)))
    ///     .await?;
    /// assert_eq!(values.get::<bool>("stream"), Some(true));
    /// # Ok(()) }
    /// ```
    pub async fn set_settings(&self, settings: ChatSettings) -> Result<SettingsValues, ChatError> {
        let mut declared = settings.declare()?;
        if let Some(earlier) = self.session().settings() {
            declared.keep_values(&earlier.values);
        }
        let values = SettingsValues::new(declared.values.clone());
        self.session().set_settings(Some(declared))?;
        Ok(values)
    }

    /// Removes the chat's settings (the button goes away).
    pub async fn clear_settings(&self) -> Result<(), ChatError> {
        self.session().set_settings(None)
    }

    /// The settings' values now, read into the app's own type.
    ///
    /// ```no_run
    /// # async fn demo(chat: loquat::Chat) -> Result<(), loquat::BoxError> {
    /// #[derive(serde::Deserialize)]
    /// struct Tuning { temperature: f64 }
    /// let tuning: Tuning = chat.settings()?;
    /// # let _ = tuning.temperature; Ok(()) }
    /// ```
    pub fn settings<T: DeserializeOwned>(&self) -> Result<T, ChatError> {
        self.settings_values().parse()
    }

    /// The settings' values now (empty when the chat has none).
    pub fn settings_values(&self) -> SettingsValues {
        SettingsValues::new(
            self.session()
                .settings()
                .map(|s| s.values)
                .unwrap_or_default(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_form_is_declared_with_its_initial_values_in_tabs() {
        let declared = ChatSettings::new()
            .input(Input::text("name", "Name").initial("Ada"))
            .tab("Model")
            .input(Input::select(
                "model",
                "Model",
                [Choice::labeled("Small", "s"), Choice::labeled("Large", "l")],
            ))
            .input(Input::tags("stop", "Stop words").initial(vec!["Answer:"]))
            .declare()
            .expect("declared");
        assert_eq!(declared.tabs.len(), 2);
        assert_eq!(declared.tabs[0].label, "");
        assert_eq!(declared.tabs[1].label, "Model");
        assert_eq!(
            Value::Object(declared.values),
            serde_json::json!({ "name": "Ada", "model": "s", "stop": ["Answer:"] })
        );
    }

    #[test]
    fn unfit_initials_and_duplicate_ids_are_refused_with_the_input_named() {
        let unfit = ChatSettings::new()
            .input(Input::switch("hd", "HD").initial("yes"))
            .declare();
        assert!(matches!(unfit, Err(ChatError::InvalidForm(why)) if why.contains("\"hd\"")));
        let out_of_range = ChatSettings::new()
            .input(Input::slider("t", "T", 0.0, 1.0).initial(3))
            .declare();
        assert!(out_of_range.is_err());
        let not_an_option = ChatSettings::new()
            .input(Input::select("m", "M", ["a"]).initial("b"))
            .declare();
        assert!(not_an_option.is_err());
        let twice = ChatSettings::new()
            .input(Input::checkbox("x", "X"))
            .input(Input::switch("x", "Y"))
            .declare();
        assert!(matches!(twice, Err(ChatError::InvalidForm(why)) if why.contains("two inputs")));
    }

    #[test]
    fn values_read_into_a_struct_name_the_field_that_does_not_fit() {
        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code)]
        struct Tuning {
            temperature: f64,
            model: String,
        }
        let values = SettingsValues::new(
            serde_json::json!({ "temperature": "hot", "model": "s" })
                .as_object()
                .cloned()
                .unwrap_or_default(),
        );
        let err = values.parse::<Tuning>().expect_err("a string is no f64");
        assert!(err.to_string().contains("settings"), "{err}");
        let missing = SettingsValues::new(Map::new()).parse::<Tuning>();
        assert!(
            matches!(missing, Err(ChatError::SettingsType(why)) if why.contains("temperature"))
        );
    }
}
