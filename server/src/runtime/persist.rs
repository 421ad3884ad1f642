//! The runtime's way to the data layer: one writer task that applies batches
//! in the order they were submitted, merging whatever queued up meanwhile
//! into one transaction. Sessions submit under their own lock, so the order
//! of writes always follows the order of changes.

use std::sync::Arc;

use tokio::sync::{mpsc, oneshot};

use crate::data::{DataLayer, WriteBatch};
use crate::ids::UserId;

/// Most batches merged into one transaction.
const MAX_MERGE: usize = 256;

struct Job {
    batch: WriteBatch,
    done: Option<oneshot::Sender<Result<(), String>>>,
}

/// Persistence as the runtime uses it: the data layer, the writer and the
/// user that owns threads when there is no authentication.
pub(crate) struct Persistence {
    pub(crate) data: Arc<dyn DataLayer>,
    /// Id of the local default user.
    pub(crate) local_user: UserId,
    tx: mpsc::UnboundedSender<Job>,
}

/// Resolves when a submitted batch is written (or failed).
pub(crate) struct Written(oneshot::Receiver<Result<(), String>>);

impl Written {
    /// Waits for the write; the error is already logged.
    pub(crate) async fn wait(self) -> Result<(), String> {
        self.0
            .await
            .unwrap_or_else(|_| Err("the writer has stopped".into()))
    }
}

impl Persistence {
    /// Starts the writer task.
    pub(crate) fn start(data: Arc<dyn DataLayer>, local_user: UserId) -> Arc<Persistence> {
        let (tx, rx) = mpsc::unbounded_channel();
        tokio::spawn(writer(data.clone(), rx));
        Arc::new(Persistence {
            data,
            local_user,
            tx,
        })
    }

    /// Queues a batch; nobody waits for it.
    pub(crate) fn submit(&self, batch: WriteBatch) {
        if batch.is_empty() {
            return;
        }
        let _ = self.tx.send(Job { batch, done: None });
    }

    /// Queues a batch and returns what resolves once it is written.
    pub(crate) fn submit_and_wait(&self, batch: WriteBatch) -> Written {
        let (done, rx) = oneshot::channel();
        let job = Job {
            batch,
            done: Some(done),
        };
        if let Err(mpsc::error::SendError(job)) = self.tx.send(job) {
            if let Some(done) = job.done {
                let _ = done.send(Err("the writer has stopped".into()));
            }
        }
        Written(rx)
    }

    /// Resolves once everything submitted before is written.
    pub(crate) async fn flush(&self) {
        let _ = self.submit_and_wait(WriteBatch::default()).wait().await;
    }
}

async fn writer(data: Arc<dyn DataLayer>, mut rx: mpsc::UnboundedReceiver<Job>) {
    let mut jobs = Vec::new();
    while rx.recv_many(&mut jobs, MAX_MERGE).await > 0 {
        // What one transaction carries and takes (`LOQUAT_LOG=loquat=trace`):
        // how well writes merge under load.
        let (threads, steps) = jobs.iter().fold((0, 0), |(t, s), job| {
            (t + job.batch.threads.len(), s + job.batch.steps.len())
        });
        let started = std::time::Instant::now();
        let results = write_merged(data.as_ref(), &mut jobs).await;
        tracing::trace!(
            jobs = jobs.len(),
            threads,
            steps,
            micros = started.elapsed().as_micros() as u64,
            "persisted"
        );
        for (job, result) in jobs.drain(..).zip(results) {
            if let Some(done) = job.done {
                let _ = done.send(result);
            }
        }
    }
}

