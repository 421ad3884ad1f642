//! The interface's languages: the shipped translation files (compiled into
//! the binary) and the app's own (`<data-dir>/translations/<lang>.json`,
//! read at start, so adding a language needs no rebuild), and the pick of
//! one per page.
//!
//! A file is nested JSON whose leaves are strings; its keys are the paths
//! (`{"composer": {"send": "Envoyer"}}` is `composer.send`). Every language
//! is laid over en-US, so a string a file lacks shows in English; an app's
//! file for a shipped language is laid over the shipped one, so it may
//! change a single string.

mod lint;
mod negotiate;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub use lint::{lint_translations, LintReport};
use loquat_app::i18n::Translations;
pub use negotiate::DEFAULT_LANGUAGE;

/// The languages shipped with Loquat.
const SHIPPED: &[(&str, &str)] = &[
    ("ar-SA", include_str!("../../translations/ar-SA.json")),
    ("de-DE", include_str!("../../translations/de-DE.json")),
    ("en-US", include_str!("../../translations/en-US.json")),
    ("es-ES", include_str!("../../translations/es-ES.json")),
    ("fr-FR", include_str!("../../translations/fr-FR.json")),
    ("zh-CN", include_str!("../../translations/zh-CN.json")),
];

/// Languages written right to left, by their primary subtag.
const RIGHT_TO_LEFT: &[&str] = &["ar", "ckb", "dv", "fa", "he", "ps", "sd", "ug", "ur", "yi"];

/// The directory of the app's translation files, in its data directory.
pub const TRANSLATIONS_DIR: &str = "translations";

/// How a description file's name starts (`description.fr-FR.md`).
const DESCRIPTION_PREFIX: &str = "description.";

/// Largest translation file read.
const MAX_FILE_BYTES: u64 = 1024 * 1024;

/// Why the translations could not be read.
#[derive(Debug, thiserror::Error)]
pub enum I18nError {
    #[error("{}: {reason}", path.display())]
    File { path: PathBuf, reason: String },
    #[error("[UI] language = {wanted:?}, but there is no translation for it (there are: {known})")]
    UnknownLanguage { wanted: String, known: String },
}

/// Every language the app can show.
#[derive(Debug, Clone)]
pub(crate) struct Catalog {
    languages: BTreeMap<String, Arc<Translations>>,
    /// The app's description per language (`description.<lang>.md` beside
    /// the strings), instead of `[UI] description` on that language's pages.
    descriptions: BTreeMap<String, Arc<str>>,
    /// `[UI] language`: every page in this one.
    forced: Option<String>,
}

impl Catalog {
    /// The shipped languages with the app's files in `dir` (which may not
    /// exist) over them; `forced` must be one of them.
    pub(crate) fn load(dir: &Path, forced: Option<&str>) -> Result<Catalog, I18nError> {
        let mut strings: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
        for (lang, text) in SHIPPED {
            let parsed = parse(text).map_err(|reason| I18nError::File {
                path: PathBuf::from(format!("translations/{lang}.json (shipped)")),
                reason,
            })?;
            strings.insert((*lang).to_string(), parsed);
        }
        let mut descriptions = BTreeMap::new();
        for (lang, path) in description_files(dir)? {
            descriptions.insert(lang, Arc::from(read(&path)?.trim()));
        }
        for (lang, path) in app_files(dir)? {
            let text = read(&path)?;
            let parsed = parse(&text).map_err(|reason| I18nError::File {
                path: path.clone(),
                reason,
            })?;
            strings.entry(lang).or_default().extend(parsed);
        }
        let english = strings.get(DEFAULT_LANGUAGE).cloned().unwrap_or_default();
        let languages = strings
            .into_iter()
            .map(|(lang, own)| {
                let mut merged = english.clone();
                merged.extend(own);
                let rtl = is_right_to_left(&lang);
                let translations = Translations {
                    lang: lang.clone(),
                    rtl,
                    strings: merged,
                };
                (lang, Arc::new(translations))
            })
            .collect::<BTreeMap<_, _>>();
        let forced = match forced.map(str::trim).filter(|tag| !tag.is_empty()) {
            None => None,
            Some(wanted) => {
                let tags: Vec<&str> = languages.keys().map(String::as_str).collect();
                match negotiate::pick(wanted, &tags) {
                    Some(tag) => Some(tag.to_string()),
                    None => {
                        return Err(I18nError::UnknownLanguage {
                            wanted: wanted.to_string(),
                            known: tags.join(", "),
                        })
                    }
                }
            }
        };
        Ok(Catalog {
            languages,
            descriptions,
            forced,
        })
    }

