//! The accept loop. It is `axum::serve` plus what that lacks: a timer, so a
//! client that never finishes its request headers is dropped (hyper's
//! `header_read_timeout` only works with one); caps on open connections per
//! client address and in total, refused with a plain 503; the client
//! address behind a trusted load balancer (`[project] proxies`); and a
//! graceful shutdown that lets open requests finish.

use std::collections::HashMap;
use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto::Builder;
use hyper_util::service::TowerToHyperService;
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tower::ServiceExt;

use crate::auth::TrustedProxies;

/// Limits on connections (see [`crate::RuntimeLimits`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConnectionLimits {
    /// Time a client has to send a request's headers, on a new connection
    /// and between requests on a kept-alive one.
    pub header_read_timeout: Duration,
    /// Open connections from one client address (WebSockets included).
    pub max_per_client: usize,
    /// Open connections in total.
    pub max_total: usize,
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        ConnectionLimits {
            header_read_timeout: Duration::from_secs(10),
            max_per_client: 64,
            max_total: 10_000,
        }
    }
}

/// Counts open connections; a [`Slot`] is one of them.
#[derive(Clone, Default)]
struct Counts(Arc<Mutex<(usize, HashMap<IpAddr, usize>)>>);

struct Slot {
    counts: Counts,
    ip: IpAddr,
}

/// A connection's place under the caps, in every request's extensions: a
/// WebSocket keeps it for as long as it is open (hyper hands an upgraded
/// connection over and forgets it, so it would not count otherwise).
#[derive(Clone)]
pub(crate) struct ConnectionGuard {
    _slot: Arc<Slot>,
}

impl Counts {
    /// A place for a connection from `ip`; a load balancer's (`proxy`)
    /// counts in the total only.
    fn take(&self, ip: IpAddr, limits: &ConnectionLimits, proxy: bool) -> Option<Slot> {
        let mut counts = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let (total, per_client) = &mut *counts;
        let mine = per_client.entry(ip).or_insert(0);
        if *total >= limits.max_total || (!proxy && *mine >= limits.max_per_client) {
            return None;
        }
        *mine += 1;
        *total += 1;
        Some(Slot {
            counts: self.clone(),
            ip,
        })
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut counts = self.counts.0.lock().unwrap_or_else(|e| e.into_inner());
        let (total, per_client) = &mut *counts;
        *total = total.saturating_sub(1);
        if let Some(mine) = per_client.get_mut(&self.ip) {
            *mine = mine.saturating_sub(1);
            if *mine == 0 {
                per_client.remove(&self.ip);
            }
        }
    }
}

