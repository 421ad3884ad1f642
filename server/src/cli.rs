//! The command line every Loquat app binary understands.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

pub use crate::starter::NewOptions;

/// Command-line interface of a Loquat app.
#[derive(Debug, Parser)]
#[command(name = "loquat", version, about = "Serve a Loquat chat app")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// What to do; `run` is the default.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the app over HTTP.
    Run(ServeOptions),
    /// Write a new app crate (Cargo.toml, src/main.rs, README.md) into DIR.
    New(NewOptions),
    /// Write the files that make an app look its own into DIR (default:
    /// here): .loquat/config.toml, public/theme.json, public/README.md;
    /// files that exist are kept.
    Init(crate::starter::InitOptions),
    /// Manage the built-in password users ([auth] password_users).
    #[command(subcommand)]
    Users(UsersCommand),
    /// Print a new random LOQUAT_AUTH_SECRET.
    CreateSecret,
    /// Check the app's translation files against the English one: name
    /// each missing and unknown key; exit non-zero when there is any.
    LintTranslations(LintOptions),
    /// Import users, threads, steps, elements and feedback from a Chainlit
    /// database (official or SQLAlchemy data layer; PostgreSQL or SQLite) into this
    /// app's store; running it again changes nothing. Prints what was
    /// imported and what was skipped, and why.
    ImportChainlit(ImportChainlitOptions),
}

/// What `loquat import-chainlit` reads and where it writes.
#[derive(Debug, Clone, clap::Args)]
pub struct ImportChainlitOptions {
    /// The Chainlit database: postgres://user:password@host/db, or
    /// sqlite:///path/chainlit.db for the SQLAlchemy layer on SQLite.
    pub source_url: String,
    /// Directory for config.toml and data (the store is the one it names).
    #[arg(long, env = "LOQUAT_DATA_DIR", default_value = ".loquat")]
    pub data_dir: PathBuf,
}

/// Where `loquat lint-translations` looks.
#[derive(Debug, Clone, clap::Args)]
pub struct LintOptions {
    /// The directory of translation files (default: DATA_DIR/translations).
    pub dir: Option<PathBuf>,
    /// Directory for config.toml and data.
    #[arg(long, env = "LOQUAT_DATA_DIR", default_value = ".loquat")]
    pub data_dir: PathBuf,
}

/// `loquat users …`: the built-in users, kept in the data directory's
/// database (the server may be running).
#[derive(Debug, Clone, Subcommand)]
pub enum UsersCommand {
    /// Add a user (asks for the password, or reads it from stdin).
    Add {
        /// The name they sign in with.
        identifier: String,
        /// The name shown in the header.
        #[arg(long)]
        display_name: Option<String>,
        #[command(flatten)]
        options: UsersOptions,
    },
    /// Change a user's password; their sign-ins end.
    Passwd {
        identifier: String,
        #[command(flatten)]
        options: UsersOptions,
    },
    /// Remove a user: they can no longer sign in, their sign-ins and
    /// tokens end at once. Their conversations are kept.
    Remove {
        identifier: String,
        #[command(flatten)]
        options: UsersOptions,
    },
    /// List the users.
    List {
        #[command(flatten)]
        options: UsersOptions,
    },
}

/// Where the users are kept, and how the password is given.
#[derive(Debug, Clone, clap::Args)]
pub struct UsersOptions {
    /// Directory for config.toml and data.
    #[arg(long, env = "LOQUAT_DATA_DIR", default_value = ".loquat")]
    pub data_dir: PathBuf,
    /// Read the password from the first line of stdin instead of asking.
    #[arg(long)]
    pub password_stdin: bool,
}

/// Where to listen and where to keep data.
#[derive(Debug, Clone, clap::Args)]
pub struct ServeOptions {
    /// Interface to listen on.
    #[arg(long, env = "LOQUAT_HOST", default_value = "127.0.0.1")]
    pub host: String,
    /// Port to listen on (0 picks a free one).
    #[arg(long, env = "LOQUAT_PORT", default_value_t = 3000)]
    pub port: u16,
    /// Directory for config.toml and data.
    #[arg(long, env = "LOQUAT_DATA_DIR", default_value = ".loquat")]
    pub data_dir: PathBuf,
    /// The app's own static files (custom elements in `elements/`, logos,
    /// favicon), served before Loquat's.
    #[arg(long, env = "LOQUAT_PUBLIC_DIR", default_value = "public")]
    pub public_dir: PathBuf,
    /// Serve the app under this path, e.g. `/chat` behind a reverse proxy
    /// (overrides `[project] root_path` and LOQUAT_ROOT_PATH).
    #[arg(long, value_parser = parse_root_path)]
    pub root_path: Option<loquat_app::root_path::RootPath>,
}

fn parse_root_path(text: &str) -> Result<loquat_app::root_path::RootPath, String> {
    loquat_app::root_path::RootPath::parse(text).map_err(|err| err.to_string())
}

impl Default for ServeOptions {
    fn default() -> Self {
        ServeOptions {
            host: "127.0.0.1".into(),
            port: 3000,
            data_dir: PathBuf::from(".loquat"),
            public_dir: PathBuf::from("public"),
            root_path: None,
        }
    }
}

impl ServeOptions {
    /// Loopback on a free port with the given data directory (for tests).
    pub fn ephemeral(data_dir: impl Into<PathBuf>) -> Self {
        ServeOptions {
            port: 0,
            data_dir: data_dir.into(),
            ..ServeOptions::default()
        }
    }
}

impl Cli {
    /// The command from the process arguments (exits on `--help`); `run`
    /// with its defaults when none is given.
    pub fn command() -> Command {
        Cli::parse()
            .command
            .unwrap_or_else(|| Command::Run(ServeOptions::default()))
    }
}
