//! `loquat import-chainlit`: brings users, threads, steps, elements and
//! feedback over from a Chainlit database (its official data layer's schema
//! or its SQLAlchemy layer's) into Loquat's store.
//!
//! The source is read a page at a time (`LIMIT`/`OFFSET`) in a stable order
//! and written in
//! one [`WriteBatch`] per page, so a database of any size is imported in
//! bounded memory (besides the ids of the imported threads and steps, which
//! later rows are checked against). Chainlit's ids are kept, so importing
//! again updates the same rows and adds none. A row that cannot be imported
//! is skipped and named in the [`ImportReport`] with its [`SkipReason`];
//! only a failure to read or write stops the import.

mod command;
mod error;
mod mapping;
mod report;
mod rows;
mod schema;
mod source;
mod time;

pub use command::run_command;
pub use error::ChainlitImportError;
pub use report::{ImportReport, SkipReason, Skipped, MAX_LISTED_SKIPS};
pub use schema::{Schema, Table};

use std::collections::{HashMap, HashSet};

use super::{DataError, DataLayer, ThreadRecord, WriteBatch};
use rows::{ElementRow, FeedbackRow, StepRow, ThreadRow, UserRow, PAGE_ROWS};
use source::Source;

/// Imports the Chainlit database at `source_url` (PostgreSQL, or SQLite
/// for the SQLAlchemy layer) into `target`, and reports what it imported
/// and skipped.
///
/// ```no_run
/// # async fn run(store: &dyn loquat::data::DataLayer) -> Result<(), loquat::data::chainlit_import::ChainlitImportError> {
/// let report = loquat::data::chainlit_import::import_chainlit("postgres://chainlit@db/chainlit", store).await?;
/// print!("{report}");
/// # Ok(()) }
/// ```
pub async fn import_chainlit(
    source_url: &str,
    target: &dyn DataLayer,
) -> Result<ImportReport, ChainlitImportError> {
    import_from(Source::connect(source_url).await?, target).await
}

/// Imports from an open source (see [`import_chainlit`]).
async fn import_from(
    mut source: Source,
    target: &dyn DataLayer,
) -> Result<ImportReport, ChainlitImportError> {
    let schema = source.schema().await?;
    let mut import = Import {
        source,
        schema,
        target,
        report: ImportReport::new(schema),
        users: HashMap::new(),
        threads: HashSet::new(),
        steps: HashSet::new(),
    };
    import.users().await?;
    import.threads().await?;
    import.steps().await?;
    import.elements().await?;
    import.feedback().await?;
    import.source.close().await;
    Ok(import.report)
}

/// An import under way.
struct Import<'a> {
    source: Source,
    schema: Schema,
    target: &'a dyn DataLayer,
    report: ImportReport,
    /// Loquat's user id by identifier, for the threads' owners.
    users: HashMap<String, String>,
    /// Threads imported so far (their steps and elements may follow).
    threads: HashSet<String>,
    /// Steps imported so far (their elements and feedback may follow).
    steps: HashSet<String>,
}

