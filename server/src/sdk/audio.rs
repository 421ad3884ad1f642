//! Audio for the app's hooks: what the user's microphone sent
//! ([`AudioChunk`], to `on_audio_chunk`) and the app's spoken answer
//! ([`Chat::stream_audio`]). Both are mono 16-bit little-endian PCM (see
//! docs/audio.md and `loquat_app::protocol` for the wire).

use std::future::Future;
use std::time::Duration;

use base64::Engine as _;
use bytes::Bytes;
use loquat_app::protocol::{ServerEvent, MAX_OUTPUT_CHUNK_BYTES};
use loquat_app::protocol::{MAX_SAMPLE_RATE, MIN_SAMPLE_RATE};

use super::{Chat, Loquat};
use crate::error::{BoxError, ChatError, HookResult};
use crate::runtime::hooks::{audio_start_hook, chat_hook, chat_with_hook};

/// One piece of the user's recording, in the order it was spoken.
///
/// ```no_run
/// use loquat::{AudioChunk, Chat, Loquat};
///
/// Loquat::new().on_audio_chunk(|chat: Chat, chunk: AudioChunk| async move {
///     if chunk.is_first() {
///         chat.user_session().set("heard_ms", 0u128);
///     }
///     let ms = chunk.duration().as_millis();
///     chat.user_session().update("heard_ms", |total: &mut u128| *total += ms);
///     Ok(())
/// });
/// ```
#[derive(Clone, Debug)]
pub struct AudioChunk {
    pub(crate) data: Bytes,
    pub(crate) sample_rate: u32,
    pub(crate) index: u64,
    pub(crate) offset: Duration,
}

impl AudioChunk {
    /// The PCM16 little-endian mono bytes (an even number of them).
    #[must_use]
    pub fn data(&self) -> &[u8] {
        &self.data
    }

    /// The bytes, without copying them.
    #[must_use]
    pub fn into_bytes(self) -> Bytes {
        self.data
    }

    /// The samples.
    pub fn samples(&self) -> impl Iterator<Item = i16> + '_ {
        self.data
            .chunks_exact(2)
            .map(|pair| i16::from_le_bytes([pair[0], pair[1]]))
    }

    /// Samples per second (`[features.audio] sample_rate`).
    #[must_use]
    pub fn sample_rate(&self) -> u32 {
        self.sample_rate
    }

    /// Its place in the recording: 0 for the first chunk.
    #[must_use]
    pub fn index(&self) -> u64 {
        self.index
    }

    /// The first chunk of a recording (start afresh).
    #[must_use]
    pub fn is_first(&self) -> bool {
        self.index == 0
    }

    /// How far into the recording it starts.
    #[must_use]
    pub fn offset(&self) -> Duration {
        self.offset
    }

    /// How long it lasts.
    #[must_use]
    pub fn duration(&self) -> Duration {
        pcm16_duration(self.data.len() as u64, self.sample_rate)
    }
}

/// The audio hooks (see docs/audio.md). The microphone button shows when
/// `[features.audio] enabled` is on and the app has `on_audio_chunk`.
impl Loquat {
    /// Runs when the user turns the microphone on, before any audio is
    /// taken: `Ok(true)` opens the stream, `Ok(false)` (or an error)
    /// refuses it and the browser stops recording. It has 10 seconds to
    /// answer. Without this hook every recording is taken.
    ///
    /// ```no_run
    /// use loquat::{Chat, Loquat};
    ///
    /// Loquat::new().on_audio_start(|chat: Chat| async move {
    ///     // One recording per chat, say.
    ///     Ok(chat.user_session().get::<bool>("recorded").is_none())
    /// });
    /// ```
    pub fn on_audio_start<F, Fut>(mut self, hook: F) -> Self
    where
        F: Fn(Chat) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<bool, BoxError>> + Send + 'static,
    {
        self.hooks.on_audio_start = Some(audio_start_hook(hook));
        self
    }

    /// Runs for each chunk of the user's recording (about 100 ms of audio),
    /// one at a time and in order, beside the chat's runs (a recording does
    /// not wait for a reply to finish). A hook that falls 5 seconds behind
    /// has the recording stopped; one that fails stops the rest of the
    /// recording's chunks (the error shows in the chat). See [`AudioChunk`].
    pub fn on_audio_chunk<F, Fut>(mut self, hook: F) -> Self
    where
        F: Fn(Chat, AudioChunk) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = HookResult> + Send + 'static,
    {
        self.hooks.on_audio_chunk = Some(chat_with_hook(hook));
        self
    }

