//! Asking the user and uploading files, through a real server: each kind of
//! question resolves with its answer or its timeout, answers are stored in
//! the thread, and uploads are checked on the server (size, real type,
//! accept list, owner) whatever the browser claims.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::time::Duration;

use loquat::config::{Config, UploadConfig};
use loquat::protocol::{AskAnswer, AskKind, ClientEvent, ErrorCode, ServerEvent, StepType};
use loquat::{Action, Chat, ChatError, Loquat, Message};
use serde_json::json;
use support::{Client, TestApp};

fn asker() -> Loquat {
    Loquat::new().on_message(|chat: Chat, msg: Message| async move {
        match msg.content.as_str() {
            "text" => {
                let name = chat.ask_text("Your name?").await?;
                chat.send(Message::assistant(format!("hello {name:?}")))
                    .await?;
            }
            "quick" => {
                let name = chat
                    .ask_text("Quick!")
                    .timeout(Duration::from_millis(300))
                    .await?;
                chat.send(Message::assistant(format!("quick {name:?}")))
                    .await?;
            }
            "strict" => {
                let result = chat
                    .ask_text("Strict!")
                    .timeout(Duration::from_millis(300))
                    .error_on_timeout()
                    .await;
                let timed_out = result == Err(ChatError::AskTimeout);
                chat.send(Message::assistant(format!("strict timed out: {timed_out}")))
                    .await?;
            }
            "action" => {
                let picked = chat
                    .ask_action(
                        "Pick",
                        vec![
                            Action::new("yes").label("Yes"),
                            Action::new("no").label("No"),
                        ],
                    )
                    .await?;
                let name = picked.map(|a| a.name);
                chat.send(Message::assistant(format!("picked {name:?}")))
                    .await?;
            }
            "form" => {
                let values = chat
                    .ask_form("Book")
                    .text("name", "Name")
                    .slider("guests", "Guests", 1.0, 8.0, 1.0)
                    .select("room", "Room", ["garden", "hall"])
                    .require("name")
                    .await?;
                chat.send(Message::assistant(format!("booked {}", json!(values))))
                    .await?;
            }
            "file" => {
                let files = chat
                    .ask_file("A picture please")
                    .accept(["image/*"])
                    .max_size_mb(1)
                    .max_files(2)
                    .await?
                    .unwrap_or_default();
                let mut lines = Vec::new();
                for file in files {
                    let bytes = file.bytes().await?;
                    lines.push(format!("{} {} {}", file.name, file.mime, bytes.len()));
                }
                chat.send(Message::assistant(format!("got [{}]", lines.join("; "))))
                    .await?;
            }
            _ => {
                let mut lines = Vec::new();
                for file in &msg.files {
                    let bytes = file.bytes().await?;
                    let on_disk = file.path().map(|p| std::fs::read(p).unwrap_or_default());
                    assert_eq!(on_disk.as_deref(), Some(&bytes[..]));
                    lines.push(format!("{} {} {}", file.name, file.mime, bytes.len()));
                }
                chat.send(Message::assistant(format!(
                    "message {:?} with [{}]",
                    msg.content,
                    lines.join("; ")
                )))
                .await?;
            }
        }
        Ok(())
    })
}

fn config(accept: &[&str], max_size_mb: u32) -> Config {
    let mut config = Config::default();
    config.features.spontaneous_file_upload = UploadConfig {
        enabled: true,
        accept: accept.iter().map(|s| s.to_string()).collect(),
        max_files: 2,
        max_size_mb,
    };
    config
}

/// The question the client sees waiting.
fn pending(client: &Client) -> Option<loquat::protocol::Ask> {
    let mut ask = None;
    for event in &client.events {
        match event {
            ServerEvent::AskStarted { ask: started } => ask = Some(started.clone()),
            ServerEvent::AskEnded { id } if ask.as_ref().is_some_and(|a| &a.id == id) => ask = None,
            _ => {}
        }
    }
    ask
}

