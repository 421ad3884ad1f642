//! `[storage] kind = "s3"` through the real server and a real S3-protocol
//! server (moto, started by `scripts/services/s3.sh`): elements and uploads
//! are objects in the bucket, served back whole or by range, a 100 MB
//! upload goes up in parts while the server's memory stays flat, a cut-off
//! upload leaves nothing behind, and deleting a thread deletes its objects.
//!
//! Run through `scripts/test.sh`, or with the test services by hand:
//!
//! ```sh
//! scripts/services.sh cargo test -p loquat --features loquat-app/ssr --test s3_storage
//! ```
//!
//! Its own test binary: the memory test reads this process's resident
//! size, and every test here takes its turn so that none disturbs it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use futures_util::TryStreamExt;
use loquat::config::{Config, StorageKind, StorageSection, UploadConfig};
use loquat::files::object_store::aws::AmazonS3Builder;
use loquat::files::object_store::path::Path as ObjectPath;
use loquat::files::object_store::ObjectStore;
use loquat::protocol::{ClientEvent, Element as WireElement};
use loquat::{Chat, Element, Loquat, Message};
use support::{Client, TestApp, DEADLINE};
use tokio::io::AsyncWriteExt;

/// Where the S3 server is, from the environment `start_s3` exports.
struct S3Server {
    endpoint: String,
    bucket: String,
}

impl S3Server {
    fn from_env() -> S3Server {
        let var = |name: &str| match std::env::var(name) {
            Ok(value) if !value.trim().is_empty() => value,
            _ => panic!(
                "{name} is not set: these tests need an S3-protocol server. Run them \
                 through scripts/test.sh, or with the one scripts/services/s3.sh \
                 starts: `scripts/services.sh cargo test -p loquat \
                 --features loquat-app/ssr --test s3_storage`"
            ),
        };
        S3Server {
            endpoint: var("LOQUAT_TEST_S3_ENDPOINT"),
            bucket: var("LOQUAT_TEST_S3_BUCKET"),
        }
    }

    /// A client of the bucket of its own (object_store straight, not
    /// Loquat's storage), to see what is really there.
    fn bucket(&self) -> Arc<dyn ObjectStore> {
        let store = AmazonS3Builder::from_env()
            .with_endpoint(&self.endpoint)
            .with_allow_http(true)
            .with_bucket_name(&self.bucket)
            .build()
            .expect("a client of the test bucket");
        Arc::new(store)
    }
}

/// One test's corner of the bucket: its own prefix, so tests and runs
/// never see each other's objects.
struct Corner {
    server: S3Server,
    bucket: Arc<dyn ObjectStore>,
    prefix: String,
}

impl Corner {
    fn new(test: &str) -> Corner {
        let server = S3Server::from_env();
        let bucket = server.bucket();
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        let prefix = format!("tests/{test}-{}-{nanos}", std::process::id());
        Corner {
            server,
            bucket,
            prefix,
        }
    }

    /// The app's configuration: its files in this corner of the bucket.
    fn config(&self) -> Config {
        let mut config = Config {
            storage: StorageSection {
                kind: StorageKind::S3,
                bucket: Some(self.server.bucket.clone()),
                endpoint: Some(self.server.endpoint.clone()),
                region: None,
                prefix: Some(self.prefix.clone()),
            },
            ..Config::default()
        };
        config.features.spontaneous_file_upload = UploadConfig {
            enabled: true,
            accept: vec!["*/*".into()],
            max_files: 5,
            max_size_mb: 500,
        };
        config
    }

    /// `(name, size)` of every object under the prefix, names relative to it.
    async fn objects(&self) -> Vec<(String, u64)> {
        let prefix = ObjectPath::from(self.prefix.as_str());
        let mut found: Vec<(String, u64)> = self
            .bucket
            .list(Some(&prefix))
            .map_ok(|meta| {
                let name = meta.location.as_ref();
                let name = name
                    .strip_prefix(&format!("{}/", self.prefix))
                    .unwrap_or(name);
                (name.to_string(), meta.size)
            })
            .try_collect()
            .await
            .expect("listing the bucket");
        found.sort();
        found
    }

    /// Multipart uploads begun under the prefix and neither completed nor
    /// aborted (ListMultipartUploads, asked of the server directly).
    async fn unfinished_uploads(&self) -> usize {
        let url = format!(
            "{}/{}?uploads&prefix={}",
            self.server.endpoint, self.server.bucket, self.prefix
        );
        let listing = reqwest::get(url).await.unwrap().text().await.unwrap();
        listing.matches("<UploadId>").count()
    }
}

/// Polls `check` until it holds, failing after the deadline.
async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + DEADLINE;
    while !check().await {
        assert!(Instant::now() < deadline, "{what}: not within {DEADLINE:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Held by each test, so the memory test measures only itself.
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Bytes that do not repeat (xorshift), made the same way each time.
fn noise(len: usize, seed: u64) -> Vec<u8> {
    let mut state = seed | 1;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 24) as u8
        })
        .collect()
}

