//! `loquat::llm` against a real local HTTP server speaking the OpenAI
//! streaming protocol.
// A failed unwrap is a clear test failure; the workspace denies it elsewhere.
#![allow(clippy::unwrap_used)]

use std::convert::Infallible;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use futures_util::StreamExt;
use loquat::llm::*;
use serde_json::{json, Value};
use tokio::sync::{mpsc, Notify};

const KEY: &str = "sk-test-123";
const MODEL: &str = "test-model";

/// How the fake endpoint behaves.
#[derive(Clone, Default)]
struct Fake {
    /// Honour `stream_options.include_usage`.
    report_usage: bool,
    /// Answer 400 to any request carrying `stream_options`.
    reject_stream_options: bool,
    /// After the first reply token, wait for this before sending the rest.
    gate: Option<Arc<Notify>>,
    /// Send an error object after the first reply token (then one more token).
    fail_mid_stream: bool,
    /// Every request body received, in order.
    requests: Arc<Mutex<Vec<Value>>>,
}

impl Fake {
    fn requests(&self) -> Vec<Value> {
        self.requests.lock().map(|r| r.clone()).unwrap_or_default()
    }
}

fn json_response(status: StatusCode, body: Value) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}

fn openai_error(status: StatusCode, message: &str, code: &str) -> Response {
    json_response(
        status,
        json!({"error": {"message": message, "type": "invalid_request_error", "param": null, "code": code}}),
    )
}

fn sse(value: &Value) -> Bytes {
    Bytes::from(format!("data: {value}\n\n"))
}

/// The reply the fake model gives, in the pieces it streams it as. It is
/// derived from the request so tests can tell the conversation was sent.
fn reply_pieces(messages: &[Value]) -> Vec<String> {
    let last_user = messages
        .iter()
        .rev()
        .find(|m| m["role"] == "user")
        .and_then(|m| m["content"].as_str())
        .unwrap_or("<none>");
    format!("Got {} messages. You said: {last_user}", messages.len())
        .split_inclusive(' ')
        .map(str::to_string)
        .collect()
}

fn prompt_tokens(messages: &[Value]) -> usize {
    messages
        .iter()
        .filter_map(|m| m["content"].as_str())
        .map(|c| c.split_whitespace().count())
        .sum()
}

async fn chat_completions(State(fake): State<Fake>, headers: HeaderMap, body: String) -> Response {
    let request: Value = match serde_json::from_str(&body) {
        Ok(v) => v,
        Err(e) => {
            return openai_error(
                StatusCode::BAD_REQUEST,
                &format!("bad JSON: {e}"),
                "bad_json",
            )
        }
    };
    if let Ok(mut seen) = fake.requests.lock() {
        seen.push(request.clone());
    }

    let auth = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    if auth != Some(format!("Bearer {KEY}").as_str()) {
        return openai_error(
            StatusCode::UNAUTHORIZED,
            "Incorrect API key provided: sk-wr***ng.",
            "invalid_api_key",
        );
    }
    let model = request["model"].as_str().unwrap_or_default().to_string();
    if model == "llama-missing" {
        // Ollama's dialect: the error is a bare string.
        return json_response(
            StatusCode::NOT_FOUND,
            json!({"error": "model \"llama-missing\" not found, try pulling it first"}),
        );
    }
    if model != MODEL {
        return openai_error(
            StatusCode::NOT_FOUND,
            &format!("The model `{model}` does not exist or you do not have access to it."),
            "model_not_found",
        );
    }
    if request["stream"] != json!(true) {
        return openai_error(
            StatusCode::BAD_REQUEST,
            "this server only streams",
            "no_stream",
        );
    }
    if fake.reject_stream_options && request.get("stream_options").is_some() {
        return openai_error(
            StatusCode::BAD_REQUEST,
            "Unrecognized request argument supplied: stream_options",
            "unknown_parameter",
        );
    }
    let Some(messages) = request["messages"].as_array().cloned() else {
        return openai_error(StatusCode::BAD_REQUEST, "messages missing", "no_messages");
    };
    let with_usage = fake.report_usage && request["stream_options"]["include_usage"] == json!(true);

    let (tx, rx) = mpsc::channel::<Bytes>(4);
    tokio::spawn(async move {
        let chunk = |delta: Value, finish: Value| {
            let mut c = json!({
                "id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 1,
                "model": MODEL,
                "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
            });
            if with_usage {
                c["usage"] = Value::Null;
            }
            c
        };
        let pieces = reply_pieces(&messages);
        let mut writes = vec![sse(&chunk(
            json!({"role": "assistant", "content": ""}),
            Value::Null,
        ))];
        for (i, piece) in pieces.iter().enumerate() {
            let event = sse(&chunk(json!({"content": piece}), Value::Null));
            if i == 1 {
                // One event split across two writes.
                let (head, tail) = event.split_at(event.len() / 2);
                writes.push(Bytes::copy_from_slice(head));
                writes.push(Bytes::copy_from_slice(tail));
            } else {
                writes.push(event);
            }
        }
        let first_piece = 2; // the role chunk, then the first token
        for (i, bytes) in writes.into_iter().enumerate() {
            if tx.send(bytes).await.is_err() {
                return;
            }
            if i + 1 == first_piece {
                if fake.fail_mid_stream {
                    let error = json!({"error": {"message": "The server had an error while processing your request.", "type": "server_error"}});
                    let _ = tx.send(sse(&error)).await;
                    // Text after the error must not reach the caller.
                    let _ = tx
                        .send(sse(&chunk(json!({"content": "late"}), Value::Null)))
                        .await;
                    let _ = tx.send(Bytes::from_static(b"data: [DONE]\n\n")).await;
                    return;
                }
                if let Some(gate) = &fake.gate {
                    gate.notified().await;
                }
            }
        }
        let _ = tx.send(sse(&chunk(json!({}), json!("stop")))).await;
        if with_usage {
            let prompt = prompt_tokens(&messages);
            let usage = json!({
                "id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 1, "model": MODEL,
                "choices": [],
                "usage": {"prompt_tokens": prompt, "completion_tokens": pieces.len(), "total_tokens": prompt + pieces.len()},
            });
            let _ = tx.send(sse(&usage)).await;
        }
        let _ = tx.send(Bytes::from_static(b"data: [DONE]\n\n")).await;
    });

    let body = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv()
            .await
            .map(|bytes| (Ok::<_, Infallible>(bytes), rx))
    });
    Response::builder()
        .header(header::CONTENT_TYPE, "text/event-stream")
        .body(Body::from_stream(body))
        .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
}

