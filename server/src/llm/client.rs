//! The streaming chat client.

use std::collections::VecDeque;
use std::fmt;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use async_openai::config::Config;
use async_openai::error::OpenAIError;
use async_openai::middleware::retry::OpenAIRetryLayer;
use async_openai::middleware::ReqwestService;
use async_openai::types::chat::{
    ChatCompletionMessageToolCall, ChatCompletionMessageToolCalls,
    ChatCompletionRequestAssistantMessage, ChatCompletionRequestMessage,
    ChatCompletionRequestSystemMessage, ChatCompletionRequestToolMessage,
    ChatCompletionRequestUserMessage, ChatCompletionStreamOptions, ChatCompletionTool,
    ChatCompletionTools, CreateChatCompletionRequest, FunctionCall, FunctionObject,
};
use futures_util::{Stream, StreamExt};
use reqwest::header::{HeaderMap, HeaderValue, AUTHORIZATION};
use secrecy::SecretString;

use super::chunk::Chunk;
use super::config::LlmConfig;
use super::error::{ErrorContext, HttpStatusError, LlmError};
use super::message::{ChatMessage, LlmEvent, Role};
use super::tools::{LlmTool, ToolCallsInProgress, Turn};

/// The reply stream returned by [`LlmClient::stream_chat`].
///
/// It ends after the model's last token, or right after yielding an error.
pub type LlmStream = Pin<Box<dyn Stream<Item = Result<LlmEvent, LlmError>> + Send + 'static>>;

/// Bounds the wait for an unreachable host; the reply itself may take as long
/// as the model needs, so there is no overall request timeout.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Enough of an error body for any real error message, without reading a
/// runaway response whole.
const MAX_ERROR_BODY: usize = 64 * 1024;

/// Streams chat replies from an OpenAI-compatible endpoint.
///
/// Cheap to clone: clones share one connection pool.
///
/// ```
/// use loquat::llm::{LlmClient, LlmConfig};
/// let client = LlmClient::new(LlmConfig {
///     base_url: "http://localhost:11434/v1".into(),
///     api_key: None,
///     model: "llama3.2".into(),
///     temperature: None,
/// });
/// assert_eq!(client.model(), "llama3.2");
/// ```
#[derive(Clone)]
pub struct LlmClient {
    inner: Arc<Inner>,
}

struct Inner {
    config: LlmConfig,
    context: ErrorContext,
    /// A config that cannot work is reported by `stream_chat`, keeping `new`
    /// infallible.
    api: Result<async_openai::Client<Endpoint>, String>,
    /// Cleared once the endpoint rejects `stream_options`, so later requests
    /// don't pay for a second round trip.
    usage_in_stream: AtomicBool,
}

impl fmt::Debug for LlmClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LlmClient")
            .field("base_url", &self.inner.config.base_url)
            .field("model", &self.inner.config.model)
            .finish_non_exhaustive()
    }
}

impl LlmClient {
    /// Prepares a client; nothing is sent until [`LlmClient::stream_chat`].
    ///
    /// An unusable configuration (e.g. a base URL without `http://`) is
    /// reported as [`LlmError::InvalidConfig`] by the first request.
    ///
    /// ```
    /// # use loquat::llm::{LlmClient, LlmConfig};
    /// # let config = LlmConfig { base_url: "http://localhost:8000/v1".into(), api_key: None, model: "m".into(), temperature: None };
    /// let client = LlmClient::new(config);
    /// let same_pool = client.clone();
    /// # drop(same_pool);
    /// ```
    pub fn new(config: LlmConfig) -> Self {
        let api = build_api(&config);
        let context = ErrorContext {
            base_url: config.base_url.trim().trim_end_matches('/').to_string(),
            model: config.model.clone(),
        };
        Self {
            inner: Arc::new(Inner {
                config,
                context,
                api,
                usage_in_stream: AtomicBool::new(true),
            }),
        }
    }

