//! The lead-to-cash event store: deals' sealed logs, process versions and a global event stream,
//! on SQLite (one file, no server) or PostgreSQL (for services and for scale), behind one API.
//!
//! The engine ([`ltc_pipeline`]) is pure; this crate is where deals live. A [`Store`] appends a
//! command's events at the version they were decided on, and an append that lost a race to
//! another is refused with [`StoreError::Conflict`] with nothing written. Events are stored
//! sealed ([`StoredEvent`], in the deal's SHA-256 chain continued from the head kept beside the
//! deal), each with a position on the global stream; process definitions are kept by name and
//! version, so a deal replays under the versions it ran under.
//!
//! # Example
//!
//! ```
//! use chrono::{TimeZone, Utc};
//! use ltc_pipeline::{Command, DealId, Envelope, StageKind};
//! use ltc_store::{Store, StoreError};
//!
//! # let dir = tempfile::tempdir().unwrap();
//! # let path = dir.path().join("ltc.db");
//! let mut store = Store::open(path.to_str().unwrap())?; // or "postgres://user@host/db"
//! let id = DealId::new("D-1");
//! let at = Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap();
//! let capture = Envelope::new(
//!     "ops",
//!     at,
//!     Command::CaptureLead { customer: "ACME".into(), source: "web".into(), estimate: None },
//! )
//! .expecting(0);
//! // Decide against the stored deal (a new one opens under `standard@1`) and append.
//! let done = store.execute(&id, &capture)?;
//! assert_eq!((done.deal.version(), done.deal.stage_kind()), (1, Some(StageKind::Captured)));
//!
//! // Someone who still sees version 0 loses, and nothing of theirs is written.
//! let late = store.execute(&id, &capture).unwrap_err();
//! assert!(matches!(late, StoreError::Conflict { expected: 0, actual: 1, .. }));
//!
//! // The deal is a replay of its stored log, whose chain and head verify.
//! assert_eq!(store.load(&id)?, done.deal);
//! assert_eq!(store.verify(&id)?.head, done.appended.head);
//! # Ok::<(), StoreError>(())
//! ```
//!
//! # Where to look
//!
//! - [`Store::open`]: a `postgres://` or `postgresql://` URL picks PostgreSQL, anything else is
//!   a SQLite file; the schema is created (or checked) on open.
//! - Writing: [`Store::execute`] (load, decide, append), [`Store::append`] and
//!   [`Store::append_batch`] (several deals in one transaction), [`Store::import`] (whole logs,
//!   checked first).
//! - Reading: [`Store::load`], [`Store::log`], [`Store::deals`], [`Store::read_stream`].
//! - Processes: [`Store::publish`], [`Store::process`], [`Store::processes`].
//! - Integrity: [`Store::verify`], [`Store::verify_all`].
//! - `docs/store.md`: choosing a backend, the schema, scaling out, backup.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod backend;
mod error;
mod postgres;
mod sqlite;
#[cfg(feature = "testing")]
pub mod testing;

pub use error::StoreError;

use backend::{Backend, NewRow, Put, Row};
use chrono::{DateTime, Utc};
use ltc_pipeline::integrity::{self, Digest};
use ltc_pipeline::{
    Deal, DealId, Envelope, Event, Process, ProcessDefinition, ProcessRef, Processes, StoredEvent,
};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;

/// The getting-started guide runs as doc tests here, where the store, the engine and the
/// incentive crate are all at hand (its host runs a deal under its own process, keeps it in this
/// store, and pays the team), so the guide stays true.
#[cfg(doctest)]
#[doc = include_str!("../../../docs/getting-started.md")]
struct GettingStartedDoctests;

/// The version of the database schema this library creates and reads.
pub const SCHEMA_VERSION: u32 = 1;

/// Which database a [`Store`] runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BackendKind {
    /// A SQLite file.
    Sqlite,
    /// A PostgreSQL server.
    Postgres,
}

/// A deal as the store lists it: what its row keeps beside the log.
///
/// The stage, the team and the lights are the replayed deal's ([`Store::load`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DealSummary {
    /// The deal.
    pub deal: DealId,
    /// Its version: the number of events stored.
    pub version: u64,
    /// The head of its hash chain: the last event's link.
    pub head: Digest,
    /// When its first event happened.
    pub opened_at: DateTime<Utc>,
    /// When its last event happened.
    pub last_event_at: DateTime<Utc>,
}

/// One deal's part of a batch: the events decided on the deal at version `expected`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Append {
    /// The deal.
    pub deal: DealId,
    /// The version the events were decided on (0 for a new deal).
    pub expected: u64,
    /// The events, versions `expected + 1`, `expected + 2`, ...
    pub events: Vec<Event>,
}

/// What an append wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Appended {
    /// The deal.
    pub deal: DealId,
    /// Its version after the append.
    pub version: u64,
    /// Its head after the append.
    pub head: Digest,
    /// The events as stored, sealed into the deal's chain.
    pub events: Vec<StoredEvent>,
    /// The stream position of the first of them (the others follow it); 0 when none.
    pub first_position: u64,
}

/// A stored event and its position on the global stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// The position: 1 for the store's first event, increasing in commit order, no gaps.
    pub position: u64,
    /// The event as stored.
    pub event: StoredEvent,
}

/// What [`Store::execute`] did: the deal after the command, and what was appended.
#[derive(Debug, Clone, PartialEq)]
pub struct Executed {
    /// The deal after the command.
    pub deal: Deal,
    /// The events appended.
    pub appended: Appended,
}

/// What [`Store::publish`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Published {
    /// The definition was added under its name and version.
    Added(ProcessRef),
    /// The same definition was already published: nothing changed.
    Unchanged(ProcessRef),
}

/// A deal whose stored log verified ([`Store::verify`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Verified {
    /// The deal, replayed from its log.
    pub deal: Deal,
    /// The head of its chain, equal to the one kept beside it.
    pub head: Digest,
    /// The log that verified, in version order.
    pub log: Vec<StoredEvent>,
}

