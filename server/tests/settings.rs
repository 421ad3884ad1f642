//! Chat settings through a real server, a real WebSocket and a real SQLite
//! file: declared by a hook, saved by the user and checked against the
//! declaration (a refused save changes nothing and runs no hook), read into
//! the app's own struct, and restored when the thread is resumed after a
//! restart.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use loquat::config::Config;
use loquat::protocol::{ClientEvent, ErrorCode, StepType};
use loquat::{Chat, ChatSettings, Choice, Input, Loquat, Message, SettingsValues};
use serde::Deserialize;
use support::{Client, TempDir, TestApp};

#[derive(Debug, Deserialize)]
struct Tuning {
    model: String,
    temperature: f64,
    stream: bool,
    stop: Vec<String>,
}

fn form() -> ChatSettings {
    ChatSettings::new()
        .tab("Model")
        .input(Input::select(
            "model",
            "Model",
            [
                Choice::labeled("Small", "small"),
                Choice::labeled("Large", "large"),
            ],
        ))
        .input(
            Input::slider("temperature", "Temperature", 0.0, 2.0)
                .step(0.1)
                .initial(0.7),
        )
        .tab("Output")
        .input(Input::switch("stream", "Stream").initial(true))
        .input(Input::tags("stop", "Stop words"))
}

/// Declares the settings at start; says what it reads on save and on
/// every message (from `chat.settings::<Tuning>()`).
fn settings_app() -> Loquat {
    Loquat::new()
        .on_chat_start(|chat: Chat| async move {
            chat.set_settings(form()).await?;
            Ok(())
        })
        .on_settings_update(|chat: Chat, values: SettingsValues| async move {
            let t: Tuning = values.parse()?;
            chat.send(Message::assistant(format!(
                "saved {} {} {} {:?}",
                t.model, t.temperature, t.stream, t.stop
            )))
            .await?;
            Ok(())
        })
        .on_message(|chat: Chat, _msg: Message| async move {
            let t: Tuning = chat.settings()?;
            chat.send(Message::assistant(format!(
                "using {} at {}",
                t.model, t.temperature
            )))
            .await?;
            Ok(())
        })
        .on_chat_resume(|chat: Chat, _thread| async move {
            // The app declares its form again; the user's values stay.
            chat.set_settings(form()).await?;
            chat.send(Message::system("resumed")).await?;
            Ok(())
        })
}

fn values(json: serde_json::Value) -> serde_json::Map<String, serde_json::Value> {
    json.as_object().cloned().unwrap_or_default()
}

fn assistant_says(client: &Client, text: &str) -> bool {
    client
        .messages_of(StepType::AssistantMessage)
        .iter()
        .any(|s| s.output == text)
}

async fn declared(app: &TestApp) -> Client {
    let mut client = app.client().await;
    client.wait_for(|c| c.settings.is_some()).await;
    client
}