    /// The model replies come from, e.g. for an "llm" step's title.
    ///
    /// ```
    /// # use loquat::llm::{LlmClient, LlmConfig};
    /// # let client = LlmClient::new(LlmConfig { base_url: "http://h/v1".into(), api_key: None, model: "mistral-small".into(), temperature: None });
    /// assert_eq!(client.model(), "mistral-small");
    /// ```
    pub fn model(&self) -> &str {
        &self.inner.config.model
    }

    /// The configuration this client was made with.
    ///
    /// ```
    /// # use loquat::llm::{LlmClient, LlmConfig};
    /// # let client = LlmClient::new(LlmConfig { base_url: "http://h/v1".into(), api_key: None, model: "m".into(), temperature: None });
    /// assert_eq!(client.config().base_url, "http://h/v1");
    /// ```
    pub fn config(&self) -> &LlmConfig {
        &self.inner.config
    }

    /// Streams the reply to `messages`, the conversation so far.
    ///
    /// Resolves once the endpoint has accepted the request, so HTTP errors
    /// (bad key, unknown model, unreachable server) come back here; the reply
    /// text then arrives through the stream piece by piece as the endpoint
    /// sends it. Token usage is requested in the stream
    /// (`stream_options.include_usage`); endpoints that reject that option are
    /// asked again without it, and endpoints that don't report usage simply
    /// yield no [`LlmEvent::Usage`].
    ///
    /// ```no_run
    /// use futures_util::StreamExt;
    /// use loquat::llm::{ChatMessage, LlmClient, LlmEvent};
    ///
    /// # async fn demo(client: LlmClient) -> Result<(), loquat::llm::LlmError> {
    /// let mut reply = client.stream_chat(&[ChatMessage::user("Hello!")]).await?;
    /// let mut text = String::new();
    /// while let Some(event) = reply.next().await {
    ///     if let LlmEvent::Delta(piece) = event? {
    ///         text.push_str(&piece);
    ///     }
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub async fn stream_chat(&self, messages: &[ChatMessage]) -> Result<LlmStream, LlmError> {
        let request = messages.iter().map(to_request_message).collect();
        self.stream(request, None).await
    }

    /// Like [`LlmClient::stream_chat`], offering the model `tools`: the
    /// stream ends with an [`LlmEvent::ToolCall`] for each call the model
    /// makes. Give the calls and their results back in `turns`
    /// ([`Turn::ToolCalls`], [`Turn::ToolResult`]) and ask again for the
    /// model's answer.
    ///
    /// ```no_run
    /// use futures_util::StreamExt;
    /// use loquat::llm::{ChatMessage, LlmClient, LlmEvent, LlmTool, Turn};
    ///
    /// # async fn demo(client: LlmClient) -> Result<(), loquat::llm::LlmError> {
    /// let tools = [LlmTool { name: "now".into(), description: None, parameters: serde_json::json!({"type": "object"}) }];
    /// let turns = [Turn::from(ChatMessage::user("What time is it?"))];
    /// let mut reply = client.stream_chat_with_tools(&turns, &tools).await?;
    /// while let Some(event) = reply.next().await {
    ///     if let LlmEvent::ToolCall(call) = event? {
    ///         println!("the model calls {} with {}", call.name, call.arguments);
    ///     }
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub async fn stream_chat_with_tools(
        &self,
        turns: &[Turn],
        tools: &[LlmTool],
    ) -> Result<LlmStream, LlmError> {
        let request = turns.iter().map(turn_message).collect();
        let tools = tools
            .iter()
            .map(|tool| {
                ChatCompletionTools::Function(ChatCompletionTool {
                    function: FunctionObject {
                        name: tool.name.clone(),
                        description: tool.description.clone(),
                        parameters: Some(tool.parameters.clone()),
                        strict: None,
                    },
                })
            })
            .collect::<Vec<_>>();
        self.stream(request, (!tools.is_empty()).then_some(tools))
            .await
    }

