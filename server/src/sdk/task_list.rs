use loquat_app::protocol::{ElementKind, Task, TaskStatus};
use serde_json::Value;

use super::Element;

/// A live task list, shown beside the chat. Send it with
/// [`crate::Chat::send_element`], change it, and send the change with
/// [`crate::ElementHandle::update`].
///
/// ```no_run
/// # async fn demo(chat: loquat::Chat) -> Result<(), loquat::BoxError> {
/// use loquat::{Element, TaskList, TaskStatus};
/// let mut list = TaskList::new("Report").status("Running…");
/// let load = list.add("Load the data");
/// let shown = chat.send_element(Element::tasklist(&list)).await?;
/// list.set_status(load, TaskStatus::Done);
/// shown.update(Element::tasklist(&list.status("Done"))).await?;
/// # Ok(()) }
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TaskList {
    pub title: String,
    /// The list's overall status, as text.
    pub status: String,
    pub tasks: Vec<Task>,
}

impl TaskList {
    /// An empty list.
    pub fn new(title: impl Into<String>) -> Self {
        TaskList {
            title: title.into(),
            ..Default::default()
        }
    }

    /// Sets the overall status text.
    pub fn status(mut self, status: impl Into<String>) -> Self {
        self.status = status.into();
        self
    }

    /// Adds a task (ready) and returns its index.
    pub fn add(&mut self, title: impl Into<String>) -> usize {
        self.tasks.push(Task {
            title: title.into(),
            status: TaskStatus::Ready,
            for_id: None,
        });
        self.tasks.len() - 1
    }

    /// Sets a task's status; out-of-range indexes are ignored.
    pub fn set_status(&mut self, index: usize, status: TaskStatus) {
        if let Some(task) = self.tasks.get_mut(index) {
            task.status = status;
        }
    }

    /// Links a task to a message: clicking the task scrolls to it.
    pub fn link(&mut self, index: usize, message_id: impl Into<String>) {
        if let Some(task) = self.tasks.get_mut(index) {
            task.for_id = Some(message_id.into());
        }
    }
}

impl Element {
    /// A task list element (see [`TaskList`]).
    pub fn tasklist(list: &TaskList) -> Element {
        Element::new_kind(ElementKind::Tasklist, list.title.clone())
            .prop("title", Value::String(list.title.clone()))
            .prop("status", Value::String(list.status.clone()))
            .prop(
                "tasks",
                serde_json::to_value(&list.tasks).unwrap_or(Value::Null),
            )
    }
}
