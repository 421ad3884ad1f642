//! The live state of a session's thread, kept in step with every event the
//! session emits: it is what snapshots and the conversation context read.

use std::collections::{HashMap, HashSet};

use loquat_app::protocol::{
    Ask, ChatSettings, Command, Element, McpServerState, ServerEvent, SidePanel, Step,
};

#[derive(Debug, Default)]
pub(crate) struct ThreadState {
    pub(crate) id: String,
    steps: Vec<Step>,
    /// Made with the first step: an empty map is 48 bytes in every session.
    #[allow(clippy::box_collection)]
    index: Option<Box<HashMap<String, usize>>>,
    /// Elements in the order they were created (few per thread: a scan is
    /// cheaper than an index).
    elements: Vec<Element>,
    /// Boxed, like the question and the settings: most threads have none,
    /// and an idle session stays small (224 bytes less each).
    side_panel: Option<Box<SidePanel>>,
    /// The question the app is waiting on.
    ask: Option<Box<Ask>>,
    /// The chat settings the app declared, with their values.
    settings: Option<Box<ChatSettings>>,
    /// The commands the user can pick (the live session's, not history's).
    commands: Vec<Command>,
    /// The chat's MCP servers as last announced (only when users may add
    /// their own; boxed: most sessions have none).
    mcp_servers: Option<Box<[McpServerState]>>,
}

impl ThreadState {
    pub(crate) fn new(id: String) -> Self {
        ThreadState {
            id,
            ..Default::default()
        }
    }

    /// A thread loaded from history.
    pub(crate) fn with_steps(id: String, steps: Vec<Step>) -> Self {
        let mut thread = ThreadState {
            id,
            steps,
            ..Default::default()
        };
        thread.reindex();
        thread
    }

    /// The thread a `snapshot` (and its `snapshot_more` pages) shows, and
    /// whether a run was active: another node's session, copied.
    pub(crate) fn from_snapshot(
        events: impl IntoIterator<Item = ServerEvent>,
    ) -> Option<(ThreadState, bool)> {
        let mut events = events.into_iter();
        let ServerEvent::Snapshot {
            thread_id,
            steps,
            elements,
            side_panel,
            ask,
            settings,
            commands,
            mcp_servers,
            running,
        } = events.next()?
        else {
            return None;
        };
        let mut all = steps;
        for event in events {
            if let ServerEvent::SnapshotMore { steps } = event {
                all.extend(steps);
            }
        }
        let mut thread = ThreadState::with_steps(thread_id, all);
        thread.elements = elements;
        thread.side_panel = side_panel.map(Box::new);
        thread.ask = ask.map(Box::new);
        thread.settings = settings.map(Box::new);
        thread.commands = commands;
        thread.set_mcp_servers(mcp_servers);
        Some((thread, running))
    }

    pub(crate) fn steps(&self) -> &[Step] {
        &self.steps
    }

    pub(crate) fn get(&self, id: &str) -> Option<&Step> {
        self.index.as_ref()?.get(id).map(|&i| &self.steps[i])
    }

    /// The step's place in the thread.
    pub(crate) fn position(&self, id: &str) -> Option<usize> {
        self.index.as_ref()?.get(id).copied()
    }

    pub(crate) fn elements(&self) -> &[Element] {
        &self.elements
    }

    pub(crate) fn element(&self, id: &str) -> Option<&Element> {
        self.elements.iter().find(|e| e.id == id)
    }

    /// Adds the elements loaded with the thread.
    pub(crate) fn set_elements(&mut self, elements: Vec<Element>) {
        self.elements = elements;
    }

    pub(crate) fn ask(&self) -> Option<&Ask> {
        self.ask.as_deref()
    }

    pub(crate) fn settings(&self) -> Option<&ChatSettings> {
        self.settings.as_deref()
    }

    pub(crate) fn commands(&self) -> &[Command] {
        &self.commands
    }

    pub(crate) fn mcp_servers(&self) -> &[McpServerState] {
        self.mcp_servers.as_deref().unwrap_or_default()
    }

    fn set_mcp_servers(&mut self, servers: Vec<McpServerState>) {
        self.mcp_servers = (!servers.is_empty()).then(|| servers.into_boxed_slice());
    }

    /// The settings a resumed thread was saved with.
    pub(crate) fn restore_settings(&mut self, settings: ChatSettings) {
        self.settings = Some(Box::new(settings));
    }

    pub(crate) fn side_panel(&self) -> Option<&SidePanel> {
        self.side_panel.as_deref()
    }

    pub(crate) fn get_mut(&mut self, id: &str) -> Option<&mut Step> {
        let at = *self.index.as_ref()?.get(id)?;
        self.steps.get_mut(at)
    }

