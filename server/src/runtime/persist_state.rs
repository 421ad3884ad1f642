//! What a session remembers about persisting its thread: whether the thread
//! is saved yet, and which steps changed since they were last written.
//!
//! A thread is saved when the user sends its first message (a tab that only
//! showed a welcome message leaves no empty thread behind). From then on,
//! completed steps are written before their completion is published, and
//! the other changes by the periodic checkpoint: at its next tick, except
//! the text of streaming steps, which waits for the checkpoint period
//! (see [`Checkpoint`]).

use std::collections::HashSet;

use loquat_app::protocol::{Millis, ServerEvent, Step, StepType, ThreadSummary};

use super::thread::ThreadState;
use crate::data::{ThreadRecord, WriteBatch};
use crate::lazy_json_map::LazyJsonMap;
use crate::time::now_millis;

/// The key of a thread's metadata that keeps the JSON part of its user
/// session, restored when the thread is resumed.
pub(crate) const USER_SESSION_KEY: &str = "user_session";

/// The key of a thread's metadata that keeps its chat settings (inputs and
/// values), restored when the thread is resumed.
pub(crate) const CHAT_SETTINGS_KEY: &str = "chat_settings";

/// The key of a thread's metadata that names its chat profile.
pub(crate) const CHAT_PROFILE_KEY: &str = "chat_profile";

/// The key of a thread's metadata that is `true` while a run goes on: a
/// thread resumed with it set was cut off by its server stopping.
pub(crate) const RUN_OPEN_KEY: &str = "run_open";

/// Metadata keys the runtime keeps for itself: a hook's new metadata
/// replaces everything else.
const RESERVED_KEYS: [&str; 4] = [
    USER_SESSION_KEY,
    CHAT_SETTINGS_KEY,
    CHAT_PROFILE_KEY,
    RUN_OPEN_KEY,
];

/// Longest automatic thread name, in characters.
const NAME_CHARS: usize = 60;

#[derive(Debug)]
pub(crate) struct PersistState {
    /// Id of the user owning the thread.
    pub(crate) owner: String,
    saved: bool,
    name: Option<String>,
    tags: Vec<String>,
    /// Allocated at its first entry (every session has a `PersistState`).
    metadata: LazyJsonMap,
    /// Reserved metadata entries ([`RESERVED_KEYS`]) changed since the
    /// record was last taken: the JSON part of the user session, the chat
    /// settings. Null or an empty object removes the entry.
    pending: Vec<(&'static str, serde_json::Value)>,
    created_at: Millis,
    updated_at: Millis,
    /// The `run_open` of the last record taken for writing (for a resumed
    /// thread, the stored one): a run mark already on its way to the data
    /// layer is not written again.
    run_open_written: bool,
    /// Steps changed since they were last submitted.
    dirty: HashSet<String>,
    /// The step marked last, so the next token for it costs one comparison.
    last_marked: Option<String>,
    /// The checkpointer's tick that first saw streaming steps among `dirty`
    /// (none while no streaming change waits): they are written once they
    /// have waited the period since.
    streaming_seen: Option<u64>,
}

/// Which pending changes a checkpoint writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Checkpoint {
    /// The checkpointer's tick number `tick` (one a second): everything
    /// pending, except streaming steps until `period` ticks have passed
    /// since a tick first saw them changed. Streamed text is thus at most
    /// `period` ticks old when written (it changed after the tick before),
    /// while a reply that streams for less than that is written only once,
    /// complete.
    Tick {
        /// The tick's number, counting up from 0.
        tick: u64,
        /// Ticks streamed text may wait (1 or more; 1 writes it at once).
        period: u64,
    },
    /// Everything pending (at shutdown, or before a hand-over).
    All,
}

/// The dirty steps a periodic checkpoint leaves waiting: the streaming
/// ones, except those before a step it writes (a step's first write fixes
/// its place, so none may be written after a later one).
#[derive(Debug, Clone, Copy)]
struct Waiting {
    /// The place of the last step written that does not stream, if any.
    after: Option<usize>,
}

