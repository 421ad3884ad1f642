//! Full-text search of history on both backends: what is found (every word,
//! as a prefix, ignoring case and diacritics), in which order (relevance,
//! then recency), with which snippet, page by page; what can never be
//! found (another user's threads, unfinished, edited-away or deleted text);
//! and that no input is query syntax.

use loquat::data::{DataError, DataLayer, ThreadCursor, ThreadFilter, ThreadRecord, WriteBatch};
use loquat::protocol::ThreadSummary;
use loquat::{Step, StepType};

use super::{list, message, search_ids, thread, uid};
use crate::both_backends;
use crate::support::stores::Place;

fn named(id: &str, user_id: &str, name: &str, at: u64) -> ThreadRecord {
    let mut t = thread(id, user_id, at);
    t.name = Some(name.into());
    t
}

fn reply(id: &str, thread_id: &str, output: &str) -> Step {
    message(id, thread_id, StepType::AssistantMessage, output)
}

async fn write(data: &dyn DataLayer, threads: Vec<ThreadRecord>, steps: Vec<Step>) {
    data.write(WriteBatch {
        threads,
        steps,
        ..Default::default()
    })
    .await
    .unwrap();
}

/// The ids found, in the order listed.
async fn ranked(data: &dyn DataLayer, user_id: &str, search: &str) -> Vec<String> {
    list(data, user_id, Some(search))
        .await
        .into_iter()
        .map(|t| t.id)
        .collect()
}

async fn found(data: &dyn DataLayer, user_id: &str, search: &str) -> Option<ThreadSummary> {
    let mut all = list(data, user_id, Some(search)).await;
    assert!(all.len() <= 1, "{search}: {all:?}");
    all.pop()
}

/// The marked pieces of a thread's snippet.
fn marked(thread: &ThreadSummary) -> Vec<String> {
    let snippet = thread.snippet.as_ref().expect("a snippet");
    snippet
        .parts()
        .into_iter()
        .filter(|(_, mark)| *mark)
        .map(|(text, _)| text.to_string())
        .collect()
}

/// Unrelated chatter, so that the searched words are rare (bm25 weighs a
/// word by how few documents have it).
fn chatter(user_id: &str) -> (Vec<ThreadRecord>, Vec<Step>) {
    let threads = (0..8)
        .map(|i| thread(&format!("chatter{i}"), user_id, 100 + i))
        .collect();
    let steps = (0..8)
        .map(|i| {
            reply(
                &format!("chatter-step{i}"),
                &format!("chatter{i}"),
                "lunch plans for friday and a walk in the park afterwards",
            )
        })
        .collect();
    (threads, steps)
}

async fn search_ranks_by_relevance_then_recency(place: Place) {
    let data = place.open().await;
    let alice = data.get_or_create_user("alice").await.unwrap();
    let (threads, steps) = chatter(&alice.id);
    write(&*data, threads, steps).await;
    // Oldest first: recency alone would list them the other way round.
    write(
        &*data,
        vec![
            thread("often", &alice.id, 1),
            named("named", &alice.id, "Kubernetes upgrade", 2),
            thread("once", &alice.id, 3),
            thread("twin-old", &alice.id, 4),
            thread("twin-new", &alice.id, 5),
        ],
        vec![
            reply(
                "o1",
                "often",
                "Kubernetes pods restart when the kubernetes node drains; kubernetes \
                 reschedules them, and kubernetes keeps the service up.",
            ),
            reply("o2", "often", "More on kubernetes: the scheduler decides."),
            reply("n1", "named", "We talked about the plan for the weekend."),
            reply(
                "x1",
                "once",
                "A long answer about databases, backups, replication, failover, \
                 monitoring, alerting, dashboards and, once, kubernetes as well.",
            ),
            reply("t1", "twin-old", "zeppelin"),
            reply("t2", "twin-new", "zeppelin"),
        ],
    )
    .await;

    let order = ranked(&*data, &alice.id, "kubernetes").await;
    assert_eq!(order.len(), 3, "{order:?}");
    assert_eq!(order[2], "once", "{order:?}");
    let mut top = order[..2].to_vec();
    top.sort();
    assert_eq!(top, ["named", "often"]);
    // Equal relevance: the most recent first.
    assert_eq!(
        ranked(&*data, &alice.id, "zeppelin").await,
        ["twin-new", "twin-old"]
    );
}

