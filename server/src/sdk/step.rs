use std::sync::Arc;

use loquat_app::protocol::{ShowInput, Step, StepType};

use super::{Chat, Element, ElementHandle};
use crate::error::ChatError;
use crate::runtime::session::Session;
use crate::time::now_millis;

/// Starts a step: intermediate work (a tool call, an LLM call, a retrieval)
/// shown as part of the chain of thought. Get one from [`crate::Chat::step`]
/// or, to nest, from [`StepHandle::step`].
///
/// ```no_run
/// # async fn demo(chat: loquat::Chat) -> Result<(), loquat::BoxError> {
/// use loquat::StepKind;
/// let search = chat.step("search").kind(StepKind::Tool).input("rust web").show_input(true).start().await?;
/// let fetch = search.step("fetch").start().await?;   // nested inside `search`
/// fetch.finish_with("2 pages").await?;
/// search.finish_with("3 documents").await?;
/// # Ok(()) }
/// ```
#[must_use = "a step is only shown once `start` is awaited"]
pub struct StepBuilder {
    session: Arc<Session>,
    step: Step,
}

impl StepBuilder {
    pub(crate) fn new(session: Arc<Session>, name: String, parent_id: Option<String>) -> Self {
        let step = Step {
            name,
            parent_id,
            step_type: StepType::Undefined,
            ..Default::default()
        };
        StepBuilder { session, step }
    }

    /// The step's type (`tool`, `llm`, `retrieval`, …); shown as its icon.
    pub fn kind(mut self, kind: StepType) -> Self {
        self.step.step_type = kind;
        self
    }

    /// The step's input (shown when `show_input` is set).
    pub fn input(mut self, input: impl Into<String>) -> Self {
        self.step.input = input.into();
        self
    }

    /// Show the input: `true`, or a language name to highlight it as code.
    pub fn show_input(mut self, show: impl Into<ShowInput>) -> Self {
        self.step.show_input = show.into();
        self
    }

    /// Renders the output as a code block in `language`.
    pub fn language(mut self, language: impl Into<String>) -> Self {
        self.step.language = Some(language.into());
        self
    }

    /// Adds a metadata entry.
    pub fn metadata(mut self, key: impl Into<String>, value: serde_json::Value) -> Self {
        self.step.metadata.insert(key.into(), value);
        self
    }

    /// Adds a tag.
    pub fn tag(mut self, tag: impl Into<String>) -> Self {
        self.step.tags.push(tag.into());
        self
    }

    /// Shows the step (running) and returns its handle.
    pub async fn start(self) -> Result<StepHandle, ChatError> {
        let StepBuilder { session, mut step } = self;
        let now = now_millis();
        step.id = crate::ids::new_id();
        step.thread_id = session.thread_id();
        step.created_at = now;
        step.start = Some(now);
        let id = step.id.clone();
        session.create_step(step).await?;
        Ok(StepHandle {
            inner: StepRef { session, id },
        })
    }
}

/// A reference to a step of the session's thread: the shared machinery
/// behind step and message handles.
#[derive(Clone)]
pub(crate) struct StepRef {
    pub(crate) session: Arc<Session>,
    pub(crate) id: String,
}

impl StepRef {
    fn append(&self, text: &str, input: bool) -> Result<(), ChatError> {
        self.session.append(&self.id, text, input)
    }

    async fn update(&self, change: impl Fn(&mut Step)) -> Result<(), ChatError> {
        self.session.update_step(&self.id, change).await
    }

    async fn finish(&self, change: impl Fn(&mut Step)) -> Result<(), ChatError> {
        let end = now_millis();
        self.update(|s| {
            change(s);
            s.streaming = false;
            s.end = Some(end);
        })
        .await
    }

    async fn remove(&self) -> Result<(), ChatError> {
        self.session.remove_step(&self.id).await
    }

    async fn attach(&self, element: Element) -> Result<ElementHandle, ChatError> {
        Chat::new(self.session.clone())
            .attach(element, Some(self.id.clone()))
            .await
    }
}

