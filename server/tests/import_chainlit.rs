//! `loquat import-chainlit`: a real PostgreSQL loaded with each of
//! Chainlit's schemas (the SQLAlchemy data layer's and the official one's,
//! as Chainlit publishes them) and sample rows, and a SQLite file with the
//! SQLAlchemy layer's, is imported into a fresh
//! Loquat store on each backend; what cannot come over is reported with its
//! reason, a second run (through the real binary) changes nothing, and an
//! imported conversation resumes in the real server.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use loquat::data::chainlit_import::{import_chainlit, ImportReport, SkipReason, Table};
use loquat::data::DataLayer;
use loquat::protocol::{Step, StepType};
use loquat::{Chat, Loquat, Message, ThreadId, UserId};
use support::stores::Place;
use support::TestApp;

/// Chainlit's SQLAlchemy layer's tables (its documented DDL: UUID ids,
/// ISO 8601 text times, JSONB metadata, text[] tags).
const SQLALCHEMY_SCHEMA: &str = r#"
CREATE TABLE users (
    "id" UUID PRIMARY KEY,
    "identifier" TEXT NOT NULL UNIQUE,
    "metadata" JSONB NOT NULL,
    "createdAt" TEXT
);
CREATE TABLE threads (
    "id" UUID PRIMARY KEY,
    "createdAt" TEXT,
    "name" TEXT,
    "userId" UUID REFERENCES users ("id") ON DELETE CASCADE,
    "userIdentifier" TEXT,
    "tags" TEXT[],
    "metadata" JSONB
);
CREATE TABLE steps (
    "id" UUID PRIMARY KEY,
    "name" TEXT NOT NULL,
    "type" TEXT NOT NULL,
    "threadId" UUID NOT NULL REFERENCES threads ("id") ON DELETE CASCADE,
    "parentId" UUID,
    "streaming" BOOLEAN NOT NULL,
    "waitForAnswer" BOOLEAN,
    "isError" BOOLEAN,
    "metadata" JSONB,
    "tags" TEXT[],
    "input" TEXT,
    "output" TEXT,
    "createdAt" TEXT,
    "command" TEXT,
    "start" TEXT,
    "end" TEXT,
    "generation" JSONB,
    "showInput" TEXT,
    "language" TEXT,
    "indent" INT,
    "defaultOpen" BOOLEAN
);
CREATE TABLE elements (
    "id" UUID PRIMARY KEY,
    "threadId" UUID REFERENCES threads ("id") ON DELETE CASCADE,
    "type" TEXT,
    "url" TEXT,
    "chainlitKey" TEXT,
    "name" TEXT NOT NULL,
    "display" TEXT,
    "objectKey" TEXT,
    "size" TEXT,
    "page" INT,
    "language" TEXT,
    "forId" UUID,
    "mime" TEXT,
    "props" JSONB
);
CREATE TABLE feedbacks (
    "id" UUID PRIMARY KEY,
    "forId" UUID NOT NULL,
    "threadId" UUID NOT NULL REFERENCES threads ("id") ON DELETE CASCADE,
    "value" INT NOT NULL,
    "comment" TEXT
);
"#;

/// Chainlit's official data layer's tables (its Prisma migrations:
/// text ids, TIMESTAMP(3) times, a step type enum, JSONB metadata).
const OFFICIAL_SCHEMA: &str = r#"
CREATE TYPE "StepType" AS ENUM ('assistant_message', 'embedding', 'llm', 'retrieval',
    'rerank', 'run', 'system_message', 'tool', 'undefined', 'user_message');