impl Waiting {
    /// True when the dirty step `id` waits.
    fn holds(self, thread: &ThreadState, id: &str) -> bool {
        let Some(at) = thread.position(id) else {
            return false;
        };
        let streaming = thread.steps().get(at).is_some_and(|step| step.streaming);
        streaming && self.after.is_none_or(|last| at > last)
    }
}

/// True for the changes that must be written before they are published: a
/// step that is complete, and removals.
pub(crate) fn is_durable(event: &ServerEvent) -> bool {
    match event {
        ServerEvent::StepCreated { step } | ServerEvent::StepUpdated { step } => {
            !step.streaming && step.end.is_some()
        }
        ServerEvent::StepRemoved { .. }
        | ServerEvent::ElementSet { .. }
        | ServerEvent::ElementRemoved { .. } => true,
        _ => false,
    }
}

/// True for a new top-level user message: it saves or bumps the thread.
pub(crate) fn is_user_turn(event: &ServerEvent) -> bool {
    matches!(event, ServerEvent::StepCreated { step }
        if step.step_type == StepType::UserMessage && step.parent_id.is_none())
}

/// True when a thread's metadata entry [`RUN_OPEN_KEY`] says a run was
/// going on.
fn is_run_open(entry: Option<&serde_json::Value>) -> bool {
    entry == Some(&serde_json::Value::Bool(true))
}

/// The automatic name of a thread: the start of its first user message.
pub(crate) fn thread_name(content: &str) -> String {
    let line = content
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("");
    let mut name: String = line.chars().take(NAME_CHARS).collect();
    if line.chars().nth(NAME_CHARS).is_some() {
        name = name.trim_end().to_string();
        name.push('…');
    }
    if name.is_empty() {
        "New chat".into()
    } else {
        name
    }
}

impl PersistState {
    /// A new, not yet saved thread.
    pub(crate) fn new_thread(owner: String) -> Self {
        let now = now_millis();
        PersistState {
            owner,
            saved: false,
            name: None,
            tags: Vec::new(),
            metadata: LazyJsonMap::default(),
            pending: Vec::new(),
            created_at: now,
            updated_at: now,
            run_open_written: false,
            dirty: HashSet::new(),
            last_marked: None,
            streaming_seen: None,
        }
    }

    /// A thread loaded from the data layer; `dirty` lists steps that were
    /// changed while loading (closed because the server stopped mid-run).
    pub(crate) fn resumed(record: &ThreadRecord, dirty: HashSet<String>) -> Self {
        PersistState {
            owner: record.user_id.clone(),
            saved: true,
            name: record.name.clone(),
            tags: record.tags.clone(),
            metadata: LazyJsonMap::from(record.metadata.clone()),
            pending: Vec::new(),
            created_at: record.created_at,
            updated_at: record.updated_at,
            run_open_written: is_run_open(record.metadata.get(RUN_OPEN_KEY)),
            dirty,
            last_marked: None,
            streaming_seen: None,
        }
    }

    pub(crate) fn is_saved(&self) -> bool {
        self.saved
    }

    /// Applies what a hook changed about the thread (its next record has it).
    pub(crate) fn update(&mut self, update: &crate::data::ThreadUpdate) {
        if let Some(name) = &update.name {
            self.name = Some(name.clone());
        }
        if let Some(tags) = &update.tags {
            self.tags = tags.clone();
        }
        if let Some(metadata) = &update.metadata {
            let kept: Vec<(&str, serde_json::Value)> = RESERVED_KEYS
                .iter()
                .filter_map(|key| Some((*key, self.metadata.remove(key)?)))
                .collect();
            self.metadata = LazyJsonMap::from(metadata.clone());
            for (key, value) in kept {
                self.metadata.insert(key.into(), value);
            }
        }
    }

    /// The user session a resumed thread was stored with.
    pub(crate) fn saved_user_session(&self) -> Option<serde_json::Map<String, serde_json::Value>> {
        match self.metadata.get(USER_SESSION_KEY) {
            Some(serde_json::Value::Object(values)) => Some(values.clone()),
            _ => None,
        }
    }

