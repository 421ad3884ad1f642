//! The app's own look, read at run time (no rebuild: any binary linking
//! Loquat serves the same site): its logo and author avatars from its
//! `public/` directory, its layout, and — for the page's `<head>` only —
//! its theme, favicon, stylesheet and script.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// What the page body needs of the app's look (sent with the page).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Branding {
    /// The logo for a light page (`public/logo_light.*`, or `[UI] logo`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logo_light: Option<String>,
    /// The logo for a dark page (`public/logo_dark.*`; else the light one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logo_dark: Option<String>,
    /// Author avatars by [`avatar_key`]: `public/avatars/<author>.*`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub avatars: BTreeMap<String, String>,
    /// `public/avatars/default.*`: for authors without their own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_avatar: Option<String>,
    /// `[UI] layout = "wide"`: the chat uses the whole width.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub wide: bool,
    /// `[[UI.header_links]]`: links in the header (docs, support, …).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub header_links: Vec<HeaderLink>,
}

/// A link in the header (`[[UI.header_links]]`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct HeaderLink {
    /// Its text.
    pub name: String,
    /// Where it goes: a path on the site or an https:// URL.
    pub url: String,
    /// An image shown before the text (a path or an https:// URL).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub icon: Option<String>,
}

impl Branding {
    /// The avatar image of `author`, if the app has one for them (or a
    /// default one).
    ///
    /// ```
    /// use loquat_app::branding::Branding;
    ///
    /// let mut branding = Branding::default();
    /// branding.avatars.insert("tool_bot".into(), "/avatars/Tool_Bot.png".into());
    /// assert_eq!(branding.avatar_of("Tool Bot"), Some("/avatars/Tool_Bot.png"));
    /// assert_eq!(branding.avatar_of("Someone"), None);
    /// ```
    pub fn avatar_of(&self, author: &str) -> Option<&str> {
        self.avatars
            .get(&avatar_key(author))
            .or(self.default_avatar.as_ref())
            .map(String::as_str)
    }
}

/// How an author's name matches an avatar file: lower case, with every
/// character but letters and digits as `_` ("Tool Bot" → `tool_bot`, so
/// `public/avatars/tool_bot.png`).
pub fn avatar_key(author: &str) -> String {
    author
        .chars()
        .map(|c| {
            if c.is_alphanumeric() {
                c.to_lowercase().next().unwrap_or(c)
            } else {
                '_'
            }
        })
        .collect()
}

/// What the page's `<head>` carries of the app's look (server render
/// only, provided in context).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct PageHead {
    /// The favicon's URL.
    pub favicon: String,
    /// `public/theme.json` as CSS: its variables for light and dark.
    pub theme_css: Option<String>,
    /// Stylesheets after Loquat's: the theme's fonts, then `[UI] custom_css`.
    pub stylesheets: Vec<String>,
    /// `[UI] custom_js`, with its attributes (`defer`, `type=module`, …).
    pub script: Option<CustomScript>,
    /// `[UI] default_theme`: "light" or "dark" until the user picks one
    /// (none: follow the system).
    pub default_theme: Option<String>,
    /// `[UI] login_page_image`: shown beside the sign-in form.
    pub login_image: Option<String>,
}

/// A script of the app's own.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct CustomScript {
    pub src: String,
    /// Attributes with their values, if any (`defer`, `type` = `module`).
    pub attributes: Vec<(String, Option<String>)>,
}
