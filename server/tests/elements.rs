//! Rich content through a real server, WebSocket, SQLite file and file
//! storage: every element kind round-trips and survives a restart, element
//! routes check ownership and refuse traversal, element URLs are never
//! fetched by the server, actions run their callbacks, custom elements can
//! only change themselves.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use loquat::config::Config;
use loquat::data::{DataLayer, SqliteDataLayer, ThreadRecord, WriteBatch};
use loquat::protocol::{ClientEvent, Element as WireElement, ElementKind, ErrorCode, StepType};
use loquat::{
    Action, ActionCall, Chat, Display, Element, ElementSize, Loquat, Message, Table, TaskList,
    TaskStatus, ThreadId, UserId, DATABASE_FILE,
};
use serde_json::json;
use support::{Client, TempDir, TestApp};

const PNG: &[u8] = b"\x89PNG\r\n\x1a\nnot really a png";

/// Sends one message with every kind of element when told "all"; "bad url"
/// tries a `javascript:` URL and reports the error it gets.
fn gallery(file_path: std::path::PathBuf, outside_url: String) -> Loquat {
    Loquat::new()
        .on_message(move |chat: Chat, msg: Message| {
            let file_path = file_path.clone();
            let outside_url = outside_url.clone();
            async move {
                match msg.content.as_str() {
                    "all" => {
                        let table = Table::from_csv("name,score\nb,2\na,10\nc,1\n")?;
                        let message = Message::assistant("All of them; see the notes.")
                            .element(Element::text("notes", "**hi**").display(Display::Side))
                            .element(Element::code("main.rs", "fn main() {}", "rust"))
                            .element(
                                Element::image("pic.png")
                                    .bytes(PNG)
                                    .size(ElementSize::Large),
                            )
                            .element(Element::file("data.bin").path(&file_path))
                            .element(Element::pdf("doc").bytes("%PDF-1.4 tiny").page(3))
                            .element(
                                Element::audio("a.wav")
                                    .bytes(vec![1u8, 2, 3])
                                    .auto_play(true),
                            )
                            .element(Element::video("remote").url(outside_url.clone()))
                            .element(Element::dataframe("table", table))
                            .element(Element::plotly("plot", &json!({"data": [{"y": [1, 2]}]})))
                            .element(Element::chart_svg(
                                "chart",
                                "<svg xmlns='http://www.w3.org/2000/svg'/>",
                            ))
                            .element(Element::custom("counter", json!({"count": 1})))
                            .action(Action::new("keep").label("Keep").payload(json!({"n": 1})))
                            .action(Action::new("drop").label("Drop"));
                        chat.send(message).await?;
                        let mut list = TaskList::new("Plan");
                        list.add("one");
                        list.set_status(0, TaskStatus::Running);
                        chat.send_element(Element::tasklist(&list)).await?;
                    }
                    "bad url" => {
                        let bad = Message::assistant("x")
                            .element(Element::image("evil").url("javascript:alert(1)"));
                        let err = chat.send(bad).await.err().map(|e| e.to_string());
                        chat.send(Message::assistant(format!("error: {err:?}")))
                            .await?;
                    }
                    "step" => {
                        let step = chat.step("render").start().await?;
                        step.attach(Element::image("step.png").bytes(PNG)).await?;
                        step.finish().await?;
                        let reply = chat.send(Message::assistant("later")).await?;
                        reply.attach(Element::text("late", "added after")).await?;
                    }
                    "panel" => {
                        chat.set_side_panel("Notes", vec![Element::text("n", "side text")])
                            .await?;
                    }
                    _ => {
                        chat.send(Message::assistant("ok")).await?;
                    }
                }
                Ok(())
            }
        })
        .on_action("keep", |chat: Chat, call: ActionCall| async move {
            chat.send(Message::assistant(format!("kept {}", call.payload())))
                .await?;
            Ok(())
        })
        .on_action("drop", |chat: Chat, call: ActionCall| async move {
            call.remove().await?;
            chat.send(Message::assistant("dropped")).await?;
            Ok(())
        })
        .on_action(
            "counter_report",
            |chat: Chat, call: ActionCall| async move {
                chat.send(Message::assistant(format!("counter {}", call.payload())))
                    .await?;
                Ok(())
            },
        )
}

