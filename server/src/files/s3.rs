//! Element and upload bytes as objects in a bucket of an S3-compatible
//! service, through `object_store`. Reads are GETs (ranged for a range)
//! streamed as they arrive; a large write goes up as a multipart upload, a
//! few parts at a time. Neither is ever whole in memory.

use std::ops::RangeInclusive;
use std::sync::Arc;

use bytes::Bytes;
use futures_util::{StreamExt, TryStreamExt};
use object_store::aws::AmazonS3Builder;
use object_store::path::Path;
use object_store::{GetOptions, ObjectStore, ObjectStoreExt, PutPayloadMut, WriteMultipart};

use super::{is_valid_key, ByteStream, FileError, FileStorage};
use crate::config::StorageSection;

/// Size of each part of a multipart upload (S3 wants at least 5 MiB but
/// for the last). A file up to this size is stored with one PUT.
const PART_SIZE: usize = 8 * 1024 * 1024;

/// Parts uploading at once. With the one filling, an upload holds at most
/// `1 + PARTS_IN_FLIGHT` parts in memory.
const PARTS_IN_FLIGHT: usize = 2;

/// Keeps element and upload bytes in a bucket of an S3-compatible service
/// (AWS S3, MinIO, R2, …), one object per key under an optional prefix.
///
/// Loquat uses it when `config.toml` says `[storage] kind = "s3"`; an app
/// can also give one to [`crate::Loquat::file_storage`]. The credentials
/// come from the environment (`AWS_ACCESS_KEY_ID`,
/// `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`, or the machine's role).
///
/// ```no_run
/// use std::sync::Arc;
/// use loquat::config::{StorageKind, StorageSection};
/// use loquat::files::S3FileStorage;
///
/// # fn demo() -> Result<(), loquat::files::FileError> {
/// let section = StorageSection {
///     kind: StorageKind::S3,
///     bucket: Some("chat-files".into()),
///     region: Some("eu-west-1".into()),
///     prefix: Some("loquat".into()),
///     ..Default::default()
/// };
/// let app = loquat::Loquat::new().file_storage(Arc::new(S3FileStorage::from_config(&section)?));
/// # let _ = app;
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct S3FileStorage {
    store: Arc<dyn ObjectStore>,
    /// Where keys go in the bucket (the empty path: its top).
    prefix: Path,
}

impl S3FileStorage {
    /// The bucket `section` names (its `endpoint`, `region` and `prefix`
    /// too), with the credentials of the environment. Nothing is sent yet:
    /// a wrong bucket or credentials show in the first request.
    ///
    /// # Errors
    ///
    /// [`FileError::Backend`] when the section names no bucket or the
    /// client cannot be built (an endpoint that is not a URL, credentials
    /// that are half there).
    pub fn from_config(section: &StorageSection) -> Result<Self, FileError> {
        // AWS_* variables first, so the section's keys win over them.
        let mut builder = AmazonS3Builder::from_env();
        if let Some(bucket) = &section.bucket {
            builder = builder.with_bucket_name(bucket.trim());
        }
        if let Some(region) = &section.region {
            builder = builder.with_region(region.trim());
        }
        if let Some(endpoint) = &section.endpoint {
            // The configuration accepts http:// on loopback only.
            builder = builder
                .with_endpoint(endpoint)
                .with_allow_http(endpoint.starts_with("http://"));
        }
        let store = builder.build().map_err(backend)?;
        S3FileStorage::with_store(Arc::new(store), section.prefix.as_deref())
    }

