//! Asking the user: the hook sends a question and waits for the answer (or
//! the timeout). Each question is a builder that is awaited:
//!
//! ```no_run
//! # async fn demo(chat: loquat::Chat) -> Result<(), loquat::BoxError> {
//! use std::time::Duration;
//! if let Some(name) = chat.ask_text("What is your name?").timeout(Duration::from_secs(60)).await? {
//!     chat.send(loquat::Message::assistant(format!("Hello, {name}!"))).await?;
//! }
//! # Ok(()) }
//! ```

use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use loquat_app::protocol::{
    Action, Ask, AskAnswer, AskKind, Choice, FileRules, FormField, FormInput, FormRule,
};

use super::{Chat, Input, Message, UploadedFile};
use crate::error::ChatError;
use crate::runtime::answers::files_of;
use crate::runtime::session::Session;
use crate::time::now_millis;

/// How long a question waits by default.
pub const DEFAULT_ASK_TIMEOUT: Duration = Duration::from_secs(90);

type AskFuture<T> = Pin<Box<dyn Future<Output = Result<Option<T>, ChatError>> + Send>>;

/// When the hook stops waiting.
#[derive(Clone, Copy, Debug)]
struct Wait {
    timeout: Duration,
    /// Fail with [`ChatError::AskTimeout`] instead of returning `None`.
    raise: bool,
}

impl Default for Wait {
    fn default() -> Self {
        Wait {
            timeout: DEFAULT_ASK_TIMEOUT,
            raise: false,
        }
    }
}

/// Ends the question if the hook stops waiting early (stopped, or dropped).
struct Pending {
    session: Arc<Session>,
    id: String,
}

impl Drop for Pending {
    fn drop(&mut self) {
        self.session.end_ask(&self.id);
    }
}

/// Asks (see [`ask`]) and turns the answer into what the caller returns;
/// `pick` gives `None` for an answer of another kind.
fn asking<T: Send + 'static>(
    chat: Chat,
    prompt: String,
    kind: AskKind,
    wait: Wait,
    pick: impl FnOnce(AskAnswer) -> Option<T> + Send + 'static,
) -> AskFuture<T> {
    Box::pin(async move { Ok(ask(chat, prompt, kind, wait).await?.and_then(pick)) })
}

/// Shows `prompt` with the question and waits for its answer.
async fn ask(
    chat: Chat,
    prompt: String,
    kind: AskKind,
    wait: Wait,
) -> Result<Option<AskAnswer>, ChatError> {
    let shown = chat.send(Message::assistant(prompt)).await?;
    let session = chat.session().clone();
    let id = crate::ids::new_id();
    let deadline = now_millis().saturating_add(wait.timeout.as_millis() as u64);
    let answer = session.begin_ask(Ask {
        id: id.clone(),
        for_id: shown.id().to_string(),
        kind,
        deadline,
    })?;
    let _pending = Pending { session, id };
    match tokio::time::timeout(wait.timeout, answer).await {
        Ok(Ok(answer)) => Ok(Some(answer)),
        // Replaced by a newer question, or the session ended.
        Ok(Err(_)) => Ok(None),
        Err(_) if wait.raise => Err(ChatError::AskTimeout),
        Err(_) => Ok(None),
    }
}

macro_rules! wait_options {
    () => {
        /// How long to wait (default 90 s); then the answer is `None`.
        pub fn timeout(mut self, timeout: Duration) -> Self {
            self.wait.timeout = timeout;
            self
        }

        /// Fail with [`ChatError::AskTimeout`] when nobody answers in time,
        /// instead of returning `None`.
        pub fn error_on_timeout(mut self) -> Self {
            self.wait.raise = true;
            self
        }
    };
}

/// A text question, answered from the composer. See [`Chat::ask_text`].
#[must_use = "a question is only asked when awaited"]
pub struct AskText {
    chat: Chat,
    prompt: String,
    wait: Wait,
}

impl AskText {
    wait_options!();
}

impl IntoFuture for AskText {
    type Output = Result<Option<String>, ChatError>;
    type IntoFuture = AskFuture<String>;

    fn into_future(self) -> Self::IntoFuture {
        asking(
            self.chat,
            self.prompt,
            AskKind::Text,
            self.wait,
            |answer| match answer {
                AskAnswer::Text { content } => Some(content),
                _ => None,
            },
        )
    }
}

/// A request for files. See [`Chat::ask_file`].
#[must_use = "a question is only asked when awaited"]
pub struct AskFile {
    chat: Chat,
    prompt: String,
    rules: FileRules,
    wait: Wait,
}

impl AskFile {
    wait_options!();

    /// Accepted types: MIME types (`image/*`, `application/pdf`) or
    /// extensions (`.csv`). The server checks the files' content.
    pub fn accept<I, S>(mut self, accept: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.rules.accept = accept.into_iter().map(Into::into).collect();
        self
    }