/// A TCP listener that counts connections: proof the server fetched nothing.
async fn counting_listener() -> (String, Arc<AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/secret.mp4", listener.local_addr().unwrap());
    let hits = Arc::new(AtomicUsize::new(0));
    let counter = hits.clone();
    tokio::spawn(async move {
        while let Ok((_socket, _)) = listener.accept().await {
            counter.fetch_add(1, Ordering::SeqCst);
        }
    });
    (url, hits)
}

struct Setup {
    app: TestApp,
    dir: TempDir,
    data: Arc<SqliteDataLayer>,
    outside_hits: Arc<AtomicUsize>,
    outside_url: String,
}

async fn setup() -> Setup {
    let dir = TempDir::new();
    let file_path = dir.path.join("upload-source.bin");
    std::fs::write(&file_path, b"file from disk").unwrap();
    let (outside_url, outside_hits) = counting_listener().await;
    let data = Arc::new(
        SqliteDataLayer::open(dir.path.join(DATABASE_FILE))
            .await
            .unwrap(),
    );
    let app = gallery(file_path, outside_url.clone()).data_layer(data.clone());
    let app = TestApp::start_in(app, Config::default(), &dir.path).await;
    Setup {
        app,
        dir,
        data,
        outside_hits,
        outside_url,
    }
}

async fn say_and_wait(client: &mut Client, text: &str) {
    let runs = client.run_ends().len();
    client.say(text).await;
    client.wait_for(|c| c.run_ends().len() > runs).await;
}

async fn fetch(app: &TestApp, path: &str) -> reqwest::Response {
    reqwest::get(app.url(path)).await.unwrap()
}

fn kinds(elements: &[WireElement]) -> Vec<ElementKind> {
    let mut kinds: Vec<ElementKind> = elements.iter().map(|e| e.kind).collect();
    kinds.sort_by_key(|k| k.as_str());
    kinds.dedup();
    kinds
}

#[tokio::test]
async fn every_element_kind_round_trips_through_protocol_storage_and_restart() {
    let s = setup().await;
    let mut client = s.app.client().await;
    say_and_wait(&mut client, "all").await;
    assert_eq!(kinds(&client.elements).len(), 11, "{:#?}", client.elements);
    let message = client
        .steps
        .iter()
        .find(|st| st.output.starts_with("All of them"))
        .unwrap()
        .clone();
    let by_name = |name: &str| client.element_named(name).unwrap().clone();

    // Attached to the message, with what the SDK said.
    let pic = by_name("pic.png");
    assert_eq!(pic.for_id.as_deref(), Some(message.id.as_str()));
    assert_eq!(pic.size, Some(ElementSize::Large));
    assert_eq!(pic.mime.as_deref(), Some("image/png"));
    assert_eq!(pic.bytes, Some(PNG.len() as u64));
    assert_eq!(by_name("notes").display, Display::Side);
    assert_eq!(by_name("doc").props["page"], 3);
    assert_eq!(by_name("a.wav").props["auto_play"], true);
    assert_eq!(by_name("main.rs").props["language"], "rust");
    assert_eq!(by_name("table").props["row_count"], 3);
    assert_eq!(
        by_name("Plan").for_id,
        None,
        "a task list belongs to the thread"
    );
    assert_eq!(by_name("Plan").props["tasks"][0]["status"], "running");

    // Stored content comes back byte for byte, with its type.
    let response = fetch(&s.app, pic.url.as_deref().unwrap()).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "image/png");
    assert_eq!(response.headers()["x-content-type-options"], "nosniff");
    assert_eq!(&response.bytes().await.unwrap()[..], PNG);
    let file = by_name("data.bin");
    let response = fetch(&s.app, file.url.as_deref().unwrap()).await;
    assert!(response.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .starts_with("attachment"));
    assert_eq!(&response.bytes().await.unwrap()[..], b"file from disk");

    // A URL element keeps its URL; the server never fetched it, and its
    // content route does not proxy it.
    let remote = by_name("remote");
    assert_eq!(remote.url.as_deref(), Some(s.outside_url.as_str()));
    let (status, _) = s.app.get(&WireElement::content_path(&remote.id)).await;
    assert_eq!(status, 404);
    let (status, _) = s.app.get(&WireElement::page_path(&remote.id)).await;
    assert_eq!(status, 200);
    assert_eq!(
        s.outside_hits.load(Ordering::SeqCst),
        0,
        "the server fetched an element URL"
    );

    // Actions are on the message with their payloads.
    let names: Vec<&str> = message.actions.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(names, ["keep", "drop"]);

    // Everything is the same after a restart, from the database.
    let before = client.elements.clone();
    let thread_id = client.thread_id.clone();
    drop(client);
    let Setup { app, dir, data, .. } = s;
    app.stop().await;
    data.close().await;
    let data = Arc::new(
        SqliteDataLayer::open(dir.path.join(DATABASE_FILE))
            .await
            .unwrap(),
    );
    let app = TestApp::start_in(
        gallery(dir.path.join("none"), String::new()).data_layer(data),
        Config::default(),
        &dir.path,
    )
    .await;
    let mut resumed = app.open_thread(&thread_id).await;
    resumed.wait_for(|c| c.elements.len() == before.len()).await;
    assert_eq!(resumed.elements, before);
    let stored = resumed.steps.iter().find(|st| st.id == message.id).unwrap();
    assert_eq!(stored.actions, message.actions);
    let response = fetch(&app, pic.url.as_deref().unwrap()).await;
    assert_eq!(&response.bytes().await.unwrap()[..], PNG);
}