    /// Notes that a run started (`true`) or ended, for the thread's next
    /// record.
    pub(crate) fn set_run_open(&mut self, open: bool) {
        let value = match open {
            true => serde_json::Value::Bool(true),
            false => serde_json::Value::Null,
        };
        self.set_reserved(RUN_OPEN_KEY, value);
    }

    /// Notes that a run started; true when the thread's record must be
    /// written for it (the last record taken did not have a run open).
    pub(crate) fn open_run(&mut self) -> bool {
        self.note_run_open(true)
    }

    /// Notes that no run goes on; true when the thread's record must be
    /// written for it (the last record taken had a run open, so a server
    /// stopping now would leave a false "cut off" mark behind).
    pub(crate) fn close_run(&mut self) -> bool {
        self.note_run_open(false)
    }

    fn note_run_open(&mut self, open: bool) -> bool {
        if open == self.run_open_written {
            // The metadata has it already: a pending entry would only make
            // the next checkpoint write the record for nothing.
            self.pending.retain(|(key, _)| *key != RUN_OPEN_KEY);
            return false;
        }
        self.set_run_open(open);
        true
    }

    /// True when the thread was stored while a run went on.
    pub(crate) fn saved_run_open(&self) -> bool {
        is_run_open(self.metadata.get(RUN_OPEN_KEY))
    }

    /// Notes the JSON part of the user session, to be written with the
    /// thread's record (at the next checkpoint).
    pub(crate) fn set_user_session(&mut self, values: serde_json::Map<String, serde_json::Value>) {
        self.set_reserved(USER_SESSION_KEY, serde_json::Value::Object(values));
    }

    /// A new thread's chat profile: named in its metadata, and among its
    /// tags with `tag`.
    pub(crate) fn set_chat_profile(&mut self, name: &str, tag: bool) {
        self.metadata.insert(
            CHAT_PROFILE_KEY.into(),
            serde_json::Value::String(name.into()),
        );
        if tag && !self.tags.iter().any(|t| t == name) {
            self.tags.push(name.to_string());
        }
    }

    /// The chat profile a resumed thread was started with.
    pub(crate) fn saved_chat_profile(&self) -> Option<String> {
        self.metadata
            .get(CHAT_PROFILE_KEY)
            .and_then(|v| v.as_str())
            .map(str::to_string)
    }

    /// The chat settings a resumed thread was stored with, if they still
    /// read as settings.
    pub(crate) fn saved_chat_settings(&self) -> Option<loquat_app::protocol::ChatSettings> {
        let value = self.metadata.get(CHAT_SETTINGS_KEY)?;
        match serde_json::from_value(value.clone()) {
            Ok(settings) => Some(settings),
            Err(err) => {
                tracing::warn!(error = %err, "a thread's stored chat settings do not read; left out");
                None
            }
        }
    }

    /// Notes the chat settings (or their removal, with `None`), to be
    /// written with the thread's record.
    pub(crate) fn set_chat_settings(
        &mut self,
        settings: Option<&loquat_app::protocol::ChatSettings>,
    ) {
        let value = settings
            .and_then(|s| serde_json::to_value(s).ok())
            .unwrap_or(serde_json::Value::Null);
        self.set_reserved(CHAT_SETTINGS_KEY, value);
    }

    fn set_reserved(&mut self, key: &'static str, value: serde_json::Value) {
        self.pending.retain(|(k, _)| *k != key);
        self.pending.push((key, value));
    }

    /// Notes a change about to be applied (call before applying it).
    pub(crate) fn track(&mut self, event: &ServerEvent, thread: &ThreadState) {
        match event {
            ServerEvent::StepCreated { step } | ServerEvent::StepUpdated { step } => {
                self.mark(&step.id)
            }
            ServerEvent::StepDelta { id, .. } => self.mark(id),
            ServerEvent::StepRemoved { id } => {
                for gone in thread.subtree(id) {
                    self.dirty.remove(&gone);
                }
                self.last_marked = None;
            }
            _ => {}
        }
    }

