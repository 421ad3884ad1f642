//! Ids of threads, elements, users and sessions, and the generators of
//! fresh ones.
//!
//! Where an id enters the server (a route's path, a client's hello, a
//! history call) it is parsed once into its newtype ([`ThreadId`],
//! [`ElementId`], [`UserId`], [`SessionId`]); past that point a signature
//! says which id it takes, so two of them cannot be swapped, and no
//! malformed one reaches a query or a storage key.

mod element;
mod session;
mod thread;
mod user;

pub use element::ElementId;
pub use session::SessionId;
pub use thread::ThreadId;
pub use user::UserId;

/// A new id: a UUID whose leading bits are the creation time (version 7).
///
/// Time-ordered ids land next to each other in SQLite's indexes, so a write
/// dirties a few recent pages instead of one random page per row; the random
/// part (74 bits) keeps them unguessable.
pub(crate) fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// A new session token: 128 bits from the OS's generator, in hex. Unlike
/// [`new_id`] nothing in it is guessable (no time part); still, a token is
/// never enough on its own: a session also belongs to its user.
pub(crate) fn new_token() -> String {
    let mut bytes = [0u8; 16];
    if getrandom::fill(&mut bytes).is_err() {
        // The OS generator does not fail where Loquat runs; should it, a
        // v7 UUID's 74 random bits are the fallback.
        return new_id().replace('-', "");
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A string that is not a well-formed id of the kind expected.
///
/// ```
/// let err = "../etc".parse::<loquat::ThreadId>().unwrap_err();
/// assert_eq!(err.to_string(), "malformed thread id");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("malformed {kind}")]
pub struct MalformedId {
    kind: &'static str,
}

impl MalformedId {
    /// Which id it should have been (`"thread id"`, `"user id"`, …).
    pub fn kind(&self) -> &'static str {
        self.kind
    }
}

/// What every id newtype has: parsing by its shape rule, string views,
/// `Display`, and serde as a plain string (deserializing through the rule).
macro_rules! string_id {
    ($name:ident, $kind:literal, $rule:path) => {
        impl $name {
            /// The id in `s`, when `s` has the shape of one.
            pub fn parse(s: &str) -> Option<Self> {
                $rule(s).then(|| $name(s.to_owned()))
            }

            /// An id whose shape was checked when it came in: read back from
            /// the data layer or the thread state, which store only ids that
            /// were parsed or generated.
            #[allow(dead_code)]
            pub(crate) fn from_trusted(id: String) -> Self {
                $name(id)
            }

            /// The id as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }

            /// The id as an owned string.
            pub fn into_string(self) -> String {
                self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl std::borrow::Borrow<str> for $name {
            fn borrow(&self) -> &str {
                &self.0
            }
        }

        impl TryFrom<String> for $name {
            type Error = $crate::ids::MalformedId;

            fn try_from(s: String) -> Result<Self, Self::Error> {
                if $rule(&s) {
                    Ok($name(s))
                } else {
                    Err($crate::ids::MalformedId { kind: $kind })
                }
            }
        }

        impl std::str::FromStr for $name {
            type Err = $crate::ids::MalformedId;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                $name::parse(s).ok_or($crate::ids::MalformedId { kind: $kind })
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.0
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(&self.0)
            }
        }
    };
}
use string_id;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_128_random_bits() {
        let a = new_token();
        let b = new_token();
        assert_eq!(a.len(), 32);
        assert!(a.bytes().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a, b);
        // No shared time prefix, as time-ordered ids have.
        assert_ne!(a[..8], b[..8]);
    }

    #[test]
    fn ids_are_unique_and_sort_by_creation() {
        let ids: Vec<String> = (0..1000).map(|_| new_id()).collect();
        let mut sorted = ids.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted, ids);
    }

    #[test]
    fn ids_are_plain_strings_on_the_wire_and_parsed_coming_in() {
        let id = ThreadId::parse("t-1").unwrap();
        assert_eq!(serde_json::to_string(&id).unwrap(), "\"t-1\"");
        assert_eq!(serde_json::from_str::<ThreadId>("\"t-1\"").unwrap(), id);
        let err = serde_json::from_str::<ThreadId>("\"a/b\"").unwrap_err();
        assert!(err.to_string().contains("malformed thread id"), "{err}");
        let err = serde_json::from_str::<SessionId>("\"nope\"").unwrap_err();
        assert!(err.to_string().contains("malformed session id"), "{err}");
    }

    #[test]
    fn a_map_keyed_by_id_is_looked_up_by_str() {
        let id = SessionId::generate();
        let map = std::collections::HashMap::from([(id.clone(), 1)]);
        assert_eq!(map.get(id.as_str()), Some(&1));
    }

    #[test]
    fn malformed_ids_say_which_kind() {
        let err = UserId::try_from(String::new()).unwrap_err();
        assert_eq!(err.kind(), "user id");
        assert_eq!(err.to_string(), "malformed user id");
        assert_eq!(
            "a.png".parse::<ElementId>().unwrap_err().kind(),
            "element id"
        );
    }
}
