//! Every section and key of `config.toml`, derived from the serde structs
//! of [`super::sections`] through their JSON schema: the keys, their doc
//! comments, their environment variables, kinds and defaults. The unknown-key
//! hints, the environment overrides, the default file and `docs/config.md`
//! all read this, so a key added to a struct is everywhere at once.

use std::sync::LazyLock;

use serde_json::{Map, Value as Json};

use super::Config;

/// The whole declaration, in file order.
pub(crate) struct Declaration {
    /// Sections, each followed by its subsections.
    pub(crate) sections: Vec<Section>,
}

/// One `[section]` (or `[section.sub]`).
pub(crate) struct Section {
    /// `["features", "spontaneous_file_upload"]`.
    pub(crate) path: Vec<String>,
    /// What the section is for.
    pub(crate) doc: String,
    /// Its keys, in declaration order (subsections excluded).
    pub(crate) keys: Vec<Key>,
}

/// One key of a section.
pub(crate) struct Key {
    /// The key's name in its section.
    pub(crate) name: String,
    /// What it does.
    pub(crate) doc: String,
    /// The environment variable that overrides it.
    pub(crate) env: String,
    /// What it takes.
    pub(crate) kind: Kind,
    /// Its default as written in the file; `None` when unset by default
    /// (the app's own value applies).
    pub(crate) default: Option<toml::Value>,
    /// A value to show, commented out, when there is no default.
    pub(crate) example: Option<toml::Value>,
}

/// What a key takes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Kind {
    Boolean,
    Integer,
    String,
    /// One of these names.
    Choice(Vec<String>),
    /// A list of strings (comma-separated in the environment).
    List,
}

impl Section {
    /// The section's name as in its header: `features.spontaneous_file_upload`.
    pub(crate) fn name(&self) -> String {
        self.path.join(".")
    }
}

impl Declaration {
    /// The declaration of [`Config`], built once.
    pub(crate) fn get() -> &'static Declaration {
        static DECLARATION: LazyLock<Declaration> = LazyLock::new(Declaration::derive);
        &DECLARATION
    }

    /// The section named `name` (`"UI"`, `"features.spontaneous_file_upload"`).
    pub(crate) fn section(&self, name: &str) -> Option<&Section> {
        self.sections.iter().find(|s| s.name() == name)
    }

    /// Every key with the section it is in.
    pub(crate) fn keys(&self) -> impl Iterator<Item = (&Section, &Key)> {
        self.sections
            .iter()
            .flat_map(|section| section.keys.iter().map(move |key| (section, key)))
    }

    fn derive() -> Declaration {
        let generator = schemars::generate::SchemaSettings::draft2020_12()
            .with(|settings| settings.inline_subschemas = true)
            .into_generator();
        let schema =
            serde_json::to_value(generator.into_root_schema_for::<Config>()).unwrap_or_default();
        let defaults = toml::Value::try_from(Config::default())
            .unwrap_or_else(|_| toml::Value::Table(toml::Table::new()));
        let mut sections = Vec::new();
        for (name, section) in properties(&schema) {
            collect(vec![name.clone()], section, &defaults, &mut sections);
        }
        Declaration { sections }
    }
}

/// Adds the section at `path` (schema `schema`) and its subsections.
fn collect(path: Vec<String>, schema: &Json, defaults: &toml::Value, out: &mut Vec<Section>) {
    let mut keys = Vec::new();
    let mut subsections = Vec::new();
    for (name, property) in properties(schema) {
        if is_section(property) {
            subsections.push((name, property));
            continue;
        }
        let default = path
            .iter()
            .chain(std::iter::once(name))
            .try_fold(defaults, |value, segment| value.get(segment))
            .cloned();
        keys.push(Key {
            name: name.clone(),
            doc: doc(property),
            env: property
                .get("env")
                .and_then(Json::as_str)
                .map(str::to_string)
                .unwrap_or_else(|| derived_env(&path, name)),
            kind: kind(property),
            default,
            example: property
                .get("examples")
                .and_then(|e| e.get(0))
                .and_then(|e| toml::Value::try_from(e).ok()),
        });
    }
    out.push(Section {
        doc: doc(schema),
        path: path.clone(),
        keys,
    });
    for (name, property) in subsections {
        let mut sub = path.clone();
        sub.push(name.clone());
        collect(sub, property, defaults, out);
    }
}

