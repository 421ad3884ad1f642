//! Uploads through the real server stream to storage (memory stays flat
//! while 200 MB arrive), a body that trickles is cut off, and uploads at
//! once are capped; an export with a 200 MB file streams too. Its own test
//! binary: the memory tests read this process's resident size, which no
//! other test binary disturbs, and they take turns.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::time::{Duration, Instant};

use bytes::Bytes;
use loquat::config::{Config, UploadConfig};
use loquat::{BodyLimits, Chat, Loquat, Message, RuntimeLimits, UploadLimits};
use support::{TestApp, DEADLINE};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn echo() -> Loquat {
    Loquat::new().on_message(|chat: Chat, msg: Message| async move {
        chat.send(Message::assistant(msg.content)).await?;
        Ok(())
    })
}

fn config(max_size_mb: u32) -> Config {
    let mut config = Config::default();
    config.features.spontaneous_file_upload = UploadConfig {
        enabled: true,
        accept: vec!["*/*".into()],
        max_files: 5,
        max_size_mb,
    };
    config
}

/// Held by each test that measures memory, so none runs beside another.
static MEASURING: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// This process's resident memory, in bytes.
fn rss() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with("VmRSS:")).unwrap();
    let kib: u64 = line.split_whitespace().nth(1).unwrap().parse().unwrap();
    kib * 1024
}

/// A streamed body of 200 MB, made as it is sent (never whole in memory).
const CHUNK: usize = 64 * 1024;
const CHUNKS: usize = 200 * 1024 * 1024 / CHUNK;
const BIG: usize = CHUNK * CHUNKS;

fn big_body() -> reqwest::Body {
    static BLOCK: [u8; CHUNK] = [b'v'; CHUNK];
    reqwest::Body::wrap_stream(futures_util::stream::iter(
        (0..CHUNKS).map(|_| Ok::<_, std::io::Error>(Bytes::from_static(&BLOCK))),
    ))
}

/// Files in the app's storage directory (finished or partial).
fn stored_files(app: &TestApp) -> Vec<String> {
    match std::fs::read_dir(app.data_dir.join(loquat::FILES_DIR)) {
        Ok(dir) => dir
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect(),
        Err(_) => Vec::new(),
    }
}

async fn session_of(app: &TestApp) -> (support::Client, String) {
    let mut client = app.client().await;
    client.wait_for(|c| !c.session_id.is_empty()).await;
    let session = client.session_id.clone();
    (client, session)
}

