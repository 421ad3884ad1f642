//! The browser's audio: the microphone's recording (an AudioWorklet turns
//! it into PCM16 chunks sent as binary frames) and the app's voice
//! (`audio_output` pieces scheduled back to back on the Web Audio clock,
//! so playback starts with the first piece). `bridge` (browser only)
//! hands the work to the audio script and keeps the connection's part.

#[cfg(feature = "hydrate")]
mod bridge;

#[cfg(feature = "hydrate")]
pub(crate) use bridge::{clicked, end, play, refused};
