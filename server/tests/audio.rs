//! Audio through the real server and WebSocket: the microphone's chunks
//! (binary frames between `audio_start` and `audio_end`) reach the app's
//! hooks in order and whole; a recording the app does not take, or one
//! over a limit, is refused with a reason and the chat goes on; the app's
//! `stream_audio` reaches the browser in order.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine as _;
use loquat::config::Config;
use loquat::protocol::{ClientEvent, ErrorCode, ServerEvent};
use loquat::{AudioChunk, Chat, Loquat, Message};
use support::{Client, TestApp};

fn base64_decode(text: &str) -> Option<Vec<u8>> {
    base64::engine::general_purpose::STANDARD.decode(text).ok()
}

const RATE: u32 = 24_000;

/// What the hooks saw: each chunk's (index, offset in ms, bytes).
#[derive(Default)]
struct Heard {
    chunks: Vec<(u64, u128, Vec<u8>)>,
}

type Shared = Arc<Mutex<Heard>>;

/// Records every chunk; `on_audio_end` says how much came. Refuses to
/// start when the user session says so; a slow app sleeps per chunk.
fn recorder(heard: Shared, chunk_delay: Duration) -> Loquat {
    let on_chunk = heard.clone();
    Loquat::new()
        .on_audio_start(|chat: Chat| async move {
            Ok(chat.user_session().get::<bool>("refuse").is_none())
        })
        .on_audio_chunk(move |_chat: Chat, chunk: AudioChunk| {
            let heard = on_chunk.clone();
            async move {
                tokio::time::sleep(chunk_delay).await;
                heard.lock().unwrap().chunks.push((
                    chunk.index(),
                    chunk.offset().as_millis(),
                    chunk.data().to_vec(),
                ));
                Ok(())
            }
        })
        .on_audio_end(move |chat: Chat| {
            let heard = heard.clone();
            async move {
                let (count, ms) = {
                    let mut heard = heard.lock().unwrap();
                    let bytes: usize = heard.chunks.iter().map(|c| c.2.len()).sum();
                    let count = heard.chunks.len();
                    heard.chunks.clear();
                    (count, bytes as u64 * 1000 / 2 / u64::from(RATE))
                };
                chat.send(Message::assistant(format!(
                    "heard {ms} ms in {count} chunks"
                )))
                .await?;
                Ok(())
            }
        })
        .on_message(|chat: Chat, msg: Message| async move {
            if msg.content == "refuse" {
                chat.user_session().set("refuse", true);
            }
            chat.send(Message::assistant(format!("ok: {}", msg.content)))
                .await?;
            Ok(())
        })
}

fn audio_config(max_seconds: u32) -> Config {
    let mut config = Config::default();
    config.features.audio.enabled = true;
    config.features.audio.sample_rate = RATE;
    config.features.audio.max_seconds = max_seconds;
    config
}

/// The recorder (chunks `chunk_delay` apart in the hook) with up to 60 s
/// of audio, and a client of it.
async fn recorder_app(chunk_delay: Duration) -> (TestApp, Client) {
    let app = TestApp::start_with(recorder(Shared::default(), chunk_delay), audio_config(60)).await;
    let client = app.client().await;
    (app, client)
}

/// `ms` of PCM16 at [`RATE`], every sample `value`.
fn pcm(ms: u32, value: i16) -> Vec<u8> {
    let samples = (RATE * ms / 1000) as usize;
    value.to_le_bytes().repeat(samples)
}

async fn start(client: &mut Client) {
    client
        .send(&ClientEvent::AudioStart { sample_rate: RATE })
        .await;
}

async fn reply_with(client: &mut Client, prefix: &str) -> String {
    client
        .wait_for(|c| c.steps.iter().any(|s| s.output.starts_with(prefix)))
        .await;
    let step = client
        .steps
        .iter()
        .rev()
        .find(|s| s.output.starts_with(prefix));
    step.unwrap().output.clone()
}

fn audio_errors(client: &Client) -> Vec<String> {
    client
        .errors
        .iter()
        .filter_map(|e| match e {
            ServerEvent::Error {
                code: ErrorCode::AudioStopped,
                message,
            } => Some(message.clone()),
            _ => None,
        })
        .collect()
}