async fn search_matches_every_word_as_a_prefix_ignoring_case_and_accents(place: Place) {
    let data = place.open().await;
    let alice = data.get_or_create_user("alice").await.unwrap();
    let (threads, steps) = chatter(&alice.id);
    write(&*data, threads, steps).await;
    write(
        &*data,
        vec![
            thread("deploy", &alice.id, 1),
            thread("split", &alice.id, 2),
            thread("accents", &alice.id, 3),
            thread("plain", &alice.id, 4),
        ],
        vec![
            reply(
                "d1",
                "deploy",
                "The deployment pipeline failed at the last stage.",
            ),
            // The two words, but never in the same message.
            reply("s1", "split", "Our deployment went fine."),
            message("s2", "split", StepType::UserMessage, "Which pipeline?"),
            reply("a1", "accents", "Un café à Zürich, naïve question: ÉTÉ?"),
            reply("p1", "plain", "A cafe in Zurich, a naive question: ete?"),
        ],
    )
    .await;

    // Search as you type: the last word, and every other, is a prefix.
    assert_eq!(
        search_ids(&*data, &alice.id, "deplo").await,
        ["deploy", "split"]
    );
    assert_eq!(
        search_ids(&*data, &alice.id, "DEPLOY PIPE").await,
        ["deploy"]
    );
    assert_eq!(
        search_ids(&*data, &alice.id, "pipeline deployment").await,
        ["deploy"]
    );
    // Every word must match (in one message or in the name).
    assert!(search_ids(&*data, &alice.id, "deployment kubernetes")
        .await
        .is_empty());
    assert!(search_ids(&*data, &alice.id, "ployment").await.is_empty());
    // Case and diacritics never matter, either way round.
    for search in ["cafe zurich", "CAFÉ ZÜRICH", "naive", "naïve", "ete", "Été"] {
        assert_eq!(
            search_ids(&*data, &alice.id, search).await,
            ["accents", "plain"],
            "{search}"
        );
    }
}

async fn search_snippets_mark_the_matches_in_plain_text(place: Place) {
    let data = place.open().await;
    let alice = data.get_or_create_user("alice").await.unwrap();
    let long = format!(
        "{} The <b>Deployment</b> of the service \u{E000}went\u{E001} well. {}",
        "Lorem ipsum dolor sit amet, consectetur adipiscing elit. ".repeat(8),
        "Sed do eiusmod tempor incididunt ut labore et dolore. ".repeat(8),
    );
    write(
        &*data,
        vec![
            thread("long", &alice.id, 1),
            named("by-name", &alice.id, "Deployment checklist", 2),
        ],
        vec![
            message("u1", "long", StepType::UserMessage, "How did it go?"),
            reply("a1", "long", &long),
        ],
    )
    .await;

    let results = list(&*data, &alice.id, Some("deploy")).await;
    let hit = results.iter().find(|t| t.id == "long").unwrap();
    let snippet = hit.snippet.as_ref().unwrap();
    // The passage around the match, not the whole message.
    assert!(snippet.text.contains("Deployment"), "{snippet:?}");
    assert!(snippet.text.split_whitespace().count() <= 30, "{snippet:?}");
    assert!(snippet.text.chars().count() < long.chars().count() / 3);
    assert_eq!(marked(hit), ["Deployment"]);
    // Markup is text, never escaped nor taken for a mark; the message's own
    // private-use characters never reach the snippet (only the server's
    // marks do, as ranges).
    assert!(!snippet.text.contains("&lt;"), "{snippet:?}");
    assert!(
        !snippet.text.contains(['\u{E000}', '\u{E001}']),
        "{snippet:?}"
    );
    // A thread found by its name alone has no snippet (its name is shown).
    let by_name = results.iter().find(|t| t.id == "by-name").unwrap();
    assert_eq!(by_name.snippet, None);
    // Listings that are not full-text searches have none either.
    assert!(list(&*data, &alice.id, None)
        .await
        .iter()
        .all(|t| t.snippet.is_none()));

    // Every word of the search is marked.
    let hit = found(&*data, &alice.id, "deployment servi").await.unwrap();
    assert_eq!(marked(&hit), ["Deployment", "service"]);
}