CREATE TABLE "User" (
    "id" TEXT PRIMARY KEY DEFAULT gen_random_uuid(),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "metadata" JSONB NOT NULL,
    "identifier" TEXT NOT NULL UNIQUE
);
CREATE TABLE "Thread" (
    "id" TEXT PRIMARY KEY DEFAULT gen_random_uuid(),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "deletedAt" TIMESTAMP(3),
    "name" TEXT,
    "metadata" JSONB NOT NULL,
    "userId" TEXT REFERENCES "User" ("id") ON DELETE SET NULL ON UPDATE CASCADE,
    "tags" TEXT[] DEFAULT ARRAY[]::TEXT[]
);
CREATE TABLE "Step" (
    "id" TEXT PRIMARY KEY DEFAULT gen_random_uuid(),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "parentId" TEXT REFERENCES "Step" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    "threadId" TEXT REFERENCES "Thread" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    "input" TEXT,
    "metadata" JSONB NOT NULL,
    "name" TEXT,
    "output" TEXT,
    "type" "StepType" NOT NULL,
    "showInput" TEXT DEFAULT 'json',
    "isError" BOOLEAN DEFAULT false,
    "startTime" TIMESTAMP(3) NOT NULL,
    "endTime" TIMESTAMP(3) NOT NULL
);
CREATE TABLE "Element" (
    "id" TEXT PRIMARY KEY DEFAULT gen_random_uuid(),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "threadId" TEXT REFERENCES "Thread" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    "stepId" TEXT NOT NULL REFERENCES "Step" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    "metadata" JSONB NOT NULL,
    "mime" TEXT,
    "name" TEXT NOT NULL,
    "objectKey" TEXT,
    "url" TEXT,
    "chainlitKey" TEXT,
    "display" TEXT,
    "size" TEXT,
    "language" TEXT,
    "page" INTEGER,
    "props" JSONB
);
CREATE TABLE "Feedback" (
    "id" TEXT PRIMARY KEY DEFAULT gen_random_uuid(),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "stepId" TEXT REFERENCES "Step" ("id") ON DELETE SET NULL ON UPDATE CASCADE,
    "name" TEXT NOT NULL,
    "value" DOUBLE PRECISION NOT NULL,
    "comment" TEXT
);
"#;

// The sample conversation's ids, shared by both schemas.
const LOCAL: &str = "a0000000-0000-4000-8000-000000000001";
const BOB: &str = "a0000000-0000-4000-8000-000000000002";
/// The local user's trip: a question, a run with a tool step inside, an
/// answer with two attachments and a thumbs up.
const TRIP: &str = "b0000000-0000-4000-8000-000000000001";
/// Bob's thread: a question and an answer he disliked.
const BOBS: &str = "b0000000-0000-4000-8000-000000000002";
/// A thread nobody owns.
const ORPHAN_THREAD: &str = "b0000000-0000-4000-8000-000000000003";
const ASK: &str = "c0000000-0000-4000-8000-000000000001";
const RUN: &str = "c0000000-0000-4000-8000-000000000002";
const SEARCH: &str = "c0000000-0000-4000-8000-000000000003";
const ANSWER: &str = "c0000000-0000-4000-8000-000000000004";
const BOB_ASKS: &str = "c0000000-0000-4000-8000-000000000005";
const BOB_ANSWER: &str = "c0000000-0000-4000-8000-000000000006";
/// The step of the thread nobody owns.
const UNOWNED_STEP: &str = "c0000000-0000-4000-8000-000000000007";
const MAP: &str = "d0000000-0000-4000-8000-000000000001";
const REPORT: &str = "d0000000-0000-4000-8000-000000000002";
const LIKED: &str = "e0000000-0000-4000-8000-000000000001";
const DISLIKED: &str = "e0000000-0000-4000-8000-000000000002";

