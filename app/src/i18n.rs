//! The interface's strings in the user's language.
//!
//! The server picks the language of each page (from `Accept-Language`, or
//! `[UI] language`) and sends its strings with the page's settings, already
//! merged over the English ones, so the browser carries no table of its
//! own: [`t`] looks a key up in what the page brought.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

/// The strings of one language, flattened: `composer.send` → `Send`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Translations {
    /// The language's tag (`en-US`, `ar-SA`): the page's `lang`.
    pub lang: String,
    /// Written right to left: the page's `dir="rtl"`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub rtl: bool,
    pub strings: BTreeMap<String, String>,
}

impl Default for Translations {
    fn default() -> Self {
        Translations {
            lang: "en-US".into(),
            rtl: false,
            strings: BTreeMap::new(),
        }
    }
}

impl Translations {
    /// The text of `key`, or the key itself when no file has it (so a
    /// missing string is visible, and `loquat lint-translations` names it).
    ///
    /// ```
    /// use loquat_app::i18n::Translations;
    /// let mut tr = Translations::default();
    /// tr.strings.insert("composer.send".into(), "Envoyer".into());
    /// assert_eq!(tr.get("composer.send"), "Envoyer");
    /// assert_eq!(tr.get("composer.stop"), "composer.stop");
    /// ```
    pub fn get<'a>(&'a self, key: &'a str) -> &'a str {
        self.strings.get(key).map(String::as_str).unwrap_or(key)
    }

    /// The page's `dir` attribute.
    pub fn dir(&self) -> &'static str {
        if self.rtl {
            "rtl"
        } else {
            "ltr"
        }
    }
}

/// The page's strings, in context (cheap to clone).
#[derive(Clone, Debug, Default)]
pub struct I18n(pub Arc<Translations>);

/// The text of `key` in the page's language.
pub fn t(key: &str) -> String {
    match leptos::prelude::use_context::<I18n>() {
        Some(i18n) => i18n.0.get(key).to_string(),
        None => key.to_string(),
    }
}

/// [`t`] with `{name}` placeholders filled in.
pub fn t_with(key: &str, values: &[(&str, &str)]) -> String {
    let mut text = t(key);
    for (name, value) in values {
        text = text.replace(&format!("{{{name}}}"), value);
    }
    text
}