/// What [`Store::verify_all`] found.
#[derive(Debug, Default)]
pub struct VerifyReport {
    /// The deals checked.
    pub deals: u64,
    /// The events in the logs that verified.
    pub events: u64,
    /// The deals that did not verify, and why.
    pub failures: Vec<(DealId, StoreError)>,
}

impl VerifyReport {
    /// True when every deal verified.
    pub fn is_ok(&self) -> bool {
        self.failures.is_empty()
    }
}

/// What [`Store::import`] wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Imported {
    /// The deals imported.
    pub deals: u64,
    /// Their events.
    pub events: u64,
}

/// The events of one pending write: decided now, or sealed already (an import).
enum Events {
    Fresh(Vec<Event>),
    Sealed(Vec<StoredEvent>),
}

struct Pending {
    deal: DealId,
    expected: u64,
    events: Events,
}

/// A deal's row as a transaction sees it: as stored, and as the batch leaves it.
struct Slot {
    stored: Option<u64>,
    current: Option<DealSummary>,
}

/// A connection to an event store. One per thread: appends from many connections (threads,
/// processes, machines) are safe, and a lost race is a [`StoreError::Conflict`].
pub struct Store {
    backend: Box<dyn Backend>,
    kind: BackendKind,
    catalog: BTreeMap<ProcessRef, Process>,
    opening: ProcessRef,
}

// A store moves to the thread that uses it (one connection per thread).
const _: fn() = || {
    fn send<T: Send>() {}
    send::<Store>();
};

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("backend", &self.kind)
            .field("processes", &self.catalog.keys().collect::<Vec<_>>())
            .field("opening", &self.opening)
            .finish()
    }
}

/// Whether a store location names a PostgreSQL database: a `postgres://` or `postgresql://` URL
/// (in any case), or a libpq key=value string (`host=db.internal dbname=ltc user=ltc`).
///
/// ```
/// use ltc_store::is_postgres;
/// assert!(is_postgres("postgres://ltc@localhost/ltc"));
/// assert!(is_postgres("POSTGRESQL://ltc@localhost/ltc"));
/// assert!(is_postgres("host=127.0.0.1 port=5432 dbname=ltc"));
/// assert!(!is_postgres("deals.db"));
/// assert!(!is_postgres("./host=x.db"));
/// ```
pub fn is_postgres(location: &str) -> bool {
    let lower = location.trim_start().to_ascii_lowercase();
    if lower.starts_with("postgres://") || lower.starts_with("postgresql://") {
        return true;
    }
    // key=value pairs separated by spaces, the first key one libpq knows.
    const KEYS: [&str; 8] = [
        "host=",
        "hostaddr=",
        "port=",
        "dbname=",
        "user=",
        "password=",
        "sslmode=",
        "service=",
    ];
    KEYS.iter().any(|key| lower.starts_with(key))
}

impl Store {
    /// Opens a store: a PostgreSQL database when [`is_postgres`] says the location names one (a
    /// `postgres://` or `postgresql://` URL, or a libpq key=value string), else the path of a
    /// SQLite file (created if missing). The schema is created when the
    /// database has none, and checked when it has one.
    ///
    /// # Errors
    /// [`StoreError::Backend`] when the database cannot be opened or reached;
    /// [`StoreError::SchemaVersion`] when its schema is of another version.
    ///
    /// ```
    /// use ltc_store::{BackendKind, Store};
    /// let path = std::env::temp_dir().join(format!("ltc-doc-open-{}.db", std::process::id()));
    /// let store = Store::open(path.to_str().unwrap())?;
    /// assert_eq!(store.kind(), BackendKind::Sqlite);
    /// # drop(store); std::fs::remove_file(&path).ok();
    /// # Ok::<(), ltc_store::StoreError>(())
    /// ```
    pub fn open(location: &str) -> Result<Self, StoreError> {
        if is_postgres(location) {
            Self::open_postgres(location)
        } else {
            Self::open_sqlite(location)
        }
    }

    /// Opens (or creates) a SQLite store in the file at `path`.
    ///
    /// # Errors
    /// As [`Store::open`].
    pub fn open_sqlite(path: impl AsRef<Path>) -> Result<Self, StoreError> {
        let backend = sqlite::Sqlite::open(path.as_ref(), &standard_json()?)?;
        Self::with(Box::new(backend), BackendKind::Sqlite)
    }

    /// Opens a PostgreSQL store: `url` is a libpq connection string or URL
    /// (`postgres://user:password@host:5432/database`).
    ///
    /// # Errors
    /// As [`Store::open`].
    pub fn open_postgres(url: &str) -> Result<Self, StoreError> {
        let backend = postgres::Postgres::open(url, &standard_json()?)?;
        Self::with(Box::new(backend), BackendKind::Postgres)
    }

    fn with(backend: Box<dyn Backend>, kind: BackendKind) -> Result<Self, StoreError> {
        let mut store = Self {
            backend,
            kind,
            catalog: BTreeMap::new(),
            opening: Process::standard().reference().clone(),
        };
        store.refresh()?;
        Ok(store)
    }

    /// The database this store runs on.
    pub fn kind(&self) -> BackendKind {
        self.kind
    }

    /// The process version a new deal is opened under by [`execute`](Self::execute)
    /// (`standard@1` unless [`set_opening`](Self::set_opening) chose another).
    pub fn opening(&self) -> &ProcessRef {
        &self.opening
    }

