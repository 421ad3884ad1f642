//! Texts generated from the declaration: the commented `config.toml`
//! written into a fresh data directory, and the
//! reference page `docs/config.md`.

use std::fmt::Write as _;

use super::schema::{Declaration, Key, Kind, Section};

/// Width the comments of the generated file are wrapped at.
const WIDTH: usize = 78;

/// The commented `config.toml`: every key set to its default (keys whose
/// default is the app's own are shown commented out), each with its meaning
/// and its environment variable.
pub(super) fn default_toml() -> String {
    let mut out = String::from(
        "# Loquat configuration (docs/config.md lists every key).\n\
         # Environment variables (LOQUAT_*) override the values in this file.\n",
    );
    for section in &Declaration::get().sections {
        let _ = write!(out, "\n[{}]\n", section.name());
        comment(&mut out, &section.doc);
        for (i, key) in section.keys.iter().enumerate() {
            if i > 0 || !section.doc.is_empty() {
                out.push('\n');
            }
            comment(&mut out, &key.doc);
            comment(&mut out, &format!("Env: {}", env_line(key)));
            match (&key.default, &key.example) {
                (Some(value), _) => {
                    let _ = writeln!(out, "{} = {value}", key.name);
                }
                (None, Some(example)) => {
                    let _ = writeln!(out, "# {} = {example}", key.name);
                }
                (None, None) => {
                    let _ = writeln!(out, "# {} =", key.name);
                }
            }
        }
    }
    out
}

/// `docs/config.md`: every section and key with its environment variable,
/// default and meaning.
pub(super) fn reference_markdown() -> String {
    let mut out = String::from(
        "# Configuration reference\n\n\
         <!-- Generated from server/src/config/sections.rs; the test \
         `config::template::tests::docs_config_md_matches_the_declaration` checks it. \
         Rewrite it with `LOQUAT_WRITE_DOCS=1 cargo test -p loquat --lib docs_config_md`. -->\n\n\
         Loquat reads `<data-dir>/config.toml` (`.loquat/config.toml` by default; a fresh \
         data directory gets a commented one). Every key has an \
         environment variable that overrides it; lists are comma-separated there. Unknown \
         keys and `LOQUAT_*` variables are reported at start with a \"did you mean\" hint; a \
         bad value stops the start with an error naming the key.\n",
    );
    for section in &Declaration::get().sections {
        section_markdown(&mut out, section);
    }
    out
}

fn section_markdown(out: &mut String, section: &Section) {
    let _ = write!(out, "\n## `[{}]`\n\n", section.name());
    if !section.doc.is_empty() {
        let _ = write!(out, "{}\n\n", one_paragraph(&section.doc));
    }
    out.push_str("| Key | Environment variable | Default | Meaning |\n");
    out.push_str("|---|---|---|---|\n");
    for key in &section.keys {
        let default = match &key.default {
            Some(value) => format!("`{value}`"),
            // Unset: `[limits]` keeps the app's own value; elsewhere the
            // key is simply not used.
            None if section.name() == "limits" => "the app's".to_string(),
            None => "unset".to_string(),
        };
        let _ = writeln!(
            out,
            "| `{}` | `{}` | {} | {} |",
            key.name,
            key.env,
            default.replace('|', "\\|"),
            one_paragraph(&key.doc).replace('|', "\\|")
        );
    }
}

fn env_line(key: &Key) -> String {
    match key.kind {
        Kind::List => format!("{} (comma-separated)", key.env),
        _ => key.env.clone(),
    }
}

/// A doc comment as one line: its line breaks become spaces, its
/// paragraphs one space apart.
fn one_paragraph(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// `text` as `# ` comment lines wrapped at [`WIDTH`], one block per
/// paragraph.
fn comment(out: &mut String, text: &str) {
    for (i, paragraph) in text.split("\n\n").enumerate() {
        if i > 0 {
            out.push_str("#\n");
        }
        let mut line = String::from("#");
        for word in paragraph.split_whitespace() {
            if line.len() > 1 && line.len() + 1 + word.len() > WIDTH {
                out.push_str(&line);
                out.push('\n');
                line = String::from("#");
            }
            line.push(' ');
            line.push_str(word);
        }
        if line.len() > 1 {
            out.push_str(&line);
            out.push('\n');
        }
    }
}

#[cfg(test)]
// A failed unwrap is a clear test failure; the workspace denies it elsewhere.
#[allow(clippy::unwrap_used)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::config::{file, Config};

    #[test]
    fn default_toml_is_exactly_the_default_config() {
        let text = default_toml();
        let path = Path::new("config.toml");
        let document = file::parse(&text, path).unwrap();
        let mut warnings = Vec::new();
        file::check(&document, path, &mut warnings).unwrap();
        assert!(warnings.is_empty(), "{warnings:?}");
        assert_eq!(
            file::deserialize(document, |_| {}).unwrap(),
            Config::default()
        );
    }

    #[test]
    fn default_toml_shows_every_key_and_variable() {
        let text = default_toml();
        for (section, key) in Declaration::get().keys() {
            assert!(
                text.contains(&format!("\n{} = ", key.name))
                    || text.contains(&format!("\n# {} = ", key.name)),
                "default_toml lacks {}.{}",
                section.name(),
                key.name
            );
            assert!(text.contains(&key.env), "default_toml lacks {}", key.env);
        }
        assert!(text.lines().all(|l| l.len() <= WIDTH + 20), "{text}");
    }

    /// `docs/config.md` is what the declaration says; with
    /// `LOQUAT_WRITE_DOCS=1` the test rewrites it instead.
    #[test]
    fn docs_config_md_matches_the_declaration() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/config.md");
        let expected = reference_markdown();
        if std::env::var_os("LOQUAT_WRITE_DOCS").is_some() {
            std::fs::write(&path, &expected).unwrap();
        }
        let found = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            found == expected,
            "docs/config.md differs from the declaration in server/src/config/sections.rs; \
             rewrite it with `LOQUAT_WRITE_DOCS=1 cargo test -p loquat --lib docs_config_md`"
        );
        for (_, key) in Declaration::get().keys() {
            assert!(found.contains(&format!("| `{}` | `{}` |", key.name, key.env)));
        }
    }

    #[test]
    fn comments_wrap_and_keep_paragraphs() {
        let mut out = String::new();
        comment(&mut out, &format!("{}\n\nsecond", "word ".repeat(30)));
        let lines: Vec<&str> = out.lines().collect();
        assert!(lines.iter().all(|l| l.len() <= WIDTH), "{out}");
        assert!(lines.contains(&"#"), "{out}");
        assert_eq!(lines.last(), Some(&"# second"));
    }
}
