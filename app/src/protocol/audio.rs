//! Audio on the wire: the user's microphone to the app, the app's voice to
//! the browser. Both are mono 16-bit little-endian PCM.
//!
//! **In** (browser → server): `audio_start` opens a stream, then each
//! chunk is one *binary* WebSocket frame of raw PCM16, then `audio_end`
//! closes it. Binary frames are taken only while the socket has a stream
//! open; any other time they are refused as before. Why binary: at the
//! default 24 kHz a 100 ms chunk is 4,800 bytes raw, 6,400 bytes as
//! base64 (+33 %) plus ~50 bytes of JSON around it (`{"type":"audio_chunk",
//! "data":"…"}`), and the browser would spend its time encoding base64 in
//! wasm. A binary frame carries no id: it belongs to the one stream the
//! socket has open, which ends with the socket.
//!
//! **Out** (server → browser): `audio_output` events carry base64 of PCM16
//! inside the ordinary sequenced event stream, so they stay in order with
//! the app's text, reach every tab of the chat and are replayed after a
//! short reconnect like any other event. The 33 % is paid on the
//! server's encoder and the browser's built-in `atob`, and the
//! app's audio is usually much shorter than the user's (it is the
//! answer). Audio is never kept in the thread: a snapshot has none.

use serde::{Deserialize, Serialize};

/// The browser's audio settings (`[features.audio]`), in the page's
/// [`super::UiConfig`]; absent when audio is off.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AudioSettings {
    /// Samples per second the browser sends (it resamples the microphone).
    pub sample_rate: u32,
}

/// Where the server serves the microphone's AudioWorklet (a script of
/// the site, so the page's `script-src 'self'` allows it).
pub const AUDIO_WORKLET_PATH: &str = "/audio/worklet.js";

/// Where the server serves the page's audio script (recorder and player),
/// which the app loads the first time the page records or plays.
pub const AUDIO_CLIENT_PATH: &str = "/audio/client.js";

/// Lowest and highest sample rates on the wire.
pub const MIN_SAMPLE_RATE: u32 = 8_000;
pub const MAX_SAMPLE_RATE: u32 = 48_000;

/// Longest PCM16 chunk an app may put in one `audio_output` event; a
/// longer `send` is cut into several (64 KB raw: 1.3 s at 24 kHz).
pub const MAX_OUTPUT_CHUNK_BYTES: usize = 64 * 1024;