    /// Chooses the process version new deals are opened under. It must be published when a
    /// deal is opened (`unknown_process` otherwise).
    ///
    /// ```
    /// use ltc_pipeline::{ProcessDefinition, ProcessRef};
    /// use ltc_store::Store;
    /// # let dir = tempfile::tempdir().unwrap();
    /// let mut store = Store::open_sqlite(dir.path().join("ltc.db"))?;
    /// let mut v2 = ProcessDefinition::standard();
    /// v2.version = 2;
    /// store.publish(v2)?;
    /// store.set_opening(ProcessRef::new("standard", 2));
    /// let opening = store.opening().clone();
    /// assert_eq!(store.process(&opening)?.reference().version, 2);
    /// # Ok::<(), ltc_store::StoreError>(())
    /// ```
    pub fn set_opening(&mut self, process: ProcessRef) {
        self.opening = process;
    }

    // ---- writing ---------------------------------------------------------------------------

    /// Appends the events decided on deal `deal` at version `expected` (0 for a new deal):
    /// sealed after the deal's stored head, given the next stream positions, in one
    /// transaction.
    ///
    /// The events must be what [`ltc_pipeline::decide`] returned on the deal at that version:
    /// the store checks where they go (the deal, the versions), not the rules, so that a host
    /// that decides in memory appends in batches without the store reading each deal back. The
    /// rules are enforced when the log is read: [`load`](Self::load), [`verify`](Self::verify)
    /// and [`execute`](Self::execute) replay it, and an event the rules would not have written
    /// (a forged outcome) makes them refuse the deal with `invalid_event` from then on. A host
    /// that does not keep the state itself uses [`execute`](Self::execute), which decides and
    /// appends in one call.
    ///
    /// # Errors
    /// [`StoreError::Conflict`] when the deal is no longer at `expected`: nothing is written;
    /// [`StoreError::Misplaced`] for an event of another deal or out of sequence;
    /// [`StoreError::Backend`] when the database fails (nothing is written).
    ///
    /// ```
    /// use chrono::{TimeZone, Utc};
    /// use ltc_pipeline::{Command, Deal, DealId, Process};
    /// use ltc_store::{Store, StoreError};
    /// # let dir = tempfile::tempdir().unwrap();
    /// let mut store = Store::open_sqlite(dir.path().join("ltc.db"))?;
    /// let mut deal = Deal::new(DealId::new("D-1"));
    /// let at = Utc.with_ymd_and_hms(2026, 1, 5, 9, 0, 0).unwrap();
    /// let capture = Command::CaptureLead { customer: "ACME".into(), source: "web".into(), estimate: None };
    /// let events = deal.execute(&Process::standard(), &capture, &"ops".into(), at)?;
    /// let appended = store.append(deal.id(), 0, events.clone())?;
    /// assert_eq!((appended.version, appended.first_position), (1, 1));
    /// // The same events again, decided on version 0, lose: the deal is at 1.
    /// let again = store.append(deal.id(), 0, events).unwrap_err();
    /// assert_eq!(again.code(), "conflict");
    /// # Ok::<(), StoreError>(())
    /// ```
    pub fn append(
        &mut self,
        deal: &DealId,
        expected: u64,
        events: Vec<Event>,
    ) -> Result<Appended, StoreError> {
        let batch = vec![Append {
            deal: deal.clone(),
            expected,
            events,
        }];
        let mut appended = self.append_batch(batch)?;
        appended.pop().ok_or_else(|| StoreError::Backend {
            backend: self.backend.name(),
            message: "an append of one deal returned nothing".into(),
        })
    }

    /// Appends several deals' events (or several commands of one deal, each at the version the
    /// one before it leaves) in one transaction: all are written, or none.
    ///
    /// Batching is how a host reaches its throughput: one durable commit for many commands.
    ///
    /// # Errors
    /// As [`append`](Self::append), for the first item that fails; then nothing of the batch is
    /// written.
    ///
    /// ```
    /// use chrono::{TimeZone, Utc};
    /// use ltc_pipeline::{Command, Deal, DealId, Process};
    /// use ltc_store::{Append, Store, StoreError};
    /// # let dir = tempfile::tempdir().unwrap();
    /// let mut store = Store::open_sqlite(dir.path().join("ltc.db"))?;
    /// let at = Utc.with_ymd_and_hms(2026, 1, 5, 9, 0, 0).unwrap();
    /// let capture = Command::CaptureLead { customer: "ACME".into(), source: "web".into(), estimate: None };
    /// let batch = ["D-1", "D-2"].map(|id| {
    ///     let mut deal = Deal::new(DealId::new(id));
    ///     let events = deal.execute(&Process::standard(), &capture, &"ops".into(), at).unwrap();
    ///     Append { deal: deal.id().clone(), expected: 0, events }
    /// });
    /// let written = store.append_batch(batch.to_vec())?;
    /// assert_eq!(written.len(), 2);
    /// // D-1 again at version 0 conflicts, so D-3 beside it is not written either.
    /// let mut d3 = batch[1].clone();
    /// d3.deal = "D-3".into();
    /// d3.events[0].deal = "D-3".into();
    /// assert!(store.append_batch(vec![d3, batch[0].clone()]).is_err());
    /// assert_eq!(store.deals()?.len(), 2);
    /// # Ok::<(), StoreError>(())
    /// ```
    pub fn append_batch(&mut self, batch: Vec<Append>) -> Result<Vec<Appended>, StoreError> {
        for item in &batch {
            placed(&item.deal, item.expected, &item.events)?;
        }
        let pending = batch
            .into_iter()
            .map(|a| Pending {
                deal: a.deal,
                expected: a.expected,
                events: Events::Fresh(a.events),
            })
            .collect();
        self.write(pending)
    }

