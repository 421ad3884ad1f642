//! Which language a page is shown in: the browser's preferences
//! (`Accept-Language`), tried in order of their quality, each the way
//! Chainlit does it: the exact language, its parent (`fr` for `fr-CA`),
//! a regional variant of it (`fr-FR` for `fr-CA`); then `en-US`.

/// The language used when nothing else fits; its file is the reference
/// the others are checked against.
pub const DEFAULT_LANGUAGE: &str = "en-US";

/// Longest `Accept-Language` value looked at; a longer one is cut there.
const MAX_HEADER: usize = 1024;
/// Most preferences looked at.
const MAX_PREFERENCES: usize = 16;

/// The tags of `header`, best first (ties keep their order; `q=0` and `*`
/// are left out).
pub fn preferences(header: &str) -> Vec<String> {
    let header = match header.char_indices().nth(MAX_HEADER) {
        Some((end, _)) => &header[..end],
        None => header,
    };
    let mut tags: Vec<(String, f32)> = header
        .split(',')
        .take(MAX_PREFERENCES)
        .filter_map(|item| {
            let mut parts = item.split(';');
            let tag = parts.next()?.trim();
            let quality = parts
                .find_map(|p| p.trim().strip_prefix("q="))
                .map_or(Some(1.0), |q| q.trim().parse::<f32>().ok())?;
            let valid = !tag.is_empty()
                && tag.len() <= 35
                && tag.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
            (valid && quality > 0.0).then(|| (tag.to_string(), quality))
        })
        .collect();
    tags.sort_by(|a, b| b.1.total_cmp(&a.1));
    tags.into_iter().map(|(tag, _)| tag).collect()
}

/// The language of `available` that fits `wanted` best, if any.
///
/// ```ignore
/// let available = ["en-US", "fr-FR", "pt"];
/// assert_eq!(pick("fr-CA", &available), Some("fr-FR")); // a regional variant
/// assert_eq!(pick("pt-BR", &available), Some("pt"));    // the parent
/// ```
pub fn pick<'a>(wanted: &str, available: &[&'a str]) -> Option<&'a str> {
    let find = |f: &dyn Fn(&str) -> bool| available.iter().copied().find(|tag| f(tag));
    let parent = wanted.split('-').next().unwrap_or(wanted);
    find(&|tag| tag.eq_ignore_ascii_case(wanted))
        .or_else(|| find(&|tag| tag.eq_ignore_ascii_case(parent)))
        .or_else(|| {
            find(&|tag| {
                tag.split_once('-')
                    .is_some_and(|(language, _)| language.eq_ignore_ascii_case(parent))
            })
        })
}

/// The language for a browser that sends `header`.
pub fn negotiate<'a>(header: Option<&str>, available: &[&'a str]) -> &'a str {
    let default = available
        .iter()
        .copied()
        .find(|tag| *tag == DEFAULT_LANGUAGE)
        .unwrap_or(DEFAULT_LANGUAGE);
    header
        .map(preferences)
        .unwrap_or_default()
        .iter()
        .find_map(|wanted| pick(wanted, available))
        .unwrap_or(default)
}

#[cfg(test)]
mod tests {
    use super::*;

    const AVAILABLE: &[&str] = &["ar-SA", "de-DE", "en-US", "fr-FR", "pt", "zh-CN"];

    #[test]
    fn exact_then_parent_then_regional_variant_then_english() {
        assert_eq!(negotiate(Some("fr-FR"), AVAILABLE), "fr-FR");
        assert_eq!(negotiate(Some("pt-BR"), AVAILABLE), "pt");
        assert_eq!(negotiate(Some("fr-CA"), AVAILABLE), "fr-FR");
        assert_eq!(negotiate(Some("fr"), AVAILABLE), "fr-FR");
        assert_eq!(negotiate(Some("ZH-cn"), AVAILABLE), "zh-CN");
        assert_eq!(negotiate(Some("ja-JP"), AVAILABLE), "en-US");
        assert_eq!(negotiate(None, AVAILABLE), "en-US");
    }

    #[test]
    fn preferences_are_tried_by_quality() {
        assert_eq!(
            negotiate(Some("ja;q=0.9, de;q=0.8, fr;q=0.5"), AVAILABLE),
            "de-DE"
        );
        assert_eq!(negotiate(Some("fr;q=0.5, de"), AVAILABLE), "de-DE");
        assert_eq!(negotiate(Some("de;q=0, fr;q=0.1"), AVAILABLE), "fr-FR");
        assert_eq!(
            preferences("en-GB;q=0.8, *;q=0.1, en, x;q=bad"),
            vec!["en".to_string(), "en-GB".to_string()]
        );
    }

    #[test]
    fn a_hostile_header_is_bounded() {
        let long = "fr-FR,".repeat(10_000);
        assert!(preferences(&long).len() <= MAX_PREFERENCES);
        assert_eq!(negotiate(Some("<script>, ../../etc"), AVAILABLE), "en-US");
    }
}
