//! [`UserId`]: which user.

use serde::Deserialize;

/// The id of a user, as the data layer gave it ([`crate::data::UserRecord::id`])
/// or as the local user is known without persistence: any text of 1 to 256
/// bytes without control characters.
///
/// ```
/// use loquat::UserId;
///
/// let id = UserId::parse("alice@example.com").expect("a user id");
/// assert_eq!(id.as_str(), "alice@example.com");
/// assert_eq!(UserId::parse(""), None);
/// assert_eq!(UserId::parse("a\nb"), None);
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize)]
#[serde(try_from = "String")]
pub struct UserId(String);

super::string_id!(UserId, "user id", is_user_id);

/// Longest user id, in bytes.
const MAX_BYTES: usize = 256;

/// 1 to [`MAX_BYTES`] bytes, no control characters.
fn is_user_id(s: &str) -> bool {
    !s.is_empty() && s.len() <= MAX_BYTES && !s.chars().any(char::is_control)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn printable_text_parses() {
        assert!(UserId::parse("local").is_some());
        assert!(UserId::parse("Zoë Ünal").is_some());
        assert!(UserId::parse(&"a".repeat(MAX_BYTES)).is_some());
        for bad in ["", "a\0b", "a\u{7f}", "tab\there", "line\r\n"] {
            assert_eq!(UserId::parse(bad), None, "{bad:?} accepted");
        }
        assert_eq!(UserId::parse(&"a".repeat(MAX_BYTES + 1)), None);
    }
}