/// An image element's bytes: a PNG signature, then noise.
fn picture() -> Vec<u8> {
    let mut bytes = b"\x89PNG\r\n\x1a\n".to_vec();
    bytes.extend(noise(300 * 1024, 7));
    bytes
}

/// Sends a picture when told "picture"; acknowledges anything else.
fn app() -> Loquat {
    Loquat::new().on_message(|chat: Chat, msg: Message| async move {
        if msg.content == "picture" {
            let reply = Message::assistant("Here it is.")
                .element(Element::image("noise.png").bytes(picture()));
            chat.send(reply).await?;
        } else {
            let reply = format!("{} file(s)", msg.files.len());
            chat.send(Message::assistant(reply)).await?;
        }
        Ok(())
    })
}

/// Sends a message (with uploads) and waits until its run has ended.
async fn say_and_wait(client: &mut Client, text: &str, files: Vec<String>) {
    let runs = client.run_ends().len();
    client
        .send(&ClientEvent::Send {
            content: text.into(),
            files,
            command: None,
        })
        .await;
    client.wait_for(|c| c.run_ends().len() > runs).await;
}

/// Uploads `body` as `name`; the upload's id.
async fn upload(app: &TestApp, session: &str, name: &str, body: reqwest::Body) -> String {
    let response = reqwest::Client::new()
        .post(app.url(&format!("/api/sessions/{session}/files?name={name}")))
        .body(body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let answer: serde_json::Value = response.json().await.unwrap();
    assert_eq!(status, 200, "{answer}");
    answer["id"].as_str().unwrap().to_string()
}

async fn content(app: &TestApp, id: &str, range: Option<&str>) -> reqwest::Response {
    let mut request = reqwest::Client::new().get(app.url(&WireElement::content_path(id)));
    if let Some(range) = range {
        request = request.header("range", range);
    }
    request.send().await.unwrap()
}

/// Nothing was written under the data directory's files/: S3 has it all.
fn nothing_local(app: &TestApp) {
    assert!(
        !app.data_dir.join(loquat::FILES_DIR).exists(),
        "files were stored locally"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn elements_and_uploads_round_trip_through_the_bucket_byte_for_byte() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let corner = Corner::new("round-trip");
    let app = TestApp::start_with(app(), corner.config()).await;
    let mut client = app.client().await;

    // An element the app sends: one PUT.
    say_and_wait(&mut client, "picture", vec![]).await;
    let pic = client.element_named("noise.png").unwrap().clone();
    let served = content(&app, &pic.id, None).await;
    assert_eq!(served.status(), 200);
    assert_eq!(served.headers()["content-type"], "image/png");
    assert_eq!(&served.bytes().await.unwrap()[..], &picture()[..]);

    // An upload larger than a part: a multipart upload.
    let file = noise(20 * 1024 * 1024 + 321, 11);
    let session = client.session_id.clone();
    let id = upload(&app, &session, "data.bin", file.clone().into()).await;
    say_and_wait(&mut client, "keep this", vec![id.clone()]).await;
    let served = content(&app, &id, None).await;
    assert_eq!(served.status(), 200);
    let bytes = served.bytes().await.unwrap();
    assert_eq!(bytes.len(), file.len());
    assert!(bytes[..] == file[..], "the upload came back changed");

    // Both are objects under the prefix, named by their ids.
    let mut expected = vec![
        (pic.id.clone(), picture().len() as u64),
        (id, file.len() as u64),
    ];
    expected.sort();
    assert_eq!(corner.objects().await, expected);
    nothing_local(&app);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_range_request_is_answered_from_a_ranged_get() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let corner = Corner::new("range");
    let app = TestApp::start_with(app(), corner.config()).await;
    let mut client = app.client().await;
    let file = noise(12 * 1024 * 1024, 3);
    let session = client.session_id.clone();
    let id = upload(&app, &session, "video.bin", file.clone().into()).await;
    say_and_wait(&mut client, "a video", vec![id.clone()]).await;
    let total = file.len();

    // Across the boundary of the first two parts (8 MiB).
    let (start, end) = (8 * 1024 * 1024 - 1000, 8 * 1024 * 1024 + 2999);
    let part = content(&app, &id, Some(&format!("bytes={start}-{end}"))).await;
    assert_eq!(part.status(), 206);
    assert_eq!(
        part.headers()["content-range"],
        format!("bytes {start}-{end}/{total}").as_str()
    );
    assert_eq!(part.headers()["content-length"], "4000");
    assert!(part.bytes().await.unwrap()[..] == file[start..=end]);

    // The last bytes, as a player asks for them.
    let tail = content(&app, &id, Some("bytes=-500")).await;
    assert_eq!(tail.status(), 206);
    assert!(tail.bytes().await.unwrap()[..] == file[total - 500..]);

    let beyond = content(&app, &id, Some(&format!("bytes={total}-"))).await;
    assert_eq!(beyond.status(), 416);
    assert_eq!(
        beyond.headers()["content-range"],
        format!("bytes */{total}").as_str()
    );
}

/// This process's resident memory, in bytes.
fn rss() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with("VmRSS:")).unwrap();
    let kib: u64 = line.split_whitespace().nth(1).unwrap().parse().unwrap();
    kib * 1024
}

