use std::path::{Path, PathBuf};

use bytes::Bytes;

use super::{is_valid_key, FileError, FileStorage};

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
}
