//! [`User`]: who signed in, as the app's hooks see them.

use serde::{Deserialize, Serialize};

/// Longest identifier, in bytes (the same bound as a [`crate::UserId`]).
pub const MAX_IDENTIFIER_BYTES: usize = 256;

/// A signed-in user: what a login callback returns and what hooks read with
/// [`crate::Chat::user`].
///
/// `identifier` is the stable, unique name the identity provider knows the
/// user by (a login, an e-mail address, a subject); conversations belong to
/// it. `display_name` is shown in the header. `metadata` is the app's own
/// (roles, the provider's `image`): it is kept with the sign-in, not sent
/// to the browser, except `image`, which is the user's avatar.
///
/// ```
/// use loquat::User;
///
/// let user = User::new("alice@example.com")
///     .display_name("Alice")
///     .metadata("role", "admin")
///     .metadata("image", "https://example.com/alice.png");
/// assert_eq!(user.identifier, "alice@example.com");
/// assert_eq!(user.name(), "Alice");
/// assert_eq!(user.image(), Some("https://example.com/alice.png"));
/// assert_eq!(user.metadata["role"], "admin");
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    /// Unique and stable: the owner of the user's conversations.
    pub identifier: String,
    /// The name to show; the identifier when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// The app's own data about the user.
    #[serde(default)]
    pub metadata: serde_json::Map<String, serde_json::Value>,
}

impl User {
    /// A user known by `identifier`, with no display name or metadata.
    pub fn new(identifier: impl Into<String>) -> User {
        User {
            identifier: identifier.into(),
            display_name: None,
            metadata: serde_json::Map::new(),
        }
    }

    /// Sets the name shown in the header.
    #[must_use]
    pub fn display_name(mut self, name: impl Into<String>) -> User {
        self.display_name = Some(name.into());
        self
    }

    /// Sets one metadata entry.
    #[must_use]
    pub fn metadata(mut self, key: impl Into<String>, value: impl Into<serde_json::Value>) -> User {
        self.metadata.insert(key.into(), value.into());
        self
    }

    /// The display name, else the identifier.
    pub fn name(&self) -> &str {
        self.display_name
            .as_deref()
            .filter(|name| !name.trim().is_empty())
            .unwrap_or(&self.identifier)
    }

    /// The avatar: `metadata.image` when it is a string.
    pub fn image(&self) -> Option<&str> {
        self.metadata.get("image").and_then(|v| v.as_str())
    }

    /// True when the identifier can own conversations: 1 to 256 bytes, no
    /// control characters. A login returning another is refused.
    pub(crate) fn has_valid_identifier(&self) -> bool {
        crate::ids::UserId::parse(&self.identifier).is_some()
    }
}