#[tokio::test]
async fn dataframe_rows_are_served_sorted_and_paged() {
    let s = setup().await;
    let mut client = s.app.client().await;
    say_and_wait(&mut client, "all").await;
    let table = client.element_named("table").unwrap().clone();
    let rows = |query: &str| {
        let path = format!("/element/{}/rows?{query}", table.id);
        let app = &s.app;
        async move {
            let (status, body) = app.get(&path).await;
            assert_eq!(status, 200, "{body}");
            serde_json::from_str::<serde_json::Value>(&body).unwrap()
        }
    };
    let page = rows("offset=0&limit=2").await;
    assert_eq!(page["total"], 3);
    assert_eq!(page["rows"], json!([["b", 2], ["a", 10]]));
    let sorted = rows("sort=1&desc=true").await;
    assert_eq!(sorted["rows"], json!([["a", 10], ["b", 2], ["c", 1]]));
    let by_name = rows("sort=0&offset=2").await;
    assert_eq!(by_name["rows"], json!([["c", 1]]));
    let (status, _) = s
        .app
        .get(&format!("/element/{}/rows?offset=x", table.id))
        .await;
    assert_eq!(status, 400, "a malformed query is refused");
    let pic = client.element_named("pic.png").unwrap();
    let (status, _) = s.app.get(&format!("/element/{}/rows", pic.id)).await;
    assert_eq!(status, 400, "only dataframes have rows");
}

#[tokio::test]
async fn actions_run_their_callbacks_and_removal_persists_across_resume() {
    let s = setup().await;
    let mut client = s.app.client().await;
    say_and_wait(&mut client, "all").await;
    let message = client
        .steps
        .iter()
        .find(|st| !st.actions.is_empty())
        .unwrap()
        .clone();
    let keep = message.actions[0].clone();
    let drop_action = message.actions[1].clone();

    // The browser names the action; the payload comes from the server.
    let runs = client.run_ends().len();
    client
        .send(&ClientEvent::ActionClicked {
            step_id: message.id.clone(),
            action_id: keep.id.clone(),
        })
        .await;
    client.wait_for(|c| c.run_ends().len() > runs).await;
    assert!(client.steps.iter().any(|st| st.output == "kept {\"n\":1}"));

    let runs = client.run_ends().len();
    client
        .send(&ClientEvent::ActionClicked {
            step_id: message.id.clone(),
            action_id: drop_action.id.clone(),
        })
        .await;
    client.wait_for(|c| c.run_ends().len() > runs).await;
    let now = client.steps.iter().find(|st| st.id == message.id).unwrap();
    assert_eq!(
        now.actions,
        vec![keep.clone()],
        "the callback removed its action"
    );

    // A removed (or made-up) action is refused with a clear error.
    client
        .send(&ClientEvent::ActionClicked {
            step_id: message.id.clone(),
            action_id: drop_action.id.clone(),
        })
        .await;
    client
        .wait_for(|c| c.error_codes().contains(&ErrorCode::UnknownAction))
        .await;

    // In history the removal stuck, and the remaining action still works.
    let thread_id = client.thread_id.clone();
    client.send(&ClientEvent::EndChat).await;
    drop(client);
    let mut resumed = s.app.open_thread(&thread_id).await;
    resumed.wait_for(|c| !c.steps.is_empty()).await;
    let stored = resumed.steps.iter().find(|st| st.id == message.id).unwrap();
    assert_eq!(stored.actions, vec![keep.clone()]);
    let replies = resumed.messages_of(StepType::AssistantMessage).len();
    resumed
        .send(&ClientEvent::ActionClicked {
            step_id: message.id.clone(),
            action_id: keep.id.clone(),
        })
        .await;
    resumed
        .wait_for(|c| c.messages_of(StepType::AssistantMessage).len() > replies)
        .await;
}