    /// Decides a command against the stored deal and appends its events at the version it was
    /// decided on: the call a host makes for each request. A deal the store does not hold
    /// starts at version 0 (its first command must be `capture_lead`, decided under
    /// [`opening`](Self::opening)).
    ///
    /// Retrying after a conflict is the caller's choice: the command was decided on a state
    /// that is gone, and may mean something else on the new one.
    ///
    /// # Errors
    /// [`StoreError::Conflict`] when the envelope's `expected_version` is not the stored version,
    /// or another append won the race; [`StoreError::Engine`] when the rules refuse the command
    /// (nothing is written); as [`load`](Self::load) for a stored log that does not replay.
    ///
    /// ```
    /// use chrono::{TimeZone, Utc};
    /// use ltc_pipeline::{Command, DealId, Envelope};
    /// use ltc_store::Store;
    /// # let dir = tempfile::tempdir().unwrap();
    /// let mut store = Store::open_sqlite(dir.path().join("ltc.db"))?;
    /// let at = Utc.with_ymd_and_hms(2026, 1, 5, 9, 0, 0).unwrap();
    /// let qualify = Envelope::new("ana", at, Command::QualifyLead {});
    /// // A new deal starts with a capture: the rules refuse, nothing is written.
    /// let refused = store.execute(&DealId::new("D-1"), &qualify).unwrap_err();
    /// assert_eq!(refused.code(), "not_opened");
    /// assert!(store.deals()?.is_empty());
    /// # Ok::<(), ltc_store::StoreError>(())
    /// ```
    pub fn execute(&mut self, deal: &DealId, envelope: &Envelope) -> Result<Executed, StoreError> {
        let mut state = self.load_or_new(deal)?;
        let expected = state.version();
        let events = self.decide(&mut state, envelope)?;
        let appended = self.append(deal, expected, events)?;
        Ok(Executed {
            deal: state,
            appended,
        })
    }

    /// Decides several commands (on one deal or many, in order: a command on a deal is decided
    /// on the state the ones before it in the batch leave) and appends all their events in one
    /// transaction, or none of them.
    ///
    /// # Errors
    /// As [`execute`](Self::execute), for the first command that fails; nothing is written.
    ///
    /// ```
    /// use chrono::{TimeZone, Utc};
    /// use ltc_pipeline::{Command, DealId, Envelope};
    /// use ltc_store::Store;
    /// # let dir = tempfile::tempdir().unwrap();
    /// let mut store = Store::open_sqlite(dir.path().join("ltc.db"))?;
    /// let at = Utc.with_ymd_and_hms(2026, 1, 5, 9, 0, 0).unwrap();
    /// let send = |actor: &str, command| Envelope::new(actor, at, command);
    /// let capture = Command::CaptureLead { customer: "ACME".into(), source: "web".into(), estimate: None };
    /// let scores = [("budget", 4), ("decision_chain", 3), ("urgency", 5)]
    ///     .into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
    /// let id = DealId::new("D-1");
    /// let written = store.execute_batch(&[
    ///     (id.clone(), send("ops", capture)),
    ///     (id.clone(), send("ana", Command::GradeLead { scores })),
    /// ])?;
    /// assert_eq!(written.iter().map(|a| a.version).collect::<Vec<_>>(), [1, 2]);
    /// # Ok::<(), ltc_store::StoreError>(())
    /// ```
    pub fn execute_batch(
        &mut self,
        commands: &[(DealId, Envelope)],
    ) -> Result<Vec<Appended>, StoreError> {
        let mut deals: HashMap<DealId, Deal> = HashMap::new();
        let mut batch = Vec::with_capacity(commands.len());
        for (id, envelope) in commands {
            let mut state = match deals.remove(id) {
                Some(state) => state,
                None => self.load_or_new(id)?,
            };
            let expected = state.version();
            let events = self.decide(&mut state, envelope)?;
            deals.insert(id.clone(), state);
            batch.push(Append {
                deal: id.clone(),
                expected,
                events,
            });
        }
        self.append_batch(batch)
    }

    /// Checks the expected version, then decides the envelope and folds its events into
    /// `deal` (left as it was on a refusal).
    fn decide(&mut self, deal: &mut Deal, envelope: &Envelope) -> Result<Vec<Event>, StoreError> {
        if let Some(expected) = envelope.expected_version {
            if expected != deal.version() {
                return Err(StoreError::Conflict {
                    deal: deal.id().clone(),
                    expected,
                    actual: deal.version(),
                });
            }
        }
        let opening = self.opening.clone();
        self.with_catalog(|catalog| {
            let process = match deal.process_for(catalog, &envelope.command)? {
                Some(process) => process,
                None => Processes::get(catalog, &opening)?,
            };
            deal.execute(process, &envelope.command, &envelope.actor, envelope.at)
        })
    }

    /// Imports whole logs (a deal's log from its first event, as exported): each is checked
    /// first (its chain, and a replay under the store's processes), none may be a deal the
    /// store holds or a deal given twice; then all are written in one transaction, with the
    /// hashes they carry.
    ///
    /// # Errors
    /// [`StoreError::Tampered`] for a log whose chain breaks, [`StoreError::Engine`] for one that
    /// does not replay, [`StoreError::Misplaced`] for an empty log or a deal given twice,
    /// [`StoreError::Conflict`] for a deal the store holds; nothing is written.
    ///
    /// ```
    /// use chrono::{TimeZone, Utc};
    /// use ltc_pipeline::integrity::{seal, Digest};
    /// use ltc_pipeline::{Command, Deal, DealId, Process};
    /// use ltc_store::{Store, StoreError};
    /// # let dir = tempfile::tempdir().unwrap();
    /// let mut store = Store::open_sqlite(dir.path().join("ltc.db"))?;
    /// let mut deal = Deal::new(DealId::new("D-1"));
    /// let at = Utc.with_ymd_and_hms(2026, 1, 5, 9, 0, 0).unwrap();
    /// let capture = Command::CaptureLead { customer: "ACME".into(), source: "web".into(), estimate: None };
    /// let log = seal(Digest::GENESIS, deal.execute(&Process::standard(), &capture, &"ops".into(), at)?);
    /// let mut edited = log.clone();
    /// edited[0].event.actor = "mallory".into();
    /// let mut other = edited.clone();
    /// other[0].event.deal = "D-2".into();
    /// assert_eq!(store.import(vec![log.clone(), other]).unwrap_err().code(), "tampered");
    /// assert!(store.deals()?.is_empty());
    /// assert_eq!(store.import(vec![log])?.events, 1);
    /// # Ok::<(), StoreError>(())
    /// ```
    pub fn import(&mut self, logs: Vec<Vec<StoredEvent>>) -> Result<Imported, StoreError> {
        self.import_with(logs, &mut |_, _| ())
    }

