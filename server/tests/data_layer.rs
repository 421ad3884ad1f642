//! The embedded SQLite data layer through its public API, on real database
//! files: batched writes and read-back, step order, atomicity, ownership,
//! history pagination and search, elements and feedback, reopening and
//! concurrent writers.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

/// Full-text search: ranking, snippets, the index kept in step.
#[path = "data_layer/search.rs"]
mod search;

use std::sync::Arc;

use loquat::data::{
    DataError, DataLayer, FeedbackRecord, SqliteDataLayer, ThreadCursor, ThreadFilter,
    ThreadRecord, WriteBatch,
};
use loquat::protocol::{Display, Element, ElementKind, ElementSize, ThreadSummary};
use loquat::{ElementId, ShowInput, Step, StepType, ThreadId, UserId};
use serde_json::json;
use support::stores::Place;

fn thread(id: &str, user_id: &str, updated_at: u64) -> ThreadRecord {
    ThreadRecord {
        id: id.into(),
        user_id: user_id.into(),
        name: None,
        created_at: updated_at,
        updated_at,
        tags: vec![],
        metadata: Default::default(),
    }
}

fn message(id: &str, thread_id: &str, step_type: StepType, output: &str) -> Step {
    Step {
        id: id.into(),
        thread_id: thread_id.into(),
        name: "Someone".into(),
        step_type,
        output: output.into(),
        created_at: 1_700_000_000_000,
        start: Some(1_700_000_000_000),
        end: Some(1_700_000_000_500),
        ..Default::default()
    }
}

/// Steps that use every field, with both values of each option.
fn rich_steps(thread_id: &str) -> Vec<Step> {
    let mut metadata = serde_json::Map::new();
    metadata.insert("model".into(), json!("gpt-x"));
    metadata.insert(
        "usage".into(),
        json!({"prompt": 12, "completion": 34, "ratio": 0.5, "cached": null, "tags": ["a", "b"]}),
    );
    vec![
        Step {
            id: "s-user".into(),
            thread_id: thread_id.into(),
            parent_id: None,
            name: "User".into(),
            step_type: StepType::UserMessage,
            input: String::new(),
            output: "Hello, ünïcödé 👋\nsecond line with 'quotes' and \"doubles\"".into(),
            is_error: false,
            streaming: false,
            show_input: ShowInput::Flag(false),
            language: None,
            metadata: Default::default(),
            tags: vec![],
            created_at: 1_700_000_000_000,
            start: None,
            end: None,
            actions: vec![],
            feedback: None,
        },
        Step {
            id: "s-run".into(),
            thread_id: thread_id.into(),
            parent_id: None,
            name: "on_message".into(),
            step_type: StepType::Run,
            input: "{\"q\": 1}".into(),
            output: String::new(),
            is_error: false,
            streaming: true,
            show_input: ShowInput::Language("json".into()),
            language: Some("python".into()),
            metadata: metadata.clone(),
            tags: vec!["run".into(), "first".into()],
            created_at: 1_700_000_000_001,
            start: Some(1_700_000_000_001),
            end: None,
            actions: vec![loquat::Action::new("retry")
                .payload(json!({"n": 1}))
                .tooltip("Again")],
            feedback: None,
        },
        Step {
            id: "s-tool".into(),
            thread_id: thread_id.into(),
            parent_id: Some("s-run".into()),
            name: "search".into(),
            step_type: StepType::Tool,
            input: "query".into(),
            output: "boom".into(),
            is_error: true,
            streaming: false,
            show_input: ShowInput::Flag(true),
            language: None,
            metadata,
            tags: vec!["tool".into()],
            created_at: 1_700_000_000_002,
            start: Some(1_700_000_000_002),
            end: Some(1_700_000_000_003),
            actions: vec![],
            feedback: None,
        },
        Step {
            id: "s-odd".into(),
            thread_id: thread_id.into(),
            parent_id: Some("s-run".into()),
            name: String::new(),
            step_type: StepType::Undefined,
            created_at: 0,
            start: Some(0),
            end: Some(u64::try_from(i64::MAX).unwrap()),
            ..Default::default()
        },
        Step {
            id: "s-reply".into(),
            thread_id: thread_id.into(),
            parent_id: Some("s-run".into()),
            name: "Assistant".into(),
            step_type: StepType::AssistantMessage,
            output: "Hi! 100% sure.".into(),
            language: Some("markdown".into()),
            created_at: 1_700_000_000_004,
            start: Some(1_700_000_000_004),
            end: Some(1_700_000_000_009),
            ..Default::default()
        },
    ]
}

/// The id types the data layer takes, from the strings the records hold.
fn uid(id: &str) -> UserId {
    UserId::parse(id).unwrap()
}

fn tid(id: &str) -> ThreadId {
    ThreadId::parse(id).unwrap()
}

fn eid(id: &str) -> ElementId {
    ElementId::parse(id).unwrap()
}

fn ids(steps: &[Step]) -> Vec<&str> {
    steps.iter().map(|s| s.id.as_str()).collect()
}

async fn steps_of(data: &dyn DataLayer, user_id: &str, thread_id: &str) -> Vec<Step> {
    data.thread_with_steps(&uid(user_id), &tid(thread_id))
        .await
        .unwrap()
        .expect("thread exists")
        .1
}