/// A streamed body of 100 MB, made as it is sent (never whole in memory).
const CHUNK: usize = 64 * 1024;
const CHUNKS: usize = 100 * 1024 * 1024 / CHUNK;
const BIG: usize = CHUNK * CHUNKS;

fn big_body() -> reqwest::Body {
    static BLOCK: [u8; CHUNK] = [b'v'; CHUNK];
    reqwest::Body::wrap_stream(futures_util::stream::iter(
        (0..CHUNKS).map(|_| Ok::<_, std::io::Error>(Bytes::from_static(&BLOCK))),
    ))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_100_mb_upload_goes_up_in_parts_while_memory_stays_flat() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let corner = Corner::new("big");
    let app = TestApp::start_with(app(), corner.config()).await;
    let client = app.client().await;
    let session = client.session_id.clone();
    // Warm up the paths the upload takes (a multipart one too), then
    // measure from here.
    let warm = upload(&app, &session, "warm.bin", vec![1u8; 9 << 20].into()).await;
    let before = rss();
    let peak = Arc::new(AtomicU64::new(before));
    let sampler = {
        let peak = peak.clone();
        tokio::spawn(async move {
            loop {
                peak.fetch_max(rss(), Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        })
    };
    let started = Instant::now();
    let id = upload(&app, &session, "video.bin", big_body()).await;
    let took = started.elapsed();
    sampler.abort();
    let grew = peak.load(Ordering::Relaxed).saturating_sub(before);
    eprintln!(
        "100 MB upload to S3: {:.1} s, resident memory +{} KiB",
        took.as_secs_f64(),
        grew / 1024
    );
    let objects = corner.objects().await;
    assert!(objects.contains(&(id, BIG as u64)), "{objects:?}");
    assert_eq!(objects.len(), 2, "{objects:?} (and {warm})");
    assert_eq!(corner.unfinished_uploads().await, 0);
    // Buffered whole, the server would grow by the file's 100 MB; in
    // parts it holds three of 8 MiB at most (24 MiB; 15–28 MiB measured
    // with the client's and allocator's share).
    assert!(
        grew < 40 * 1024 * 1024,
        "resident memory grew by {} MiB during the upload",
        grew / (1024 * 1024)
    );
    nothing_local(&app);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upload_cut_off_midway_leaves_nothing_in_the_bucket() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let corner = Corner::new("cut");
    let app = TestApp::start_with(app(), corner.config()).await;
    let client = app.client().await;
    let session = client.session_id.clone();
    // 20 MB announced, 18 sent (two parts gone up), then the client is gone.
    let mut stream = tokio::net::TcpStream::connect(app.addr).await.unwrap();
    let head = format!(
        "POST /api/sessions/{session}/files?name=cut.bin HTTP/1.1\r\nhost: {}\r\n\
         content-length: {}\r\ncontent-type: application/octet-stream\r\n\r\n",
        app.addr,
        20 << 20
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(&noise(18 << 20, 5)).await.unwrap();
    let corner = &corner;
    eventually("a multipart upload begins", || async move {
        corner.unfinished_uploads().await > 0
    })
    .await;
    drop(stream);
    eventually("the multipart upload is aborted", || async move {
        corner.unfinished_uploads().await == 0
    })
    .await;
    assert!(corner.objects().await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deleting_a_thread_deletes_its_objects_from_the_bucket() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let corner = Corner::new("delete");
    let app = TestApp::start_with(app(), corner.config()).await;
    let mut client = app.client().await;
    say_and_wait(&mut client, "picture", vec![]).await;
    let session = client.session_id.clone();
    let id = upload(&app, &session, "notes.bin", noise(4096, 9).into()).await;
    say_and_wait(&mut client, "and this", vec![id.clone()]).await;
    let pic = client.element_named("noise.png").unwrap().id.clone();
    assert_eq!(corner.objects().await.len(), 2);

    let (status, body) = app
        .server_fn("threads/delete", &[("id", client.thread_id.as_str())])
        .await;
    assert_eq!(status, 200, "{body}");
    let corner = &corner;
    eventually("the objects are deleted", || async move {
        corner.objects().await.is_empty()
    })
    .await;
    for id in [pic, id] {
        assert_eq!(content(&app, &id, None).await.status(), 404);
    }
}
