//! The app's own look, read when the server starts (so it needs no
//! rebuild): `public/theme.json` (light and dark CSS variables, fonts),
//! the logo, favicon and author avatars found in `public/`, and the `[UI]`
//! keys for them.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use loquat_app::branding::{avatar_key, Branding, CustomScript, PageHead};
use serde::Deserialize;

use crate::config::{DefaultTheme, Layout, UiSection};

/// Why the app's look could not be read; the server does not start.
#[derive(Debug, thiserror::Error)]
pub enum BrandingError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path} is not a theme: {reason}")]
    Theme { path: PathBuf, reason: String },
    #[error("[UI] {key}: {reason}")]
    Url { key: &'static str, reason: String },
}

/// `public/theme.json`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ThemeFile {
    /// Stylesheets of fonts (Google Fonts, say).
    #[serde(default)]
    custom_fonts: Vec<String>,
    #[serde(default)]
    variables: ThemeVariables,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ThemeVariables {
    #[serde(default)]
    light: BTreeMap<String, String>,
    #[serde(default)]
    dark: BTreeMap<String, String>,
}

/// Image files a logo, favicon or avatar may be.
const IMAGE_EXTENSIONS: [&str; 7] = ["svg", "png", "jpg", "jpeg", "webp", "gif", "ico"];

/// Reads the look from `public_dir` and `[UI]`.
pub(crate) fn load(
    ui: &UiSection,
    public_dir: &Path,
) -> Result<(Branding, PageHead), BrandingError> {
    let theme_path = public_dir.join("theme.json");
    let theme = match std::fs::read_to_string(&theme_path) {
        Ok(text) => Some(parse_theme(&text).map_err(|reason| BrandingError::Theme {
            path: theme_path.clone(),
            reason,
        })?),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => None,
        Err(source) => {
            return Err(BrandingError::Read {
                path: theme_path,
                source,
            })
        }
    };
    let checked =
        |key: &'static str, url: &Option<String>| -> Result<Option<String>, BrandingError> {
            match url {
                Some(url) => url_ok(url)
                    .map(|()| Some(url.clone()))
                    .map_err(|reason| BrandingError::Url { key, reason }),
                None => Ok(None),
            }
        };
    let logo = checked("logo", &ui.logo)?;
    let favicon = checked("favicon", &ui.favicon)?
        .or_else(|| find_image(public_dir, "favicon"))
        .unwrap_or_else(|| "/favicon.svg".to_string());
    let custom_css = checked("custom_css", &ui.custom_css)?;
    let custom_js = checked("custom_js", &ui.custom_js)?;
    let login_image = checked("login_page_image", &ui.login_page_image)?;

    for link in &ui.header_links {
        url_ok(&link.url)
            .and_then(|()| link.icon.as_deref().map_or(Ok(()), url_ok))
            .map_err(|reason| BrandingError::Url {
                key: "header_links",
                reason,
            })?;
    }
    let (avatars, default_avatar) = avatars(&public_dir.join("avatars"));
    let branding = Branding {
        logo_light: logo
            .clone()
            .or_else(|| find_image(public_dir, "logo_light")),
        logo_dark: logo.or_else(|| find_image(public_dir, "logo_dark")),
        avatars,
        default_avatar,
        wide: ui.layout == Layout::Wide,
        header_links: ui.header_links.clone(),
    };
    let mut stylesheets = Vec::new();
    let mut theme_css = None;
    if let Some((fonts, css)) = theme {
        stylesheets.extend(fonts);
        theme_css = Some(css);
    }
    stylesheets.extend(custom_css);
    let head = PageHead {
        favicon,
        theme_css,
        stylesheets,
        script: custom_js.map(|src| CustomScript {
            src,
            attributes: ui
                .custom_js_attributes
                .iter()
                .filter_map(|a| attribute(a))
                .collect(),
        }),
        login_image,
        default_theme: match ui.default_theme {
            DefaultTheme::System => None,
            DefaultTheme::Light => Some("light".into()),
            DefaultTheme::Dark => Some("dark".into()),
        },
    };
    Ok((branding, head))
}

