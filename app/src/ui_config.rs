//! The UI settings, taken from the server's context when rendering and from
//! the page itself when hydrating, so both sides render alike.

use crate::protocol::UiConfig;

/// Id of the `<script type="application/json">` carrying the settings.
pub(crate) const CONFIG_ELEMENT_ID: &str = "loquat-config";

/// The settings as JSON safe to embed in a `<script>` element.
pub(crate) fn embedded_json(ui: &UiConfig) -> String {
    embed_json(ui)
}

/// A value as JSON safe to embed in a `<script>` element: `<`, `>` and `&`
/// become `\u003c`, `\u003e` and `\u0026` (they only occur inside JSON
/// strings, where the escapes mean the same), so no `</script>`, `<!--`
/// or `<script` can end or change the element.
pub(crate) fn embed_json<T: serde::Serialize>(value: &T) -> String {
    let json = serde_json::to_string(value).unwrap_or_else(|_| "{}".into());
    let mut out = String::with_capacity(json.len());
    for c in json.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            c => out.push(c),
        }
    }
    out
}

/// The settings for this render.
pub(crate) fn current() -> UiConfig {
    #[cfg(feature = "hydrate")]
    {
        let text = leptos::prelude::document()
            .get_element_by_id(CONFIG_ELEMENT_ID)
            .and_then(|el| el.text_content());
        if let Some(ui) = text.and_then(|t| serde_json::from_str(&t).ok()) {
            return ui;
        }
    }
    leptos::prelude::use_context::<UiConfig>().unwrap_or_else(default_ui)
}

fn default_ui() -> UiConfig {
    UiConfig {
        name: "Loquat".into(),
        default_collapse_content: true,
        max_frame_bytes: crate::protocol::DEFAULT_MAX_FRAME_BYTES,
        ..Default::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_json_cannot_break_out_of_its_script_element() {
        let name = "</script><!--<script>alert(1)</script>&amp;";
        let json = embed_json(&serde_json::json!({ "name": name }));
        assert!(
            !json.contains('<') && !json.contains('>') && !json.contains('&'),
            "{json}"
        );
        let back: serde_json::Value = serde_json::from_str(&json).unwrap_or_default();
        assert_eq!(back["name"], name);
    }
}
