use std::sync::Arc;

use loquat_app::protocol::ElementKind;
use serde_json::Value;

use super::Element;
use crate::error::ChatError;
use crate::runtime::session::Session;

/// An element shown in the thread: replace it, change its properties (a
/// task list's tasks, a custom element's props) or remove it.
#[derive(Clone)]
pub struct ElementHandle {
    session: Arc<Session>,
    id: String,
}

impl std::fmt::Debug for ElementHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ElementHandle")
            .field("id", &self.id)
            .finish()
    }
}

impl ElementHandle {
    pub(crate) fn new(session: Arc<Session>, id: String) -> Self {
        ElementHandle { session, id }
    }

    /// The element's id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Replaces the element with `element` (same id, same message).
    pub async fn update(&self, element: Element) -> Result<(), ChatError> {
        let current = self
            .session
            .element(&self.id)
            .ok_or_else(|| ChatError::UnknownElement(self.id.clone()))?;
        let wire = element
            .prepare(
                self.session.runtime.files.as_ref(),
                self.id.clone(),
                current.thread_id,
                current.for_id,
            )
            .await?;
        self.session.set_element(wire).await
    }

    /// Sets one property (for a custom element: one of its props).
    pub async fn set_prop(&self, key: &str, value: Value) -> Result<(), ChatError> {
        let mut element = self
            .session
            .element(&self.id)
            .ok_or_else(|| ChatError::UnknownElement(self.id.clone()))?;
        let within = (element.kind == ElementKind::Custom).then_some("props");
        element.props = with_prop(std::mem::take(&mut element.props), within, key, value);
        self.session.set_element(element).await
    }

    /// Removes the element from the thread.
    pub async fn remove(&self) -> Result<(), ChatError> {
        self.session.remove_element(&self.id).await
    }
}

/// `props` with `key` set to `value`, inside `props[within]` when given;
/// whatever was not an object becomes one.
pub(crate) fn with_prop(props: Value, within: Option<&str>, key: &str, value: Value) -> Value {
    let mut map = into_object(props);
    match within {
        Some(within) => {
            let mut inner = into_object(map.remove(within).unwrap_or_default());
            inner.insert(key.to_string(), value);
            map.insert(within.to_string(), Value::Object(inner));
        }
        None => {
            map.insert(key.to_string(), value);
        }
    }
    Value::Object(map)
}

fn into_object(value: Value) -> serde_json::Map<String, Value> {
    match value {
        Value::Object(map) => map,
        _ => serde_json::Map::new(),
    }
}