impl Import<'_> {
    async fn page<T>(
        &mut self,
        table: Table,
        offset: &mut i64,
    ) -> Result<Vec<T>, ChainlitImportError>
    where
        T: for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow>
            + for<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow>
            + Send
            + Unpin,
    {
        let rows = self.source.page(self.schema, table, *offset).await?;
        *offset += PAGE_ROWS;
        Ok(rows)
    }

    /// Loquat's id of the user with this identifier, created on first use.
    async fn user_id(&mut self, identifier: &str) -> Result<String, ChainlitImportError> {
        if let Some(id) = self.users.get(identifier) {
            return Ok(id.clone());
        }
        let user = self.target.get_or_create_user(identifier).await?;
        self.users.insert(identifier.to_string(), user.id.clone());
        Ok(user.id)
    }

    async fn users(&mut self) -> Result<(), ChainlitImportError> {
        let mut offset = 0;
        loop {
            let page: Vec<UserRow> = self.page(Table::Users, &mut offset).await?;
            if page.is_empty() {
                return Ok(());
            }
            for row in page {
                match mapping::identifier(&row.identifier) {
                    Ok(identifier) => {
                        self.user_id(identifier).await?;
                        self.report.count(Table::Users, 1);
                    }
                    Err(reason) => self.report.skip(Table::Users, &row.id, reason),
                }
            }
        }
    }

    async fn threads(&mut self) -> Result<(), ChainlitImportError> {
        let mut offset = 0;
        loop {
            let page: Vec<ThreadRow> = self.page(Table::Threads, &mut offset).await?;
            if page.is_empty() {
                return Ok(());
            }
            let mut records = Vec::with_capacity(page.len());
            for row in page {
                let id = row.id.clone();
                match self.thread(row).await? {
                    Ok(record) => records.push(record),
                    Err(reason) => self.report.skip(Table::Threads, &id, reason),
                }
            }
            self.write_threads(records).await?;
        }
    }

    /// The thread's record, or why it is skipped.
    async fn thread(
        &mut self,
        row: ThreadRow,
    ) -> Result<Result<ThreadRecord, SkipReason>, ChainlitImportError> {
        if row.deleted {
            return Ok(Err(SkipReason::Deleted));
        }
        let Some(identifier) = row.user_identifier.clone() else {
            return Ok(Err(SkipReason::NoUser));
        };
        let identifier = match mapping::identifier(&identifier) {
            Ok(identifier) => identifier,
            Err(reason) => return Ok(Err(reason)),
        };
        let user_id = self.user_id(identifier).await?;
        Ok(mapping::thread(row, &user_id))
    }

    /// Writes the threads; one that belongs to another Loquat user is
    /// skipped and the rest written without it.
    async fn write_threads(
        &mut self,
        mut records: Vec<ThreadRecord>,
    ) -> Result<(), ChainlitImportError> {
        while !records.is_empty() {
            let batch = WriteBatch {
                threads: records.clone(),
                ..WriteBatch::default()
            };
            match self.target.write(batch).await {
                Ok(()) => break,
                Err(DataError::NotOwner(id)) if records.iter().any(|t| t.id == id) => {
                    self.report
                        .skip(Table::Threads, &id, SkipReason::OwnedByAnotherUser);
                    records.retain(|t| t.id != id);
                }
                Err(err) => return Err(err.into()),
            }
        }
        self.report.count(Table::Threads, records.len());
        self.threads.extend(records.into_iter().map(|t| t.id));
        Ok(())
    }

    async fn steps(&mut self) -> Result<(), ChainlitImportError> {
        let mut offset = 0;
        loop {
            let page: Vec<StepRow> = self.page(Table::Steps, &mut offset).await?;
            if page.is_empty() {
                return Ok(());
            }
            let mut steps = Vec::with_capacity(page.len());
            for row in page {
                let id = row.id.clone();
                let step = mapping::step(row).and_then(|step| {
                    if self.threads.contains(&step.thread_id) {
                        Ok(step)
                    } else {
                        Err(SkipReason::ThreadMissing)
                    }
                });
                match step {
                    Ok(step) => steps.push(step),
                    Err(reason) => self.report.skip(Table::Steps, &id, reason),
                }
            }
            let ids: Vec<String> = steps.iter().map(|s| s.id.clone()).collect();
            self.write(WriteBatch {
                steps,
                ..WriteBatch::default()
            })
            .await?;
            self.report.count(Table::Steps, ids.len());
            self.steps.extend(ids);
        }
    }

    async fn elements(&mut self) -> Result<(), ChainlitImportError> {
        let mut offset = 0;
        loop {
            let page: Vec<ElementRow> = self.page(Table::Elements, &mut offset).await?;
            if page.is_empty() {
                return Ok(());
            }
            let mut elements = Vec::with_capacity(page.len());
            for row in page {
                let id = row.id.clone();
                let element = mapping::element(row).and_then(|element| {
                    if !self.threads.contains(&element.thread_id) {
                        Err(SkipReason::ThreadMissing)
                    } else if element
                        .for_id
                        .as_ref()
                        .is_some_and(|s| !self.steps.contains(s))
                    {
                        Err(SkipReason::StepMissing)
                    } else {
                        Ok(element)
                    }
                });
                match element {
                    Ok(element) => elements.push(element),
                    Err(reason) => self.report.skip(Table::Elements, &id, reason),
                }
            }
            self.report.count(Table::Elements, elements.len());
            self.write(WriteBatch {
                elements,
                ..WriteBatch::default()
            })
            .await?;
        }
    }

    async fn feedback(&mut self) -> Result<(), ChainlitImportError> {
        let mut offset = 0;
        loop {
            let page: Vec<FeedbackRow> = self.page(Table::Feedback, &mut offset).await?;
            if page.is_empty() {
                return Ok(());
            }
            let mut feedbacks = Vec::with_capacity(page.len());
            for row in page {
                let id = row.id.clone();
                let feedback = mapping::feedback(row).and_then(|feedback| {
                    if !self.threads.contains(&feedback.thread_id) {
                        Err(SkipReason::ThreadMissing)
                    } else if !self.steps.contains(&feedback.for_id) {
                        Err(SkipReason::StepMissing)
                    } else {
                        Ok(feedback)
                    }
                });
                match feedback {
                    Ok(feedback) => feedbacks.push(feedback),
                    Err(reason) => self.report.skip(Table::Feedback, &id, reason),
                }
            }
            self.report.count(Table::Feedback, feedbacks.len());
            self.write(WriteBatch {
                feedbacks,
                ..WriteBatch::default()
            })
            .await?;
        }
    }

    async fn write(&self, batch: WriteBatch) -> Result<(), ChainlitImportError> {
        if !batch.is_empty() {
            self.target.write(batch).await?;
        }
        Ok(())
    }
}
