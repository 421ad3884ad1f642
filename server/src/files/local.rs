use std::ops::RangeInclusive;
use std::path::{Path, PathBuf};

use bytes::Bytes;
use futures_util::StreamExt;
use tokio::io::{AsyncReadExt, AsyncSeekExt, AsyncWriteExt};

use super::{is_valid_key, ByteStream, FileError, FileStorage};

/// Read size for streamed reads: large enough that a video seek is a few
/// system calls, small enough that many readers stay cheap.
const READ_CHUNK: usize = 64 * 1024;

/// Files in one local directory, one file per key.
#[derive(Debug, Clone)]
pub struct LocalFileStorage {
    dir: PathBuf,
}

impl LocalFileStorage {
    /// Storage in `dir` (created on first write).
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        LocalFileStorage { dir: dir.into() }
    }

    /// The directory files are kept in.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn path(&self, key: &str) -> Result<PathBuf, FileError> {
        if !is_valid_key(key) {
            return Err(FileError::InvalidKey);
        }
        Ok(self.dir.join(key))
    }
}

#[async_trait::async_trait]
impl FileStorage for LocalFileStorage {
    async fn put(&self, key: &str, bytes: Bytes) -> Result<(), FileError> {
        let path = self.path(key)?;
        tokio::fs::create_dir_all(&self.dir).await?;
        // Written aside and renamed, so a reader never sees half a file.
        let partial = self.dir.join(format!("{key}.partial"));
        tokio::fs::write(&partial, &bytes).await?;
        tokio::fs::rename(&partial, &path).await?;
        Ok(())
    }

    async fn get(&self, key: &str) -> Result<Bytes, FileError> {
        let path = self.path(key)?;
        match tokio::fs::read(&path).await {
            Ok(bytes) => Ok(Bytes::from(bytes)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(FileError::NotFound),
            Err(e) => Err(e.into()),
        }
    }

    async fn put_stream(&self, key: &str, mut body: ByteStream) -> Result<u64, FileError> {
        let path = self.path(key)?;
        tokio::fs::create_dir_all(&self.dir).await?;
        let partial = self.dir.join(format!("{key}.partial"));
        let mut file = tokio::fs::File::create(&partial).await?;
        let mut written = 0u64;
        let outcome = async {
            while let Some(chunk) = body.next().await {
                let chunk = chunk.map_err(FileError::Incomplete)?;
                file.write_all(&chunk).await?;
                written += chunk.len() as u64;
            }
            file.flush().await?;
            Ok::<(), FileError>(())
        }
        .await;
        drop(file);
        match outcome {
            Ok(()) => {
                tokio::fs::rename(&partial, &path).await?;
                Ok(written)
            }
            Err(err) => {
                let _ = tokio::fs::remove_file(&partial).await;
                Err(err)
            }
        }
    }

    async fn size(&self, key: &str) -> Result<u64, FileError> {
        let path = self.path(key)?;
        match tokio::fs::metadata(&path).await {
            Ok(meta) => Ok(meta.len()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(FileError::NotFound),
            Err(e) => Err(e.into()),
        }
    }

    async fn read_range(
        &self,
        key: &str,
        range: RangeInclusive<u64>,
    ) -> Result<ByteStream, FileError> {
        let path = self.path(key)?;
        let mut file = match tokio::fs::File::open(&path).await {
            Ok(file) => file,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(FileError::NotFound),
            Err(e) => return Err(e.into()),
        };
        let (start, end) = (*range.start(), *range.end());
        if start > end || end >= file.metadata().await?.len() {
            return Err(FileError::BadRange);
        }
        file.seek(std::io::SeekFrom::Start(start)).await?;
        let reader = file.take(end - start + 1);
        Ok(Box::pin(tokio_util::io::ReaderStream::with_capacity(
            reader, READ_CHUNK,
        )))
    }

    fn local_path(&self, key: &str) -> Option<PathBuf> {
        self.path(key).ok()
    }

    async fn delete(&self, key: &str) -> Result<(), FileError> {
        let path = self.path(key)?;
        match tokio::fs::remove_file(&path).await {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(e.into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn stores_reads_and_deletes_under_generated_keys_only() {
        let dir = std::env::temp_dir().join(format!("loquat-files-{}", crate::ids::new_id()));
        let storage = LocalFileStorage::new(&dir);
        let key = crate::ids::new_id();
        storage
            .put(&key, Bytes::from_static(b"hello"))
            .await
            .expect("put");
        assert_eq!(storage.get(&key).await.expect("get"), "hello");
        assert!(matches!(
            storage.get("../secret").await,
            Err(FileError::InvalidKey)
        ));
        assert!(matches!(
            storage.put("a/b", Bytes::new()).await,
            Err(FileError::InvalidKey)
        ));
        storage.delete(&key).await.expect("delete");
        assert!(matches!(storage.get(&key).await, Err(FileError::NotFound)));
        let _ = std::fs::remove_dir_all(dir);
    }

    fn chunks(parts: Vec<std::io::Result<&'static [u8]>>) -> ByteStream {
        Box::pin(futures_util::stream::iter(
            parts.into_iter().map(|part| part.map(Bytes::from_static)),
        ))
    }

    async fn collect(mut stream: ByteStream) -> Vec<u8> {
        let mut all = Vec::new();
        while let Some(chunk) = stream.next().await {
            all.extend_from_slice(&chunk.expect("chunk"));
        }
        all
    }

    #[tokio::test]
    async fn streams_in_and_reads_back_ranges_and_a_broken_stream_stores_nothing() {
        let dir = std::env::temp_dir().join(format!("loquat-files-{}", crate::ids::new_id()));
        let storage = LocalFileStorage::new(&dir);
        let key = crate::ids::new_id();
        let written = storage
            .put_stream(&key, chunks(vec![Ok(b"hello "), Ok(b"world")]))
            .await
            .expect("put_stream");
        assert_eq!(written, 11);
        assert_eq!(storage.size(&key).await.expect("size"), 11);
        let range = storage.read_range(&key, 6..=10).await.expect("range");
        assert_eq!(collect(range).await, b"world");
        assert!(matches!(
            storage.read_range(&key, 6..=11).await,
            Err(FileError::BadRange)
        ));

        let broken = crate::ids::new_id();
        let failed = storage
            .put_stream(
                &broken,
                chunks(vec![Ok(b"part"), Err(std::io::Error::other("gone"))]),
            )
            .await;
        assert!(matches!(failed, Err(FileError::Incomplete(_))));
        assert!(matches!(
            storage.size(&broken).await,
            Err(FileError::NotFound)
        ));
        let left: Vec<_> = std::fs::read_dir(&dir).expect("dir").collect();
        assert_eq!(left.len(), 1, "only the whole file is left: {left:?}");
        storage.delete(&key).await.expect("delete");
        assert!(matches!(storage.get(&key).await, Err(FileError::NotFound)));
        let _ = std::fs::remove_dir_all(dir);
    }
}