    async fn stream(
        &self,
        messages: Vec<ChatCompletionRequestMessage>,
        tools: Option<Vec<ChatCompletionTools>>,
    ) -> Result<LlmStream, LlmError> {
        let api = self
            .inner
            .api
            .as_ref()
            .map_err(|reason| LlmError::InvalidConfig(reason.clone()))?;
        if messages.is_empty() {
            return Err(LlmError::EmptyConversation);
        }
        tracing::debug!(
            model = %self.inner.config.model,
            base_url = %self.inner.context.base_url,
            messages = messages.len(),
            "streaming LLM reply"
        );

        let with_usage = self.inner.usage_in_stream.load(Ordering::Relaxed);
        let opened = match self.open(api, &messages, tools.as_ref(), with_usage).await {
            Err(err) if with_usage && rejects_stream_options(&err) => {
                tracing::info!(
                    base_url = %self.inner.context.base_url,
                    "LLM endpoint does not accept stream_options; not requesting token usage"
                );
                self.inner.usage_in_stream.store(false, Ordering::Relaxed);
                self.open(api, &messages, tools.as_ref(), false).await
            }
            other => other,
        };
        let chunks = opened.map_err(|err| self.inner.context.map(err))?;
        Ok(into_events(chunks, self.inner.context.clone()))
    }

    async fn open(
        &self,
        api: &async_openai::Client<Endpoint>,
        messages: &[ChatCompletionRequestMessage],
        tools: Option<&Vec<ChatCompletionTools>>,
        with_usage: bool,
    ) -> Result<ChunkStream, OpenAIError> {
        let config = &self.inner.config;
        let request = CreateChatCompletionRequest {
            model: config.model.clone(),
            messages: messages.to_vec(),
            tools: tools.cloned(),
            stream: Some(true),
            stream_options: with_usage.then(|| ChatCompletionStreamOptions {
                include_usage: Some(true),
                ..Default::default()
            }),
            temperature: config.temperature,
            ..Default::default()
        };
        // `byot` with our lenient `Chunk` instead of async-openai's strict
        // chunk type; see chunk.rs for why.
        api.chat().create_stream_byot::<_, Chunk>(&request).await
    }
}

type ChunkStream = Pin<Box<dyn Stream<Item = Result<Chunk, OpenAIError>> + Send>>;

/// A turn of a conversation with tools, as the API takes it.
fn turn_message(turn: &Turn) -> ChatCompletionRequestMessage {
    match turn {
        Turn::Message(message) => to_request_message(message),
        Turn::ToolCalls { text, calls } => ChatCompletionRequestAssistantMessage {
            content: (!text.is_empty()).then(|| text.clone().into()),
            tool_calls: Some(
                calls
                    .iter()
                    .map(|call| {
                        ChatCompletionMessageToolCalls::Function(ChatCompletionMessageToolCall {
                            id: call.id.clone(),
                            function: FunctionCall {
                                name: call.name.clone(),
                                arguments: call.arguments.clone(),
                            },
                        })
                    })
                    .collect(),
            ),
            ..Default::default()
        }
        .into(),
        Turn::ToolResult { call_id, content } => ChatCompletionRequestToolMessage {
            content: content.clone().into(),
            tool_call_id: call_id.clone(),
        }
        .into(),
    }
}

fn to_request_message(message: &ChatMessage) -> ChatCompletionRequestMessage {
    let content = message.content.clone();
    match message.role {
        Role::System => ChatCompletionRequestSystemMessage::from(content).into(),
        Role::User => ChatCompletionRequestUserMessage::from(content).into(),
        Role::Assistant => ChatCompletionRequestAssistantMessage::from(content).into(),
    }
}

