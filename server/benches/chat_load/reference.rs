//! The reference server (`--serve-reference`): the physical floor of this
//! benchmark, a socket that writes pre-made frames. It knows nothing of
//! chats: on `hello` it writes the frames Loquat wrote from `hello` through
//! the snapshot; on each `send` it writes the frames Loquat wrote for that
//! message (recorded in the same scenario, see [`crate::script`]), batched
//! as Loquat batched them for this client, with `--pace-ms` before each
//! token. Its only work per frame is to join recorded envelopes and put the
//! client's own message where Loquat echoed it; sequence numbers need no
//! change, as every session is new and replays from the same start. What
//! Loquat spends above this per token is the framework's cost.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde::Deserialize;
use tokio::net::{TcpListener, TcpStream};
use tokio_tungstenite::tungstenite::handshake::server::{ErrorResponse, Request, Response};
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::{Message, Utf8Bytes};

use crate::script::Script;

type Error = Box<dyn std::error::Error + Send + Sync>;

/// A recorded envelope, cut where the recorded message's content was.
struct Envelope {
    parts: Vec<String>,
    /// A token of the reply (paced).
    token: bool,
}

/// A recorded reply, ready to replay.
struct Reply {
    envelopes: Vec<Envelope>,
}

/// The script, ready to replay.
struct Replay {
    greeting: Vec<Utf8Bytes>,
    replies: Vec<Reply>,
    batching: Vec<Vec<Vec<u32>>>,
    pace: Duration,
}

/// A client's frame: only what the replay needs.
#[derive(Deserialize)]
struct ClientFrame {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    content: String,
}

/// `--serve-reference`: serves the script at `script` on loopback until
/// the parent goes, printing `LISTENING <addr>` once it accepts.
pub fn serve(script: &Path) -> Result<(), Error> {
    let script: Script = serde_json::from_str(&std::fs::read_to_string(script)?)?;
    let replay = Arc::new(Replay::new(script)?);
    crate::server::exit_with_parent(None);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        crate::server::announce(listener.local_addr()?)?;
        loop {
            let (stream, _) = listener.accept().await?;
            // As Loquat's accept loop: each frame goes out when written.
            stream.set_nodelay(true)?;
            let replay = replay.clone();
            tokio::spawn(async move {
                if let Err(e) = connection(stream, &replay).await {
                    eprintln!("reference server: {e}");
                }
            });
        }
    })
}

impl Replay {
    fn new(script: Script) -> Result<Replay, Error> {
        let mut replies = Vec::with_capacity(script.replies.len());
        for reply in script.replies {
            let content = json_string_body(&reply.content)?;
            let mut envelopes = Vec::with_capacity(reply.envelopes.len());
            for text in reply.envelopes {
                let value: serde_json::Value = serde_json::from_str(&text)?;
                let token = value["event"]["type"] == "step_delta";
                let parts = if content.is_empty() {
                    vec![text.clone()]
                } else {
                    text.split(content.as_str()).map(str::to_string).collect()
                };
                envelopes.push(Envelope { parts, token });
            }
            replies.push(Reply { envelopes });
        }
        Ok(Replay {
            greeting: script.greeting.into_iter().map(Utf8Bytes::from).collect(),
            replies,
            batching: script.batching,
            pace: Duration::from_millis(script.pace_ms),
        })
    }
}

/// `s` as it appears inside a JSON string.
fn json_string_body(s: &str) -> Result<String, Error> {
    let quoted = serde_json::to_string(s)?;
    Ok(quoted[1..quoted.len() - 1].to_string())
}

async fn connection(stream: TcpStream, replay: &Replay) -> Result<(), Error> {
    let peer: SocketAddr = stream.peer_addr()?;
    let mut client = None;
    // The handshake callback's type is tungstenite's.
    #[expect(clippy::result_large_err)]
    let tag = |request: &Request, response: Response| -> Result<Response, ErrorResponse> {
        client = request
            .uri()
            .query()
            .and_then(|q| q.strip_prefix("client="))
            .and_then(|i| i.parse::<usize>().ok());
        Ok(response)
    };
    // Loquat's socket settings (server/src/http/ws.rs).
    let config = WebSocketConfig::default()
        .read_buffer_size(256)
        .write_buffer_size(0);
    let mut ws = tokio_tungstenite::accept_hdr_async_with_config(stream, tag, Some(config)).await?;
    let batching = client
        .and_then(|i| replay.batching.get(i))
        .ok_or_else(|| format!("{peer}: no recorded batching for client {client:?}"))?;
    let mut sent = 0;
    while let Some(message) = ws.next().await {
        let text = match message? {
            Message::Text(text) => text,
            Message::Close(_) => break,
            _ => continue,
        };
        let frame: ClientFrame = serde_json::from_str(&text)?;
        match frame.kind.as_str() {
            "hello" => {
                for greeting in &replay.greeting {
                    ws.send(Message::Text(greeting.clone())).await?;
                }
            }
            "send" => {
                let (Some(reply), Some(shape)) = (replay.replies.get(sent), batching.get(sent))
                else {
                    return Err(format!("{peer}: message {sent} was not recorded").into());
                };
                let content = json_string_body(&frame.content)?;
                let mut at = 0;
                for &count in shape {
                    let envelopes = reply
                        .envelopes
                        .get(at..at + count as usize)
                        .ok_or("the batching outruns the envelopes")?;
                    at += count as usize;
                    let tokens = envelopes.iter().filter(|e| e.token).count() as u32;
                    if tokens > 0 && !replay.pace.is_zero() {
                        tokio::time::sleep(replay.pace * tokens).await;
                    }
                    ws.send(Message::Text(render(envelopes, &content).into()))
                        .await?;
                }
                sent += 1;
            }
            "end_chat" => break,
            _ => {}
        }
    }
    let _ = ws.close(None).await;
    Ok(())
}

/// One frame: the envelopes in an array, with this client's message.
fn render(envelopes: &[Envelope], content: &str) -> String {
    let len: usize = envelopes
        .iter()
        .map(|e| e.parts.iter().map(String::len).sum::<usize>() + content.len() + 1)
        .sum();
    let mut frame = String::with_capacity(len + 2);
    frame.push('[');
    for (i, envelope) in envelopes.iter().enumerate() {
        if i > 0 {
            frame.push(',');
        }
        for (k, part) in envelope.parts.iter().enumerate() {
            if k > 0 {
                frame.push_str(content);
            }
            frame.push_str(part);
        }
    }
    frame.push(']');
    frame
}
