//! The WASM's side of the page's audio. The Web Audio work (microphone,
//! worklet, playback) and the live state of the microphone button and
//! the player's chip live in `/audio/client.js` (see its header and
//! `page_script`), loaded the first time the page records or plays; what
//! stays here is the connection's part: the `audio_start` / binary chunks
//! / `audio_end` events of the recording.

use std::cell::Cell;

use js_sys::Reflect;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use super::super::page_script::{call, clicked_on, op, set_host};

use crate::protocol::{ClientEvent, AUDIO_CLIENT_PATH, AUDIO_WORKLET_PATH};

/// Milliseconds of audio per chunk.
const CHUNK_MS: u32 = 100;

thread_local! {
    /// The open recording's connection (a new connection has no stream
    /// open: the recording ends there).
    static RECORDING: Cell<Option<u32>> = const { Cell::new(None) };
    /// The script was asked for (and the host function set).
    static LOADED: Cell<bool> = const { Cell::new(false) };
}

/// Sends `op` to the audio script, loading it first if needed.
fn command(fields: &[(&str, &JsValue)]) {
    if !LOADED.replace(true) {
        install_host();
    }
    call(AUDIO_CLIENT_PATH, "loquatAudio", op(fields));
}

/// A click in the voice controls: on the microphone button, the script
/// starts or stops the recording and shows it on the button.
pub(crate) fn clicked(click: &leptos::ev::MouseEvent, sample_rate: u32) {
    let Some(button) = clicked_on(click, ".mic") else {
        return;
    };
    let button = JsValue::from(button);
    let worklet = crate::root_path::href(AUDIO_WORKLET_PATH);
    command(&[
        ("op", &"toggle".into()),
        ("button", &button),
        ("rate", &sample_rate.into()),
        ("worklet", &worklet.into()),
        ("chunkMs", &CHUNK_MS.into()),
    ]);
}

/// The server refused or ended the stream: recording stops at once.
pub(crate) fn refused() {
    RECORDING.set(None);
    if LOADED.get() {
        command(&[("op", &"cancel".into())]);
    }
}

/// Plays the next piece (base64 PCM16) of the app's audio stream `stream`.
pub(crate) fn play(stream: &str, rate: u32, data: &str) {
    command(&[
        ("op", &"play".into()),
        ("stream", &stream.into()),
        ("rate", &rate.into()),
        ("data", &data.into()),
    ]);
}

/// The app's audio stream `stream` has no more pieces.
pub(crate) fn end(stream: &str) {
    command(&[("op", &"end".into()), ("stream", &stream.into())]);
}

/// `window.loquatAudioHost`: the script's answers (see its header); true
/// when the recording goes on.
fn install_host() {
    let host = Closure::<dyn Fn(JsValue) -> bool>::new(|message: JsValue| {
        if let Some(buffer) = message.dyn_ref::<js_sys::ArrayBuffer>() {
            return chunk(buffer);
        }
        let field = |key: &str| Reflect::get(&message, &JsValue::from_str(key)).unwrap_or_default();
        if let Some(rate) = field("opened").as_f64() {
            return opened(rate as u32);
        }
        if field("ended").is_truthy() && RECORDING.take().is_some() {
            super::super::socket::send(&ClientEvent::AudioEnd);
        }
        RECORDING.set(None);
        false
    });
    set_host("loquatAudioHost", host.as_ref());
    host.forget();
}

/// The microphone is live: the stream opens on the current connection.
fn opened(sample_rate: u32) -> bool {
    if !super::super::socket::send(&ClientEvent::AudioStart { sample_rate }) {
        RECORDING.set(None);
        return false;
    }
    RECORDING.set(Some(super::super::socket::generation()));
    true
}

/// A chunk of the recording, sent as one binary frame while the stream is
/// open on this connection.
fn chunk(buffer: &js_sys::ArrayBuffer) -> bool {
    let open = RECORDING.get() == Some(super::super::socket::generation());
    if !open || !super::super::socket::send_bytes(js_sys::Uint8Array::new(buffer).to_vec()) {
        RECORDING.set(None);
        return false;
    }
    true
}