    /// [`import`](Self::import), telling `progress` how many logs have been checked of how many
    /// (for a progress bar on a long import).
    ///
    /// # Errors
    /// As [`import`](Self::import).
    pub fn import_with(
        &mut self,
        logs: Vec<Vec<StoredEvent>>,
        progress: &mut dyn FnMut(u64, u64),
    ) -> Result<Imported, StoreError> {
        let mut seen = BTreeSet::new();
        let mut events = 0u64;
        let total = logs.len() as u64;
        for (checked, log) in logs.iter().enumerate() {
            let Some(first) = log.first() else {
                return Err(StoreError::Misplaced {
                    deal: DealId::new(""),
                    problem: "an empty log: a log to import starts with the deal's first event"
                        .into(),
                });
            };
            let deal = first.event.deal.clone();
            if !seen.insert(deal.clone()) {
                return Err(StoreError::Misplaced {
                    deal,
                    problem: "the deal's log is given twice".into(),
                });
            }
            integrity::verify(log).map_err(|e| StoreError::from_chain(&deal, e))?;
            self.with_catalog(|catalog| {
                Deal::replay(deal.clone(), catalog, log.iter().map(|e| &e.event))
            })?;
            if let Some(held) = self.backend.summary(&deal)? {
                return Err(StoreError::Held {
                    deal,
                    version: held.version,
                });
            }
            events += log.len() as u64;
            progress(checked as u64 + 1, total);
        }
        let deals = logs.len() as u64;
        let pending = logs
            .into_iter()
            .filter_map(|log| {
                let deal = log.first()?.event.deal.clone();
                Some(Pending {
                    deal,
                    expected: 0,
                    events: Events::Sealed(log),
                })
            })
            .collect();
        self.write(pending)?;
        Ok(Imported { deals, events })
    }

    /// The one transaction every write goes through: lock the deals' rows (in id order, so two
    /// batches never wait on each other in a circle), check each item's version, seal, write
    /// the rows, insert the events at the next stream positions, commit.
    fn write(&mut self, items: Vec<Pending>) -> Result<Vec<Appended>, StoreError> {
        let deals: BTreeSet<DealId> = items.iter().map(|i| i.deal.clone()).collect();
        let deals: Vec<DealId> = deals.into_iter().collect();
        let mut tx = self.backend.begin()?;
        let current = tx.lock(&deals)?;
        let mut slots: BTreeMap<DealId, Slot> = deals
            .into_iter()
            .zip(current)
            .map(|(deal, current)| {
                let stored = current.as_ref().map(|s| s.version);
                (deal, Slot { stored, current })
            })
            .collect();
        let mut sealed = Vec::with_capacity(items.len());
        for item in items {
            let Some(slot) = slots.get_mut(&item.deal) else {
                continue;
            };
            let actual = slot.current.as_ref().map_or(0, |s| s.version);
            if actual != item.expected {
                return Err(StoreError::Conflict {
                    deal: item.deal,
                    expected: item.expected,
                    actual,
                });
            }
            let head = slot.current.as_ref().map_or(Digest::GENESIS, |s| s.head);
            let events = match item.events {
                Events::Fresh(events) => integrity::seal(head, events),
                Events::Sealed(log) => log,
            };
            if let (Some(first), Some(last)) = (events.first(), events.last()) {
                let opened_at = slot
                    .current
                    .as_ref()
                    .map_or(first.event.at, |s| s.opened_at);
                slot.current = Some(DealSummary {
                    deal: item.deal.clone(),
                    version: last.event.version,
                    head: last.hash,
                    opened_at,
                    last_event_at: last.event.at,
                });
            }
            let (version, head) = slot
                .current
                .as_ref()
                .map_or((0, Digest::GENESIS), |s| (s.version, s.head));
            sealed.push((item.deal, events, version, head));
        }
        let puts: Vec<Put<'_>> = slots
            .values()
            .filter_map(|slot| {
                let summary = slot.current.as_ref()?;
                (Some(summary.version) != slot.stored).then_some(Put {
                    prev: slot.stored,
                    summary,
                })
            })
            .collect();
        let written = tx.put(&puts)?;
        if let Some(lost) = puts
            .iter()
            .zip(written)
            .find_map(|(p, ok)| (!ok).then_some(p))
        {
            // Another append wrote the row since it was read (a new deal, created twice).
            let deal = lost.summary.deal.clone();
            let expected = lost.prev.unwrap_or(0);
            let actual = tx
                .lock(std::slice::from_ref(&deal))?
                .into_iter()
                .flatten()
                .next()
                .map_or(0, |s| s.version);
            return Err(StoreError::Conflict {
                deal,
                expected,
                actual,
            });
        }
        let total: usize = sealed.iter().map(|(_, events, ..)| events.len()).sum();
        let mut rows = Vec::with_capacity(total);
        for (_, events, ..) in &sealed {
            for stored in events {
                let record = serde_json::to_string(stored).map_err(|e| StoreError::Backend {
                    backend: "store",
                    message: format!("an event could not be written as JSON: {e}"),
                })?;
                rows.push(NewRow { stored, record });
            }
        }
        // The stream positions are taken last, just before the commit: the counter is what every
        // append waits on.
        let first = if rows.is_empty() {
            0
        } else {
            tx.insert(&rows)?
        };
        tx.commit()?;
        drop(rows);
        let mut position = backend::count(first);
        Ok(sealed
            .into_iter()
            .map(|(deal, events, version, head)| {
                let first_position = if events.is_empty() { 0 } else { position };
                position = position.saturating_add(events.len() as u64);
                Appended {
                    deal,
                    version,
                    head,
                    events,
                    first_position,
                }
            })
            .collect())
    }