/// A URL the page may load: a path on this site or an https:// URL,
/// without characters that could end the attribute it goes in.
fn url_ok(url: &str) -> Result<(), String> {
    let local = url.starts_with('/') && !url.starts_with("//");
    if !(local || url.starts_with("https://")) {
        return Err(format!(
            "{url:?} is neither a path (\"/…\") nor an https:// URL"
        ));
    }
    if url
        .chars()
        .any(|c| c.is_whitespace() || matches!(c, '"' | '\'' | '<' | '>'))
    {
        return Err(format!("{url:?} has a character a URL cannot have"));
    }
    Ok(())
}

/// `name` or `name=value` of a script attribute (only plain names).
fn attribute(text: &str) -> Option<(String, Option<String>)> {
    let (name, value) = match text.split_once('=') {
        Some((name, value)) => (
            name.trim(),
            Some(value.trim().trim_matches('"').to_string()),
        ),
        None => (text.trim(), None),
    };
    let plain = !name.is_empty()
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        && !name.eq_ignore_ascii_case("src")
        && !name.to_ascii_lowercase().starts_with("on");
    plain.then(|| (name.to_ascii_lowercase(), value))
}

/// The theme's font stylesheets and its variables as CSS, for light, for
/// dark (as Loquat's own stylesheet selects them: the system's choice
/// unless the page says otherwise).
fn parse_theme(text: &str) -> Result<(Vec<String>, String), String> {
    let theme: ThemeFile = serde_json::from_str(text).map_err(|e| e.to_string())?;
    for font in &theme.custom_fonts {
        url_ok(font)?;
    }
    let block = |vars: &BTreeMap<String, String>| -> Result<String, String> {
        let mut css = String::new();
        for (name, value) in vars {
            let name_ok = name.starts_with("--")
                && name.len() > 2
                && name[2..]
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
            if !name_ok {
                return Err(format!("{name:?} is not a CSS variable name (\"--name\")"));
            }
            if value
                .chars()
                .any(|c| matches!(c, ';' | '{' | '}' | '<' | '>' | '\\'))
            {
                return Err(format!(
                    "the value of {name} has a character a value cannot have"
                ));
            }
            css.push_str(&format!("{name}:{value};"));
        }
        Ok(css)
    };
    let light = block(&theme.variables.light)?;
    let dark = block(&theme.variables.dark)?;
    let mut css = String::new();
    if !light.is_empty() {
        css.push_str(&format!(":root{{{light}}}"));
    }
    if !dark.is_empty() {
        css.push_str(&format!(
            "@media (prefers-color-scheme:dark){{:root:not([data-theme=light]){{{dark}}}}}:root[data-theme=dark]{{{dark}}}"
        ));
    }
    Ok((theme.custom_fonts, css))
}

/// `/<stem>.<ext>` when `dir` has such an image.
fn find_image(dir: &Path, stem: &str) -> Option<String> {
    IMAGE_EXTENSIONS.iter().find_map(|ext| {
        let file = format!("{stem}.{ext}");
        dir.join(&file).is_file().then(|| format!("/{file}"))
    })
}

