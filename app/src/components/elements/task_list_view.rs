use leptos::prelude::*;

use crate::protocol::{Element, Task};

/// A live task list: its title, overall status and each task's progress.
/// A task linked to a message scrolls to it when clicked.
#[component]
pub fn TaskListView(element: Element) -> impl IntoView {
    let title = element
        .prop_str("title")
        .map(str::to_string)
        .unwrap_or_else(|| element.name.clone());
    let status = element.prop_str("status").unwrap_or_default().to_string();
    let tasks: Vec<Task> = element
        .props
        .get("tasks")
        .and_then(|t| serde_json::from_value(t.clone()).ok())
        .unwrap_or_default();
    let items = tasks
        .into_iter()
        .map(|task| {
            let for_id = task.for_id.clone();
            let click = move |_| {
                if let Some(id) = &for_id {
                    scroll_to_message(id);
                }
            };
            view! {
                <li
                    class=format!("task task-{}", task.status.as_str())
                    data-testid="task"
                    data-status=task.status.as_str()
                    class:linked=task.for_id.is_some()
                    on:click=click
                >
                    <span class="task-mark" aria-hidden="true"></span>
                    <span class="task-title">{task.title}</span>
                </li>
            }
        })
        .collect_view();
    view! {
        <div class="tasklist" data-testid="tasklist">
            <header class="tasklist-head">
                <span class="tasklist-title">{title}</span>
                <span class="tasklist-status" data-testid="tasklist-status">{status}</span>
            </header>
            <ol class="tasklist-tasks">{items}</ol>
        </div>
    }
}

fn scroll_to_message(id: &str) {
    #[cfg(feature = "hydrate")]
    {
        let selector = format!("[data-step-id=\"{}\"]", id.replace(['"', '\\'], ""));
        if let Ok(Some(target)) = leptos::prelude::document().query_selector(&selector) {
            target.scroll_into_view();
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = id;
}
