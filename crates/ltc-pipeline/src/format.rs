//! The stored format: what a host keeps of each event, and the one place older formats are read.

use crate::integrity::Digest;
use crate::{Change, CommandId, DealId, Error, Event, PersonId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The newest version of the stored format, which this library reads and writes
/// (`docs/format.md`).
///
/// Every stored event carries its format as `format`. It changes only when the JSON of an event
/// or a definition changes in a way an older reader would misread; a reader of format `n` reads
/// every earlier format through [`StoredEvent`]'s one upcasting step.
///
/// Format 2 adds the `command_id` of a stored event. An event without one is still written as
/// format 1, byte for byte, so the records and chains written before format 2 stay as they were
/// and a reader of format 1 still reads them; only an event with a command id is written as
/// format 2.
///
/// ```
/// assert_eq!(ltc_pipeline::FORMAT, 2);
/// ```
pub const FORMAT: u32 = 2;

/// The format a record without a command id is written in.
const FORMAT_1: u32 = 1;

/// The first format with a stored event's `command_id`.
const COMMAND_ID_SINCE: u32 = 2;

/// An event as a host stores it: the event, sealed into its deal's hash chain, with the id of
/// the command that produced it when its sender gave one.
///
/// Its JSON is the event's fields with the format version and the chain hash beside them:
/// `{"format": 1, "deal": ..., "version": ..., "at": ..., "actor": ..., "change": {...},
/// "hash": "<64 hex digits>"}`, and with a command id, `{"format": 2, ..., "actor": ...,
/// "command_id": ..., "change": {...}, "hash": ...}`. `hash` is the SHA-256 link of this event
/// (its command id included) to the one before it (see [`crate::integrity`]), so a host can tell
/// whether a stored log was edited; reading a stored event does not check it:
/// [`crate::integrity::verify`] does, on demand.
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
    /// The id of the command whose event this is, from its [`Envelope`](crate::Envelope): every
    /// event a command produced carries it. `None` for a command sent without one (and for every
    /// event of format 1). Sealed with [`crate::integrity::seal_command`].
    pub command_id: Option<CommandId>,
    /// Its link in the chain: the hash over the previous link and this event's canonical bytes.
    pub hash: Digest,
}

impl StoredEvent {
    /// The format this record is written in: 1 without a command id, 2 with one.
    ///
    /// ```
    /// use chrono::{TimeZone, Utc};
    /// use ltc_pipeline::integrity::{seal, seal_command, Digest};
    /// use ltc_pipeline::{Change, CommandId, Event};
    /// let event = Event {
    ///     deal: "D-1".into(), version: 1, actor: "ana".into(),
    ///     at: Utc.with_ymd_and_hms(2026, 1, 5, 9, 0, 0).unwrap(),
    ///     change: Change::LeadQualified {},
    /// };
    /// assert_eq!(seal(Digest::GENESIS, [event.clone()])[0].format(), 1);
    /// let id = CommandId::new("req-1")?;
    /// assert_eq!(seal_command(Digest::GENESIS, [event], Some(&id))[0].format(), 2);
    /// # Ok::<(), ltc_pipeline::Error>(())
    /// ```
    pub fn format(&self) -> u32 {
        format_of(self.command_id.as_ref())
    }
}

/// The format a record is written in: the oldest one that holds it.
fn format_of(command_id: Option<&CommandId>) -> u32 {
    match command_id {
        None => FORMAT_1,
        Some(_) => COMMAND_ID_SINCE,
    }
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
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) command_id: Option<&'a CommandId>,
    pub(crate) change: &'a Change,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) hash: Option<&'a Digest>,
}

impl<'a> RecordOut<'a> {
    /// The record of `event` produced by the command `command_id`; with its `hash`, as stored,
    /// or without it, as the chain hashes it. Without a command id, the record is format 1's.
    pub(crate) fn new(
        event: &'a Event,
        command_id: Option<&'a CommandId>,
        hash: Option<&'a Digest>,
    ) -> Self {
        Self {
            format: format_of(command_id),
            deal: &event.deal,
            version: event.version,
            at: &event.at,
            actor: &event.actor,
            command_id,
            change: &event.change,
            hash,
        }
    }
}