/// The sample rows as the SQLAlchemy layer writes them; `array` writes a
/// one-tag array as the database keeps it.
fn sqlalchemy_rows(array: fn(&str) -> String) -> String {
    let travel = array("travel");
    let web = array("web");
    format!(
        r#"
INSERT INTO users VALUES
    ('{LOCAL}', 'local', '{{}}', '2024-05-01T09:00:00.000Z'),
    ('{BOB}', 'bob@example.com', '{{"role": "admin"}}', '2024-05-01T09:00:00.000Z');
INSERT INTO threads VALUES
    ('{TRIP}', '2024-05-01T10:00:00.000Z', 'Trip planning', '{LOCAL}', 'local',
     {travel}, '{{"chat_profile": "Planner"}}'),
    ('{BOBS}', '2024-05-02T10:00:00.000Z', 'Bob asks', '{BOB}', 'bob@example.com',
     NULL, '{{}}'),
    ('{ORPHAN_THREAD}', '2024-05-03T10:00:00.000Z', 'Nobody''s', NULL, NULL, NULL, NULL);
INSERT INTO steps ("id", "name", "type", "threadId", "parentId", "streaming", "isError",
    "metadata", "tags", "input", "output", "createdAt", "start", "end", "showInput",
    "language") VALUES
    ('{ASK}', 'local', 'user_message', '{TRIP}', NULL, false, false, '{{}}', NULL, '',
     'Where should I go in May?', '2024-05-01T10:00:00.000Z', '2024-05-01T10:00:00.000Z',
     '2024-05-01T10:00:00.000Z', 'false', NULL),
    ('{RUN}', 'on_message', 'run', '{TRIP}', '{ASK}', false, false, '{{}}', NULL, '', '',
     '2024-05-01T10:00:01.000Z', '2024-05-01T10:00:01.000Z', '2024-05-01T10:00:05.000Z',
     'false', NULL),
    ('{SEARCH}', 'search', 'tool', '{TRIP}', '{RUN}', false, false, '{{"k": 3}}',
     {web}, '{{"q": "May destinations"}}', '3 results', '2024-05-01T10:00:02.000Z',
     '2024-05-01T10:00:02.000Z', '2024-05-01T10:00:03.000Z', 'json', NULL),
    ('{ANSWER}', 'Assistant', 'assistant_message', '{TRIP}', '{RUN}', false, false, '{{}}',
     NULL, '', 'Lisbon is lovely in May.', '2024-05-01T10:00:04.000Z',
     '2024-05-01T10:00:04.000Z', '2024-05-01T10:00:05.000Z', 'false', 'markdown'),
    ('{BOB_ASKS}', 'bob@example.com', 'user_message', '{BOBS}', NULL, false, false, '{{}}',
     NULL, '', 'Hello?', '2024-05-02T10:00:00.000Z', NULL, NULL, NULL, NULL),
    ('{BOB_ANSWER}', 'Assistant', 'assistant_message', '{BOBS}', NULL, false, false, '{{}}',
     NULL, '', 'Hi Bob.', '2024-05-02T10:00:01.000Z', NULL, NULL, NULL, NULL),
    ('{UNOWNED_STEP}', 'someone', 'user_message', '{ORPHAN_THREAD}', NULL, false, false,
     '{{}}', NULL, '', 'Anyone?', '2024-05-03T10:00:00.000Z', NULL, NULL, NULL, NULL);
INSERT INTO elements ("id", "threadId", "type", "url", "name", "display", "objectKey",
    "size", "forId", "mime", "props") VALUES
    ('{MAP}', '{TRIP}', 'image', 'https://example.com/lisbon.png', 'Lisbon', 'inline', NULL,
     'large', '{ANSWER}', 'image/png', '{{}}'),
    ('{REPORT}', '{TRIP}', 'pdf', NULL, 'report.pdf', 'side', '{LOCAL}/{REPORT}/report.pdf',
     NULL, '{ANSWER}', 'application/pdf', NULL);
INSERT INTO feedbacks VALUES
    ('{LIKED}', '{ANSWER}', '{TRIP}', 1, 'Great pick'),
    ('{DISLIKED}', '{BOB_ANSWER}', '{BOBS}', 0, NULL);
"#
    )
}

/// A soft-deleted thread of the official layer, and its step.
const DELETED_THREAD: &str = "b0000000-0000-4000-8000-000000000004";
const DELETED_STEP: &str = "c0000000-0000-4000-8000-000000000009";
/// A step with no thread (the official layer's `threadId` may be null).
const THREADLESS_STEP: &str = "c0000000-0000-4000-8000-000000000008";
/// An element id Loquat cannot keep (it names a file path).
const BAD_ELEMENT: &str = "../etc/passwd";

