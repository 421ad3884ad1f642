//! The per-session replay buffer: every sequenced event, serialized once, kept
//! for as long as the buffer's bounds allow so a reconnecting client can get
//! exactly what it missed.

use std::collections::VecDeque;
use std::sync::Arc;

/// Bounds of the replay buffer. Older events are dropped first; a client
/// whose gap reaches past them gets a snapshot instead.
#[derive(Clone, Copy, Debug)]
pub struct ReplayLimits {
    pub max_events: usize,
    pub max_bytes: usize,
}

impl Default for ReplayLimits {
    fn default() -> Self {
        ReplayLimits {
            max_events: 4096,
            max_bytes: 512 * 1024,
        }
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
    bytes: usize,
    limits: ReplayLimits,
}

impl EventLog {
    pub(crate) fn new(limits: ReplayLimits) -> Self {
        EventLog {
            last_seq: 0,
            events: VecDeque::new(),
            bytes: 0,
            limits,
        }
    }

    /// An empty log whose next event is `last_seq + 1`: a copy of another
    /// node's session starting where that session is.
    pub(crate) fn starting_at(last_seq: u64, limits: ReplayLimits) -> Self {
        EventLog {
            last_seq,
            ..EventLog::new(limits)
        }
    }

    /// The bounds it was made with.
    pub(crate) fn limits(&self) -> ReplayLimits {
        self.limits
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
        self.bytes += json.len();
        self.events.push_back(json);
        while self.events.len() > self.limits.max_events
            || (self.bytes > self.limits.max_bytes && self.events.len() > 1)
        {
            if let Some(old) = self.events.pop_front() {
                self.bytes -= old.len();
            }
        }
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
        let mut log = EventLog::new(limits);
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
            max_bytes: 1 << 20,
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
            max_bytes: 6,
        };
        let log = log_with(5, limits);
        assert_eq!(log.since(0, 100), Since::Gap);
        assert_eq!(log.last_seq(), 5);
        assert_eq!(
            log.since(2, 100),
            Since::Events(vec![Arc::from("e3"), Arc::from("e4"), Arc::from("e5")])
        );
    }
}
