//! Audio round trip: how long one microphone chunk takes from the browser's
//! socket, through the app's `on_audio_chunk`, back to the browser as
//! `audio_output` (an app echoing the user, or relaying a realtime model's
//! voice, pays this on top of the model).
//!
//! ```sh
//! cargo bench -p loquat --bench audio_round_trip
//! cargo bench -p loquat --bench audio_round_trip -- --chunks 500 --chunk-ms 20
//! ```
//!
//! An in-process Loquat app on 127.0.0.1 (release build, embedded
//! defaults) echoes each chunk with `chat.stream_audio`; one WebSocket
//! client records at a microphone's pace (a `--chunk-ms` chunk of PCM16 at
//! 24 kHz every `--chunk-ms`, as binary frames after `audio_start`) and
//! times each chunk until its echo arrives. Prints the median, 90th and
//! 99th percentiles and the worst; exits non-zero if an echo is missing.

use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use loquat::config::Config;
use loquat::{AudioChunk, Chat, Loquat, ServeOptions};
use tokio_tungstenite::tungstenite::Message;

const RATE: u32 = 24_000;
const DEADLINE: Duration = Duration::from_secs(10);

struct Options {
    chunks: usize,
    chunk_ms: u32,
}

fn options() -> Result<Options, String> {
    let mut options = Options {
        chunks: 250,
        chunk_ms: 20,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |name: &str| {
            args.next()
                .and_then(|v| v.parse::<u32>().ok())
                .filter(|v| *v > 0)
                .ok_or_else(|| format!("{name} takes a positive number"))
        };
        match arg.as_str() {
            "--chunks" => options.chunks = value("--chunks")? as usize,
            "--chunk-ms" => options.chunk_ms = value("--chunk-ms")?.min(1000),
            // cargo bench passes --bench.
            "--bench" => {}
            other => return Err(format!("unknown option {other}")),
        }
    }
    Ok(options)
}

fn main() {
    let result = options().and_then(|options| {
        tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .map_err(|e| e.to_string())?
            .block_on(run(options))
    });
    if let Err(err) = result {
        eprintln!("audio_round_trip: {err}");
        std::process::exit(1);
    }
}

async fn run(options: Options) -> Result<(), String> {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let mut config = Config::default();
    config.features.audio.enabled = true;
    config.features.audio.sample_rate = RATE;
    let app = Loquat::new().on_audio_chunk(|chat: Chat, chunk: AudioChunk| async move {
        let voice = chat.stream_audio(chunk.sample_rate())?;
        voice.send(chunk.data()).await?;
        Ok(())
    });
    let server = app
        .config(config)
        .bind(ServeOptions::ephemeral(dir.path().to_path_buf()))
        .await
        .map_err(|e| e.to_string())?;
    let addr = server.local_addr();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let serving = tokio::spawn(server.run_until(async {
        let _ = stopped.await;
    }));

    let (mut ws, _) = tokio_tungstenite::connect_async(format!("ws://{addr}/ws"))
        .await
        .map_err(|e| e.to_string())?;
    let send = |text: &str| Message::Text(text.to_string().into());
    ws.send(send(r#"{"type":"hello"}"#))
        .await
        .map_err(|e| e.to_string())?;
    wait_for(&mut ws, "\"ready\"").await?;
    ws.send(send(&format!(
        r#"{{"type":"audio_start","sample_rate":{RATE}}}"#
    )))
    .await
    .map_err(|e| e.to_string())?;

    let chunk = 1000i16
        .to_le_bytes()
        .repeat((RATE * options.chunk_ms / 1000) as usize);
    let mut pace = tokio::time::interval(Duration::from_millis(u64::from(options.chunk_ms)));
    let mut times = Vec::with_capacity(options.chunks);
    for _ in 0..options.chunks {
        pace.tick().await;
        let sent = Instant::now();
        ws.send(Message::Binary(chunk.clone().into()))
            .await
            .map_err(|e| e.to_string())?;
        wait_for(&mut ws, "\"audio_output\"").await?;
        times.push(sent.elapsed());
    }
    let _ = ws.close(None).await;
    let _ = stop.send(());
    let _ = tokio::time::timeout(DEADLINE, serving).await;

    times.sort();
    let at = |q: f64| times[((times.len() - 1) as f64 * q).round() as usize];
    println!(
        "audio chunk round trip ({} chunks of {} ms at {RATE} Hz, paced): median {:?}, p90 {:?}, p99 {:?}, worst {:?}",
        times.len(),
        options.chunk_ms,
        at(0.5),
        at(0.9),
        at(0.99),
        at(1.0)
    );
    Ok(())
}

/// Reads frames until one holds `needle` (an event type, quoted).
async fn wait_for<S>(ws: &mut S, needle: &str) -> Result<(), String>
where
    S: StreamExt<Item = Result<Message, tokio_tungstenite::tungstenite::Error>> + Unpin,
{
    let deadline = tokio::time::Instant::now() + DEADLINE;
    loop {
        let frame = tokio::time::timeout_at(deadline, ws.next())
            .await
            .map_err(|_| format!("no {needle} within {DEADLINE:?}"))?
            .ok_or("the server closed the socket")?
            .map_err(|e| e.to_string())?;
        if let Message::Text(text) = frame {
            if text.contains("\"type\":\"error\"") {
                return Err(format!("the server said: {text}"));
            }
            if text.contains(needle) {
                return Ok(());
            }
        }
    }
}