/// The same sample as the official layer writes it, plus what only it can
/// hold: a deleted thread, a step without a thread, a text id.
fn official_rows() -> String {
    format!(
        r#"
INSERT INTO "User" ("id", "identifier", "metadata") VALUES
    ('{LOCAL}', 'local', '{{}}'),
    ('{BOB}', 'bob@example.com', '{{"role": "admin"}}');
INSERT INTO "Thread" ("id", "createdAt", "updatedAt", "deletedAt", "name", "metadata",
    "userId", "tags") VALUES
    ('{TRIP}', '2024-05-01 10:00:00', '2024-05-01 10:00:05', NULL, 'Trip planning',
     '{{"chat_profile": "Planner"}}', '{LOCAL}', ARRAY['travel']),
    ('{BOBS}', '2024-05-02 10:00:00', '2024-05-02 10:00:01', NULL, 'Bob asks', '{{}}',
     '{BOB}', DEFAULT),
    ('{ORPHAN_THREAD}', '2024-05-03 10:00:00', '2024-05-03 10:00:00', NULL, 'Nobody''s',
     '{{}}', NULL, DEFAULT),
    ('{DELETED_THREAD}', '2024-05-04 10:00:00', '2024-05-04 10:00:00', '2024-05-05 10:00:00',
     'Gone', '{{}}', '{BOB}', DEFAULT);
INSERT INTO "Step" ("id", "parentId", "threadId", "input", "metadata", "name", "output",
    "type", "showInput", "isError", "startTime", "endTime") VALUES
    ('{ASK}', NULL, '{TRIP}', '', '{{}}', 'local', 'Where should I go in May?',
     'user_message', 'false', false, '2024-05-01 10:00:00', '2024-05-01 10:00:00'),
    ('{RUN}', '{ASK}', '{TRIP}', '', '{{}}', 'on_message', '', 'run', 'false', false,
     '2024-05-01 10:00:01', '2024-05-01 10:00:05'),
    ('{SEARCH}', '{RUN}', '{TRIP}', '{{"q": "May destinations"}}', '{{"k": 3}}', 'search',
     '3 results', 'tool', 'json', false, '2024-05-01 10:00:02', '2024-05-01 10:00:03'),
    ('{ANSWER}', '{RUN}', '{TRIP}', '', '{{}}', 'Assistant', 'Lisbon is lovely in May.',
     'assistant_message', 'false', false, '2024-05-01 10:00:04', '2024-05-01 10:00:05'),
    ('{BOB_ASKS}', NULL, '{BOBS}', '', '{{}}', 'bob@example.com', 'Hello?', 'user_message',
     'false', false, '2024-05-02 10:00:00', '2024-05-02 10:00:00'),
    ('{BOB_ANSWER}', NULL, '{BOBS}', '', '{{}}', 'Assistant', 'Hi Bob.', 'assistant_message',
     'false', false, '2024-05-02 10:00:01', '2024-05-02 10:00:01'),
    ('{UNOWNED_STEP}', NULL, '{ORPHAN_THREAD}', '', '{{}}', 'someone', 'Anyone?',
     'user_message', 'false', false, '2024-05-03 10:00:00', '2024-05-03 10:00:00'),
    ('{THREADLESS_STEP}', NULL, NULL, '', '{{}}', 'stray', '', 'run', 'false', false,
     '2024-05-03 11:00:00', '2024-05-03 11:00:00'),
    ('{DELETED_STEP}', NULL, '{DELETED_THREAD}', '', '{{}}', 'bob@example.com', 'Forget this',
     'user_message', 'false', false, '2024-05-04 10:00:00', '2024-05-04 10:00:00');
INSERT INTO "Element" ("id", "threadId", "stepId", "metadata", "mime", "name", "objectKey",
    "url", "display", "size", "props") VALUES
    ('{MAP}', '{TRIP}', '{ANSWER}', '{{"type": "image"}}', 'image/png', 'Lisbon', NULL,
     'https://example.com/lisbon.png', 'inline', 'large', '{{}}'),
    ('{REPORT}', '{TRIP}', '{ANSWER}', '{{"type": "pdf"}}', 'application/pdf', 'report.pdf',
     '{LOCAL}/{REPORT}/report.pdf', NULL, 'side', NULL, NULL),
    ('{BAD_ELEMENT}', '{TRIP}', '{ANSWER}', '{{"type": "file"}}', NULL, 'odd', NULL,
     'https://example.com/odd', 'inline', NULL, NULL);
INSERT INTO "Feedback" ("id", "stepId", "name", "value", "comment") VALUES
    ('{LIKED}', '{ANSWER}', 'user_feedback', 1, 'Great pick'),
    ('{DISLIKED}', '{BOB_ANSWER}', 'user_feedback', 0, NULL);
"#
    )
}

