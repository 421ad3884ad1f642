//! `loquat init [DIR]`: the files an app is made to look like its own
//! with, each commented or explained: `.loquat/config.toml` (every key
//! with its meaning and default), `public/theme.json` (Loquat's own
//! colours, to edit), and `public/` with a README of what goes there.
//! Files that exist are kept as they are.

use std::path::{Path, PathBuf};

use super::StarterError;

/// Where to write.
#[derive(Debug, Clone, clap::Args)]
pub struct InitOptions {
    /// The app's directory (where it runs; default: here).
    #[arg(default_value = ".")]
    pub dir: PathBuf,
}

/// What `init` did to each file.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Initialized {
    pub written: Vec<PathBuf>,
    /// Files that were there already, left as they were.
    pub kept: Vec<PathBuf>,
}

/// Loquat's own colours as a theme, to start from.
const THEME_JSON: &str = r##"{
  "custom_fonts": [],
  "variables": {
    "light": {
      "--font": "system-ui, -apple-system, \"Segoe UI\", Roboto, Arial, sans-serif",
      "--bg": "#fff",
      "--surface": "#fff",
      "--surface-2": "#f4f2ee",
      "--border": "#e6e3de",
      "--text": "#1d1c1a",
      "--muted": "#6d6a65",
      "--accent": "#b9590b",
      "--on-accent": "#fff"
    },
    "dark": {
      "--bg": "#18181a",
      "--surface": "#212124",
      "--surface-2": "#2a2a2d",
      "--border": "#333338",
      "--text": "#ececee",
      "--muted": "#a0a0a8",
      "--accent": "#f29b38",
      "--on-accent": "#1c1203"
    }
  }
}
"##;

const PUBLIC_README: &str = "\
# public/

Served from the root of the site (`public/logo_light.svg` is `/logo_light.svg`).
Loquat looks here, when the server starts, for:

- `theme.json`: CSS variables for light and dark, and font stylesheets.
- `logo_light.*`, `logo_dark.*`: the logo in the header (svg, png, jpg, webp).
- `favicon.*`: the page's icon (svg, png or ico).
- `avatars/<author>.*`: the avatar of an author's messages (the name in lower
  case, anything but letters and digits as `_`); `avatars/default.*` for the rest.
- `elements/<name>.js`: custom elements (`Element::custom(\"<name>\", props)`).

See docs/look.md in the Loquat repository.
";

/// What `.loquat/translations/README.md` says.
const TRANSLATIONS_README: &str = "# Translations

Each `<lang>.json` here (e.g. `pt-BR.json`, `fr-FR.json`) is read when the
server starts. A file for a new language adds it; a file for a shipped one
(en-US, fr-FR, de-DE, es-ES, zh-CN, ar-SA) changes only the strings it has.
Keys are nested objects whose leaves are strings, as in the shipped
`en-US.json`: `{\"composer\": {\"send\": \"Enviar\"}}`.
A `description.<lang>.md` (e.g. `description.fr-FR.md`) is the app's
welcome text in that language, in markdown.

Each browser gets the language it prefers (Accept-Language), else en-US;
`[UI] language` in config.toml shows one to everyone. Check the files with:

    loquat lint-translations

See docs/translations.md in the Loquat repository.
";

/// Writes the files that are missing.
pub fn init(options: &InitOptions) -> Result<Initialized, StarterError> {
    let config = crate::config::Config::default_toml();
    let files: [(&str, &str); 6] = [
        (".loquat/config.toml", &config),
        (".loquat/translations/README.md", TRANSLATIONS_README),
        ("public/theme.json", THEME_JSON),
        ("public/README.md", PUBLIC_README),
        ("public/avatars/.gitkeep", ""),
        ("public/elements/.gitkeep", ""),
    ];
    let mut done = Initialized::default();
    for (relative, content) in files {
        let path = options.dir.join(relative);
        if path.exists() {
            done.kept.push(path);
            continue;
        }
        write(&path, content)?;
        done.written.push(path);
    }
    Ok(done)
}

fn write(path: &Path, content: &str) -> Result<(), StarterError> {
    let result = path
        .parent()
        .map_or(Ok(()), std::fs::create_dir_all)
        .and_then(|()| std::fs::write(path, content));
    result.map_err(|source| StarterError::Write {
        path: path.to_path_buf(),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn init_writes_what_is_missing_and_keeps_what_is_there() {
        let dir = tempfile::tempdir().expect("temp dir");
        let options = InitOptions {
            dir: dir.path().to_path_buf(),
        };
        std::fs::create_dir_all(dir.path().join("public")).expect("public");
        std::fs::write(dir.path().join("public/theme.json"), "{}").expect("theme");
        let done = init(&options).expect("init");
        assert_eq!(done.kept, vec![dir.path().join("public/theme.json")]);
        assert_eq!(done.written.len(), 5);
        assert!(dir.path().join(".loquat/translations/README.md").is_file());
        assert_eq!(
            std::fs::read_to_string(dir.path().join("public/theme.json")).expect("kept"),
            "{}"
        );
        // The config it wrote reads back as the defaults.
        let text = std::fs::read_to_string(dir.path().join(".loquat/config.toml")).expect("config");
        assert!(text.contains("[UI]"), "{text}");
        // Again: nothing is overwritten.
        let again = init(&options).expect("again");
        assert!(again.written.is_empty() && again.kept.len() == 6);
    }

    #[test]
    fn the_theme_it_writes_is_one_the_server_takes() {
        let dir = tempfile::tempdir().expect("temp dir");
        init(&InitOptions {
            dir: dir.path().to_path_buf(),
        })
        .expect("init");
        let ui = crate::config::UiSection::default();
        let (_, head) =
            crate::site::branding::load(&ui, &dir.path().join("public")).expect("a valid theme");
        assert!(head
            .theme_css
            .is_some_and(|css| css.contains("--accent:#b9590b")));
    }
}
