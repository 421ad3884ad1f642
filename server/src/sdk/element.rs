//! Elements as hooks build them: media and data attached to a message or
//! shown on their own. Content comes from a URL (loaded by the browser; the
//! server never fetches it), a file path or bytes (both copied into file
//! storage when the element is sent).

use std::path::{Path, PathBuf};

use bytes::Bytes;
use loquat_app::protocol::{self, Display, ElementKind, ElementSize};
use serde_json::{Map, Value};

use super::table::Table;
use crate::error::ChatError;
use crate::files::FileStorage;
use crate::time::now_millis;

/// Where an element's content comes from.
#[derive(Clone, Debug, PartialEq)]
enum Source {
    /// Everything is in the properties (text, task list, custom).
    Props,
    Url(String),
    Path(PathBuf),
    Bytes(Bytes),
}

/// An element to send: an image, a PDF, a table, a chart, …
///
/// ```
/// use loquat::{Element, ElementSize, Display};
/// let chart = Element::image("chart")
///     .path("report/chart.png")
///     .size(ElementSize::Large)
///     .display(Display::Side);
/// let notes = Element::text("notes", "Some **markdown**");
/// let code = Element::code("main.rs", "fn main() {}", "rust");
/// # let _ = (chart, notes, code);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Element {
    kind: ElementKind,
    name: String,
    display: Display,
    size: Option<ElementSize>,
    mime: Option<String>,
    source: Source,
    props: Map<String, Value>,
}

impl Element {
    pub(crate) fn new_kind(kind: ElementKind, name: impl Into<String>) -> Self {
        Self::new(kind, name)
    }

    fn new(kind: ElementKind, name: impl Into<String>) -> Self {
        Element {
            kind,
            name: name.into(),
            display: Display::Inline,
            size: None,
            mime: None,
            source: Source::Props,
            props: Map::new(),
        }
    }

    /// Markdown text.
    pub fn text(name: impl Into<String>, content: impl Into<String>) -> Self {
        Self::new(ElementKind::Text, name).prop("content", Value::String(content.into()))
    }

    /// Source code, highlighted as `language`.
    pub fn code(
        name: impl Into<String>,
        content: impl Into<String>,
        language: impl Into<String>,
    ) -> Self {
        Self::text(name, content).prop("language", Value::String(language.into()))
    }

    /// An image; give its content with [`Element::url`], [`Element::path`]
    /// or [`Element::bytes`].
    pub fn image(name: impl Into<String>) -> Self {
        Self::new(ElementKind::Image, name)
    }

    /// A file offered for download.
    pub fn file(name: impl Into<String>) -> Self {
        Self::new(ElementKind::File, name)
    }

    /// A PDF shown in a viewer (see [`Element::page`]).
    pub fn pdf(name: impl Into<String>) -> Self {
        Self::new(ElementKind::Pdf, name).mime("application/pdf")
    }

    /// An audio player (see [`Element::auto_play`]).
    pub fn audio(name: impl Into<String>) -> Self {
        Self::new(ElementKind::Audio, name)
    }

    /// A video player.
    pub fn video(name: impl Into<String>) -> Self {
        Self::new(ElementKind::Video, name)
    }

    /// A sortable, paginated table. Its rows are stored with the element
    /// and fetched by the browser a page at a time.
    pub fn dataframe(name: impl Into<String>, table: Table) -> Self {
        let props = Map::from_iter([
            ("columns".to_string(), Value::from(table.columns.clone())),
            ("row_count".to_string(), Value::from(table.rows.len())),
        ]);
        let mut element = Self::new(ElementKind::Dataframe, name)
            .mime("application/json")
            .bytes(table.to_json());
        element.props.extend(props);
        element
    }

    /// An interactive Plotly figure, from its JSON (`{"data": [...],
    /// "layout": {...}}`, as the `plotly` crate's `Plot::to_json` makes).
    pub fn plotly(name: impl Into<String>, figure: &Value) -> Self {
        Self::new(ElementKind::Plotly, name)
            .mime("application/json")
            .bytes(figure.to_string())
    }

    /// A static chart rendered on the server, as SVG (e.g. from `plotters`).
    pub fn chart_svg(name: impl Into<String>, svg: impl Into<String>) -> Self {
        Self::new(ElementKind::Chart, name)
            .mime("image/svg+xml")
            .bytes(svg.into())
    }

    /// A static chart rendered on the server, as PNG bytes.
    pub fn chart_png(name: impl Into<String>, png: impl Into<Bytes>) -> Self {
        Self::new(ElementKind::Chart, name)
            .mime("image/png")
            .bytes(png)
    }

    /// A developer's component, `public/elements/<component>.js`, given
    /// `props` (see the custom elements guide in `docs/elements.md`).
    pub fn custom(component: impl Into<String>, props: Value) -> Self {
        Self::new(ElementKind::Custom, component).prop("props", props)
    }

    /// Content from a URL the browser loads (`http(s)://…` or a path on
    /// this site such as `/public/logo.png`). The server never fetches it.
    pub fn url(mut self, url: impl Into<String>) -> Self {
        self.source = Source::Url(url.into());
        self
    }