    /// Applies an event. Events about steps that do not exist are ignored:
    /// the emitter checks existence before emitting.
    pub(crate) fn apply(&mut self, event: ServerEvent) {
        match event {
            ServerEvent::StepCreated { step } => {
                self.index
                    .get_or_insert_default()
                    .insert(step.id.clone(), self.steps.len());
                self.steps.push(step);
            }
            ServerEvent::StepDelta { id, delta, input } => {
                if let Some(step) = self.get_mut(&id) {
                    if input {
                        step.input.push_str(&delta);
                    } else {
                        step.output.push_str(&delta);
                    }
                }
            }
            ServerEvent::StepUpdated { step } => {
                if let Some(existing) = self.get_mut(&step.id) {
                    *existing = step;
                }
            }
            ServerEvent::StepRemoved { id } => self.remove_with_descendants(&id),
            ServerEvent::ElementSet { element } => {
                match self.elements.iter_mut().find(|e| e.id == element.id) {
                    Some(existing) => *existing = element,
                    None => self.elements.push(element),
                }
            }
            ServerEvent::ElementRemoved { id } => self.elements.retain(|e| e.id != id),
            ServerEvent::SidePanelSet { panel } => self.side_panel = panel.map(Box::new),
            ServerEvent::SettingsSet { settings } => self.settings = settings.map(Box::new),
            ServerEvent::CommandsSet { commands } => self.commands = commands,
            ServerEvent::McpServers { servers } => self.set_mcp_servers(servers),
            ServerEvent::AskStarted { ask } => self.ask = Some(Box::new(ask)),
            ServerEvent::AskEnded { id } if self.ask.as_ref().is_some_and(|a| a.id == id) => {
                self.ask = None;
            }
            _ => {}
        }
    }

    /// The step and all its descendants, parent first.
    pub(crate) fn subtree(&self, id: &str) -> Vec<String> {
        if self.get(id).is_none() {
            return Vec::new();
        }
        let mut doomed: HashSet<&str> = HashSet::from([id]);
        let mut ids = vec![id.to_string()];
        // Children always come after their parent, so one forward pass finds
        // every descendant.
        for step in &self.steps {
            if let Some(parent) = step.parent_id.as_deref() {
                if doomed.contains(parent) {
                    doomed.insert(&step.id);
                    ids.push(step.id.clone());
                }
            }
        }
        ids
    }

    fn remove_with_descendants(&mut self, id: &str) {
        let doomed: HashSet<String> = self.subtree(id).into_iter().collect();
        if doomed.is_empty() {
            return;
        }
        self.steps.retain(|s| !doomed.contains(&s.id));
        self.elements
            .retain(|e| e.for_id.as_ref().is_none_or(|f| !doomed.contains(f)));
        self.reindex();
    }

    fn reindex(&mut self) {
        let index: HashMap<String, usize> = self
            .steps
            .iter()
            .enumerate()
            .map(|(i, s)| (s.id.clone(), i))
            .collect();
        self.index = (!index.is_empty()).then(|| Box::new(index));
    }

    /// Ids of steps still open (streaming or not ended).
    pub(crate) fn open_steps(&self) -> Vec<String> {
        self.steps
            .iter()
            .filter(|s| s.streaming || s.end.is_none())
            .map(|s| s.id.clone())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use loquat_app::protocol::StepType;

    fn step(id: &str, parent: Option<&str>) -> Step {
        Step {
            id: id.into(),
            parent_id: parent.map(Into::into),
            step_type: StepType::Tool,
            ..Default::default()
        }
    }

    #[test]
    fn deltas_append_and_removal_takes_descendants() {
        let mut t = ThreadState::new("t".into());
        t.apply(ServerEvent::StepCreated {
            step: step("a", None),
        });
        t.apply(ServerEvent::StepCreated {
            step: step("b", Some("a")),
        });
        t.apply(ServerEvent::StepCreated {
            step: step("c", Some("b")),
        });
        t.apply(ServerEvent::StepCreated {
            step: step("d", None),
        });
        t.apply(ServerEvent::StepDelta {
            id: "d".into(),
            delta: "Hel".into(),
            input: false,
        });
        t.apply(ServerEvent::StepDelta {
            id: "d".into(),
            delta: "lo".into(),
            input: false,
        });
        assert_eq!(t.get("d").map(|s| s.output.as_str()), Some("Hello"));
        t.apply(ServerEvent::StepRemoved { id: "a".into() });
        let ids: Vec<_> = t.steps().iter().map(|s| s.id.as_str()).collect();
        assert_eq!(ids, vec!["d"]);
        assert_eq!(t.get("d").map(|s| s.output.as_str()), Some("Hello"));
    }
}