async fn start_asking(client: &mut Client, command: &str) -> loquat::protocol::Ask {
    client.say(command).await;
    client.wait_for(|c| pending(c).is_some()).await;
    pending(client).unwrap()
}

fn last_reply(client: &Client) -> String {
    client
        .messages_of(StepType::AssistantMessage)
        .last()
        .map(|s| s.output.clone())
        .unwrap_or_default()
}

async fn wait_reply(client: &mut Client, prefix: &str) -> String {
    client.wait_for(|c| last_reply(c).starts_with(prefix)).await;
    last_reply(client)
}

async fn upload(
    app: &TestApp,
    session: &str,
    name: &str,
    ask: Option<&str>,
    body: Vec<u8>,
) -> (u16, serde_json::Value) {
    let mut url = app.url(&format!(
        "/api/sessions/{session}/files?name={}",
        support::urlencode(name)
    ));
    if let Some(ask) = ask {
        url.push_str(&format!("&ask={ask}"));
    }
    let response = reqwest::Client::new()
        .post(url)
        // What the browser claims is ignored.
        .header("content-type", "image/png")
        .body(body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or_default())
}

#[tokio::test]
async fn text_questions_wait_for_the_composer_and_store_the_answer() {
    let app = TestApp::start(asker()).await;
    let mut client = app.client().await;
    let ask = start_asking(&mut client, "text").await;
    assert_eq!(ask.kind, AskKind::Text);
    let question = client.steps.iter().find(|s| s.id == ask.for_id).unwrap();
    assert_eq!(question.output, "Your name?");
    assert!(ask.deadline > 0);

    client.say("Ada").await;
    assert_eq!(
        wait_reply(&mut client, "hello").await,
        "hello Some(\"Ada\")"
    );
    assert!(pending(&client).is_none());
    // The answer is a user message of the thread, and started no new run.
    let users: Vec<&str> = client
        .messages_of(StepType::UserMessage)
        .iter()
        .map(|s| s.output.as_str())
        .collect();
    assert_eq!(users, ["text", "Ada"]);
    client.wait_for(|c| c.run_ends().len() == 1).await;
    let runs = client
        .events
        .iter()
        .filter(|e| matches!(e, ServerEvent::RunStarted { .. }))
        .count();
    assert_eq!(runs, 1);
}

#[tokio::test]
async fn unanswered_questions_time_out_as_none_or_as_an_error() {
    let app = TestApp::start(asker()).await;
    let mut client = app.client().await;
    client.say("quick").await;
    assert_eq!(wait_reply(&mut client, "quick").await, "quick None");
    assert!(
        pending(&client).is_none(),
        "the question ended with its timeout"
    );
    client.say("strict").await;
    assert_eq!(
        wait_reply(&mut client, "strict").await,
        "strict timed out: true"
    );
}

#[tokio::test]
async fn action_questions_take_one_of_the_offered_actions() {
    let app = TestApp::start(asker()).await;
    let mut client = app.client().await;
    let ask = start_asking(&mut client, "action").await;
    let AskKind::Action { actions } = &ask.kind else {
        panic!("{ask:?}")
    };
    let no = actions.iter().find(|a| a.name == "no").unwrap().id.clone();

    client
        .send(&ClientEvent::Answer {
            id: ask.id.clone(),
            answer: AskAnswer::Action {
                action_id: "made-up".into(),
            },
        })
        .await;
    client
        .wait_for(|c| c.error_codes().contains(&ErrorCode::InvalidAnswer))
        .await;
    assert!(
        pending(&client).is_some(),
        "a wrong answer leaves the question open"
    );

    client
        .send(&ClientEvent::Answer {
            id: ask.id.clone(),
            answer: AskAnswer::Action { action_id: no },
        })
        .await;
    assert_eq!(
        wait_reply(&mut client, "picked").await,
        "picked Some(\"no\")"
    );
    let question = client.steps.iter().find(|s| s.id == ask.for_id).unwrap();
    assert_eq!(question.output, "Pick\n\n**Selected:** No");
}

