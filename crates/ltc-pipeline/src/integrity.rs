//! Tamper evidence: each stored event is linked to the one before it by a SHA-256 hash, so that
//! any edit, deletion, insertion or reordering of a stored log's events is detected on demand.
//!
//! The link of event `n` is `SHA-256("ltc-log/1" ‖ link(n-1) ‖ bytes(n))`, where `link(0)` is
//! [`Digest::GENESIS`] (32 zero bytes) and `bytes(n)` is the event's canonical JSON as a
//! [`StoredEvent`] writes it, without the `hash` field: compact, fields in the documented order
//! (`docs/format.md`), the event's `command_id` included when it has one. The last link is the
//! log's *head*. A host that keeps the head apart from the log (beside the deal's row, in another
//! system, in a signed receipt) also detects the events dropped from the end, which a chain alone
//! cannot tell from a shorter log.
//!
//! Sealing and verifying are separate from [`decide`](crate::decide) and
//! [`Deal::apply`](crate::Deal::apply), so deciding and replaying cost nothing more: hashes are
//! computed where events are appended and checked when the host asks.
//!
//! ```
//! use chrono::{TimeZone, Utc};
//! use ltc_pipeline::integrity::{seal, verify, Digest};
//! use ltc_pipeline::{Command, Deal, DealId, Process};
//! let process = Process::standard();
//! let mut deal = Deal::new(DealId::new("D-1"));
//! let at = Utc.with_ymd_and_hms(2026, 1, 5, 9, 0, 0).unwrap();
//! let capture = Command::CaptureLead { customer: "ACME".into(), source: "web".into(), estimate: None };
//! let mut log = seal(Digest::GENESIS, deal.execute(&process, &capture, &"ops".into(), at)?);
//! let head = verify(&log)?;
//! assert_eq!(head, log[0].hash);
//!
//! log[0].event.actor = "mallory".into();
//! assert_eq!(verify(&log).unwrap_err().code(), "tampered");
//! # Ok::<(), ltc_pipeline::Error>(())
//! ```

use crate::format::RecordOut;
use crate::{CommandId, Deal, Error, Event, Processes, StoredEvent};
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};
use std::fmt;

/// A SHA-256 digest: a link of a log's hash chain. Written as 64 lowercase hex digits.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Digest([u8; 32]);

const TAG: &[u8] = b"ltc-log/1";

impl Digest {
    /// The link before a log's first event: 32 zero bytes.
    pub const GENESIS: Digest = Digest([0; 32]);

    /// The digest's bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// The link of `event`, stored without a command id, after `prev`: what [`seal`] stores and
    /// [`verify`] recomputes for it. [`Digest::link_stored`] is the link of any stored event.
    ///
    /// ```
    /// use chrono::{TimeZone, Utc};
    /// use ltc_pipeline::integrity::Digest;
    /// use ltc_pipeline::{Change, Event};
    /// let event = Event {
    ///     deal: "D-1".into(), version: 2, actor: "ana".into(),
    ///     at: Utc.with_ymd_and_hms(2026, 1, 5, 9, 0, 0).unwrap(),
    ///     change: Change::LeadQualified {},
    /// };
    /// let link = Digest::link(&Digest::GENESIS, &event);
    /// assert_ne!(link, Digest::link(&link, &event));
    /// ```
    pub fn link(prev: &Digest, event: &Event) -> Digest {
        Self::link_record(prev, &RecordOut::new(event, None, None))
    }

    /// The link of a stored event after `prev`, over its event and its command id: what
    /// [`verify`] recomputes. Its own `hash` is not read.
    ///
    /// ```
    /// use chrono::{TimeZone, Utc};
    /// use ltc_pipeline::integrity::{seal_command, Digest};
    /// use ltc_pipeline::{Change, CommandId, Event};
    /// let event = Event {
    ///     deal: "D-1".into(), version: 1, actor: "ana".into(),
    ///     at: Utc.with_ymd_and_hms(2026, 1, 5, 9, 0, 0).unwrap(),
    ///     change: Change::LeadQualified {},
    /// };
    /// let id = CommandId::new("req-1")?;
    /// let mut stored = seal_command(Digest::GENESIS, [event.clone()], Some(&id)).remove(0);
    /// assert_eq!(Digest::link_stored(&Digest::GENESIS, &stored), stored.hash);
    /// // The command id is part of what is linked:
    /// assert_ne!(stored.hash, Digest::link(&Digest::GENESIS, &event));
    /// stored.command_id = None;
    /// assert_eq!(Digest::link_stored(&Digest::GENESIS, &stored), Digest::link(&Digest::GENESIS, &event));
    /// # Ok::<(), ltc_pipeline::Error>(())
    /// ```
    pub fn link_stored(prev: &Digest, stored: &StoredEvent) -> Digest {
        Self::link_record(
            prev,
            &RecordOut::new(&stored.event, stored.command_id.as_ref(), None),
        )
    }