/// Writes the jobs' batches as one transaction and returns each job's
/// result. If the transaction fails (say, one session's thread was just
/// deleted), each batch is retried on its own so one bad batch does not sink
/// the others. The batches may be taken out of `jobs`.
async fn write_merged(data: &dyn DataLayer, jobs: &mut [Job]) -> Vec<Result<(), String>> {
    let writes = jobs.iter().filter(|j| !j.batch.is_empty()).count();
    if writes == 0 {
        return vec![Ok(()); jobs.len()];
    }
    if writes == 1 {
        return write_one(data, jobs).await;
    }
    // `DataLayer::write` consumes its batch, and a failed merged write must
    // still be retried batch by batch: so each batch is kept, and the merged
    // one is made of copies. Only when several sessions' writes queued up
    // at once.
    let mut merged = WriteBatch::default();
    for job in jobs.iter() {
        merged.merge(job.batch.clone());
    }
    let err = match data.write(merged).await {
        Ok(()) => return vec![Ok(()); jobs.len()],
        Err(err) => err,
    };
    tracing::debug!(error = %err, "a merged write failed; its batches are retried one by one");
    let mut results = Vec::with_capacity(jobs.len());
    for job in jobs.iter_mut() {
        if job.batch.is_empty() {
            results.push(Ok(()));
            continue;
        }
        // The last use of the batch: moved, not copied.
        results.push(match data.write(std::mem::take(&mut job.batch)).await {
            Ok(()) => Ok(()),
            Err(err) => {
                tracing::error!(error = %err, "persisting the conversation failed");
                Err(err.to_string())
            }
        });
    }
    results
}

/// Writes the one job of `jobs` with a non-empty batch, moving the batch
/// (the common case: a single write waiting, nothing to merge, so nothing
/// to retry); the empty ones (flushes) succeed either way.
async fn write_one(data: &dyn DataLayer, jobs: &mut [Job]) -> Vec<Result<(), String>> {
    let Some(at) = jobs.iter().position(|j| !j.batch.is_empty()) else {
        return vec![Ok(()); jobs.len()];
    };
    let mut results = vec![Ok(()); jobs.len()];
    if let Err(err) = data.write(std::mem::take(&mut jobs[at].batch)).await {
        tracing::error!(error = %err, "persisting the conversation failed");
        results[at] = Err(err.to_string());
    }
    results
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{SqliteDataLayer, ThreadRecord};
    use crate::ids::ThreadId;

    /// A batch that upserts thread `id` as `user`'s.
    fn thread(id: &str, user: &str) -> WriteBatch {
        WriteBatch {
            threads: vec![ThreadRecord {
                id: id.into(),
                user_id: user.into(),
                name: None,
                created_at: 1,
                updated_at: 1,
                tags: Vec::new(),
                metadata: serde_json::Map::new(),
            }],
            ..Default::default()
        }
    }

    fn job(batch: WriteBatch) -> Job {
        Job { batch, done: None }
    }

    #[tokio::test]
    async fn a_bad_batch_fails_alone_whether_merged_or_not() {
        let dir = tempfile::tempdir().expect("temp dir");
        let data = SqliteDataLayer::open(dir.path().join("loquat.db"))
            .await
            .unwrap();
        let alice = data.get_or_create_user("alice").await.unwrap();
        let bob = data.get_or_create_user("bob").await.unwrap();
        data.write(thread("theirs", &bob.id)).await.unwrap();
        let flush = || job(WriteBatch::default());

        // One write with a flush: the batch is moved, not copied.
        let mut jobs = vec![flush(), job(thread("a", &alice.id))];
        assert_eq!(write_merged(&data, &mut jobs).await, vec![Ok(()), Ok(())]);
        let mut jobs = vec![job(thread("theirs", &alice.id)), flush()];
        let results = write_merged(&data, &mut jobs).await;
        assert!(results[0].is_err(), "bob's thread written as alice's");
        assert_eq!(results[1], Ok(()));

        // Merged: the bad batch fails the transaction, then fails alone.
        let mut jobs = vec![
            job(thread("b", &alice.id)),
            job(thread("theirs", &alice.id)),
            flush(),
            job(thread("c", &alice.id)),
        ];
        let results = write_merged(&data, &mut jobs).await;
        assert!(results[0].is_ok() && results[2].is_ok() && results[3].is_ok());
        assert!(results[1].is_err());
        let alice = UserId::parse(&alice.id).unwrap();
        for id in ["a", "b", "c"] {
            let thread = ThreadId::parse(id).unwrap();
            assert!(data.thread(&alice, &thread).await.unwrap().is_some());
        }
    }
}
