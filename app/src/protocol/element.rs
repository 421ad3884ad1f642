use serde::{Deserialize, Serialize};

use super::Millis;

/// What an element shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum ElementKind {
    /// Markdown, or code in `props.language`; the text is `props.content`.
    Text,
    Image,
    /// Offered as a download.
    #[default]
    File,
    /// A PDF viewer opening at `props.page`.
    Pdf,
    /// An audio player (`props.auto_play`).
    Audio,
    /// A video player.
    Video,
    /// A table; `props.columns` and `props.row_count`, rows fetched by page.
    Dataframe,
    /// An interactive Plotly figure (its JSON is the element's content).
    Plotly,
    /// A static chart rendered on the server (SVG or PNG).
    Chart,
    /// A live task list (`props.title`, `props.status`, `props.tasks`).
    Tasklist,
    /// A developer's component from `public/elements/<name>.js` with
    /// `props` as its properties.
    Custom,
}

impl ElementKind {
    /// The snake_case name used on the wire and in `data-element-type`.
    pub fn as_str(self) -> &'static str {
        match self {
            ElementKind::Text => "text",
            ElementKind::Image => "image",
            ElementKind::File => "file",
            ElementKind::Pdf => "pdf",
            ElementKind::Audio => "audio",
            ElementKind::Video => "video",
            ElementKind::Dataframe => "dataframe",
            ElementKind::Plotly => "plotly",
            ElementKind::Chart => "chart",
            ElementKind::Tasklist => "tasklist",
            ElementKind::Custom => "custom",
        }
    }

    /// Parses [`ElementKind::as_str`]'s output.
    pub fn parse(text: &str) -> Option<ElementKind> {
        serde_json::from_value(serde_json::Value::String(text.to_string())).ok()
    }
}

/// Where an element is shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Display {
    /// Under the message it belongs to.
    #[default]
    Inline,
    /// In the side panel, opened by a link on its name in the message text.
    Side,
    /// On its own page (`/element/<id>`), linked from its name in the text.
    Page,
}

impl Display {
    /// The snake_case name used on the wire and in `data-display`.
    pub fn as_str(self) -> &'static str {
        match self {
            Display::Inline => "inline",
            Display::Side => "side",
            Display::Page => "page",
        }
    }

    /// Parses [`Display::as_str`]'s output.
    pub fn parse(text: &str) -> Option<Display> {
        match text {
            "inline" => Some(Display::Inline),
            "side" => Some(Display::Side),
            "page" => Some(Display::Page),
            _ => None,
        }
    }
}

/// How large an image, chart or video is drawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ElementSize {
    Small,
    Medium,
    Large,
}

impl ElementSize {
    /// The snake_case name used on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            ElementSize::Small => "small",
            ElementSize::Medium => "medium",
            ElementSize::Large => "large",
        }
    }

    /// Parses [`ElementSize::as_str`]'s output.
    pub fn parse(text: &str) -> Option<ElementSize> {
        match text {
            "small" => Some(ElementSize::Small),
            "medium" => Some(ElementSize::Medium),
            "large" => Some(ElementSize::Large),
            _ => None,
        }
    }
}

/// Media or data attached to a message (`for_id`) or to the thread itself.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Default)]
pub struct Element {
    pub id: String,
    pub thread_id: String,
    /// The step (message) it belongs to; none for thread-level elements
    /// such as a task list.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub for_id: Option<String>,
    #[serde(rename = "type")]
    pub kind: ElementKind,
    /// Shown as its title; side and page elements are linked where this
    /// name appears in the message text.
    pub name: String,
    #[serde(default)]
    pub display: Display,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<ElementSize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mime: Option<String>,
    /// Where the browser loads the content from: the server's content route
    /// for stored bytes, or an `http(s)` URL the app gave.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Size of the stored content in bytes, when there is some.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bytes: Option<u64>,
    /// Kind-specific properties (see [`ElementKind`]).
    #[serde(default, skip_serializing_if = "serde_json::Value::is_null")]
    pub props: serde_json::Value,
    pub created_at: Millis,
}

impl Element {
    /// The route serving an element's stored content.
    pub fn content_path(id: &str) -> String {
        format!("/element/{id}/content")
    }

    /// The element's own page.
    pub fn page_path(id: &str) -> String {
        format!("/element/{id}")
    }

    /// A string property, if set.
    pub fn prop_str(&self, key: &str) -> Option<&str> {
        self.props.get(key).and_then(|v| v.as_str())
    }
}

/// One task of a task list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Task {
    pub title: String,
    #[serde(default)]
    pub status: TaskStatus,
    /// A message the task links to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub for_id: Option<String>,
}

/// Progress of a task (or of the whole list).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum TaskStatus {
    #[default]
    Ready,
    Running,
    Done,
    Failed,
}

impl TaskStatus {
    /// The snake_case name used on the wire and in `data-status`.
    pub fn as_str(self) -> &'static str {
        match self {
            TaskStatus::Ready => "ready",
            TaskStatus::Running => "running",
            TaskStatus::Done => "done",
            TaskStatus::Failed => "failed",
        }
    }
}
