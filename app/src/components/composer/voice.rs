//! The composer's voice controls: the chip that shows while the app's
//! spoken answer plays, and the microphone button (when the app takes
//! audio, `[features.audio]`).
//!
//! Both are markup written once; the audio script (`/audio/client.js`, see
//! `client::audio`) keeps their live state on the elements while it
//! records or plays, and one delegated click reaches the WASM. Measured on
//! the unoptimized release WASM: the two as reactive components (a signal
//! per attribute) added 180 KB, as static Leptos views 64 KB, as markup
//! 6 KB (see `client::page_script` for the bytes shipped).

use leptos::prelude::*;

use crate::components::icons::MIC;
use crate::i18n::t;
use crate::markdown::escape;
use crate::protocol::UiConfig;

/// The chip (`audio-player`: the script keeps `data-state` `idle`,
/// `playing`, `done`, `data-received-ms`, `data-played-ms`,
/// `data-started-early` and `hidden`) and, when the app takes audio, the
/// microphone button (`composer-mic`: `data-state` `off`, `starting`,
/// `recording`, `stopping`, `data-sent-ms`, `aria-pressed` and its label).
#[component]
pub fn VoiceControls() -> impl IntoView {
    let audio = expect_context::<UiConfig>().audio;
    let mut html = format!(
        "<span class=\"audio-status\" data-testid=\"audio-player\" data-state=\"idle\" hidden>{}</span>",
        escape(&t("composer.playing"))
    );
    if audio.is_some() {
        let record = escape(&t("composer.record"));
        html.push_str(&format!(
            "<button type=\"button\" class=\"icon-btn mic\" data-testid=\"composer-mic\" \
             data-state=\"off\" data-sent-ms=\"0\" data-label-record=\"{record}\" \
             data-label-stop=\"{}\" aria-pressed=\"false\" title=\"{record}\" \
             aria-label=\"{record}\">{MIC}</button>",
            escape(&t("composer.stop_recording"))
        ));
    }
    let rate = audio.map_or(0, |settings| settings.sample_rate);
    view! {
        <span
            class="voice"
            inner_html=html
            on:click=move |event| crate::client::voice_clicked(&event, rate)
        ></span>
    }
}
