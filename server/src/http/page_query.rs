//! What a page's address may change about how it shows, for the copilot
//! widget (which sets them from `mountLoquatWidget`'s options) or any page
//! that frames the app:
//!
//! - `copilot=1`: the widget's page (no history sidebar, no sign-out);
//! - `theme=light|dark`: the theme until the user picks one;
//! - `lang=<tag>`: the language, before the browser's `Accept-Language`
//!   (unless `[UI] language` forces one);
//! - `cot=tool_call|hidden`: fewer steps than the app shows, never more.
//!
//! Anything else, or a value out of these, is ignored: none of them is a
//! permission, and the steps a page hides are still the user's own.

use loquat_app::protocol::Cot;

/// The page options an address asks for.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct PageQuery {
    pub(crate) copilot: bool,
    pub(crate) theme: Option<&'static str>,
    pub(crate) lang: Option<String>,
    pub(crate) cot: Option<Cot>,
}

/// Longest language tag taken from an address.
const MAX_LANG_BYTES: usize = 35;

impl PageQuery {
    /// The options of a URI's query (`None`: no query).
    pub(crate) fn parse(query: Option<&str>) -> PageQuery {
        let mut page = PageQuery::default();
        for pair in query.unwrap_or_default().split('&') {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            match key {
                "copilot" => page.copilot = value == "1",
                "theme" => {
                    page.theme = match value {
                        "light" => Some("light"),
                        "dark" => Some("dark"),
                        _ => None,
                    }
                }
                "lang"
                    if value.len() <= MAX_LANG_BYTES
                        && !value.is_empty()
                        && value
                            .bytes()
                            .all(|b| b.is_ascii_alphanumeric() || b == b'-') =>
                {
                    page.lang = Some(value.to_string());
                }
                "cot" => {
                    page.cot = Cot::ALL.into_iter().find(|cot| cot.as_str() == value);
                }
                _ => {}
            }
        }
        page
    }

    /// The chain of thought to show: the app's, or the address's when it
    /// shows less.
    pub(crate) fn narrow_cot(&self, app: Cot) -> Cot {
        let rank = |cot: Cot| match cot {
            Cot::Full => 0,
            Cot::ToolCall => 1,
            Cot::Hidden => 2,
        };
        match self.cot {
            Some(asked) if rank(asked) > rank(app) => asked,
            _ => app,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_options_are_read_and_the_rest_ignored() {
        let page = PageQuery::parse(Some("copilot=1&theme=dark&lang=fr-FR&cot=hidden&x=1"));
        assert_eq!(
            page,
            PageQuery {
                copilot: true,
                theme: Some("dark"),
                lang: Some("fr-FR".into()),
                cot: Some(Cot::Hidden),
            }
        );
        assert_eq!(PageQuery::parse(None), PageQuery::default());
        let odd = PageQuery::parse(Some("copilot=yes&theme=pink&lang=<b>&cot=all"));
        assert_eq!(odd, PageQuery::default());
        let long = format!("lang={}", "a".repeat(MAX_LANG_BYTES + 1));
        assert_eq!(PageQuery::parse(Some(&long)).lang, None);
    }

    #[test]
    fn an_address_shows_fewer_steps_never_more() {
        let hide = PageQuery::parse(Some("cot=hidden"));
        assert_eq!(hide.narrow_cot(Cot::Full), Cot::Hidden);
        let more = PageQuery::parse(Some("cot=full"));
        assert_eq!(more.narrow_cot(Cot::ToolCall), Cot::ToolCall);
        assert_eq!(more.narrow_cot(Cot::Hidden), Cot::Hidden);
        assert_eq!(
            PageQuery::default().narrow_cot(Cot::ToolCall),
            Cot::ToolCall
        );
    }
}
