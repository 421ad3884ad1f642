//! A lean protocol client: it reads only the fields it needs from each
//! envelope, but checks sequencing and counts every token exactly.

use std::borrow::Cow;
use std::net::SocketAddr;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde::Deserialize;
use tokio::net::TcpStream;
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::Message as WsMessage;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// The envelope fields the client looks at; everything else is skipped.
#[derive(Deserialize)]
struct Envelope<'a> {
    seq: u64,
    #[serde(borrow)]
    event: Event<'a>,
}

#[derive(Deserialize)]
struct Event<'a> {
    #[serde(rename = "type", borrow)]
    kind: Cow<'a, str>,
    #[serde(default, borrow)]
    id: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    delta: Option<Cow<'a, str>>,
    #[serde(default)]
    input: bool,
    #[serde(default, borrow)]
    step: Option<StepFields<'a>>,
    #[serde(default, borrow)]
    outcome: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    message: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
struct StepFields<'a> {
    #[serde(borrow)]
    id: Cow<'a, str>,
    #[serde(rename = "type", borrow)]
    kind: Cow<'a, str>,
    #[serde(default, borrow)]
    output: Cow<'a, str>,
    #[serde(default)]
    streaming: bool,
}

/// One connection attached to its own new session.
pub struct Session {
    ws: Ws,
    /// Last sequence number applied.
    applied: u64,
    /// Keep the text of every frame received (see [`Exchange::texts`]).
    record: bool,
    /// With `record`: the frames from `hello` through the snapshot.
    pub greeting: Vec<String>,
}

/// Where and how a session connects.
#[derive(Clone, Copy, Debug)]
pub struct Dial<'a> {
    pub addr: SocketAddr,
    /// Told to the reference server (`/ws?client=N`) so it replays the
    /// batching this client saw from Loquat; Loquat is not told.
    pub client: Option<usize>,
    /// Client read buffer (the default when unset).
    pub read_buffer: Option<usize>,
    pub timeout: Duration,
    /// With `--auth`: the session cookie of a user of its own (see [`sign_in`]).
    pub cookie: Option<&'a str>,
    /// Keep the frames' text (the reference server replays them).
    pub record: bool,
}

/// What happened to one message.
#[derive(Debug, Default)]
pub struct Exchange {
    /// `step_delta` events received for the reply.
    pub tokens: usize,
    /// Send → first token.
    pub first_token: Option<Duration>,
    /// Send → `run_ended`.
    pub full_reply: Option<Duration>,
    /// Text frames received (the server batches events into frames).
    pub frames: usize,
    /// Envelopes in each of those frames, in order: the batching.
    pub shape: Vec<u32>,
    /// Time between consecutive frames that carried tokens of the reply.
    pub token_gaps: Vec<Duration>,
    /// The frames' text, when the session records.
    pub texts: Vec<String>,
    /// The reply's text equals the expected one.
    pub text_ok: bool,
    pub error: Option<String>,
}

