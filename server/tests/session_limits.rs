//! Caps on what one client may hold, through the real server: live
//! sessions per address, per user and in total; unused sessions that end
//! soon after their tab; clicks and reactions over the rate dropped, and a
//! burst of reactions written once, not once per frame; runs waiting in a
//! session's queue.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use loquat::config::Config;
use loquat::data::{
    DataLayer, DataResult, FeedbackRecord, SqliteDataLayer, ThreadFilter, ThreadRecord,
    ThreadUpdate, UserRecord, WriteBatch,
};
use loquat::protocol::{ClientEvent, Element, ErrorCode, StepType, ThreadPage};
use loquat::{
    Chat, ElementId, Loquat, Message, RuntimeLimits, SessionLimits, Step, ThreadId, UserId,
};
use support::{hello, Client, TestApp, DEADLINE};

fn echo() -> Loquat {
    Loquat::new().on_message(|chat: Chat, msg: Message| async move {
        chat.send(Message::assistant(format!("re: {}", msg.content)))
            .await?;
        Ok(())
    })
}

fn with_sessions(app: Loquat, sessions: SessionLimits) -> Loquat {
    app.limits(RuntimeLimits {
        sessions,
        ..RuntimeLimits::default()
    })
}

/// A client whose hello was answered with an error and a close.
async fn refused(app: &TestApp) -> Vec<ErrorCode> {
    let mut client = Client::connect_raw_pub(app.addr).await;
    client.send(&hello(None, None, None)).await;
    while client.recv_frame().await {}
    assert!(client.session_id.is_empty(), "no session was given");
    client.error_codes()
}

#[tokio::test]
async fn one_address_cannot_hold_more_sessions_than_its_cap() {
    let caps = SessionLimits {
        max_per_client: 3,
        ..SessionLimits::default()
    };
    let app = TestApp::start(with_sessions(echo(), caps)).await;
    let mut open = Vec::new();
    for _ in 0..3 {
        open.push(app.client().await);
    }
    assert_eq!(refused(&app).await, [ErrorCode::TooManySessions]);
    // Reconnecting to a session it has is never refused.
    let first = open.remove(0);
    let mut again = first.reconnect().await;
    again.say("still here").await;
    again.wait_for(|c| c.finished_replies().len() == 1).await;
    // Ending one makes room.
    let mut last = open.pop().unwrap();
    last.send(&ClientEvent::EndChat).await;
    while last.recv_frame().await {}
    let deadline = tokio::time::Instant::now() + DEADLINE;
    loop {
        let mut client = Client::connect_raw_pub(app.addr).await;
        client.send(&hello(None, None, None)).await;
        client.recv_frame().await;
        if !client.session_id.is_empty() {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "no room was made");
    }
}

#[tokio::test]
async fn the_server_and_each_user_have_caps_too() {
    let per_user = SessionLimits {
        max_per_user: 2,
        ..SessionLimits::default()
    };
    let app = TestApp::start(with_sessions(echo(), per_user)).await;
    let _a = app.client().await;
    let _b = app.client().await;
    assert_eq!(refused(&app).await, [ErrorCode::TooManySessions]);

    let total = SessionLimits {
        max_total: 1,
        ..SessionLimits::default()
    };
    let app = TestApp::start(with_sessions(echo(), total)).await;
    let _only = app.client().await;
    assert_eq!(refused(&app).await, [ErrorCode::TooManySessions]);
}

