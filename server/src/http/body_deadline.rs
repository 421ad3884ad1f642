//! Request bodies that must keep arriving: a body that sends nothing for
//! [`BodyLimits::idle_timeout`], or falls below
//! [`BodyLimits::min_bytes_per_second`] on average once
//! [`BodyLimits::grace`] has passed, fails with [`BodyStalled`] and the
//! handler answers 408. One middleware for every route, so an upload, an
//! import and a server function are held to the same rule.
//!
//! A rate floor and not only an idle timeout: a client trickling a byte
//! every few seconds never trips an idle timeout, yet holds a connection
//! and a handler for as long as it likes (the same reasoning as a minimum
//! data rate in mod_reqtimeout or Kestrel). There is no total deadline: a
//! large upload on a slow but honest link keeps going.

use std::time::Duration;

use axum::body::{Body, Bytes, HttpBody};
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use futures_util::{Stream, StreamExt};
use tokio::time::Instant;

use super::api_error::ApiError;

/// How fast request bodies must arrive (see [`crate::RuntimeLimits`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BodyLimits {
    /// Longest wait for the next bytes of a body.
    pub idle_timeout: Duration,
    /// Slowest average rate accepted once `grace` has passed.
    pub min_bytes_per_second: u64,
    /// Time at the start of a body when the rate is not judged yet.
    pub grace: Duration,
}

impl Default for BodyLimits {
    fn default() -> Self {
        BodyLimits {
            idle_timeout: Duration::from_secs(30),
            min_bytes_per_second: 1024,
            grace: Duration::from_secs(10),
        }
    }
}

/// Why a body was cut off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub(crate) enum BodyStalled {
    #[error("the request body stopped arriving")]
    Idle,
    #[error("the request body arrived too slowly")]
    TooSlow,
}

impl BodyStalled {
    /// The stall behind an error from reading a request body, if it is one.
    pub(crate) fn of(error: &(dyn std::error::Error + 'static)) -> Option<BodyStalled> {
        crate::error::find_cause::<BodyStalled>(error).copied()
    }
}

pub(crate) async fn limit_request_bodies(
    State(limits): State<BodyLimits>,
    request: Request,
    next: Next,
) -> Response {
    if request.body().is_end_stream() {
        return next.run(request).await;
    }
    let (parts, body) = request.into_parts();
    let body = Body::from_stream(paced(body.into_data_stream(), limits));
    next.run(Request::from_parts(parts, body)).await
}

/// All of `body`, refused when it passes `limit` bytes or stalls: for the
/// routes that need a body whole (an import is one JSON document).
pub(crate) async fn read_whole(body: Body, limit: usize) -> Result<Bytes, ApiError> {
    let mut stream = body.into_data_stream();
    let mut all = bytes::BytesMut::new();
    while let Some(chunk) = stream.next().await {
        match chunk {
            Ok(chunk) if all.len() + chunk.len() > limit => {
                return Err(ApiError::TooLarge(format!(
                    "the body is larger than the limit of {}",
                    loquat_app::units::human_size(limit as u64)
                )))
            }
            Ok(chunk) => all.extend_from_slice(&chunk),
            Err(err) => {
                return Err(match BodyStalled::of(&err) {
                    Some(stalled) => ApiError::Timeout(stalled.to_string()),
                    None => ApiError::BadRequest("the request body was interrupted".into()),
                })
            }
        }
    }
    Ok(all.freeze())
}

/// `body`, failing once it is idle or too slow.
fn paced<S>(body: S, limits: BodyLimits) -> impl Stream<Item = Result<Bytes, axum::BoxError>>
where
    S: Stream<Item = Result<Bytes, axum::Error>> + Unpin + Send + 'static,
{
    let started = Instant::now();
    let rate = limits.min_bytes_per_second.max(1) as f64;
    futures_util::stream::unfold(
        (body, 0u64, false),
        move |(mut body, received, failed)| async move {
            if failed {
                return None;
            }
            // The next bytes are due before the idle timeout, and before
            // the average falls below the floor (never inside the grace).
            let by_rate = started
                + limits
                    .grace
                    .max(Duration::from_secs_f64(received as f64 / rate));
            let deadline = by_rate.min(Instant::now() + limits.idle_timeout);
            match tokio::time::timeout_at(deadline, body.next()).await {
                Ok(None) => None,
                Ok(Some(Ok(chunk))) => {
                    let received = received + chunk.len() as u64;
                    Some((Ok(chunk), (body, received, false)))
                }
                Ok(Some(Err(err))) => Some((Err(err.into()), (body, received, true))),
                Err(_) => {
                    let stalled = if deadline == by_rate {
                        BodyStalled::TooSlow
                    } else {
                        BodyStalled::Idle
                    };
                    Some((Err(stalled.into()), (body, received, true)))
                }
            }
        },
    )
    // Bodies may be polled again after their end.
    .fuse()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(idle_ms: u64, rate: u64, grace_ms: u64) -> BodyLimits {
        BodyLimits {
            idle_timeout: Duration::from_millis(idle_ms),
            min_bytes_per_second: rate,
            grace: Duration::from_millis(grace_ms),
        }
    }

    /// Chunks of `size` bytes, one every `every`.
    fn trickle(
        size: usize,
        every: Duration,
        count: usize,
    ) -> impl Stream<Item = Result<Bytes, axum::Error>> + Unpin + Send + 'static {
        Box::pin(futures_util::stream::unfold(0, move |n| async move {
            if n == count {
                return None;
            }
            tokio::time::sleep(every).await;
            Some((Ok(Bytes::from(vec![b'x'; size])), n + 1))
        }))
    }

    async fn outcome(
        stream: impl Stream<Item = Result<Bytes, axum::BoxError>>,
    ) -> Result<u64, BodyStalled> {
        let mut stream = std::pin::pin!(stream);
        let mut total = 0;
        while let Some(chunk) = stream.next().await {
            match chunk {
                Ok(chunk) => total += chunk.len() as u64,
                Err(err) => return Err(BodyStalled::of(err.as_ref()).expect("a stall")),
            }
        }
        Ok(total)
    }

    #[tokio::test(start_paused = true)]
    async fn a_steady_body_arrives_whole() {
        let body = trickle(4096, Duration::from_millis(500), 40);
        let total = outcome(paced(body, limits(1000, 1024, 2000))).await;
        assert_eq!(total, Ok(40 * 4096));
    }

    #[tokio::test(start_paused = true)]
    async fn a_silent_body_times_out() {
        let body = trickle(10, Duration::from_secs(5), 3);
        let got = outcome(paced(body, limits(1000, 1, 60_000))).await;
        assert_eq!(got, Err(BodyStalled::Idle));
    }

    #[tokio::test(start_paused = true)]
    async fn a_trickle_under_the_floor_is_cut_after_the_grace() {
        // One byte a second never idles out, but stays under 100 B/s.
        let body = trickle(1, Duration::from_secs(1), 1000);
        let started = Instant::now();
        let got = outcome(paced(body, limits(30_000, 100, 5000))).await;
        assert_eq!(got, Err(BodyStalled::TooSlow));
        assert!(started.elapsed() < Duration::from_secs(7));
    }
}
