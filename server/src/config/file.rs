//! Reading `<data_dir>/config.toml` into [`Config`] with serde.
//!
//! Keys serde does not know are collected with `serde_ignored` and become
//! warnings with a "did you mean" hint; a bad value is an error naming its
//! key path (`serde_path_to_error`) and the file.

use std::path::Path;

use toml::{Table, Value};

use super::schema::Declaration;
use super::suggest::closest;
use super::{Config, ConfigError, ConfigWarning};

/// Reads the file at `path`; `Ok(None)` if it does not exist.
pub(super) fn read(path: &Path) -> Result<Option<String>, ConfigError> {
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => {
            return Err(ConfigError::Io {
                path: path.to_path_buf(),
                source,
            })
        }
    };
    // Decoded here rather than with read_to_string so bad encoding is a
    // parse error, not an I/O error.
    String::from_utf8(bytes)
        .map(Some)
        .map_err(|e| ConfigError::Parse {
            path: path.to_path_buf(),
            message: format!("the file is not valid UTF-8 ({e})"),
        })
}

/// The TOML document `text` (read from `path`) as a table: syntax errors
/// (and duplicate keys) are [`ConfigError::Parse`].
pub(super) fn parse(text: &str, path: &Path) -> Result<Table, ConfigError> {
    toml::from_str(text).map_err(|e| ConfigError::Parse {
        path: path.to_path_buf(),
        message: e.to_string().trim_end().to_string(),
    })
}

/// Checks the document read from `path`: its unknown keys become
/// `warnings`, its first bad value an error.
pub(super) fn check(
    document: &Table,
    path: &Path,
    warnings: &mut Vec<ConfigWarning>,
) -> Result<(), ConfigError> {
    let mut ignored = Vec::new();
    deserialize(document.clone(), |segments| ignored.push(segments)).map_err(
        |(key, message)| ConfigError::InvalidValue {
            key,
            message: format!("{message} (in {})", path.display()),
        },
    )?;
    for segments in ignored {
        warnings.push(unknown(document, &segments, path));
    }
    Ok(())
}

/// `document` as a [`Config`]; each key serde ignores is given to
/// `ignored` as its path. An error is the bad value's key path and what is
/// wrong with it.
pub(super) fn deserialize(
    document: Table,
    mut ignored: impl FnMut(Vec<String>),
) -> Result<Config, (String, String)> {
    let value = Value::Table(document);
    let mut on_ignored = |path: serde_ignored::Path<'_>| ignored(ignored_segments(&path));
    let de = serde_ignored::Deserializer::new(value, &mut on_ignored);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let segments: Vec<String> = e
            .path()
            .iter()
            .map_while(|segment| match segment {
                serde_path_to_error::Segment::Map { key } => Some(key.clone()),
                _ => None,
            })
            .collect();
        let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
        (key_path(&segments), e.into_inner().message().to_string())
    })
}

fn ignored_segments(path: &serde_ignored::Path<'_>) -> Vec<String> {
    use serde_ignored::Path as P;
    let mut segments = Vec::new();
    let mut at = path;
    loop {
        match at {
            P::Root => break,
            P::Map { parent, key } => {
                segments.push(key.clone());
                at = parent;
            }
            P::Seq { parent, .. }
            | P::Some { parent }
            | P::NewtypeStruct { parent }
            | P::NewtypeVariant { parent } => at = parent,
        }
    }
    segments.reverse();
    segments
}

/// The warning for the unknown entry at `segments`.
fn unknown(document: &Table, segments: &[String], path: &Path) -> ConfigWarning {
    let declaration = Declaration::get();
    let refs: Vec<&str> = segments.iter().map(String::as_str).collect();
    let (parents, name) = refs.split_at(refs.len().saturating_sub(1));
    let name = name.first().copied().unwrap_or_default();
    let display = key_path(&refs);
    let (kind, shown, hint) = if parents.is_empty() {
        if document.get(name).is_some_and(Value::is_table) {
            let sections = declaration.sections.iter().filter(|s| s.path.len() == 1);
            let names: Vec<String> = sections.map(|s| s.name()).collect();
            let hint = closest(name, names.iter().map(String::as_str))
                .map(|s| format!("[{}]", key_path(&[s])));
            ("section", format!("[{display}]"), hint)
        } else {
            let hint =
                owning_section(name).map(|section| format!("the key `{name}` under [{section}]"));
            ("key", display.clone(), hint)
        }
    } else {
        let section = parents.join(".");
        let known = declaration.section(&section).into_iter().flat_map(|s| {
            let subsections = declaration
                .sections
                .iter()
                .filter(move |sub| {
                    sub.path.len() == s.path.len() + 1 && sub.path.starts_with(&s.path)
                })
                .filter_map(|sub| sub.path.last().map(String::as_str));
            s.keys.iter().map(|k| k.name.as_str()).chain(subsections)
        });
        let hint = match closest(name, known) {
            Some(similar) => {
                let mut at = parents.to_vec();
                at.push(similar);
                Some(format!("`{}`", key_path(&at)))
            }
            // Right key, wrong section (e.g. `name` under [project]).
            None => owning_section(name).map(|owner| format!("`{owner}.{}`", key_path(&[name]))),
        };
        ("key", display.clone(), hint)
    };
    let hint = hint
        .map(|h| format!(" (did you mean {h}?)"))
        .unwrap_or_default();
    ConfigWarning {
        key: display,
        message: format!(
            "unknown {kind} `{shown}` in {}, ignored{hint}",
            path.display()
        ),
    }
}