/// Starts a raw HTTP/1.1 upload announcing `length` bytes and sends `first`;
/// the caller sends the rest (or not).
async fn open_upload(
    app: &TestApp,
    session: &str,
    name: &str,
    length: u64,
    first: &[u8],
) -> tokio::net::TcpStream {
    let mut stream = tokio::net::TcpStream::connect(app.addr).await.unwrap();
    let head = format!(
        "POST /api/sessions/{session}/files?name={name} HTTP/1.1\r\nhost: {}\r\n\
         content-length: {length}\r\ncontent-type: application/octet-stream\r\n\r\n",
        app.addr
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(first).await.unwrap();
    stream
}

/// The status line's code of the answer on `stream`, within the deadline.
async fn status_of(stream: &mut (impl tokio::io::AsyncRead + Unpin)) -> u16 {
    let mut answer = Vec::new();
    let mut buf = [0u8; 1024];
    tokio::time::timeout(DEADLINE, async {
        while !answer.windows(4).any(|w| w == b"\r\n\r\n") {
            let n = stream.read(&mut buf).await.unwrap();
            assert!(n > 0, "closed without an answer");
            answer.extend_from_slice(&buf[..n]);
        }
    })
    .await
    .expect("an answer within the deadline");
    let text = String::from_utf8_lossy(&answer);
    text.split_whitespace().nth(1).unwrap().parse().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_200_mb_upload_streams_to_storage_while_memory_stays_flat() {
    let _alone = MEASURING.lock().await;
    let app = TestApp::start_with(echo(), config(500)).await;
    let (_client, session) = session_of(&app).await;
    // Warm up the paths the upload takes, then measure from here.
    let (status, _) = app
        .post(
            &format!("/api/sessions/{session}/files?name=warm.bin"),
            vec![1; 1024],
        )
        .await;
    assert_eq!(status, 200);
    let before = rss();
    let peak = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(before));
    let sampler = {
        let peak = peak.clone();
        tokio::spawn(async move {
            loop {
                peak.fetch_max(rss(), std::sync::atomic::Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        })
    };
    let body = big_body();
    let response = reqwest::Client::new()
        .post(app.url(&format!("/api/sessions/{session}/files?name=video.bin")))
        .body(body)
        .send()
        .await
        .unwrap();
    sampler.abort();
    let status = response.status().as_u16();
    let answer: serde_json::Value = response.json().await.unwrap();
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["size"], BIG as u64);
    let id = answer["id"].as_str().unwrap();
    let stored = std::fs::metadata(app.data_dir.join(loquat::FILES_DIR).join(id)).unwrap();
    assert_eq!(stored.len(), BIG as u64);
    let grew = peak.load(std::sync::atomic::Ordering::Relaxed) - before;
    eprintln!(
        "resident memory while 200 MB streamed in: +{} KiB",
        grew / 1024
    );
    // Buffered whole, the server would grow by the file's 200 MB.
    assert!(
        grew < 48 * 1024 * 1024,
        "resident memory grew by {} MiB during the upload",
        grew / (1024 * 1024)
    );
}

fn limits(bodies: BodyLimits, uploads: UploadLimits) -> RuntimeLimits {
    RuntimeLimits {
        bodies,
        uploads,
        ..RuntimeLimits::default()
    }
}

#[tokio::test]
async fn a_trickling_upload_is_cut_off_and_leaves_nothing_behind() {
    let bodies = BodyLimits {
        idle_timeout: Duration::from_secs(30),
        min_bytes_per_second: 1024,
        grace: Duration::from_millis(800),
    };
    let app = TestApp::start_with(
        echo().limits(limits(bodies, UploadLimits::default())),
        config(10),
    )
    .await;
    let (_client, session) = session_of(&app).await;
    let stream = open_upload(&app, &session, "slow.txt", 100_000, b"a").await;
    let (mut reader, mut writer) = stream.into_split();
    let started = Instant::now();
    let trickle = async {
        // A byte every 200 ms: never idle, far under 1 KiB/s.
        loop {
            tokio::time::sleep(Duration::from_millis(200)).await;
            if writer.write_all(b"a").await.is_err() {
                break;
            }
        }
    };
    let status = tokio::select! {
        status = status_of(&mut reader) => status,
        () = trickle => status_of(&mut reader).await,
    };
    assert_eq!(status, 408);
    assert!(started.elapsed() < Duration::from_secs(10));
    assert!(
        stored_files(&app).is_empty(),
        "nothing is kept of a cut-off upload: {:?}",
        stored_files(&app)
    );
}

#[tokio::test]
async fn uploads_at_once_are_capped_per_session_and_in_total() {
    let uploads = UploadLimits {
        max_concurrent: 2,
        max_concurrent_per_session: 1,
        ..UploadLimits::default()
    };
    let app = TestApp::start_with(
        echo().limits(limits(BodyLimits::default(), uploads)),
        config(10),
    )
    .await;
    let (_a, first) = session_of(&app).await;
    let (_b, second) = session_of(&app).await;
    let (_c, third) = session_of(&app).await;
    // Two uploads in flight, each announcing more than it has sent yet.
    let mut held = open_upload(&app, &first, "one.txt", 20_000, &[b'a'; 10_000]).await;
    let _other = open_upload(&app, &second, "two.txt", 20_000, &[b'a'; 10_000]).await;
    // Wait until both hold their places: the per-session cap answers.
    let busy_session = |session: String| {
        let url = app.url(&format!("/api/sessions/{session}/files?name=x.txt"));
        async move {
            let response = reqwest::Client::new()
                .post(url)
                .body("x")
                .send()
                .await
                .unwrap();
            response.status().as_u16()
        }
    };
    let deadline = Instant::now() + DEADLINE;
    while busy_session(first.clone()).await != 429 {
        assert!(Instant::now() < deadline, "the first upload never started");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    while busy_session(second.clone()).await != 429 {
        assert!(Instant::now() < deadline, "the second upload never started");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // A third session is refused by the total.
    assert_eq!(busy_session(third.clone()).await, 503);
    // Finishing one frees its place.
    held.write_all(&[b'a'; 10_000]).await.unwrap();
    assert_eq!(status_of(&mut held).await, 200);
    assert_eq!(busy_session(third).await, 200);
}

#[tokio::test]
async fn a_stalled_import_gets_408() {
    let bodies = BodyLimits {
        idle_timeout: Duration::from_millis(500),
        ..BodyLimits::default()
    };
    let app = TestApp::start_with(
        echo().limits(limits(bodies, UploadLimits::default())),
        Config::default(),
    )
    .await;
    let mut stream = tokio::net::TcpStream::connect(app.addr).await.unwrap();
    let head = format!(
        "POST /api/threads/import HTTP/1.1\r\nhost: {}\r\ncontent-length: 1000\r\n\
         content-type: application/json\r\n\r\n{{\"version\"",
        app.addr
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    assert_eq!(status_of(&mut stream).await, 408);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thread_with_a_200_mb_file_exports_as_a_stream() {
    let _alone = MEASURING.lock().await;
    let app = TestApp::start_with(echo(), config(500)).await;
    let (mut client, session) = session_of(&app).await;
    let body = big_body();
    let uploaded: serde_json::Value = reqwest::Client::new()
        .post(app.url(&format!("/api/sessions/{session}/files?name=big.bin")))
        .body(body)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = uploaded["id"].as_str().unwrap().to_string();
    client
        .send(&loquat::protocol::ClientEvent::Send {
            content: "keep this".into(),
            files: vec![id],
            command: None,
        })
        .await;
    client.wait_for(|c| c.finished_replies().len() == 1).await;
    let thread = client.thread_id.clone();

    let before = rss();
    let mut response = reqwest::get(app.url(&format!("/api/threads/{thread}/export")))
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    // Scan the download as it arrives: the base64 content's length is the
    // file's, and the export ends as a whole JSON object.
    const MARK: &[u8] = b"\"content_base64\":\"";
    let (mut tail, mut in_content, mut encoded, mut peak) = (Vec::new(), false, 0usize, before);
    while let Some(chunk) = response.chunk().await.unwrap() {
        peak = peak.max(rss());
        for &byte in chunk.iter() {
            if in_content {
                if byte == b'"' {
                    in_content = false;
                } else {
                    encoded += 1;
                }
                continue;
            }
            tail.push(byte);
            if tail.ends_with(MARK) {
                in_content = true;
            }
            if tail.len() > 4096 {
                tail.drain(..2048);
            }
        }
    }
    assert_eq!(encoded, BIG.div_ceil(3) * 4);
    assert!(tail.ends_with(b"]}"), "{}", String::from_utf8_lossy(&tail));
    let grew = peak.saturating_sub(before);
    eprintln!(
        "resident memory while a 200 MB file exported: +{} KiB",
        grew / 1024
    );
    assert!(
        grew < 48 * 1024 * 1024,
        "resident memory grew by {} MiB during the export",
        grew / (1024 * 1024)
    );
}
