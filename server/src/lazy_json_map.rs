//! A JSON object that takes no memory until its first entry.
//!
//! Every session keeps a few of them (a thread's metadata, the saved part
//! of its user session) and most stay empty: an empty `serde_json::Map`
//! is 72 bytes inline (it is an `IndexMap` here), this is 8.

use serde_json::{Map, Value};

/// A JSON object, allocated at its first entry.
#[derive(Clone, Debug, Default)]
pub(crate) struct LazyJsonMap(Option<Box<Map<String, Value>>>);

impl From<Map<String, Value>> for LazyJsonMap {
    fn from(map: Map<String, Value>) -> Self {
        LazyJsonMap((!map.is_empty()).then(|| Box::new(map)))
    }
}

impl LazyJsonMap {
    pub(crate) fn get(&self, key: &str) -> Option<&Value> {
        self.0.as_ref()?.get(key)
    }

    pub(crate) fn insert(&mut self, key: String, value: Value) {
        self.0.get_or_insert_default().insert(key, value);
    }

    pub(crate) fn remove(&mut self, key: &str) -> Option<Value> {
        self.0.as_mut()?.remove(key)
    }

    /// A copy of its entries.
    pub(crate) fn to_map(&self) -> Map<String, Value> {
        self.0.as_deref().cloned().unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn it_allocates_at_its_first_entry_and_reads_like_a_map() {
        let mut map = LazyJsonMap::default();
        assert!(map.0.is_none());
        assert_eq!(map.get("a"), None);
        assert_eq!(map.remove("a"), None);
        assert!(map.to_map().is_empty());
        map.insert("a".into(), Value::Bool(true));
        assert_eq!(map.get("a"), Some(&Value::Bool(true)));
        assert_eq!(map.to_map().len(), 1);
        assert_eq!(map.remove("a"), Some(Value::Bool(true)));
        assert!(LazyJsonMap::from(Map::new()).0.is_none());
    }
}
