//! [`ElementId`]: which element, and the storage key of its content.

use serde::Deserialize;

/// The id of an element (an image, a file, a table, …), which is also the
/// key its stored content is kept under: ASCII letters, digits and `-`, 1 to
/// 64 of them (the rule of [`crate::files::is_valid_key`]).
///
/// ```
/// use loquat::ElementId;
///
/// let id = ElementId::parse("e-42").expect("an element id");
/// assert_eq!(id.to_string(), "e-42");
/// assert_eq!(ElementId::parse("a.png"), None);
/// assert_eq!(ElementId::parse("a_b"), None);
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize)]
#[serde(try_from = "String")]
pub struct ElementId(String);

super::string_id!(ElementId, "element id", crate::files::is_valid_key);

impl ElementId {
    /// A fresh, time-ordered element id.
    pub fn generate() -> Self {
        ElementId(super::new_id())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_ids_parse() {
        let id = ElementId::generate();
        assert_eq!(ElementId::parse(id.as_str()), Some(id));
    }

    #[test]
    fn only_storage_keys_parse() {
        assert!(ElementId::parse(&"a".repeat(64)).is_some());
        for bad in ["", "..", "a/b", "a\\b", "a.png", "a_b", "a b"] {
            assert_eq!(ElementId::parse(bad), None, "{bad:?} accepted");
        }
        assert_eq!(ElementId::parse(&"a".repeat(65)), None);
    }
}