#[tokio::test]
async fn element_routes_check_ownership_and_refuse_traversal() {
    let s = setup().await;
    let mut client = s.app.client().await;
    say_and_wait(&mut client, "all").await;

    // Another user's thread with an element whose bytes are in storage.
    let bob = s.data.get_or_create_user("bob").await.unwrap();
    let secret_id = "0190aaaa-bbbb-7ccc-8ddd-eeeeeeeeeeee".to_string();
    let files = s.dir.path.join("files");
    std::fs::create_dir_all(&files).unwrap();
    std::fs::write(files.join(&secret_id), b"bob's secret").unwrap();
    s.data
        .write(WriteBatch {
            threads: vec![ThreadRecord {
                id: "bobs-thread".into(),
                user_id: bob.id.clone(),
                name: Some("bob".into()),
                created_at: 1,
                updated_at: 1,
                tags: vec![],
                metadata: Default::default(),
            }],
            elements: vec![WireElement {
                id: secret_id.clone(),
                thread_id: "bobs-thread".into(),
                kind: ElementKind::File,
                name: "secret".into(),
                url: Some(WireElement::content_path(&secret_id)),
                ..Default::default()
            }],
            ..Default::default()
        })
        .await
        .unwrap();
    for path in [
        WireElement::content_path(&secret_id),
        WireElement::page_path(&secret_id),
        format!("/element/{secret_id}/rows"),
    ] {
        let (status, body) = s.app.get(&path).await;
        assert_eq!(status, 404, "{path}");
        assert!(!body.contains("bob's secret"));
    }

    // Names that try to leave the storage directory never reach it.
    std::fs::write(s.dir.path.join("loquat-secret"), b"outside").unwrap();
    for path in [
        "/element/..%2Floquat-secret/content",
        "/element/..%2F..%2Fetc%2Fpasswd/content",
        "/element/%2e%2e/content",
        "/element/files%2F..%2Floquat-secret/content",
        "/element/a.b/content",
        "/element/nope/content",
    ] {
        let response = fetch(&s.app, path).await;
        let status = response.status().as_u16();
        let body = response.text().await.unwrap();
        assert!(status == 404 || status == 400, "{path}: {status}");
        assert!(
            !body.contains("outside") && !body.contains("root:"),
            "{path}"
        );
    }
}

#[tokio::test]
async fn stored_content_cannot_run_as_a_page_of_the_site() {
    let s = setup().await;
    let mut client = s.app.client().await;
    say_and_wait(&mut client, "all").await;
    let chart = client.element_named("chart").unwrap();
    let response = fetch(&s.app, chart.url.as_deref().unwrap()).await;
    assert_eq!(response.headers()["content-type"], "image/svg+xml");
    let csp = response.headers()["content-security-policy"]
        .to_str()
        .unwrap();
    assert!(csp.contains("sandbox"), "{csp}");
    // Players seek with byte ranges.
    let pic = client.element_named("pic.png").unwrap();
    let ranged = |range: &'static str| {
        let url = s.app.url(pic.url.as_deref().unwrap());
        async move {
            reqwest::Client::new()
                .get(url)
                .header("range", range)
                .send()
                .await
                .unwrap()
        }
    };
    let part = ranged("bytes=2-5").await;
    assert_eq!(part.status(), 206);
    assert_eq!(
        part.headers()["content-range"],
        format!("bytes 2-5/{}", PNG.len()).as_str()
    );
    assert_eq!(&part.bytes().await.unwrap()[..], &PNG[2..=5]);
    assert_eq!(ranged("bytes=9999-").await.status(), 416);
    assert_eq!(ranged("lines=1-2").await.status(), 200);
    // An unknown type is a download, whatever the name says.
    let file = client.element_named("data.bin").unwrap();
    let response = fetch(&s.app, file.url.as_deref().unwrap()).await;
    assert_eq!(
        response.headers()["content-type"],
        "application/octet-stream"
    );
}