    /// Storage in `store`, any `object_store` implementation (an
    /// S3-compatible service built with options of the app's own, or
    /// another), with keys under `prefix`.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), loquat::files::FileError> {
    /// use std::sync::Arc;
    /// use loquat::files::{FileStorage, S3FileStorage};
    ///
    /// let store = Arc::new(object_store::memory::InMemory::new());
    /// let files = S3FileStorage::with_store(store, Some("chat/prod"))?;
    /// files.put("abc-1", "hello".into()).await?;
    /// assert_eq!(files.location("abc-1")?.as_ref(), "chat/prod/abc-1");
    /// assert_eq!(files.size("abc-1").await?, 5);
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// [`FileError::InvalidKey`] when `prefix` is not a path (empty
    /// segments, `.` or `..`).
    pub fn with_store(
        store: Arc<dyn ObjectStore>,
        prefix: Option<&str>,
    ) -> Result<Self, FileError> {
        let prefix = match prefix.map(|p| p.trim_matches('/')) {
            None | Some("") => Path::default(),
            Some(prefix) => Path::parse(prefix).map_err(|_| FileError::InvalidKey)?,
        };
        Ok(S3FileStorage { store, prefix })
    }

    /// The object that holds `key`: `<prefix>/<key>`.
    ///
    /// # Errors
    ///
    /// [`FileError::InvalidKey`] for a key Loquat does not generate.
    pub fn location(&self, key: &str) -> Result<Path, FileError> {
        if !is_valid_key(key) {
            return Err(FileError::InvalidKey);
        }
        Ok(self.prefix.clone().join(key))
    }

    /// Stores what is left of `body` after `head` as a multipart upload;
    /// nothing is stored unless every part arrives.
    async fn put_parts(
        &self,
        location: &Path,
        head: PutPayloadMut,
        mut body: ByteStream,
    ) -> Result<u64, FileError> {
        let upload = self.store.put_multipart(location).await.map_err(backend)?;
        let mut parts = Parts(Some(WriteMultipart::new_with_chunk_size(upload, PART_SIZE)));
        let mut written = head.content_length() as u64;
        for chunk in head.freeze() {
            parts.put(chunk);
        }
        while let Some(chunk) = body.next().await {
            let chunk = match chunk {
                Ok(chunk) => chunk,
                Err(err) => {
                    parts.abort().await;
                    return Err(FileError::Incomplete(err));
                }
            };
            // Waits while PARTS_IN_FLIGHT are uploading: the body is read
            // no faster than the service takes it.
            if let Err(err) = parts.wait().await {
                parts.abort().await;
                return Err(backend(err));
            }
            // Copied: a chunk may be a slice of a larger receive buffer,
            // which holding it would keep alive.
            parts.put(Bytes::copy_from_slice(&chunk));
            written += chunk.len() as u64;
        }
        parts.finish().await.map_err(backend)?;
        Ok(written)
    }
}

/// A multipart upload that is aborted unless it completes: explicitly, or
/// in the background when dropped midway (the request feeding it went
/// away), so the service keeps no orphaned parts.
struct Parts(Option<WriteMultipart>);

impl Parts {
    fn put(&mut self, bytes: Bytes) {
        if let Some(write) = &mut self.0 {
            write.put(bytes);
        }
    }

    async fn wait(&mut self) -> object_store::Result<()> {
        match &mut self.0 {
            Some(write) => write.wait_for_capacity(PARTS_IN_FLIGHT).await,
            None => Ok(()),
        }
    }

    async fn finish(mut self) -> object_store::Result<()> {
        // WriteMultipart aborts by itself when a part or the completion fails.
        match self.0.take() {
            Some(write) => write.finish().await.map(|_| ()),
            None => Ok(()),
        }
    }

    async fn abort(mut self) {
        if let Some(write) = self.0.take() {
            if let Err(err) = write.abort().await {
                tracing::warn!(error = %err, "aborting a multipart upload failed");
            }
        }
    }
}

impl Drop for Parts {
    fn drop(&mut self) {
        let Some(write) = self.0.take() else {
            return;
        };
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move {
                if let Err(err) = write.abort().await {
                    tracing::warn!(error = %err, "aborting an abandoned multipart upload failed");
                }
            });
        }
    }
}