/// A fresh PostgreSQL database holding `schema` and `rows`; its URL.
async fn chainlit_database(schema: &str, rows: &str) -> (Place, String) {
    use sqlx::Connection;
    let source = Place::postgres().await;
    let Place::Postgres { url, .. } = &source else {
        unreachable!("Place::postgres is a PostgreSQL place")
    };
    let url = url.clone();
    let mut conn = sqlx::PgConnection::connect(&url).await.unwrap();
    sqlx::raw_sql(schema).execute(&mut conn).await.unwrap();
    sqlx::raw_sql(rows).execute(&mut conn).await.unwrap();
    conn.close().await.unwrap();
    (source, url)
}

/// The rows the sample leaves out in both schemas, with their reasons.
fn common_skips() -> Vec<(Table, String, SkipReason)> {
    vec![
        (Table::Threads, ORPHAN_THREAD.into(), SkipReason::NoUser),
        (Table::Steps, UNOWNED_STEP.into(), SkipReason::ThreadMissing),
        (
            Table::Elements,
            REPORT.into(),
            SkipReason::BytesInChainlitStorage(format!("{LOCAL}/{REPORT}/report.pdf")),
        ),
    ]
}

fn skips(report: &ImportReport) -> Vec<(Table, String, SkipReason)> {
    let mut skips: Vec<_> = report
        .skipped
        .iter()
        .map(|s| (s.table, s.id.clone(), s.reason.clone()))
        .collect();
    skips.sort();
    skips
}

fn sorted(mut skips: Vec<(Table, String, SkipReason)>) -> Vec<(Table, String, SkipReason)> {
    skips.sort();
    skips
}

/// How many rows each of Loquat's tables holds.
async fn stored_rows(place: &Place) -> [i64; 5] {
    [
        place.count_rows("users").await,
        place.count_rows("threads").await,
        place.count_rows("steps").await,
        place.count_rows("elements").await,
        place.count_rows("feedbacks").await,
    ]
}