/// Turns parsed chunks into events as they arrive, ending after the first error.
fn into_events(chunks: ChunkStream, context: ErrorContext) -> LlmStream {
    struct State {
        chunks: ChunkStream,
        pending: VecDeque<LlmEvent>,
        context: ErrorContext,
        /// The reply's tool calls, given whole once the stream ends.
        calls: Option<ToolCallsInProgress>,
        any_chunk: bool,
        failed: bool,
    }

    let state = State {
        chunks,
        pending: VecDeque::new(),
        context,
        calls: Some(ToolCallsInProgress::default()),
        any_chunk: false,
        failed: false,
    };
    Box::pin(futures_util::stream::unfold(
        state,
        |mut state| async move {
            loop {
                if let Some(event) = state.pending.pop_front() {
                    return Some((Ok(event), state));
                }
                if state.failed {
                    return None;
                }
                let error = match state.chunks.next().await {
                Some(Ok(mut chunk)) => {
                    state.any_chunk = true;
                    let added = chunk.take_tool_parts().into_iter().try_for_each(|part| {
                        state.calls.as_mut().map_or(Ok(()), |calls| calls.add(part))
                    });
                    if let Err(reason) = added {
                        state.failed = true;
                        return Some((Err(LlmError::Protocol(reason)), state));
                    }
                    match chunk.into_events() {
                        Ok(events) => {
                            state.pending.extend(events);
                            continue;
                        }
                        Err(error) => error,
                    }
                }
                Some(Err(error)) => state.context.map(error),
                // A server that ignores `stream: true` answers with a single
                // JSON object, which holds no SSE event: say so rather than
                // show an empty reply.
                None if !state.any_chunk => LlmError::Protocol(
                    "the reply held no streamed chunk; does the endpoint support `stream: true`?"
                        .into(),
                ),
                None => match state.calls.take() {
                    Some(calls) => {
                        state
                            .pending
                            .extend(calls.finish().into_iter().map(LlmEvent::ToolCall));
                        continue;
                    }
                    None => return None,
                },
            };
                state.failed = true;
                return Some((Err(error), state));
            }
        },
    ))
}

fn rejects_stream_options(err: &OpenAIError) -> bool {
    match err {
        OpenAIError::Boxed(boxed) => boxed.downcast_ref::<HttpStatusError>().is_some_and(|http| {
            matches!(http.status, 400 | 422) && http.body.contains("stream_options")
        }),
        _ => false,
    }
}

/// async-openai's view of the endpoint. Unlike its `OpenAIConfig` it reads no
/// environment variables of its own and sends no `Authorization` header when
/// there is no key (local servers need none).
struct Endpoint {
    base_url: String,
    headers: HeaderMap,
    api_key: SecretString,
}

impl Config for Endpoint {
    fn headers(&self) -> HeaderMap {
        self.headers.clone()
    }

    fn url(&self, path: &str) -> String {
        format!("{}{}", self.base_url, path)
    }

    fn query(&self) -> Vec<(&str, &str)> {
        Vec::new()
    }

    fn api_base(&self) -> &str {
        &self.base_url
    }

    fn api_key(&self) -> &SecretString {
        &self.api_key
    }
}

fn build_api(config: &LlmConfig) -> Result<async_openai::Client<Endpoint>, String> {
    let base_url = normalize_base_url(&config.base_url)?;

    let mut headers = HeaderMap::new();
    let api_key = config.api_key.as_deref().map(str::trim).unwrap_or_default();
    if !api_key.is_empty() {
        let mut value = HeaderValue::from_str(&format!("Bearer {api_key}")).map_err(|_| {
            "the API key contains characters that cannot be sent in an HTTP header".to_string()
        })?;
        value.set_sensitive(true);
        headers.insert(AUTHORIZATION, value);
    }

    let http = reqwest::Client::builder()
        .connect_timeout(CONNECT_TIMEOUT)
        .build()
        .map_err(|err| format!("cannot set up the HTTP client: {err}"))?;
    // Error statuses are caught here, above async-openai's retry layer
    // (which still retries 429/5xx and refused connections), so that status
    // and body reach us intact whatever dialect the server's error body uses.
    let service = tower::ServiceBuilder::new()
        .and_then(reject_error_status)
        .layer(OpenAIRetryLayer::default())
        .service(ReqwestService::new(http.clone()));

    let endpoint = Endpoint {
        base_url,
        headers,
        api_key: SecretString::from(api_key.to_string()),
    };
    Ok(async_openai::Client::build(http, endpoint).with_http_service(service))
}

