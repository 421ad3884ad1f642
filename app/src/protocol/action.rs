use serde::{Deserialize, Serialize};

/// A button on a message. Clicking it runs the app's callback registered
/// for `name`, with this action (its payload as the server stored it; the
/// browser only names which action was clicked).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Default)]
pub struct Action {
    pub id: String,
    /// Which callback runs.
    pub name: String,
    /// Data for the callback.
    #[serde(default, skip_serializing_if = "serde_json::Value::is_null")]
    pub payload: serde_json::Value,
    /// The button's text.
    #[serde(default)]
    pub label: String,
    /// An icon shown before the label: `plus`, `copy`, `search`, `edit`,
    /// `refresh`, `undo`, `trash`, `download`, `upload`, `attach`, `close`,
    /// `heart`, `thumbs-up`, `thumbs-down` or `star` (other names show the
    /// label alone).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub icon: Option<String>,
    /// Shown on hover.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tooltip: Option<String>,
}

impl Action {
    /// An action running the callback registered for `name`; its label is
    /// the name until [`Action::label`] sets one.
    pub fn new(name: impl Into<String>) -> Self {
        let name = name.into();
        Action {
            label: name.clone(),
            name,
            ..Default::default()
        }
    }

    /// Data handed to the callback.
    pub fn payload(mut self, payload: serde_json::Value) -> Self {
        self.payload = payload;
        self
    }

    /// The button's text.
    pub fn label(mut self, label: impl Into<String>) -> Self {
        self.label = label.into();
        self
    }

    /// An icon shown before the label (see [`Action::icon`]'s field).
    pub fn icon(mut self, icon: impl Into<String>) -> Self {
        self.icon = Some(icon.into());
        self
    }

    /// Text shown on hover.
    pub fn tooltip(mut self, tooltip: impl Into<String>) -> Self {
        self.tooltip = Some(tooltip.into());
        self
    }
}
