//! The session directory: which node runs which session and thread, in a
//! JetStream key-value bucket. Claims are compare-and-set on the key's
//! revision, so of two nodes taking over one thread at once exactly one
//! wins. Whether a node is alive is not stored here: a node that answers
//! requests is alive (see [`super::Cluster::node_alive`]).

use async_nats::jetstream::kv::{self, Operation};
use bytes::Bytes;

use super::names::{session_key, thread_key};
use super::wire::Placement;
use super::ClusterError;
use crate::ids::{SessionId, ThreadId};

/// A directory entry and the revision a claim must name to replace it.
#[derive(Debug)]
pub(super) struct Entry {
    pub(super) placement: Placement,
    pub(super) revision: u64,
}

pub(super) struct Directory {
    kv: kv::Store,
}

/// The outcome of a claim.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Claim {
    Won,
    /// Another node changed the key first.
    Lost,
}

impl Directory {
    pub(super) fn new(kv: kv::Store) -> Directory {
        Directory { kv }
    }

    fn encode(placement: &Placement) -> Result<Bytes, ClusterError> {
        serde_json::to_vec(placement)
            .map(Bytes::from)
            .map_err(|err| ClusterError::nats("encoding a directory entry", err))
    }

    async fn entry(&self, key: String) -> Result<Option<Entry>, ClusterError> {
        let found = self
            .kv
            .entry(key)
            .await
            .map_err(|err| ClusterError::nats("reading the directory", err))?;
        let Some(entry) = found.filter(|e| e.operation == Operation::Put) else {
            return Ok(None);
        };
        // An entry that does not parse names nothing (it is replaced by
        // the next claim).
        Ok(serde_json::from_slice(&entry.value)
            .ok()
            .map(|placement| Entry {
                placement,
                revision: entry.revision,
            }))
    }

    /// Where session `id` runs, if anywhere.
    pub(super) async fn session(&self, id: &SessionId) -> Result<Option<Entry>, ClusterError> {
        self.entry(session_key(id)).await
    }

    /// Where thread `id` is live, if anywhere.
    pub(super) async fn thread(&self, id: &ThreadId) -> Result<Option<Entry>, ClusterError> {
        self.entry(thread_key(id)).await
    }

    /// Records a new session (its ids are fresh: nothing to compare).
    pub(super) async fn place(&self, placement: &Placement) -> Result<(), ClusterError> {
        let value = Self::encode(placement)?;
        if let Some(session) = SessionId::parse(&placement.session) {
            self.kv
                .put(session_key(&session), value.clone())
                .await
                .map_err(|err| ClusterError::nats("writing the directory", err))?;
        }
        if let Some(thread) = ThreadId::parse(&placement.thread) {
            self.kv
                .put(thread_key(&thread), value)
                .await
                .map_err(|err| ClusterError::nats("writing the directory", err))?;
        }
        Ok(())
    }

    /// Takes thread `id` for `placement`: creates its key when `stale` is
    /// `None`, else replaces the entry of that revision. The session key
    /// follows once the thread is won.
    pub(super) async fn claim_thread(
        &self,
        id: &ThreadId,
        placement: &Placement,
        stale: Option<u64>,
    ) -> Result<Claim, ClusterError> {
        let value = Self::encode(placement)?;
        let key = thread_key(id);
        let won = match stale {
            None => match self.kv.create(&key, value.clone()).await {
                Ok(_) => true,
                Err(err) if err.kind() == kv::CreateErrorKind::AlreadyExists => false,
                Err(err) => return Err(ClusterError::nats("claiming a thread", err)),
            },
            Some(revision) => match self.kv.update(&key, value.clone(), revision).await {
                Ok(_) => true,
                Err(err) if err.kind() == kv::UpdateErrorKind::WrongLastRevision => false,
                Err(err) => return Err(ClusterError::nats("claiming a thread", err)),
            },
        };
        if !won {
            return Ok(Claim::Lost);
        }
        if let Some(session) = SessionId::parse(&placement.session) {
            self.kv
                .put(session_key(&session), value)
                .await
                .map_err(|err| ClusterError::nats("writing the directory", err))?;
        }
        Ok(Claim::Won)
    }

    /// Removes the keys of a session that ended, each only while it still
    /// names that session (a thread taken over since keeps its new entry).
    pub(super) async fn remove(&self, placement: &Placement) -> Result<(), ClusterError> {
        let keys = [
            SessionId::parse(&placement.session).map(|s| session_key(&s)),
            ThreadId::parse(&placement.thread).map(|t| thread_key(&t)),
        ];
        for key in keys.into_iter().flatten() {
            let Some(entry) = self.entry(key.clone()).await? else {
                continue;
            };
            if entry.placement.session != placement.session {
                continue;
            }
            // Lost to a concurrent claim: then the key is not ours to delete.
            let _ = self
                .kv
                .delete_expect_revision(&key, Some(entry.revision))
                .await;
        }
        Ok(())
    }
}
