//! The `loquat` binary's default app, in both modes, through a real server.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::sync::{Arc, Mutex};

use axum::extract::State;
use axum::response::IntoResponse;
use axum::routing::post;
use loquat::demo::{llm_app, offline_app, reply_text};
use loquat::llm::{LlmClient, LlmConfig};
use loquat::StepType;
use serde_json::{json, Value};
use support::TestApp;

#[tokio::test]
async fn the_offline_demo_streams_markdown_after_a_nested_tool_step_and_counts_earlier_messages() {
    let app = TestApp::start(offline_app(None)).await;
    let mut client = app.client().await;
    client.say("first").await;
    client.wait_for(|c| c.finished_replies().len() == 1).await;
    client.say("second").await;
    client.wait_for(|c| c.finished_replies().len() == 2).await;

    let plans: Vec<_> = client
        .steps
        .iter()
        .filter(|s| s.step_type == StepType::Run)
        .collect();
    let tools: Vec<_> = client
        .steps
        .iter()
        .filter(|s| s.name == "search_docs")
        .collect();
    assert_eq!(plans.len(), 2);
    assert_eq!(tools[0].parent_id.as_deref(), Some(plans[0].id.as_str()));
    assert_eq!(tools[0].output, "Found 3 documents");
    assert!(tools[0].input.contains("first"));
    let replies = client.finished_replies();
    assert_eq!(replies[0].output, reply_text("first", 0));
    // The second reply sees the first exchange: two earlier messages.
    assert_eq!(replies[1].output, reply_text("second", 2));
    let deltas = client
        .events
        .iter()
        .filter(|e| matches!(e, loquat::protocol::ServerEvent::StepDelta { .. }))
        .count();
    assert!(deltas >= 300, "streamed as tokens, got {deltas} deltas");
}

/// A minimal OpenAI-compatible endpoint: it answers with the number of
/// messages it received and reports usage, streamed as SSE chunks.
async fn fake_openai(seen: Arc<Mutex<Vec<Value>>>) -> String {
    async fn completions(
        State(seen): State<Arc<Mutex<Vec<Value>>>>,
        body: String,
    ) -> impl IntoResponse {
        let request: Value = serde_json::from_str(&body).unwrap();
        let messages = request["messages"].as_array().cloned().unwrap_or_default();
        let last = messages
            .last()
            .map(|m| m["content"].as_str().unwrap_or("").to_string())
            .unwrap_or_default();
        seen.lock().unwrap().push(request.clone());
        let mut sse = String::new();
        for piece in [
            format!("I got {} messages", messages.len()),
            format!(", last: {last}."),
        ] {
            let chunk = json!({"id":"c","object":"chat.completion.chunk","created":0,"model":"fake",
                "choices":[{"index":0,"delta":{"content":piece},"finish_reason":null}]});
            sse.push_str(&format!("data: {chunk}\n\n"));
        }
        let usage = json!({"id":"c","object":"chat.completion.chunk","created":0,"model":"fake","choices":[],
            "usage":{"prompt_tokens":11,"completion_tokens":7,"total_tokens":18}});
        sse.push_str(&format!("data: {usage}\n\ndata: [DONE]\n\n"));
        ([("content-type", "text/event-stream")], sse)
    }
    let router = axum::Router::new()
        .route("/v1/chat/completions", post(completions))
        .with_state(seen);
    let addr = support::serve_on_loopback(router).await;
    format!("http://{addr}/v1")
}

#[tokio::test]
async fn the_model_mode_streams_the_reply_with_the_whole_conversation_and_an_llm_step() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let base_url = fake_openai(seen.clone()).await;
    let config = LlmConfig {
        base_url,
        api_key: Some("test-key".into()),
        model: "fake-model".into(),
        temperature: None,
    };
    let app = TestApp::start(llm_app(LlmClient::new(config))).await;
    let mut client = app.client().await;
    client.say("hello").await;
    client.wait_for(|c| c.finished_replies().len() == 1).await;
    client.say("again").await;
    client
        .wait_for(|c| c.finished_replies().len() == 2 && c.run_ends().len() == 2)
        .await;

    let replies = client.finished_replies();
    assert_eq!(replies[0].output, "I got 1 messages, last: hello.");
    assert_eq!(replies[1].output, "I got 3 messages, last: again.");
    let llm_steps: Vec<_> = client
        .steps
        .iter()
        .filter(|s| s.step_type == StepType::Llm)
        .collect();
    assert_eq!(llm_steps.len(), 2);
    assert_eq!(llm_steps[0].name, "fake-model");
    assert!(
        llm_steps[0].output.contains("18 tokens"),
        "{}",
        llm_steps[0].output
    );
    let requests = seen.lock().unwrap();
    assert_eq!(requests[1]["messages"][1]["role"], "assistant");
    assert_eq!(requests[1]["model"], "fake-model");
}

#[tokio::test]
async fn an_unreachable_model_fails_the_step_and_says_so_in_the_chat() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead = listener.local_addr().unwrap();
    drop(listener);
    let config = LlmConfig {
        base_url: format!("http://{dead}/v1"),
        api_key: None,
        model: "m".into(),
        temperature: None,
    };
    let app = TestApp::start(llm_app(LlmClient::new(config))).await;
    let mut client = app.client().await;
    client.say("hello").await;
    client.wait_for(|c| c.run_ends().len() == 1).await;
    let step = client
        .steps
        .iter()
        .find(|s| s.step_type == StepType::Llm)
        .unwrap();
    assert!(step.is_error);
    let error = client
        .steps
        .iter()
        .find(|s| s.is_error && s.step_type == StepType::AssistantMessage)
        .unwrap();
    assert!(error.output.contains(&dead.to_string()), "{}", error.output);
}