    fn mark(&mut self, id: &str) {
        // The common case, another token for the same step, neither hashes
        // nor allocates.
        if self.last_marked.as_deref() == Some(id) {
            return;
        }
        if !self.dirty.contains(id) {
            self.dirty.insert(id.to_string());
        }
        self.last_marked = Some(id.to_string());
    }

    /// The changes `when` writes, if any: the thread's record when its
    /// reserved metadata changed, and the changed steps (see
    /// [`Checkpoint`]). Steps left waiting stay marked. Costs a look-up
    /// per dirty step, and allocates nothing while only streamed text
    /// waits.
    pub(crate) fn checkpoint(
        &mut self,
        thread: &ThreadState,
        when: Checkpoint,
    ) -> Option<WriteBatch> {
        if !self.saved || (self.dirty.is_empty() && self.pending.is_empty()) {
            return None;
        }
        let waiting = match when {
            Checkpoint::Tick { tick, period } => self.waiting(thread, tick, period),
            Checkpoint::All => None,
        };
        let held: HashSet<String> = match waiting {
            Some(waiting) => {
                if self.pending.is_empty() && self.dirty.iter().all(|id| waiting.holds(thread, id))
                {
                    // Only streamed text, not due yet.
                    return None;
                }
                self.dirty
                    .iter()
                    .filter(|id| waiting.holds(thread, id))
                    .cloned()
                    .collect()
            }
            None => HashSet::new(),
        };
        let threads = match !self.pending.is_empty() {
            true => vec![self.record(&thread.id)],
            false => Vec::new(),
        };
        let steps = self.take_dirty(thread, &held);
        match held.is_empty() {
            true => self.streaming_seen = None,
            false => self.dirty = held,
        }
        Some(WriteBatch {
            threads,
            steps,
            ..Default::default()
        })
    }

    /// Which dirty steps wait at tick `tick`: the streaming ones, until
    /// they waited `period` ticks since a tick first saw them. `None` when
    /// none does.
    fn waiting(&mut self, thread: &ThreadState, tick: u64, period: u64) -> Option<Waiting> {
        let streaming = |id: &String| thread.get(id).is_some_and(|step| step.streaming);
        if !self.dirty.iter().any(streaming) {
            self.streaming_seen = None;
            return None;
        }
        let seen = *self.streaming_seen.get_or_insert(tick);
        if tick.saturating_sub(seen).saturating_add(1) >= period {
            return None;
        }
        let last_plain = self
            .dirty
            .iter()
            .filter(|id| !streaming(id))
            .filter_map(|id| thread.position(id))
            .max();
        Some(Waiting { after: last_plain })
    }

    /// The batch that makes `changes` (about to be applied to `thread`)
    /// durable, with every other pending change before them. `None` while
    /// the thread is not saved and `changes` do not start a user turn.
    pub(crate) fn batch(
        &mut self,
        thread: &ThreadState,
        changes: &[ServerEvent],
    ) -> Option<WriteBatch> {
        let user_turn = changes.iter().find_map(|e| match e {
            ServerEvent::StepCreated { step } if is_user_turn(e) => Some(step),
            _ => None,
        });
        if !self.saved && user_turn.is_none() {
            return None;
        }
        let mut batch = WriteBatch::default();
        if let Some(step) = user_turn {
            if self.name.is_none() {
                self.name = Some(thread_name(&step.output));
            }
            self.updated_at = self.updated_at.max(step.created_at);
            batch.threads.push(self.record(&thread.id));
        }
        if !self.saved {
            // Everything shown so far (a welcome message, say) is new.
            for step in thread.steps() {
                self.mark(&step.id);
            }
            batch.elements.extend(thread.elements().iter().cloned());
            self.saved = true;
        }
        let mut superseded = HashSet::new();
        for change in changes {
            match change {
                ServerEvent::StepCreated { step } | ServerEvent::StepUpdated { step } => {
                    superseded.insert(step.id.clone());
                }
                ServerEvent::StepRemoved { id } => superseded.extend(thread.subtree(id)),
                _ => {}
            }
        }
        // Steps go in thread order (a step's first write fixes its place);
        // steps created by `changes` are not in the thread yet and go last.
        // Every dirty step goes, streaming or not: none waits any more.
        let mut steps = self.take_dirty_at(thread, &superseded);
        self.streaming_seen = None;
        for change in changes {
            match change {
                ServerEvent::StepCreated { step } | ServerEvent::StepUpdated { step } => {
                    let at = thread.position(&step.id).unwrap_or(usize::MAX);
                    steps.push((at, step.clone()));
                }
                ServerEvent::StepRemoved { id } => batch.deleted_steps.extend(
                    thread
                        .subtree(id)
                        .into_iter()
                        .map(|step| (thread.id.clone(), step)),
                ),
                ServerEvent::ElementSet { element } => batch.elements.push(element.clone()),
                ServerEvent::ElementRemoved { id } => {
                    batch.deleted_elements.push((thread.id.clone(), id.clone()))
                }
                _ => {}
            }
        }
        steps.sort_by_key(|(at, _)| *at);
        batch.steps = steps.into_iter().map(|(_, step)| step).collect();
        Some(batch)
    }

