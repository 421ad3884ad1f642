//! `loquat new <DIR>`: writes a minimal app crate that `cargo run` serves.
//!
//! The app is the hello example (`server/examples/hello.rs`, one source for
//! both), depending on the loquat crate this binary was built from when that
//! checkout is still there (a path dependency), else on the published crate.

use std::path::{Path, PathBuf};

mod init;

pub use init::{init, InitOptions, Initialized};

/// Where `loquat` was when this binary was compiled.
const BUILT_FROM: &str = env!("CARGO_MANIFEST_DIR");

const CARGO_TOML: &str = include_str!("Cargo.toml.template");
const README: &str = include_str!("README.md.template");
const GITIGNORE: &str = include_str!("gitignore.template");
const HELLO: &str = include_str!("../../examples/hello.rs");

/// What to create.
#[derive(Debug, Clone, clap::Args)]
pub struct NewOptions {
    /// Directory of the new app (created; must be empty if it exists).
    pub dir: PathBuf,
    /// Package name (default: derived from the directory's name).
    #[arg(long)]
    pub name: Option<String>,
    /// Path of the loquat crate to depend on (default: the checkout this
    /// binary was built from).
    #[arg(long)]
    pub loquat_path: Option<PathBuf>,
}

/// Why the app could not be created.
#[derive(Debug, thiserror::Error)]
pub enum StarterError {
    #[error("{0} exists and is not empty; choose a new directory")]
    NotEmpty(PathBuf),
    #[error(
        "{0} is not a usable package name (letters, digits, `-` and `_`, starting with a letter)"
    )]
    BadName(String),
    #[error("{0} has no loquat crate (no Cargo.toml naming package `loquat`)")]
    NotLoquat(PathBuf),
    #[error("cannot write {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// What was created, for the message to the user.
#[derive(Debug)]
pub struct Created {
    pub dir: PathBuf,
    pub name: String,
    /// The dependency line written to Cargo.toml.
    pub dependency: String,
}

/// Writes the app crate.
pub fn create(options: &NewOptions) -> Result<Created, StarterError> {
    let dir = &options.dir;
    if dir.exists()
        && std::fs::read_dir(dir)
            .map(|mut d| d.next().is_some())
            .unwrap_or(true)
    {
        return Err(StarterError::NotEmpty(dir.clone()));
    }
    let name = match &options.name {
        Some(name) if is_package_name(name) => name.clone(),
        Some(name) => return Err(StarterError::BadName(name.clone())),
        None => package_name(dir),
    };
    let dependency = dependency(options.loquat_path.as_deref())?;
    let fill = |template: &str| {
        template
            .replace("{name}", &name)
            .replace("{loquat}", &dependency)
    };
    let files = [
        ("Cargo.toml", fill(CARGO_TOML)),
        ("src/main.rs", main_rs(&name)),
        ("README.md", fill(README)),
        (".gitignore", GITIGNORE.to_string()),
        ("public/elements/.gitkeep", String::new()),
    ];
    for (relative, content) in files {
        let path = dir.join(relative);
        let write = || -> std::io::Result<()> {
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent)?;
            }
            std::fs::write(&path, content)
        };
        write().map_err(|source| StarterError::Write {
            path: path.clone(),
            source,
        })?;
    }
    Ok(Created {
        dir: dir.clone(),
        name,
        dependency,
    })
}

/// The hello example, with a doc comment of its own instead of the
/// example's "how to run".
fn main_rs(name: &str) -> String {
    let code = HELLO
        .lines()
        .skip_while(|line| line.starts_with("//!"))
        .collect::<Vec<_>>()
        .join("\n");
    format!(
        "//! {name}: a Loquat chat app. `cargo run`, then open http://127.0.0.1:3000.\n{code}\n"
    )
}

/// The `loquat = …` line: a path dependency on a checkout, else the
/// published version.
fn dependency(explicit: Option<&Path>) -> Result<String, StarterError> {
    let checkout = match explicit {
        Some(path) => {
            let path = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
            if !is_loquat_crate(&path) {
                return Err(StarterError::NotLoquat(path));
            }
            Some(path)
        }
        None => Some(PathBuf::from(BUILT_FROM)).filter(|path| is_loquat_crate(path)),
    };
    Ok(match checkout {
        Some(path) => {
            let quoted = toml::Value::String(path.to_string_lossy().into_owned()).to_string();
            format!("loquat = {{ path = {quoted} }}")
        }
        None => format!("loquat = \"{}\"", env!("CARGO_PKG_VERSION")),
    })
}

fn is_loquat_crate(dir: &Path) -> bool {
    std::fs::read_to_string(dir.join("Cargo.toml"))
        .ok()
        .and_then(|text| text.parse::<toml::Table>().ok())
        .and_then(|manifest| {
            manifest
                .get("package")?
                .get("name")?
                .as_str()
                .map(|name| name == "loquat")
        })
        .unwrap_or(false)
}

fn is_package_name(name: &str) -> bool {
    name.len() <= 64
        && name.starts_with(|c: char| c.is_ascii_alphabetic())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// A package name from the directory's name: lower case, other characters
/// as `-`, `chat-app` when nothing usable is left.
fn package_name(dir: &Path) -> String {
    let raw = dir
        .file_name()
        .map(|name| name.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    let mapped: String = raw
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect();
    let trimmed = mapped.trim_matches('-');
    if is_package_name(trimmed) {
        trimmed.to_string()
    } else if !trimmed.is_empty() && is_package_name(&format!("app-{trimmed}")) {
        format!("app-{trimmed}")
    } else {
        "chat-app".to_string()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn package_names_come_from_the_directory() {
        assert_eq!(package_name(Path::new("/tmp/My Chat")), "my-chat");
        assert_eq!(package_name(Path::new("support_bot")), "support_bot");
        assert_eq!(package_name(Path::new("2024-bot")), "app-2024-bot");
        assert_eq!(package_name(Path::new("/")), "chat-app");
        assert!(!is_package_name("bad name"));
    }

    #[test]
    fn the_app_is_the_hello_example_with_its_own_header() {
        let main = main_rs("demo");
        assert!(main.starts_with("//! demo: a Loquat chat app."));
        assert!(main.contains("Loquat::new()"));
        assert!(!main.contains("--example"));
    }

    #[test]
    fn a_new_app_depends_on_this_checkout_and_refuses_a_used_directory() {
        let parent = tempfile::tempdir().unwrap();
        let dir = parent.path().join("Helper Bot");
        let options = NewOptions {
            dir: dir.clone(),
            name: None,
            loquat_path: None,
        };
        let created = create(&options).unwrap();
        assert_eq!(created.name, "helper-bot");
        let manifest: toml::Table = std::fs::read_to_string(dir.join("Cargo.toml"))
            .unwrap()
            .parse()
            .unwrap();
        let path = manifest["dependencies"]["loquat"]["path"].as_str().unwrap();
        assert!(is_loquat_crate(Path::new(path)), "{path}");
        assert_eq!(manifest["package"]["name"].as_str(), Some("helper-bot"));
        assert!(dir.join("src/main.rs").is_file());
        assert!(dir.join("public/elements").is_dir());
        assert!(matches!(create(&options), Err(StarterError::NotEmpty(_))));
    }

    #[test]
    fn an_explicit_path_must_be_a_loquat_crate() {
        let other = tempfile::tempdir().unwrap();
        let parent = tempfile::tempdir().unwrap();
        let options = NewOptions {
            dir: parent.path().join("app"),
            name: None,
            loquat_path: Some(other.path().to_path_buf()),
        };
        assert!(matches!(create(&options), Err(StarterError::NotLoquat(_))));
    }
}
