use std::any::Any;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

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
#[derive(Default, Clone)]
pub struct UserSession {
    values: Arc<Mutex<HashMap<String, Arc<dyn Any + Send + Sync>>>>,
}

impl std::fmt::Debug for UserSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UserSession").finish_non_exhaustive()
    }
}

impl UserSession {
    fn values(&self) -> std::sync::MutexGuard<'_, HashMap<String, Arc<dyn Any + Send + Sync>>> {
        self.values.lock().unwrap_or_else(|e| e.into_inner())
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
        self.values().remove(key).is_some()
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
