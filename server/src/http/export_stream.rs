//! A JSON export written while it is sent: the thread and its steps first,
//! then each element, its stored content base64-encoded a read chunk at a
//! time. An export holds one chunk of one file in memory, whatever its
//! files weigh (a buffered export held all of them, base64 included).

use std::sync::Arc;

use axum::body::{Body, Bytes};
use base64::Engine;
use futures_util::StreamExt;
use loquat_app::protocol::Element;
use tokio::sync::mpsc;

use crate::data::transfer::{ExportedElement, ThreadExport};
use crate::files::{FileError, FileStorage};

/// Chunks waiting to be sent.
const QUEUE: usize = 4;
/// Bytes base64-encoded at once (a multiple of 3, so chunks concatenate).
const ENCODE_CHUNK: usize = 48 * 1024;

type Chunk = Result<Bytes, std::io::Error>;

/// The export as a body: `export` (its elements left empty) followed by
/// `elements` with their content from `files`.
pub(crate) fn json_body(
    files: Arc<dyn FileStorage>,
    export: ThreadExport,
    elements: Vec<Element>,
) -> Result<Body, serde_json::Error> {
    let head = serde_json::to_string(&export)?;
    let (tx, mut rx) = mpsc::channel::<Chunk>(QUEUE);
    tokio::spawn(async move {
        if let Err(err) = write(&tx, files.as_ref(), head, elements).await {
            // The status is sent already: cut the body, so the download
            // fails instead of ending as an export with a hole in it.
            tracing::error!(error = %err, "an export stopped");
            let _ = tx.send(Err(std::io::Error::other(err.to_string()))).await;
        }
    });
    let stream = futures_util::stream::poll_fn(move |cx| rx.poll_recv(cx));
    Ok(Body::from_stream(stream))
}

#[derive(Debug, thiserror::Error)]
enum ExportError {
    #[error(transparent)]
    Json(#[from] serde_json::Error),
    #[error(transparent)]
    Files(#[from] FileError),
    #[error("the download was abandoned")]
    Gone,
}

async fn send(tx: &mpsc::Sender<Chunk>, bytes: impl Into<Bytes>) -> Result<(), ExportError> {
    tx.send(Ok(bytes.into()))
        .await
        .map_err(|_| ExportError::Gone)
}

async fn write(
    tx: &mpsc::Sender<Chunk>,
    files: &dyn FileStorage,
    head: String,
    elements: Vec<Element>,
) -> Result<(), ExportError> {
    // `head` is an object without `elements` (empty ones are left out).
    let Some(open) = head.strip_suffix('}') else {
        return send(tx, head).await;
    };
    if elements.is_empty() {
        return send(tx, head).await;
    }
    send(tx, format!("{open},\"elements\":[")).await?;
    for (i, element) in elements.into_iter().enumerate() {
        let stored = crate::files::is_stored(&element);
        let key = element.id.clone();
        let json = serde_json::to_string(&ExportedElement::new(element, None))?;
        let separator = if i > 0 { "," } else { "" };
        let size = if stored {
            match files.size(&key).await {
                Ok(size) => Some(size),
                Err(err) => {
                    tracing::warn!(element = %key, error = %err, "exporting without content");
                    None
                }
            }
        } else {
            None
        };
        match (json.strip_suffix('}'), size) {
            (Some(fields), Some(size)) if size > 0 => {
                send(tx, format!("{separator}{fields},\"content_base64\":\"")).await?;
                write_base64(tx, files, &key, size).await?;
                send(tx, "\"}").await?;
            }
            (Some(fields), Some(_)) => {
                send(tx, format!("{separator}{fields},\"content_base64\":\"\"}}")).await?;
            }
            _ => send(tx, format!("{separator}{json}")).await?,
        }
    }
    send(tx, "]}").await
}

/// The stored file `key` of `size` bytes, base64 (standard, padded).
async fn write_base64(
    tx: &mpsc::Sender<Chunk>,
    files: &dyn FileStorage,
    key: &str,
    size: u64,
) -> Result<(), ExportError> {
    let engine = &base64::engine::general_purpose::STANDARD;
    let mut stream = files.read_range(key, 0..=size - 1).await?;
    let mut carry: Vec<u8> = Vec::with_capacity(ENCODE_CHUNK + 2);
    while let Some(chunk) = stream.next().await {
        carry.extend_from_slice(&chunk.map_err(FileError::Io)?);
        let whole = carry.len() - carry.len() % 3;
        if whole >= ENCODE_CHUNK {
            send(tx, engine.encode(&carry[..whole])).await?;
            carry.drain(..whole);
        }
    }
    if !carry.is_empty() {
        send(tx, engine.encode(&carry)).await?;
    }
    Ok(())
}