/// Runs the real binary's `import-chainlit` against `place`; its stdout.
fn import_with_the_binary(source_url: &str, place: &Place) -> String {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_loquat"))
        .arg("import-chainlit")
        .arg(source_url)
        .arg("--data-dir")
        .arg(place.data_dir())
        .env_remove("DATABASE_URL")
        .envs(place.env())
        .output()
        .expect("run loquat import-chainlit");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "import-chainlit failed: {stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

/// The steps of a thread as its owner sees them.
async fn steps_of(data: &dyn DataLayer, identifier: &str, thread: &str) -> Vec<Step> {
    let user = data.get_or_create_user(identifier).await.unwrap();
    let (_, steps) = data
        .thread_with_steps(
            &UserId::parse(&user.id).unwrap(),
            &ThreadId::parse(thread).unwrap(),
        )
        .await
        .unwrap()
        .expect("the imported thread, as its owner");
    steps
}

/// Imports the database at `source_url` into `place` twice (the second
/// time through the binary) and checks what both the store and the server
/// then show.
async fn imports_once_and_resumes(
    place: Place,
    source_url: &str,
    expected_skips: Vec<(Table, String, SkipReason)>,
) {
    let store = place.open().await;
    let report = import_chainlit(source_url, &*store).await.unwrap();
    store.close().await;
    for (table, expected) in [
        (Table::Users, 2),
        (Table::Threads, 2),
        (Table::Steps, 6),
        (Table::Elements, 1),
        (Table::Feedback, 2),
    ] {
        assert_eq!(report.imported(table), expected, "{table:?}: {report}");
    }
    assert_eq!(skips(&report), sorted(expected_skips), "{report}");
    assert_eq!(report.skipped_total, report.skipped.len() as u64);
    let after_first = stored_rows(&place).await;
    assert_eq!(after_first, [2, 2, 6, 1, 2]);

    // Again, as a user runs it: the same report, and not one row more.
    let printed = import_with_the_binary(source_url, &place);
    assert_eq!(printed, report.to_string());
    assert!(
        printed.contains("report.pdf") || printed.contains(REPORT),
        "{printed}"
    );
    assert_eq!(stored_rows(&place).await, after_first);

    // Bob's thread is his, with his dislike on the answer.
    let store = place.open().await;
    let bobs = steps_of(&*store, "bob@example.com", BOBS).await;
    let outputs: Vec<_> = bobs.iter().map(|s| s.output.as_str()).collect();
    assert_eq!(outputs, ["Hello?", "Hi Bob."]);
    assert_eq!(bobs[1].feedback.as_ref().map(|f| f.value), Some(0));
    let trip = steps_of(&*store, "local", TRIP).await;
    let local = store.get_or_create_user("local").await.unwrap();
    let record = store
        .thread(
            &UserId::parse(&local.id).unwrap(),
            &ThreadId::parse(TRIP).unwrap(),
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(record.name.as_deref(), Some("Trip planning"));
    assert_eq!(record.tags, ["travel"]);
    assert_eq!(
        record.metadata.get("chat_profile"),
        Some(&serde_json::json!("Planner"))
    );
    // 2024-05-01T10:00:00Z
    assert_eq!(record.created_at, 1_714_557_600_000);
    let search = trip.iter().find(|s| s.id == SEARCH).expect("the tool step");
    assert_eq!(search.step_type, StepType::Tool);
    assert_eq!(search.parent_id.as_deref(), Some(RUN));
    assert_eq!(search.metadata.get("k"), Some(&serde_json::json!(3)));
    // 2024-05-01T10:00:02Z
    assert_eq!(search.created_at, 1_714_557_602_000);
    store.close().await;

    // The local user's trip resumes in the server, steps in order, the
    // answer with its thumbs up and its picture.
    let app = TestApp::start_in(
        Loquat::new().on_message(|chat: Chat, _msg: Message| async move {
            chat.send(Message::assistant("ok")).await?;
            Ok(())
        }),
        place.config(),
        place.data_dir(),
    )
    .await;
    let mut client = app.open_thread(TRIP).await;
    client
        .wait_for(|c| c.steps.iter().any(|s| s.id == ANSWER))
        .await;
    assert!(client.errors.is_empty(), "{:?}", client.errors);
    let shown: Vec<_> = client
        .steps
        .iter()
        .map(|s| (s.id.as_str(), s.step_type))
        .collect();
    assert_eq!(
        shown,
        [
            (ASK, StepType::UserMessage),
            (RUN, StepType::Run),
            (SEARCH, StepType::Tool),
            (ANSWER, StepType::AssistantMessage),
        ]
    );
    let answer = client.steps.iter().find(|s| s.id == ANSWER).unwrap();
    assert_eq!(answer.output, "Lisbon is lovely in May.");
    assert_eq!(answer.feedback.as_ref().map(|f| f.value), Some(1));
    client
        .wait_for(|c| c.elements.iter().any(|e| e.id == MAP))
        .await;
    let map = client.elements.iter().find(|e| e.id == MAP).unwrap();
    assert_eq!(map.url.as_deref(), Some("https://example.com/lisbon.png"));
    assert_eq!(map.for_id.as_deref(), Some(ANSWER));
    app.stop().await;
}

/// A PostgreSQL text array of one element.
fn postgres_array(item: &str) -> String {
    format!("ARRAY['{item}']")
}

/// A list as text in SQLite (which has no arrays).
fn json_array(item: &str) -> String {
    format!("'[\"{item}\"]'")
}

async fn a_sqlalchemy_layer_database_comes_over_once(place: Place) {
    let rows = sqlalchemy_rows(postgres_array);
    let (_source, url) = chainlit_database(SQLALCHEMY_SCHEMA, &rows).await;
    imports_once_and_resumes(place, &url, common_skips()).await;
}

async fn a_sqlalchemy_layer_sqlite_file_comes_over_once(place: Place) {
    use sqlx::Connection;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("chainlit.db");
    let mut conn =
        sqlx::SqliteConnection::connect(&format!("sqlite://{}?mode=rwc", path.display()))
            .await
            .unwrap();
    sqlx::raw_sql(SQLALCHEMY_SCHEMA)
        .execute(&mut conn)
        .await
        .unwrap();
    sqlx::raw_sql(&sqlalchemy_rows(json_array))
        .execute(&mut conn)
        .await
        .unwrap();
    conn.close().await.unwrap();
    let url = format!("sqlite://{}", path.display());
    imports_once_and_resumes(place, &url, common_skips()).await;
}

async fn an_official_layer_database_comes_over_once(place: Place) {
    let (_source, url) = chainlit_database(OFFICIAL_SCHEMA, &official_rows()).await;
    let mut expected = common_skips();
    expected.extend([
        (Table::Threads, DELETED_THREAD.into(), SkipReason::Deleted),
        (Table::Steps, DELETED_STEP.into(), SkipReason::ThreadMissing),
        (
            Table::Steps,
            THREADLESS_STEP.into(),
            SkipReason::ThreadMissing,
        ),
        (Table::Elements, BAD_ELEMENT.into(), SkipReason::MalformedId),
    ]);
    imports_once_and_resumes(place, &url, expected).await;
}

both_backends!(
    a_sqlalchemy_layer_database_comes_over_once,
    a_sqlalchemy_layer_sqlite_file_comes_over_once,
    an_official_layer_database_comes_over_once,
);

#[tokio::test]
async fn a_database_without_chainlit_tables_is_refused_naming_what_is_missing() {
    use sqlx::Connection;
    let (_source, url) = chainlit_database("CREATE TABLE notes (id TEXT);", "").await;
    let place = Place::sqlite();
    let store = place.open().await;
    let err = import_chainlit(&url, &*store).await.unwrap_err();
    assert!(
        err.to_string().contains("threads") || err.to_string().contains("Thread"),
        "{err}"
    );
    let err = import_chainlit("mysql://root:secret@h/db", &*store)
        .await
        .unwrap_err();
    assert!(!err.to_string().contains("secret"), "{err}");
    // A SQLite file that is not Chainlit's names the SQLAlchemy layer's
    // tables; a missing one is not created.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("notes.db");
    let mut conn =
        sqlx::SqliteConnection::connect(&format!("sqlite://{}?mode=rwc", path.display()))
            .await
            .unwrap();
    sqlx::raw_sql("CREATE TABLE threads (id TEXT);")
        .execute(&mut conn)
        .await
        .unwrap();
    conn.close().await.unwrap();
    let err = import_chainlit(&format!("sqlite://{}", path.display()), &*store)
        .await
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("users, steps, elements, feedbacks"),
        "{err}"
    );
    let missing = dir.path().join("missing.db");
    let err = import_chainlit(&format!("sqlite://{}", missing.display()), &*store)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("cannot connect"), "{err}");
    assert!(!missing.exists());
    store.close().await;
}