async fn list(data: &dyn DataLayer, user_id: &str, search: Option<&str>) -> Vec<ThreadSummary> {
    let mut all = Vec::new();
    let mut cursor = None;
    loop {
        let page = data
            .list_threads(
                &uid(user_id),
                &ThreadFilter {
                    search: search.map(str::to_string),
                    cursor,
                    limit: 100,
                },
            )
            .await
            .unwrap();
        all.extend(page.threads);
        match page.next_cursor {
            Some(next) => cursor = Some(ThreadCursor::decode(&next).unwrap()),
            None => return all,
        }
    }
}

async fn search_ids(data: &dyn DataLayer, user_id: &str, search: &str) -> Vec<String> {
    let mut found: Vec<String> = list(data, user_id, Some(search))
        .await
        .into_iter()
        .map(|t| t.id)
        .collect();
    found.sort();
    found
}

#[tokio::test]
async fn open_creates_directories_and_sets_pragmas() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nested").join("deeper").join("chat.db");
    let data = SqliteDataLayer::open(&path).await.unwrap();
    assert!(path.is_file());
    data.close().await;

    // The journal mode is a property of the file: check it from outside.
    let options = sqlx::sqlite::SqliteConnectOptions::new().filename(&path);
    let pool = sqlx::SqlitePool::connect_with(options).await.unwrap();
    let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(mode.to_lowercase(), "wal");
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' \
         ORDER BY name",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    for table in ["elements", "feedbacks", "steps", "threads", "users"] {
        assert!(tables.iter().any(|t| t == table), "{table} in {tables:?}");
    }
    pool.close().await;
}

#[tokio::test]
async fn open_fails_cleanly_on_a_directory() {
    let dir = tempfile::Builder::new()
        .prefix("loquat-data-layer")
        .tempdir()
        .unwrap();
    // The path is an existing directory: not a database file.
    match SqliteDataLayer::open(dir.path()).await {
        Err(DataError::Open { path, .. }) => assert!(path.contains("loquat-data-layer")),
        Err(other) => panic!("expected Open, got {other:?}"),
        Ok(_) => panic!("opened a directory as a database"),
    }
}

async fn users_are_created_once(place: Place) {
    let data = place.open().await;
    let alice = data.get_or_create_user("alice@example.com").await.unwrap();
    assert_eq!(alice.identifier, "alice@example.com");
    assert!(uuid_shaped(&alice.id), "{}", alice.id);
    assert!(alice.created_at > 0);
    let again = data.get_or_create_user("alice@example.com").await.unwrap();
    assert_eq!(again, alice);
    let bob = data.get_or_create_user("bob").await.unwrap();
    assert_ne!(bob.id, alice.id);

    // Concurrent first use of one identifier yields one user.
    let data = Arc::new(data);
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let data = data.clone();
        tasks.push(tokio::spawn(async move {
            data.get_or_create_user("carol").await.unwrap()
        }));
    }
    let mut carols = Vec::new();
    for task in tasks {
        carols.push(task.await.unwrap().id);
    }
    carols.dedup();
    assert_eq!(carols.len(), 1);
}

fn uuid_shaped(id: &str) -> bool {
    id.len() == 36 && id.chars().filter(|c| *c == '-').count() == 4
}

