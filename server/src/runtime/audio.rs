//! The user's microphone, streamed to the app: `audio_start` opens a
//! stream ([`Session::start_audio`], after the app's `on_audio_start`
//! agrees), each binary frame is a chunk ([`AudioInput::push`]), and
//! `audio_end` or the socket's end closes it. The socket holds the
//! [`AudioInput`]: a binary frame has no id, it belongs to the one stream
//! its socket opened.
//!
//! Chunks reach `on_audio_chunk` one at a time, in order, on a task of
//! the stream's own (not the run queue: a recording does not wait behind
//! a long reply). That task's queue is bounded: an app that falls more
//! than [`QUEUED_CHUNKS`] behind has the recording stopped rather than
//! the chunks piling up. Once every chunk is delivered, `on_audio_end`
//! is queued as a run (it usually answers, so it shows as one and stop
//! cancels it).
//!
//! Bounds, each ending the stream with [`ErrorCode::AudioStopped`] (the
//! chunks before it still reach the app, then `on_audio_end`): a chunk of
//! at most one second and an even number of bytes; the recording at most
//! `[features.audio] max_seconds`; audio no faster than it is spoken
//! (with [`AHEAD_OF_REAL_TIME`] of slack for a network that delivers in
//! bursts); at most [`MAX_CHUNKS_PER_SECOND`]. Starting a stream counts
//! against the session's interaction rate.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use loquat_app::protocol::{ErrorCode, MAX_SAMPLE_RATE, MIN_SAMPLE_RATE};
use tokio::sync::mpsc;
use tokio::time::Instant;

use super::runner::{report_error, report_panic, RunRequest};
use super::session::Session;
use super::Refusal;
use crate::error::describe;
use crate::sdk::{pcm16_duration, AudioChunk, Chat};

/// Chunks waiting for `on_audio_chunk`, at most (5 s of the browser's
/// 100 ms chunks).
pub(crate) const QUEUED_CHUNKS: usize = 50;
/// How far ahead of the wall clock a recording may be.
pub(crate) const AHEAD_OF_REAL_TIME: Duration = Duration::from_secs(5);
/// Chunks per second of recording, at most (the browser sends 10).
pub(crate) const MAX_CHUNKS_PER_SECOND: u64 = 100;
/// How long `on_audio_start` may take to say yes.
const START_TIMEOUT: Duration = Duration::from_secs(10);

/// A session's audio: whether a stream is open, and the turn each
/// stream's chunks wait for (a new recording's chunks follow the last
/// one's, never interleave with them).
#[derive(Default)]
pub(crate) struct SessionAudio {
    open: AtomicBool,
    turn: tokio::sync::Mutex<()>,
}

/// An open stream, held by the socket that opened it. Dropped (the
/// user's `audio_end`, a refusal, the socket's end), it closes: the
/// chunks already taken are still delivered, then `on_audio_end` runs.
pub(crate) struct AudioInput {
    session: Arc<Session>,
    /// `None` once the stream is being refused (before its task started).
    chunks: Option<mpsc::Sender<Bytes>>,
    started: Instant,
    bytes: u64,
    count: u64,
    sample_rate: u32,
    max_bytes: u64,
    max_seconds: u32,
}

impl Drop for AudioInput {
    fn drop(&mut self) {
        self.session.audio().open.store(false, Ordering::Release);
    }
}

fn stopped(message: impl Into<String>) -> Refusal {
    Refusal::new(ErrorCode::AudioStopped, message)
}

impl AudioInput {
    /// Takes one chunk of PCM16 for the app, or refuses it; a refused
    /// chunk ends the stream (the caller drops it).
    pub(crate) fn push(&mut self, data: Bytes) -> Result<(), Refusal> {
        let len = data.len() as u64;
        let per_second = u64::from(self.sample_rate) * 2;
        if len == 0 || !len.is_multiple_of(2) {
            return Err(stopped(
                "an audio chunk must be 16-bit PCM: an even number of bytes",
            ));
        }
        if len > per_second {
            return Err(stopped(format!(
                "an audio chunk may last at most a second ({per_second} bytes); the recording was stopped"
            )));
        }
        let total = self.bytes + len;
        if total > self.max_bytes {
            return Err(stopped(format!(
                "the recording reached its limit of {} seconds",
                self.max_seconds
            )));
        }
        let elapsed = self.started.elapsed();
        let allowed = (elapsed + AHEAD_OF_REAL_TIME).as_millis() * u128::from(per_second) / 1000;
        if u128::from(total) > allowed {
            return Err(stopped(
                "audio arrived faster than it can be spoken; the recording was stopped",
            ));
        }
        if self.count >= (elapsed.as_secs() + 1) * MAX_CHUNKS_PER_SECOND {
            return Err(stopped(
                "too many audio chunks at once; the recording was stopped",
            ));
        }
        let Some(chunks) = &self.chunks else {
            return Err(stopped("the recording has ended"));
        };
        match chunks.try_send(data) {
            Ok(()) => {}
            Err(mpsc::error::TrySendError::Full(_)) => {
                return Err(stopped(
                    "the app fell behind the audio; the recording was stopped",
                ))
            }
            Err(mpsc::error::TrySendError::Closed(_)) => {
                return Err(stopped("the recording has ended"))
            }
        }
        self.bytes = total;
        self.count += 1;
        Ok(())
    }
}