    /// Runs when the recording ended (the user turned the microphone off,
    /// it reached a limit, or the page went away) and every chunk reached
    /// `on_audio_chunk`: the place to answer. It runs in the chat's queue,
    /// like `on_message`.
    ///
    /// ```no_run
    /// use loquat::{Chat, Loquat, Message};
    ///
    /// Loquat::new().on_audio_end(|chat: Chat| async move {
    ///     let ms: u128 = chat.user_session().get("heard_ms").unwrap_or_default();
    ///     chat.send(Message::assistant(format!("I heard {ms} ms."))).await?;
    ///     Ok(())
    /// });
    /// ```
    pub fn on_audio_end<F, Fut>(mut self, hook: F) -> Self
    where
        F: Fn(Chat) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = HookResult> + Send + 'static,
    {
        self.hooks.on_audio_end = Some(chat_hook(hook));
        self
    }
}

/// How long `bytes` of PCM16 mono last at `sample_rate`.
pub(crate) fn pcm16_duration(bytes: u64, sample_rate: u32) -> Duration {
    let samples = bytes / 2;
    let rate = u64::from(sample_rate.max(1));
    Duration::from_secs(samples / rate)
        + Duration::from_nanos((samples % rate) * 1_000_000_000 / rate)
}

impl Chat {
    /// Starts speaking: audio sent on the returned stream plays in every
    /// tab of the chat as it arrives (before the stream is complete), back
    /// to back, in order with the chat's messages.
    ///
    /// ```no_run
    /// # async fn demo(chat: loquat::Chat, pcm: Vec<u8>) -> Result<(), loquat::BoxError> {
    /// let voice = chat.stream_audio(24_000)?;
    /// for piece in pcm.chunks(4_800) {
    ///     voice.send(piece).await?; // PCM16 little-endian mono
    /// }
    /// voice.end().await?;
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// [`ChatError::InvalidAudio`] when `sample_rate` is outside 8000 to
    /// 48000.
    pub fn stream_audio(&self, sample_rate: u32) -> Result<AudioStream, ChatError> {
        if !(MIN_SAMPLE_RATE..=MAX_SAMPLE_RATE).contains(&sample_rate) {
            return Err(ChatError::InvalidAudio(format!(
                "a sample rate of {sample_rate} (use {MIN_SAMPLE_RATE} to {MAX_SAMPLE_RATE})"
            )));
        }
        Ok(AudioStream {
            chat: self.clone(),
            id: crate::ids::new_id(),
            sample_rate,
        })
    }
}

/// The app's voice, streamed to the browser: [`Chat::stream_audio`].
/// Dropped without [`AudioStream::end`], the browser plays what it got.
#[derive(Debug)]
pub struct AudioStream {
    chat: Chat,
    id: String,
    sample_rate: u32,
}

impl AudioStream {
    /// Plays `pcm16` (little-endian mono samples at the stream's rate)
    /// after what was sent before. A long piece goes as several events
    /// of at most 64 KB each.
    ///
    /// # Errors
    ///
    /// [`ChatError::InvalidAudio`] for an odd number of bytes;
    /// [`ChatError::SessionClosed`] when the chat has ended.
    pub async fn send(&self, pcm16: &[u8]) -> Result<(), ChatError> {
        if !pcm16.len().is_multiple_of(2) {
            return Err(ChatError::InvalidAudio(
                "an odd number of bytes (PCM16 has two per sample)".into(),
            ));
        }
        for piece in pcm16.chunks(MAX_OUTPUT_CHUNK_BYTES) {
            self.chat.session().emit(ServerEvent::AudioOutput {
                stream: self.id.clone(),
                sample_rate: self.sample_rate,
                data: base64::engine::general_purpose::STANDARD.encode(piece),
            })?;
        }
        Ok(())
    }

    /// Says the stream is complete.
    ///
    /// # Errors
    ///
    /// [`ChatError::SessionClosed`] when the chat has ended.
    pub async fn end(self) -> Result<(), ChatError> {
        self.chat.session().emit(ServerEvent::AudioOutputEnd {
            stream: self.id.clone(),
        })?;
        Ok(())
    }

    /// The stream's id (as the browser sees it).
    #[must_use]
    pub fn id(&self) -> &str {
        &self.id
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chunk_knows_its_samples_and_length() {
        let chunk = AudioChunk {
            data: Bytes::from_static(&[1, 0, 0xff, 0xff, 0, 0x80]),
            sample_rate: 24_000,
            index: 0,
            offset: Duration::ZERO,
        };
        assert_eq!(chunk.samples().collect::<Vec<_>>(), [1, -1, i16::MIN]);
        assert!(chunk.is_first());
        assert_eq!(chunk.duration(), Duration::from_nanos(125_000));
        assert_eq!(pcm16_duration(48_000 * 3, 24_000), Duration::from_secs(3));
    }
}