    /// Dirty steps in thread order, except `skip`; clears the dirty set.
    fn take_dirty(&mut self, thread: &ThreadState, skip: &HashSet<String>) -> Vec<Step> {
        self.take_dirty_at(thread, skip)
            .into_iter()
            .map(|(_, step)| step)
            .collect()
    }

    /// Dirty steps with their place in the thread, in thread order, except
    /// `skip`; clears the dirty set. Costs what the dirty steps cost, not
    /// what the thread's length does.
    fn take_dirty_at(
        &mut self,
        thread: &ThreadState,
        skip: &HashSet<String>,
    ) -> Vec<(usize, Step)> {
        let mut steps: Vec<(usize, Step)> = self
            .dirty
            .drain()
            .filter(|id| !skip.contains(id))
            .filter_map(|id| {
                let at = thread.position(&id)?;
                Some((at, thread.steps().get(at)?.clone()))
            })
            .collect();
        self.last_marked = None;
        steps.sort_by_key(|(at, _)| *at);
        steps
    }

    /// The thread's record as it would be stored now (the reserved entries
    /// in its metadata); the pending entries count as written once a record
    /// has been taken.
    pub(crate) fn record(&mut self, thread_id: &str) -> ThreadRecord {
        for (key, value) in std::mem::take(&mut self.pending) {
            let empty = match &value {
                serde_json::Value::Null => true,
                serde_json::Value::Object(values) => values.is_empty(),
                _ => false,
            };
            if empty {
                self.metadata.remove(key);
            } else {
                self.metadata.insert(key.into(), value);
            }
        }
        self.run_open_written = is_run_open(self.metadata.get(RUN_OPEN_KEY));
        self.peek_record(thread_id)
    }

    /// The record, without taking the pending entries.
    pub(crate) fn peek_record(&self, thread_id: &str) -> ThreadRecord {
        ThreadRecord {
            id: thread_id.to_string(),
            user_id: self.owner.clone(),
            name: self.name.clone(),
            created_at: self.created_at,
            updated_at: self.updated_at,
            tags: self.tags.clone(),
            metadata: self.metadata.to_map(),
        }
    }

