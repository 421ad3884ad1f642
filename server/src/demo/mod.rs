//! The default app: what `loquat run` serves when the developer wrote no
//! code. With an OpenAI-compatible endpoint configured it chats with that
//! model; otherwise a built-in offline assistant shows what Loquat does.

mod audio;
mod commands;
mod llm;
pub mod media;
mod offline;
pub mod settings;
pub mod showcase;
mod window_messages;

use std::time::Duration;

use crate::llm::{LlmClient, LlmConfig};
use crate::sdk::Loquat;

pub use llm::llm_reply;
pub use offline::{offline_reply, reply_text};

/// The default app, choosing the LLM or offline mode from the environment.
pub fn default_app() -> Loquat {
    match LlmConfig::from_env() {
        Some(config) => {
            tracing::info!(model = %config.model, base_url = %config.base_url, "answering with an OpenAI-compatible model");
            llm_app(LlmClient::new(config))
        }
        None => offline_app(demo_pace_from_env()),
    }
}

/// Answers with `client`, using the whole conversation as context.
pub fn llm_app(client: LlmClient) -> Loquat {
    Loquat::new().on_message(move |chat, _msg| llm_reply(chat, client.clone()))
}

/// The offline demo assistant, one token every `pace` (or no delay).
pub fn offline_app(pace: Option<Duration>) -> Loquat {
    let mut app = Loquat::new()
        .on_message(move |chat, msg| offline_reply(chat, msg, pace))
        .on_settings_update(settings::on_update)
        .on_window_message(window_messages::on_window_message)
        .on_audio_chunk(audio::on_audio_chunk)
        .on_audio_end(audio::on_audio_end)
        .starters(commands::starters);
    for name in showcase::ACTIONS {
        app = app.on_action(name, showcase::on_action);
    }
    app
}

/// Delay between demo tokens, from `LOQUAT_DEMO_TOKENS_PER_SEC` (default 40;
/// 0 streams without delay).
pub fn demo_pace_from_env() -> Option<Duration> {
    let rate = std::env::var("LOQUAT_DEMO_TOKENS_PER_SEC")
        .ok()
        .and_then(|v| v.trim().parse::<f64>().ok())
        .unwrap_or(40.0);
    (rate > 0.0 && rate.is_finite()).then(|| Duration::from_secs_f64(1.0 / rate))
}