    // ---- reading ---------------------------------------------------------------------------

    /// The deal's row: its version, head and times; `None` when the store does not hold it.
    ///
    /// # Errors
    /// [`StoreError::Backend`].
    pub fn summary(&mut self, deal: &DealId) -> Result<Option<DealSummary>, StoreError> {
        self.backend.summary(deal)
    }

    /// Every deal the store holds, by id.
    ///
    /// # Errors
    /// [`StoreError::Backend`].
    ///
    /// ```
    /// use chrono::{TimeZone, Utc};
    /// use ltc_pipeline::{Command, DealId, Envelope};
    /// use ltc_store::Store;
    /// # let dir = tempfile::tempdir().unwrap();
    /// let mut store = Store::open_sqlite(dir.path().join("ltc.db"))?;
    /// let at = Utc.with_ymd_and_hms(2026, 1, 5, 9, 0, 0).unwrap();
    /// for id in ["D-2", "D-1"] {
    ///     let capture = Command::CaptureLead { customer: id.into(), source: "web".into(), estimate: None };
    ///     store.execute(&DealId::new(id), &Envelope::new("ops", at, capture).expecting(0))?;
    /// }
    /// let listed = store.deals()?;
    /// assert_eq!(listed.iter().map(|d| d.deal.as_str()).collect::<Vec<_>>(), ["D-1", "D-2"]);
    /// assert_eq!((listed[0].version, listed[0].last_event_at), (1, at));
    /// // The stage and the lights are the replayed deal's.
    /// assert_eq!(store.load(&listed[0].deal)?.customer(), "D-1");
    /// assert_eq!(store.log(&listed[0].deal)?[0].hash, listed[0].head);
    /// # Ok::<(), ltc_store::StoreError>(())
    /// ```
    pub fn deals(&mut self) -> Result<Vec<DealSummary>, StoreError> {
        self.backend.summaries()
    }

    /// The deal's stored log, in version order (what `ltc export` prints).
    ///
    /// # Errors
    /// [`StoreError::UnknownDeal`] when the store does not hold the deal;
    /// [`StoreError::Tampered`] for a row that is not the stored event its columns say.
    pub fn log(&mut self, deal: &DealId) -> Result<Vec<StoredEvent>, StoreError> {
        let rows = self.backend.rows(deal, 0)?;
        if rows.is_empty() {
            return Err(StoreError::UnknownDeal { deal: deal.clone() });
        }
        rows.into_iter()
            .map(|row| read_row(row).map(|r| r.event))
            .collect()
    }

    /// Every deal's log, by deal id (for reports over the whole store).
    ///
    /// # Errors
    /// As [`log`](Self::log).
    pub fn logs(&mut self) -> Result<BTreeMap<DealId, Vec<StoredEvent>>, StoreError> {
        let mut logs: BTreeMap<DealId, Vec<StoredEvent>> = BTreeMap::new();
        for row in self.backend.all_rows()? {
            let record = read_row(row)?;
            logs.entry(record.event.event.deal.clone())
                .or_default()
                .push(record.event);
        }
        Ok(logs)
    }

    /// The deal, replayed from its stored log under the process versions it ran under, after
    /// its log is checked as [`verify`](Self::verify) checks it (the chain, the head kept beside
    /// the deal): a deal is never read, nor a command decided on it, from a log edited in the
    /// database.
    ///
    /// # Errors
    /// [`StoreError::UnknownDeal`]; [`StoreError::Tampered`]; [`StoreError::Engine`] when the
    /// log does not replay (`invalid_event`, or `unknown_process` for a version the store does
    /// not keep).
    pub fn load(&mut self, deal: &DealId) -> Result<Deal, StoreError> {
        self.verify(deal).map(|verified| verified.deal)
    }

    fn load_or_new(&mut self, deal: &DealId) -> Result<Deal, StoreError> {
        match self.load(deal) {
            Err(StoreError::UnknownDeal { .. }) => Ok(Deal::new(deal.clone())),
            other => other,
        }
    }

    /// Up to `limit` events of every deal after stream position `after` (0 for the start), in
    /// position order: what a projection, a report or an export reads, and resumes from the
    /// last position it saw. Positions follow commit order, so a reader that resumes misses
    /// nothing committed later.
    ///
    /// # Errors
    /// [`StoreError::Backend`]; [`StoreError::Tampered`] for a row that is not a stored event.
    ///
    /// ```
    /// use chrono::{TimeZone, Utc};
    /// use ltc_pipeline::{Command, DealId, Envelope};
    /// use ltc_store::{Store, StoreError};
    /// # let dir = tempfile::tempdir().unwrap();
    /// let mut store = Store::open_sqlite(dir.path().join("ltc.db"))?;
    /// let at = Utc.with_ymd_and_hms(2026, 1, 5, 9, 0, 0).unwrap();
    /// for id in ["D-1", "D-2", "D-3"] {
    ///     let capture = Command::CaptureLead { customer: id.into(), source: "web".into(), estimate: None };
    ///     store.execute(&DealId::new(id), &Envelope::new("ops", at, capture))?;
    /// }
    /// let page = store.read_stream(0, 2)?;
    /// assert_eq!(page.iter().map(|r| r.position).collect::<Vec<_>>(), [1, 2]);
    /// let rest = store.read_stream(2, 100)?;
    /// assert_eq!(rest[0].event.event.deal.as_str(), "D-3");
    /// # Ok::<(), StoreError>(())
    /// ```
    pub fn read_stream(&mut self, after: u64, limit: usize) -> Result<Vec<Record>, StoreError> {
        // Positions and counts are kept as 64-bit signed integers: past them there is nothing,
        // and a larger limit means everything.
        let most = i64::MAX.unsigned_abs();
        if after >= most || limit == 0 {
            return Ok(Vec::new());
        }
        let limit = u64::try_from(limit).unwrap_or(most).min(most);
        let rows = self.backend.stream(after, limit)?;
        rows.into_iter().map(read_row).collect()
    }