impl Session {
    /// Made at the first recording (most chats never record).
    pub(crate) fn audio(&self) -> &SessionAudio {
        self.audio.get_or_init(Default::default)
    }

    /// Opens the microphone's stream for the socket asking, once the
    /// app's `on_audio_start` (if any) agrees.
    pub(crate) async fn start_audio(
        self: &Arc<Self>,
        sample_rate: u32,
    ) -> Result<AudioInput, Refusal> {
        let runtime = &self.runtime;
        let config = &runtime.config.features.audio;
        if !config.enabled || runtime.hooks.on_audio_chunk.is_none() {
            return Err(Refusal::new(
                ErrorCode::FeatureDisabled,
                "this app takes no audio",
            ));
        }
        // A configuration given in code skips the file's check.
        let expected = config.sample_rate.clamp(MIN_SAMPLE_RATE, MAX_SAMPLE_RATE);
        if sample_rate != expected {
            return Err(stopped(format!(
                "the page records at {sample_rate} Hz but the app takes {expected} Hz; reload the page"
            )));
        }
        if !self.take_interaction() {
            // `audio_stopped`, not `rate_limited`: the browser stops on it.
            return Err(stopped(
                "too many recordings started at once; this one was dropped",
            ));
        }
        if self.audio().open.swap(true, Ordering::AcqRel) {
            return Err(stopped("a recording is already open in this chat"));
        }
        // From here the flag is the input's: a refusal below drops it.
        let mut input = AudioInput {
            session: self.clone(),
            chunks: None,
            started: Instant::now(),
            bytes: 0,
            count: 0,
            sample_rate,
            max_bytes: u64::from(config.max_seconds) * u64::from(sample_rate) * 2,
            max_seconds: config.max_seconds,
        };
        if let Some(hook) = &runtime.hooks.on_audio_start {
            let asked = tokio::spawn(hook(Chat::new(self.clone())));
            let abort = asked.abort_handle();
            let answer = tokio::time::timeout(START_TIMEOUT, asked).await;
            let debug = runtime.config.project.debug;
            match answer {
                Ok(Ok(Ok(true))) => {}
                Ok(Ok(Ok(false))) => return Err(stopped("the app is not taking audio now")),
                Ok(Ok(Err(err))) => {
                    tracing::warn!(session = %self.id, error = %describe(err.as_ref(), true), "on_audio_start failed");
                    return Err(stopped(format!(
                        "the app could not start the recording: {}",
                        describe(err.as_ref(), debug)
                    )));
                }
                Ok(Err(_)) => return Err(stopped("the app could not start the recording")),
                Err(_) => {
                    abort.abort();
                    return Err(stopped("the app took too long to start the recording"));
                }
            }
        }
        let (sender, receiver) = mpsc::channel(QUEUED_CHUNKS);
        input.chunks = Some(sender);
        input.started = Instant::now();
        tokio::spawn(deliver(self.clone(), receiver, sample_rate));
        Ok(input)
    }
}

/// Hands a stream's chunks to `on_audio_chunk` in order, then queues
/// `on_audio_end`. After a chunk's hook fails (shown in the chat like a
/// run's error), the stream's other chunks are dropped.
async fn deliver(session: Arc<Session>, mut chunks: mpsc::Receiver<Bytes>, sample_rate: u32) {
    let turn = session.audio().turn.lock().await;
    let hooks = &session.runtime.hooks;
    let chat = Chat::new(session.clone());
    let (mut index, mut heard, mut failed) = (0u64, 0u64, false);
    while let Some(data) = chunks.recv().await {
        let len = data.len() as u64;
        if let (Some(hook), false) = (&hooks.on_audio_chunk, failed) {
            let chunk = AudioChunk {
                data,
                sample_rate,
                index,
                offset: pcm16_duration(heard, sample_rate),
            };
            match tokio::spawn(hook(chat.clone(), chunk)).await {
                Ok(Ok(())) => {}
                Ok(Err(err)) => {
                    report_error(&session, &err).await;
                    failed = true;
                }
                Err(join) if join.is_panic() => {
                    report_panic(&session, join.into_panic()).await;
                    failed = true;
                }
                Err(_) => failed = true,
            }
        }
        index += 1;
        heard += len;
    }
    drop(turn);
    if hooks.on_audio_end.is_some() && !session.is_closed() {
        if let Err(err) = session.enqueue(RunRequest::AudioEnd) {
            tracing::warn!(session = %session.id, error = %err, "on_audio_end not queued");
        }
    }
}