/// A running step. Stream into its output, nest steps in it, then finish it
/// (a step still open when its run ends is closed automatically).
#[derive(Clone)]
pub struct StepHandle {
    inner: StepRef,
}

impl StepHandle {
    /// The step's id.
    pub fn id(&self) -> &str {
        &self.inner.id
    }

    /// Starts building a child step of this one.
    pub fn step(&self, name: impl Into<String>) -> StepBuilder {
        StepBuilder::new(
            self.inner.session.clone(),
            name.into(),
            Some(self.inner.id.clone()),
        )
    }

    /// Appends text to the output (streamed to the browser as a delta).
    pub async fn token(&self, text: &str) -> Result<(), ChatError> {
        self.inner.append(text, false)
    }

    /// Appends text to the input.
    pub async fn input_token(&self, text: &str) -> Result<(), ChatError> {
        self.inner.append(text, true)
    }

    /// Replaces the output.
    pub async fn set_output(&self, output: impl Into<String>) -> Result<(), ChatError> {
        let output = output.into();
        self.inner.update(|s| s.output = output.clone()).await
    }

    /// Replaces the input.
    pub async fn set_input(&self, input: impl Into<String>) -> Result<(), ChatError> {
        let input = input.into();
        self.inner.update(|s| s.input = input.clone()).await
    }

    /// Marks the step done, keeping its output.
    pub async fn finish(&self) -> Result<(), ChatError> {
        self.inner.finish(|_| {}).await
    }

    /// Sets the output and marks the step done.
    pub async fn finish_with(&self, output: impl Into<String>) -> Result<(), ChatError> {
        let output = output.into();
        self.inner.finish(|s| s.output = output.clone()).await
    }

    /// Marks the step failed with `error` as its output.
    pub async fn fail(&self, error: impl std::fmt::Display) -> Result<(), ChatError> {
        let error = error.to_string();
        self.inner
            .finish(|s| {
                s.output = error.clone();
                s.is_error = true;
            })
            .await
    }

    /// Removes the step and its children from the thread.
    pub async fn remove(&self) -> Result<(), ChatError> {
        self.inner.remove().await
    }

    /// Shows an element with the step (under its output).
    pub async fn attach(&self, element: Element) -> Result<ElementHandle, ChatError> {
        self.inner.attach(element).await
    }
}

/// A message in the thread: stream tokens into it, replace its content,
/// finish or remove it.
///
/// ```no_run
/// # async fn demo(chat: loquat::Chat) -> Result<(), loquat::BoxError> {
/// let reply = chat.stream(loquat::Message::assistant("")).await?;
/// for token in ["Hello", ", ", "world"] {
///     reply.token(token).await?;
/// }
/// reply.finish().await?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct MessageHandle {
    inner: StepRef,
}

impl MessageHandle {
    pub(crate) fn new(session: Arc<Session>, id: String) -> Self {
        MessageHandle {
            inner: StepRef { session, id },
        }
    }

    /// The message's id.
    pub fn id(&self) -> &str {
        &self.inner.id
    }

    /// Appends a token to the content (sent as a delta, never the whole text).
    pub async fn token(&self, text: &str) -> Result<(), ChatError> {
        self.inner.append(text, false)
    }

    /// Replaces the content.
    pub async fn update(&self, content: impl Into<String>) -> Result<(), ChatError> {
        let content = content.into();
        self.inner.update(|s| s.output = content.clone()).await
    }

    /// Ends streaming.
    pub async fn finish(&self) -> Result<(), ChatError> {
        self.inner.finish(|_| {}).await
    }

    /// Removes the message from the thread.
    pub async fn remove(&self) -> Result<(), ChatError> {
        self.inner.remove().await
    }

    /// Adds an element to the message after it was sent (e.g. a chart
    /// once a streamed answer is complete).
    pub async fn attach(&self, element: Element) -> Result<ElementHandle, ChatError> {
        self.inner.attach(element).await
    }
}
