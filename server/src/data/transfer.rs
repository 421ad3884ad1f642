//! The conversation export format and its validation on import.
//!
//! An export is one JSON document holding the thread, every step in thread
//! order and every element (stored content included, in base64), with all
//! their fields, so importing it recreates the same conversation (under new
//! ids, owned by the importing user).

use std::collections::HashMap;

use base64::Engine;
use bytes::Bytes;
use loquat_app::protocol::{Element, Millis, Step};
use serde::{Deserialize, Serialize};

use super::{ThreadRecord, WriteBatch};
use crate::ids::{ElementId, ThreadId, UserId};

/// Value of the `format` field of an export.
pub const EXPORT_FORMAT: &str = "loquat.thread";
/// Version of the export format this build reads and writes.
pub const EXPORT_VERSION: u32 = 1;
/// Most steps an import may hold.
pub const MAX_IMPORT_STEPS: usize = 20_000;
/// Most elements an import may hold.
pub const MAX_IMPORT_ELEMENTS: usize = 2_000;
/// Longest id accepted in an import.
const MAX_ID_LEN: usize = 128;

/// A thread and its steps, as downloaded.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ThreadExport {
    /// Always [`EXPORT_FORMAT`].
    pub format: String,
    /// Always [`EXPORT_VERSION`] for now.
    pub version: u32,
    pub thread: ExportedThread,
    /// Every step, in thread order (parents before children).
    pub steps: Vec<Step>,
    /// Every element, in the order they were created.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub elements: Vec<ExportedElement>,
}

/// An element in an export, with its stored content when it has some.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ExportedElement {
    #[serde(flatten)]
    pub element: Element,
    /// The stored content, base64 (standard alphabet, padded).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_base64: Option<String>,
}

impl ExportedElement {
    /// An element with its stored content, if any.
    pub fn new(element: Element, content: Option<&[u8]>) -> Self {
        ExportedElement {
            element,
            content_base64: content.map(|c| base64::engine::general_purpose::STANDARD.encode(c)),
        }
    }
}

/// What importing writes: the thread's records and the files its elements'
/// content goes into.
#[derive(Debug)]
pub struct ImportedThread {
    pub thread_id: ThreadId,
    pub batch: WriteBatch,
    /// `(storage key, content)` for every element with stored content.
    pub files: Vec<(String, Bytes)>,
}

/// The thread's own fields in an export.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ExportedThread {
    pub id: String,
    #[serde(default)]
    pub name: Option<String>,
    pub created_at: Millis,
    pub updated_at: Millis,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub metadata: serde_json::Map<String, serde_json::Value>,
}

/// Why an import was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ImportError {
    #[error("not a conversation export: {0}")]
    Malformed(String),
    #[error("unsupported export: format {format:?} version {version} (expected {EXPORT_FORMAT:?} version {EXPORT_VERSION})")]
    Unsupported { format: String, version: u32 },
    #[error("the export has {0} steps; at most {MAX_IMPORT_STEPS} can be imported")]
    TooManySteps(usize),
    #[error("step {index} is invalid: {why}")]
    InvalidStep { index: usize, why: String },
    #[error("the export has {0} elements; at most {MAX_IMPORT_ELEMENTS} can be imported")]
    TooManyElements(usize),
    #[error("element {index} is invalid: {why}")]
    InvalidElement { index: usize, why: String },
}

impl ThreadExport {
    /// The export of a thread.
    pub fn new(thread: &ThreadRecord, steps: Vec<Step>, elements: Vec<ExportedElement>) -> Self {
        ThreadExport {
            format: EXPORT_FORMAT.into(),
            version: EXPORT_VERSION,
            thread: ExportedThread {
                id: thread.id.clone(),
                name: thread.name.clone(),
                created_at: thread.created_at,
                updated_at: thread.updated_at,
                tags: thread.tags.clone(),
                metadata: thread.metadata.clone(),
            },
            steps,
            elements,
        }
    }

    /// Parses and checks an uploaded export.
    pub fn parse(json: &[u8]) -> Result<ThreadExport, ImportError> {
        let export: ThreadExport =
            serde_json::from_slice(json).map_err(|e| ImportError::Malformed(e.to_string()))?;
        if export.format != EXPORT_FORMAT || export.version != EXPORT_VERSION {
            return Err(ImportError::Unsupported {
                format: export.format,
                version: export.version,
            });
        }
        if export.steps.len() > MAX_IMPORT_STEPS {
            return Err(ImportError::TooManySteps(export.steps.len()));
        }
        let mut seen = std::collections::HashSet::new();
        for (index, step) in export.steps.iter().enumerate() {
            let invalid = |why: &str| ImportError::InvalidStep {
                index,
                why: why.to_string(),
            };
            if step.id.is_empty() || step.id.len() > MAX_ID_LEN {
                return Err(invalid("its id is empty or too long"));
            }
            if let Some(parent) = &step.parent_id {
                if !seen.contains(parent.as_str()) {
                    return Err(invalid("its parent does not come before it"));
                }
            }
            if !seen.insert(step.id.as_str()) {
                return Err(invalid("its id appears twice"));
            }
            // The reasons offered when it was given are not known here.
            if let Some(feedback) = &step.feedback {
                if let Err(err) = feedback.clone().checked(None) {
                    return Err(invalid(&format!("its feedback is malformed: {err}")));
                }
            }
        }
        if export.elements.len() > MAX_IMPORT_ELEMENTS {
            return Err(ImportError::TooManyElements(export.elements.len()));
        }
        let mut element_ids = std::collections::HashSet::new();
        for (index, exported) in export.elements.iter().enumerate() {
            let invalid = |why: &str| ImportError::InvalidElement {
                index,
                why: why.to_string(),
            };
            let element = &exported.element;
            if element.id.is_empty() || element.id.len() > MAX_ID_LEN {
                return Err(invalid("its id is empty or too long"));
            }
            if !element_ids.insert(element.id.as_str()) {
                return Err(invalid("its id appears twice"));
            }
            if let Some(for_id) = &element.for_id {
                if !seen.contains(for_id.as_str()) {
                    return Err(invalid("it belongs to a step that is not in the export"));
                }
            }
            if let Some(content) = &exported.content_base64 {
                if base64::engine::general_purpose::STANDARD
                    .decode(content)
                    .is_err()
                {
                    return Err(invalid("its content is not valid base64"));
                }
            }
        }
        Ok(export)
    }

