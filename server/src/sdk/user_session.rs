use std::any::Any;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::lazy_json_map::LazyJsonMap;

/// A per-session key/value store for whatever the app needs to remember
/// between hooks (a conversation memory, a client, a counter, …). Values are
/// typed: `get` returns `None` when the key is missing or holds another type.
///
/// ```
/// # async fn demo(chat: loquat::Chat) {
/// chat.user_session().set("count", 1u32);
/// let count: Option<u32> = chat.user_session().get("count");
/// assert_eq!(count, Some(1));
/// # }
/// ```
///
/// Values kept with [`UserSession::save`] are JSON: they are stored with the
/// thread (in its metadata, under `user_session`) and are back when the
/// user resumes it from history, as Chainlit restores the serializable part
/// of its user session.
///
/// ```
/// # async fn demo(chat: loquat::Chat) -> Result<(), loquat::BoxError> {
/// chat.user_session().save("language", &"Portuguese")?;
/// let language: Option<String> = chat.user_session().load("language");
/// assert_eq!(language.as_deref(), Some("Portuguese"));
/// # Ok(()) }
/// ```
#[derive(Default, Clone)]
pub struct UserSession {
    /// One allocation for all of it: every session has one, and an idle
    /// session must stay small (three `Arc`s were about 100 bytes more).
    inner: Arc<Inner>,
}

#[derive(Default)]
struct Inner {
    values: Mutex<HashMap<String, Arc<dyn Any + Send + Sync>>>,
    saved: Mutex<LazyJsonMap>,
    /// Called with the saved values after each change (the session notes
    /// them for its next checkpoint).
    on_save: std::sync::OnceLock<SaveHook>,
}

type SaveHook = Box<dyn Fn(serde_json::Map<String, serde_json::Value>) + Send + Sync>;

impl std::fmt::Debug for UserSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UserSession").finish_non_exhaustive()
    }
}

impl UserSession {
    fn values(&self) -> std::sync::MutexGuard<'_, HashMap<String, Arc<dyn Any + Send + Sync>>> {
        self.inner.values.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Stores `value` under `key`, replacing what was there.
    pub fn set<T: Any + Send + Sync>(&self, key: impl Into<String>, value: T) {
        self.values().insert(key.into(), Arc::new(value));
    }

    /// A clone of the value under `key`, if it exists and is a `T`.
    pub fn get<T: Any + Send + Sync + Clone>(&self, key: &str) -> Option<T> {
        self.values()
            .get(key)
            .and_then(|v| v.downcast_ref::<T>())
            .cloned()
    }

    /// Changes the value under `key` in place (starting from `T::default()`)
    /// and returns the new value.
    pub fn update<T, F>(&self, key: &str, change: F) -> T
    where
        T: Any + Send + Sync + Clone + Default,
        F: FnOnce(&mut T),
    {
        let mut values = self.values();
        let mut value = values
            .get(key)
            .and_then(|v| v.downcast_ref::<T>())
            .cloned()
            .unwrap_or_default();
        change(&mut value);
        values.insert(key.to_string(), Arc::new(value.clone()));
        value
    }

    /// Removes `key`; true when it was present.
    pub fn remove(&self, key: &str) -> bool {
        let saved = self.saved_values().remove(key).is_some();
        if saved {
            self.notify();
        }
        self.values().remove(key).is_some() || saved
    }

    fn saved_values(&self) -> std::sync::MutexGuard<'_, LazyJsonMap> {
        self.inner.saved.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn notify(&self) {
        if let Some(hook) = self.inner.on_save.get() {
            let values = self.saved_values().to_map();
            hook(values);
        }
    }

    /// Stores `value` as JSON under `key`: kept with the thread and restored
    /// when it is resumed. Fails when `value` cannot be serialized.
    pub fn save<T: serde::Serialize + ?Sized>(
        &self,
        key: impl Into<String>,
        value: &T,
    ) -> Result<(), serde_json::Error> {
        let value = serde_json::to_value(value)?;
        self.saved_values().insert(key.into(), value);
        self.notify();
        Ok(())
    }

    /// The value [`UserSession::save`]d under `key`, if it is there and
    /// reads as a `T`.
    pub fn load<T: serde::de::DeserializeOwned>(&self, key: &str) -> Option<T> {
        let value = self.saved_values().get(key).cloned()?;
        serde_json::from_value(value).ok()
    }

    /// Restores the saved values of a resumed thread.
    pub(crate) fn restore(&self, values: serde_json::Map<String, serde_json::Value>) {
        *self.saved_values() = LazyJsonMap::from(values);
    }

    /// Where changes to the saved values are reported (set once).
    pub(crate) fn on_save(
        &self,
        hook: impl Fn(serde_json::Map<String, serde_json::Value>) + Send + Sync + 'static,
    ) {
        let _ = self.inner.on_save.set(Box::new(hook));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_typed() {
        let s = UserSession::default();
        s.set("n", 3u32);
        assert_eq!(s.get::<u32>("n"), Some(3));
        assert_eq!(s.get::<String>("n"), None);
        assert_eq!(s.update::<u32, _>("n", |n| *n += 1), 4);
        assert_eq!(
            s.update::<Vec<String>, _>("log", |l| l.push("a".into())),
            vec!["a".to_string()]
        );
        assert!(s.remove("n"));
        assert_eq!(s.get::<u32>("n"), None);
    }
}
