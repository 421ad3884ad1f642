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
    /// Keys whose `{placeholders}` differ from the English string's (a
    /// value the interface fills in would be lost, or shown raw).
    pub placeholders: Vec<String>,
    /// Why the file could not be read at all.
    pub error: Option<String>,
}

impl LintReport {
    /// No file has a problem.
    pub fn is_clean(&self) -> bool {
        self.files.iter().all(|f| f.is_clean())
    }
}

impl FileReport {
    fn is_clean(&self) -> bool {
        self.missing.is_empty()
            && self.unknown.is_empty()
            && self.placeholders.is_empty()
            && self.error.is_none()
    }
}

/// The `{name}` placeholders of a string, in order of first use.
fn placeholders(text: &str) -> Vec<&str> {
    let mut names = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find('{') {
        let after = &rest[start + 1..];
        let Some(end) = after.find('}') else { break };
        let name = &after[..end];
        if !name.is_empty()
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            && !names.contains(&name)
        {
            names.push(name);
        }
        rest = &after[end + 1..];
    }
    names
}

/// Keys of `strings` whose placeholders are not those of `reference`.
pub(super) fn placeholder_mismatches(
    reference: &std::collections::BTreeMap<String, String>,
    strings: &std::collections::BTreeMap<String, String>,
) -> Vec<String> {
    strings
        .iter()
        .filter(|(key, text)| {
            reference.get(*key).is_some_and(|english| {
                let mut want = placeholders(english);
                let mut have = placeholders(text);
                want.sort_unstable();
                have.sort_unstable();
                want != have
            })
        })
        .map(|(key, _)| key.clone())
        .collect()
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
                placeholders: placeholder_mismatches(&reference, &strings),
                error: None,
                lang,
            },
            Err(err) => FileReport {
                lang,
                missing: Vec::new(),
                unknown: Vec::new(),
                placeholders: Vec::new(),
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
            if file.is_clean() {
                writeln!(f, "{}: ok", file.lang)?;
                continue;
            }
            for key in &file.missing {
                writeln!(f, "{}: missing key {key}", file.lang)?;
            }
            for key in &file.unknown {
                writeln!(f, "{}: unknown key {key}", file.lang)?;
            }
            for key in &file.placeholders {
                writeln!(f, "{}: placeholders of {key} differ from en-US", file.lang)?;
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
    fn placeholders_are_the_named_braces() {
        assert_eq!(
            placeholders("Rows {first}–{last} of {total}, {first} {} {a b}"),
            ["first", "last", "total"]
        );
        assert!(placeholders("no { braces").is_empty());
    }

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
        nested.insert("table.rows".into(), "Lignes {first}–{dernier}".into());
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
        assert!(
            text.contains("fr-FR: placeholders of table.rows differ from en-US"),
            "{text}"
        );
    }
}