fn normalize_base_url(raw: &str) -> Result<String, String> {
    let trimmed = raw.trim().trim_end_matches('/');
    let url = reqwest::Url::parse(trimmed)
        .map_err(|err| format!("base URL `{raw}` is not a valid URL: {err}"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!(
            "base URL `{raw}` must start with http:// or https://"
        ));
    }
    Ok(trimmed.to_string())
}

async fn reject_error_status(
    response: reqwest::Response,
) -> Result<reqwest::Response, OpenAIError> {
    let status = response.status();
    if status.is_success() {
        return Ok(response);
    }
    let body = read_error_body(response).await;
    Err(OpenAIError::Boxed(Box::new(HttpStatusError {
        status: status.as_u16(),
        body,
    })))
}

async fn read_error_body(mut response: reqwest::Response) -> String {
    let mut body = Vec::new();
    while body.len() < MAX_ERROR_BODY {
        match response.chunk().await {
            Ok(Some(bytes)) => body.extend_from_slice(&bytes),
            // A body that breaks off still tells the status; keep what came.
            Ok(None) | Err(_) => break,
        }
    }
    String::from_utf8_lossy(&body).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_urls_are_checked_and_trimmed() {
        assert_eq!(
            normalize_base_url(" http://localhost:11434/v1/ "),
            Ok("http://localhost:11434/v1".to_string())
        );
        assert!(normalize_base_url("localhost:11434/v1").is_err());
        assert!(normalize_base_url("ftp://host/v1").is_err());
    }

    #[tokio::test]
    async fn unusable_config_is_reported_on_use() {
        let client = LlmClient::new(LlmConfig {
            base_url: "http://localhost/v1".into(),
            api_key: Some("bad\nkey".into()),
            model: "m".into(),
            temperature: None,
        });
        let result = client.stream_chat(&[ChatMessage::user("hi")]).await;
        assert!(
            matches!(result, Err(LlmError::InvalidConfig(ref m)) if m.contains("API key")),
            "{:?}",
            result.err()
        );
    }

    #[tokio::test]
    async fn empty_conversation_is_refused_before_sending() {
        let client = LlmClient::new(LlmConfig {
            base_url: "http://127.0.0.1:9/v1".into(),
            api_key: None,
            model: "m".into(),
            temperature: None,
        });
        assert!(matches!(
            client.stream_chat(&[]).await,
            Err(LlmError::EmptyConversation)
        ));
    }

    #[tokio::test]
    async fn a_reply_without_any_chunk_is_an_error() {
        let context = ErrorContext {
            base_url: "http://h/v1".into(),
            model: "m".into(),
        };
        let mut events = into_events(Box::pin(futures_util::stream::empty()), context);
        let first = events.next().await;
        assert!(
            matches!(first, Some(Err(LlmError::Protocol(ref m))) if m.contains("no streamed chunk")),
            "{first:?}"
        );
        assert!(events.next().await.is_none());
    }

    #[test]
    fn messages_keep_role_and_text() {
        let sent = serde_json::to_value(
            [
                ChatMessage::system("s"),
                ChatMessage::user("u"),
                ChatMessage::assistant("a"),
            ]
            .iter()
            .map(to_request_message)
            .collect::<Vec<_>>(),
        )
        .ok();
        assert_eq!(
            sent,
            Some(serde_json::json!([
                {"role": "system", "content": "s"},
                {"role": "user", "content": "u"},
                {"role": "assistant", "content": "a"},
            ]))
        );
    }
}
