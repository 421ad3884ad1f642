//! `loquat lint-translations`: each translation file of the app against
//! the English one, the reference of the keys the interface uses.

use std::fmt;
use std::path::Path;

use super::{app_files, parse, read, I18nError, DEFAULT_LANGUAGE, SHIPPED};

/// What is wrong with the files of one directory.
#[derive(Debug, Default)]
pub struct LintReport {
    pub files: Vec<FileReport>,
}

/// One file's problems.
#[derive(Debug)]
pub struct FileReport {
    pub lang: String,
    /// Keys of en-US this file lacks (they show in English).
    pub missing: Vec<String>,
    /// Keys the interface does not have (a typo, or a string since removed).
    pub unknown: Vec<String>,
    /// Why the file could not be read at all.
    pub error: Option<String>,
}

impl LintReport {
    /// No file has a problem.
    pub fn is_clean(&self) -> bool {
        self.files
            .iter()
            .all(|f| f.missing.is_empty() && f.unknown.is_empty() && f.error.is_none())
    }
}

/// Checks every `<lang>.json` of `dir` against the shipped en-US keys.
///
/// ```no_run
/// let report = loquat::lint_translations(std::path::Path::new(".loquat/translations"))?;
/// assert!(report.is_clean(), "{report}");
/// # Ok::<(), loquat::I18nError>(())
/// ```
pub fn lint_translations(dir: &Path) -> Result<LintReport, I18nError> {
    if !dir.is_dir() {
        return Err(I18nError::File {
            path: dir.to_path_buf(),
            reason: "not a directory of translation files".into(),
        });
    }
    let reference = SHIPPED
        .iter()
        .find(|(lang, _)| *lang == DEFAULT_LANGUAGE)
        .map(|(_, text)| parse(text))
        .transpose()
        .map_err(|reason| I18nError::File {
            path: format!("translations/{DEFAULT_LANGUAGE}.json (shipped)").into(),
            reason,
        })?
        .unwrap_or_default();
    let mut report = LintReport::default();
    for (lang, path) in app_files(dir)? {
        let file = match read(&path).and_then(|text| {
            parse(&text).map_err(|reason| I18nError::File {
                path: path.clone(),
                reason,
            })
        }) {
            Ok(strings) => FileReport {
                missing: reference
                    .keys()
                    .filter(|key| !strings.contains_key(*key))
                    .cloned()
                    .collect(),
                unknown: strings
                    .keys()
                    .filter(|key| !reference.contains_key(*key))
                    .cloned()
                    .collect(),
                error: None,
                lang,
            },
            Err(err) => FileReport {
                lang,
                missing: Vec::new(),
                unknown: Vec::new(),
                error: Some(err.to_string()),
            },
        };
        report.files.push(file);
    }
    Ok(report)
}

impl fmt::Display for LintReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for file in &self.files {
            if let Some(error) = &file.error {
                writeln!(f, "{}: {error}", file.lang)?;
                continue;
            }
            if file.missing.is_empty() && file.unknown.is_empty() {
                writeln!(f, "{}: ok", file.lang)?;
                continue;
            }
            for key in &file.missing {
                writeln!(f, "{}: missing key {key}", file.lang)?;
            }
            for key in &file.unknown {
                writeln!(f, "{}: unknown key {key}", file.lang)?;
            }
        }
        if self.files.is_empty() {
            writeln!(f, "no translation files")?;
        }
        Ok(())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_and_an_unknown_key_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let english = SHIPPED.iter().find(|(l, _)| *l == "en-US").unwrap().1;
        std::fs::write(dir.path().join("en-GB.json"), english).unwrap();
        let mut french = parse(SHIPPED.iter().find(|(l, _)| *l == "fr-FR").unwrap().1).unwrap();
        let dropped = french.keys().next().unwrap().clone();
        french.remove(&dropped);
        let mut nested = serde_json::Map::new();
        for (key, value) in &french {
            nested.insert(key.clone(), value.clone().into());
        }
        nested.insert("composer.sned".into(), "Envoyer".into());
        std::fs::write(
            dir.path().join("fr-FR.json"),
            serde_json::to_string(&nested).unwrap(),
        )
        .unwrap();
        let report = lint_translations(dir.path()).unwrap();
        assert!(!report.is_clean());
        let text = report.to_string();
        assert!(text.contains("en-GB: ok"), "{text}");
        assert!(
            text.contains(&format!("fr-FR: missing key {dropped}")),
            "{text}"
        );
        assert!(text.contains("fr-FR: unknown key composer.sned"), "{text}");
    }
}