    /// The writes that store this export as a new thread of `user_id`, with
    /// fresh ids for the thread, every step and every element. An element's
    /// URL is kept only when it is a web address or a path on this site;
    /// stored content gets a new key.
    pub fn into_new_thread(self, user_id: &UserId, now: Millis) -> ImportedThread {
        let thread_id = ThreadId::generate();
        let mut ids: HashMap<String, String> = HashMap::new();
        let steps: Vec<Step> = self
            .steps
            .into_iter()
            .map(|mut step| {
                let id = crate::ids::new_id();
                ids.insert(step.id.clone(), id.clone());
                step.id = id;
                step.parent_id = step.parent_id.and_then(|p| ids.get(&p).cloned());
                step.thread_id = thread_id.to_string();
                step.streaming = false;
                step.end = step.end.or(step.start).or(Some(step.created_at));
                step
            })
            .collect();
        let name = self.thread.name.filter(|n| !n.trim().is_empty());
        let mut files = Vec::new();
        let elements = self
            .elements
            .into_iter()
            .map(|exported| {
                let mut element = exported.element;
                let id = ElementId::generate().into_string();
                let content = exported
                    .content_base64
                    .and_then(|c| base64::engine::general_purpose::STANDARD.decode(c).ok());
                element.url = match content {
                    Some(content) => {
                        element.bytes = Some(content.len() as u64);
                        files.push((id.clone(), Bytes::from(content)));
                        Some(Element::content_path(&id))
                    }
                    None => {
                        element.bytes = None;
                        element
                            .url
                            .filter(|url| !url.starts_with("/element/"))
                            .and_then(|url| crate::sdk::checked_url(&url).ok())
                    }
                };
                element.id = id;
                element.thread_id = thread_id.to_string();
                element.for_id = element.for_id.and_then(|f| ids.get(&f).cloned());
                element
            })
            .collect();
        let feedbacks = steps
            .iter()
            .filter_map(|step: &Step| {
                let feedback = step.feedback.as_ref()?;
                Some(super::FeedbackRecord::of_step(
                    &step.thread_id,
                    &step.id,
                    feedback,
                ))
            })
            .collect();
        let batch = WriteBatch {
            threads: vec![ThreadRecord {
                id: thread_id.to_string(),
                user_id: user_id.to_string(),
                name,
                created_at: self.thread.created_at,
                updated_at: now,
                tags: self.thread.tags,
                metadata: self.thread.metadata,
            }],
            steps,
            elements,
            feedbacks,
            ..Default::default()
        };
        ImportedThread {
            thread_id,
            batch,
            files,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use loquat_app::protocol::StepType;

    fn export(steps: Vec<Step>) -> ThreadExport {
        ThreadExport {
            format: EXPORT_FORMAT.into(),
            version: EXPORT_VERSION,
            thread: ExportedThread {
                id: "t".into(),
                name: Some("Hi".into()),
                created_at: 1,
                updated_at: 2,
                tags: vec![],
                metadata: Default::default(),
            },
            steps,
            elements: vec![],
        }
    }

    fn step(id: &str, parent: Option<&str>) -> Step {
        Step {
            id: id.into(),
            thread_id: "t".into(),
            parent_id: parent.map(Into::into),
            step_type: StepType::Tool,
            ..Default::default()
        }
    }

    #[test]
    fn round_trips_and_remaps_ids() {
        let original = export(vec![step("a", None), step("b", Some("a"))]);
        let json = serde_json::to_vec(&original).unwrap();
        let parsed = ThreadExport::parse(&json).unwrap();
        assert_eq!(parsed, original);
        let ImportedThread {
            thread_id, batch, ..
        } = parsed.into_new_thread(&UserId::parse("u").unwrap(), 9);
        assert_ne!(thread_id.as_str(), "t");
        assert_eq!(batch.threads[0].user_id, "u");
        assert_eq!(batch.steps[1].parent_id.as_ref(), Some(&batch.steps[0].id));
        assert!(batch
            .steps
            .iter()
            .all(|s| s.thread_id == thread_id.as_str()));
    }

    #[test]
    fn refuses_bad_documents() {
        assert!(matches!(
            ThreadExport::parse(b"{not json"),
            Err(ImportError::Malformed(_))
        ));
        let mut wrong = export(vec![]);
        wrong.version = 99;
        let json = serde_json::to_vec(&wrong).unwrap();
        assert!(matches!(
            ThreadExport::parse(&json),
            Err(ImportError::Unsupported { .. })
        ));
        let orphan = serde_json::to_vec(&export(vec![step("b", Some("a"))])).unwrap();
        assert!(matches!(
            ThreadExport::parse(&orphan),
            Err(ImportError::InvalidStep { index: 0, .. })
        ));
        let twice = serde_json::to_vec(&export(vec![step("a", None), step("a", None)])).unwrap();
        assert!(matches!(
            ThreadExport::parse(&twice),
            Err(ImportError::InvalidStep { index: 1, .. })
        ));
    }
}