    /// The strings for a request with this `Accept-Language`.
    pub(crate) fn for_request(&self, accept_language: Option<&str>) -> Arc<Translations> {
        let tags: Vec<&str> = self.languages.keys().map(String::as_str).collect();
        let tag = match &self.forced {
            Some(tag) => tag.as_str(),
            None => negotiate::negotiate(accept_language, &tags),
        };
        self.languages
            .get(tag)
            .cloned()
            .unwrap_or_else(|| Arc::new(Translations::default()))
    }

    /// The app's own description in `lang`, if it wrote one.
    pub(crate) fn description(&self, lang: &str) -> Option<&str> {
        self.descriptions.get(lang).map(|text| &**text)
    }

    /// The strings for a request with these headers.
    pub(crate) fn for_headers(&self, headers: &axum::http::HeaderMap) -> Arc<Translations> {
        let accept_language = headers
            .get(axum::http::header::ACCEPT_LANGUAGE)
            .and_then(|value| value.to_str().ok());
        self.for_request(accept_language)
    }

    /// The languages, by tag.
    #[cfg(test)]
    pub(crate) fn tags(&self) -> Vec<&str> {
        self.languages.keys().map(String::as_str).collect()
    }
}

impl Default for Catalog {
    /// The shipped languages only.
    fn default() -> Self {
        Catalog::load(Path::new(""), None).unwrap_or(Catalog {
            languages: BTreeMap::new(),
            descriptions: BTreeMap::new(),
            forced: None,
        })
    }
}

/// The shipped English strings (parsed once).
pub(crate) fn english() -> Arc<Translations> {
    static ENGLISH: std::sync::OnceLock<Arc<Translations>> = std::sync::OnceLock::new();
    ENGLISH
        .get_or_init(|| Catalog::default().for_request(None))
        .clone()
}

fn is_right_to_left(tag: &str) -> bool {
    let language = tag.split('-').next().unwrap_or(tag).to_ascii_lowercase();
    RIGHT_TO_LEFT.contains(&language.as_str())
}

/// The `description.<lang>.md` files of `dir`, by tag (other files are
/// not descriptions: a README stays a README).
fn description_files(dir: &Path) -> Result<Vec<(String, PathBuf)>, I18nError> {
    let mut files = Vec::new();
    for path in entries(dir)? {
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        let tag = name
            .strip_prefix(DESCRIPTION_PREFIX)
            .and_then(|rest| rest.strip_suffix(".md"));
        if let Some(tag) = tag.filter(|tag| is_tag(tag)) {
            files.push((tag.to_string(), path));
        }
    }
    files.sort();
    Ok(files)
}

/// The paths in `dir`; none when it does not exist.
fn entries(dir: &Path) -> Result<Vec<PathBuf>, I18nError> {
    if dir.as_os_str().is_empty() {
        return Ok(Vec::new());
    }
    match std::fs::read_dir(dir) {
        Ok(entries) => Ok(entries.flatten().map(|entry| entry.path()).collect()),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(err) => Err(I18nError::File {
            path: dir.to_path_buf(),
            reason: err.to_string(),
        }),
    }
}

/// The `<lang>.json` files of `dir`, by tag; none when it does not exist.
fn app_files(dir: &Path) -> Result<Vec<(String, PathBuf)>, I18nError> {
    let mut files = Vec::new();
    for path in entries(dir)? {
        if path.extension().and_then(|e| e.to_str()) != Some("json") {
            continue;
        }
        let Some(tag) = path.file_stem().and_then(|s| s.to_str()) else {
            continue;
        };
        if !is_tag(tag) {
            return Err(I18nError::File {
                path,
                reason: "a translation file is named for its language, e.g. fr-FR.json".into(),
            });
        }
        files.push((tag.to_string(), path));
    }
    files.sort();
    Ok(files)
}

fn is_tag(tag: &str) -> bool {
    !tag.is_empty()
        && tag.len() <= 35
        && tag.split('-').all(|part| {
            !part.is_empty() && part.len() <= 8 && part.chars().all(|c| c.is_ascii_alphanumeric())
        })
}

fn read(path: &Path) -> Result<String, I18nError> {
    let error = |reason: String| I18nError::File {
        path: path.to_path_buf(),
        reason,
    };
    let size = std::fs::metadata(path)
        .map_err(|e| error(e.to_string()))?
        .len();
    if size > MAX_FILE_BYTES {
        return Err(error(format!("larger than {MAX_FILE_BYTES} bytes")));
    }
    std::fs::read_to_string(path).map_err(|e| error(e.to_string()))
}