/// Starts the fake endpoint; it accepts connections as soon as this returns.
async fn start(fake: Fake) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = Router::new()
        .route("/v1/chat/completions", post(chat_completions))
        .with_state(fake);
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{addr}/v1")
}

fn client(base_url: &str, api_key: &str, model: &str) -> LlmClient {
    LlmClient::new(LlmConfig {
        base_url: base_url.to_string(),
        api_key: Some(api_key.to_string()),
        model: model.to_string(),
        temperature: Some(0.5),
    })
}

/// Fails the test instead of hanging it.
async fn within<T>(what: &str, fut: impl Future<Output = T>) -> T {
    match tokio::time::timeout(Duration::from_secs(10), fut).await {
        Ok(value) => value,
        Err(_) => panic!("timed out waiting for {what}"),
    }
}

async fn collect(mut stream: LlmStream) -> Vec<LlmEvent> {
    let mut events = Vec::new();
    while let Some(event) = within("the next event", stream.next()).await {
        events.push(event.unwrap());
    }
    events
}

fn conversation() -> Vec<ChatMessage> {
    vec![
        ChatMessage::system("Be brief."),
        ChatMessage::user("first question"),
        ChatMessage::assistant("first answer"),
        ChatMessage::user("What is a loquat?"),
    ]
}

fn deltas(events: &[LlmEvent]) -> Vec<String> {
    events
        .iter()
        .filter_map(|e| match e {
            LlmEvent::Delta(text) => Some(text.clone()),
            _ => None,
        })
        .collect()
}

fn usages(events: &[LlmEvent]) -> Vec<Usage> {
    events
        .iter()
        .filter_map(|e| match e {
            LlmEvent::Usage(usage) => Some(*usage),
            _ => None,
        })
        .collect()
}