#[tokio::test]
async fn the_chunks_reach_the_hooks_in_order_with_the_recordings_length() {
    let (_app, mut client) = recorder_app(Duration::ZERO).await;

    start(&mut client).await;
    for i in 0..25i16 {
        client.send_binary(pcm(100, i)).await;
    }
    // The last one is shorter: the length is the bytes', not a count's.
    client.send_binary(pcm(40, 25)).await;
    client.send(&ClientEvent::AudioEnd).await;

    // on_audio_end ran after every chunk.
    assert_eq!(
        reply_with(&mut client, "heard").await,
        "heard 2540 ms in 26 chunks"
    );
    assert!(client.errors.is_empty(), "{:?}", client.errors);

    // A second recording starts at index 0 again.
    start(&mut client).await;
    client.send_binary(pcm(100, 7)).await;
    client.send(&ClientEvent::AudioEnd).await;
    client
        .wait_for(|c| {
            c.steps
                .iter()
                .any(|s| s.output == "heard 100 ms in 1 chunks")
        })
        .await;
}

#[tokio::test]
async fn each_chunk_comes_with_its_index_offset_and_samples() {
    let heard = Shared::default();
    // No on_audio_end here: the test reads what the chunk hook kept.
    let on_chunk = heard.clone();
    let app = Loquat::new().on_audio_chunk(move |_chat: Chat, chunk: AudioChunk| {
        let heard = on_chunk.clone();
        async move {
            assert_eq!(chunk.sample_rate(), RATE);
            heard.lock().unwrap().chunks.push((
                chunk.index(),
                chunk.offset().as_millis(),
                chunk.data().to_vec(),
            ));
            Ok(())
        }
    });
    let app = TestApp::start_with(app, audio_config(60)).await;
    let mut client = app.client().await;
    start(&mut client).await;
    for i in 0..10i16 {
        client.send_binary(pcm(100, i * 100)).await;
    }
    client.send(&ClientEvent::AudioEnd).await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while heard.lock().unwrap().chunks.len() < 10 {
        assert!(tokio::time::Instant::now() < deadline, "chunks missing");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let heard = heard.lock().unwrap();
    for (i, (index, offset, data)) in heard.chunks.iter().enumerate() {
        assert_eq!(*index, i as u64);
        assert_eq!(*offset, 100 * i as u128);
        assert_eq!(data, &pcm(100, i as i16 * 100));
    }
}

#[tokio::test]
async fn an_app_without_audio_refuses_the_recording_clearly_and_the_chat_goes_on() {
    // Off in the configuration (the default), though the app has hooks.
    let app = TestApp::start(recorder(Shared::default(), Duration::ZERO)).await;
    let mut client = app.client().await;
    start(&mut client).await;
    client.wait_for(|c| !c.errors.is_empty()).await;
    assert_eq!(client.error_codes(), [ErrorCode::FeatureDisabled]);
    // Its chunks, already in flight, are dropped without more errors.
    client.send_binary(pcm(100, 1)).await;
    client.say("still here").await;
    reply_with(&mut client, "ok: still here").await;
    assert_eq!(client.errors.len(), 1, "{:?}", client.errors);

    // A socket that never asked to record is told binary frames are not for it.
    let mut other = app.client().await;
    other.send_binary(vec![0, 0]).await;
    other.wait_for(|c| !c.errors.is_empty()).await;
    assert_eq!(other.error_codes(), [ErrorCode::UnsupportedFrame]);
}

#[tokio::test]
async fn the_app_may_refuse_a_recording_and_a_stale_sample_rate_is_refused() {
    let (_app, mut client) = recorder_app(Duration::ZERO).await;
    client
        .send(&ClientEvent::AudioStart {
            sample_rate: 16_000,
        })
        .await;
    client.wait_for(|c| !audio_errors(c).is_empty()).await;
    assert!(audio_errors(&client)[0].contains("24000 Hz"));

    client.say("refuse").await;
    reply_with(&mut client, "ok: refuse").await;
    start(&mut client).await;
    client.wait_for(|c| audio_errors(c).len() == 2).await;
    assert_eq!(audio_errors(&client)[1], "the app is not taking audio now");
    client.send_binary(pcm(100, 1)).await;
    client.say("after").await;
    reply_with(&mut client, "ok: after").await;
    assert_eq!(client.errors.len(), 2, "{:?}", client.errors);
}

#[tokio::test]
async fn an_oversize_chunk_or_a_too_long_recording_is_stopped_and_the_app_gets_what_came() {
    let app =
        TestApp::start_with(recorder(Shared::default(), Duration::ZERO), audio_config(1)).await;
    let mut client = app.client().await;

    // A chunk of more than a second.
    start(&mut client).await;
    client.send_binary(pcm(300, 1)).await;
    client.send_binary(pcm(1100, 1)).await;
    client.wait_for(|c| audio_errors(c).len() == 1).await;
    assert!(audio_errors(&client)[0].contains("at most a second"));
    assert_eq!(
        reply_with(&mut client, "heard").await,
        "heard 300 ms in 1 chunks"
    );
    // What the browser still sends is dropped; its end changes nothing.
    client.send_binary(pcm(100, 1)).await;
    client.send(&ClientEvent::AudioEnd).await;

    // Past max_seconds (1 s here): what came before the limit is the app's.
    start(&mut client).await;
    for _ in 0..12 {
        client.send_binary(pcm(100, 2)).await;
    }
    client.wait_for(|c| audio_errors(c).len() == 2).await;
    assert!(audio_errors(&client)[1].contains("limit of 1 seconds"));
    client
        .wait_for(|c| {
            c.steps
                .iter()
                .any(|s| s.output == "heard 1000 ms in 10 chunks")
        })
        .await;

    // Not PCM16: an odd number of bytes.
    start(&mut client).await;
    client.send_binary(vec![1, 2, 3]).await;
    client.wait_for(|c| audio_errors(c).len() == 3).await;
    assert!(audio_errors(&client)[2].contains("even number of bytes"));

    client.say("fine").await;
    reply_with(&mut client, "ok: fine").await;
}

#[tokio::test]
async fn audio_faster_than_speech_is_stopped() {
    let (_app, mut client) = recorder_app(Duration::ZERO).await;
    start(&mut client).await;
    // 8 s of audio at once: 5 s ahead of the clock is the most.
    for _ in 0..80 {
        client.send_binary(pcm(100, 3)).await;
    }
    client.wait_for(|c| audio_errors(c).len() == 1).await;
    assert!(audio_errors(&client)[0].contains("faster than it can be spoken"));
    let reply = reply_with(&mut client, "heard").await;
    let ms: u64 = reply.split(' ').nth(1).unwrap().parse().unwrap();
    assert!((5000..=5500).contains(&ms), "{reply}");
}

#[tokio::test]
async fn a_slow_chunk_hook_has_the_recording_stopped_instead_of_chunks_piling_up() {
    let (_app, mut client) = recorder_app(Duration::from_millis(500)).await;
    start(&mut client).await;
    // 70 chunks of 20 ms (1.4 s of audio): the queue holds 50.
    for _ in 0..70 {
        client.send_binary(pcm(20, 4)).await;
    }
    client.wait_for(|c| audio_errors(c).len() == 1).await;
    assert!(
        audio_errors(&client)[0].contains("fell behind"),
        "{:?}",
        client.errors
    );
    // The chat is not stuck behind the audio.
    client.say("quick").await;
    reply_with(&mut client, "ok: quick").await;
}

#[tokio::test]
async fn the_apps_audio_stream_arrives_in_order_and_whole() {
    // 200 KB: more than one event's worth, so it is cut in pieces.
    let long: Vec<u8> = (0..100_000u32)
        .flat_map(|i| (i as i16).to_le_bytes())
        .collect();
    let expected = [pcm(100, 1), long.clone(), pcm(50, 2)].concat();
    let app = Loquat::new().on_message(move |chat: Chat, _msg: Message| {
        let long = long.clone();
        async move {
            chat.send(Message::assistant("speaking")).await?;
            let voice = chat.stream_audio(RATE)?;
            voice.send(&pcm(100, 1)).await?;
            voice.send(&long).await?;
            voice.send(&pcm(50, 2)).await?;
            assert!(voice.send(&[1, 2, 3]).await.is_err());
            voice.end().await?;
            assert!(chat.stream_audio(1_000).is_err());
            chat.send(Message::assistant("done")).await?;
            Ok(())
        }
    });
    let app = TestApp::start(app).await;
    let mut client = app.client().await;
    client.say("talk").await;
    client
        .wait_for(|c| c.steps.iter().any(|s| s.output == "done"))
        .await;

    let mut streams = Vec::new();
    let mut audio = Vec::new();
    let mut ended = false;
    let mut order = Vec::new();
    for event in &client.events {
        match event {
            ServerEvent::AudioOutput {
                stream,
                sample_rate,
                data,
            } => {
                assert!(!ended, "audio after the stream's end");
                assert_eq!(*sample_rate, RATE);
                streams.push(stream.clone());
                audio.extend(base64_decode(data).unwrap());
                order.push("audio");
            }
            ServerEvent::AudioOutputEnd { stream } => {
                assert_eq!(Some(stream), streams.first());
                ended = true;
                order.push("end");
            }
            ServerEvent::StepCreated { step } if step.output == "speaking" => order.push("text"),
            _ => {}
        }
    }
    assert!(ended);
    assert!(streams.len() >= 5, "{}", streams.len());
    assert!(streams.iter().all(|s| s == &streams[0]));
    assert_eq!(audio, expected);
    assert_eq!(order.first(), Some(&"text"));
    assert_eq!(order.last(), Some(&"end"));
}

#[tokio::test]
async fn the_demo_says_how_long_the_recording_was_and_plays_it_back() {
    let app = TestApp::start_with(loquat::demo::offline_app(None), audio_config(60)).await;
    let mut client = app.client().await;
    start(&mut client).await;
    // The loudest sample is -14,000: 42 % of full scale.
    for i in 0..15i16 {
        client.send_binary(pcm(100, -1000 * i)).await;
    }
    client.send(&ClientEvent::AudioEnd).await;
    let reply = reply_with(&mut client, "I heard").await;
    assert!(
        reply.starts_with("I heard 1.50 seconds of audio (15 chunks at 24000 Hz, peak level 42%)"),
        "{reply}"
    );
    client
        .wait_for(|c| {
            c.events
                .iter()
                .any(|e| matches!(e, ServerEvent::AudioOutputEnd { .. }))
        })
        .await;
    let echoed: usize = client
        .events
        .iter()
        .filter_map(|e| match e {
            ServerEvent::AudioOutput { data, .. } => base64_decode(data).map(|d| d.len()),
            _ => None,
        })
        .sum();
    assert_eq!(echoed, pcm(1500, 0).len());
}

/// The round trip of one chunk: sent by the browser, through
/// `on_audio_chunk`, back as `audio_output` (an app echoing the user, or
/// relaying a realtime model): each chunk comes back whole and in order
/// before the next is sent. Its latency is measured by
/// `cargo bench -p loquat --bench audio_round_trip`.
#[tokio::test]
async fn each_chunk_comes_back_through_the_hook_whole_and_in_order() {
    let app = Loquat::new().on_audio_chunk(|chat: Chat, chunk: AudioChunk| async move {
        let voice = chat.stream_audio(chunk.sample_rate())?;
        voice.send(chunk.data()).await?;
        Ok(())
    });
    let app = TestApp::start_with(app, audio_config(60)).await;
    let mut client = app.client().await;
    start(&mut client).await;
    let outputs = |c: &Client| -> Vec<Vec<u8>> {
        c.events
            .iter()
            .filter_map(|e| match e {
                ServerEvent::AudioOutput { data, .. } => base64_decode(data),
                _ => None,
            })
            .collect()
    };
    for i in 0..50i16 {
        client.send_binary(pcm(20, i)).await;
        client.wait_for(|c| outputs(c).len() > i as usize).await;
        assert_eq!(outputs(&client).last(), Some(&pcm(20, i)), "chunk {i}");
    }
    assert!(client.errors.is_empty(), "{:?}", client.errors);
}