#[tokio::test]
async fn a_save_is_checked_kept_and_read_into_the_apps_struct() {
    let app = TestApp::start(settings_app()).await;
    let mut client = declared(&app).await;
    let settings = client.settings.clone().unwrap();
    assert_eq!(settings.tabs.len(), 2);
    assert_eq!(
        serde_json::Value::Object(settings.values.clone()),
        serde_json::json!({"model": "small", "temperature": 0.7, "stream": true, "stop": []})
    );

    client
        .send(&ClientEvent::UpdateSettings {
            values: values(
                serde_json::json!({"model": "large", "temperature": 1.2, "stop": ["END"]}),
            ),
        })
        .await;
    client
        .wait_for(|c| assistant_says(c, r#"saved large 1.2 true ["END"]"#))
        .await;
    assert_eq!(client.settings.as_ref().unwrap().values["model"], "large");

    // Later hooks read the saved values.
    client.say("hello").await;
    client
        .wait_for(|c| assistant_says(c, "using large at 1.2"))
        .await;
    // Another tab of the same chat gets them with its snapshot.
    let mut other = Client::connect(app.addr, Some(client.session_id.clone()), None).await;
    other.wait_for(|c| c.snapshots > 0).await;
    assert_eq!(other.settings.as_ref().unwrap().values["temperature"], 1.2);
    app.stop().await;
}

#[tokio::test]
async fn a_value_that_does_not_fit_is_refused_and_nothing_changes() {
    let app = TestApp::start(settings_app()).await;
    let mut client = declared(&app).await;
    let before = client.settings.clone();
    let refused = [
        serde_json::json!({"temperature": 2.5}),
        serde_json::json!({"temperature": 0.75}),
        serde_json::json!({"model": "huge"}),
        serde_json::json!({"stream": "yes"}),
        serde_json::json!({"modle": "large"}),
        serde_json::json!({"model": "large", "temperature": -1}),
    ];
    for (n, bad) in refused.iter().enumerate() {
        client
            .send(&ClientEvent::UpdateSettings {
                values: values(bad.clone()),
            })
            .await;
        client.wait_for(|c| c.errors.len() > n).await;
    }
    assert!(
        client
            .error_codes()
            .iter()
            .all(|code| *code == ErrorCode::InvalidSettings),
        "{:?}",
        client.errors
    );
    // The refusal says which input was wrong.
    let text = format!("{:?}", client.errors);
    assert!(
        text.contains("Temperature") && text.contains("modle"),
        "{text}"
    );
    // Nothing changed, no hook ran: a valid save afterwards is the first.
    client
        .send(&ClientEvent::UpdateSettings {
            values: values(serde_json::json!({"stream": false})),
        })
        .await;
    client
        .wait_for(|c| assistant_says(c, "saved small 0.7 false []"))
        .await;
    let saves = client
        .messages_of(StepType::AssistantMessage)
        .iter()
        .filter(|s| s.output.starts_with("saved"))
        .count();
    assert_eq!(saves, 1);
    assert_ne!(client.settings, before);
    app.stop().await;
}

#[tokio::test]
async fn a_chat_without_settings_refuses_a_save() {
    let app = TestApp::start(
        Loquat::new().on_message(|chat: Chat, _msg: Message| async move {
            chat.send(Message::assistant("ok")).await?;
            Ok(())
        }),
    )
    .await;
    let mut client = app.client().await;
    client
        .send(&ClientEvent::UpdateSettings {
            values: values(serde_json::json!({"model": "large"})),
        })
        .await;
    client.wait_for(|c| !c.errors.is_empty()).await;
    assert_eq!(client.error_codes(), vec![ErrorCode::FeatureDisabled]);
    app.stop().await;
}

#[tokio::test]
async fn saved_settings_come_back_when_the_thread_is_resumed_after_a_restart() {
    let dir = TempDir::new();
    let app = TestApp::start_in(settings_app(), Config::default(), &dir.path).await;
    let mut client = declared(&app).await;
    client.say("first").await;
    client
        .wait_for(|c| assistant_says(c, "using small at 0.7"))
        .await;
    client
        .send(&ClientEvent::UpdateSettings {
            values: values(serde_json::json!({"model": "large", "temperature": 0.2})),
        })
        .await;
    client
        .wait_for(|c| assistant_says(c, "saved large 0.2 true []"))
        .await;
    let thread_id = client.thread_id.clone();
    client.drop_connection().await;
    app.stop().await;

    let app = TestApp::start_in(settings_app(), Config::default(), &dir.path).await;
    let mut client = app.open_thread(&thread_id).await;
    assert!(client.errors.is_empty(), "{:?}", client.errors);
    client.wait_for(|c| c.snapshots > 0).await;
    // Shown with the thread, before any hook ran…
    let restored = client
        .settings
        .clone()
        .expect("settings restored with the thread");
    assert_eq!(restored.values["model"], "large");
    assert_eq!(restored.values["temperature"], 0.2);
    // …and kept when on_chat_resume declares the form again.
    client
        .wait_for(|c| c.steps.iter().any(|s| s.output == "resumed"))
        .await;
    client.say("again").await;
    client
        .wait_for(|c| assistant_says(c, "using large at 0.2"))
        .await;
    app.stop().await;
}
