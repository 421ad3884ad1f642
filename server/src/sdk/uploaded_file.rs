use std::path::PathBuf;
use std::sync::Arc;

use bytes::Bytes;
use loquat_app::protocol::{Element, ElementKind};

use crate::files::{FileError, FileStorage};

/// A file the user uploaded: attached to a message (see
/// [`crate::Message::files`]) or given as the answer to
/// [`crate::Chat::ask_file`]. Its type was read from its content on the
/// server, not taken from the browser.
#[derive(Clone)]
pub struct UploadedFile {
    /// The id of the element showing it in the thread.
    pub id: String,
    /// The file's name as the user's browser gave it (display only).
    pub name: String,
    /// The MIME type detected from the content.
    pub mime: String,
    /// Size in bytes.
    pub size: u64,
    storage: Arc<dyn FileStorage>,
}

impl UploadedFile {
    pub(crate) fn from_element(element: &Element, storage: Arc<dyn FileStorage>) -> Self {
        UploadedFile {
            id: element.id.clone(),
            name: element.name.clone(),
            mime: element.mime.clone().unwrap_or_default(),
            size: element.bytes.unwrap_or(0),
            storage,
        }
    }

    /// The file's content.
    pub async fn bytes(&self) -> Result<Bytes, FileError> {
        self.storage.get(&self.id).await
    }

    /// Where the file is on this machine, when the storage is local.
    pub fn path(&self) -> Option<PathBuf> {
        self.storage.local_path(&self.id)
    }
}

impl std::fmt::Debug for UploadedFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UploadedFile")
            .field("id", &self.id)
            .field("name", &self.name)
            .field("mime", &self.mime)
            .field("size", &self.size)
            .finish()
    }
}

impl PartialEq for UploadedFile {
    fn eq(&self, other: &Self) -> bool {
        (&self.id, &self.name, &self.mime, self.size)
            == (&other.id, &other.name, &other.mime, other.size)
    }
}

/// The element kind that shows a file of type `mime`.
pub(crate) fn kind_for(mime: &str) -> ElementKind {
    match mime.split('/').next() {
        Some("image") => ElementKind::Image,
        Some("audio") => ElementKind::Audio,
        Some("video") => ElementKind::Video,
        _ if mime == "application/pdf" => ElementKind::Pdf,
        _ => ElementKind::File,
    }
}