fn properties(schema: &Json) -> impl Iterator<Item = (&String, &Json)> {
    static EMPTY: LazyLock<Map<String, Json>> = LazyLock::new(Map::new);
    schema
        .get("properties")
        .and_then(Json::as_object)
        .unwrap_or(&EMPTY)
        .iter()
}

fn is_section(schema: &Json) -> bool {
    schema.get("properties").is_some()
}

/// The doc comment: title and description, as one text.
fn doc(schema: &Json) -> String {
    let part = |name: &str| schema.get(name).and_then(Json::as_str).unwrap_or_default();
    [part("title"), part("description")]
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join("\n\n")
}

/// `LOQUAT_<SECTION>_<KEY>` for keys without a historical name.
fn derived_env(path: &[String], key: &str) -> String {
    let mut name = String::from("LOQUAT");
    for segment in path.iter().map(String::as_str).chain(std::iter::once(key)) {
        name.push('_');
        name.push_str(&segment.to_ascii_uppercase());
    }
    name
}

fn kind(schema: &Json) -> Kind {
    let choices: Vec<String> = match (schema.get("enum"), schema.get("oneOf")) {
        (Some(Json::Array(names)), _) => names
            .iter()
            .filter_map(|n| n.as_str().map(str::to_string))
            .collect(),
        (_, Some(Json::Array(variants))) => variants
            .iter()
            .filter_map(|v| v.get("const").and_then(Json::as_str).map(str::to_string))
            .collect(),
        _ => Vec::new(),
    };
    if !choices.is_empty() {
        return Kind::Choice(choices);
    }
    let types: Vec<&str> = match schema.get("type") {
        Some(Json::String(t)) => vec![t.as_str()],
        Some(Json::Array(ts)) => ts.iter().filter_map(Json::as_str).collect(),
        _ => Vec::new(),
    };
    if types.contains(&"boolean") {
        Kind::Boolean
    } else if types.contains(&"integer") {
        Kind::Integer
    } else if types.contains(&"array") {
        Kind::List
    } else {
        Kind::String
    }
}

#[cfg(test)]
// A failed unwrap is a clear test failure; the workspace denies it elsewhere.
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn sections_and_keys_come_from_the_structs() {
        let declaration = Declaration::get();
        let names: Vec<String> = declaration.sections.iter().map(Section::name).collect();
        assert_eq!(
            names,
            [
                "project",
                "features",
                "features.spontaneous_file_upload",
                "features.mcp",
                "features.audio",
                "UI",
                "limits",
                "auth",
                "storage",
                "cluster"
            ]
        );
        let ui = declaration.section("UI").unwrap();
        let cot = ui.keys.iter().find(|k| k.name == "cot").unwrap();
        assert_eq!(cot.env, "LOQUAT_COT");
        assert_eq!(
            cot.kind,
            Kind::Choice(vec!["full".into(), "tool_call".into(), "hidden".into()])
        );
        assert_eq!(cot.default, Some(toml::Value::String("full".into())));
        assert!(cot.doc.starts_with("Chain of thought"), "{}", cot.doc);

        let limits = declaration.section("limits").unwrap();
        let sessions = limits.keys.iter().find(|k| k.name == "sessions").unwrap();
        assert_eq!(sessions.kind, Kind::Integer);
        assert_eq!(sessions.default, None);
        assert_eq!(sessions.example, Some(toml::Value::Integer(10000)));
        assert_eq!(sessions.env, "LOQUAT_LIMITS_SESSIONS");

        let uploads = declaration
            .section("features.spontaneous_file_upload")
            .unwrap();
        let accept = uploads.keys.iter().find(|k| k.name == "accept").unwrap();
        assert_eq!(accept.kind, Kind::List);
        assert_eq!(accept.env, "LOQUAT_FEATURES_SPONTANEOUS_FILE_UPLOAD_ACCEPT");
        let project = declaration.section("project").unwrap();
        let timeout = &project.keys[0];
        assert_eq!(timeout.name, "session_timeout");
        assert_eq!(timeout.kind, Kind::Integer);
        assert_eq!(timeout.default, Some(toml::Value::Integer(3600)));
    }

    #[test]
    fn every_key_is_documented_and_every_variable_is_unique() {
        let mut seen = std::collections::HashSet::new();
        for (section, key) in Declaration::get().keys() {
            assert!(
                !key.doc.is_empty(),
                "{}.{} has no doc",
                section.name(),
                key.name
            );
            assert!(seen.insert(key.env.clone()), "{} twice", key.env);
        }
        for section in &Declaration::get().sections {
            assert!(!section.doc.is_empty(), "[{}] has no doc", section.name());
        }
    }
}