async fn search_input_is_never_query_syntax(place: Place) {
    let data = place.open().await;
    let alice = data.get_or_create_user("alice").await.unwrap();
    write(
        &*data,
        vec![
            thread("either", &alice.id, 1),
            thread("alpha", &alice.id, 2),
        ],
        vec![
            reply("e1", "either", "Take this or that, near the door."),
            reply("a1", "alpha", "alpha only"),
        ],
    )
    .await;

    let hostile = [
        "\"",
        "\"unterminated",
        "*",
        "alpha*",
        "OR",
        "alpha OR zzz",
        "NEAR(alpha door)",
        "NEAR(",
        "body:alpha",
        "alpha:*",
        "&|!",
        "alpha & !zzz",
        "alpha | zzz",
        "!!!",
        "(",
        ")",
        "((alpha)",
        "'",
        "''",
        "alpha'; DROP TABLE threads; --",
        "-alpha",
        "^alpha",
        "{alpha door}",
        "AND",
        "NOT alpha",
        "alpha <-> door",
        "\u{E000}alpha\u{E001}",
    ];
    for search in hostile {
        let page = data
            .list_threads(
                &uid(&alice.id),
                &ThreadFilter {
                    search: Some(search.into()),
                    cursor: None,
                    limit: 10,
                },
            )
            .await;
        assert!(page.is_ok(), "{search:?}: {page:?}");
    }
    // Operators are words like any other: every one must match.
    assert!(search_ids(&*data, &alice.id, "alpha OR zzz")
        .await
        .is_empty());
    assert!(search_ids(&*data, &alice.id, "alpha & !zzz")
        .await
        .is_empty());
    assert_eq!(
        search_ids(&*data, &alice.id, "this OR that").await,
        ["either"]
    );
    assert_eq!(
        search_ids(&*data, &alice.id, "NEAR(door)").await,
        ["either"]
    );
    assert_eq!(search_ids(&*data, &alice.id, "\"alpha*\"").await, ["alpha"]);
    assert_eq!(
        search_ids(&*data, &alice.id, "body:alpha").await,
        Vec::<String>::new()
    );
    assert_eq!(search_ids(&*data, &alice.id, "alpha:*").await, ["alpha"]);
    // The threads are all still there.
    assert_eq!(list(&*data, &alice.id, None).await.len(), 2);
}

async fn search_never_shows_another_users_threads(place: Place) {
    let data = place.open().await;
    let alice = data.get_or_create_user("alice").await.unwrap();
    let bob = data.get_or_create_user("bob").await.unwrap();
    write(
        &*data,
        vec![named("bobs", &bob.id, "Quarterly figures", 5)],
        vec![reply("b1", "bobs", "quarterly figures, quarterly figures")],
    )
    .await;
    write(
        &*data,
        vec![thread("alices", &alice.id, 1)],
        vec![reply("a1", "alices", "the quarterly figures")],
    )
    .await;
    assert_eq!(ranked(&*data, &alice.id, "quarterly").await, ["alices"]);
    assert_eq!(ranked(&*data, &bob.id, "quarter figure").await, ["bobs"]);
    let carol = data.get_or_create_user("carol").await.unwrap();
    assert!(ranked(&*data, &carol.id, "quarterly").await.is_empty());
}