#[tokio::test]
async fn a_session_nobody_wrote_in_ends_soon_after_its_tab_a_used_one_stays() {
    let ended = Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let app = {
        let ended = ended.clone();
        echo().on_chat_end(move |chat: Chat| {
            let ended = ended.clone();
            async move {
                ended.lock().unwrap().push(chat.session_id().to_string());
                Ok(())
            }
        })
    };
    let caps = SessionLimits {
        unused_timeout: Duration::from_millis(300),
        ..SessionLimits::default()
    };
    let mut config = Config::default();
    config.project.session_timeout = Duration::from_secs(3600);
    let app = TestApp::start_with(with_sessions(app, caps), config).await;
    let mut used = app.client().await;
    used.say("hello").await;
    used.wait_for(|c| c.finished_replies().len() == 1).await;
    let unused = app.client().await;
    let (used_id, unused_id) = (used.session_id.clone(), unused.session_id.clone());
    used.drop_connection().await;
    unused.drop_connection().await;
    let deadline = tokio::time::Instant::now() + DEADLINE;
    while !ended.lock().unwrap().contains(&unused_id) {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the unused session stayed"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(!ended.lock().unwrap().contains(&used_id));
    // The used one is still there to come back to.
    let back = Client::connect(app.addr, Some(used_id.clone()), None).await;
    assert_eq!(back.session_id, used_id);
}

/// The SQLite store, counting the steps each write carries.
struct CountingStore {
    inner: SqliteDataLayer,
    step_writes: AtomicUsize,
}

#[async_trait::async_trait]
impl DataLayer for CountingStore {
    async fn get_or_create_user(&self, identifier: &str) -> DataResult<UserRecord> {
        self.inner.get_or_create_user(identifier).await
    }
    async fn write(&self, batch: WriteBatch) -> DataResult<()> {
        self.step_writes
            .fetch_add(batch.steps.len(), Ordering::SeqCst);
        self.inner.write(batch).await
    }
    async fn thread(
        &self,
        user_id: &UserId,
        thread_id: &ThreadId,
    ) -> DataResult<Option<ThreadRecord>> {
        self.inner.thread(user_id, thread_id).await
    }
    async fn thread_with_steps(
        &self,
        user_id: &UserId,
        thread_id: &ThreadId,
    ) -> DataResult<Option<(ThreadRecord, Vec<Step>)>> {
        self.inner.thread_with_steps(user_id, thread_id).await
    }
    async fn list_threads(
        &self,
        user_id: &UserId,
        filter: &ThreadFilter,
    ) -> DataResult<ThreadPage> {
        self.inner.list_threads(user_id, filter).await
    }
    async fn update_thread(
        &self,
        user_id: &UserId,
        thread_id: &ThreadId,
        update: &ThreadUpdate,
    ) -> DataResult<bool> {
        self.inner.update_thread(user_id, thread_id, update).await
    }
    async fn delete_thread(&self, user_id: &UserId, thread_id: &ThreadId) -> DataResult<bool> {
        self.inner.delete_thread(user_id, thread_id).await
    }
    async fn upsert_element(&self, element: &Element) -> DataResult<()> {
        self.inner.upsert_element(element).await
    }
    async fn element(
        &self,
        user_id: &UserId,
        element_id: &ElementId,
    ) -> DataResult<Option<Element>> {
        self.inner.element(user_id, element_id).await
    }
    async fn thread_elements(
        &self,
        user_id: &UserId,
        thread_id: &ThreadId,
    ) -> DataResult<Vec<Element>> {
        self.inner.thread_elements(user_id, thread_id).await
    }
    async fn upsert_feedback(
        &self,
        user_id: &UserId,
        feedback: &FeedbackRecord,
    ) -> DataResult<bool> {
        self.inner.upsert_feedback(user_id, feedback).await
    }
    async fn delete_feedback(&self, user_id: &UserId, feedback_id: &str) -> DataResult<bool> {
        self.inner.delete_feedback(user_id, feedback_id).await
    }
}

#[tokio::test]
async fn a_flood_of_reactions_is_cut_to_the_rate_and_written_once() {
    let dir = support::TempDir::new();
    let store = Arc::new(CountingStore {
        inner: SqliteDataLayer::open(dir.path.join("counting.db"))
            .await
            .unwrap(),
        step_writes: AtomicUsize::new(0),
    });
    let mut config = Config::default();
    config.ui.reactions = vec!["like".into()];
    let app = TestApp::start_with(echo().data_layer(store.clone()), config).await;
    let mut client = app.client().await;
    client.say("hi").await;
    client.wait_for(|c| c.finished_replies().len() == 1).await;
    let reply = client.messages_of(StepType::AssistantMessage)[0].id.clone();
    // Let the turn's own writes land, then count from here.
    let deadline = tokio::time::Instant::now() + DEADLINE;
    let mut before = store.step_writes.load(Ordering::SeqCst);
    loop {
        tokio::time::sleep(Duration::from_millis(1200)).await;
        let now = store.step_writes.load(Ordering::SeqCst);
        if now == before {
            break;
        }
        before = now;
        assert!(tokio::time::Instant::now() < deadline);
    }
    const FRAMES: usize = 5000;
    for i in 0..FRAMES {
        client
            .send(&ClientEvent::React {
                step_id: reply.clone(),
                reaction: "like".into(),
                active: i % 2 == 0,
            })
            .await;
    }
    let limited = |c: &Client| {
        c.error_codes()
            .iter()
            .filter(|e| **e == ErrorCode::RateLimited)
            .count()
    };
    // The burst allowance (40 by default) passes; nearly all else is dropped.
    client.wait_for(|c| limited(c) >= FRAMES - 100).await;
    assert!(limited(&client) < FRAMES, "some reactions pass");
    // A final reaction after a pause is taken and written with the next
    // checkpoint: a handful of writes for the whole flood, not thousands.
    tokio::time::sleep(Duration::from_millis(200)).await;
    client
        .send(&ClientEvent::React {
            step_id: reply.clone(),
            reaction: "like".into(),
            active: true,
        })
        .await;
    client
        .wait_for(|c| {
            c.steps
                .iter()
                .any(|s| s.id == reply && s.has_reaction("like"))
        })
        .await;
    let thread = client.thread_id.clone();
    let deadline = tokio::time::Instant::now() + DEADLINE;
    loop {
        let stored = store
            .thread_with_steps(
                &store_user(&store).await,
                &ThreadId::parse(&thread).unwrap(),
            )
            .await
            .unwrap()
            .unwrap()
            .1;
        if stored
            .iter()
            .any(|s| s.id == reply && s.has_reaction("like"))
        {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the reaction was never written"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let writes = store.step_writes.load(Ordering::SeqCst) - before;
    assert!(
        writes <= 10,
        "{writes} step writes for {FRAMES} reaction frames"
    );
}

async fn store_user(store: &CountingStore) -> UserId {
    let user = store
        .get_or_create_user(loquat::data::LOCAL_USER)
        .await
        .unwrap();
    UserId::parse(&user.id).unwrap()
}

#[tokio::test]
async fn messages_beyond_the_queue_are_refused_before_they_are_posted() {
    let release = Arc::new(tokio::sync::Notify::new());
    let app = {
        let release = release.clone();
        Loquat::new().on_message(move |chat: Chat, msg: Message| {
            let release = release.clone();
            async move {
                release.notified().await;
                chat.send(Message::assistant(format!("re: {}", msg.content)))
                    .await?;
                Ok(())
            }
        })
    };
    let caps = SessionLimits {
        max_queued_runs: 2,
        ..SessionLimits::default()
    };
    let app = TestApp::start(with_sessions(app, caps)).await;
    let mut client = app.client().await;
    // One runs (held), two wait, the fourth is refused.
    client.say("one").await;
    client
        .wait_for(|c| {
            c.events
                .iter()
                .any(|e| matches!(e, loquat::protocol::ServerEvent::RunStarted { .. }))
        })
        .await;
    for text in ["two", "three", "four"] {
        client.say(text).await;
    }
    client
        .wait_for(|c| c.error_codes().contains(&ErrorCode::RateLimited))
        .await;
    let posted = |c: &Client| -> Vec<String> {
        c.messages_of(StepType::UserMessage)
            .iter()
            .map(|m| m.output.clone())
            .collect()
    };
    client.wait_for(|c| posted(c).len() == 3).await;
    assert_eq!(posted(&client), ["one", "two", "three"]);
    for _ in 0..3 {
        release.notify_one();
        let done = client.finished_replies().len();
        client.wait_for(|c| c.finished_replies().len() > done).await;
    }
}

#[tokio::test]
async fn a_long_thread_stops_growing_at_its_cap_and_reconnects_in_pages() {
    let caps = SessionLimits {
        max_thread_bytes: 3 * 1024 * 1024,
        ..SessionLimits::default()
    };
    let app = TestApp::start(with_sessions(echo(), caps)).await;
    let mut client = app.client().await;
    let big = "x".repeat(900 * 1024);
    // Each turn is 1.8 MB (the message and its echo).
    for turn in 1..=2 {
        client.say(&big).await;
        client
            .wait_for(|c| c.finished_replies().len() == turn)
            .await;
    }
    client.say(&big).await;
    client
        .wait_for(|c| c.error_codes().contains(&ErrorCode::ThreadFull))
        .await;
    assert_eq!(client.messages_of(StepType::UserMessage).len(), 2);

    // A new tab gets the thread a page a frame, each well under the limit.
    let mut fresh = Client::connect(app.addr, Some(client.session_id.clone()), None).await;
    let total = client.steps.len();
    fresh.wait_for(|c| c.steps.len() == total).await;
    assert!(fresh.snapshot_pages >= 4, "{} pages", fresh.snapshot_pages);
    assert!(
        fresh.largest_frame < 1024 * 1024,
        "a frame of {} bytes",
        fresh.largest_frame
    );
    let texts: Vec<usize> = fresh.steps.iter().map(|s| s.output.len()).collect();
    let expected: Vec<usize> = client.steps.iter().map(|s| s.output.len()).collect();
    assert_eq!(texts, expected, "the pages add up to the thread, in order");
}

#[tokio::test]
async fn the_config_files_limits_win_over_the_apps() {
    let mut config = Config::default();
    config.limits.sessions_per_client = Some(2);
    // The app asks for more; the deployment's [limits] says two.
    let caps = SessionLimits {
        max_per_client: 50,
        ..SessionLimits::default()
    };
    let app = TestApp::start_with(with_sessions(echo(), caps), config).await;
    let _a = app.client().await;
    let _b = app.client().await;
    assert_eq!(refused(&app).await, [ErrorCode::TooManySessions]);
}