    /// Accepted types as MIME type → extensions (`"text/plain" → [".txt",
    /// ".md"]`): a file matches by its type or one of the extensions.
    pub fn accept_map<I, S, E>(mut self, accept: I) -> Self
    where
        I: IntoIterator<Item = (S, Vec<E>)>,
        S: Into<String>,
        E: Into<String>,
    {
        self.rules.accept = accept_patterns(accept);
        self
    }

    /// Largest file, in megabytes (default 2).
    pub fn max_size_mb(mut self, megabytes: u32) -> Self {
        self.rules.max_size_bytes = u64::from(megabytes) * 1024 * 1024;
        self
    }

    /// Most files (default 1).
    pub fn max_files(mut self, files: u32) -> Self {
        self.rules.max_files = files.max(1);
        self
    }
}

impl IntoFuture for AskFile {
    type Output = Result<Option<Vec<UploadedFile>>, ChatError>;
    type IntoFuture = AskFuture<Vec<UploadedFile>>;

    fn into_future(self) -> Self::IntoFuture {
        let session = self.chat.session().clone();
        let kind = AskKind::File(self.rules);
        asking(
            self.chat,
            self.prompt,
            kind,
            self.wait,
            move |answer| match answer {
                AskAnswer::File { files } => Some(files_of(&session, &files)),
                _ => None,
            },
        )
    }
}

/// A choice between actions. See [`Chat::ask_action`].
#[must_use = "a question is only asked when awaited"]
pub struct AskAction {
    chat: Chat,
    prompt: String,
    actions: Vec<Action>,
    wait: Wait,
}

impl AskAction {
    wait_options!();
}

impl IntoFuture for AskAction {
    type Output = Result<Option<Action>, ChatError>;
    type IntoFuture = AskFuture<Action>;

    fn into_future(self) -> Self::IntoFuture {
        let mut actions = self.actions;
        for action in &mut actions {
            if action.id.is_empty() {
                action.id = crate::ids::new_id();
            }
        }
        let offered = actions.clone();
        let kind = AskKind::Action { actions };
        asking(
            self.chat,
            self.prompt,
            kind,
            self.wait,
            move |answer| match answer {
                AskAnswer::Action { action_id } => offered.into_iter().find(|a| a.id == action_id),
                _ => None,
            },
        )
    }
}

/// A form to fill in (Panel's `prompt_user`). See [`Chat::ask_form`].
#[must_use = "a question is only asked when awaited"]
pub struct AskForm {
    chat: Chat,
    prompt: String,
    fields: Vec<FormField>,
    rules: Vec<FormRule>,
    wait: Wait,
    /// The first input that did not fit (the question fails with it).
    problem: Option<ChatError>,
}

impl AskForm {
    wait_options!();

    /// Adds a field.
    pub fn field(
        mut self,
        id: impl Into<String>,
        label: impl Into<String>,
        input: FormInput,
    ) -> Self {
        self.fields.push(FormField {
            id: id.into(),
            label: label.into(),
            tooltip: None,
            description: None,
            input,
        });
        self
    }

    /// Adds an input, as the chat settings take them: any kind, with its
    /// initial value, tooltip and description. One whose initial value
    /// does not fit it makes the question fail with
    /// [`ChatError::InvalidForm`].
    ///
    /// ```no_run
    /// # async fn demo(chat: loquat::Chat) -> Result<(), loquat::BoxError> {
    /// use loquat::Input;
    /// let answer = chat
    ///     .ask_form("How was it?")
    ///     .input(Input::radio("rating", "Rating", ["good", "bad"]))
    ///     .input(Input::tags("topics", "Topics"))
    ///     .await?;
    /// # let _ = answer; Ok(()) }
    /// ```
    pub fn input(mut self, input: Input) -> Self {
        match input.into_field() {
            Ok(field) => self.fields.push(field),
            Err(err) => self.problem = self.problem.or(Some(err)),
        }
        self
    }

    /// Adds a text field.
    pub fn text(self, id: impl Into<String>, label: impl Into<String>) -> Self {
        self.input(Input::text(id, label))
    }

    /// Adds a number field bounded by `min..=max`.
    pub fn number(
        self,
        id: impl Into<String>,
        label: impl Into<String>,
        min: f64,
        max: f64,
    ) -> Self {
        self.input(Input::number(id, label).min(min).max(max))
    }

    /// Adds a choice between `options`.
    pub fn select<I, S>(self, id: impl Into<String>, label: impl Into<String>, options: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let options: Vec<Choice> = options.into_iter().map(|o| Choice::new(o)).collect();
        self.input(Input::select(id, label, options))
    }

