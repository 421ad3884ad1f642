//! The per-session replay buffer: every sequenced event, serialized once, kept
//! for as long as the buffer's bounds allow so a reconnecting client can get
//! exactly what it missed. The buffers of all sessions of a server also
//! share one byte bound ([`ReplayBudget`]): past it, the largest buffers are
//! cut first, and a client whose gap reaches past its buffer gets a
//! snapshot instead, which is always correct, only larger.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

/// Bounds of the replay buffers. Older events are dropped first; a client
/// whose gap reaches past them gets a snapshot instead.
///
/// ```
/// use loquat::{Loquat, RuntimeLimits};
///
/// let mut limits = RuntimeLimits::default();
/// // A server with many sessions and little memory keeps less for replay.
/// limits.replay.max_total_bytes = 16 * 1024 * 1024;
/// let app = Loquat::new().limits(limits);
/// # let _ = app;
/// ```
#[derive(Clone, Copy, Debug)]
pub struct ReplayLimits {
    /// Events kept per session.
    pub max_events: usize,
    /// Bytes kept per session (one larger event is still kept, alone).
    pub max_bytes: usize,
    /// Bytes kept by all sessions of the server together. Past it, every
    /// buffer is cut to its share (three quarters of this, divided by the
    /// sessions), so an idle server does not keep its busy hours' events.
    pub max_total_bytes: usize,
}

impl Default for ReplayLimits {
    fn default() -> Self {
        ReplayLimits {
            max_events: 4096,
            max_bytes: 512 * 1024,
            max_total_bytes: 64 * 1024 * 1024,
        }
    }
}

/// What an event kept costs besides its text: the header of its shared
/// allocation, the allocator's rounding and its slot in the buffer.
const EVENT_OVERHEAD: usize = 48;

/// The bytes all the replay buffers of one server hold, against
/// [`ReplayLimits::max_total_bytes`]. Each buffer adds and removes its own;
/// a buffer that takes the total over the bound cuts itself to its share
/// and wakes the runtime's trimmer, which cuts the others.
#[derive(Debug)]
pub(crate) struct ReplayBudget {
    limits: ReplayLimits,
    used: AtomicUsize,
    logs: AtomicUsize,
    over: tokio::sync::Notify,
}

impl ReplayBudget {
    pub(crate) fn new(limits: ReplayLimits) -> Arc<ReplayBudget> {
        Arc::new(ReplayBudget {
            limits,
            used: AtomicUsize::new(0),
            logs: AtomicUsize::new(0),
            over: tokio::sync::Notify::new(),
        })
    }

    #[cfg(test)]
    pub(crate) fn limits(&self) -> ReplayLimits {
        self.limits
    }

    /// Bytes held by all buffers now.
    pub(crate) fn used(&self) -> usize {
        self.used.load(Ordering::Relaxed)
    }

    fn is_over(&self) -> bool {
        self.used() > self.limits.max_total_bytes
    }

    /// What one buffer may keep once the total went over the bound: three
    /// quarters of the bound shared by all buffers (the quarter left over
    /// keeps the trimmer from running again at once).
    pub(crate) fn share(&self) -> usize {
        self.limits.max_total_bytes / 4 * 3 / self.logs.load(Ordering::Relaxed).max(1)
    }

    /// Resolves when a buffer took the total over the bound.
    pub(crate) async fn went_over(&self) {
        self.over.notified().await;
    }
}

/// What a client that applied everything up to some sequence needs next.
#[derive(Debug, PartialEq)]
pub(crate) enum Since {
    /// The serialized envelopes after the cursor, in order (maybe none).
    Events(Vec<Arc<str>>),
    /// Some of the missed events were dropped: send a snapshot.
    Gap,
}

#[derive(Debug)]
pub(crate) struct EventLog {
    last_seq: u64,
    events: VecDeque<Arc<str>>,
    /// What the events cost, counted as the budget counts them.
    bytes: usize,
    budget: Arc<ReplayBudget>,
}

impl Drop for EventLog {
    fn drop(&mut self) {
        self.budget.used.fetch_sub(self.bytes, Ordering::Relaxed);
        self.budget.logs.fetch_sub(1, Ordering::Relaxed);
    }
}

impl EventLog {
    pub(crate) fn new(budget: Arc<ReplayBudget>) -> Self {
        EventLog::starting_at(0, budget)
    }

    /// An empty log whose next event is `last_seq + 1`: a copy of another
    /// node's session starting where that session is.
    pub(crate) fn starting_at(last_seq: u64, budget: Arc<ReplayBudget>) -> Self {
        budget.logs.fetch_add(1, Ordering::Relaxed);
        EventLog {
            last_seq,
            events: VecDeque::new(),
            bytes: 0,
            budget,
        }
    }

    /// The budget it counts against.
    pub(crate) fn budget(&self) -> &Arc<ReplayBudget> {
        &self.budget
    }

    /// The sequence number the next event will get.
    pub(crate) fn next_seq(&self) -> u64 {
        self.last_seq + 1
    }

    pub(crate) fn last_seq(&self) -> u64 {
        self.last_seq
    }

    /// Sequence number of the oldest event still buffered.
    fn first_seq(&self) -> u64 {
        self.last_seq + 1 - self.events.len() as u64
    }