    /// The position of the last event written (0 for an empty store).
    ///
    /// # Errors
    /// [`StoreError::Backend`].
    pub fn last_position(&mut self) -> Result<u64, StoreError> {
        self.backend.last_position()
    }

    // ---- processes -------------------------------------------------------------------------

    /// Publishes a process definition under its name and version, after validating it. The same
    /// definition again changes nothing; a different one under a published name and version is
    /// refused (deals opened under it must replay as they ran). `standard@1` is published when
    /// the store is created.
    ///
    /// # Errors
    /// [`StoreError::Engine`] for a definition that does not validate;
    /// [`StoreError::ProcessExists`] for another definition under a published name and version.
    ///
    /// ```
    /// use ltc_pipeline::ProcessDefinition;
    /// use ltc_store::{Published, Store, StoreError};
    /// # let dir = tempfile::tempdir().unwrap();
    /// let mut store = Store::open_sqlite(dir.path().join("ltc.db"))?;
    /// let mut v2 = ProcessDefinition::standard();
    /// v2.version = 2;
    /// assert!(matches!(store.publish(v2.clone())?, Published::Added(_)));
    /// assert!(matches!(store.publish(v2.clone())?, Published::Unchanged(_)));
    /// v2.roles.push("legal".into());
    /// assert_eq!(store.publish(v2).unwrap_err().code(), "process_exists");
    /// assert_eq!(store.processes()?.len(), 2);
    /// # Ok::<(), StoreError>(())
    /// ```
    pub fn publish(&mut self, definition: ProcessDefinition) -> Result<Published, StoreError> {
        let process = Process::new(definition)?;
        let reference = process.reference().clone();
        let json = definition_json(process.definition())?;
        let version = i64::from(reference.version);
        match self.backend.publish(&reference.name, version, &json)? {
            None => {
                self.catalog.insert(reference.clone(), process);
                Ok(Published::Added(reference))
            }
            Some(kept) => {
                let kept: ProcessDefinition =
                    serde_json::from_str(&kept).map_err(|e| StoreError::Tampered {
                        deal: DealId::new(""),
                        problem: format!(
                            "the stored definition of `{reference}` does not read: {e}"
                        ),
                    })?;
                if &kept == process.definition() {
                    Ok(Published::Unchanged(reference))
                } else {
                    Err(StoreError::ProcessExists { process: reference })
                }
            }
        }
    }

    /// The published process with this name and version.
    ///
    /// # Errors
    /// [`StoreError::Engine`] with `unknown_process` when it is not published.
    pub fn process(&mut self, reference: &ProcessRef) -> Result<Process, StoreError> {
        self.with_catalog(|catalog| Processes::get(catalog, reference).cloned())
    }

    /// Every published process, by name and version: a catalog [`Deal::replay`] reads
    /// ([`Processes`]).
    ///
    /// # Errors
    /// [`StoreError::Backend`]; [`StoreError::Engine`] for a stored definition that no longer
    /// validates.
    pub fn processes(&mut self) -> Result<&BTreeMap<ProcessRef, Process>, StoreError> {
        self.refresh()?;
        Ok(&self.catalog)
    }

    /// Reads the published definitions again (another connection may have published).
    fn refresh(&mut self) -> Result<(), StoreError> {
        let mut catalog = BTreeMap::new();
        for (name, version, json) in self.backend.definitions()? {
            let reference = ProcessRef::new(name, u32::try_from(version).unwrap_or(u32::MAX));
            if let Some(known) = self.catalog.remove(&reference) {
                catalog.insert(reference, known);
                continue;
            }
            let definition: ProcessDefinition =
                serde_json::from_str(&json).map_err(|e| StoreError::Tampered {
                    deal: DealId::new(""),
                    problem: format!("the stored definition of `{reference}` does not read: {e}"),
                })?;
            catalog.insert(reference, Process::new(definition)?);
        }
        self.catalog = catalog;
        Ok(())
    }

    /// Runs `f` over the catalog; when it misses a process version, reads the catalog again
    /// (another connection may have published it) and runs `f` once more.
    fn with_catalog<T>(
        &mut self,
        mut f: impl FnMut(&BTreeMap<ProcessRef, Process>) -> Result<T, ltc_pipeline::Error>,
    ) -> Result<T, StoreError> {
        match f(&self.catalog) {
            Err(ltc_pipeline::Error::UnknownProcess { .. }) => {
                self.refresh()?;
                Ok(f(&self.catalog)?)
            }
            other => Ok(other?),
        }
    }

    // ---- integrity -------------------------------------------------------------------------