/// An `object_store` error as a [`FileError`].
fn backend(err: object_store::Error) -> FileError {
    match err {
        object_store::Error::NotFound { .. } => FileError::NotFound,
        err => FileError::Backend(Box::new(err)),
    }
}

#[async_trait::async_trait]
impl FileStorage for S3FileStorage {
    async fn put(&self, key: &str, bytes: Bytes) -> Result<(), FileError> {
        let location = self.location(key)?;
        self.store
            .put(&location, bytes.into())
            .await
            .map_err(backend)?;
        Ok(())
    }

    async fn get(&self, key: &str) -> Result<Bytes, FileError> {
        let location = self.location(key)?;
        let object = self.store.get(&location).await.map_err(backend)?;
        object.bytes().await.map_err(backend)
    }

    async fn delete(&self, key: &str) -> Result<(), FileError> {
        let location = self.location(key)?;
        match self.store.delete(&location).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(err) => Err(backend(err)),
        }
    }

    async fn put_stream(&self, key: &str, mut body: ByteStream) -> Result<u64, FileError> {
        let location = self.location(key)?;
        // Up to a part is gathered first: a file that fits is one PUT, the
        // rest go up in parts.
        let mut head = PutPayloadMut::new();
        while head.content_length() < PART_SIZE {
            match body.next().await {
                Some(chunk) => head.extend_from_slice(&chunk.map_err(FileError::Incomplete)?),
                None => {
                    let length = head.content_length() as u64;
                    self.store
                        .put(&location, head.freeze())
                        .await
                        .map_err(backend)?;
                    return Ok(length);
                }
            }
        }
        self.put_parts(&location, head, body).await
    }

    async fn size(&self, key: &str) -> Result<u64, FileError> {
        let location = self.location(key)?;
        let meta = self.store.head(&location).await.map_err(backend)?;
        Ok(meta.size)
    }

    async fn read_range(
        &self,
        key: &str,
        range: RangeInclusive<u64>,
    ) -> Result<ByteStream, FileError> {
        let location = self.location(key)?;
        let (start, end) = (*range.start(), *range.end());
        let wanted = match end.checked_add(1) {
            Some(after) if start <= end => start..after,
            _ => return Err(FileError::BadRange),
        };
        let options = GetOptions::new().with_range(Some(wanted.clone()));
        match self.store.get_opts(&location, options).await {
            // A service answers a range that runs past the end with what
            // there is: shorter than asked.
            Ok(object) if object.range != wanted => Err(FileError::BadRange),
            Ok(object) => Ok(Box::pin(
                object.into_stream().map_err(std::io::Error::other),
            )),
            Err(object_store::Error::NotFound { .. }) => Err(FileError::NotFound),
            // One that starts past the end is refused (416), which
            // object_store reports like any failure: the size tells.
            Err(err) => match self.size(key).await {
                Ok(size) if end >= size => Err(FileError::BadRange),
                _ => Err(backend(err)),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use object_store::memory::InMemory;

    fn storage(prefix: Option<&str>) -> (S3FileStorage, Arc<InMemory>) {
        let memory = Arc::new(InMemory::new());
        let files = S3FileStorage::with_store(memory.clone(), prefix).expect("storage");
        (files, memory)
    }

    fn chunks(parts: Vec<std::io::Result<Bytes>>) -> ByteStream {
        Box::pin(futures_util::stream::iter(parts))
    }

    async fn collect(mut stream: ByteStream) -> Vec<u8> {
        let mut all = Vec::new();
        while let Some(chunk) = stream.next().await {
            all.extend_from_slice(&chunk.expect("chunk"));
        }
        all
    }

    async fn objects(memory: &InMemory) -> Vec<String> {
        let mut names: Vec<String> = memory
            .list(None)
            .map_ok(|meta| meta.location.to_string())
            .try_collect()
            .await
            .expect("list");
        names.sort();
        names
    }

    #[test]
    fn keys_go_under_the_prefix_and_only_generated_keys_are_accepted() {
        let (files, _) = storage(Some("/chat/prod/"));
        let key = crate::ids::new_id();
        assert_eq!(
            files.location(&key).expect("location").as_ref(),
            format!("chat/prod/{key}")
        );
        let (top, _) = storage(None);
        assert_eq!(top.location(&key).expect("location").as_ref(), key);
        let (blank, _) = storage(Some(""));
        assert_eq!(blank.location(&key).expect("location").as_ref(), key);
        for bad in ["", "../x", "a/b", "a.png", "%2e"] {
            assert!(
                matches!(files.location(bad), Err(FileError::InvalidKey)),
                "{bad:?} accepted"
            );
        }
        for bad in ["a//b", "a/../b", "./a"] {
            assert!(
                S3FileStorage::with_store(Arc::new(InMemory::new()), Some(bad)).is_err(),
                "prefix {bad:?} accepted"
            );
        }
    }

    #[tokio::test]
    async fn small_files_are_one_object_read_whole_or_by_range_and_deleted() {
        let (files, memory) = storage(Some("p"));
        let key = crate::ids::new_id();
        let written = files
            .put_stream(&key, chunks(vec![Ok("hello ".into()), Ok("world".into())]))
            .await
            .expect("put_stream");
        assert_eq!(written, 11);
        assert_eq!(objects(&memory).await, [format!("p/{key}")]);
        assert_eq!(files.get(&key).await.expect("get"), "hello world");
        assert_eq!(files.size(&key).await.expect("size"), 11);
        let range = files.read_range(&key, 6..=10).await.expect("range");
        assert_eq!(collect(range).await, b"world");
        // Past the end, starting at it, and backwards.
        for outside in [(6, 11), (11, 12), (5, 4)].map(|(a, b)| RangeInclusive::new(a, b)) {
            assert!(
                matches!(
                    files.read_range(&key, outside.clone()).await,
                    Err(FileError::BadRange)
                ),
                "{outside:?}"
            );
        }
        files.delete(&key).await.expect("delete");
        files.delete(&key).await.expect("deleting twice is fine");
        assert!(matches!(files.get(&key).await, Err(FileError::NotFound)));
        assert!(matches!(files.size(&key).await, Err(FileError::NotFound)));
        assert!(matches!(
            files.read_range(&key, 0..=1).await,
            Err(FileError::NotFound)
        ));
    }

    #[tokio::test]
    async fn large_files_go_up_in_parts_and_a_broken_stream_stores_nothing() {
        let (files, memory) = storage(None);
        let block = Bytes::from(vec![7u8; 1024 * 1024]);
        let whole = PART_SIZE * 2 + 12_345;
        let mut parts: Vec<std::io::Result<Bytes>> = (0..whole / block.len())
            .map(|_| Ok(block.clone()))
            .collect();
        parts.push(Ok(Bytes::from(vec![9u8; whole % block.len()])));
        let key = crate::ids::new_id();
        let written = files.put_stream(&key, chunks(parts)).await.expect("put");
        assert_eq!(written, whole as u64);
        assert_eq!(files.size(&key).await.expect("size"), whole as u64);
        let tail = files
            .read_range(&key, whole as u64 - 3..=whole as u64 - 1)
            .await
            .expect("tail");
        assert_eq!(collect(tail).await, [9, 9, 9]);

        let broken = crate::ids::new_id();
        let mut parts: Vec<std::io::Result<Bytes>> = (0..PART_SIZE * 2 / block.len())
            .map(|_| Ok(block.clone()))
            .collect();
        parts.push(Err(std::io::Error::other("the client went away")));
        let failed = files.put_stream(&broken, chunks(parts)).await;
        assert!(
            matches!(failed, Err(FileError::Incomplete(_))),
            "{failed:?}"
        );
        assert!(matches!(
            files.size(&broken).await,
            Err(FileError::NotFound)
        ));
        assert_eq!(objects(&memory).await, [key]);
    }
}