#[tokio::test]
async fn streams_the_reply_piece_by_piece_with_usage() {
    let gate = Arc::new(Notify::new());
    let fake = Fake {
        report_usage: true,
        gate: Some(gate.clone()),
        ..Fake::default()
    };
    let base_url = start(fake.clone()).await;
    let client = client(&base_url, KEY, MODEL);
    assert_eq!(client.model(), MODEL);

    let mut stream = within("the request", client.stream_chat(&conversation()))
        .await
        .unwrap();
    // The server holds the rest of the reply back until we have the first
    // token, so this only passes if tokens are handed over as they arrive.
    let first = within("the first token", stream.next()).await;
    assert_eq!(
        first.map(|r| r.unwrap()),
        Some(LlmEvent::Delta("Got ".into()))
    );
    gate.notify_one();
    let rest = collect(stream).await;

    let expected = "Got 4 messages. You said: What is a loquat?";
    let mut pieces = vec!["Got ".to_string()];
    pieces.extend(deltas(&rest));
    assert_eq!(pieces.concat(), expected);
    assert_eq!(pieces.len(), expected.split_inclusive(' ').count());
    assert!(pieces.iter().all(|p| !p.is_empty()));

    let prompt = "Be brief. first question first answer What is a loquat?"
        .split_whitespace()
        .count() as u32;
    let completion = pieces.len() as u32;
    assert_eq!(
        usages(&rest),
        vec![Usage {
            prompt_tokens: prompt,
            completion_tokens: completion,
            total_tokens: prompt + completion
        }]
    );
    assert!(matches!(rest.last(), Some(LlmEvent::Usage(_))));

    let requests = fake.requests();
    assert_eq!(requests.len(), 1);
    let sent = &requests[0];
    assert_eq!(sent["stream_options"]["include_usage"], json!(true));
    assert_eq!(sent["temperature"], json!(0.5));
    assert_eq!(
        sent["messages"],
        json!([
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": "first question"},
            {"role": "assistant", "content": "first answer"},
            {"role": "user", "content": "What is a loquat?"},
        ])
    );
}

#[tokio::test]
async fn http_errors_carry_the_servers_message() {
    let base_url = start(Fake::default()).await;
    let question = [ChatMessage::user("hi")];

    let bad_key = client(&base_url, "sk-wrong", MODEL);
    let err = within("401", bad_key.stream_chat(&question))
        .await
        .err()
        .unwrap();
    assert_eq!(err.status(), Some(401), "{err}");
    assert!(
        err.to_string().contains("Incorrect API key provided"),
        "{err}"
    );
    assert!(err.to_string().contains("(401)"), "{err}");

    let unknown_model = client(&base_url, KEY, "gpt-nope");
    let err = within("404", unknown_model.stream_chat(&question))
        .await
        .err()
        .unwrap();
    assert_eq!(err.status(), Some(404), "{err}");
    let text = err.to_string();
    assert!(
        text.starts_with("model `gpt-nope` not found (404): "),
        "{text}"
    );
    assert!(
        text.contains("The model `gpt-nope` does not exist"),
        "{text}"
    );

    // A non-OpenAI error body keeps its status and message too.
    let ollama_style = client(&base_url, KEY, "llama-missing");
    let err = within("404", ollama_style.stream_chat(&question))
        .await
        .err()
        .unwrap();
    assert_eq!(err.status(), Some(404), "{err}");
    assert!(err.to_string().contains("try pulling it first"), "{err}");

    // A base URL without the API root.
    let wrong_root = client(base_url.trim_end_matches("/v1"), KEY, MODEL);
    let err = within("404", wrong_root.stream_chat(&question))
        .await
        .err()
        .unwrap();
    assert_eq!(err.status(), Some(404), "{err}");
    assert!(err.to_string().contains("LOQUAT_LLM_BASE_URL"), "{err}");
}

#[tokio::test]
async fn refused_connection_is_a_connection_error() {
    // A port that was just free: nothing listens there any more.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let base_url = format!("http://{addr}/v1");

    let client = client(&base_url, KEY, MODEL);
    let err = within(
        "the refusal",
        client.stream_chat(&[ChatMessage::user("hi")]),
    )
    .await
    .err()
    .unwrap();
    assert!(err.is_connection(), "{err:?}");
    assert!(matches!(err, LlmError::ConnectionRefused { .. }), "{err:?}");
    assert_eq!(
        err.to_string(),
        format!("LLM endpoint {base_url} refused the connection (is the server running?)")
    );
}

#[tokio::test]
async fn endpoint_without_usage_yields_no_usage_event() {
    let fake = Fake::default();
    let base_url = start(fake.clone()).await;
    let client = client(&base_url, KEY, MODEL);

    let stream = within(
        "the request",
        client.stream_chat(&[ChatMessage::user("ping")]),
    )
    .await
    .unwrap();
    let events = collect(stream).await;
    assert_eq!(deltas(&events).concat(), "Got 1 messages. You said: ping");
    assert!(deltas(&events).len() > 1);
    assert_eq!(usages(&events), vec![]);
    // Usage was asked for; the endpoint just didn't report it.
    assert_eq!(
        fake.requests()[0]["stream_options"]["include_usage"],
        json!(true)
    );
}

