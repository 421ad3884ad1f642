//! Build script of `loquat`.
//!
//! - Reruns when a migration is added, so `sqlx::migrate!` embeds it.
//! - With the `embedded-site` feature (on by default) it builds the browser
//!   bundle from this repository's `frontend/`, `style/` and `public/` and
//!   embeds it in the library, so any binary linking `loquat` serves a page
//!   that hydrates, however it is built (see `docs/own-app.md`).

mod bundle;
mod embed;

use std::process::ExitCode;

fn main() -> ExitCode {
    println!("cargo:rerun-if-changed=migrations");
    if std::env::var_os("CARGO_FEATURE_EMBEDDED_SITE").is_none() {
        return ExitCode::SUCCESS;
    }
    match bundle::build().and_then(|site| embed::write(&site)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::FAILURE
        }
    }
}
