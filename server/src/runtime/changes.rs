//! How a session wakes the sockets showing it: a counter bumped on every
//! new event, when the session ends and on the runtime's heartbeat (a wake
//! may find nothing new), and a [`Notify`] for the sockets waiting on it.
//! Both live inside the session: a `watch` channel did the same from an
//! allocation of its own, about 400 bytes an idle session.

use std::sync::atomic::{AtomicU64, Ordering};

use tokio::sync::Notify;

#[derive(Debug, Default)]
pub(crate) struct Changes {
    version: AtomicU64,
    notify: Notify,
}

impl Changes {
    /// Wakes every socket waiting on the session.
    pub(crate) fn bump(&self) {
        self.version.fetch_add(1, Ordering::Release);
        self.notify.notify_waiters();
    }

    /// The count to wait from (see [`Changes::after`]).
    pub(crate) fn version(&self) -> u64 {
        self.version.load(Ordering::Acquire)
    }

    /// Resolves with the new count once it differs from `seen`. The wait
    /// is registered before the count is read, so a bump in between is
    /// never missed.
    pub(crate) async fn after(&self, seen: u64) -> u64 {
        loop {
            let mut notified = std::pin::pin!(self.notify.notified());
            notified.as_mut().enable();
            let now = self.version();
            if now != seen {
                return now;
            }
            notified.await;
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::time::Duration;

    use super::*;

    #[tokio::test]
    async fn a_bump_wakes_a_waiter_and_one_before_the_wait_is_not_missed() {
        let changes = Arc::new(Changes::default());
        let seen = changes.version();
        changes.bump();
        // Bumped before the wait began: resolves at once.
        assert_eq!(changes.after(seen).await, seen + 1);

        let waiter = tokio::spawn({
            let changes = changes.clone();
            async move { changes.after(seen + 1).await }
        });
        tokio::task::yield_now().await;
        assert!(!waiter.is_finished());
        changes.bump();
        let woke = tokio::time::timeout(Duration::from_secs(5), waiter).await;
        assert_eq!(woke.ok().and_then(Result::ok), Some(seen + 2));
    }
}
