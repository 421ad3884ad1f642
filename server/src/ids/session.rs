//! [`SessionId`]: which live chat session.

use serde::Deserialize;

/// The id of a live chat session: 32 lowercase hex digits, the 128 random
/// bits the server generates for it. On its own it grants nothing: a
/// session also belongs to its user.
///
/// ```
/// use loquat::SessionId;
///
/// let id = SessionId::parse("0123456789abcdef0123456789abcdef").expect("a session id");
/// assert_eq!(id.as_str().len(), 32);
/// assert_eq!(SessionId::parse("0123456789ABCDEF0123456789ABCDEF"), None);
/// assert_eq!(SessionId::parse("abc"), None);
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize)]
#[serde(try_from = "String")]
pub struct SessionId(String);

super::string_id!(SessionId, "session id", is_session_id);

/// 32 lowercase hex digits.
fn is_session_id(s: &str) -> bool {
    s.len() == 32 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

impl SessionId {
    /// A fresh session id from the OS's random generator.
    pub fn generate() -> Self {
        SessionId(super::new_token())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_ids_parse() {
        for _ in 0..100 {
            let id = SessionId::generate();
            assert_eq!(SessionId::parse(id.as_str()), Some(id));
        }
    }

    #[test]
    fn only_tokens_parse() {
        let fallback = super::super::new_id().replace('-', "");
        assert!(SessionId::parse(&fallback).is_some());
        for bad in ["", "abc", "0123456789abcdef0123456789abcdeg"] {
            assert_eq!(SessionId::parse(bad), None, "{bad:?} accepted");
        }
        assert_eq!(SessionId::parse(&"a".repeat(33)), None);
    }
}