async fn search_results_page_once_each_with_a_ranked_cursor(place: Place) {
    let data = place.open().await;
    let alice = data.get_or_create_user("alice").await.unwrap();
    let threads = (0..25)
        .map(|i| thread(&format!("m{i:02}"), &alice.id, 1_000 + i / 4))
        .collect();
    // Different relevance (1 to 5 mentions) and many ties.
    let steps = (0..25)
        .map(|i| {
            let text = "orchid ".repeat(1 + i % 5) + "and some other words";
            reply(&format!("s{i:02}"), &format!("m{i:02}"), &text)
        })
        .collect();
    write(&*data, threads, steps).await;

    let search = |cursor| ThreadFilter {
        search: Some("orchid".into()),
        cursor,
        limit: 10,
    };
    let mut seen = Vec::new();
    let mut pages = Vec::new();
    let mut cursor = None;
    loop {
        let page = data
            .list_threads(&uid(&alice.id), &search(cursor))
            .await
            .unwrap();
        pages.push(page.threads.len());
        seen.extend(page.threads.into_iter().map(|t| t.id));
        let Some(next) = page.next_cursor else { break };
        let decoded = ThreadCursor::decode(&next).unwrap();
        assert!(matches!(decoded, ThreadCursor::Ranked { .. }), "{next}");
        cursor = Some(decoded);
    }
    assert_eq!(pages, [10, 10, 5]);
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 25, "{seen:?}");
    // The five-mention threads first.
    let mut first: Vec<&str> = seen[..5].iter().map(String::as_str).collect();
    first.sort();
    assert_eq!(first, ["m04", "m09", "m14", "m19", "m24"]);

    // A cursor of the other kind of listing is refused, not a panic.
    let recency = ThreadCursor::After {
        updated_at: 1_000,
        id: "m03".into(),
    };
    let refused = data
        .list_threads(&uid(&alice.id), &search(Some(recency.clone())))
        .await;
    assert!(
        matches!(refused, Err(DataError::InvalidCursor)),
        "{refused:?}"
    );
    let refused = data
        .list_threads(
            &uid(&alice.id),
            &ThreadFilter {
                cursor: Some(ThreadCursor::Ranked { offset: 10 }),
                limit: 10,
                ..Default::default()
            },
        )
        .await;
    assert!(
        matches!(refused, Err(DataError::InvalidCursor)),
        "{refused:?}"
    );
    // A literal search pages by recency.
    let literal = data
        .list_threads(
            &uid(&alice.id),
            &ThreadFilter {
                search: Some("%".into()),
                cursor: Some(recency),
                limit: 10,
            },
        )
        .await;
    assert!(literal.unwrap().threads.is_empty());
    // An offset past the end is an empty last page.
    let past = data
        .list_threads(
            &uid(&alice.id),
            &search(Some(ThreadCursor::Ranked { offset: u32::MAX })),
        )
        .await
        .unwrap();
    assert!(past.threads.is_empty());
    assert_eq!(past.next_cursor, None);
}