    fn link_record(prev: &Digest, record: &RecordOut<'_>) -> Digest {
        let mut hasher = Sha256::new();
        hasher.update(TAG);
        hasher.update(prev.0);
        // Serializing plain data (strings, integers, maps with string keys) cannot fail.
        let _ = serde_json::to_writer(HashWriter(&mut hasher), record);
        Digest(hasher.finalize().into())
    }
}

/// Feeds serialized bytes straight into the hasher, without a buffer.
struct HashWriter<'a>(&'a mut Sha256);

impl std::io::Write for HashWriter<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.update(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl fmt::Display for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for byte in self.0 {
            write!(f, "{byte:02x}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Digest({self})")
    }
}

/// Why a text is not a digest.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a digest is 64 lowercase hex digits, not `{0}`")]
pub struct DigestParseError(String);

impl std::str::FromStr for Digest {
    type Err = DigestParseError;

    /// Reads 64 lowercase hex digits.
    ///
    /// ```
    /// use ltc_pipeline::integrity::Digest;
    /// let zero: Digest = "0".repeat(64).parse()?;
    /// assert_eq!(zero, Digest::GENESIS);
    /// assert!("ABC".parse::<Digest>().is_err());
    /// # Ok::<(), ltc_pipeline::integrity::DigestParseError>(())
    /// ```
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let refuse = || {
            DigestParseError(crate::error::esc(
                &text.chars().take(80).collect::<String>(),
            ))
        };
        let bytes = text.as_bytes();
        if bytes.len() != 64 {
            return Err(refuse());
        }
        let mut out = [0u8; 32];
        for (i, pair) in bytes.chunks_exact(2).enumerate() {
            let digit = |b: u8| match b {
                b'0'..=b'9' => Some(b - b'0'),
                b'a'..=b'f' => Some(b - b'a' + 10),
                _ => None,
            };
            let (Some(hi), Some(lo)) = (
                pair.first().copied().and_then(digit),
                pair.get(1).copied().and_then(digit),
            ) else {
                return Err(refuse());
            };
            if let Some(slot) = out.get_mut(i) {
                *slot = hi << 4 | lo;
            }
        }
        Ok(Digest(out))
    }
}

impl Serialize for Digest {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Digest {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Hex;
        impl serde::de::Visitor<'_> for Hex {
            type Value = Digest;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("64 lowercase hex digits")
            }
            fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<Digest, E> {
                text.parse().map_err(E::custom)
            }
        }
        deserializer.deserialize_str(Hex)
    }
}

/// Seals events after the link `head` (the log's current head, or [`Digest::GENESIS`] for a new
/// log): each becomes a [`StoredEvent`] carrying its link, without a command id. The head after
/// them is the last one's `hash`. As [`seal_command`] with `None`.
pub fn seal(head: Digest, events: impl IntoIterator<Item = Event>) -> Vec<StoredEvent> {
    seal_command(head, events, None)
}

/// Seals the events one command produced after the link `head`, each carrying `command_id` (the
/// id in the command's [`Envelope`](crate::Envelope), if it had one) within its link. Events with
/// a command id are written in format 2; without one, in format 1, exactly as [`seal`] writes
/// them.
///
/// ```
/// use chrono::{TimeZone, Utc};
/// use ltc_pipeline::integrity::{seal_command, verify, Digest};
/// use ltc_pipeline::{Command, CommandId, Deal, DealId, Envelope, Process};
/// let mut deal = Deal::new(DealId::new("D-1"));
/// let at = Utc.with_ymd_and_hms(2026, 1, 5, 9, 0, 0).unwrap();
/// let envelope = Envelope::new("ops", at, Command::capture_lead("ACME", "web", None))
///     .with_command_id(CommandId::new("req-1")?);
/// let events = envelope.execute(&mut deal, &Process::standard())?;
/// let mut log = seal_command(Digest::GENESIS, events, envelope.command_id.as_ref());
/// assert_eq!(log[0].command_id, envelope.command_id);
/// assert_eq!(verify(&log)?, log[0].hash);
///
/// log[0].command_id = Some(CommandId::new("req-2")?);
/// assert_eq!(verify(&log).unwrap_err().code(), "tampered");
/// # Ok::<(), ltc_pipeline::Error>(())
/// ```
pub fn seal_command(
    head: Digest,
    events: impl IntoIterator<Item = Event>,
    command_id: Option<&CommandId>,
) -> Vec<StoredEvent> {
    let mut prev = head;
    events
        .into_iter()
        .map(|event| {
            let hash = Digest::link_record(&prev, &RecordOut::new(&event, command_id, None));
            prev = hash;
            StoredEvent {
                event,
                command_id: command_id.cloned(),
                hash,
            }
        })
        .collect()
}

