//! [`ThreadId`]: which conversation.

use serde::Deserialize;

/// The id of a thread (a conversation): what the server generates, or any
/// string of ASCII letters, digits, `-` and `_`, 1 to 64 of them (the rule
/// of [`loquat_app::route::is_thread_id`]), so it can never escape a path.
///
/// ```
/// use loquat::ThreadId;
///
/// let id = ThreadId::parse("0190d6a2-7f3e-7c1a-9b2d-4e5f6a7b8c9d").expect("a thread id");
/// assert_eq!(id.as_str(), "0190d6a2-7f3e-7c1a-9b2d-4e5f6a7b8c9d");
/// assert_eq!(ThreadId::parse("../etc/passwd"), None);
/// assert_eq!(ThreadId::parse(""), None);
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize)]
#[serde(try_from = "String")]
pub struct ThreadId(String);

super::string_id!(ThreadId, "thread id", loquat_app::route::is_thread_id);

impl ThreadId {
    /// A fresh, time-ordered thread id.
    pub fn generate() -> Self {
        ThreadId(super::new_id())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_ids_parse() {
        let id = ThreadId::generate();
        assert_eq!(ThreadId::parse(id.as_str()), Some(id));
    }

    #[test]
    fn only_path_safe_shapes_parse() {
        assert!(ThreadId::parse("a_b-9").is_some());
        assert!(ThreadId::parse(&"a".repeat(64)).is_some());
        for bad in ["", "a/b", "..", "a.b", "a b", "%2e"] {
            assert_eq!(ThreadId::parse(bad), None, "{bad:?} accepted");
        }
        assert_eq!(ThreadId::parse(&"a".repeat(65)), None);
    }
}
