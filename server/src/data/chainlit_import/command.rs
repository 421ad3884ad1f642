//! `loquat import-chainlit SOURCE_URL [--data-dir DIR]`: imports into the
//! store the data directory's configuration names (`database_url`, else
//! its loquat.db), like `loquat users`. The server may be running.

use crate::cli::ImportChainlitOptions;
use crate::config::Config;
use crate::sdk::DATABASE_FILE;

use super::source::Source;
use super::{import_from, ChainlitImportError, ImportReport};

/// Runs the command; the report to print. The Chainlit database is
/// reached first, so a wrong URL leaves the data directory untouched.
pub async fn run_command(
    options: &ImportChainlitOptions,
) -> Result<ImportReport, ChainlitImportError> {
    let source = Source::connect(&options.source_url).await?;
    let (config, _) = Config::from_env(&options.data_dir)?;
    std::fs::create_dir_all(&options.data_dir).map_err(|source| ChainlitImportError::DataDir {
        path: options.data_dir.clone(),
        source,
    })?;
    let store = crate::data::open(
        config.project.database_url.as_deref(),
        &options.data_dir.join(DATABASE_FILE),
    )
    .await?;
    import_from(source, store.as_ref()).await
}