async fn search_follows_messages_as_they_finish_change_and_go(place: Place) {
    let data = place.open().await;
    let alice = data.get_or_create_user("alice").await.unwrap();
    let mut answer = reply("a1", "live", "The answer is photo");
    answer.streaming = true;
    write(
        &*data,
        vec![thread("live", &alice.id, 1)],
        vec![answer.clone()],
    )
    .await;
    assert!(found(&*data, &alice.id, "photo").await.is_none());

    // A checkpoint of the streaming message: still not searchable.
    answer.output = "The answer is photosynthesis".into();
    write(&*data, vec![], vec![answer.clone()]).await;
    assert!(found(&*data, &alice.id, "photosynthesis").await.is_none());

    // Finished: found.
    answer.streaming = false;
    write(&*data, vec![], vec![answer.clone()]).await;
    assert!(found(&*data, &alice.id, "photosynthesis").await.is_some());
    // Saved again unchanged (feedback, metadata): found once.
    write(&*data, vec![], vec![answer.clone()]).await;
    assert_eq!(ranked(&*data, &alice.id, "photosynthesis").await, ["live"]);

    // Edited: the old text is gone, the new one found.
    answer.output = "The answer is chlorophyll".into();
    write(&*data, vec![], vec![answer.clone()]).await;
    assert!(found(&*data, &alice.id, "photosynthesis").await.is_none());
    assert!(found(&*data, &alice.id, "chlorophyll").await.is_some());

    // Streaming again (a rerun of it): not searchable until it finishes.
    answer.streaming = true;
    write(&*data, vec![], vec![answer.clone()]).await;
    assert!(found(&*data, &alice.id, "chlorophyll").await.is_none());
    answer.streaming = false;
    write(&*data, vec![], vec![answer.clone()]).await;

    // Deleted step: gone.
    write(
        &*data,
        vec![],
        vec![reply("a2", "live", "stomata and xylem")],
    )
    .await;
    data.write(WriteBatch {
        deleted_steps: vec![("live".into(), "a2".into())],
        ..Default::default()
    })
    .await
    .unwrap();
    assert!(found(&*data, &alice.id, "xylem").await.is_none());

    // Renamed: the new name is found, the old one not.
    let id = super::tid("live");
    assert!(data
        .rename_thread(&uid(&alice.id), &id, "Botany homework")
        .await
        .unwrap());
    assert!(found(&*data, &alice.id, "botany").await.is_some());
    assert!(data
        .rename_thread(&uid(&alice.id), &id, "Biology")
        .await
        .unwrap());
    assert!(found(&*data, &alice.id, "botany").await.is_none());
    assert!(found(&*data, &alice.id, "biology").await.is_some());

    // Deleted thread: nothing of it is found, and (SQLite) nothing of it
    // stays in the index.
    assert!(data.delete_thread(&uid(&alice.id), &id).await.unwrap());
    assert!(found(&*data, &alice.id, "chlorophyll").await.is_none());
    assert!(found(&*data, &alice.id, "biology").await.is_none());
    data.close().await;
    if let Place::Sqlite(_) = &place {
        assert_eq!(place.count_rows("search_docs").await, 0);
        assert_eq!(place.count_rows("search_index").await, 0);
    }
}

/// Messages written, changed and removed between two searches: the search
/// sees each as it is now (SQLite indexes what queued since the last one
/// when a search comes).
async fn search_sees_every_change_made_since_the_last_search(place: Place) {
    let data = place.open().await;
    let alice = data.get_or_create_user("alice").await.unwrap();
    let mut kept = reply("k1", "garden", "Sow the basil indoors");
    write(
        &*data,
        vec![thread("garden", &alice.id, 1)],
        vec![kept.clone(), reply("k2", "garden", "Prune the quince")],
    )
    .await;
    // Edited and the other one removed, before any search.
    kept.output = "Sow the coriander indoors".into();
    write(&*data, vec![], vec![kept]).await;
    data.write(WriteBatch {
        deleted_steps: vec![("garden".into(), "k2".into())],
        ..Default::default()
    })
    .await
    .unwrap();
    assert!(found(&*data, &alice.id, "basil").await.is_none());
    assert!(found(&*data, &alice.id, "quince").await.is_none());
    assert_eq!(ranked(&*data, &alice.id, "coriander").await, ["garden"]);
    // Found once, whatever was queued for it.
    assert_eq!(ranked(&*data, &alice.id, "sow indoors").await, ["garden"]);
    data.close().await;
    if let Place::Sqlite(_) = &place {
        assert_eq!(place.count_rows("search_queue").await, 0);
        assert_eq!(place.count_rows("search_docs").await, 1);
    }
}

