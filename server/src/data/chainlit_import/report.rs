//! What an import did: how many rows of each kind it wrote, and every row
//! it left out with the reason.

use std::fmt;

use super::schema::{Schema, Table};

/// Most skipped rows a report lists one by one; the rest are counted.
pub const MAX_LISTED_SKIPS: usize = 1000;

/// Why a Chainlit row was not imported.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SkipReason {
    /// The id is not one Loquat accepts (letters, digits, `-`, `_`; at
    /// most 64 for threads and elements, 128 for steps).
    MalformedId,
    /// The user's identifier is empty, longer than 256 bytes or has
    /// control characters.
    BadIdentifier,
    /// The thread has no user, so no one could open it.
    NoUser,
    /// The thread was deleted in Chainlit (kept there as a soft delete).
    Deleted,
    /// The thread belongs to another user in Loquat's store.
    OwnedByAnotherUser,
    /// The row's thread is not in the import (missing or skipped).
    ThreadMissing,
    /// The row's step is not in the import (missing or skipped).
    StepMissing,
    /// The element's bytes are in Chainlit's storage (this object key) and
    /// it has no URL to load them from.
    BytesInChainlitStorage(String),
    /// The element has neither a URL nor stored bytes.
    NoContent,
    /// The element's URL is not an `http(s)` URL or a path.
    BadUrl,
    /// The feedback's value is neither 1 (good) nor 0 or -1 (bad).
    BadValue,
    /// A column does not hold what Chainlit writes there.
    Malformed(&'static str),
}

impl fmt::Display for SkipReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SkipReason::MalformedId => f.write_str("its id is not one Loquat accepts"),
            SkipReason::BadIdentifier => f.write_str(
                "its identifier is empty, longer than 256 bytes or has control characters",
            ),
            SkipReason::NoUser => f.write_str("it has no user"),
            SkipReason::Deleted => f.write_str("it was deleted in Chainlit"),
            SkipReason::OwnedByAnotherUser => {
                f.write_str("a thread with this id belongs to another user in Loquat")
            }
            SkipReason::ThreadMissing => f.write_str("its thread is missing or was skipped"),
            SkipReason::StepMissing => f.write_str("its step is missing or was skipped"),
            SkipReason::BytesInChainlitStorage(key) => write!(
                f,
                "its content is in Chainlit's file storage (object key {key:?}) and it has no URL"
            ),
            SkipReason::NoContent => f.write_str("it has neither a URL nor stored content"),
            SkipReason::BadUrl => f.write_str("its URL is not an http(s) URL or a path"),
            SkipReason::BadValue => f.write_str("its value is not 1, 0 or -1"),
            SkipReason::Malformed(column) => write!(f, "its {column} is malformed"),
        }
    }
}

/// One row left out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Skipped {
    pub table: Table,
    /// The row's id in Chainlit.
    pub id: String,
    pub reason: SkipReason,
}

/// The outcome of [`super::import_chainlit`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportReport {
    pub schema: Schema,
    /// Rows written (or found already imported) per table, in
    /// [`Table::ALL`]'s order.
    pub imported: [u64; 5],
    /// The first [`MAX_LISTED_SKIPS`] rows left out.
    pub skipped: Vec<Skipped>,
    /// Every row left out, listed or not.
    pub skipped_total: u64,
}

impl ImportReport {
    pub(super) fn new(schema: Schema) -> Self {
        ImportReport {
            schema,
            imported: [0; 5],
            skipped: Vec::new(),
            skipped_total: 0,
        }
    }

    /// Rows of `table` imported.
    pub fn imported(&self, table: Table) -> u64 {
        self.imported[index(table)]
    }

    pub(super) fn count(&mut self, table: Table, rows: usize) {
        self.imported[index(table)] += rows as u64;
    }

    pub(super) fn skip(&mut self, table: Table, id: &str, reason: SkipReason) {
        self.skipped_total += 1;
        if self.skipped.len() < MAX_LISTED_SKIPS {
            self.skipped.push(Skipped {
                table,
                id: id.to_string(),
                reason,
            });
        }
    }
}

fn index(table: Table) -> usize {
    Table::ALL.iter().position(|t| *t == table).unwrap_or(0)
}

impl fmt::Display for ImportReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "Imported from {}:", self.schema)?;
        for table in Table::ALL {
            writeln!(f, "  {:<9} {}", table.noun(), self.imported(table))?;
        }
        if self.skipped_total == 0 {
            return writeln!(f, "Nothing skipped.");
        }
        writeln!(f, "Skipped {}:", self.skipped_total)?;
        for skipped in &self.skipped {
            let noun = skipped.table.noun();
            writeln!(f, "  {noun} {}: {}", skipped.id, skipped.reason)?;
        }
        let unlisted = self.skipped_total - self.skipped.len() as u64;
        if unlisted > 0 {
            writeln!(f, "  … and {unlisted} more")?;
        }
        Ok(())
    }
}