async fn a_batch_reads_back_identical_and_in_order(place: Place) {
    let data = place.open().await;
    let user = data.get_or_create_user("alice").await.unwrap();
    let mut upsert = thread("t1", &user.id, 1_700_000_000_000);
    upsert.name = Some("First chat".into());
    upsert.tags = vec!["x".into(), "y".into()];
    upsert.metadata.insert("env".into(), json!({"k": [1, 2]}));
    let steps = rich_steps("t1");
    data.write(WriteBatch {
        threads: vec![upsert.clone()],
        steps: steps.clone(),
        deleted_steps: vec![],
        ..Default::default()
    })
    .await
    .unwrap();

    let (record, stored) = data
        .thread_with_steps(&uid(&user.id), &tid("t1"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored, steps);
    assert_eq!(record.id, "t1");
    assert_eq!(record.user_id, user.id);
    assert_eq!(record.name.as_deref(), Some("First chat"));
    assert_eq!(record.created_at, upsert.created_at);
    assert_eq!(record.updated_at, upsert.updated_at);
    assert_eq!(record.tags, upsert.tags);
    assert_eq!(record.metadata, upsert.metadata);
    assert_eq!(
        data.thread(&uid(&user.id), &tid("t1")).await.unwrap(),
        Some(record)
    );

    // A thread without steps, and one that does not exist.
    data.write(WriteBatch {
        threads: vec![thread("empty", &user.id, 5)],
        ..Default::default()
    })
    .await
    .unwrap();
    let (empty, none) = data
        .thread_with_steps(&uid(&user.id), &tid("empty"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(empty.name, None);
    assert!(none.is_empty());
    assert_eq!(
        data.thread_with_steps(&uid(&user.id), &tid("nope"))
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        data.thread(&uid(&user.id), &tid("nope")).await.unwrap(),
        None
    );

    // An empty batch is fine.
    data.write(WriteBatch::default()).await.unwrap();
}

async fn a_large_batch_keeps_its_order(place: Place) {
    let data = place.open().await;
    let user = data.get_or_create_user("alice").await.unwrap();
    // Ids deliberately not in insertion order.
    let steps: Vec<Step> = (0..500)
        .map(|i| {
            let id = format!("{:03}", (i * 7919) % 1000);
            message(&id, "big", StepType::AssistantMessage, &format!("#{i}"))
        })
        .collect();
    data.write(WriteBatch {
        threads: vec![thread("big", &user.id, 1)],
        steps: steps.clone(),
        deleted_steps: vec![],
        ..Default::default()
    })
    .await
    .unwrap();
    assert_eq!(steps_of(&*data, &user.id, "big").await, steps);
}

async fn upserts_keep_position_and_new_steps_go_last(place: Place) {
    let data = place.open().await;
    let user = data.get_or_create_user("alice").await.unwrap();
    let a = message("a", "t", StepType::UserMessage, "one");
    let b = message("b", "t", StepType::AssistantMessage, "");
    let c = message("c", "t", StepType::UserMessage, "three");
    data.write(WriteBatch {
        threads: vec![thread("t", &user.id, 1)],
        steps: vec![a.clone(), b.clone(), c.clone()],
        deleted_steps: vec![],
        ..Default::default()
    })
    .await
    .unwrap();

    // Replace `b` whole (streaming finished), and `a` with fewer fields.
    let mut b2 = b.clone();
    b2.output = "two, done".into();
    b2.streaming = false;
    b2.end = None;
    b2.show_input = ShowInput::Language("rust".into());
    b2.tags = vec!["edited".into()];
    b2.metadata.insert("n".into(), json!(2));
    b2.parent_id = Some("a".into());
    let a2 = Step {
        id: "a".into(),
        thread_id: "t".into(),
        name: "User".into(),
        step_type: StepType::UserMessage,
        created_at: 9,
        ..Default::default()
    };
    // The same step twice in one batch: the last write wins, in place.
    let mut c2 = c.clone();
    c2.output = "three v2".into();
    let mut c3 = c.clone();
    c3.output = "three v3".into();
    let d = message("d", "t", StepType::AssistantMessage, "four");
    data.write(WriteBatch {
        threads: vec![],
        steps: vec![b2.clone(), c2, d.clone(), a2.clone(), c3.clone()],
        deleted_steps: vec![],
        ..Default::default()
    })
    .await
    .unwrap();
    let stored = steps_of(&*data, &user.id, "t").await;
    assert_eq!(stored, vec![a2.clone(), b2.clone(), c3.clone(), d.clone()]);

    // Deleting the last step does not let a new one take an old place.
    data.write(WriteBatch {
        deleted_steps: vec![("t".into(), "d".into()), ("t".into(), "b".into())],
        ..Default::default()
    })
    .await
    .unwrap();
    assert_eq!(ids(&steps_of(&*data, &user.id, "t").await), ["a", "c"]);
    let e = message("e", "t", StepType::UserMessage, "five");
    data.write(WriteBatch {
        steps: vec![e.clone(), b.clone()],
        ..Default::default()
    })
    .await
    .unwrap();
    assert_eq!(
        steps_of(&*data, &user.id, "t").await,
        vec![a2, c3, e, b.clone()]
    );

    // A deletion names the thread: the wrong thread deletes nothing, and a
    // missing step is not an error.
    data.write(WriteBatch {
        threads: vec![thread("other", &user.id, 2)],
        deleted_steps: vec![("other".into(), "a".into()), ("t".into(), "missing".into())],
        ..Default::default()
    })
    .await
    .unwrap();
    assert_eq!(steps_of(&*data, &user.id, "t").await.len(), 4);

    // Upsert, then delete, in one batch: deletions come last.
    let f = message("f", "t", StepType::UserMessage, "six");
    data.write(WriteBatch {
        steps: vec![f],
        deleted_steps: vec![("t".into(), "f".into()), ("t".into(), "b".into())],
        ..Default::default()
    })
    .await
    .unwrap();
    assert_eq!(ids(&steps_of(&*data, &user.id, "t").await), ["a", "c", "e"]);
}

/// Batches merged into one transaction name one thread (and sometimes one
/// step) several times: each row is written once, with its last values,
/// and a new step keeps the place of its first record.
async fn one_batch_may_name_a_row_twice(place: Place) {
    let data = place.open().await;
    let user = data.get_or_create_user("alice").await.unwrap();
    let mut opened = thread("t", &user.id, 1);
    opened.metadata.insert("run_open".into(), json!(true));
    let closed = thread("t", &user.id, 2);
    let first = message("m", "t", StepType::AssistantMessage, "partial");
    let last = message("m", "t", StepType::AssistantMessage, "whole");
    let next = message("n", "t", StepType::UserMessage, "next");
    let after = message("o", "t", StepType::AssistantMessage, "after");
    // Four rows: one statement (see the chunks in `write.rs`).
    data.write(WriteBatch {
        threads: vec![opened, closed],
        steps: vec![first, next.clone(), last.clone(), after.clone()],
        ..Default::default()
    })
    .await
    .unwrap();
    let record = data
        .thread(&uid(&user.id), &tid("t"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(record.updated_at, 2);
    assert!(record.metadata.is_empty());
    assert_eq!(
        steps_of(&*data, &user.id, "t").await,
        vec![last, next, after]
    );
}

async fn thread_upserts_fill_the_name_and_move_forward(place: Place) {
    let data = place.open().await;
    let user = data.get_or_create_user("alice").await.unwrap();
    data.write(WriteBatch {
        threads: vec![thread("t", &user.id, 100)],
        ..Default::default()
    })
    .await
    .unwrap();

    // A missing name is filled; tags and metadata are replaced.
    let mut named = thread("t", &user.id, 200);
    named.name = Some("Automatic".into());
    named.created_at = 999;
    named.tags = vec!["a".into()];
    named.metadata.insert("v".into(), json!(1));
    data.write(WriteBatch {
        threads: vec![named],
        ..Default::default()
    })
    .await
    .unwrap();
    let record = data
        .thread(&uid(&user.id), &tid("t"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(record.name.as_deref(), Some("Automatic"));
    assert_eq!(record.created_at, 100, "created_at is kept");
    assert_eq!(record.updated_at, 200);
    assert_eq!(record.tags, ["a"]);
    assert_eq!(record.metadata.get("v"), Some(&json!(1)));

    // A rename wins over later automatic names; updated_at never goes back.
    assert!(data
        .rename_thread(&uid(&user.id), &tid("t"), "Mine")
        .await
        .unwrap());
    let mut older = thread("t", &user.id, 150);
    older.name = Some("Automatic again".into());
    data.write(WriteBatch {
        threads: vec![older],
        ..Default::default()
    })
    .await
    .unwrap();
    let record = data
        .thread(&uid(&user.id), &tid("t"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(record.name.as_deref(), Some("Mine"));
    assert_eq!(record.updated_at, 200);
    assert!(record.tags.is_empty());
    assert!(record.metadata.is_empty());
}

async fn a_failing_batch_writes_nothing(place: Place) {
    let data = place.open().await;
    let alice = data.get_or_create_user("alice").await.unwrap();
    let bob = data.get_or_create_user("bob").await.unwrap();
    let before = message("kept", "t", StepType::UserMessage, "before");
    data.write(WriteBatch {
        threads: vec![thread("t", &alice.id, 10)],
        steps: vec![before.clone()],
        deleted_steps: vec![],
        ..Default::default()
    })
    .await
    .unwrap();

    // A step of a thread that does not exist: the foreign key fails it.
    let mut changed = before.clone();
    changed.output = "changed".into();
    let err = data
        .write(WriteBatch {
            threads: vec![thread("new", &alice.id, 20)],
            steps: vec![
                message("n1", "new", StepType::UserMessage, "hi"),
                changed,
                message("orphan", "no-such-thread", StepType::UserMessage, "x"),
                message("n2", "new", StepType::UserMessage, "after"),
            ],
            deleted_steps: vec![],
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert!(matches!(err, DataError::Query(_)), "{err:?}");
    assert_eq!(
        data.thread(&uid(&alice.id), &tid("new")).await.unwrap(),
        None
    );
    assert_eq!(steps_of(&*data, &alice.id, "t").await, vec![before.clone()]);

    // A thread of another user, after changes that would have succeeded.
    let mut bumped = thread("t", &alice.id, 30);
    bumped.name = Some("bumped".into());
    let err = data
        .write(WriteBatch {
            threads: vec![
                bumped,
                thread("bobs", &bob.id, 40),
                thread("t", &bob.id, 50),
            ],
            steps: vec![message("b1", "bobs", StepType::UserMessage, "hi")],
            deleted_steps: vec![("t".into(), "kept".into())],
            ..Default::default()
        })
        .await
        .unwrap_err();
    match err {
        DataError::NotOwner(id) => assert_eq!(id, "t"),
        other => panic!("expected NotOwner, got {other:?}"),
    }
    assert_eq!(
        data.thread(&uid(&bob.id), &tid("bobs")).await.unwrap(),
        None
    );
    let record = data
        .thread(&uid(&alice.id), &tid("t"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(record.name, None);
    assert_eq!(record.updated_at, 10);
    assert_eq!(steps_of(&*data, &alice.id, "t").await, vec![before.clone()]);

    // A thread of a user that does not exist.
    let err = data
        .write(WriteBatch {
            threads: vec![thread("ghost", "no-such-user", 1)],
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert!(matches!(err, DataError::Query(_)), "{err:?}");

    // The layer is still usable after the failures.
    data.write(WriteBatch {
        steps: vec![message("later", "t", StepType::AssistantMessage, "ok")],
        ..Default::default()
    })
    .await
    .unwrap();
    assert_eq!(
        ids(&steps_of(&*data, &alice.id, "t").await),
        ["kept", "later"]
    );
}

async fn another_users_thread_is_missing(place: Place) {
    let data = place.open().await;
    let alice = data.get_or_create_user("alice").await.unwrap();
    let bob = data.get_or_create_user("bob").await.unwrap();
    let mut upsert = thread("t", &alice.id, 10);
    upsert.name = Some("Alice's".into());
    data.write(WriteBatch {
        threads: vec![upsert],
        steps: rich_steps("t"),
        deleted_steps: vec![],
        ..Default::default()
    })
    .await
    .unwrap();

    assert_eq!(data.thread(&uid(&bob.id), &tid("t")).await.unwrap(), None);
    assert_eq!(
        data.thread_with_steps(&uid(&bob.id), &tid("t"))
            .await
            .unwrap(),
        None
    );
    assert!(!data
        .rename_thread(&uid(&bob.id), &tid("t"), "Bob's now")
        .await
        .unwrap());
    assert!(!data.delete_thread(&uid(&bob.id), &tid("t")).await.unwrap());
    assert!(list(&*data, &bob.id, None).await.is_empty());
    assert!(list(&*data, &bob.id, Some("Alice")).await.is_empty());
    assert!(list(&*data, &bob.id, Some("Hello")).await.is_empty());

    let record = data
        .thread(&uid(&alice.id), &tid("t"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(record.name.as_deref(), Some("Alice's"));
    assert_eq!(steps_of(&*data, &alice.id, "t").await, rich_steps("t"));

    // Missing threads answer the same.
    assert!(!data
        .rename_thread(&uid(&alice.id), &tid("nope"), "x")
        .await
        .unwrap());
    assert!(!data
        .delete_thread(&uid(&alice.id), &tid("nope"))
        .await
        .unwrap());

    assert!(data
        .rename_thread(&uid(&alice.id), &tid("t"), "Renamed")
        .await
        .unwrap());
    let record = data
        .thread(&uid(&alice.id), &tid("t"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(record.name.as_deref(), Some("Renamed"));
    assert!(data
        .delete_thread(&uid(&alice.id), &tid("t"))
        .await
        .unwrap());
    assert_eq!(data.thread(&uid(&alice.id), &tid("t")).await.unwrap(), None);
    assert!(!data
        .delete_thread(&uid(&alice.id), &tid("t"))
        .await
        .unwrap());

    // Its steps went with it: the ids are free again, in a new thread.
    data.write(WriteBatch {
        threads: vec![thread("t2", &alice.id, 20)],
        steps: rich_steps("t2"),
        deleted_steps: vec![],
        ..Default::default()
    })
    .await
    .unwrap();
    assert_eq!(steps_of(&*data, &alice.id, "t2").await, rich_steps("t2"));
}

fn element(id: &str, thread_id: &str) -> Element {
    Element {
        id: id.into(),
        thread_id: thread_id.into(),
        for_id: Some("s-user".into()),
        kind: ElementKind::Image,
        name: "cat.png".into(),
        display: Display::Side,
        size: Some(ElementSize::Large),
        mime: Some("image/png".into()),
        url: Some(Element::content_path(id)),
        bytes: Some(1234),
        props: json!({"width": 640, "alt": "a cat"}),
        created_at: 1_700_000_000_123,
    }
}

async fn elements_and_feedback_follow_their_thread(place: Place) {
    let data = place.open().await;
    let alice = data.get_or_create_user("alice").await.unwrap();
    let bob = data.get_or_create_user("bob").await.unwrap();
    data.write(WriteBatch {
        threads: vec![thread("t", &alice.id, 10)],
        steps: rich_steps("t"),
        deleted_steps: vec![],
        ..Default::default()
    })
    .await
    .unwrap();

    let el = element("e1", "t");
    data.upsert_element(&el).await.unwrap();
    assert_eq!(
        data.element(&uid(&alice.id), &eid("e1")).await.unwrap(),
        Some(el.clone())
    );
    assert_eq!(data.element(&uid(&bob.id), &eid("e1")).await.unwrap(), None);
    assert_eq!(
        data.element(&uid(&alice.id), &eid("e2")).await.unwrap(),
        None
    );
    let mut el2 = el.clone();
    el2.for_id = None;
    el2.size = None;
    el2.mime = None;
    el2.bytes = None;
    el2.url = Some("https://example.com/cat.png".into());
    el2.props = json!(null);
    data.upsert_element(&el2).await.unwrap();
    assert_eq!(
        data.element(&uid(&alice.id), &eid("e1")).await.unwrap(),
        Some(el2)
    );
    // An element of a thread that does not exist is refused.
    assert!(data.upsert_element(&element("e3", "nope")).await.is_err());

    let mut fb = FeedbackRecord {
        id: "f1".into(),
        thread_id: "t".into(),
        for_id: "s-reply".into(),
        value: 1,
        comment: None,
        reasons: vec!["Inaccurate".into()],
    };
    assert!(!data.upsert_feedback(&uid(&bob.id), &fb).await.unwrap());
    assert!(data.upsert_feedback(&uid(&alice.id), &fb).await.unwrap());
    fb.value = 0;
    fb.comment = Some("wrong".into());
    assert!(data.upsert_feedback(&uid(&alice.id), &fb).await.unwrap());
    assert!(!data.upsert_feedback(&uid(&bob.id), &fb).await.unwrap());
    let missing_thread = FeedbackRecord {
        id: "f2".into(),
        thread_id: "nope".into(),
        ..fb.clone()
    };
    assert!(!data
        .upsert_feedback(&uid(&alice.id), &missing_thread)
        .await
        .unwrap());
    assert!(!data.delete_feedback(&uid(&bob.id), "f1").await.unwrap());
    assert!(data.delete_feedback(&uid(&alice.id), "f1").await.unwrap());
    assert!(!data.delete_feedback(&uid(&alice.id), "f1").await.unwrap());

    // Deleting the thread removes its elements and feedback.
    assert!(data.upsert_feedback(&uid(&alice.id), &fb).await.unwrap());
    assert!(data
        .delete_thread(&uid(&alice.id), &tid("t"))
        .await
        .unwrap());
    assert_eq!(
        data.element(&uid(&alice.id), &eid("e1")).await.unwrap(),
        None
    );
    assert!(!data.delete_feedback(&uid(&alice.id), "f1").await.unwrap());
    for table in ["steps", "elements", "feedbacks"] {
        assert_eq!(place.count_rows(table).await, 0, "{table}");
    }
}

async fn history_pages_without_gaps_or_repeats(place: Place) {
    let data = place.open().await;
    let alice = data.get_or_create_user("alice").await.unwrap();
    let bob = data.get_or_create_user("bob").await.unwrap();
    // 25 threads; groups of them share an updated_at, so the id decides.
    let threads: Vec<ThreadRecord> = (0..25u64)
        .map(|i| {
            let mut t = thread(&format!("t{i:02}"), &alice.id, 1_000 + i / 3);
            if i.is_multiple_of(2) {
                t.name = Some(format!("Chat {i}"));
            }
            t
        })
        .collect();
    data.write(WriteBatch {
        threads: threads.clone(),
        ..Default::default()
    })
    .await
    .unwrap();
    data.write(WriteBatch {
        threads: vec![thread("zz-bob", &bob.id, 5_000)],
        ..Default::default()
    })
    .await
    .unwrap();

    let mut expected: Vec<(u64, String)> = threads
        .iter()
        .map(|t| (t.updated_at, t.id.clone()))
        .collect();
    expected.sort_by(|a, b| b.cmp(a));

    let mut seen = Vec::new();
    let mut cursor = None;
    let mut pages = Vec::new();
    loop {
        let page = data
            .list_threads(
                &uid(&alice.id),
                &ThreadFilter {
                    search: None,
                    cursor,
                    limit: 10,
                },
            )
            .await
            .unwrap();
        pages.push(page.threads.len());
        for t in &page.threads {
            let i: usize = t.id[1..].parse().unwrap();
            let want = if i.is_multiple_of(2) {
                format!("Chat {i}")
            } else {
                "New chat".into()
            };
            assert_eq!(t.name, want);
            assert_eq!(t.created_at, t.updated_at);
        }
        seen.extend(page.threads.iter().map(|t| (t.updated_at, t.id.clone())));
        match page.next_cursor {
            Some(next) => {
                let decoded = ThreadCursor::decode(&next).unwrap();
                let ThreadCursor::After { id, .. } = &decoded else {
                    panic!("a recency cursor: {decoded:?}");
                };
                assert_eq!(id, &seen.last().unwrap().1);
                cursor = Some(decoded);
            }
            None => break,
        }
    }
    assert_eq!(pages, [10, 10, 5]);
    assert_eq!(seen, expected);

    // Exactly one full page: no cursor to an empty page.
    let page = data
        .list_threads(
            &uid(&alice.id),
            &ThreadFilter {
                limit: 25,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(page.threads.len(), 25);
    assert_eq!(page.next_cursor, None);

    // The limit is clamped to 1..=100.
    let page = data
        .list_threads(&uid(&alice.id), &ThreadFilter::default())
        .await
        .unwrap();
    assert_eq!(page.threads.len(), 1);
    assert_eq!(page.threads[0].id, expected[0].1);
    assert!(page.next_cursor.is_some());
    let page = data
        .list_threads(
            &uid(&alice.id),
            &ThreadFilter {
                limit: u32::MAX,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(page.threads.len(), 25);
    assert_eq!(page.next_cursor, None);

    // A cursor past the end, and a user with nothing.
    let page = data
        .list_threads(
            &uid(&alice.id),
            &ThreadFilter {
                cursor: Some(ThreadCursor::After {
                    updated_at: 0,
                    id: "a".into(),
                }),
                limit: 10,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert!(page.threads.is_empty());
    assert_eq!(page.next_cursor, None);
    let carol = data.get_or_create_user("carol").await.unwrap();
    assert!(list(&*data, &carol.id, None).await.is_empty());

    // Activity moves a thread to the top.
    data.write(WriteBatch {
        threads: vec![thread("t00", &alice.id, 9_000)],
        ..Default::default()
    })
    .await
    .unwrap();
    assert_eq!(list(&*data, &alice.id, None).await[0].id, "t00");
}

async fn search_matches_names_and_messages_literally(place: Place) {
    let data = place.open().await;
    let alice = data.get_or_create_user("alice").await.unwrap();
    let bob = data.get_or_create_user("bob").await.unwrap();
    let named = |id: &str, name: &str, at: u64| {
        let mut t = thread(id, &alice.id, at);
        t.name = Some(name.into());
        t
    };
    data.write(WriteBatch {
        threads: vec![
            named("recipes", "Pasta RECIPES", 1),
            named("percent", "Growth of 50% in Q3", 2),
            named("under", "snake_case names", 3),
            named("slash", "C:\\Users\\me", 4),
            thread("unnamed", &alice.id, 5),
            thread("tools", &alice.id, 6),
        ],
        steps: vec![
            message(
                "u1",
                "unnamed",
                StepType::UserMessage,
                "How do I bake Sourdough?",
            ),
            message("a1", "unnamed", StepType::AssistantMessage, "Use a Levain."),
            message(
                "y1",
                "unnamed",
                StepType::SystemMessage,
                "System note: Ünïcode",
            ),
            // Not a message: its output is not searched.
            message(
                "t1",
                "tools",
                StepType::Tool,
                "secret tool output sourdough",
            ),
            message("r1", "tools", StepType::Run, "levain in a run"),
        ],
        deleted_steps: vec![],
        ..Default::default()
    })
    .await
    .unwrap();
    data.write(WriteBatch {
        threads: vec![{
            let mut t = thread("bobs", &bob.id, 7);
            t.name = Some("Bob's pasta".into());
            t
        }],
        steps: vec![message(
            "b1",
            "bobs",
            StepType::UserMessage,
            "sourdough too",
        )],
        deleted_steps: vec![],
        ..Default::default()
    })
    .await
    .unwrap();

    assert_eq!(search_ids(&*data, &alice.id, "pasta").await, ["recipes"]);
    assert_eq!(search_ids(&*data, &alice.id, "recipe").await, ["recipes"]);
    assert_eq!(
        search_ids(&*data, &alice.id, "SOURDOUGH").await,
        ["unnamed"]
    );
    assert_eq!(search_ids(&*data, &alice.id, "levain").await, ["unnamed"]);
    assert_eq!(
        search_ids(&*data, &alice.id, "system note").await,
        ["unnamed"]
    );
    assert!(search_ids(&*data, &alice.id, "secret tool")
        .await
        .is_empty());
    // Wildcards and the escape character are literal.
    assert_eq!(search_ids(&*data, &alice.id, "%").await, ["percent"]);
    assert_eq!(search_ids(&*data, &alice.id, "50%").await, ["percent"]);
    // Words are searched as word prefixes: "5%Q" is the words 5 and Q,
    // which start "50%" and "Q3".
    assert_eq!(search_ids(&*data, &alice.id, "5%Q").await, ["percent"]);
    assert!(search_ids(&*data, &alice.id, "%_").await.is_empty());
    assert_eq!(search_ids(&*data, &alice.id, "_").await, ["under"]);
    assert!(search_ids(&*data, &alice.id, "a_e").await.is_empty());
    assert_eq!(search_ids(&*data, &alice.id, "\\").await, ["slash"]);
    assert_eq!(search_ids(&*data, &alice.id, ":\\users\\").await, ["slash"]);
    assert!(search_ids(&*data, &alice.id, "\\%").await.is_empty());
    assert!(search_ids(&*data, &alice.id, "'; DROP TABLE threads; --")
        .await
        .is_empty());
    // Other users' threads never match.
    assert_eq!(search_ids(&*data, &bob.id, "pasta").await, ["bobs"]);
    assert!(search_ids(&*data, &alice.id, "bob").await.is_empty());
    // The unnamed thread is listed as "New chat" (the placeholder is not
    // itself searchable: it is not stored).
    let found = list(&*data, &alice.id, Some("levain")).await;
    assert_eq!(found[0].name, "New chat");
    assert!(search_ids(&*data, &alice.id, "new chat").await.is_empty());
    // Blank searches list everything.
    assert_eq!(list(&*data, &alice.id, Some("")).await.len(), 6);

    // Search pages too.
    let many: Vec<ThreadRecord> = (0..12)
        .map(|i| named(&format!("m{i:02}"), &format!("match {i}"), 100 + i))
        .collect();
    data.write(WriteBatch {
        threads: many,
        ..Default::default()
    })
    .await
    .unwrap();
    let first = data
        .list_threads(
            &uid(&alice.id),
            &ThreadFilter {
                search: Some("MATCH".into()),
                cursor: None,
                limit: 5,
            },
        )
        .await
        .unwrap();
    assert_eq!(first.threads.len(), 5);
    assert_eq!(first.threads[0].id, "m11");
    assert_eq!(list(&*data, &alice.id, Some("match")).await.len(), 12);
}

async fn everything_survives_reopening(place: Place) {
    let steps = rich_steps("t");
    let user = {
        let data = place.open().await;
        let user = data.get_or_create_user("alice").await.unwrap();
        let mut upsert = thread("t", &user.id, 10);
        upsert.name = Some("Persistent".into());
        data.write(WriteBatch {
            threads: vec![upsert],
            steps: steps.clone(),
            deleted_steps: vec![],
            ..Default::default()
        })
        .await
        .unwrap();
        data.upsert_element(&element("e1", "t")).await.unwrap();
        user
        // Dropped without close(): the WAL may still hold the commits.
    };
    for _ in 0..2 {
        let data = place.open().await;
        assert_eq!(data.get_or_create_user("alice").await.unwrap(), user);
        assert_eq!(steps_of(&*data, &user.id, "t").await, steps);
        assert_eq!(
            data.element(&uid(&user.id), &eid("e1")).await.unwrap(),
            Some(element("e1", "t"))
        );
        let listed = list(&*data, &user.id, None).await;
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0].name, "Persistent");
        data.close().await;
    }

    // Two layers on one file at once, and migrations applied exactly once.
    let first = place.open().await;
    let second = place.open().await;
    first
        .write(WriteBatch {
            steps: vec![message("more", "t", StepType::UserMessage, "more")],
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(
        steps_of(&*second, &user.id, "t").await.len(),
        steps.len() + 1
    );
    let versions = place.migration_versions().await;
    let mut unique = versions.clone();
    unique.dedup();
    assert_eq!(versions, unique);
    assert_eq!(versions.first(), Some(&1));
}

/// Writers on several connections at once, as the runtime's persister and
/// the HTTP handlers (rename, delete, feedback) are: none may fail with
/// "database is locked".
///
/// `write` reads (the thread's owner) before it writes; in a deferred
/// transaction the upgrade to a write lock fails at once with SQLITE_BUSY,
/// without waiting out `busy_timeout`, when another connection wrote since
/// the read. The transaction must begin with `BEGIN IMMEDIATE`.
async fn concurrent_writers_do_not_fail(place: Place) {
    let data = Arc::new(place.open().await);
    let user = data.get_or_create_user("alice").await.unwrap();
    let threads = 8;
    let rounds = 40;
    for t in 0..threads {
        data.write(WriteBatch {
            threads: vec![thread(&format!("t{t}"), &user.id, 1)],
            ..Default::default()
        })
        .await
        .unwrap();
    }
    let mut tasks = Vec::new();
    for t in 0..threads {
        let data = data.clone();
        let user_id = user.id.clone();
        tasks.push(tokio::spawn(async move {
            let thread_id = format!("t{t}");
            for r in 0..rounds {
                // A batch that reads before it writes (the thread upsert).
                data.write(WriteBatch {
                    threads: vec![thread(&thread_id, &user_id, 10 + r)],
                    steps: (0..5)
                        .map(|s| {
                            message(
                                &format!("{thread_id}-{r}-{s}"),
                                &thread_id,
                                StepType::AssistantMessage,
                                "x",
                            )
                        })
                        .collect(),
                    deleted_steps: vec![],
                    ..Default::default()
                })
                .await?;
                data.rename_thread(&uid(&user_id), &tid(&thread_id), &format!("round {r}"))
                    .await?;
            }
            Ok::<_, DataError>(())
        }));
    }
    let mut failures = Vec::new();
    for task in tasks {
        if let Err(e) = task.await.unwrap() {
            failures.push(e.to_string());
        }
    }
    assert!(failures.is_empty(), "{failures:?}");
    for t in 0..threads {
        let steps = steps_of(&**data, &user.id, &format!("t{t}")).await;
        assert_eq!(steps.len(), (rounds * 5) as usize);
    }
}

/// Sign-ins and built-in password users, as `AuthStore` keeps them.
async fn sign_ins_and_password_users_are_kept(place: Place) {
    use loquat::auth::{AuthStore, LoginSession};
    let data = place.open().await;
    let store: Arc<dyn AuthStore> = match &data {
        support::stores::Store::Sqlite(d) => Arc::new(d.clone()),
        support::stores::Store::Postgres(d) => Arc::new(d.clone()),
    };
    let mut user = loquat::User::new("alice");
    user.display_name = Some("Alice A.".into());
    let login = LoginSession {
        key_hash: "k1".into(),
        user_id: "u-alice".into(),
        user: user.clone(),
        provider: "password".into(),
        created_at: 1_000,
        expires_at: 5_000,
    };
    store.create_login(&login).await.unwrap();
    assert_eq!(store.login("k1", 2_000).await.unwrap(), Some(login.clone()));
    // Expired, or unknown: no sign-in.
    assert_eq!(store.login("k1", 5_000).await.unwrap(), None);
    assert_eq!(store.login("k2", 2_000).await.unwrap(), None);

    assert!(store
        .set_password("alice", Some("Alice"), "$argon2id$1")
        .await
        .unwrap());
    assert!(!store
        .set_password("alice", None, "$argon2id$2")
        .await
        .unwrap());
    let stored = store.password_user("alice").await.unwrap().unwrap();
    assert_eq!(stored.hash, "$argon2id$2");
    assert_eq!(stored.display_name.as_deref(), Some("Alice"));
    let users = store.password_users().await.unwrap();
    assert_eq!(users.len(), 1);
    assert_eq!(users[0].identifier, "alice");

    // Removing the password ends the user's sign-ins and voids earlier tokens.
    assert!(store.remove_password("alice", 3_000).await.unwrap());
    assert_eq!(store.login("k1", 2_000).await.unwrap(), None);
    assert_eq!(store.tokens_valid_after("alice").await.unwrap(), 3_000);
    assert_eq!(store.tokens_valid_after("bob").await.unwrap(), 0);
    assert!(store.password_user("alice").await.unwrap().is_none());
    assert!(!store.remove_password("alice", 4_000).await.unwrap());
    assert!(store.password_users().await.unwrap().is_empty());
    data.close().await;
}

/// A share link names its thread for anyone; only the owner makes or ends it.
async fn share_links_open_only_their_thread(place: Place) {
    let data = place.open().await;
    let alice = data.get_or_create_user("alice").await.unwrap();
    let bob = data.get_or_create_user("bob").await.unwrap();
    data.write(WriteBatch {
        threads: vec![thread("t", &alice.id, 10)],
        steps: rich_steps("t"),
        ..Default::default()
    })
    .await
    .unwrap();
    assert!(!data
        .share_thread(&uid(&bob.id), &tid("t"), "h1")
        .await
        .unwrap());
    assert!(data.shared_thread("h1").await.unwrap().is_none());
    assert!(data
        .share_thread(&uid(&alice.id), &tid("t"), "h1")
        .await
        .unwrap());
    let (record, steps, _) = data.shared_thread("h1").await.unwrap().unwrap();
    assert_eq!(record.id, "t");
    assert_eq!(steps, rich_steps("t"));
    // A new link replaces the old one.
    assert!(data
        .share_thread(&uid(&alice.id), &tid("t"), "h2")
        .await
        .unwrap());
    assert!(data.shared_thread("h1").await.unwrap().is_none());
    assert!(!data.unshare_thread(&uid(&bob.id), &tid("t")).await.unwrap());
    assert!(data
        .unshare_thread(&uid(&alice.id), &tid("t"))
        .await
        .unwrap());
    assert!(data.shared_thread("h2").await.unwrap().is_none());
}

both_backends!(
    users_are_created_once,
    a_batch_reads_back_identical_and_in_order,
    a_large_batch_keeps_its_order,
    upserts_keep_position_and_new_steps_go_last,
    one_batch_may_name_a_row_twice,
    thread_upserts_fill_the_name_and_move_forward,
    a_failing_batch_writes_nothing,
    another_users_thread_is_missing,
    elements_and_feedback_follow_their_thread,
    history_pages_without_gaps_or_repeats,
    search_matches_names_and_messages_literally,
    everything_survives_reopening,
    concurrent_writers_do_not_fail,
    sign_ins_and_password_users_are_kept,
    share_links_open_only_their_thread,
);