    /// Checks a deal's stored log: every row is the stored event its columns say, the chain
    /// links hold from the first event to the last, the last link is the head kept in the
    /// deal's row (so events dropped from the end are caught), and the log replays.
    ///
    /// # Errors
    /// [`StoreError::UnknownDeal`]; [`StoreError::Tampered`] naming what does not hold;
    /// [`StoreError::Engine`] when the log does not replay.
    pub fn verify(&mut self, deal: &DealId) -> Result<Verified, StoreError> {
        // The row first, then the events: an append that commits in between adds events after
        // the version the row said, never removes one, so the log up to that version is checked.
        let mut summary = self.backend.summary(deal)?;
        let mut rows = self.backend.rows(deal, 0)?;
        if summary.is_none() && !rows.is_empty() {
            // The deal's first append may have committed between the two reads: read again.
            summary = self.backend.summary(deal)?;
            if summary.is_some() {
                rows = self.backend.rows(deal, 0)?;
            }
        }
        let Some(summary) = summary else {
            if rows.is_empty() {
                return Err(StoreError::UnknownDeal { deal: deal.clone() });
            }
            return Err(StoreError::Tampered {
                deal: deal.clone(),
                problem: format!("{} events are stored without the deal's row", rows.len()),
            });
        };
        let kept = usize::try_from(summary.version).unwrap_or(usize::MAX);
        if rows.len() > kept {
            // Events beyond the version the row keeps: another writer's append that committed
            // after the row was read, or events written behind the store's back.
            let again = self.backend.summary(deal)?;
            if again.as_ref().map(|s| s.version) == Some(summary.version) {
                return Err(StoreError::Tampered {
                    deal: deal.clone(),
                    problem: format!(
                        "{} events are stored beyond version {}, the one kept beside the deal",
                        rows.len() - kept,
                        summary.version
                    ),
                });
            }
            rows.truncate(kept);
        }
        let log = rows
            .into_iter()
            .map(|row| read_row(row).map(|r| r.event))
            .collect::<Result<Vec<_>, _>>()?;
        let head = integrity::verify(&log).map_err(|e| StoreError::from_chain(deal, e))?;
        if head != summary.head || log.len() as u64 != summary.version {
            return Err(StoreError::Tampered {
                deal: deal.clone(),
                problem: format!(
                    "the log ends at version {} with head {head}, the deal's row keeps version {} \
                     with head {}: events were dropped from its end or it was rewritten",
                    log.len(),
                    summary.version,
                    summary.head
                ),
            });
        }
        let replayed = self.with_catalog(|catalog| {
            Deal::replay(deal.clone(), catalog, log.iter().map(|e| &e.event))
        })?;
        Ok(Verified {
            deal: replayed,
            head,
            log,
        })
    }

    /// [`verify`](Self::verify) for every deal, and a check that no events are stored without
    /// their deal's row.
    ///
    /// # Errors
    /// [`StoreError::Backend`] when the database fails; a deal that does not verify is a
    /// failure in the report, not an error.
    ///
    /// ```
    /// use chrono::{TimeZone, Utc};
    /// use ltc_pipeline::{Command, DealId, Envelope};
    /// use ltc_store::Store;
    /// # let dir = tempfile::tempdir().unwrap();
    /// # let path = dir.path().join("ltc.db");
    /// let mut store = Store::open_sqlite(&path)?;
    /// let at = Utc.with_ymd_and_hms(2026, 1, 5, 9, 0, 0).unwrap();
    /// for id in ["D-1", "D-2"] {
    ///     let capture = Command::CaptureLead { customer: "ACME".into(), source: "web".into(), estimate: None };
    ///     store.execute(&DealId::new(id), &Envelope::new("ops", at, capture).expecting(0))?;
    /// }
    /// assert!(store.verify_all()?.is_ok());
    /// // Someone edits an event in the database, beside the store.
    /// rusqlite::Connection::open(&path).unwrap().execute_batch(
    ///     "UPDATE ltc_events SET record = replace(record, 'ACME', 'Globex') WHERE deal = 'D-2'",
    /// ).unwrap();
    /// let report = store.verify_all()?;
    /// assert_eq!((report.deals, report.events, report.failures.len()), (2, 1, 1));
    /// assert_eq!(report.failures[0].1.code(), "tampered");
    /// # Ok::<(), ltc_store::StoreError>(())
    /// ```
    pub fn verify_all(&mut self) -> Result<VerifyReport, StoreError> {
        let mut report = VerifyReport::default();
        for summary in self.backend.summaries()? {
            report.deals += 1;
            match self.verify(&summary.deal) {
                Ok(verified) => report.events += verified.deal.version(),
                Err(StoreError::Backend { backend, message }) => {
                    return Err(StoreError::Backend { backend, message })
                }
                Err(e) => report.failures.push((summary.deal, e)),
            }
        }
        for orphan in self.backend.orphans()? {
            let deal = DealId::new(orphan);
            report.deals += 1;
            let problem = "events are stored without the deal's row".to_owned();
            report
                .failures
                .push((deal.clone(), StoreError::Tampered { deal, problem }));
        }
        Ok(report)
    }
}

/// Checks that events continue `deal` from version `expected`.
fn placed(deal: &DealId, expected: u64, events: &[Event]) -> Result<(), StoreError> {
    for (i, event) in events.iter().enumerate() {
        let version = expected.saturating_add(i as u64).saturating_add(1);
        if &event.deal != deal {
            return Err(StoreError::Misplaced {
                deal: deal.clone(),
                problem: format!("an event of deal `{}`", error::esc(&event.deal)),
            });
        }
        if event.version != version {
            return Err(StoreError::Misplaced {
                deal: deal.clone(),
                problem: format!(
                    "version {} where the append at version {expected} continues with {version}",
                    event.version
                ),
            });
        }
    }
    Ok(())
}

/// A row read back: the stored event its record holds, with the key columns checked against it.
fn read_row(row: Row) -> Result<Record, StoreError> {
    let deal = DealId::new(row.deal.as_str());
    let tampered = |problem: String| StoreError::Tampered {
        deal: deal.clone(),
        problem,
    };
    let event: StoredEvent = serde_json::from_str(&row.record).map_err(|e| {
        tampered(format!(
            "the row at position {} (version {}) is not a stored event: {e}",
            row.position, row.version
        ))
    })?;
    if event.event.deal.as_str() != row.deal || event.event.version != backend::count(row.version) {
        return Err(tampered(format!(
            "the row at position {} says deal `{}` version {}, its event deal `{}` version {}",
            row.position,
            error::esc(&row.deal),
            row.version,
            error::esc(&event.event.deal),
            event.event.version
        )));
    }
    Ok(Record {
        position: backend::count(row.position),
        event,
    })
}

fn definition_json(definition: &ProcessDefinition) -> Result<String, StoreError> {
    serde_json::to_string(definition).map_err(|e| StoreError::Backend {
        backend: "store",
        message: format!("a definition could not be written as JSON: {e}"),
    })
}

fn standard_json() -> Result<String, StoreError> {
    definition_json(&ProcessDefinition::standard())
}