    /// How history shows the thread.
    pub(crate) fn summary(&self, thread_id: &str) -> ThreadSummary {
        ThreadSummary {
            id: thread_id.to_string(),
            name: self.name.clone().unwrap_or_else(|| "New chat".into()),
            created_at: self.created_at,
            updated_at: self.updated_at,
            snippet: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_come_from_the_first_line_and_are_shortened() {
        assert_eq!(thread_name("\n  Hello there \nsecond"), "Hello there");
        let long = "word ".repeat(30);
        let name = thread_name(&long);
        assert!(name.ends_with('…'));
        assert!(name.chars().count() <= NAME_CHARS + 1);
        assert_eq!(thread_name("   "), "New chat");
    }

    fn streaming(id: &str) -> Step {
        Step {
            id: id.into(),
            thread_id: "t".into(),
            step_type: StepType::AssistantMessage,
            streaming: true,
            ..Default::default()
        }
    }

    /// Applies `event` to `thread` the way a session does: tracked first.
    fn emit(persist: &mut PersistState, thread: &mut ThreadState, event: ServerEvent) {
        persist.track(&event, thread);
        thread.apply(event);
    }

    #[test]
    fn batches_keep_thread_order_and_each_change_once() {
        let mut thread = ThreadState::new("t".into());
        let mut persist = PersistState::new_thread("me".into());
        let user = Step {
            id: "u".into(),
            thread_id: "t".into(),
            step_type: StepType::UserMessage,
            output: "hello".into(),
            end: Some(1),
            ..Default::default()
        };
        let created = ServerEvent::StepCreated { step: user.clone() };
        let batch = persist
            .batch(&thread, std::slice::from_ref(&created))
            .unwrap();
        assert_eq!(batch.threads.len(), 1);
        assert_eq!(batch.threads[0].name.as_deref(), Some("hello"));
        thread.apply(created);

        // Two streaming steps, tokens for both; then the first finishes.
        for id in ["a", "b"] {
            emit(
                &mut persist,
                &mut thread,
                ServerEvent::StepCreated {
                    step: streaming(id),
                },
            );
        }
        for id in ["a", "b", "a", "a"] {
            let delta = ServerEvent::StepDelta {
                id: id.into(),
                delta: "x".into(),
                input: false,
            };
            emit(&mut persist, &mut thread, delta);
        }
        let mut done = thread.get("a").unwrap().clone();
        done.streaming = false;
        done.end = Some(2);
        let finish = ServerEvent::StepUpdated { step: done.clone() };
        let batch = persist
            .batch(&thread, std::slice::from_ref(&finish))
            .unwrap();
        let ids: Vec<&str> = batch.steps.iter().map(|s| s.id.as_str()).collect();
        assert_eq!(ids, ["a", "b"], "thread order, the finished state of a");
        assert_eq!(batch.steps[0], done);
        assert_eq!(batch.steps[1].output, "x");
        assert!(batch.threads.is_empty());
        thread.apply(finish);

        // Nothing changed since: no checkpoint; a new token: just that step.
        assert!(persist.checkpoint(&thread, Checkpoint::All).is_none());
        let delta = ServerEvent::StepDelta {
            id: "b".into(),
            delta: "y".into(),
            input: false,
        };
        emit(&mut persist, &mut thread, delta);
        let batch = persist.checkpoint(&thread, Checkpoint::All).unwrap();
        assert_eq!(batch.steps.len(), 1);
        assert_eq!(batch.steps[0].output, "xy");
    }

    /// `run_open` as the record taken now has it.
    fn recorded_open(persist: &mut PersistState) -> bool {
        is_run_open(persist.record("t").metadata.get(RUN_OPEN_KEY))
    }

    #[test]
    fn a_run_mark_is_written_once_and_only_when_it_changes() {
        let thread = ThreadState::new("t".into());
        let mut persist = PersistState::new_thread("me".into());
        let user = ServerEvent::StepCreated {
            step: Step {
                id: "u".into(),
                thread_id: "t".into(),
                step_type: StepType::UserMessage,
                output: "hello".into(),
                end: Some(1),
                ..Default::default()
            },
        };

        // A user turn that a run follows carries the mark: the run's start
        // needs no record of its own, nor does a second start.
        persist.set_run_open(true);
        let batch = persist.batch(&thread, std::slice::from_ref(&user)).unwrap();
        assert!(is_run_open(batch.threads[0].metadata.get(RUN_OPEN_KEY)));
        assert!(!persist.open_run());
        assert!(!persist.open_run());
        assert!(
            persist.checkpoint(&thread, Checkpoint::All).is_none(),
            "nothing to write"
        );
        // Its end must be written; once taken, not again.
        assert!(persist.close_run());
        assert!(!recorded_open(&mut persist));
        assert!(!persist.close_run());

        // Marked and written, then closed before the next record: only the
        // close needs writing. Opened and closed between two records:
        // nothing does, and the next record has no mark.
        assert!(persist.open_run());
        assert!(recorded_open(&mut persist));
        assert!(!persist.open_run());
        assert!(persist.close_run());
        assert!(!recorded_open(&mut persist));
        assert!(persist.open_run());
        assert!(!persist.close_run());
        assert!(
            persist.checkpoint(&thread, Checkpoint::All).is_none(),
            "nothing to write"
        );
        assert!(!recorded_open(&mut persist));

        // A thread stored with a run open must have the mark taken back.
        let stored = persist.peek_record("t");
        let mut opened = stored.clone();
        opened
            .metadata
            .insert(RUN_OPEN_KEY.into(), serde_json::Value::Bool(true));
        assert!(PersistState::resumed(&opened, HashSet::new()).close_run());
        assert!(!PersistState::resumed(&opened, HashSet::new()).open_run());
        assert!(!PersistState::resumed(&stored, HashSet::new()).close_run());
    }

    /// A saved thread holding one finished user message, `u`.
    fn saved() -> (ThreadState, PersistState) {
        let mut thread = ThreadState::new("t".into());
        let mut persist = PersistState::new_thread("me".into());
        let created = ServerEvent::StepCreated {
            step: Step {
                id: "u".into(),
                thread_id: "t".into(),
                step_type: StepType::UserMessage,
                output: "hello".into(),
                end: Some(1),
                ..Default::default()
            },
        };
        assert!(persist
            .batch(&thread, std::slice::from_ref(&created))
            .is_some());
        thread.apply(created);
        (thread, persist)
    }

    /// [`saved`], then a reply `a` that streams, its first token `x` in.
    fn streaming_reply() -> (ThreadState, PersistState) {
        let (mut thread, mut persist) = saved();
        let a = ServerEvent::StepCreated {
            step: streaming("a"),
        };
        emit(&mut persist, &mut thread, a);
        token(&mut persist, &mut thread, "a", "x");
        (thread, persist)
    }

    /// Another token for `id`.
    fn token(persist: &mut PersistState, thread: &mut ThreadState, id: &str, text: &str) {
        let delta = ServerEvent::StepDelta {
            id: id.into(),
            delta: text.into(),
            input: false,
        };
        emit(persist, thread, delta);
    }

    /// The periodic checkpoint at `tick`, streamed text waiting 3 ticks.
    fn tick(tick: u64) -> Checkpoint {
        Checkpoint::Tick { tick, period: 3 }
    }

    fn step_ids(batch: &WriteBatch) -> Vec<&str> {
        batch.steps.iter().map(|s| s.id.as_str()).collect()
    }

    #[test]
    fn streamed_text_waits_for_the_period_and_other_changes_do_not() {
        let (mut thread, mut persist) = streaming_reply();
        // First seen at tick 10: written at tick 12, not before.
        assert!(persist.checkpoint(&thread, tick(10)).is_none());
        assert!(persist.checkpoint(&thread, tick(11)).is_none());

        // The record's changes are written at once; the text still waits.
        let mut values = serde_json::Map::new();
        values.insert("name".into(), "Ada".into());
        persist.set_user_session(values);
        let batch = persist.checkpoint(&thread, tick(11)).unwrap();
        assert_eq!(batch.threads.len(), 1);
        assert!(batch.threads[0].metadata.contains_key(USER_SESSION_KEY));
        assert!(batch.steps.is_empty());
        persist.set_chat_settings(Some(&loquat_app::protocol::ChatSettings::default()));
        let batch = persist.checkpoint(&thread, tick(11)).unwrap();
        assert!(batch.threads[0].metadata.contains_key(CHAT_SETTINGS_KEY));
        assert!(batch.steps.is_empty());

        // So is a step that does not stream (a reaction on a message
        // before the streaming one).
        let mut reacted = thread.get("u").unwrap().clone();
        reacted
            .metadata
            .insert("reactions".into(), "[\"like\"]".into());
        let update = ServerEvent::StepUpdated {
            step: reacted.clone(),
        };
        emit(&mut persist, &mut thread, update);
        let batch = persist.checkpoint(&thread, tick(11)).unwrap();
        assert_eq!(step_ids(&batch), ["u"]);
        assert_eq!(batch.steps[0], reacted);
        assert!(batch.threads.is_empty());
        assert!(persist.checkpoint(&thread, tick(11)).is_none());

        // Due: the text as it is now.
        token(&mut persist, &mut thread, "a", "y");
        let batch = persist.checkpoint(&thread, tick(12)).unwrap();
        assert_eq!(step_ids(&batch), ["a"]);
        assert_eq!(batch.steps[0].output, "xy");
        assert!(persist.checkpoint(&thread, tick(13)).is_none(), "written");

        // Later text waits the period again, from the tick that sees it.
        token(&mut persist, &mut thread, "a", "z");
        assert!(persist.checkpoint(&thread, tick(14)).is_none());
        assert!(persist.checkpoint(&thread, tick(15)).is_none());
        let batch = persist.checkpoint(&thread, tick(16)).unwrap();
        assert_eq!(batch.steps[0].output, "xyz");
    }

    #[test]
    fn a_period_of_one_tick_writes_streamed_text_at_once() {
        let (thread, mut persist) = streaming_reply();
        let once = Checkpoint::Tick { tick: 0, period: 1 };
        let batch = persist.checkpoint(&thread, once).unwrap();
        assert_eq!(step_ids(&batch), ["a"]);
        assert!(persist.checkpoint(&thread, once).is_none());
    }

    #[test]
    fn a_step_written_after_waiting_text_takes_it_along() {
        let (mut thread, mut persist) = streaming_reply();
        assert!(persist.checkpoint(&thread, tick(0)).is_none());
        // A tool step after it, going on but not streaming: written at
        // once, and `a` first, or `a` would be stored after it.
        let tool = Step {
            id: "b".into(),
            thread_id: "t".into(),
            parent_id: Some("a".into()),
            step_type: StepType::Tool,
            ..Default::default()
        };
        emit(
            &mut persist,
            &mut thread,
            ServerEvent::StepCreated { step: tool },
        );
        let batch = persist.checkpoint(&thread, tick(1)).unwrap();
        assert_eq!(step_ids(&batch), ["a", "b"]);
        assert_eq!(batch.steps[0].output, "x");
        assert!(persist.checkpoint(&thread, tick(2)).is_none());
    }

    #[test]
    fn forced_checkpoints_and_durable_batches_write_waiting_text() {
        let (mut thread, mut persist) = saved();
        for id in ["a", "b"] {
            let created = ServerEvent::StepCreated {
                step: streaming(id),
            };
            emit(&mut persist, &mut thread, created);
        }
        token(&mut persist, &mut thread, "a", "x");
        assert!(persist.checkpoint(&thread, tick(0)).is_none());
        let batch = persist.checkpoint(&thread, Checkpoint::All).unwrap();
        assert_eq!(step_ids(&batch), ["a", "b"]);
        assert!(persist.checkpoint(&thread, Checkpoint::All).is_none());

        // Text seen at tick 1 waits; `b` finishing writes it along, and
        // the next text waits the whole period again (from tick 3).
        token(&mut persist, &mut thread, "a", "y");
        assert!(persist.checkpoint(&thread, tick(1)).is_none());
        let mut done = thread.get("b").unwrap().clone();
        done.streaming = false;
        done.end = Some(2);
        let finish = ServerEvent::StepUpdated { step: done };
        let batch = persist
            .batch(&thread, std::slice::from_ref(&finish))
            .unwrap();
        assert_eq!(step_ids(&batch), ["a", "b"]);
        assert_eq!(batch.steps[0].output, "xy");
        thread.apply(finish);
        token(&mut persist, &mut thread, "a", "z");
        assert!(persist.checkpoint(&thread, tick(3)).is_none());
        assert!(persist.checkpoint(&thread, tick(4)).is_none());
        let batch = persist.checkpoint(&thread, tick(5)).unwrap();
        assert_eq!(batch.steps[0].output, "xyz");
    }
}