    /// Appends the serialized envelope of event `next_seq()`.
    pub(crate) fn push(&mut self, json: Arc<str>) {
        self.last_seq += 1;
        let cost = json.len() + EVENT_OVERHEAD;
        self.bytes += cost;
        self.budget.used.fetch_add(cost, Ordering::Relaxed);
        self.events.push_back(json);
        let limits = self.budget.limits;
        while self.events.len() > limits.max_events
            || (self.bytes > limits.max_bytes && self.events.len() > 1)
        {
            self.pop();
        }
        if self.budget.is_over() {
            self.trim_to(self.budget.share());
            self.budget.over.notify_one();
        }
    }

    fn pop(&mut self) {
        if let Some(old) = self.events.pop_front() {
            let cost = old.len() + EVENT_OVERHEAD;
            self.bytes -= cost;
            self.budget.used.fetch_sub(cost, Ordering::Relaxed);
        }
    }

    /// Drops the oldest events until the rest cost at most `bytes` (maybe
    /// none), and gives back the buffer's room when most of it is unused.
    pub(crate) fn trim_to(&mut self, bytes: usize) {
        if self.bytes <= bytes {
            return;
        }
        while self.bytes > bytes && !self.events.is_empty() {
            self.pop();
        }
        if self.events.capacity() > 4 * self.events.len().max(8) {
            self.events.shrink_to(2 * self.events.len());
        }
    }

    /// What its events cost now.
    #[cfg(test)]
    pub(crate) fn bytes(&self) -> usize {
        self.bytes
    }

    /// Events after `cursor`, at most `max` of them.
    pub(crate) fn since(&self, cursor: u64, max: usize) -> Since {
        if cursor >= self.last_seq {
            return Since::Events(Vec::new());
        }
        if cursor + 1 < self.first_seq() {
            return Since::Gap;
        }
        let start = (cursor + 1 - self.first_seq()) as usize;
        Since::Events(self.events.iter().skip(start).take(max).cloned().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn log_with(n: u64, limits: ReplayLimits) -> EventLog {
        let mut log = EventLog::new(ReplayBudget::new(limits));
        for i in 1..=n {
            log.push(Arc::from(format!("e{i}")));
        }
        log
    }

    #[test]
    fn replays_exactly_the_events_after_the_cursor() {
        let log = log_with(5, ReplayLimits::default());
        assert_eq!(
            log.since(2, 100),
            Since::Events(vec![Arc::from("e3"), Arc::from("e4"), Arc::from("e5")])
        );
        assert_eq!(log.since(5, 100), Since::Events(vec![]));
        assert_eq!(
            log.since(0, 2),
            Since::Events(vec![Arc::from("e1"), Arc::from("e2")])
        );
    }

    #[test]
    fn a_gap_older_than_the_buffer_asks_for_a_snapshot() {
        let limits = ReplayLimits {
            max_events: 3,
            ..ReplayLimits::default()
        };
        let log = log_with(10, limits);
        assert_eq!(log.since(6, 100), Since::Gap);
        assert_eq!(
            log.since(7, 100),
            Since::Events(vec![Arc::from("e8"), Arc::from("e9"), Arc::from("e10")])
        );
    }

    #[test]
    fn the_byte_bound_drops_old_events() {
        let limits = ReplayLimits {
            max_events: 100,
            max_bytes: 2 * (2 + EVENT_OVERHEAD),
            ..ReplayLimits::default()
        };
        let log = log_with(5, limits);
        assert_eq!(log.since(0, 100), Since::Gap);
        assert_eq!(log.last_seq(), 5);
        assert_eq!(log.since(2, 100), Since::Gap);
        assert_eq!(
            log.since(3, 100),
            Since::Events(vec![Arc::from("e4"), Arc::from("e5")])
        );
    }

    #[test]
    fn all_buffers_together_stay_within_the_total() {
        // Room for about 40 events of 10 bytes in all.
        let budget = ReplayBudget::new(ReplayLimits {
            max_total_bytes: 40 * (10 + EVENT_OVERHEAD),
            ..ReplayLimits::default()
        });
        let mut idle = EventLog::new(budget.clone());
        for i in 0..30 {
            idle.push(Arc::from(format!("idle-{i:04}")));
        }
        assert_eq!(budget.used(), idle.bytes());
        let mut busy = EventLog::new(budget.clone());
        for i in 0..100 {
            busy.push(Arc::from(format!("busy-{i:04}")));
            // The busy buffer cuts itself: the total overshoots by at most
            // what the idle one holds above its share, until the trimmer
            // cuts that one too.
            assert!(busy.bytes() <= budget.share().max(10 + EVENT_OVERHEAD));
        }
        assert!(budget.used() > budget.limits().max_total_bytes);
        // What the runtime's trimmer does to every buffer.
        idle.trim_to(budget.share());
        assert!(budget.used() <= budget.limits().max_total_bytes);
        // The newest events are the ones kept, and a client behind them
        // gets a snapshot.
        assert_eq!(
            busy.since(99, 10),
            Since::Events(vec![Arc::from("busy-0099")])
        );
        assert_eq!(busy.since(0, 10), Since::Gap);
        drop((idle, busy));
        assert_eq!(budget.used(), 0);
        assert_eq!(budget.share(), budget.limits().max_total_bytes / 4 * 3);
    }
}