#[tokio::test]
async fn unsafe_element_urls_are_refused_with_a_clear_error() {
    let s = setup().await;
    let mut client = s.app.client().await;
    say_and_wait(&mut client, "bad url").await;
    let report = client
        .steps
        .iter()
        .find(|st| st.output.starts_with("error:"))
        .unwrap();
    assert!(
        report.output.contains("invalid element `evil`"),
        "{}",
        report.output
    );
    assert!(client.elements.is_empty());
}

#[tokio::test]
async fn custom_elements_change_only_themselves() {
    let s = setup().await;
    let mut client = s.app.client().await;
    say_and_wait(&mut client, "all").await;
    let counter = client.element_named("counter").unwrap().clone();
    let pic = client.element_named("pic.png").unwrap().clone();

    client
        .send(&ClientEvent::ElementPropsUpdated {
            id: counter.id.clone(),
            props: json!({"count": 2}),
        })
        .await;
    client
        .wait_for(|c| c.element_named("counter").unwrap().props["props"]["count"] == 2)
        .await;

    // Not a custom element, or not in this chat: refused, nothing changes.
    client
        .send(&ClientEvent::ElementPropsUpdated {
            id: pic.id.clone(),
            props: json!({"hacked": true}),
        })
        .await;
    client
        .wait_for(|c| c.error_codes().contains(&ErrorCode::UnknownElement))
        .await;
    let mut other = s.app.client().await;
    other
        .send(&ClientEvent::ElementRemoveRequested {
            id: counter.id.clone(),
        })
        .await;
    other
        .wait_for(|c| c.error_codes().contains(&ErrorCode::UnknownElement))
        .await;
    assert_eq!(client.element_named("pic.png").unwrap().props, pic.props);

    // Its action call runs the named callback with its payload.
    let runs = client.run_ends().len();
    client
        .send(&ClientEvent::ElementAction {
            id: counter.id.clone(),
            name: "counter_report".into(),
            payload: json!({"count": 2}),
        })
        .await;
    client.wait_for(|c| c.run_ends().len() > runs).await;
    assert!(client
        .steps
        .iter()
        .any(|st| st.output == "counter {\"count\":2}"));

    // Deleting itself removes it for good.
    client
        .send(&ClientEvent::ElementRemoveRequested {
            id: counter.id.clone(),
        })
        .await;
    client
        .wait_for(|c| c.element_named("counter").is_none())
        .await;
    let stored = s
        .data
        .thread_elements(&local_user(&s).await, &thread_of(&client))
        .await
        .unwrap();
    assert!(stored.iter().all(|e| e.id != counter.id));
    assert!(stored.iter().any(|e| e.id == pic.id));
}

async fn local_user(s: &Setup) -> UserId {
    let user = s.data.get_or_create_user("local").await.unwrap();
    UserId::parse(&user.id).unwrap()
}

/// The thread a client shows, as the data layer takes it.
fn thread_of(client: &Client) -> ThreadId {
    ThreadId::parse(&client.thread_id).unwrap()
}

#[tokio::test]
async fn removing_a_message_removes_its_elements_and_the_side_panel_is_live() {
    let s = setup().await;
    let mut client = s.app.client().await;
    say_and_wait(&mut client, "all").await;
    let user = local_user(&s).await;
    let before = s
        .data
        .thread_elements(&user, &thread_of(&client))
        .await
        .unwrap();
    assert_eq!(before.len(), client.elements.len());

    say_and_wait(&mut client, "panel").await;
    let panel = client.side_panel.clone().unwrap();
    assert_eq!(panel.title, "Notes");
    assert_eq!(panel.elements[0].props["content"], "side text");
    // A reconnecting tab gets the panel in its snapshot.
    let mut again = Client::connect(s.app.addr, Some(client.session_id.clone()), None).await;
    again.wait_for(|c| c.snapshots > 0).await;
    assert_eq!(again.side_panel, Some(panel));
    drop(again);

    // Undo the "panel" turn, then the "all" turn: its message's elements go
    // (in the browser and in the database); the thread's task list stays.
    for left in [1, 0] {
        client.send(&ClientEvent::Undo).await;
        client
            .wait_for(|c| c.messages_of(StepType::UserMessage).len() == left)
            .await;
    }
    let names: Vec<&str> = client.elements.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(names, ["Plan"]);
    // Their stored files go too (deleted in the background).
    let files = s.dir.path.join("files");
    let pic = before.iter().find(|e| e.name == "pic.png").unwrap();
    eventually(|| !files.join(&pic.id).exists()).await;
    let stored = s
        .data
        .thread_elements(&user, &thread_of(&client))
        .await
        .unwrap();
    let stored_names: Vec<&str> = stored.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(stored_names, ["Plan"]);
}

