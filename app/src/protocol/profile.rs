//! Chat profiles: the assistants a user can pick from in the header (a
//! support chat, a sales chat, …), each with its own description,
//! starters and changes to the app's settings.

use serde::{Deserialize, Serialize};

use super::Starter;

/// One assistant the user can pick. Picking another starts a new chat with
/// it; the chat keeps its profile (and is tagged with it, with `[features]
/// auto_tag_thread`).
///
/// ```
/// use loquat_app::protocol::{ChatProfile, Starter};
///
/// let support = ChatProfile::new("Support")
///     .description("Answers questions about **your order**.")
///     .icon("/public/support.svg")
///     .default()
///     .starter(Starter::new("Where is my order?", "Where is my order?"))
///     .app_name("Support desk");
/// assert!(support.default && support.overrides.name.is_some());
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct ChatProfile {
    pub name: String,
    /// Markdown, shown in the picker.
    #[serde(default)]
    pub description: String,
    /// An image URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub icon: Option<String>,
    /// Picked when the user has not picked one (else the first is).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub default: bool,
    /// Its own starters; without any, the app's `starters` hook gives them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub starters: Vec<Starter>,
    #[serde(default, skip_serializing_if = "ProfileOverrides::is_empty")]
    pub overrides: ProfileOverrides,
}

/// What a profile changes of the app's settings while it is picked.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct ProfileOverrides {
    /// The assistant's name (`[UI] name`): title, header, message author.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The app's description (`[UI] description`), shown on the empty chat.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// `[features] edit_message`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub edit_message: Option<bool>,
    /// `[features] feedback`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub feedback: Option<bool>,
}

impl ProfileOverrides {
    pub fn is_empty(&self) -> bool {
        *self == ProfileOverrides::default()
    }
}

impl ChatProfile {
    pub fn new(name: impl Into<String>) -> Self {
        ChatProfile {
            name: name.into(),
            ..Default::default()
        }
    }

    /// What the picker says of it (markdown).
    pub fn description(mut self, markdown: impl Into<String>) -> Self {
        self.description = markdown.into();
        self
    }

    /// An image shown with its name (a URL or a path under `/public/`).
    pub fn icon(mut self, url: impl Into<String>) -> Self {
        self.icon = Some(url.into());
        self
    }

    /// Picked when the user has not picked one.
    pub fn default(mut self) -> Self {
        self.default = true;
        self
    }

    /// Adds one of its own starters.
    pub fn starter(mut self, starter: Starter) -> Self {
        self.starters.push(starter);
        self
    }

    /// The assistant's name while this profile is picked.
    pub fn app_name(mut self, name: impl Into<String>) -> Self {
        self.overrides.name = Some(name.into());
        self
    }

    /// The app's description while this profile is picked.
    pub fn app_description(mut self, text: impl Into<String>) -> Self {
        self.overrides.description = Some(text.into());
        self
    }

    /// Turns editing earlier messages on or off for this profile.
    pub fn edit_message(mut self, on: bool) -> Self {
        self.overrides.edit_message = Some(on);
        self
    }

    /// Turns feedback on replies on or off for this profile.
    pub fn feedback(mut self, on: bool) -> Self {
        self.overrides.feedback = Some(on);
        self
    }
}

/// The profile a chat gets: the one named `wanted` if offered, else the
/// default one, else the first.
///
/// ```
/// use loquat_app::protocol::{pick_profile, ChatProfile};
///
/// let offered = vec![ChatProfile::new("A"), ChatProfile::new("B").default()];
/// assert_eq!(pick_profile(&offered, Some("A")).map(|p| p.name.as_str()), Some("A"));
/// assert_eq!(pick_profile(&offered, Some("Z")).map(|p| p.name.as_str()), Some("B"));
/// assert_eq!(pick_profile(&offered, None).map(|p| p.name.as_str()), Some("B"));
/// assert!(pick_profile(&[], Some("A")).is_none());
/// ```
pub fn pick_profile<'a>(
    offered: &'a [ChatProfile],
    wanted: Option<&str>,
) -> Option<&'a ChatProfile> {
    wanted
        .and_then(|name| offered.iter().find(|p| p.name == name))
        .or_else(|| offered.iter().find(|p| p.default))
        .or_else(|| offered.first())
}
