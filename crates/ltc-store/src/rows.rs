//! What both databases keep and give back: rows as read, the checks every row passes on its way
//! out, and the numbers the schemas store. The rules of writing (versions, sealing, conflicts,
//! idempotent commands) live once, in `plan.rs`, over these.

use crate::{DealSummary, Record, StoreError};
use ltc_pipeline::integrity::Digest;
use ltc_pipeline::{DealId, StoredEvent};

/// The version of the schema this library creates and reads. Version 2 added the commands
/// table (idempotent commands) and made stream positions unique on PostgreSQL; a store of
/// version 1 is brought to 2 when it is opened for writing.
pub(crate) const SCHEMA_VERSION: i64 = 2;

/// The deals with event rows and no deal row (the same SQL on both backends).
pub(crate) const ORPHANS: &str = "SELECT DISTINCT e.deal FROM ltc_events e \
     WHERE NOT EXISTS (SELECT 1 FROM ltc_deals d WHERE d.deal = e.deal) ORDER BY e.deal";

/// An event row as read: its position and key columns beside the stored record.
#[derive(Debug, Clone)]
pub(crate) struct Row {
    pub(crate) position: i64,
    pub(crate) deal: String,
    pub(crate) version: i64,
    /// The record, or why the column could not be read as text (a value of another type).
    pub(crate) record: Result<String, String>,
}

/// A database as opened, by either backend: its readers, its writer (unless read-only), and what
/// the store reads once.
pub(crate) struct Opened<R, W> {
    pub(crate) readers: R,
    pub(crate) writer: Option<W>,
    pub(crate) definitions: Vec<(String, i64, String)>,
    pub(crate) last_position: u64,
}

/// What a deal's row says beside its summary, by which a cached state is known to still stand
/// for the stored log: how many times the log's rows were edited or deleted behind the store (a
/// count the database's triggers keep), and the last version stored (beyond the row's version
/// only when events were written behind the store).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Stamp {
    pub(crate) edits: i64,
    pub(crate) last: u64,
}

/// A deal's row as read: its summary and its stamp.
pub(crate) type Stamped = (DealSummary, Stamp);

/// A command id a deal holds: the versions of the events it wrote and the digest of the envelope
/// that sent it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CommandRow {
    pub(crate) deal: DealId,
    pub(crate) command_id: String,
    pub(crate) first: u64,
    pub(crate) last: u64,
    pub(crate) digest: String,
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

/// What a database whose schema table records `found` needs: nothing, the schema created, or
/// its schema brought from an older version; an error when it records a version this library
/// does not read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SchemaNeed {
    Ready,
    Create,
    Upgrade(i64),
}

pub(crate) fn schema_need(found: Option<i64>) -> Result<SchemaNeed, StoreError> {
    match found {
        None => Ok(SchemaNeed::Create),
        Some(SCHEMA_VERSION) => Ok(SchemaNeed::Ready),
        Some(1) => Ok(SchemaNeed::Upgrade(1)),
        Some(found) => Err(StoreError::SchemaVersion {
            found,
            supported: SCHEMA_VERSION,
        }),
    }
}

/// A store of an older schema opened to read only: it is brought up to date by opening it to
/// write, which reading never does.
pub(crate) fn needs_upgrade(found: i64) -> StoreError {
    StoreError::Backend {
        backend: "store",
        message: format!(
            "the store's schema is version {found}, this library reads version {SCHEMA_VERSION}: \
             open it once to write (a write brings it up to date; reading never changes a store)"
        ),
    }
}

/// A row read back: the stored event its record holds, with the key columns checked against it.
pub(crate) fn read_row(row: Row) -> Result<Record, StoreError> {
    let deal = DealId::new(row.deal.as_str());
    let tampered = |problem: String| StoreError::Tampered {
        deal: deal.clone(),
        problem,
    };
    let record = row.record.map_err(|e| {
        tampered(format!(
            "the row at position {} (version {}) does not hold text: {e}",
            row.position, row.version
        ))
    })?;
    let event: StoredEvent = serde_json::from_str(&record).map_err(|e| {
        tampered(format!(
            "the row at position {} (version {}) is not a stored event: {e}",
            row.position, row.version
        ))
    })?;
    if event.event.deal.as_str() != row.deal || event.event.version != count(row.version) {
        return Err(tampered(format!(
            "the row at position {} says deal `{}` version {}, its event deal `{}` version {}",
            row.position,
            crate::error::esc(&row.deal),
            row.version,
            crate::error::esc(&event.event.deal),
            event.event.version
        )));
    }
    if row.position <= 0 {
        return Err(tampered(format!(
            "the row of version {} has the stream position {}: positions count from 1",
            row.version, row.position
        )));
    }
    Ok(Record {
        position: count(row.position),
        event,
    })
}
