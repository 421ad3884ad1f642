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
        let results = write_merged(data.as_ref(), &jobs).await;
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
/// the others.
async fn write_merged(data: &dyn DataLayer, jobs: &[Job]) -> Vec<Result<(), String>> {
    let writes = jobs.iter().filter(|j| !j.batch.is_empty()).count();
    if writes == 0 {
        return vec![Ok(()); jobs.len()];
    }
    let mut merged = WriteBatch::default();
    for job in jobs {
        merged.merge(job.batch.clone());
    }
    let err = match data.write(merged).await {
        Ok(()) => return vec![Ok(()); jobs.len()],
        Err(err) => err,
    };
    if writes == 1 {
        tracing::error!(error = %err, "persisting the conversation failed");
        return jobs
            .iter()
            .map(|j| {
                if j.batch.is_empty() {
                    Ok(())
                } else {
                    Err(err.to_string())
                }
            })
            .collect();
    }
    let mut results = Vec::with_capacity(jobs.len());
    for job in jobs {
        if job.batch.is_empty() {
            results.push(Ok(()));
            continue;
        }
        results.push(match data.write(job.batch.clone()).await {
            Ok(()) => Ok(()),
            Err(err) => {
                tracing::error!(error = %err, "persisting the conversation failed");
                Err(err.to_string())
            }
        });
    }
    results
}
