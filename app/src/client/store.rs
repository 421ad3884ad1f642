use std::collections::HashMap;

use leptos::prelude::*;

use super::ConnectionState;
use crate::protocol::{
    Ask, ChatSettings, Command, Element, Envelope, ErrorCode, ServerEvent, SidePanel, Step,
    ThreadSummary,
};

/// One step of the thread as the components see it. Streamed text lives in
/// its own signal so a token touches nothing else.
/// A history change the server announced: the thread as it stands, and
/// whether its name is new (a hook renamed it).
#[derive(Clone, Debug, PartialEq)]
pub struct ThreadChange {
    pub thread: ThreadSummary,
    pub renamed: bool,
}

#[derive(Clone, Copy)]
pub struct StepModel {
    /// Everything but the streamed text (`output`/`input` may be stale here).
    pub step: RwSignal<Step>,
    pub output: RwSignal<String>,
    pub input: RwSignal<String>,
    /// Bumped when the output is replaced rather than appended to.
    pub output_version: RwSignal<u32>,
    pub children: RwSignal<Vec<String>>,
    /// Elements attached to the step, in the order they came.
    pub elements: RwSignal<Vec<Element>>,
}

impl StepModel {
    fn new(step: Step) -> Self {
        StepModel {
            elements: RwSignal::new(Vec::new()),
            output: RwSignal::new(step.output.clone()),
            input: RwSignal::new(step.input.clone()),
            output_version: RwSignal::new(0),
            children: RwSignal::new(Vec::new()),
            step: RwSignal::new(step),
        }
    }
}

/// The client's copy of the session: what the feed renders.
#[derive(Clone, Copy)]
pub struct ChatStore {
    pub roots: RwSignal<Vec<String>>,
    steps: StoredValue<HashMap<String, StepModel>>,
    pub running: RwSignal<bool>,
    pub connection: RwSignal<ConnectionState>,
    /// Last sequence number applied; 0 before any.
    pub applied: StoredValue<u64>,
    /// Whether the store holds a session's state (a snapshot was applied).
    pub synced: StoredValue<bool>,
    pub session_id: RwSignal<Option<String>>,
    /// The thread shown (known once the server said `ready`).
    pub thread_id: RwSignal<Option<String>>,
    /// The latest history change announced by the server (the sidebar
    /// applies it).
    pub thread_update: RwSignal<Option<ThreadChange>>,
    /// The thread asked for does not exist (or is not the user's).
    pub not_found: RwSignal<bool>,
    /// Bumped once per applied frame; the feed scrolls on it.
    pub revision: RwSignal<u64>,
    /// Bumped by every snapshot: the feed's rows are keyed by it and the
    /// step id, so a snapshot (a reconnect past the replay buffer, or a
    /// chat taken over by another server) renders the steps' new models,
    /// never the old rows of steps with the same ids.
    pub generation: StoredValue<u64>,
    /// Time (ms) of the last event that showed progress.
    pub last_progress: StoredValue<f64>,
    pub thinking: RwSignal<bool>,
    /// A transient notice for the user (errors from the server).
    pub notice: RwSignal<Option<String>>,
    /// Elements of the thread itself (not of a message): task lists, …
    pub thread_elements: RwSignal<Vec<Element>>,
    /// Element id → the step it is attached to (`None`: the thread).
    element_owner: StoredValue<HashMap<String, Option<String>>>,
    /// What the side panel shows: set by the app, or an element the user
    /// opened from its link.
    pub side_panel: RwSignal<Option<SidePanel>>,
    /// The question the app is waiting on.
    pub ask: RwSignal<Option<Ask>>,
    /// The chat's settings, when the app declared some.
    pub settings: RwSignal<Option<ChatSettings>>,
    /// The commands the user can pick.
    pub commands: RwSignal<Vec<Command>>,
    /// The thread has a message of the user's (the starters show until
    /// it does, even under the app's greeting).
    pub has_user_message: RwSignal<bool>,
}

/// What applying a frame asks of the connection.
#[derive(Debug, PartialEq, Eq)]
pub enum Applied {
    Ok,
    /// A sequence number was skipped: reconnect to get a replay.
    Gap,
}

impl Default for ChatStore {
    fn default() -> Self {
        Self::new()
    }
}

impl ChatStore {
    pub fn new() -> Self {
        ChatStore {
            roots: RwSignal::new(Vec::new()),
            steps: StoredValue::new(HashMap::new()),
            running: RwSignal::new(false),
            connection: RwSignal::new(ConnectionState::Connecting),
            applied: StoredValue::new(0),
            synced: StoredValue::new(false),
            session_id: RwSignal::new(None),
            thread_id: RwSignal::new(None),
            thread_update: RwSignal::new(None),
            not_found: RwSignal::new(false),
            revision: RwSignal::new(0),
            generation: StoredValue::new(0),
            last_progress: StoredValue::new(0.0),
            thinking: RwSignal::new(false),
            notice: RwSignal::new(None),
            thread_elements: RwSignal::new(Vec::new()),
            element_owner: StoredValue::new(HashMap::new()),
            side_panel: RwSignal::new(None),
            ask: RwSignal::new(None),
            settings: RwSignal::new(None),
            commands: RwSignal::new(Vec::new()),
            has_user_message: RwSignal::new(false),
        }
    }

