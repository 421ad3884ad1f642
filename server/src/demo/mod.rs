//! The default app: what `loquat run` serves when the developer wrote no
//! code. With an OpenAI-compatible endpoint configured it chats with that
//! model; otherwise a built-in offline assistant shows what Loquat does.

mod offline;

use std::time::Duration;

use crate::sdk::Loquat;

pub use offline::{offline_reply, reply_text};

/// The default app, choosing the LLM or offline mode from the environment.
pub fn default_app() -> Loquat {
    let pace = demo_pace_from_env();
    Loquat::new().on_message(move |chat, msg| offline_reply(chat, msg, pace))
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
