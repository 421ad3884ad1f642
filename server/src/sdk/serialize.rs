//! The conversation as OpenAI-style `{role, content}` messages, with the
//! options Panel's `ChatFeed.serialize` offers.

use std::collections::HashMap;
use std::sync::Arc;

use loquat_app::protocol::{Step, StepType};

use crate::llm::{ChatMessage, Role};

type StepFilter = Arc<dyn Fn(&Step) -> bool + Send + Sync>;
type StepSerializer = Arc<dyn Fn(&Step) -> String + Send + Sync>;

/// How [`crate::Chat::serialize`] turns messages into `{role, content}` pairs.
///
/// By default every top-level and nested message is kept in order, error
/// messages are left out, the role follows the message kind (user, assistant,
/// system) and the content is the message's markdown.
///
/// ```
/// use loquat::llm::Role;
/// use loquat::SerializeOptions;
///
/// let options = SerializeOptions::new()
///     .role("Critic", Role::User)         // a bot answering a bot
///     .exclude_author("Help")             // leave help text out
///     .filter(|step| !step.output.is_empty())
///     .limit(20);
/// # let _ = options;
/// ```
#[derive(Clone, Default)]
pub struct SerializeOptions {
    role_names: HashMap<String, Role>,
    default_role: Option<Role>,
    exclude_authors: Vec<String>,
    filter: Option<StepFilter>,
    serializer: Option<StepSerializer>,
    limit: Option<usize>,
    include_errors: bool,
}

impl std::fmt::Debug for SerializeOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SerializeOptions")
            .field("role_names", &self.role_names)
            .field("default_role", &self.default_role)
            .field("exclude_authors", &self.exclude_authors)
            .field("filter", &self.filter.is_some())
            .field("serializer", &self.serializer.is_some())
            .field("limit", &self.limit)
            .field("include_errors", &self.include_errors)
            .finish()
    }
}

impl SerializeOptions {
    /// The defaults described above.
    pub fn new() -> Self {
        Self::default()
    }

    /// Messages by `author` get `role` (Panel's `role_names`).
    pub fn role(mut self, author: impl Into<String>, role: Role) -> Self {
        self.role_names.insert(author.into(), role);
        self
    }

    /// Role of messages whose author has no [`SerializeOptions::role`];
    /// without it, the message kind decides.
    pub fn default_role(mut self, role: Role) -> Self {
        self.default_role = Some(role);
        self
    }

    /// Leaves out messages by `author` (Panel's `exclude_users`).
    pub fn exclude_author(mut self, author: impl Into<String>) -> Self {
        self.exclude_authors.push(author.into());
        self
    }

    /// Keeps only the messages for which `keep` is true.
    pub fn filter(mut self, keep: impl Fn(&Step) -> bool + Send + Sync + 'static) -> Self {
        self.filter = Some(Arc::new(keep));
        self
    }

    /// Produces each message's content with `serialize` instead of its text.
    pub fn serializer(
        mut self,
        serialize: impl Fn(&Step) -> String + Send + Sync + 'static,
    ) -> Self {
        self.serializer = Some(Arc::new(serialize));
        self
    }

    /// Keeps only the last `count` messages.
    pub fn limit(mut self, count: usize) -> Self {
        self.limit = Some(count);
        self
    }

    /// Keeps error messages too (left out by default).
    pub fn include_errors(mut self, include: bool) -> Self {
        self.include_errors = include;
        self
    }

    fn role_of(&self, step: &Step) -> Option<Role> {
        let by_kind = match step.step_type {
            StepType::UserMessage => Role::User,
            StepType::AssistantMessage => Role::Assistant,
            StepType::SystemMessage => Role::System,
            _ => return None,
        };
        Some(
            self.role_names
                .get(&step.name)
                .copied()
                .or(self.default_role)
                .unwrap_or(by_kind),
        )
    }

    /// Serializes `steps` (a thread in order).
    pub fn apply(&self, steps: &[Step]) -> Vec<ChatMessage> {
        let mut messages: Vec<ChatMessage> = steps
            .iter()
            .filter(|s| self.include_errors || !s.is_error)
            .filter(|s| !self.exclude_authors.contains(&s.name))
            .filter(|s| self.filter.as_ref().is_none_or(|keep| keep(s)))
            .filter_map(|s| {
                let role = self.role_of(s)?;
                let content = match &self.serializer {
                    Some(serialize) => serialize(s),
                    None => s.output.clone(),
                };
                Some(ChatMessage { role, content })
            })
            .collect();
        if let Some(limit) = self.limit {
            let skip = messages.len().saturating_sub(limit);
            messages.drain(..skip);
        }
        messages
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(kind: StepType, author: &str, text: &str) -> Step {
        Step {
            id: text.into(),
            name: author.into(),
            step_type: kind,
            output: text.into(),
            ..Default::default()
        }
    }

    fn thread() -> Vec<Step> {
        let mut error = msg(StepType::AssistantMessage, "Bot", "boom");
        error.is_error = true;
        vec![
            msg(StepType::SystemMessage, "Help", "how to use"),
            msg(StepType::UserMessage, "User", "hi"),
            msg(StepType::Tool, "search", "tool output"),
            msg(StepType::AssistantMessage, "Bot", "hello"),
            error,
            msg(StepType::AssistantMessage, "Critic", "meh"),
        ]
    }

    fn pairs(messages: &[ChatMessage]) -> Vec<(Role, &str)> {
        messages
            .iter()
            .map(|m| (m.role, m.content.as_str()))
            .collect()
    }

    #[test]
    fn defaults_follow_message_kinds_and_skip_steps_and_errors() {
        let out = SerializeOptions::new().apply(&thread());
        assert_eq!(
            pairs(&out),
            vec![
                (Role::System, "how to use"),
                (Role::User, "hi"),
                (Role::Assistant, "hello"),
                (Role::Assistant, "meh"),
            ]
        );
    }

    #[test]
    fn roles_exclusions_filters_serializers_and_limits() {
        let options = SerializeOptions::new()
            .role("Critic", Role::User)
            .exclude_author("Help")
            .filter(|s| s.output != "hi")
            .serializer(|s| format!("{}: {}", s.name, s.output))
            .limit(2);
        let out = options.apply(&thread());
        assert_eq!(
            pairs(&out),
            vec![(Role::Assistant, "Bot: hello"), (Role::User, "Critic: meh")]
        );
        let everyone_user = SerializeOptions::new()
            .default_role(Role::User)
            .role("Bot", Role::Assistant)
            .include_errors(true)
            .apply(&thread());
        assert_eq!(everyone_user.len(), 5);
        assert_eq!(everyone_user[0].role, Role::User);
        assert_eq!(everyone_user[3].content, "boom");
    }
}