/// The avatars in `public/avatars/` by author key, and the default one.
fn avatars(dir: &Path) -> (BTreeMap<String, String>, Option<String>) {
    let mut found = BTreeMap::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return (found, None);
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let (Some(stem), Some(ext)) = (
            path.file_stem().and_then(|s| s.to_str()),
            path.extension().and_then(|e| e.to_str()),
        ) else {
            continue;
        };
        let file = path
            .file_name()
            .and_then(|f| f.to_str())
            .unwrap_or_default();
        // A name that is no plain path segment (quotes, spaces) is left out.
        let plain = file
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '.' | '-' | '_'));
        if IMAGE_EXTENSIONS.contains(&ext.to_ascii_lowercase().as_str()) && plain {
            found.insert(avatar_key(stem), format!("/avatars/{file}"));
        }
    }
    let default = found.remove("default");
    (found, default)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir_with(files: &[(&str, &str)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().expect("temp dir");
        for (name, body) in files {
            let path = dir.path().join(name);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent).expect("dir");
            }
            std::fs::write(path, body).expect("write");
        }
        dir
    }

    #[test]
    fn the_look_comes_from_the_public_directory_and_the_ui_keys() {
        let dir = dir_with(&[
            (
                "theme.json",
                r##"{"custom_fonts":["https://fonts.example/inter.css"],
                    "variables":{"light":{"--accent":"#0a7"},"dark":{"--accent":"#3c9"}}}"##,
            ),
            ("logo_light.svg", "<svg/>"),
            ("favicon.png", "png"),
            ("avatars/Tool_Bot.png", "png"),
            ("avatars/default.svg", "<svg/>"),
        ]);
        let ui = UiSection {
            custom_css: Some("/custom.css".into()),
            custom_js: Some("/custom.js".into()),
            custom_js_attributes: vec!["defer".into(), "type=module".into(), "onload=x".into()],
            default_theme: DefaultTheme::Dark,
            layout: Layout::Wide,
            login_page_image: Some("/login.jpg".into()),
            header_links: vec![loquat_app::branding::HeaderLink {
                name: "Docs".into(),
                url: "https://example.com/docs".into(),
                icon: None,
            }],
            ..Default::default()
        };
        let (branding, head) = load(&ui, dir.path()).expect("look");
        assert_eq!(branding.logo_light.as_deref(), Some("/logo_light.svg"));
        assert_eq!(branding.logo_dark, None);
        assert_eq!(
            branding.avatar_of("Tool Bot"),
            Some("/avatars/Tool_Bot.png")
        );
        assert_eq!(branding.avatar_of("anyone"), Some("/avatars/default.svg"));
        assert!(branding.wide);
        assert_eq!(head.favicon, "/favicon.png");
        assert_eq!(
            head.stylesheets,
            ["https://fonts.example/inter.css", "/custom.css"]
        );
        let css = head.theme_css.expect("theme");
        assert!(css.starts_with(":root{--accent:#0a7;}"), "{css}");
        assert!(
            css.contains(":root[data-theme=dark]{--accent:#3c9;}"),
            "{css}"
        );
        let script = head.script.expect("script");
        assert_eq!(
            script.attributes,
            vec![
                ("defer".into(), None),
                ("type".into(), Some("module".into()))
            ]
        );
        assert_eq!(head.default_theme.as_deref(), Some("dark"));
        assert_eq!(head.login_image.as_deref(), Some("/login.jpg"));
        assert_eq!(branding.header_links[0].name, "Docs");
    }

    #[test]
    fn nothing_configured_is_loquats_own_look() {
        let dir = dir_with(&[]);
        let (branding, head) = load(&UiSection::default(), dir.path()).expect("look");
        assert_eq!(branding, Branding::default());
        assert_eq!(head.favicon, "/favicon.svg");
        assert!(head.theme_css.is_none() && head.stylesheets.is_empty() && head.script.is_none());
    }

    #[test]
    fn a_theme_or_url_that_could_break_the_page_is_refused_with_its_place() {
        for bad in [
            r#"{"variables":{"light":{"accent":"red"}}}"#,
            r#"{"variables":{"dark":{"--x":"red}</style><script>"}}}"#,
            r#"{"custom_fonts":["javascript:alert(1)"]}"#,
            r#"{"colours":{}}"#,
        ] {
            let dir = dir_with(&[("theme.json", bad)]);
            let err = load(&UiSection::default(), dir.path()).expect_err(bad);
            assert!(err.to_string().contains("theme.json"), "{err}");
        }
        let dir = dir_with(&[]);
        let ui = UiSection {
            custom_css: Some("http://plain.example/x.css".into()),
            ..Default::default()
        };
        let err = load(&ui, dir.path()).expect_err("http");
        assert!(err.to_string().contains("custom_css"), "{err}");
    }
}
