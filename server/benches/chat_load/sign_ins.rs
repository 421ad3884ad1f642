//! `--auth` only: what signing in costs a user, as a browser does it
//! (`POST /auth/login` → cookie → WebSocket → message → first token), and
//! how many sign-ins a second the server takes when nothing limits them.

use std::net::SocketAddr;
use std::time::Duration;

use tokio::task::JoinSet;
use tokio::time::Instant;

use crate::client::{sign_in, Dial, Session};

/// Fresh users timed one after the other.
const USERS: usize = 30;
/// Sign-ins in flight at once for the rate, and for how long.
const RATE_TASKS: usize = 8;
const RATE_FOR: Duration = Duration::from_secs(3);

pub struct SignInRow {
    /// Sign-in sent → first token of the reply to the first message, sorted.
    pub to_first_token: Vec<Duration>,
    pub sign_ins: usize,
    pub wall: Duration,
    pub errors: Vec<String>,
}

impl SignInRow {
    pub fn per_second(&self) -> f64 {
        self.sign_ins as f64 / self.wall.as_secs_f64().max(f64::MIN_POSITIVE)
    }
}

pub async fn run(addr: SocketAddr, expected: &str, timeout: Duration) -> SignInRow {
    let mut errors = Vec::new();
    let mut to_first_token = Vec::new();
    for i in 0..USERS {
        let started = Instant::now();
        let user = format!("first-token-{i}");
        let opened = async {
            let cookie = sign_in(addr, &user).await?;
            Session::open(Dial {
                addr,
                client: None,
                read_buffer: None,
                timeout,
                cookie: Some(&cookie),
                record: false,
            })
            .await
        };
        let mut session = match opened.await {
            Ok(session) => session,
            Err(e) => {
                errors.push(format!("{user}: {e}"));
                continue;
            }
        };
        let opened = started.elapsed();
        let exchange = session.exchange("hello", expected, timeout).await;
        match (exchange.first_token, exchange.error) {
            (Some(first), None) => to_first_token.push(opened + first),
            (_, error) => errors.push(format!("{user}: {error:?}")),
        }
        session.end().await;
    }
    to_first_token.sort();

    let started = Instant::now();
    let mut tasks = JoinSet::new();
    for t in 0..RATE_TASKS {
        tasks.spawn(async move {
            let (mut done, mut failed) = (0usize, Vec::new());
            let mut k = 0;
            while started.elapsed() < RATE_FOR {
                match sign_in(addr, &format!("rate-{t}-{k}")).await {
                    Ok(_) => done += 1,
                    Err(e) => failed.push(e),
                }
                k += 1;
            }
            (done, failed)
        });
    }
    let mut sign_ins = 0;
    while let Some(Ok((done, failed))) = tasks.join_next().await {
        sign_ins += done;
        errors.extend(failed.into_iter().take(3));
    }
    SignInRow {
        to_first_token,
        sign_ins,
        wall: started.elapsed(),
        errors,
    }
}
