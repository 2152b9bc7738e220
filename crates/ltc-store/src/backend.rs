//! What a database gives the store: a few statements, and a transaction that appends. The rules
//! of appending (versions, sealing, conflicts) live once, in `lib.rs`, over these.

use crate::{DealSummary, StoreError};
use ltc_pipeline::integrity::Digest;
use ltc_pipeline::{DealId, StoredEvent};

/// The version of the schema this library creates and reads.
pub(crate) const SCHEMA_VERSION: i64 = 1;

/// The deals with event rows and no deal row (the same SQL on both backends).
pub(crate) const ORPHANS: &str = "SELECT DISTINCT e.deal FROM ltc_events e \
     WHERE NOT EXISTS (SELECT 1 FROM ltc_deals d WHERE d.deal = e.deal) ORDER BY e.deal";

/// An event row as read: its position and key columns beside the stored record.
pub(crate) struct Row {
    pub(crate) position: i64,
    pub(crate) deal: String,
    pub(crate) version: i64,
    pub(crate) record: String,
}

/// An event row to write.
pub(crate) struct NewRow<'a> {
    pub(crate) position: i64,
    pub(crate) stored: &'a StoredEvent,
    pub(crate) record: String,
}

/// A deal's row after an append: its version, head and times.
pub(crate) struct HeadRow<'a> {
    pub(crate) deal: &'a DealId,
    pub(crate) summary: &'a DealSummary,
}

/// A connection to one database.
pub(crate) trait Backend: Send {
    /// `sqlite` or `postgres`.
    fn name(&self) -> &'static str;
    /// Begins an append: a transaction that will write.
    fn begin(&mut self) -> Result<Box<dyn Tx + '_>, StoreError>;
    /// The deal's row.
    fn summary(&mut self, deal: &DealId) -> Result<Option<DealSummary>, StoreError>;
    /// The deal's event rows with a version above `after`, in version order.
    fn rows(&mut self, deal: &DealId, after: u64) -> Result<Vec<Row>, StoreError>;
    /// Every deal's row, by deal id.
    fn summaries(&mut self) -> Result<Vec<DealSummary>, StoreError>;
    /// Up to `limit` event rows after position `after`, in position order.
    fn stream(&mut self, after: u64, limit: u64) -> Result<Vec<Row>, StoreError>;
    /// Every event row, by deal and version.
    fn all_rows(&mut self) -> Result<Vec<Row>, StoreError>;
    /// The deals that have event rows but no deal row.
    fn orphans(&mut self) -> Result<Vec<String>, StoreError>;
    /// The last position written (0 for an empty store).
    fn last_position(&mut self) -> Result<u64, StoreError>;
    /// Every published definition: name, version, JSON.
    fn definitions(&mut self) -> Result<Vec<(String, i64, String)>, StoreError>;
    /// Publishes a definition unless the name and version are taken; returns the JSON kept under
    /// them when they were.
    fn publish(
        &mut self,
        name: &str,
        version: i64,
        json: &str,
    ) -> Result<Option<String>, StoreError>;
}

/// An append in progress. Dropped without [`commit`](Tx::commit), it writes nothing.
pub(crate) trait Tx {
    /// The deal's row, locked against other appends until the transaction ends.
    fn lock(&mut self, deal: &DealId) -> Result<Option<DealSummary>, StoreError>;
    /// Writes the deal's row: an update of the row at version `prev`, or an insert when `prev`
    /// is `None`. False when the row is not there at `prev` (or is there when inserting).
    fn put(&mut self, prev: Option<u64>, head: HeadRow<'_>) -> Result<bool, StoreError>;
    /// Reserves `n` positions on the global stream; returns the first.
    fn reserve(&mut self, n: u64) -> Result<i64, StoreError>;
    /// Inserts event rows.
    fn insert(&mut self, rows: &[NewRow<'_>]) -> Result<(), StoreError>;
    /// Makes the append durable and visible.
    fn commit(self: Box<Self>) -> Result<(), StoreError>;
}

/// A head read back from its text.
pub(crate) fn digest(deal: &str, text: &str) -> Result<Digest, StoreError> {
    text.parse().map_err(|e| StoreError::Tampered {
        deal: DealId::new(deal),
        problem: format!(
            "the deal's row keeps the head `{}`: {e}",
            crate::error::esc(&text)
        ),
    })
}

/// A stored integer that must be a count.
pub(crate) fn count(value: i64) -> u64 {
    u64::try_from(value).unwrap_or(0)
}

/// A count as the databases store it.
pub(crate) fn int(value: u64) -> Result<i64, StoreError> {
    i64::try_from(value).map_err(|_| StoreError::Backend {
        backend: "store",
        message: format!("{value} is beyond what the database stores (2^63 - 1)"),
    })
}

/// Whether a database whose schema table records `found` needs the schema created; an error
/// when it records a version this library does not read.
pub(crate) fn needs_schema(found: Option<i64>) -> Result<bool, StoreError> {
    match found {
        None => Ok(true),
        Some(SCHEMA_VERSION) => Ok(false),
        Some(found) => Err(StoreError::SchemaVersion {
            found,
            supported: SCHEMA_VERSION,
        }),
    }
}
