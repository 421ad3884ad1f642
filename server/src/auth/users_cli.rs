//! `loquat users add|passwd|remove|list` and `loquat create-secret`: the
//! built-in users, managed in the database the data directory's
//! configuration names (`database_url`, else its loquat.db). The server
//! may be running: the database takes both, and a removed user's sign-ins
//! end on their next request.

use std::io::{BufRead, IsTerminal};
use std::sync::Arc;

use super::password::{hash_password, PasswordError};
use super::store::AuthStore;
use crate::cli::{UsersCommand, UsersOptions};
use crate::config::{Config, ConfigError};
use crate::data::DataError;
use crate::sdk::DATABASE_FILE;
use crate::time::now_millis;

/// Why a users command failed.
#[derive(Debug, thiserror::Error)]
pub enum UsersError {
    #[error(transparent)]
    Data(#[from] DataError),
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Password(#[from] PasswordError),
    #[error("`{0}` cannot be a user's name (1 to 256 bytes, no control characters)")]
    BadIdentifier(String),
    #[error("there is already a user `{0}`; `loquat users passwd {0}` changes the password")]
    Exists(String),
    #[error("there is no user `{0}`")]
    NoSuchUser(String),
    #[error("the passwords do not match")]
    Mismatch,
    #[error("no password given: run in a terminal, or pass --password-stdin")]
    NoPassword,
    #[error("cannot read the password: {0}")]
    Io(#[from] std::io::Error),
}

/// Runs the command; what it prints on success.
pub async fn run(command: UsersCommand) -> Result<String, UsersError> {
    match command {
        UsersCommand::Add {
            identifier,
            display_name,
            options,
        } => {
            let store = open(&options).await?;
            check_identifier(&identifier)?;
            if store.password_user(&identifier).await?.is_some() {
                return Err(UsersError::Exists(identifier));
            }
            let hash = hash_password(&read_password(&options, true)?)?;
            store
                .set_password(&identifier, display_name.as_deref(), &hash)
                .await?;
            Ok(format!("Added {identifier}."))
        }
        UsersCommand::Passwd {
            identifier,
            options,
        } => {
            let store = open(&options).await?;
            if store.password_user(&identifier).await?.is_none() {
                return Err(UsersError::NoSuchUser(identifier));
            }
            let hash = hash_password(&read_password(&options, true)?)?;
            store.set_password(&identifier, None, &hash).await?;
            let ended = store.end_logins_of(&identifier, now_millis()).await?;
            Ok(format!(
                "Changed the password of {identifier}; {ended} sign-in(s) ended."
            ))
        }
        UsersCommand::Remove {
            identifier,
            options,
        } => {
            let store = open(&options).await?;
            if !store.remove_password(&identifier, now_millis()).await? {
                return Err(UsersError::NoSuchUser(identifier));
            }
            Ok(format!(
                "Removed {identifier}: their sign-ins have ended; their conversations are kept."
            ))
        }
        UsersCommand::List { options } => {
            let store = open(&options).await?;
            let users = store.password_users().await?;
            if users.is_empty() {
                return Ok("No users yet: `loquat users add <name>` adds one.".into());
            }
            Ok(users
                .iter()
                .map(|user| match &user.display_name {
                    Some(name) => format!("{}\t{name}", user.identifier),
                    None => user.identifier.clone(),
                })
                .collect::<Vec<_>>()
                .join("\n"))
        }
    }
}

async fn open(options: &UsersOptions) -> Result<Arc<dyn AuthStore>, UsersError> {
    let (config, _) = Config::from_env(&options.data_dir)?;
    let data = crate::data::open(
        config.project.database_url.as_deref(),
        &options.data_dir.join(DATABASE_FILE),
    )
    .await?;
    // Loquat's own data layers always keep sign-ins and users.
    data.auth_store()
        .ok_or(UsersError::Data(DataError::Unsupported("built-in users")))
}

fn check_identifier(identifier: &str) -> Result<(), UsersError> {
    let trimmed = identifier.trim();
    if trimmed != identifier || crate::ids::UserId::parse(identifier).is_none() {
        return Err(UsersError::BadIdentifier(identifier.to_string()));
    }
    Ok(())
}

fn read_password(options: &UsersOptions, confirm: bool) -> Result<String, UsersError> {
    if options.password_stdin {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        let password = line.trim_end_matches(['\n', '\r']).to_string();
        return if password.is_empty() {
            Err(UsersError::NoPassword)
        } else {
            Ok(password)
        };
    }
    if !std::io::stdin().is_terminal() {
        return Err(UsersError::NoPassword);
    }
    let password = rpassword::prompt_password("Password: ")?;
    if confirm && rpassword::prompt_password("Again: ")? != password {
        return Err(UsersError::Mismatch);
    }
    Ok(password)
}