/// Serves `app` on `listener` until `shutdown` completes, then waits for
/// the open connections to finish.
pub(crate) async fn serve(
    listener: TcpListener,
    app: Router,
    limits: ConnectionLimits,
    proxies: TrustedProxies,
    shutdown: impl Future<Output = ()> + Send + 'static,
) {
    let proxies = Arc::new(proxies);
    let counts = Counts::default();
    // Dropped to tell connections to finish; they hold `done` until they have.
    let (stop_tx, stop_rx) = watch::channel(());
    let (done_tx, done_rx) = watch::channel(());
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (tcp, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(err) => {
                    // Out of file descriptors and the like: wait a moment
                    // instead of spinning on the error.
                    tracing::warn!(error = %err, "accepting a connection failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        // Tokens are small writes: without NODELAY, Nagle's algorithm holds
        // the last one of a burst back until the peer's delayed ACK (~40 ms).
        let _ = tcp.set_nodelay(true);
        let proxy = proxies.trusts(peer.ip());
        let Some(slot) = counts.take(peer.ip(), &limits, proxy) else {
            tokio::spawn(refuse(tcp));
            continue;
        };
        let guard = ConnectionGuard {
            _slot: Arc::new(slot),
        };
        let app = app.clone();
        let stop = stop_rx.clone();
        let done = done_rx.clone();
        tokio::spawn(async move {
            connection(tcp, (peer, proxy), guard, app, limits, stop).await;
            drop(done);
        });
    }
    drop(stop_tx);
    drop(done_rx);
    done_tx.closed().await;
}

/// The client behind a load balancer: the last address of the
/// `X-Forwarded-For` it sent (the one it added), else the balancer itself.
fn forwarded_client(headers: &axum::http::HeaderMap, peer: SocketAddr) -> SocketAddr {
    headers
        .get_all("x-forwarded-for")
        .iter()
        .next_back()
        .and_then(|value| value.to_str().ok())
        .and_then(|list| list.rsplit(',').next())
        .and_then(|last| last.trim().parse::<IpAddr>().ok())
        .map_or(peer, |ip| SocketAddr::new(ip, 0))
}

async fn connection(
    tcp: TcpStream,
    (peer, proxy): (SocketAddr, bool),
    guard: ConnectionGuard,
    app: Router,
    limits: ConnectionLimits,
    mut stop: watch::Receiver<()>,
) {
    let service = app.map_request(move |request: hyper::Request<Incoming>| {
        let mut request = request.map(Body::new);
        // Every reader of the client's address (caps, rate limits) gets
        // the one behind a trusted load balancer.
        let client = match proxy {
            true => forwarded_client(request.headers(), peer),
            false => peer,
        };
        request.extensions_mut().insert(ConnectInfo(client));
        request.extensions_mut().insert(guard.clone());
        request
    });
    let service = TowerToHyperService::new(service);
    let mut builder = Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout);
    // HTTP/2 WebSockets need the CONNECT protocol.
    builder
        .http2()
        .timer(TokioTimer::new())
        .enable_connect_protocol();
    let conn = builder.serve_connection_with_upgrades(TokioIo::new(tcp), service);
    let mut conn = std::pin::pin!(conn);
    tokio::select! {
        result = conn.as_mut() => {
            if let Err(err) = result {
                tracing::trace!(error = %err, "connection ended with an error");
            }
            return;
        }
        _ = stop.changed() => {}
    }
    conn.as_mut().graceful_shutdown();
    let _ = conn.await;
}

/// The answer to a connection over a cap: a 503 that says why, then close.
async fn refuse(mut tcp: TcpStream) {
    const BODY: &str = "too many open connections from this address; close some and retry\n";
    let response = format!(
        "HTTP/1.1 503 Service Unavailable\r\ncontent-type: text/plain\r\ncontent-length: {}\r\n\
         retry-after: 5\r\nconnection: close\r\n\r\n{BODY}",
        BODY.len()
    );
    let _ = tokio::time::timeout(Duration::from_secs(2), async {
        let _ = tcp.write_all(response.as_bytes()).await;
        let _ = tcp.shutdown().await;
    })
    .await;
}

#[cfg(test)]
// A failed unwrap is a clear test failure; the workspace denies it elsewhere.
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn headers(values: &[&str]) -> axum::http::HeaderMap {
        let mut headers = axum::http::HeaderMap::new();
        for value in values {
            headers.append("x-forwarded-for", value.parse().unwrap());
        }
        headers
    }

    #[test]
    fn the_client_behind_a_balancer_is_the_last_address_it_added() {
        let balancer: SocketAddr = "10.0.0.2:40000".parse().unwrap();
        let client = |values: &[&str]| forwarded_client(&headers(values), balancer).ip();
        // Whatever the client claimed comes first; the balancer appends.
        assert_eq!(
            client(&["6.6.6.6, 203.0.113.7"]),
            "203.0.113.7".parse::<IpAddr>().unwrap()
        );
        assert_eq!(
            client(&["6.6.6.6", "203.0.113.8"]),
            "203.0.113.8".parse::<IpAddr>().unwrap()
        );
        assert_eq!(
            client(&["2001:db8::1"]),
            "2001:db8::1".parse::<IpAddr>().unwrap()
        );
        // Nothing usable: the balancer itself.
        assert_eq!(client(&[]), balancer.ip());
        assert_eq!(client(&["not an address"]), balancer.ip());
    }

    #[test]
    fn a_balancer_is_not_capped_per_address_but_counts_in_the_total() {
        let limits = ConnectionLimits {
            max_per_client: 2,
            max_total: 4,
            ..ConnectionLimits::default()
        };
        let counts = Counts::default();
        let ip: IpAddr = "10.0.0.2".parse().unwrap();
        let client: Vec<Slot> = (0..2)
            .map(|_| counts.take(ip, &limits, false).unwrap())
            .collect();
        assert!(
            counts.take(ip, &limits, false).is_none(),
            "a client over its cap"
        );
        let balancer: Vec<Slot> = (0..2)
            .map(|_| counts.take(ip, &limits, true).unwrap())
            .collect();
        assert!(counts.take(ip, &limits, true).is_none(), "over the total");
        drop((client, balancer));
        assert!(counts.take(ip, &limits, false).is_some());
    }
}