/// The head of a stored log: its last link, or [`Digest::GENESIS`] when it is empty.
pub fn head(log: &[StoredEvent]) -> Digest {
    log.last().map_or(Digest::GENESIS, |e| e.hash)
}

/// Checks a stored log's integrity: one deal, versions 1, 2, 3, ... in order, and every link
/// recomputed from the events (and their command ids) equal to the one stored. Returns the head.
///
/// # Errors
/// [`Error::Tampered`] naming the first event whose deal, version or link does not hold.
pub fn verify(log: &[StoredEvent]) -> Result<Digest, Error> {
    let mut prev = Digest::GENESIS;
    let deal = log.first().map(|e| &e.event.deal);
    for (i, stored) in log.iter().enumerate() {
        let position = i as u64 + 1;
        let event = &stored.event;
        let fail = |problem: String| Error::Tampered {
            deal: event.deal.clone(),
            position,
            version: event.version,
            problem,
        };
        if Some(&event.deal) != deal {
            return Err(fail(format!(
                "it names deal `{}`, the log's first event deal `{}`",
                event.deal,
                deal.map(ToString::to_string).unwrap_or_default()
            )));
        }
        if event.version != position {
            return Err(fail(format!(
                "version {} where the log has version {position}: an event was dropped, inserted \
                 or moved",
                event.version
            )));
        }
        let link = Digest::link_stored(&prev, stored);
        if link != stored.hash {
            return Err(fail(format!(
                "its hash {} is not the link {link} of its content to the event before it: the \
                 event was edited, or an event before it was dropped, inserted or moved",
                stored.hash
            )));
        }
        prev = link;
    }
    Ok(prev)
}

/// Checks a stored log whole: its integrity ([`verify`]), that it ends at `expected_head` when
/// the host kept one (which catches events dropped from the end), and that it replays under
/// `processes` ([`Deal::replay`]). Returns the deal and the head.
///
/// # Errors
/// [`Error::Tampered`] for a broken chain or another head; then as [`Deal::replay`].
///
/// ```
/// use chrono::{TimeZone, Utc};
/// use ltc_pipeline::integrity::{audit, seal, Digest};
/// use ltc_pipeline::{Command, Deal, DealId, Process};
/// let process = Process::standard();
/// let mut deal = Deal::new(DealId::new("D-1"));
/// let at = Utc.with_ymd_and_hms(2026, 1, 5, 9, 0, 0).unwrap();
/// let capture = Command::CaptureLead { customer: "ACME".into(), source: "web".into(), estimate: None };
/// let log = seal(Digest::GENESIS, deal.execute(&process, &capture, &"ops".into(), at)?);
/// let (replayed, head) = audit(&process, &log, Some(&log[0].hash))?;
/// assert_eq!((replayed, head), (deal, log[0].hash));
/// assert!(audit(&process, &log[..0], Some(&head)).is_err()); // the end was dropped
/// # Ok::<(), ltc_pipeline::Error>(())
/// ```
pub fn audit<P: Processes + ?Sized>(
    processes: &P,
    log: &[StoredEvent],
    expected_head: Option<&Digest>,
) -> Result<(Deal, Digest), Error> {
    let head = verify(log)?;
    if let Some(expected) = expected_head {
        if *expected != head {
            let last = log.last().map(|e| &e.event);
            return Err(Error::Tampered {
                deal: last.map(|e| e.deal.clone()).unwrap_or_else(|| "".into()),
                position: log.len() as u64,
                version: last.map_or(0, |e| e.version),
                problem: format!(
                    "the log ends at head {head}, not at the head {expected} kept for it: events \
                     were dropped from its end or it was rewritten"
                ),
            });
        }
    }
    let id = log
        .first()
        .map(|e| e.event.deal.clone())
        .unwrap_or_else(|| "".into());
    let deal = Deal::replay(id, processes, log.iter().map(|e| &e.event))?;
    Ok((deal, head))
}