#[tokio::test]
async fn endpoint_rejecting_stream_options_is_asked_again_without() {
    let fake = Fake {
        report_usage: true,
        reject_stream_options: true,
        ..Fake::default()
    };
    let base_url = start(fake.clone()).await;
    let client = client(&base_url, KEY, MODEL);

    for question in ["one", "two"] {
        let stream = within(
            "the request",
            client.stream_chat(&[ChatMessage::user(question)]),
        )
        .await
        .unwrap();
        let events = collect(stream).await;
        assert_eq!(
            deltas(&events).concat(),
            format!("Got 1 messages. You said: {question}")
        );
        assert_eq!(usages(&events), vec![]);
    }
    // Rejected once, then remembered for the second reply.
    let with_options: Vec<bool> = fake
        .requests()
        .iter()
        .map(|r| r.get("stream_options").is_some())
        .collect();
    assert_eq!(with_options, vec![true, false, false]);
}

#[tokio::test]
async fn error_in_the_middle_of_the_stream_ends_it() {
    let fake = Fake {
        fail_mid_stream: true,
        ..Fake::default()
    };
    let base_url = start(fake).await;
    let client = client(&base_url, KEY, MODEL);

    let mut stream = within("the request", client.stream_chat(&[ChatMessage::user("x")]))
        .await
        .unwrap();
    let first = within("the first token", stream.next()).await;
    assert_eq!(
        first.map(|r| r.unwrap()),
        Some(LlmEvent::Delta("Got ".into()))
    );
    let second = within("the error", stream.next()).await;
    match second {
        Some(Err(LlmError::Remote(message))) => {
            assert!(
                message.contains("had an error while processing"),
                "{message}"
            )
        }
        other => panic!("expected a remote error, got {other:?}"),
    }
    assert!(within("the end", stream.next()).await.is_none());
}

fn vars(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[test]
fn config_from_env_vars() {
    // Disabled unless one of the three enabling variables is non-empty.
    assert_eq!(LlmConfig::from_env_vars(vars(&[])), None);
    assert_eq!(
        LlmConfig::from_env_vars(vars(&[
            ("OPENAI_API_KEY", ""),
            ("LOQUAT_LLM_MODEL", "  "),
            ("LOQUAT_LLM_API_KEY", "sk-only-this"),
            ("OPENAI_BASE_URL", "http://elsewhere/v1"),
        ])),
        None
    );

    // OpenAI key alone: OpenAI defaults.
    assert_eq!(
        LlmConfig::from_env_vars(vars(&[("OPENAI_API_KEY", "sk-1")])),
        Some(LlmConfig {
            base_url: DEFAULT_BASE_URL.into(),
            api_key: Some("sk-1".into()),
            model: DEFAULT_MODEL.into(),
            temperature: None,
        })
    );
    assert_eq!(DEFAULT_BASE_URL, "https://api.openai.com/v1");
    assert_eq!(DEFAULT_MODEL, "gpt-4o-mini");

    // Local server, no key.
    assert_eq!(
        LlmConfig::from_env_vars(vars(&[(
            "LOQUAT_LLM_BASE_URL",
            "http://localhost:11434/v1"
        )])),
        Some(LlmConfig {
            base_url: "http://localhost:11434/v1".into(),
            api_key: None,
            model: DEFAULT_MODEL.into(),
            temperature: None,
        })
    );

    // Model alone enables; OPENAI_BASE_URL is the fallback base URL.
    let config = LlmConfig::from_env_vars(vars(&[
        ("LOQUAT_LLM_MODEL", "mistral-small-latest"),
        ("OPENAI_BASE_URL", "https://api.mistral.ai/v1"),
    ]))
    .unwrap();
    assert_eq!(config.model, "mistral-small-latest");
    assert_eq!(config.base_url, "https://api.mistral.ai/v1");
    assert_eq!(config.api_key, None);

    // Loquat's own variables win over OpenAI's.
    let config = LlmConfig::from_env_vars(vars(&[
        ("OPENAI_API_KEY", "sk-openai"),
        ("LOQUAT_LLM_API_KEY", "sk-loquat"),
        ("OPENAI_BASE_URL", "http://openai-base/v1"),
        ("LOQUAT_LLM_BASE_URL", "http://loquat-base/v1"),
        ("LOQUAT_LLM_TEMPERATURE", "0.3"),
    ]))
    .unwrap();
    assert_eq!(config.api_key.as_deref(), Some("sk-loquat"));
    assert_eq!(config.base_url, "http://loquat-base/v1");
    assert_eq!(config.model, DEFAULT_MODEL);
    assert_eq!(config.temperature, Some(0.3));
}
