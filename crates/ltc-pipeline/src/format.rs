//! The stored format: what a host keeps of each event, and the one place older formats are read.

use crate::integrity::Digest;
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

/// The formats this library reads, and the one place a record's format decides how it is read:
/// a later format lists the older ones here and lifts them to the current shape in
/// [`read_record`], so that every reader of stored events goes through it. Format 1 is the first.
fn readable(found: u64) -> Result<(), Error> {
    match found {
        1 => Ok(()),
        found => Err(Error::UnsupportedFormat {
            found,
            reads: FORMAT,
        }),
    }
}

/// A stored record's key: one of this format's fields, or another (kept for the message).
enum Key {
    Format,
    Deal,
    Version,
    At,
    Actor,
    Change,
    Hash,
    Other(String),
}

impl<'de> Deserialize<'de> for Key {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Name;
        impl serde::de::Visitor<'_> for Name {
            type Value = Key;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a field name")
            }
            fn visit_str<E: serde::de::Error>(self, name: &str) -> Result<Key, E> {
                Ok(match name {
                    "format" => Key::Format,
                    "deal" => Key::Deal,
                    "version" => Key::Version,
                    "at" => Key::At,
                    "actor" => Key::Actor,
                    "change" => Key::Change,
                    "hash" => Key::Hash,
                    other => Key::Other(other.to_owned()),
                })
            }
        }
        deserializer.deserialize_identifier(Name)
    }
}

const FIELDS: &[&str] = &["format", "deal", "version", "at", "actor", "change", "hash"];

/// Reads one stored record. `format` is checked as soon as it is read (writers put it first), so
/// a record of a format this library does not read is refused as `unsupported_format` before its
/// other fields, whose shape that format may have changed, are read; a field this format does not
/// have is refused only once the format is known to be one this library reads.
fn read_record<'de, A: serde::de::MapAccess<'de>>(mut map: A) -> Result<StoredEvent, A::Error> {
    use serde::de::Error as _;
    let mut format: Option<u64> = None;
    let mut deal = None;
    let mut version = None;
    let mut at: Option<crate::serde_strict::instant::Instant> = None;
    let mut actor = None;
    let mut change = None;
    let mut hash = None;
    let mut unknown: Option<String> = None;
    fn once<'de, A: serde::de::MapAccess<'de>, T: Deserialize<'de>>(
        map: &mut A,
        slot: &mut Option<T>,
        name: &'static str,
    ) -> Result<(), A::Error> {
        if slot.is_some() {
            return Err(A::Error::duplicate_field(name));
        }
        *slot = Some(map.next_value()?);
        Ok(())
    }
    while let Some(key) = map.next_key::<Key>()? {
        match key {
            Key::Format => {
                once(&mut map, &mut format, "format")?;
                if let Some(found) = format {
                    readable(found).map_err(A::Error::custom)?;
                }
            }
            Key::Deal => once(&mut map, &mut deal, "deal")?,
            Key::Version => once(&mut map, &mut version, "version")?,
            Key::At => once(&mut map, &mut at, "at")?,
            Key::Actor => once(&mut map, &mut actor, "actor")?,
            Key::Change => once(&mut map, &mut change, "change")?,
            Key::Hash => once(&mut map, &mut hash, "hash")?,
            Key::Other(other) => {
                if format.is_some() {
                    return Err(A::Error::unknown_field(&other, FIELDS));
                }
                // Judged once the format is known: another format may have this field.
                unknown.get_or_insert(other);
                map.next_value::<serde::de::IgnoredAny>()?;
            }
        }
    }
    if format.is_none() {
        return Err(A::Error::missing_field("format"));
    }
    if let Some(field) = unknown {
        return Err(A::Error::unknown_field(&field, FIELDS));
    }
    let missing = A::Error::missing_field;
    Ok(StoredEvent {
        event: Event {
            deal: deal.ok_or_else(|| missing("deal"))?,
            version: version.ok_or_else(|| missing("version"))?,
            at: at.ok_or_else(|| missing("at"))?.0,
            actor: actor.ok_or_else(|| missing("actor"))?,
            change: change.ok_or_else(|| missing("change"))?,
        },
        hash: hash.ok_or_else(|| missing("hash"))?,
    })
}

impl<'de> Deserialize<'de> for StoredEvent {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Record;
        impl<'de> serde::de::Visitor<'de> for Record {
            type Value = StoredEvent;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                map: A,
            ) -> Result<StoredEvent, A::Error> {
                read_record(map)
            }
        }
        deserializer.deserialize_map(Record)
    }
}