    /// Adds an on/off switch.
    pub fn switch(self, id: impl Into<String>, label: impl Into<String>) -> Self {
        self.input(Input::switch(id, label))
    }

    /// Adds a slider over `min..=max` in steps of `step`.
    pub fn slider(
        self,
        id: impl Into<String>,
        label: impl Into<String>,
        min: f64,
        max: f64,
        step: f64,
    ) -> Self {
        self.input(Input::slider(id, label, min, max).step(step))
    }

    /// Submit stays disabled until `rule` holds (checked again on the server).
    pub fn rule(mut self, rule: FormRule) -> Self {
        self.rules.push(rule);
        self
    }

    /// Submit stays disabled until field `id` has a value.
    pub fn require(self, id: impl Into<String>) -> Self {
        self.rule(FormRule::Required { field: id.into() })
    }
}

impl IntoFuture for AskForm {
    type Output = Result<Option<serde_json::Map<String, serde_json::Value>>, ChatError>;
    type IntoFuture = AskFuture<serde_json::Map<String, serde_json::Value>>;

    fn into_future(self) -> Self::IntoFuture {
        if let Some(problem) = self.problem {
            return Box::pin(async move { Err(problem) });
        }
        let kind = AskKind::Form {
            fields: self.fields,
            rules: self.rules,
        };
        asking(
            self.chat,
            self.prompt,
            kind,
            self.wait,
            |answer| match answer {
                AskAnswer::Form { values } => Some(values),
                _ => None,
            },
        )
    }
}

impl Chat {
    /// Asks a question answered by typing; `None` when nobody answers in
    /// time. The answer is a user message in the thread.
    pub fn ask_text(&self, prompt: impl Into<String>) -> AskText {
        AskText {
            chat: self.clone(),
            prompt: prompt.into(),
            wait: Wait::default(),
        }
    }

    /// Asks for files (by default one file of any type, at most 2 MB).
    ///
    /// ```no_run
    /// # async fn demo(chat: loquat::Chat) -> Result<(), loquat::BoxError> {
    /// let files = chat.ask_file("Send a CSV").accept([".csv", "text/csv"]).max_size_mb(10).await?;
    /// for file in files.unwrap_or_default() {
    ///     let bytes = file.bytes().await?;
    ///     chat.send(loquat::Message::assistant(format!("{}: {} bytes", file.name, bytes.len()))).await?;
    /// }
    /// # Ok(()) }
    /// ```
    pub fn ask_file(&self, prompt: impl Into<String>) -> AskFile {
        AskFile {
            chat: self.clone(),
            prompt: prompt.into(),
            rules: FileRules {
                accept: Vec::new(),
                max_size_bytes: 2 * 1024 * 1024,
                max_files: 1,
            },
            wait: Wait::default(),
        }
    }

    /// Asks the user to pick one of `actions`; returns the one picked.
    pub fn ask_action(&self, prompt: impl Into<String>, actions: Vec<Action>) -> AskAction {
        AskAction {
            chat: self.clone(),
            prompt: prompt.into(),
            actions,
            wait: Wait::default(),
        }
    }

    /// Asks the user to fill in a form; returns its values by field id.
    ///
    /// ```no_run
    /// # async fn demo(chat: loquat::Chat) -> Result<(), loquat::BoxError> {
    /// let values = chat
    ///     .ask_form("Book a table")
    ///     .text("name", "Name")
    ///     .slider("guests", "Guests", 1.0, 12.0, 1.0)
    ///     .require("name")
    ///     .await?;
    /// # let _ = values; Ok(()) }
    /// ```
    pub fn ask_form(&self, prompt: impl Into<String>) -> AskForm {
        AskForm {
            chat: self.clone(),
            prompt: prompt.into(),
            fields: Vec::new(),
            rules: Vec::new(),
            wait: Wait::default(),
            problem: None,
        }
    }
}

/// MIME type → extensions pairs as one accept list: each type, then its
/// extensions.
fn accept_patterns<I, S, E>(accept: I) -> Vec<String>
where
    I: IntoIterator<Item = (S, Vec<E>)>,
    S: Into<String>,
    E: Into<String>,
{
    accept
        .into_iter()
        .flat_map(|(mime, exts)| {
            std::iter::once(mime.into()).chain(exts.into_iter().map(Into::into))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_mime_to_extensions_map_accepts_the_type_and_its_extensions() {
        let accept =
            super::accept_patterns([("text/plain", vec![".txt", ".md"]), ("image/png", vec![])]);
        assert_eq!(accept, ["text/plain", ".txt", ".md", "image/png"]);
        let rules = crate::files::accepts;
        assert!(rules(&accept, "notes.md", "text/markdown"));
        assert!(rules(&accept, "a.png", "image/png"));
        assert!(!rules(&accept, "a.gif", "image/gif"));
    }
}