impl Session {
    /// Connects, says hello and waits for `ready` and the new session's
    /// snapshot (a fresh session always gets one, right after `ready`).
    pub async fn open(dial: Dial<'_>) -> Result<Session, String> {
        use tokio_tungstenite::tungstenite::client::IntoClientRequest;
        let config = dial
            .read_buffer
            .map(|size| WebSocketConfig::default().read_buffer_size(size));
        let url = match dial.client {
            Some(i) => format!("ws://{}/ws?client={i}", dial.addr),
            None => format!("ws://{}/ws", dial.addr),
        };
        let mut request = url
            .into_client_request()
            .map_err(|e| format!("request: {e}"))?;
        if let Some(cookie) = dial.cookie {
            let value = cookie.parse().map_err(|_| "a bad cookie".to_string())?;
            request.headers_mut().insert("cookie", value);
        }
        let connect = tokio_tungstenite::connect_async_with_config(request, config, true);
        let (ws, _) = tokio::time::timeout(dial.timeout, connect)
            .await
            .map_err(|_| "connect timed out".to_string())?
            .map_err(|e| format!("connect: {e}"))?;
        let mut session = Session {
            ws,
            applied: 0,
            record: dial.record,
            greeting: Vec::new(),
        };
        session.send(r#"{"type":"hello"}"#.to_string()).await?;
        let deadline = Instant::now() + dial.timeout;
        let mut ready = false;
        loop {
            let text = session.next_text(deadline).await?;
            let envelopes: Vec<Envelope> = parse(&text)?;
            let mut snapshot = false;
            for Envelope { seq, event } in envelopes {
                match event.kind.as_ref() {
                    "ready" => ready = true,
                    "error" => return Err(server_error(&event)),
                    "snapshot" if ready => {
                        session.sequence(seq, &event.kind)?;
                        snapshot = true;
                    }
                    kind => return Err(format!("unexpected {kind} before the snapshot")),
                }
            }
            if session.record {
                session.greeting.push(text.to_string());
            }
            if snapshot {
                return Ok(session);
            }
        }
    }

    async fn send(&mut self, text: String) -> Result<(), String> {
        self.ws
            .send(WsMessage::Text(text.into()))
            .await
            .map_err(|e| format!("send: {e}"))
    }

    /// The next text frame, before `deadline`.
    async fn next_text(&mut self, deadline: Instant) -> Result<WsText, String> {
        loop {
            let frame = tokio::time::timeout_at(deadline, self.ws.next())
                .await
                .map_err(|_| "timed out waiting for the server".to_string())?;
            match frame {
                Some(Ok(WsMessage::Text(text))) => return Ok(text),
                Some(Ok(WsMessage::Close(_))) | None => {
                    return Err("the server closed the socket".into())
                }
                Some(Err(e)) => return Err(format!("receive: {e}")),
                Some(Ok(_)) => {}
            }
        }
    }

    /// Checks the envelope's place in the session's sequence.
    fn sequence(&mut self, seq: u64, kind: &str) -> Result<(), String> {
        match kind {
            // Unsequenced.
            "ready" | "error" => Ok(()),
            "snapshot" if seq >= self.applied => {
                self.applied = seq;
                Ok(())
            }
            _ if seq == self.applied + 1 => {
                self.applied = seq;
                Ok(())
            }
            _ => Err(format!(
                "sequence gap or repeat: got {seq} ({kind}) after {}",
                self.applied
            )),
        }
    }

    /// Sends one message and reads until its run ends, counting the reply's
    /// tokens and checking its text.
    pub async fn exchange(&mut self, content: &str, expected: &str, timeout: Duration) -> Exchange {
        let mut result = Exchange::default();
        let mut reply_id: Option<String> = None;
        let mut text = String::with_capacity(expected.len());
        let mut finished = false;
        let mut last_token_frame: Option<Instant> = None;
        let frame = serde_json::json!({ "type": "send", "content": content }).to_string();
        let sent = Instant::now();
        let deadline = sent + timeout;
        if let Err(e) = self.send(frame).await {
            result.error = Some(e);
            return result;
        }
        let outcome = loop {
            let frame = match self.next_text(deadline).await {
                Ok(frame) => frame,
                Err(e) => {
                    result.error = Some(e);
                    break None;
                }
            };
            let at = Instant::now();
            result.frames += 1;
            if self.record {
                result.texts.push(frame.to_string());
            }
            let envelopes: Vec<Envelope> = match parse(&frame) {
                Ok(envelopes) => envelopes,
                Err(e) => {
                    result.error = Some(e);
                    break None;
                }
            };
            result.shape.push(envelopes.len() as u32);
            let tokens_before = result.tokens;
            let mut ended = None;
            for Envelope { seq, event } in envelopes {
                if let Err(e) = self.sequence(seq, &event.kind) {
                    result.error = Some(e);
                    return result;
                }
                match event.kind.as_ref() {
                    "step_created" => {
                        if let Some(step) = &event.step {
                            if reply_id.is_none() && step.kind == "assistant_message" {
                                reply_id = Some(step.id.to_string());
                                text.push_str(&step.output);
                            }
                        }
                    }
                    "step_delta"
                        if !event.input
                            && reply_id.is_some()
                            && event.id.as_deref() == reply_id.as_deref() =>
                    {
                        result.tokens += 1;
                        result.first_token.get_or_insert(at - sent);
                        text.push_str(event.delta.as_deref().unwrap_or(""));
                    }
                    "step_updated" => {
                        if let Some(step) = &event.step {
                            if Some(step.id.as_ref()) == reply_id.as_deref() && !step.streaming {
                                finished = true;
                            }
                        }
                    }
                    "run_ended" => {
                        result.full_reply = Some(at - sent);
                        ended = Some(event.outcome.as_deref().unwrap_or("?").to_string());
                    }
                    "error" => {
                        result.error = Some(server_error(&event));
                        return result;
                    }
                    _ => {}
                }
            }
            if result.tokens > tokens_before {
                if let Some(last) = last_token_frame {
                    result.token_gaps.push(at - last);
                }
                last_token_frame = Some(at);
            }
            if ended.is_some() {
                break ended;
            }
        };
        if let Some(outcome) = outcome {
            if outcome != "completed" {
                result.error = Some(format!("the run ended {outcome}"));
            } else if !finished {
                result.error = Some("the run ended with the reply still streaming".into());
            }
        }
        result.text_ok = reply_id.is_some() && text == expected;
        result
    }

    /// Ends the session on the server and closes the socket.
    pub async fn end(mut self) {
        let _ = tokio::time::timeout(Duration::from_secs(5), async {
            let _ = self.send(r#"{"type":"end_chat"}"#.to_string()).await;
            let _ = self.ws.close(None).await;
        })
        .await;
    }
}

type WsText = tokio_tungstenite::tungstenite::Utf8Bytes;

fn parse(text: &str) -> Result<Vec<Envelope<'_>>, String> {
    serde_json::from_str(text).map_err(|e| format!("bad frame ({e}): {}", truncate(text)))
}

fn server_error(event: &Event) -> String {
    format!("server error: {}", event.message.as_deref().unwrap_or("?"))
}

fn truncate(text: &str) -> &str {
    match text.char_indices().nth(200) {
        Some((i, _)) => &text[..i],
        None => text,
    }
}

/// Signs `user` in with `POST /auth/login`; the session cookie (`name=value`).
pub async fn sign_in(addr: SocketAddr, user: &str) -> Result<String, String> {
    let response = http()
        .post(format!("http://{addr}/auth/login"))
        .header("accept", "application/json")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("username={user}&password=bench"))
        .send()
        .await
        .map_err(|e| format!("sign in: {e}"))?;
    if !response.status().is_success() {
        return Err(format!("sign in: {}", response.status()));
    }
    response
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(str::to_string)
        .ok_or_else(|| "sign in: no cookie".to_string())
}

/// One HTTP client for every sign-in (connections are reused).
fn http() -> reqwest::Client {
    static CLIENT: std::sync::OnceLock<reqwest::Client> = std::sync::OnceLock::new();
    CLIENT.get_or_init(reqwest::Client::new).clone()
}