#[tokio::test]
async fn forms_are_validated_on_the_server_too() {
    let app = TestApp::start(asker()).await;
    let mut client = app.client().await;
    let ask = start_asking(&mut client, "form").await;
    let answer = |values: serde_json::Value| ClientEvent::Answer {
        id: ask.id.clone(),
        answer: AskAnswer::Form {
            values: values.as_object().cloned().unwrap(),
        },
    };
    for bad in [
        json!({"guests": 2, "room": "hall"}),    // name required
        json!({"name": "Ada", "guests": 99}),    // out of range
        json!({"name": "Ada", "room": "attic"}), // not an option
        json!({"name": "Ada", "extra": true}),   // unknown field
    ] {
        let errors = client.error_codes().len();
        client.send(&answer(bad)).await;
        client.wait_for(|c| c.error_codes().len() > errors).await;
        assert_eq!(client.error_codes().last(), Some(&ErrorCode::InvalidAnswer));
    }
    client
        .send(&answer(
            json!({"name": "Ada", "guests": 3, "room": "garden"}),
        ))
        .await;
    let reply = wait_reply(&mut client, "booked").await;
    // The values keep the order they were given in.
    assert_eq!(reply, r#"booked {"name":"Ada","guests":3,"room":"garden"}"#);
    let summary = client
        .messages_of(StepType::UserMessage)
        .last()
        .unwrap()
        .output
        .clone();
    assert_eq!(summary, "Name: Ada\nGuests: 3\nRoom: garden");
}

#[tokio::test]
async fn file_questions_check_size_and_real_type_then_hand_over_the_files() {
    let app = TestApp::start(asker()).await;
    let mut client = app.client().await;
    let ask = start_asking(&mut client, "file").await;
    let session = client.session_id.clone();
    let png = b"\x89PNG\r\n\x1a\n rest of a png".to_vec();

    // Too large, a program dressed as a picture, a question not asked.
    let (status, body) = upload(
        &app,
        &session,
        "big.png",
        Some(&ask.id),
        vec![0x89; 1024 * 1024 + 1],
    )
    .await;
    assert_eq!(status, 413, "{body}");
    assert!(body["error"].as_str().unwrap().contains("1 MB"), "{body}");
    let (status, body) = upload(
        &app,
        &session,
        "cat.png",
        Some(&ask.id),
        b"\x7fELF\x02\x01\x01".to_vec(),
    )
    .await;
    assert_eq!(status, 415, "{body}");
    let (status, _) = upload(&app, &session, "cat.png", Some("other"), png.clone()).await;
    assert_eq!(status, 404);
    let (status, _) = upload(&app, "not-a-session", "cat.png", Some(&ask.id), png.clone()).await;
    assert_eq!(status, 404);

    let (status, uploaded) =
        upload(&app, &session, "../../cat.png", Some(&ask.id), png.clone()).await;
    assert_eq!(status, 200, "{uploaded}");
    assert_eq!(uploaded["name"], "cat.png");
    assert_eq!(uploaded["mime"], "image/png");
    let id = uploaded["id"].as_str().unwrap().to_string();
    // The upload is stored under its generated id only.
    assert!(app.data_dir.join("files").join(&id).exists());

    client
        .send(&ClientEvent::Answer {
            id: ask.id.clone(),
            answer: AskAnswer::File {
                files: vec![id.clone()],
            },
        })
        .await;
    let reply = wait_reply(&mut client, "got").await;
    assert_eq!(reply, format!("got [cat.png image/png {}]", png.len()));
    // The answer is a user message carrying the file as an element.
    let answer = client
        .messages_of(StepType::UserMessage)
        .last()
        .unwrap()
        .id
        .clone();
    let element = client.elements.iter().find(|e| e.id == id).unwrap();
    assert_eq!(element.for_id.as_deref(), Some(answer.as_str()));
    // An upload answers once.
    let (status, _) = upload(&app, &session, "late.png", Some(&ask.id), png).await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn spontaneous_uploads_follow_the_configuration_and_reach_on_message() {
    let app = TestApp::start_with(asker(), config(&[".csv", "application/pdf"], 1)).await;
    let mut client = app.client().await;
    client.wait_for(|c| !c.session_id.is_empty()).await;
    let session = client.session_id.clone();

    let (status, body) = upload(
        &app,
        &session,
        "evil.csv",
        None,
        b"MZ\x90\x00binary".to_vec(),
    )
    .await;
    assert_eq!(status, 415, "{body}");
    assert!(body["error"]
        .as_str()
        .unwrap()
        .contains("not an accepted type"));
    let (status, _) = upload(&app, &session, "notes.txt", None, b"plain".to_vec()).await;
    assert_eq!(status, 415);
    // Over the limit, also when the size is not announced up front.
    let chunks =
        futures_util::stream::iter((0..17).map(|_| Ok::<_, std::io::Error>(vec![b'a'; 64 * 1024])));
    let response = reqwest::Client::new()
        .post(app.url(&format!("/api/sessions/{session}/files?name=big.csv")))
        .body(reqwest::Body::wrap_stream(chunks))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 413);

    let (status, csv) = upload(&app, &session, "data.csv", None, b"a,b\n1,2\n".to_vec()).await;
    assert_eq!(status, 200, "{csv}");
    assert_eq!(csv["mime"], "text/csv");
    let (status, pdf) = upload(&app, &session, "doc.pdf", None, b"%PDF-1.4 x".to_vec()).await;
    assert_eq!(status, 200, "{pdf}");

    // A file that was not uploaded here is refused, and nothing is posted.
    client
        .send(&ClientEvent::Send {
            content: "look".into(),
            files: vec!["nope".into()],
            command: None,
        })
        .await;
    client
        .wait_for(|c| c.error_codes().contains(&ErrorCode::InvalidAnswer))
        .await;
    assert!(client.messages_of(StepType::UserMessage).is_empty());

    let ids: Vec<String> = [&csv, &pdf]
        .iter()
        .map(|v| v["id"].as_str().unwrap().to_string())
        .collect();
    client
        .send(&ClientEvent::Send {
            content: "look".into(),
            files: ids.clone(),
            command: None,
        })
        .await;
    let reply = wait_reply(&mut client, "message").await;
    assert_eq!(
        reply,
        "message \"look\" with [data.csv text/csv 8; doc.pdf application/pdf 10]"
    );
    let kinds: Vec<&str> = client.elements.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(kinds, ["file", "pdf"]);

    // Sent once: the same ids cannot be sent again.
    client
        .send(&ClientEvent::Send {
            content: "again".into(),
            files: ids,
            command: None,
        })
        .await;
    client
        .wait_for(|c| {
            c.error_codes()
                .iter()
                .filter(|e| **e == ErrorCode::InvalidAnswer)
                .count()
                == 2
        })
        .await;

    // Turned off: refused.
    let off = {
        let mut config = config(&["*/*"], 1);
        config.features.spontaneous_file_upload.enabled = false;
        TestApp::start_with(asker(), config).await
    };
    let mut other = off.client().await;
    other.wait_for(|c| !c.session_id.is_empty()).await;
    let (status, _) = upload(&off, &other.session_id, "a.csv", None, b"a".to_vec()).await;
    assert_eq!(status, 403);
}

#[tokio::test]
async fn stopping_a_run_ends_its_question() {
    let app = TestApp::start(asker()).await;
    let mut client = app.client().await;
    start_asking(&mut client, "text").await;
    client.send(&ClientEvent::Stop).await;
    client.wait_for(|c| pending(c).is_none()).await;
    // The composer sends ordinary messages again.
    client.say("after").await;
    assert_eq!(
        wait_reply(&mut client, "message").await,
        "message \"after\" with []"
    );
}