    pub fn get(&self, id: &str) -> Option<StepModel> {
        self.steps.with_value(|m| m.get(id).copied())
    }

    /// Forgets everything (new chat).
    pub fn reset(&self) {
        self.steps.update_value(|m| m.clear());
        self.roots.set(Vec::new());
        self.clear_elements();
        self.side_panel.set(None);
        self.ask.set(None);
        self.settings.set(None);
        self.commands.set(Vec::new());
        self.has_user_message.set(false);
        self.running.set(false);
        self.thinking.set(false);
        self.applied.set_value(0);
        self.synced.set_value(false);
    }

    /// Applies one frame (a batch of envelopes) in order.
    pub fn apply_frame(&self, envelopes: Vec<Envelope>, now: f64) -> Applied {
        let mut result = Applied::Ok;
        for envelope in envelopes {
            if self.apply(envelope, now) == Applied::Gap {
                result = Applied::Gap;
                break;
            }
        }
        self.revision.update(|r| *r += 1);
        result
    }

    fn apply(&self, Envelope { seq, event }: Envelope, now: f64) -> Applied {
        if seq != 0 && !matches!(event, ServerEvent::Snapshot { .. }) {
            let applied = self.applied.get_value();
            if seq <= applied {
                return Applied::Ok; // already applied (replay overlap)
            }
            if seq != applied + 1 {
                return Applied::Gap;
            }
            self.applied.set_value(seq);
        }
        match event {
            ServerEvent::Ready {
                session_id,
                thread_id,
                ..
            } => {
                self.session_id.set(Some(session_id));
                self.thread_id.set(Some(thread_id));
                super::attached();
            }
            ServerEvent::Snapshot {
                steps,
                elements,
                side_panel,
                ask,
                settings,
                commands,
                mcp_servers,
                running,
                ..
            } => {
                super::mcp_listed(&mcp_servers);
                self.ask.set(ask);
                self.settings.set(settings);
                self.commands.set(commands);
                self.has_user_message.set(false);
                self.steps.update_value(|m| m.clear());
                self.clear_elements();
                let mut roots = Vec::new();
                for step in steps {
                    if let Some(id) = self.insert(step) {
                        roots.push(id);
                    }
                }
                self.generation.update_value(|g| *g += 1);
                self.roots.set(roots);
                for element in elements {
                    self.set_element(element);
                }
                self.side_panel.set(side_panel);
                self.running.set(running);
                self.applied.set_value(seq);
                self.synced.set_value(true);
            }
            ServerEvent::SnapshotMore { steps } => {
                let mut roots = Vec::new();
                for step in steps {
                    if let Some(id) = self.insert(step) {
                        roots.push(id);
                    }
                }
                self.roots.update(|r| r.extend(roots));
            }
            ServerEvent::StepCreated { step } => {
                self.last_progress.set_value(now);
                if let Some(id) = self.insert(step) {
                    self.roots.update(|r| r.push(id));
                }
            }
            ServerEvent::StepDelta { id, delta, input } => {
                self.last_progress.set_value(now);
                if let Some(model) = self.get(&id) {
                    let target = if input { model.input } else { model.output };
                    target.update(|text| text.push_str(&delta));
                }
            }
            ServerEvent::StepUpdated { step } => {
                self.last_progress.set_value(now);
                if let Some(model) = self.get(&step.id) {
                    if model.output.with_untracked(|o| *o != step.output) {
                        model.output.set(step.output.clone());
                        model.output_version.update(|v| *v += 1);
                    }
                    if model.input.with_untracked(|i| *i != step.input) {
                        model.input.set(step.input.clone());
                    }
                    model.step.set(step);
                }
            }
            ServerEvent::StepRemoved { id } => {
                self.remove(&id);
                // Undo and clear can take the user's messages away (rare:
                // a scan of the top level is fine).
                let any = self.roots.with_untracked(|roots| {
                    roots.iter().any(|id| {
                        self.get(id).is_some_and(|m| {
                            m.step.with_untracked(|s| {
                                s.step_type == crate::protocol::StepType::UserMessage
                            })
                        })
                    })
                });
                if any != self.has_user_message.get_untracked() {
                    self.has_user_message.set(any);
                }
            }
            ServerEvent::ElementSet { element } => {
                self.last_progress.set_value(now);
                self.set_element(element);
            }
            ServerEvent::ElementRemoved { id } => self.remove_element(&id),
            ServerEvent::SidePanelSet { panel } => self.side_panel.set(panel),
            ServerEvent::SettingsSet { settings } => self.settings.set(settings),
            ServerEvent::CommandsSet { commands } => self.commands.set(commands),
            ServerEvent::McpServers { servers } => super::mcp_listed(&servers),
            ServerEvent::MathRendered { formulas } => super::math_rendered(formulas),
            ServerEvent::AskStarted { ask } => self.ask.set(Some(ask)),
            ServerEvent::AskEnded { id } => {
                if self
                    .ask
                    .with_untracked(|a| a.as_ref().is_some_and(|a| a.id == id))
                {
                    self.ask.set(None);
                }
            }
            ServerEvent::RunStarted { .. } => {
                self.running.set(true);
                self.last_progress.set_value(now);
            }
            ServerEvent::RunEnded { .. } => {
                self.running.set(false);
                self.thinking.set(false);
            }
            ServerEvent::ThreadUpdated { thread, renamed } => self
                .thread_update
                .set(Some(ThreadChange { thread, renamed })),
            ServerEvent::Error {
                code: ErrorCode::ThreadNotFound,
                ..
            } => self.not_found.set(true),
            ServerEvent::Error {
                code: ErrorCode::McpRefused,
                message,
            } => {
                super::mcp_refused(&message);
            }
            ServerEvent::Error { code, message } => {
                // A recording the server refused or ended stops here.
                if matches!(code, ErrorCode::AudioStopped | ErrorCode::FeatureDisabled) {
                    super::audio_refused();
                }
                self.notice.set(Some(message));
            }
            ServerEvent::WindowMessage { value } => super::post_window_message(&value),
            ServerEvent::CallFn { id, name, args } => super::call_page_fn(id, name, args),
            ServerEvent::AudioOutput {
                stream,
                sample_rate,
                data,
            } => super::play_audio(&stream, sample_rate, &data),
            ServerEvent::AudioOutputEnd { stream } => super::end_audio(&stream),
        }
        Applied::Ok
    }