impl Serialize for StoredEvent {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        RecordOut::new(&self.event, self.command_id.as_ref(), Some(&self.hash))
            .serialize(serializer)
    }
}

/// The formats this library reads, and the one place a record's format decides how it is read:
/// a later format lists the older ones here and lifts them to the current shape in
/// [`read_record`], so that every reader of stored events goes through it. Format 1 is the first;
/// format 2 adds a required `command_id`, and a record of format 1 is lifted to a stored event
/// without one.
fn readable(found: u64) -> Result<(), Error> {
    match found {
        1 | 2 => Ok(()),
        found => Err(Error::UnsupportedFormat {
            found,
            reads: FORMAT,
        }),
    }
}

/// A format-1 record with a `command_id`: refused, as no writer of format 1 wrote it.
fn command_id_in_format_1() -> Error {
    Error::FieldNotInFormat {
        field: "command_id",
        format: u64::from(FORMAT_1),
        since: COMMAND_ID_SINCE,
    }
}

/// A stored record's key: one of this format's fields, or another (kept for the message).
enum Key {
    Format,
    Deal,
    Version,
    At,
    Actor,
    CommandId,
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
                    "command_id" => Key::CommandId,
                    "change" => Key::Change,
                    "hash" => Key::Hash,
                    other => Key::Other(other.to_owned()),
                })
            }
        }
        deserializer.deserialize_identifier(Name)
    }
}

const FIELDS: &[&str] = &[
    "format",
    "deal",
    "version",
    "at",
    "actor",
    "command_id",
    "change",
    "hash",
];

/// Reads one stored record. `format` is checked as soon as it is read (writers put it first), so
/// a record of a format this library does not read is refused as `unsupported_format` before its
/// other fields, whose shape that format may have changed, are read; a field this format does not
/// have is refused only once the format is known to be one this library reads. A record of
/// format 2 has a `command_id`; one of format 1 has none, and one with a `command_id` is refused
/// as [`Error::FieldNotInFormat`].
fn read_record<'de, A: serde::de::MapAccess<'de>>(mut map: A) -> Result<StoredEvent, A::Error> {
    use serde::de::Error as _;
    let mut format: Option<u64> = None;
    let mut deal = None;
    let mut version = None;
    let mut at: Option<crate::serde_strict::instant::Instant> = None;
    let mut actor = None;
    let mut command_id: Option<CommandId> = None;
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
                    if found == u64::from(FORMAT_1) && command_id.is_some() {
                        return Err(A::Error::custom(command_id_in_format_1()));
                    }
                }
            }
            Key::Deal => once(&mut map, &mut deal, "deal")?,
            Key::Version => once(&mut map, &mut version, "version")?,
            Key::At => once(&mut map, &mut at, "at")?,
            Key::Actor => once(&mut map, &mut actor, "actor")?,
            Key::CommandId => {
                if format == Some(u64::from(FORMAT_1)) {
                    return Err(A::Error::custom(command_id_in_format_1()));
                }
                once(&mut map, &mut command_id, "command_id")?;
            }
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
    let Some(format) = format else {
        return Err(A::Error::missing_field("format"));
    };
    if let Some(field) = unknown {
        return Err(A::Error::unknown_field(&field, FIELDS));
    }
    let missing = A::Error::missing_field;
    // Format 2 has the command id: a record of it without one would be written back as format 1,
    // other bytes than it was sealed over.
    if format >= u64::from(COMMAND_ID_SINCE) && command_id.is_none() {
        return Err(missing("command_id"));
    }
    Ok(StoredEvent {
        event: Event {
            deal: deal.ok_or_else(|| missing("deal"))?,
            version: version.ok_or_else(|| missing("version"))?,
            at: at.ok_or_else(|| missing("at"))?.0,
            actor: actor.ok_or_else(|| missing("actor"))?,
            change: change.ok_or_else(|| missing("change"))?,
        },
        command_id,
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
