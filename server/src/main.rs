//! `loquat`: serves the default app (built-in assistant, or an
//! OpenAI-compatible model when one is configured).

#[tokio::main]
async fn main() -> std::process::ExitCode {
    match loquat::demo::default_app().serve().await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err}");
            std::process::ExitCode::FAILURE
        }
    }
}
