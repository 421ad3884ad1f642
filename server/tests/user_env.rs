//! `[project] user_env`: the values a user gives in the browser reach the
//! app's hooks (`Chat::user_env`), only for the configured keys, and never
//! the database, the files or the server's log.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use loquat::config::Config;
use loquat::protocol::{ClientEvent, StepType, UserEnv};
use loquat::{Chat, Loquat, Message};
use support::process::{free_port, loquat_logging_to};
use support::{Client, TempDir, TestApp};

const SECRET: &str = "sk-test-7f3a9c0d5e1b";

fn env() -> UserEnv {
    UserEnv::from([
        ("OPENAI_API_KEY".to_string(), SECRET.to_string()),
        ("PATH".to_string(), "/not/asked/for".to_string()),
    ])
}

async fn hello_with_env(addr: std::net::SocketAddr) -> Client {
    let mut client = Client::connect_raw_pub(addr).await;
    client
        .send(&ClientEvent::Hello {
            session_id: None,
            last_seq: None,
            thread_id: None,
            user_env: env(),
            chat_profile: None,
        })
        .await;
    client.wait_for(|c| !c.session_id.is_empty()).await;
    client
}

#[tokio::test]
async fn hooks_read_the_configured_values_only() {
    let app = Loquat::new().on_message(|chat: Chat, _msg: Message| async move {
        let env = chat.user_env();
        let key = env.get("OPENAI_API_KEY").map_or(0, String::len);
        let text = format!(
            "key of {key} chars; PATH given: {}",
            env.contains_key("PATH")
        );
        chat.send(Message::assistant(text)).await?;
        Ok(())
    });
    let mut config = Config::default();
    config.project.user_env = vec!["OPENAI_API_KEY".into()];
    let app = TestApp::start_with(app, config).await;
    let mut client = hello_with_env(app.addr).await;
    client.say("hi").await;
    let expected = format!("key of {} chars; PATH given: false", SECRET.len());
    client
        .wait_for(|c| c.steps.iter().any(|s| s.output == expected))
        .await;
}

#[tokio::test]
async fn the_values_never_reach_the_database_the_files_or_the_log() {
    let dir = TempDir::new();
    let log_path = dir.path.join("server.log");
    let log = std::fs::File::create(&log_path).unwrap();
    let port = free_port();
    let server = loquat_logging_to(
        port,
        &dir,
        &[
            ("LOQUAT_USER_ENV", "OPENAI_API_KEY".into()),
            ("LOQUAT_LOG", "debug".into()),
        ],
        log,
    )
    .await;
    let addr = format!("127.0.0.1:{port}").parse().unwrap();
    let mut client = hello_with_env(addr).await;
    client.say("hello there").await;
    client
        .wait_for(|c| {
            c.steps.iter().any(|s| {
                s.step_type == StepType::AssistantMessage && !s.streaming && s.end.is_some()
            })
        })
        .await;
    // The conversation is stored (so the check below looks at real data).
    let export = reqwest::get(format!(
        "http://127.0.0.1:{port}/api/threads/{}/export",
        client.thread_id
    ))
    .await
    .unwrap();
    assert_eq!(export.status().as_u16(), 200);
    assert!(!export.text().await.unwrap().contains(SECRET));
    client.drop_connection().await;
    drop(server);

    let mut checked = 0;
    let mut stack = vec![dir.path.clone()];
    while let Some(path) = stack.pop() {
        if path.is_dir() {
            stack.extend(std::fs::read_dir(&path).unwrap().map(|e| e.unwrap().path()));
            continue;
        }
        let bytes = std::fs::read(&path).unwrap();
        assert!(
            !bytes.windows(SECRET.len()).any(|w| w == SECRET.as_bytes()),
            "{} holds the user's value",
            path.display()
        );
        checked += 1;
    }
    assert!(checked >= 2, "the database and the log were checked");
    let log = std::fs::read_to_string(&log_path).unwrap();
    assert!(
        log.contains("DEBUG") || log.contains("INFO"),
        "the log is there: {log}"
    );
}