/// Polls `done` until it holds, failing after the deadline.
async fn eventually(mut done: impl FnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + support::DEADLINE;
    while !done() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "condition never held"
        );
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
}

#[tokio::test]
async fn deleting_a_thread_deletes_its_files() {
    let s = setup().await;
    let mut client = s.app.client().await;
    say_and_wait(&mut client, "all").await;
    let pic = client.element_named("pic.png").unwrap().clone();
    let path = s.dir.path.join("files").join(&pic.id);
    assert!(path.exists());
    let (status, body) = s
        .app
        .server_fn("threads/delete", &[("id", client.thread_id.as_str())])
        .await;
    assert_eq!(status, 200, "{body}");
    eventually(|| !path.exists()).await;
    let (status, _) = s.app.get(&WireElement::content_path(&pic.id)).await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn export_and_import_carry_elements_and_their_content() {
    let s = setup().await;
    let mut client = s.app.client().await;
    say_and_wait(&mut client, "all").await;
    let (status, json) = s
        .app
        .get(&format!("/api/threads/{}/export", client.thread_id))
        .await;
    assert_eq!(status, 200);
    let export: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(
        export["elements"].as_array().unwrap().len(),
        client.elements.len()
    );

    let (status, body) = s
        .app
        .post("/api/threads/import", json.clone().into_bytes())
        .await;
    assert_eq!(status, 201, "{body}");
    let new_thread = serde_json::from_str::<serde_json::Value>(&body).unwrap()["thread_id"]
        .as_str()
        .unwrap()
        .to_string();
    let mut imported = s.app.open_thread(&new_thread).await;
    imported
        .wait_for(|c| c.elements.len() == client.elements.len())
        .await;
    for original in &client.elements {
        let copy = imported.element_named(&original.name).unwrap();
        assert_ne!(copy.id, original.id);
        assert_eq!(
            (copy.kind, copy.display, &copy.props),
            (original.kind, original.display, &original.props)
        );
        // Attached to the copy of the same message.
        let parent = |c: &Client, e: &WireElement| {
            e.for_id
                .as_ref()
                .and_then(|f| c.steps.iter().find(|s| &s.id == f))
                .map(|s| s.output.clone())
        };
        assert_eq!(parent(&imported, copy), parent(&client, original));
        if original.url.as_deref() == Some(WireElement::content_path(&original.id).as_str()) {
            let a = fetch(&s.app, original.url.as_deref().unwrap())
                .await
                .bytes()
                .await
                .unwrap();
            let b = fetch(&s.app, copy.url.as_deref().unwrap())
                .await
                .bytes()
                .await
                .unwrap();
            assert_eq!(a, b, "{}", original.name);
        } else {
            assert_eq!(copy.url, original.url, "{}", original.name);
        }
    }

    // An element of a step that is not in the export is refused.
    let mut broken = export.clone();
    broken["elements"][0]["for_id"] = json!("nowhere");
    let (status, body) = s
        .app
        .post("/api/threads/import", serde_json::to_vec(&broken).unwrap())
        .await;
    assert_eq!(status, 400);
    assert!(body.contains("element 0 is invalid"), "{body}");
}

#[tokio::test]
async fn steps_and_sent_messages_take_elements_too() {
    let s = setup().await;
    let mut client = s.app.client().await;
    say_and_wait(&mut client, "step").await;
    let step = client.step_named("render").unwrap().clone();
    assert_eq!(
        client.element_named("step.png").unwrap().for_id.as_deref(),
        Some(step.id.as_str())
    );
    let later = client.steps.iter().find(|st| st.output == "later").unwrap();
    assert_eq!(
        client.element_named("late").unwrap().for_id.as_deref(),
        Some(later.id.as_str())
    );
}
