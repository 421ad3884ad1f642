//! How markdown is rendered on a page: what the app allows and the words of
//! the code blocks' copy button, in the page's language.

/// The settings markdown is rendered with.
///
/// ```
/// use loquat_app::markdown::Markdown;
///
/// let plain = Markdown::default();
/// assert!(plain.render("costs $5 or $6").contains("$5"));
///
/// let math = Markdown { latex: true, ..Markdown::default() };
/// assert!(math.render("Euler: $e^{i\\pi} + 1 = 0$").contains("<math"));
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Markdown {
    /// Raw HTML in the text is kept (`[features] unsafe_allow_html`);
    /// otherwise it shows as text.
    pub allow_html: bool,
    /// `$…$` and `$$…$$` are math (`[features] latex`).
    pub latex: bool,
    /// The copy button of code blocks.
    pub copy: String,
    /// Its tooltip.
    pub copy_title: String,
    /// What it says once clicked.
    pub copied: String,
}

impl Default for Markdown {
    fn default() -> Self {
        Markdown {
            allow_html: false,
            latex: false,
            copy: "Copy".to_string(),
            copy_title: "Copy code".to_string(),
            copied: "Copied".to_string(),
        }
    }
}

impl Markdown {
    /// The same, with raw HTML shown as text whatever the app allows: for
    /// the app's own texts (welcome, footers, elements, profiles).
    pub fn without_html(self) -> Self {
        Markdown {
            allow_html: false,
            ..self
        }
    }

    /// The copy button's words from `translations`.
    pub fn translated(mut self, translations: &crate::i18n::Translations) -> Self {
        self.copy = translations.get("markdown.copy").to_string();
        self.copy_title = translations.get("markdown.copy_title").to_string();
        self.copied = translations.get("markdown.copied").to_string();
        self
    }
}

/// The page's markdown settings: the app's `[features]` and the page's
/// language, as the app's root provides them (else the defaults).
pub fn for_page() -> Markdown {
    leptos::prelude::use_context::<std::sync::Arc<Markdown>>()
        .map(|markdown| Markdown::clone(&markdown))
        .unwrap_or_default()
}