    /// Content read from a local file when the element is sent.
    pub fn path(mut self, path: impl AsRef<Path>) -> Self {
        self.source = Source::Path(path.as_ref().to_path_buf());
        self
    }

    /// Content given as bytes.
    pub fn bytes(mut self, bytes: impl Into<Bytes>) -> Self {
        self.source = Source::Bytes(bytes.into());
        self
    }

    /// Where it is shown: under the message (default), in the side panel or
    /// on its own page. Side and page elements are opened from their name
    /// in the message text, so the name must appear there.
    pub fn display(mut self, display: Display) -> Self {
        self.display = display;
        self
    }

    /// How large an image, chart or video is drawn.
    pub fn size(mut self, size: ElementSize) -> Self {
        self.size = Some(size);
        self
    }

    /// The MIME type; guessed from the path or name when not given.
    pub fn mime(mut self, mime: impl Into<String>) -> Self {
        self.mime = Some(mime.into());
        self
    }

    /// The page a PDF opens at (1-based).
    pub fn page(self, page: u32) -> Self {
        self.prop("page", Value::from(page))
    }

    /// Starts an audio or video element playing when shown.
    pub fn auto_play(self, auto_play: bool) -> Self {
        self.prop("auto_play", Value::Bool(auto_play))
    }

    /// Sets a kind-specific property.
    pub fn prop(mut self, key: impl Into<String>, value: Value) -> Self {
        self.props.insert(key.into(), value);
        self
    }

    /// The element's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// What kind of element it is.
    pub fn kind(&self) -> ElementKind {
        self.kind
    }

    /// Stores the content and returns the element as the wire shows it.
    pub(crate) async fn prepare(
        self,
        files: &dyn FileStorage,
        id: String,
        thread_id: String,
        for_id: Option<String>,
    ) -> Result<protocol::Element, ChatError> {
        let invalid = |reason: String| ChatError::InvalidElement {
            name: self.name.clone(),
            reason,
        };
        let mut mime = self.mime.clone();
        let (url, bytes) = match &self.source {
            Source::Props => (None, None),
            Source::Url(url) => (Some(checked_url(url).map_err(invalid)?), None),
            Source::Path(path) => {
                let content = tokio::fs::read(path)
                    .await
                    .map_err(|e| invalid(format!("cannot read {}: {e}", path.display())))?;
                if mime.is_none() {
                    mime = guess_mime(path.to_str().unwrap_or_default());
                }
                (None, Some(Bytes::from(content)))
            }
            Source::Bytes(content) => (None, Some(content.clone())),
        };
        if mime.is_none() && !matches!(self.source, Source::Props) {
            mime = guess_mime(&self.name).or_else(|| match &self.source {
                Source::Url(url) => guess_mime(url.split(['?', '#']).next().unwrap_or_default()),
                _ => None,
            });
        }
        let (url, size) = match bytes {
            Some(content) => {
                let len = content.len() as u64;
                files.put(&id, content).await.map_err(|err| {
                    tracing::warn!(element = %id, error = %err, "storing element content failed");
                    ChatError::Storage(self.name.clone())
                })?;
                (Some(protocol::Element::content_path(&id)), Some(len))
            }
            None => (url, None),
        };
        Ok(protocol::Element {
            id,
            thread_id,
            for_id,
            kind: self.kind,
            name: self.name,
            display: self.display,
            size: self.size,
            mime,
            url,
            bytes: size,
            props: if self.props.is_empty() {
                Value::Null
            } else {
                Value::Object(self.props)
            },
            created_at: now_millis(),
        })
    }
}

/// The MIME type a file name suggests.
fn guess_mime(name: &str) -> Option<String> {
    mime_guess::from_path(name)
        .first()
        .map(|m| m.essence_str().to_string())
}

/// Accepts `http(s)://` URLs and paths on this site; anything else (a
/// `javascript:` URL, `file:`, a protocol-relative `//host`) is refused.
pub(crate) fn checked_url(url: &str) -> Result<String, String> {
    let url = url.trim();
    let lower = url.to_ascii_lowercase();
    let ok = if let Some(rest) = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"))
    {
        !rest.is_empty()
    } else {
        url.starts_with('/') && !url.starts_with("//") && !url.starts_with("/\\")
    };
    if ok && !url.chars().any(|c| c.is_control() || c == ' ') {
        Ok(url.to_string())
    } else {
        Err(format!(
            "URL {url:?} is not allowed (use http(s):// or a path on this site)"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_web_and_site_urls_are_accepted() {
        for ok in [
            "https://example.com/a.png",
            "http://x/y",
            "/public/logo.png",
        ] {
            assert!(checked_url(ok).is_ok(), "{ok}");
        }
        for bad in [
            "javascript:alert(1)",
            "file:///etc/passwd",
            "//evil.example/x",
            "/\\evil",
            "data:text/html,hi",
            "https://",
            "relative.png",
            "https://a b",
        ] {
            assert!(checked_url(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn mime_comes_from_the_name() {
        assert_eq!(guess_mime("cat.png").as_deref(), Some("image/png"));
        assert_eq!(guess_mime("doc.pdf").as_deref(), Some("application/pdf"));
        assert_eq!(guess_mime("noext"), None);
    }
}