/// A translation file's strings by flattened key.
pub(crate) fn parse(text: &str) -> Result<BTreeMap<String, String>, String> {
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
    let mut out = BTreeMap::new();
    flatten("", &value, &mut out)?;
    Ok(out)
}

fn flatten(
    prefix: &str,
    value: &serde_json::Value,
    out: &mut BTreeMap<String, String>,
) -> Result<(), String> {
    match value {
        serde_json::Value::Object(map) => {
            for (key, value) in map {
                let path = if prefix.is_empty() {
                    key.clone()
                } else {
                    format!("{prefix}.{key}")
                };
                flatten(&path, value, out)?;
            }
            Ok(())
        }
        serde_json::Value::String(text) if !prefix.is_empty() => {
            out.insert(prefix.to_string(), text.clone());
            Ok(())
        }
        _ if prefix.is_empty() => Err("a translation file is a JSON object".into()),
        _ => Err(format!("{prefix}: a translation is a string")),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_languages_have_every_english_key() {
        let english = parse(SHIPPED.iter().find(|(l, _)| *l == "en-US").unwrap().1).unwrap();
        assert!(english.contains_key("composer.send"), "{english:?}");
        for (lang, text) in SHIPPED {
            let own = parse(text).unwrap();
            let missing: Vec<_> = english.keys().filter(|k| !own.contains_key(*k)).collect();
            let unknown: Vec<_> = own.keys().filter(|k| !english.contains_key(*k)).collect();
            let placeholders = lint::placeholder_mismatches(&english, &own);
            assert!(
                missing.is_empty() && unknown.is_empty() && placeholders.is_empty(),
                "{lang}: missing {missing:?}, unknown {unknown:?}, placeholders differ in {placeholders:?}"
            );
        }
    }

    #[test]
    fn an_app_file_adds_a_language_and_changes_a_shipped_string() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("pt-BR.json"),
            r#"{"composer": {"send": "Enviar"}}"#,
        )
        .unwrap();
        std::fs::write(
            dir.path().join("fr-FR.json"),
            r#"{"composer": {"send": "Expédier"}}"#,
        )
        .unwrap();
        let catalog = Catalog::load(dir.path(), None).unwrap();
        assert!(catalog.tags().contains(&"pt-BR"));
        let pt = catalog.for_request(Some("pt-PT, en;q=0.5"));
        assert_eq!(pt.lang, "pt-BR");
        assert_eq!(pt.get("composer.send"), "Enviar");
        // What the file lacks is in English.
        let english = catalog.for_request(None);
        let other = english
            .strings
            .keys()
            .find(|k| *k != "composer.send")
            .unwrap();
        assert_eq!(pt.get(other), english.get(other));
        let fr = catalog.for_request(Some("fr"));
        assert_eq!(fr.get("composer.send"), "Expédier");
        assert_ne!(fr.get(other), english.get(other), "the rest stays French");
    }

    #[test]
    fn a_description_file_is_the_apps_description_in_its_language() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("description.fr-FR.md"), "Un **robot**.\n").unwrap();
        std::fs::write(dir.path().join("README.md"), "# Not a language").unwrap();
        let catalog = Catalog::load(dir.path(), None).unwrap();
        assert_eq!(catalog.description("fr-FR"), Some("Un **robot**."));
        assert_eq!(catalog.description("en-US"), None);
        assert!(!catalog.tags().contains(&"README"));
    }

    #[test]
    fn arabic_is_right_to_left_and_a_forced_language_wins() {
        let catalog = Catalog::load(Path::new("/nonexistent"), Some("ar")).unwrap();
        let page = catalog.for_request(Some("fr-FR"));
        assert_eq!(page.lang, "ar-SA");
        assert!(page.rtl);
        assert!(!Catalog::default().for_request(Some("de")).rtl);
    }

    #[test]
    fn bad_files_and_languages_are_refused_with_their_place() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("fr-FR.json"),
            r#"{"composer": {"send": 3}}"#,
        )
        .unwrap();
        let err = Catalog::load(dir.path(), None).unwrap_err().to_string();
        assert!(
            err.contains("fr-FR.json") && err.contains("composer.send"),
            "{err}"
        );
        std::fs::write(dir.path().join("fr-FR.json"), "[1]").unwrap();
        assert!(Catalog::load(dir.path(), None).is_err());
        std::fs::remove_file(dir.path().join("fr-FR.json")).unwrap();
        std::fs::write(dir.path().join("not a tag.json"), "{}").unwrap();
        assert!(Catalog::load(dir.path(), None).is_err());
        let err = Catalog::load(Path::new(""), Some("tlh"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("tlh") && err.contains("fr-FR"), "{err}");
    }
}
