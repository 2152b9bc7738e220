//! The stored format: what a host keeps of each event, and the one place older formats are read.

use crate::integrity::Digest;
use crate::serde_strict::objects_only;
use crate::{Change, DealId, Error, Event, PersonId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The version of the stored format this library reads and writes (`docs/format.md`).
///
/// Every stored event carries it as `format`. It changes only when the JSON of an event or a
/// definition changes in a way an older reader would misread; a reader of format `n` reads every
/// earlier format through [`StoredEvent`]'s one upcasting step.
pub const FORMAT: u32 = 1;

/// An event as a host stores it: the event, sealed into its deal's hash chain.
///
/// Its JSON is the event's fields with the format version and the chain hash beside them:
/// `{"format": 1, "deal": ..., "version": ..., "at": ..., "actor": ..., "change": {...},
/// "hash": "<64 hex digits>"}`. `hash` is the SHA-256 link of this event to the one before it
/// (see [`crate::integrity`]), so a host can tell whether a stored log was edited; reading a
/// stored event does not check it: [`crate::integrity::verify`] does, on demand.
///
/// ```
/// use chrono::{TimeZone, Utc};
/// use ltc_pipeline::integrity::{seal, Digest};
/// use ltc_pipeline::{Command, Deal, DealId, Process, StoredEvent};
/// let process = Process::standard();
/// let mut deal = Deal::new(DealId::new("D-1"));
/// let at = Utc.with_ymd_and_hms(2026, 1, 5, 9, 0, 0).unwrap();
/// let capture = Command::CaptureLead { customer: "ACME".into(), source: "web".into(), estimate: None };
/// let events = deal.execute(&process, &capture, &"ops".into(), at)?;
/// let stored = seal(Digest::GENESIS, events);
/// let json = serde_json::to_string(&stored[0]).unwrap();
/// assert!(json.starts_with(r#"{"format":1,"deal":"D-1","version":1,"#));
/// let back: StoredEvent = serde_json::from_str(&json).unwrap();
/// assert_eq!(back, stored[0]);
/// # Ok::<(), ltc_pipeline::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredEvent {
    /// The event.
    pub event: Event,
    /// Its link in the chain: the hash over the previous link and this event's canonical bytes.
    pub hash: Digest,
}

impl AsRef<Event> for StoredEvent {
    fn as_ref(&self) -> &Event {
        &self.event
    }
}

/// The record as written: its field order is the canonical order the chain hash covers.
#[derive(Serialize)]
pub(crate) struct RecordOut<'a> {
    pub(crate) format: u32,
    pub(crate) deal: &'a DealId,
    pub(crate) version: u64,
    pub(crate) at: &'a DateTime<Utc>,
    pub(crate) actor: &'a PersonId,
    pub(crate) change: &'a Change,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) hash: Option<&'a Digest>,
}

impl<'a> RecordOut<'a> {
    pub(crate) fn new(event: &'a Event, hash: Option<&'a Digest>) -> Self {
        Self {
            format: FORMAT,
            deal: &event.deal,
            version: event.version,
            at: &event.at,
            actor: &event.actor,
            change: &event.change,
            hash,
        }
    }
}

impl Serialize for StoredEvent {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        RecordOut::new(&self.event, Some(&self.hash)).serialize(serializer)
    }
}

/// A stored record as read, in any format this library reads.
#[derive(Deserialize)]
#[serde(remote = "Self", deny_unknown_fields)]
struct RecordIn {
    format: u64,
    deal: DealId,
    version: u64,
    at: DateTime<Utc>,
    actor: PersonId,
    change: Change,
    hash: Digest,
}

objects_only!(@de RecordIn);

/// The one upcasting step: lifts a record of any format this library reads to the current one.
/// Format 1 is the first; a later format adds its conversion from the one before here, so that
/// every reader of stored events goes through it.
fn upcast(record: RecordIn) -> Result<StoredEvent, Error> {
    match record.format {
        1 => Ok(StoredEvent {
            event: Event {
                deal: record.deal,
                version: record.version,
                at: record.at,
                actor: record.actor,
                change: record.change,
            },
            hash: record.hash,
        }),
        found => Err(Error::UnsupportedFormat {
            found,
            reads: FORMAT,
        }),
    }
}

impl<'de> Deserialize<'de> for StoredEvent {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        upcast(RecordIn::deserialize(deserializer)?).map_err(serde::de::Error::custom)
    }
}
