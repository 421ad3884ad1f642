//! What the reference server replays: the frames client 0 of a scenario
//! received from Loquat, cut into envelopes, and how every client's frames
//! were batched. Recorded during Loquat's own run of the same scenario, so
//! the reference sends the same bytes in the same number of frames.

use serde::{Deserialize, Serialize};

use crate::client::Exchange;

/// One scenario's frames, as the reference server replays them.
#[derive(Debug, Deserialize, Serialize)]
pub struct Script {
    /// Frames from `hello` through the snapshot, verbatim.
    pub greeting: Vec<String>,
    /// The reply to each message of a session, in order.
    pub replies: Vec<RecordedReply>,
    /// For each client, for each of its messages: envelopes per frame.
    pub batching: Vec<Vec<Vec<u32>>>,
    /// Milliseconds before each token, as `--pace-ms`.
    pub pace_ms: u64,
}

/// What Loquat sent after one message of client 0.
#[derive(Debug, Deserialize, Serialize)]
pub struct RecordedReply {
    /// The message client 0 sent: where it appears in the envelopes (the
    /// user's step, the thread's name), the reference puts each client's own.
    pub content: String,
    /// The envelopes, in order.
    pub envelopes: Vec<String>,
}

/// What one client of Loquat's run saw, for the script.
pub struct ClientRecording {
    /// Frames from `hello` through the snapshot (only client 0 keeps them).
    pub greeting: Vec<String>,
    /// The content of each message sent, with what came back.
    pub exchanges: Vec<(String, Exchange)>,
}

impl Script {
    /// The script of a scenario from its clients' recordings (client 0
    /// recorded the frames' text), checking that every client got the same
    /// number of envelopes for each message as client 0: the reference
    /// replays client 0's envelopes in each client's batching.
    pub fn new(clients: &[ClientRecording], pace_ms: u64) -> Result<Script, String> {
        let first = clients
            .first()
            .ok_or("no client to record the frames from")?;
        if first.greeting.is_empty() {
            return Err("client 0 recorded no greeting".into());
        }
        let mut replies = Vec::with_capacity(first.exchanges.len());
        for (content, exchange) in &first.exchanges {
            let mut envelopes = Vec::new();
            for frame in &exchange.texts {
                envelopes.extend(split_envelopes(frame)?.into_iter().map(str::to_string));
            }
            replies.push(RecordedReply {
                content: content.clone(),
                envelopes,
            });
        }
        let mut batching = Vec::with_capacity(clients.len());
        for (i, client) in clients.iter().enumerate() {
            let mut messages = Vec::with_capacity(client.exchanges.len());
            for (m, (_, exchange)) in client.exchanges.iter().enumerate() {
                let got: u32 = exchange.shape.iter().sum();
                let recorded = replies.get(m).map_or(0, |r| r.envelopes.len());
                if got as usize != recorded {
                    return Err(format!(
                        "client {i} got {got} envelopes for message {m}, client 0 {recorded}: \
                         the reference cannot replay its frames"
                    ));
                }
                messages.push(exchange.shape.clone());
            }
            batching.push(messages);
        }
        Ok(Script {
            greeting: first.greeting.clone(),
            replies,
            batching,
            pace_ms,
        })
    }
}

/// The envelopes of a frame (`[{…},{…}]`), as the text Loquat wrote them.
fn split_envelopes(frame: &str) -> Result<Vec<&str>, String> {
    let bad = || format!("not an array of envelopes: {frame:.200}");
    let inner = frame
        .trim()
        .strip_prefix('[')
        .and_then(|f| f.strip_suffix(']'))
        .ok_or_else(bad)?;
    let (mut depth, mut in_string, mut escaped, mut start) = (0i32, false, false, 0);
    let mut envelopes = Vec::new();
    for (i, c) in inner.char_indices() {
        if in_string {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => in_string = true,
            '{' | '[' => depth += 1,
            '}' | ']' => depth -= 1,
            ',' if depth == 0 => {
                envelopes.push(inner[start..i].trim());
                start = i + 1;
            }
            _ => {}
        }
    }
    if depth != 0 || in_string {
        return Err(bad());
    }
    let last = inner[start..].trim();
    if !last.is_empty() {
        envelopes.push(last);
    }
    Ok(envelopes)
}
