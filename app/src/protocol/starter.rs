//! Starters (suggestions shown on an empty chat) and commands (intents the
//! user picks with `/` or a button, sent with the message).

use serde::{Deserialize, Serialize};

/// Longest command id a message may carry, in characters.
pub const MAX_COMMAND_CHARS: usize = 64;

/// A suggestion on the empty chat: clicking it sends `message` (with
/// `command`, if any), or puts it in the composer when `fill` is set.
///
/// ```
/// use loquat_app::protocol::Starter;
///
/// let starter: Starter = serde_json::from_str(r#"{"label":"Explain","message":"Explain it"}"#).unwrap();
/// assert!(!starter.fill && starter.icon.is_none());
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Starter {
    pub label: String,
    pub message: String,
    /// An image URL (`/public/idea.svg`, say).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub icon: Option<String>,
    /// The command the message goes with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub command: Option<String>,
    /// Fill the composer for the user to edit, instead of sending.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub fill: bool,
}

/// An intent the user can pick for their next message: from the menu that
/// `/` opens in the composer, or as a toggle button under it (`button`).
/// A `persistent` command stays picked after the message is sent.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Command {
    pub id: String,
    #[serde(default)]
    pub description: String,
    /// An image URL shown next to it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub icon: Option<String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub button: bool,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub persistent: bool,
}

impl Starter {
    /// A starter showing `label` that sends `message`.
    ///
    /// ```
    /// use loquat_app::protocol::Starter;
    ///
    /// let starter = Starter::new("Explain superconductors", "Explain superconductors like I'm five.")
    ///     .icon("/public/learn.svg")
    ///     .command("Search");
    /// assert_eq!(starter.command.as_deref(), Some("Search"));
    /// ```
    pub fn new(label: impl Into<String>, message: impl Into<String>) -> Self {
        Starter {
            label: label.into(),
            message: message.into(),
            ..Default::default()
        }
    }

    /// An image shown with the label (a URL or a path under `/public/`).
    pub fn icon(mut self, url: impl Into<String>) -> Self {
        self.icon = Some(url.into());
        self
    }

    /// Sends the message with this command.
    pub fn command(mut self, id: impl Into<String>) -> Self {
        self.command = Some(id.into());
        self
    }

    /// Puts the message in the composer for the user to finish, instead of
    /// sending it.
    pub fn fill(mut self) -> Self {
        self.fill = true;
        self
    }
}

impl Command {
    /// A command with this id (what `msg.command` is, and what the menu
    /// shows after `/`).
    ///
    /// ```
    /// use loquat_app::protocol::Command;
    ///
    /// let search = Command::new("Search").description("Find on the web").button();
    /// assert!(search.button && !search.persistent);
    /// ```
    pub fn new(id: impl Into<String>) -> Self {
        Command {
            id: id.into(),
            ..Default::default()
        }
    }

    /// What the menu shows next to the id.
    pub fn description(mut self, text: impl Into<String>) -> Self {
        self.description = text.into();
        self
    }

    /// An image shown next to it (a URL or a path under `/public/`).
    pub fn icon(mut self, url: impl Into<String>) -> Self {
        self.icon = Some(url.into());
        self
    }

    /// Also shown as a toggle button under the composer.
    pub fn button(mut self) -> Self {
        self.button = true;
        self
    }

    /// Stays picked after the message is sent.
    pub fn persistent(mut self) -> Self {
        self.persistent = true;
        self
    }
}

/// True for a command id a message may carry: 1 to [`MAX_COMMAND_CHARS`]
/// characters, none of them control characters.
///
/// ```
/// use loquat_app::protocol::command_id_ok;
///
/// assert!(command_id_ok("Search"));
/// assert!(!command_id_ok(""));
/// assert!(!command_id_ok("a\nb"));
/// ```
pub fn command_id_ok(id: &str) -> bool {
    let n = id.chars().count();
    (1..=MAX_COMMAND_CHARS).contains(&n) && !id.chars().any(char::is_control)
}

/// The commands whose id starts with `typed` (case-insensitive), in order.
///
/// ```
/// use loquat_app::protocol::{matching_commands, Command};
///
/// let commands = vec![
///     Command { id: "Search".into(), ..Default::default() },
///     Command { id: "Picture".into(), ..Default::default() },
/// ];
/// let found: Vec<&str> = matching_commands(&commands, "se").map(|c| c.id.as_str()).collect();
/// assert_eq!(found, ["Search"]);
/// ```
pub fn matching_commands<'a>(
    commands: &'a [Command],
    typed: &'a str,
) -> impl Iterator<Item = &'a Command> + 'a {
    let typed = typed.to_lowercase();
    commands
        .iter()
        .filter(move |c| c.id.to_lowercase().starts_with(&typed))
}