both_backends!(
    search_sees_every_change_made_since_the_last_search,
    search_ranks_by_relevance_then_recency,
    search_matches_every_word_as_a_prefix_ignoring_case_and_accents,
    search_snippets_mark_the_matches_in_plain_text,
    search_input_is_never_query_syntax,
    search_never_shows_another_users_threads,
    search_results_page_once_each_with_a_ranked_cursor,
    search_follows_messages_as_they_finish_change_and_go,
);

/// A database of the schema before full-text search (migrations 1–5) is
/// searchable after the upgrade: migration 6 indexes what it holds.
#[tokio::test]
async fn existing_history_is_indexed_by_the_upgrade() {
    use sqlx::sqlite::SqliteConnectOptions;
    let dir = tempfile::tempdir().unwrap();
    let migrations = tempfile::tempdir().unwrap();
    let source = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations/sqlite");
    for entry in std::fs::read_dir(&source).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        if name.as_str() < "0006" {
            std::fs::copy(&path, migrations.path().join(&name)).unwrap();
        }
    }
    let file = dir.path().join("loquat.db");
    let options = SqliteConnectOptions::new()
        .filename(&file)
        .create_if_missing(true);
    let pool = sqlx::SqlitePool::connect_with(options).await.unwrap();
    sqlx::migrate::Migrator::new(migrations.path())
        .await
        .unwrap()
        .run(&pool)
        .await
        .unwrap();
    for sql in [
        "INSERT INTO users (id, identifier, created_at) VALUES ('u1', 'alice', 0)",
        "INSERT INTO threads (id, user_id, name, created_at, updated_at) \
         VALUES ('old', 'u1', 'Garden planning', 1, 1)",
        "INSERT INTO steps (id, thread_id, position, name, type, output, streaming, created_at) \
         VALUES ('s1', 'old', 1, 'A', 'assistant_message', 'Plant the tomatoes in May', 0, 1), \
                ('s2', 'old', 2, 'A', 'assistant_message', 'Half-written cucumbers', 1, 2), \
                ('s3', 'old', 3, 'T', 'tool', 'secret lettuce', 0, 3)",
    ] {
        sqlx::query(sql).execute(&pool).await.unwrap();
    }
    pool.close().await;

    let data = loquat::data::SqliteDataLayer::open(&file).await.unwrap();
    let alice = data.get_or_create_user("alice").await.unwrap();
    assert_eq!(alice.id, "u1");
    assert_eq!(search_ids(&data, "u1", "tomato").await, ["old"]);
    assert_eq!(search_ids(&data, "u1", "garden").await, ["old"]);
    assert!(search_ids(&data, "u1", "cucumber").await.is_empty());
    assert!(search_ids(&data, "u1", "lettuce").await.is_empty());
    data.close().await;
}

/// SQLite indexes finished messages in batches as they are written, not
/// only when a search comes: the queue never holds much more than a
/// batch's worth.
#[tokio::test]
async fn sqlite_indexes_queued_messages_as_they_are_written() {
    let place = Place::sqlite();
    let data = place.open().await;
    let alice = data.get_or_create_user("alice").await.unwrap();
    for batch in 0..12 {
        let steps = (0..50)
            .map(|i| {
                reply(
                    &format!("m{batch}-{i}"),
                    "long",
                    &format!("note {batch} {i}"),
                )
            })
            .collect();
        write(&*data, vec![thread("long", &alice.id, 1)], steps).await;
    }
    data.close().await;
    let queued = place.count_rows("search_queue").await;
    let indexed = place.count_rows("search_docs").await;
    assert_eq!(queued + indexed, 600, "every message queued or indexed");
    assert!(indexed >= 512, "indexed without a search: {indexed}");
    assert!(queued < 512, "left queued: {queued}");
}
