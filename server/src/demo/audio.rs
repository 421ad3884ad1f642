//! The demo's voice: with `[features.audio] enabled`, the microphone
//! button records; when the user stops, the demo says how much audio it
//! received and plays it back (streamed, so playback starts at once).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::error::HookResult;
use crate::sdk::{AudioChunk, Chat, Message};

/// Where the recording is kept while it comes in.
const RECORDING_KEY: &str = "demo.audio";
/// Longest echo, in seconds of audio.
const MAX_ECHO_SECONDS: usize = 30;
/// Played back in pieces of 100 ms, sent a little faster than they play,
/// as a speech service streams: the browser starts playing long before the
/// last piece is sent (its audio clock may take a moment to start), and
/// the pieces never fall behind the playback.
const PIECE: Duration = Duration::from_millis(100);
const PACE: Duration = Duration::from_millis(80);

/// A recording: its sample rate, PCM16 bytes and chunk count.
#[derive(Default)]
struct Recording {
    sample_rate: u32,
    pcm: Vec<u8>,
    chunks: usize,
}

type Shared = Arc<Mutex<Recording>>;

fn recording(chat: &Chat) -> Shared {
    match chat.user_session().get::<Shared>(RECORDING_KEY) {
        Some(shared) => shared,
        None => {
            let shared = Shared::default();
            chat.user_session().set(RECORDING_KEY, shared.clone());
            shared
        }
    }
}

pub async fn on_audio_chunk(chat: Chat, chunk: AudioChunk) -> HookResult {
    let shared = recording(&chat);
    let mut rec = shared.lock().unwrap_or_else(|e| e.into_inner());
    if chunk.is_first() {
        *rec = Recording::default();
    }
    rec.sample_rate = chunk.sample_rate();
    rec.chunks += 1;
    let room = MAX_ECHO_SECONDS * chunk.sample_rate() as usize * 2;
    let take = chunk.data().len().min(room.saturating_sub(rec.pcm.len()));
    rec.pcm.extend_from_slice(&chunk.data()[..take]);
    Ok(())
}

pub async fn on_audio_end(chat: Chat) -> HookResult {
    let Recording {
        sample_rate,
        pcm,
        chunks,
    } = std::mem::take(&mut *recording(&chat).lock().unwrap_or_else(|e| e.into_inner()));
    if sample_rate == 0 {
        chat.send(Message::assistant("I heard nothing.")).await?;
        return Ok(());
    }
    let seconds = pcm.len() as f64 / 2.0 / f64::from(sample_rate);
    let peak = pcm
        .chunks_exact(2)
        .map(|pair| i16::from_le_bytes([pair[0], pair[1]]).unsigned_abs())
        .max()
        .unwrap_or(0);
    let peak = u32::from(peak) * 100 / 32768;
    chat.send(Message::assistant(format!(
        "I heard {seconds:.2} seconds of audio ({chunks} chunks at {sample_rate} Hz, peak level {peak}%); here it is back."
    )))
    .await?;
    let voice = chat.stream_audio(sample_rate)?;
    // Whole samples: an even number of bytes.
    let piece = (sample_rate as usize * PIECE.as_millis() as usize / 1000).max(1) * 2;
    for part in pcm.chunks(piece) {
        voice.send(part).await?;
        tokio::time::sleep(PACE).await;
    }
    voice.end().await?;
    Ok(())
}