/// The section that defines `key`, if any.
fn owning_section(key: &str) -> Option<String> {
    Declaration::get()
        .keys()
        .find(|(_, k)| k.name == key)
        .map(|(section, _)| section.name())
}

/// Dotted TOML key path, quoting segments that are not bare keys so that
/// e.g. `"a.b"` is not mistaken for a nested key.
pub(super) fn key_path(segments: &[&str]) -> String {
    segments
        .iter()
        .map(|segment| {
            let bare = !segment.is_empty()
                && segment
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
            if bare {
                (*segment).to_string()
            } else {
                format!("{segment:?}")
            }
        })
        .collect::<Vec<_>>()
        .join(".")
}

#[cfg(test)]
// A failed unwrap is a clear test failure; the workspace denies it elsewhere.
#[allow(clippy::unwrap_used)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::config::{Cot, UiSection};

    fn load(text: &str) -> Result<(Config, Vec<ConfigWarning>), ConfigError> {
        let path = Path::new(".loquat/config.toml");
        let document = parse(text, path)?;
        let mut warnings = Vec::new();
        check(&document, path, &mut warnings)?;
        let config = deserialize(document, |_| {}).unwrap();
        Ok((config, warnings))
    }

    fn invalid_key(result: Result<(Config, Vec<ConfigWarning>), ConfigError>) -> (String, String) {
        match result {
            Err(ConfigError::InvalidValue { key, message }) => (key, message),
            other => panic!("expected InvalidValue, got {other:?}"),
        }
    }

    #[test]
    fn reads_every_value() {
        let (config, warnings) = load(
            r#"
            [project]
            session_timeout = 60
            allow_origins = ["https://a.example", "https://b.example"]
            debug = true
            [features]
            unsafe_allow_html = true
            [features.spontaneous_file_upload]
            max_files = 3
            [UI]
            name = "Bot"
            description = "A bot"
            cot = "tool_call"
            default_collapse_content = false
            [auth]
            cookie_same_site = "strict"
            "#,
        )
        .unwrap();
        assert!(warnings.is_empty(), "{warnings:?}");
        assert_eq!(config.project.session_timeout, Duration::from_secs(60));
        assert_eq!(
            config.project.allow_origins,
            ["https://a.example", "https://b.example"]
        );
        assert!(config.project.debug);
        assert!(config.features.unsafe_allow_html);
        assert_eq!(config.features.spontaneous_file_upload.max_files, 3);
        assert_eq!(config.ui.name, "Bot");
        assert_eq!(config.ui.description, "A bot");
        assert_eq!(config.ui.cot, Cot::ToolCall);
        assert!(!config.ui.default_collapse_content);
        assert_eq!(
            config.auth.cookie_same_site,
            crate::config::CookieSameSite::Strict
        );
    }

    #[test]
    fn missing_keys_keep_defaults() {
        let (config, warnings) = load("[UI]\ncot = \"hidden\"\n").unwrap();
        assert!(warnings.is_empty());
        let expected = Config {
            ui: UiSection {
                cot: Cot::Hidden,
                ..UiSection::default()
            },
            ..Config::default()
        };
        assert_eq!(config, expected);
    }

    #[test]
    fn unknown_key_in_known_section_is_a_warning_with_hint() {
        let (config, warnings) = load("[UI]\nnme = \"x\"\n").unwrap();
        assert_eq!(config, Config::default());
        assert_eq!(warnings.len(), 1);
        assert_eq!(warnings[0].key, "UI.nme");
        assert_eq!(
            warnings[0].to_string(),
            "unknown key `UI.nme` in .loquat/config.toml, ignored (did you mean `UI.name`?)"
        );
        let (_, warnings) = load("[features.spontaneous_file_upload]\nmax_file = 2\n").unwrap();
        assert!(
            warnings[0]
                .message
                .ends_with("(did you mean `features.spontaneous_file_upload.max_files`?)"),
            "{}",
            warnings[0]
        );
    }

    #[test]
    fn key_in_wrong_section_points_to_the_right_one() {
        let (_, warnings) = load("[project]\nunsafe_allow_html = true\n").unwrap();
        assert_eq!(warnings.len(), 1);
        assert_eq!(warnings[0].key, "project.unsafe_allow_html");
        assert!(
            warnings[0]
                .message
                .ends_with("(did you mean `features.unsafe_allow_html`?)"),
            "{}",
            warnings[0]
        );
    }

    #[test]
    fn unknown_sections_and_top_level_keys_are_warnings() {
        let (config, warnings) = load(
            "debug = true\n[foo]\nbar = 1\n[ui]\nname = \"x\"\n[UI.theme]\nlayout = \"wide\"\n",
        )
        .unwrap();
        assert_eq!(config, Config::default());
        // Sorted: the order of the table's keys depends on toml's features.
        let mut warnings = warnings;
        warnings.sort_by(|a, b| a.key.cmp(&b.key));
        let keys: Vec<&str> = warnings.iter().map(|w| w.key.as_str()).collect();
        assert_eq!(keys, ["UI.theme", "debug", "foo", "ui"]);
        let messages: Vec<String> = warnings.iter().map(ToString::to_string).collect();
        assert!(
            messages[1].contains("(did you mean the key `debug` under [project]?)"),
            "{}",
            messages[1]
        );
        assert_eq!(
            messages[2],
            "unknown section `[foo]` in .loquat/config.toml, ignored"
        );
        assert!(
            messages[3].contains("(did you mean [UI]?)"),
            "{}",
            messages[3]
        );
    }

    #[test]
    fn odd_key_names_are_quoted() {
        let (_, warnings) = load("[UI]\n\"a.b\" = 1\n").unwrap();
        assert_eq!(warnings[0].key, "UI.\"a.b\"");
    }

    #[test]
    fn invalid_cot_names_the_key_the_choices_and_the_file() {
        let (key, message) = invalid_key(load("[UI]\ncot = \"sometimes\"\n"));
        assert_eq!(key, "UI.cot");
        assert!(message.contains("sometimes"), "{message}");
        assert!(
            message.contains("`full`, `tool_call`, `hidden`"),
            "{message}"
        );
        assert!(message.ends_with("(in .loquat/config.toml)"), "{message}");
    }

    #[test]
    fn negative_or_non_numeric_timeout_is_invalid() {
        for text in [
            "session_timeout = -1",
            "session_timeout = \"abc\"",
            "session_timeout = 1.5",
        ] {
            let (key, message) = invalid_key(load(&format!("[project]\n{text}\n")));
            assert_eq!(key, "project.session_timeout", "{text}");
            assert!(
                message.contains("expected a whole number of seconds, 0 or more"),
                "{message}"
            );
        }
    }

    #[test]
    fn wrong_types_are_invalid() {
        let (key, _) = invalid_key(load("[project]\nallow_origins = \"*\"\n"));
        assert_eq!(key, "project.allow_origins");
        let (key, _) = invalid_key(load("[project]\nallow_origins = [\"a\", 1]\n"));
        assert_eq!(key, "project.allow_origins");
        let (key, _) = invalid_key(load("[features]\nunsafe_allow_html = \"yes\"\n"));
        assert_eq!(key, "features.unsafe_allow_html");
        let (key, _) = invalid_key(load("UI = 3\n"));
        assert_eq!(key, "UI");
        let (key, _) = invalid_key(load("[[project]]\ndebug = true\n"));
        assert_eq!(key, "project");
    }

    /// Every declared key is read by serde: a value of the wrong type is an
    /// error naming it, never "unknown".
    #[test]
    fn every_declared_key_is_read() {
        for (section, key) in Declaration::get().keys() {
            let text = format!("[{}]\n{} = {{}}\n", section.name(), key.name);
            let (found, _) = invalid_key(load(&text));
            assert_eq!(found, format!("{}.{}", section.name(), key.name));
        }
    }

    #[test]
    fn syntax_errors_are_parse_errors() {
        match load("[UI\nname = 1") {
            Err(ConfigError::Parse { path, message }) => {
                assert_eq!(path, Path::new(".loquat/config.toml"));
                assert!(message.contains("line 1"), "{message}");
            }
            other => panic!("expected Parse, got {other:?}"),
        }
        assert!(matches!(
            load("[UI]\nname = \"a\"\nname = \"b\"\n"),
            Err(ConfigError::Parse { .. })
        ));
    }

    #[test]
    fn limits_are_whole_numbers_and_unset_ones_stay_unset() {
        let (config, warnings) =
            load("[limits]\nsessions_per_client = 5\nuploads_at_once = 2\nsesions = 1\n").unwrap();
        assert_eq!(config.limits.sessions_per_client, Some(5));
        assert_eq!(config.limits.uploads_at_once, Some(2));
        assert_eq!(config.limits.connections, None);
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        let (key, message) = invalid_key(load("[limits]\nsessions = 0\n"));
        assert_eq!(key, "limits.sessions");
        assert!(message.contains("1 or more"), "{message}");
        assert!(load("[limits]\nsessions = \"many\"\n").is_err());
        assert!(load("[features.spontaneous_file_upload]\nmax_files = 0\n").is_err());
    }

    #[test]
    fn missing_file_is_none_and_non_utf8_is_a_parse_error() {
        let dir = crate::config::tests::TempDir::new("file-read");
        assert!(read(&dir.path().join("config.toml")).unwrap().is_none());
        let path = dir.path().join("bad.toml");
        std::fs::write(&path, [0xff, 0xfe, b'a']).unwrap();
        assert!(matches!(read(&path), Err(ConfigError::Parse { .. })));
        // A directory where the file should be is an I/O error, not "absent".
        assert!(matches!(read(dir.path()), Err(ConfigError::Io { .. })));
    }
}
