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
///
/// Code that runs outside the component tree — after an `await`, in a
/// callback of the browser — takes it with [`i18n`] while the component is
/// built, and looks its strings up later.
#[derive(Clone, Debug, Default)]
pub struct I18n(pub Arc<Translations>);

impl I18n {
    /// The text of `key` (see [`Translations::get`]).
    pub fn t(&self, key: &str) -> String {
        self.0.get(key).to_string()
    }

    /// [`I18n::t`] with `{name}` placeholders filled in.
    ///
    /// ```
    /// use loquat_app::i18n::{I18n, Translations};
    /// let mut tr = Translations::default();
    /// tr.strings.insert("feed.show_earlier".into(), "Show earlier ({count})".into());
    /// let i18n = I18n(tr.into());
    /// assert_eq!(i18n.t_with("feed.show_earlier", &[("count", "3")]), "Show earlier (3)");
    /// ```
    pub fn t_with(&self, key: &str, values: &[(&str, &str)]) -> String {
        let mut text = self.t(key);
        for (name, value) in values {
            text = text.replace(&format!("{{{name}}}"), value);
        }
        text
    }
}

/// The page's strings (English keys only, outside an app).
pub fn i18n() -> I18n {
    leptos::prelude::use_context::<I18n>().unwrap_or_default()
}

/// The text of `key` in the page's language.
pub fn t(key: &str) -> String {
    i18n().t(key)
}

/// [`t`] with `{name}` placeholders filled in.
pub fn t_with(key: &str, values: &[(&str, &str)]) -> String {
    i18n().t_with(key, values)
}