    fn clear_elements(&self) {
        self.thread_elements.set(Vec::new());
        self.element_owner.update_value(|m| m.clear());
    }

    /// Where an element is listed: its step's elements, or the thread's
    /// when it has no (known) step.
    fn element_list(&self, for_id: Option<&str>) -> RwSignal<Vec<Element>> {
        for_id
            .and_then(|id| self.get(id))
            .map(|model| model.elements)
            .unwrap_or(self.thread_elements)
    }

    /// Adds an element or replaces it in place.
    fn set_element(&self, element: Element) {
        let previous = self
            .element_owner
            .with_value(|m| m.get(&element.id).cloned());
        if let Some(owner) = previous {
            if owner != element.for_id {
                self.remove_element(&element.id);
            }
        }
        let list = self.element_list(element.for_id.as_deref());
        self.element_owner.update_value(|m| {
            m.insert(element.id.clone(), element.for_id.clone());
        });
        list.update(
            |items| match items.iter_mut().find(|e| e.id == element.id) {
                Some(existing) => *existing = element,
                None => items.push(element),
            },
        );
    }

    fn remove_element(&self, id: &str) {
        let Some(owner) = self.element_owner.with_value(|m| m.get(id).cloned()) else {
            return;
        };
        self.element_owner.update_value(|m| {
            m.remove(id);
        });
        self.element_list(owner.as_deref())
            .update(|items| items.retain(|e| e.id != id));
    }

    /// The element with this id as it is now, tracked: a reactive scope
    /// reading it runs again when the element changes.
    pub fn element_tracked(&self, id: &str) -> Option<Element> {
        let owner = self.element_owner.with_value(|m| m.get(id).cloned())?;
        self.element_list(owner.as_deref())
            .with(|items| items.iter().find(|e| e.id == id).cloned())
    }

    /// The element with this id, wherever it is shown.
    pub fn element(&self, id: &str) -> Option<Element> {
        let owner = self.element_owner.with_value(|m| m.get(id).cloned())?;
        self.element_list(owner.as_deref())
            .with_untracked(|items| items.iter().find(|e| e.id == id).cloned())
    }

    /// Adds a step; returns its id when it is a root (no known parent).
    fn insert(&self, step: Step) -> Option<String> {
        let id = step.id.clone();
        if step.parent_id.is_none()
            && step.step_type == crate::protocol::StepType::UserMessage
            && !self.has_user_message.get_untracked()
        {
            self.has_user_message.set(true);
        }
        let parent = step.parent_id.clone().and_then(|p| self.get(&p));
        let model = StepModel::new(step);
        self.steps.update_value(|m| {
            m.insert(id.clone(), model);
        });
        match parent {
            Some(parent) => {
                parent.children.update(|c| c.push(id));
                None
            }
            None => Some(id),
        }
    }

    fn remove(&self, id: &str) {
        let Some(model) = self.get(id) else { return };
        for child in model.children.get_untracked() {
            self.remove(&child);
        }
        let elements = model.elements.get_untracked();
        self.element_owner.update_value(|m| {
            for element in &elements {
                m.remove(&element.id);
            }
        });
        let parent = model.step.with_untracked(|s| s.parent_id.clone());
        match parent.and_then(|p| self.get(&p)) {
            Some(parent) => parent.children.update(|c| c.retain(|x| x != id)),
            None => self.roots.update(|r| r.retain(|x| x != id)),
        }
        self.steps.update_value(|m| {
            m.remove(id);
        });
    }
}
