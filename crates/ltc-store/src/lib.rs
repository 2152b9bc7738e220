//! The lead-to-cash event store: deals' sealed logs, process versions and a global event stream,
//! on SQLite (one file, no server) or PostgreSQL (for services and for scale), behind one API,
//! async for services and [`blocking`] for everything else.
//!
//! The engine ([`ltc_pipeline`]) is pure; this crate is where deals live. A [`Store`] is a cheap
//! handle (`Clone + Send + Sync`) on a pool of connections, made to be kept in a service's state
//! and used from any number of tasks: [`Store::execute`] decides a command on the stored deal
//! and appends its events, the commands of concurrent callers grouped into one durable commit.
//! A command is decided on the deal as it is when it is written, so concurrent callers never
//! conflict unless one of them pinned the version it saw (`expected_version`); a command sent
//! again under its `command_id` (a retry after a timeout) is answered with what it wrote the
//! first time. Events are stored sealed ([`StoredEvent`], in the deal's SHA-256 chain continued
//! from the head kept beside the deal), each with a position on the global stream, which
//! [`Store::subscribe`] follows live; process definitions are kept by name and version, so a deal
//! replays under the versions it ran under.
//!
//! The store's work runs on a runtime and threads of its own: a call, an open or a drop never
//! blocks or panics on the caller's runtime, multi-thread or current-thread, and
//! [`blocking::Store`] offers the same API to plain threads and synchronous programs.
//!
//! # Example
//!
//! ```
//! use ltc_pipeline::{Command, CommandId, DealId, Envelope, StageKind, TimeZone, Utc};
//! use ltc_store::{Store, StoreError};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), StoreError> {
//! # let dir = tempfile::tempdir().unwrap();
//! # let path = dir.path().join("ltc.db");
//! let store = Store::open(path.to_str().unwrap()).await?; // or "postgres://user@host/db"
//! let id = DealId::new("D-1");
//! let at = Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap();
//! let capture = Envelope::new("ops", at, Command::capture_lead("ACME", "web", None))
//!     .expecting(0)
//!     .with_command_id(CommandId::new("req-1")?);
//! // Decide against the stored deal (a new one opens under `standard@1`) and append.
//! let done = store.execute(&id, &capture).await?;
//! assert_eq!((done.deal.version(), done.deal.stage_kind()), (1, Some(StageKind::Captured)));
//!
//! // The same request again (a retry after a timeout) is answered as the first time.
//! let again = store.execute(&id, &capture).await?;
//! assert_eq!(again.appended, done.appended);
//!
//! // Someone who still sees version 0 loses, and nothing of theirs is written.
//! let late = Envelope::new("ops", at, Command::capture_lead("ACME", "web", None)).expecting(0);
//! let late = store.execute(&id, &late).await.unwrap_err();
//! assert!(matches!(late, StoreError::Conflict { expected: 0, actual: 1, .. }));
//!
//! // The deal is a replay of its stored log, whose chain and head verify.
//! assert_eq!(store.load(&id).await?, *done.deal);
//! assert_eq!(store.verify(&id).await?.head, done.appended.head);
//! # Ok(())
//! # }
//! ```
//!
//! # Where to look
//!
//! - [`Store::open`]: a `postgres://` or `postgresql://` URL picks PostgreSQL, anything else is
//!   a SQLite file; the schema is created (or checked) on open. [`Options`] sets the pool, the
//!   cache, timeouts, TLS, and read-only use.
//! - Writing: [`Store::execute`] (load, decide, append), [`Store::execute_batch`],
//!   [`Store::append`] and [`Store::append_batch`] (events decided by the host),
//!   [`Store::import`] (whole logs, checked first).
//! - Reading: [`Store::load`], [`Store::log`], [`Store::logs`], [`Store::deals`],
//!   [`Store::read_stream`], [`Store::subscribe`] with durable [`Store::checkpoint`]s.
//! - Processes: [`Store::publish`], [`Store::process`], [`Store::processes`].
//! - Integrity: [`Store::verify`], [`Store::verify_all`].
//! - `docs/store.md`: choosing a backend, the schema, a store in a service, scaling out, backup.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod blocking;
mod cache;
mod engine;
mod error;
mod options;
mod postgres;
mod rows;
mod sqlite;
mod subscribe;
#[cfg(feature = "testing")]
pub mod testing;
mod tls;
mod writer;

pub use error::StoreError;
pub use options::{Options, TlsMode};
pub use subscribe::Subscription;

use cache::Cached;
use chrono::{DateTime, Utc};
use engine::Engine;
use ltc_pipeline::integrity::{self, Digest};
use ltc_pipeline::{
    Deal, DealId, Envelope, Event, Process, ProcessDefinition, ProcessRef, Processes, StoredEvent,
};
use rows::Row;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot};
use writer::{Catalog, ExecuteReply, Job, Shared};

/// The getting-started guide runs as doc tests here, where the store, the engine and the
/// incentive crate are all at hand (its host runs a deal under its own process, keeps it in this
/// store, and pays the team), so the guide stays true.
#[cfg(doctest)]
#[doc = include_str!("../../../docs/getting-started.md")]
struct GettingStartedDoctests;

/// The version of the database schema this library creates and reads.
pub const SCHEMA_VERSION: u32 = 2;

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
///
/// For a command sent again under a `command_id` the deal holds, `appended` is what the command
/// wrote the first time (the same events at the same versions and positions) and `deal` is the
/// deal as it is now.
#[derive(Debug, Clone, PartialEq)]
pub struct Executed {
    /// The deal after the command (shared with the store's cache of verified states, so that
    /// answering costs no copy of a long deal).
    pub deal: Arc<Deal>,
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

/// Something wrong with the stream, found by [`Store::verify_all`].
#[derive(Debug, Clone)]
pub(crate) struct StreamProblem {
    /// Events stored without their deal's row (a deal the list of deals does not show).
    pub(crate) orphan: bool,
    pub(crate) text: String,
}

impl StreamProblem {
    pub(crate) fn past(position: i64) -> Self {
        StreamProblem {
            orphan: false,
            text: format!(
                "an event has stream position {position}, past the last one the store gave: the \
                 stream was edited"
            ),
        }
    }

    pub(crate) fn shared(position: i64) -> Self {
        StreamProblem {
            orphan: false,
            text: format!("two events share stream position {position}: the stream was edited"),
        }
    }

    pub(crate) fn orphan() -> Self {
        StreamProblem {
            orphan: true,
            text: "events are stored without the deal's row".to_owned(),
        }
    }
}

/// The database a store reads from.
#[derive(Debug, Clone)]
pub(crate) enum Db {
    Sqlite(Arc<sqlite::Readers>),
    Postgres(postgres::Readers),
}

/// What every handle on one store shares.
#[derive(Debug)]
struct Inner {
    kind: BackendKind,
    db: Db,
    shared: Arc<Shared>,
    /// Where writes go; `None` for a store opened read-only.
    writer: Option<mpsc::UnboundedSender<Job>>,
    options: Options,
    /// Whether the store listens for other stores' commits (started with its first
    /// subscription).
    listening: std::sync::Once,
    // Last: dropped after the pools and the writer's channel, so that their tasks end on it.
    engine: Engine,
}

/// A handle on an event store. Cheap to clone; its clones share one pool of connections, one
/// writer and one cache of verified deal states, and it is `Send + Sync`: keep one in a
/// service's state and use it from every request.
///
/// Appends from many handles, stores, processes and machines are safe: a command is decided on
/// the deal as it is when its events are written, and an append that was decided on a version
/// that is gone is a [`StoreError::Conflict`], with nothing written.
#[derive(Clone, Debug)]
pub struct Store {
    inner: Arc<Inner>,
    opening: ProcessRef,
}

const _: fn() = || {
    fn shareable<T: Clone + Send + Sync + 'static>() {}
    shareable::<Store>();
};

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
    /// Opens a store with the default [`Options`]: a PostgreSQL database when [`is_postgres`]
    /// says the location names one, else the path of a SQLite file (created if missing). The
    /// schema is created when the database has none, and checked when it has one.
    ///
    /// # Errors
    /// [`StoreError::Backend`] when the database cannot be opened or reached;
    /// [`StoreError::SchemaVersion`] when its schema is of another version.
    ///
    /// ```
    /// use ltc_store::{BackendKind, Store};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), ltc_store::StoreError> {
    /// let dir = tempfile::tempdir().unwrap();
    /// let store = Store::open(dir.path().join("ltc.db").to_str().unwrap()).await?;
    /// assert_eq!(store.kind(), BackendKind::Sqlite);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn open(location: &str) -> Result<Self, StoreError> {
        Self::open_with(location, Options::default()).await
    }

    /// Opens (or creates) a SQLite store in the file at `path`.
    ///
    /// # Errors
    /// As [`Store::open`].
    pub async fn open_sqlite(path: impl AsRef<Path>) -> Result<Self, StoreError> {
        Self::open_sqlite_with(path, Options::default()).await
    }

    /// Opens a PostgreSQL store: `url` is a libpq connection string or URL
    /// (`postgres://user:password@host:5432/database?sslmode=verify-full`).
    ///
    /// # Errors
    /// As [`Store::open`].
    pub async fn open_postgres(url: &str) -> Result<Self, StoreError> {
        Self::open_postgres_with(url, Options::default()).await
    }

    /// [`open`](Self::open) with options: the pool's size, the cache, timeouts, TLS, read-only.
    ///
    /// # Errors
    /// As [`Store::open`]; [`StoreError::NoStore`] when the options say read-only and there is no
    /// store at the location.
    pub async fn open_with(location: &str, options: Options) -> Result<Self, StoreError> {
        if is_postgres(location) {
            Self::open_postgres_with(location, options).await
        } else {
            Self::open_sqlite_with(location, options).await
        }
    }

    /// [`open_sqlite`](Self::open_sqlite) with options.
    ///
    /// # Errors
    /// As [`Store::open_with`].
    #[tracing::instrument(name = "ltc_store.open", level = "info", skip_all, fields(backend = "sqlite", path = %path.as_ref().display()))]
    pub async fn open_sqlite_with(
        path: impl AsRef<Path>,
        options: Options,
    ) -> Result<Self, StoreError> {
        let path = path.as_ref().to_path_buf();
        let engine = Engine::start(options.worker_threads())?;
        let opened = {
            let options = options.clone();
            engine
                .blocking(move || sqlite::open(&path, &options, &standard_json()?))
                .await?
        };
        let catalog = writer::catalog_of(&Arc::new(BTreeMap::new()), opened.definitions)?;
        let shared = shared(&options, catalog, opened.last_position);
        let writer = match opened.writer {
            Some(w) => Some(sqlite::start_writer(w, shared.clone())?),
            None => None,
        };
        Ok(Self::assemble(
            BackendKind::Sqlite,
            Db::Sqlite(Arc::new(opened.readers)),
            shared,
            writer,
            options,
            engine,
        ))
    }

    /// [`open_postgres`](Self::open_postgres) with options.
    ///
    /// # Errors
    /// As [`Store::open_with`].
    #[tracing::instrument(
        name = "ltc_store.open",
        level = "info",
        skip_all,
        fields(backend = "postgres")
    )]
    pub async fn open_postgres_with(url: &str, options: Options) -> Result<Self, StoreError> {
        let engine = Engine::start(options.worker_threads())?;
        let opened = {
            let (url, options) = (url.to_owned(), options.clone());
            let standard = standard_json()?;
            engine
                .run(async move { postgres::open(&url, &options, &standard).await })
                .await?
        };
        let catalog = writer::catalog_of(&Arc::new(BTreeMap::new()), opened.definitions)?;
        let shared = shared(&options, catalog, opened.last_position);
        let writer = match opened.writer {
            Some(w) => Some(postgres::start_writer(w, shared.clone())?),
            None => None,
        };
        Ok(Self::assemble(
            BackendKind::Postgres,
            Db::Postgres(opened.readers),
            shared,
            writer,
            options,
            engine,
        ))
    }

    fn assemble(
        kind: BackendKind,
        db: Db,
        shared: Arc<Shared>,
        writer: Option<mpsc::UnboundedSender<Job>>,
        options: Options,
        engine: Engine,
    ) -> Self {
        Store {
            inner: Arc::new(Inner {
                kind,
                db,
                shared,
                writer,
                options,
                listening: std::sync::Once::new(),
                engine,
            }),
            opening: Process::standard().reference().clone(),
        }
    }

    /// The database this store runs on.
    pub fn kind(&self) -> BackendKind {
        self.inner.kind
    }

    /// The options it was opened with.
    pub fn options(&self) -> &Options {
        &self.inner.options
    }

    /// The process version a new deal is opened under by [`execute`](Self::execute) through this
    /// handle (`standard@1` unless [`set_opening`](Self::set_opening) chose another).
    pub fn opening(&self) -> &ProcessRef {
        &self.opening
    }

    /// Chooses the process version new deals are opened under through this handle (and the
    /// clones made of it after). It must be published when a deal is opened (`unknown_process`
    /// otherwise).
    ///
    /// ```
    /// use ltc_pipeline::{ProcessDefinition, ProcessRef};
    /// use ltc_store::Store;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), ltc_store::StoreError> {
    /// # let dir = tempfile::tempdir().unwrap();
    /// let mut store = Store::open_sqlite(dir.path().join("ltc.db")).await?;
    /// let mut v2 = ProcessDefinition::standard();
    /// v2.version = 2;
    /// store.publish(v2).await?;
    /// store.set_opening(ProcessRef::new("standard", 2));
    /// let opening = store.opening().clone();
    /// assert_eq!(store.process(&opening).await?.reference().version, 2);
    /// # Ok(())
    /// # }
    /// ```
    pub fn set_opening(&mut self, process: ProcessRef) {
        self.opening = process;
    }

    /// The same store with new deals opened under `process` (see
    /// [`set_opening`](Self::set_opening)).
    #[must_use]
    pub fn opening_under(mut self, process: ProcessRef) -> Self {
        self.opening = process;
        self
    }

    // ---- writing ---------------------------------------------------------------------------

    fn send<T>(&self, job: Job, answer: oneshot::Receiver<Result<T, StoreError>>) -> Pending<T> {
        let sent = match &self.inner.writer {
            Some(writer) => writer.send(job).map_err(|_| StoreError::Closed),
            None => Err(StoreError::ReadOnly),
        };
        Pending { sent, answer }
    }

    /// Appends the events decided on deal `deal` at version `expected` (0 for a new deal):
    /// sealed after the deal's stored head, given the next stream positions, in one
    /// transaction.
    ///
    /// The events must be what [`ltc_pipeline::decide`] returned on the deal at that version:
    /// the store checks where they go (the deal, the versions), not the rules, so that a host
    /// that decides in memory appends without the store reading each deal back. The rules are
    /// enforced when the log is read: [`load`](Self::load), [`verify`](Self::verify) and
    /// [`execute`](Self::execute) replay it, and an event the rules would not have written (a
    /// forged outcome) makes them refuse the deal with `invalid_event` from then on. A host that
    /// does not keep the state itself uses [`execute`](Self::execute).
    ///
    /// # Errors
    /// [`StoreError::Conflict`] when the deal is no longer at `expected`: nothing is written;
    /// [`StoreError::Misplaced`] for an event of another deal or out of sequence;
    /// [`StoreError::Backend`] when the database fails (nothing is written).
    ///
    /// ```
    /// use ltc_pipeline::{Command, Deal, DealId, Process, TimeZone, Utc};
    /// use ltc_store::{Store, StoreError};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), StoreError> {
    /// # let dir = tempfile::tempdir().unwrap();
    /// let store = Store::open_sqlite(dir.path().join("ltc.db")).await?;
    /// let mut deal = Deal::new(DealId::new("D-1"));
    /// let at = Utc.with_ymd_and_hms(2026, 1, 5, 9, 0, 0).unwrap();
    /// let capture = Command::capture_lead("ACME", "web", None);
    /// let events = deal.execute(&Process::standard(), &capture, &"ops".into(), at)?;
    /// let appended = store.append(deal.id(), 0, events.clone()).await?;
    /// assert_eq!((appended.version, appended.first_position), (1, 1));
    /// // The same events again, decided on version 0, lose: the deal is at 1.
    /// let again = store.append(deal.id(), 0, events).await.unwrap_err();
    /// assert_eq!(again.code(), "conflict");
    /// # Ok(())
    /// # }
    /// ```
    pub async fn append(
        &self,
        deal: &DealId,
        expected: u64,
        events: Vec<Event>,
    ) -> Result<Appended, StoreError> {
        let batch = vec![Append {
            deal: deal.clone(),
            expected,
            events,
        }];
        let mut appended = self.append_batch(batch).await?;
        appended.pop().ok_or_else(|| StoreError::Backend {
            backend: "store",
            message: "an append of one deal returned nothing".into(),
        })
    }

    /// Appends several deals' events (or several commands of one deal, each at the version the
    /// one before it leaves) in one transaction: all are written, or none.
    ///
    /// # Errors
    /// As [`append`](Self::append), for the first item that fails; then nothing of the batch is
    /// written.
    #[tracing::instrument(name = "ltc_store.append", level = "debug", skip_all, fields(items = batch.len(), events = batch.iter().map(|a| a.events.len()).sum::<usize>()))]
    pub async fn append_batch(&self, batch: Vec<Append>) -> Result<Vec<Appended>, StoreError> {
        for item in &batch {
            placed(&item.deal, item.expected, &item.events)?;
        }
        let (reply, answer) = oneshot::channel();
        self.send(
            Job::Append {
                items: batch,
                reply,
            },
            answer,
        )
        .await
    }

    /// Decides a command against the stored deal and appends its events: the call a host makes
    /// for each request. A deal the store does not hold starts at version 0 (its first command
    /// must be `capture_lead`, decided under [`opening`](Self::opening)).
    ///
    /// The command is decided on the deal as it is when the events are written (its row locked
    /// meanwhile), so callers that do not pin a version never conflict. With
    /// `expected_version`, a deal at another version is a [`StoreError::Conflict`]: the sender
    /// decided on a state that is gone. With a `command_id`, the command is kept under it: the
    /// same command sent again (the same actor, expected version and command; its `at` may
    /// differ, as a host that owns the clock stamps a retry anew) is answered with what it wrote
    /// the first time and writes nothing, another command under the same id is refused
    /// (`command_id_reused`).
    ///
    /// # Errors
    /// [`StoreError::Conflict`] when the envelope's `expected_version` is not the stored version;
    /// [`StoreError::CommandIdReused`]; [`StoreError::Engine`] when the rules refuse the command
    /// (nothing is written); as [`load`](Self::load) for a stored log that does not verify.
    ///
    /// ```
    /// use ltc_pipeline::{Command, DealId, Envelope, TimeZone, Utc};
    /// use ltc_store::Store;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), ltc_store::StoreError> {
    /// # let dir = tempfile::tempdir().unwrap();
    /// let store = Store::open_sqlite(dir.path().join("ltc.db")).await?;
    /// let at = Utc.with_ymd_and_hms(2026, 1, 5, 9, 0, 0).unwrap();
    /// let qualify = Envelope::new("ana", at, Command::QualifyLead {});
    /// // A new deal starts with a capture: the rules refuse, nothing is written.
    /// let refused = store.execute(&DealId::new("D-1"), &qualify).await.unwrap_err();
    /// assert_eq!(refused.code(), "not_opened");
    /// assert!(store.deals().await?.is_empty());
    /// # Ok(())
    /// # }
    /// ```
    #[tracing::instrument(name = "ltc_store.execute", level = "debug", skip_all, fields(deal = %deal, expected_version = envelope.expected_version, command_id = envelope.command_id.as_ref().map(|c| c.as_str())))]
    pub async fn execute(
        &self,
        deal: &DealId,
        envelope: &Envelope,
    ) -> Result<Executed, StoreError> {
        let (reply, answer) = oneshot::channel();
        self.send(
            Job::Execute {
                commands: vec![(deal.clone(), envelope.clone())],
                opening: self.opening.clone(),
                reply: ExecuteReply::One(reply),
            },
            answer,
        )
        .await
    }

    /// Decides several commands (on one deal or many, in order: a command on a deal is decided
    /// on the state the ones before it leave) and appends all their events in one transaction,
    /// or none of them.
    ///
    /// # Errors
    /// As [`execute`](Self::execute), for the first command that fails; nothing is written.
    ///
    /// ```
    /// use ltc_pipeline::{Command, DealId, Envelope, TimeZone, Utc};
    /// use ltc_store::Store;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), ltc_store::StoreError> {
    /// # let dir = tempfile::tempdir().unwrap();
    /// let store = Store::open_sqlite(dir.path().join("ltc.db")).await?;
    /// let at = Utc.with_ymd_and_hms(2026, 1, 5, 9, 0, 0).unwrap();
    /// let id = DealId::new("D-1");
    /// let grade = Command::grade_lead([("budget", 4), ("decision_chain", 3), ("urgency", 5)]);
    /// let written = store.execute_batch(&[
    ///     (id.clone(), Envelope::new("ops", at, Command::capture_lead("ACME", "web", None))),
    ///     (id.clone(), Envelope::new("ana", at, grade)),
    /// ]).await?;
    /// assert_eq!(written.iter().map(|a| a.version).collect::<Vec<_>>(), [1, 2]);
    /// # Ok(())
    /// # }
    /// ```
    #[tracing::instrument(name = "ltc_store.execute_batch", level = "debug", skip_all, fields(commands = commands.len()))]
    pub async fn execute_batch(
        &self,
        commands: &[(DealId, Envelope)],
    ) -> Result<Vec<Appended>, StoreError> {
        let (reply, answer) = oneshot::channel();
        self.send(
            Job::Execute {
                commands: commands.to_vec(),
                opening: self.opening.clone(),
                reply: ExecuteReply::Many(reply),
            },
            answer,
        )
        .await
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
    pub async fn import(&self, logs: Vec<Vec<StoredEvent>>) -> Result<Imported, StoreError> {
        self.import_with(logs, |_, _| ()).await
    }

    /// [`import`](Self::import), telling `progress` how many logs have been checked of how many
    /// (for a progress bar on a long import).
    ///
    /// # Errors
    /// As [`import`](Self::import).
    #[tracing::instrument(name = "ltc_store.import", level = "info", skip_all, fields(deals = logs.len()))]
    pub async fn import_with(
        &self,
        logs: Vec<Vec<StoredEvent>>,
        mut progress: impl FnMut(u64, u64) + Send + 'static,
    ) -> Result<Imported, StoreError> {
        let catalog = self.refreshed_catalog().await?;
        let logs = self
            .inner
            .engine
            .blocking(move || {
                let mut seen = BTreeSet::new();
                let total = logs.len() as u64;
                for (checked, log) in logs.iter().enumerate() {
                    let Some(first) = log.first() else {
                        return Err(StoreError::Misplaced {
                            deal: DealId::new(""),
                            problem: "an empty log: a log to import starts with the deal's first \
                                      event"
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
                    Deal::replay(deal.clone(), catalog.as_ref(), log.iter().map(|e| &e.event))?;
                    progress(checked as u64 + 1, total);
                }
                Ok(logs)
            })
            .await?;
        let (reply, answer) = oneshot::channel();
        self.send(Job::Import { logs, reply }, answer).await
    }

    // ---- reading ---------------------------------------------------------------------------

    async fn read<T: Send + 'static>(
        &self,
        op: impl FnOnce(&rusqlite::Connection) -> Result<T, StoreError> + Send + 'static,
        pg: impl for<'c> FnOnce(
                &'c deadpool_postgres::Client,
            ) -> std::pin::Pin<
                Box<dyn std::future::Future<Output = Result<T, StoreError>> + Send + 'c>,
            > + Send
            + 'static,
    ) -> Result<T, StoreError> {
        match &self.inner.db {
            Db::Sqlite(readers) => {
                let readers = readers.clone();
                self.inner.engine.blocking(move || readers.with(op)).await
            }
            Db::Postgres(readers) => {
                let readers = readers.clone();
                self.inner
                    .engine
                    .run(async move {
                        let client = readers.get().await?;
                        pg(&client).await
                    })
                    .await
            }
        }
    }

    /// The deal's row: its version, head and times; `None` when the store does not hold it.
    ///
    /// # Errors
    /// [`StoreError::Backend`].
    pub async fn summary(&self, deal: &DealId) -> Result<Option<DealSummary>, StoreError> {
        let (d1, d2) = (deal.clone(), deal.clone());
        self.read(
            move |c| sqlite::summary(c, &d1),
            move |c| Box::pin(async move { postgres::summary(c, &d2).await }),
        )
        .await
    }

    async fn stamped(&self, deal: &DealId) -> Result<Option<rows::Stamped>, StoreError> {
        let (d1, d2) = (deal.clone(), deal.clone());
        self.read(
            move |c| sqlite::stamped(c, &d1),
            move |c| Box::pin(async move { postgres::stamped(c, &d2).await }),
        )
        .await
    }

    /// Every deal the store holds, by id.
    ///
    /// # Errors
    /// [`StoreError::Backend`].
    pub async fn deals(&self) -> Result<Vec<DealSummary>, StoreError> {
        self.read(sqlite::summaries, |c| {
            Box::pin(async move { postgres::summaries(c).await })
        })
        .await
    }

    async fn rows(&self, deal: &DealId, after: u64) -> Result<Vec<Row>, StoreError> {
        let (d1, d2) = (deal.clone(), deal.clone());
        self.read(
            move |c| sqlite::rows(c, &d1, after),
            move |c| Box::pin(async move { postgres::rows(c, &d2, after).await }),
        )
        .await
    }

    /// The deal's stored log, in version order (what `ltc export` prints).
    ///
    /// # Errors
    /// [`StoreError::UnknownDeal`] when the store does not hold the deal;
    /// [`StoreError::Tampered`] for a row that is not the stored event its columns say.
    pub async fn log(&self, deal: &DealId) -> Result<Vec<StoredEvent>, StoreError> {
        let rows = self.rows(deal, 0).await?;
        if rows.is_empty() {
            return Err(StoreError::UnknownDeal { deal: deal.clone() });
        }
        rows.into_iter()
            .map(|row| rows::read_row(row).map(|r| r.event))
            .collect()
    }

    /// Every deal's log, deal by deal in id order, read one deal at a time: the memory it takes
    /// is the largest deal's, not the store's (for reports and exports over a whole store).
    ///
    /// ```
    /// use futures_util::TryStreamExt;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), ltc_store::StoreError> {
    /// # let dir = tempfile::tempdir().unwrap();
    /// let store = ltc_store::Store::open_sqlite(dir.path().join("ltc.db")).await?;
    /// let logs: Vec<_> = store.logs().try_collect().await?;
    /// assert!(logs.is_empty());
    /// # Ok(())
    /// # }
    /// ```
    pub fn logs(
        &self,
    ) -> impl futures_core::Stream<Item = Result<(DealId, Vec<StoredEvent>), StoreError>> + Send + 'static
    {
        let store = self.clone();
        futures_util::stream::unfold(
            (store, None::<std::vec::IntoIter<DealSummary>>),
            |(store, deals)| async move {
                let mut deals = match deals {
                    Some(deals) => deals,
                    None => match store.deals().await {
                        Ok(d) => d.into_iter(),
                        Err(e) => return Some((Err(e), (store, Some(Vec::new().into_iter())))),
                    },
                };
                let next = deals.next()?;
                let log = store.log(&next.deal).await.map(|log| (next.deal, log));
                Some((log, (store, Some(deals))))
            },
        )
    }

    /// The deal, replayed from its stored log under the process versions it ran under, after
    /// its log is checked as [`verify`](Self::verify) checks it (the chain, the head kept beside
    /// the deal): a deal is never read, nor a command decided on it, from a log edited in the
    /// database. A state verified before is used again while the deal's row keeps the same
    /// version and head, and brought up to date from the events after it when the deal moved on.
    ///
    /// # Errors
    /// [`StoreError::UnknownDeal`]; [`StoreError::Tampered`]; [`StoreError::Engine`] when the
    /// log does not replay (`invalid_event`, or `unknown_process` for a version the store does
    /// not keep).
    #[tracing::instrument(name = "ltc_store.load", level = "debug", skip_all, fields(deal = %deal))]
    pub async fn load(&self, deal: &DealId) -> Result<Deal, StoreError> {
        let Some((row, stamp)) = self.stamped(deal).await? else {
            return match self.rows(deal, 0).await?.len() {
                0 => Err(StoreError::UnknownDeal { deal: deal.clone() }),
                n => Err(StoreError::Tampered {
                    deal: deal.clone(),
                    problem: format!("{n} events are stored without the deal's row"),
                }),
            };
        };
        let cached = self.inner.shared.cache.get(deal);
        if let Some(c) = &cached {
            if c.stands_for(&row, &stamp) {
                return Ok((*c.deal).clone());
            }
        }
        match cached {
            Some(c) if c.is_prefix_of(&row, &stamp) => {
                let rows = self.rows(deal, c.version()).await?;
                let catalog = self.inner.shared.catalog();
                let (id, summary) = (deal.clone(), row.clone());
                let moved = self
                    .inner
                    .engine
                    .blocking(move || writer::continue_log(&id, &summary, c, rows, &catalog))
                    .await;
                match moved {
                    Ok(state) => {
                        self.inner.shared.cache.put(Cached {
                            head: row.head,
                            edits: stamp.edits,
                            deal: Arc::new(state.clone()),
                        });
                        return Ok(state);
                    }
                    // Another connection's append committed after the row was read, or the
                    // log was rewritten: read whole.
                    Err(_) => self.inner.shared.cache.forget(deal),
                }
            }
            _ => {}
        }
        let verified = self.verify(deal).await?;
        Ok(verified.deal)
    }

    /// Up to `limit` events of every deal after stream position `after` (0 for the start), in
    /// position order: what a projection, a report or an export reads, and resumes from the
    /// last position it saw. Positions follow commit order, so a reader that resumes misses
    /// nothing committed later.
    ///
    /// # Errors
    /// [`StoreError::Backend`]; [`StoreError::Tampered`] for a row that is not a stored event.
    #[tracing::instrument(
        name = "ltc_store.read_stream",
        level = "debug",
        skip_all,
        fields(after, limit)
    )]
    pub async fn read_stream(&self, after: u64, limit: usize) -> Result<Vec<Record>, StoreError> {
        // Positions and counts are kept as 64-bit signed integers: past them there is nothing,
        // and a larger limit means everything.
        let most = i64::MAX.unsigned_abs();
        if after >= most || limit == 0 {
            return Ok(Vec::new());
        }
        let limit = u64::try_from(limit).unwrap_or(most).min(most);
        let rows = self
            .read(
                move |c| sqlite::stream(c, after, limit),
                move |c| Box::pin(async move { postgres::stream(c, after, limit).await }),
            )
            .await?;
        rows.into_iter().map(rows::read_row).collect()
    }

    /// The position of the last event written (0 for an empty store).
    ///
    /// # Errors
    /// [`StoreError::Backend`].
    pub async fn last_position(&self) -> Result<u64, StoreError> {
        self.read(sqlite::last_position, |c| {
            Box::pin(async move { postgres::pooled_last_position(c).await })
        })
        .await
    }

    /// Every stream record after `after`, then each new one as it commits, in stream order,
    /// none skipped: a catch-up subscription. On PostgreSQL it wakes on `NOTIFY` from every
    /// writer; on SQLite on this store's own commits at once, and on other processes' commits
    /// within [`Options::poll_interval`].
    ///
    /// Keep the position of the last record handled with [`checkpoint`](Self::checkpoint) and
    /// subscribe after it on restart: each record is seen at least once.
    ///
    /// ```
    /// use futures_util::StreamExt;
    /// use ltc_pipeline::{Command, DealId, Envelope, TimeZone, Utc};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), ltc_store::StoreError> {
    /// # let dir = tempfile::tempdir().unwrap();
    /// let store = ltc_store::Store::open_sqlite(dir.path().join("ltc.db")).await?;
    /// let mut records = store.subscribe(0);
    /// let at = Utc.with_ymd_and_hms(2026, 1, 5, 9, 0, 0).unwrap();
    /// let capture = Envelope::new("ops", at, Command::capture_lead("ACME", "web", None));
    /// store.execute(&DealId::new("D-1"), &capture).await?;
    /// let first = records.next().await.unwrap()?;
    /// assert_eq!((first.position, first.event.event.deal.as_str()), (1, "D-1"));
    /// # Ok(())
    /// # }
    /// ```
    pub fn subscribe(&self, after: u64) -> Subscription {
        tracing::debug!(target: "ltc_store.subscribe", after, "subscribed");
        self.inner.listening.call_once(|| self.listen());
        Subscription::new(self.clone(), after)
    }

    /// Keeps `position` as the checkpoint called `name` (a subscriber's last record handled),
    /// durably, in the store.
    ///
    /// # Errors
    /// [`StoreError::Backend`]; [`StoreError::ReadOnly`] for a store opened read-only.
    pub async fn checkpoint(&self, name: &str, position: u64) -> Result<(), StoreError> {
        if self.inner.writer.is_none() {
            return Err(StoreError::ReadOnly);
        }
        let (n1, n2) = (name.to_owned(), name.to_owned());
        let position = rows::int(position)?;
        self.read(
            move |c| sqlite::checkpoint(c, &n1, position),
            move |c| Box::pin(async move { postgres::checkpoint(c, &n2, position).await }),
        )
        .await
    }

    /// The checkpoint called `name`, or `None` when none was kept.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), ltc_store::StoreError> {
    /// # let dir = tempfile::tempdir().unwrap();
    /// let store = ltc_store::Store::open_sqlite(dir.path().join("ltc.db")).await?;
    /// assert_eq!(store.checkpoint_of("mailer").await?, None);
    /// store.checkpoint("mailer", 42).await?;
    /// assert_eq!(store.checkpoint_of("mailer").await?, Some(42));
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    /// [`StoreError::Backend`].
    pub async fn checkpoint_of(&self, name: &str) -> Result<Option<u64>, StoreError> {
        let (n1, n2) = (name.to_owned(), name.to_owned());
        self.read(
            move |c| sqlite::checkpoint_of(c, &n1),
            move |c| Box::pin(async move { postgres::checkpoint_of(c, &n2).await }),
        )
        .await
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
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), StoreError> {
    /// # let dir = tempfile::tempdir().unwrap();
    /// let store = Store::open_sqlite(dir.path().join("ltc.db")).await?;
    /// let mut v2 = ProcessDefinition::standard();
    /// v2.version = 2;
    /// assert!(matches!(store.publish(v2.clone()).await?, Published::Added(_)));
    /// assert!(matches!(store.publish(v2.clone()).await?, Published::Unchanged(_)));
    /// v2.roles.push("legal".into());
    /// assert_eq!(store.publish(v2).await.unwrap_err().code(), "process_exists");
    /// assert_eq!(store.processes().await?.len(), 2);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn publish(&self, definition: ProcessDefinition) -> Result<Published, StoreError> {
        if self.inner.writer.is_none() {
            return Err(StoreError::ReadOnly);
        }
        let process = Process::new(definition)?;
        let reference = process.reference().clone();
        let json = definition_json(process.definition())?;
        let version = i64::from(reference.version);
        let (name1, json1) = (reference.name.clone(), json.clone());
        let (name2, json2) = (reference.name.clone(), json);
        let kept = self
            .read(
                move |c| sqlite::publish(c, &name1, version, &json1),
                move |c| {
                    Box::pin(async move { postgres::publish(c, &name2, version, &json2).await })
                },
            )
            .await?;
        match kept {
            None => {
                let mut catalog = (*self.inner.shared.catalog()).clone();
                catalog.insert(reference.clone(), process);
                self.inner.shared.set_catalog(Arc::new(catalog));
                Ok(Published::Added(reference))
            }
            Some(kept) => {
                let kept: ProcessDefinition =
                    serde_json::from_str(&kept).map_err(|e| StoreError::CorruptDefinition {
                        process: reference.clone(),
                        problem: e.to_string(),
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
    pub async fn process(&self, reference: &ProcessRef) -> Result<Process, StoreError> {
        let catalog = self.inner.shared.catalog();
        if let Some(process) = catalog.get(reference) {
            return Ok(process.clone());
        }
        let catalog = self.refreshed_catalog().await?;
        Ok(Processes::get(catalog.as_ref(), reference)?.clone())
    }

    /// Every published process, by name and version: a catalog [`Deal::replay`] reads
    /// ([`Processes`]), read from the database.
    ///
    /// # Errors
    /// [`StoreError::Backend`]; [`StoreError::CorruptDefinition`] for a stored definition that
    /// no longer reads or validates.
    pub async fn processes(&self) -> Result<Arc<BTreeMap<ProcessRef, Process>>, StoreError> {
        self.refreshed_catalog().await
    }

    /// Reads the published definitions again (another connection may have published).
    async fn refreshed_catalog(&self) -> Result<Catalog, StoreError> {
        let definitions = self
            .read(sqlite::definitions, |c| {
                Box::pin(async move { postgres::pooled_definitions(c).await })
            })
            .await?;
        let catalog = writer::catalog_of(&self.inner.shared.catalog(), definitions)?;
        self.inner.shared.set_catalog(catalog.clone());
        Ok(catalog)
    }

    /// Runs `f` over the catalog; when it misses a process version, reads the catalog again
    /// (another connection may have published it) and runs `f` once more.
    async fn with_catalog<T>(
        &self,
        f: impl Fn(&BTreeMap<ProcessRef, Process>) -> Result<T, ltc_pipeline::Error>,
    ) -> Result<T, StoreError> {
        match f(self.inner.shared.catalog().as_ref()) {
            Err(ltc_pipeline::Error::UnknownProcess { .. }) => {
                let catalog = self.refreshed_catalog().await?;
                Ok(f(catalog.as_ref())?)
            }
            other => Ok(other?),
        }
    }

    // ---- integrity -------------------------------------------------------------------------

    /// Checks a deal's stored log whole: every row is the stored event its columns say, its
    /// stream positions increase with its versions, the chain links hold from the first event
    /// to the last, the last link is the head kept in the deal's row (so events dropped from the
    /// end are caught), and the log replays. It never uses a cached state.
    ///
    /// # Errors
    /// [`StoreError::UnknownDeal`]; [`StoreError::Tampered`] naming what does not hold;
    /// [`StoreError::Engine`] when the log does not replay.
    #[tracing::instrument(name = "ltc_store.verify", level = "debug", skip_all, fields(deal = %deal))]
    pub async fn verify(&self, deal: &DealId) -> Result<Verified, StoreError> {
        // The row first, then the events: an append that commits in between adds events after
        // the version the row said, never removes one, so the log up to that version is checked.
        let mut stamped = self.stamped(deal).await?;
        let mut rows = self.rows(deal, 0).await?;
        if stamped.is_none() && !rows.is_empty() {
            // The deal's first append may have committed between the two reads: read again.
            stamped = self.stamped(deal).await?;
            if stamped.is_some() {
                rows = self.rows(deal, 0).await?;
            }
        }
        let edits = stamped.as_ref().map_or(0, |(_, stamp)| stamp.edits);
        let summary = stamped.map(|(summary, _)| summary);
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
            let again = self.summary(deal).await?;
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
        let mut last_position = 0;
        let mut log = Vec::with_capacity(rows.len());
        for row in rows {
            let record = rows::read_row(row)?;
            if record.position <= last_position {
                return Err(StoreError::Tampered {
                    deal: deal.clone(),
                    problem: format!(
                        "the event of version {} has stream position {}, not after {}, the \
                         position of the version before it",
                        record.event.event.version, record.position, last_position
                    ),
                });
            }
            last_position = record.position;
            log.push(record.event);
        }
        let catalog = self.inner.shared.catalog();
        let checked = {
            let (deal, summary) = (deal.clone(), summary.clone());
            self.inner
                .engine
                .blocking(move || {
                    let state = check_log(&deal, &summary, &log, catalog.as_ref());
                    Ok((state, log))
                })
                .await?
        };
        let (state, log) = match checked {
            (Err(StoreError::Engine(ltc_pipeline::Error::UnknownProcess { .. })), log) => {
                let state = self
                    .with_catalog(|catalog| {
                        Deal::replay(deal.clone(), catalog, log.iter().map(|e| &e.event))
                    })
                    .await?;
                (state, log)
            }
            (state, log) => (state?, log),
        };
        self.inner.shared.cache.put(Cached {
            head: summary.head,
            edits,
            deal: Arc::new(state.clone()),
        });
        Ok(Verified {
            deal: state,
            head: summary.head,
            log,
        })
    }

    /// [`verify`](Self::verify) for every deal, one deal at a time (memory bounded by the
    /// largest deal), and a check of the stream: no two events share a position, none is past
    /// the last position the store gave, and no events are stored without their deal's row.
    ///
    /// # Errors
    /// [`StoreError::Backend`] when the database fails; a deal that does not verify is a
    /// failure in the report, not an error.
    #[tracing::instrument(name = "ltc_store.verify_all", level = "info", skip_all)]
    pub async fn verify_all(&self) -> Result<VerifyReport, StoreError> {
        let mut report = VerifyReport::default();
        for summary in self.deals().await? {
            report.deals += 1;
            match self.verify(&summary.deal).await {
                Ok(verified) => report.events += verified.deal.version(),
                Err(StoreError::Backend { backend, message }) => {
                    return Err(StoreError::Backend { backend, message })
                }
                Err(e) => report.failures.push((summary.deal, e)),
            }
        }
        let stream = self
            .read(sqlite::stream_problems, |c| {
                Box::pin(async move { postgres::stream_problems(c).await })
            })
            .await?;
        for (deal, problem) in stream {
            let deal = DealId::new(deal);
            if !report.failures.iter().any(|(d, _)| d == &deal) {
                report.deals += u64::from(problem.orphan);
                report.failures.push((
                    deal.clone(),
                    StoreError::Tampered {
                        deal,
                        problem: problem.text,
                    },
                ));
            }
        }
        Ok(report)
    }
}

/// A write on its way: sent to the writer, and its answer.
struct Pending<T> {
    sent: Result<(), StoreError>,
    answer: oneshot::Receiver<Result<T, StoreError>>,
}

impl<T> std::future::IntoFuture for Pending<T>
where
    T: Send + 'static,
{
    type Output = Result<T, StoreError>;
    type IntoFuture = std::pin::Pin<Box<dyn std::future::Future<Output = Self::Output> + Send>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(async move {
            self.sent?;
            self.answer.await.map_err(|_| StoreError::Closed)?
        })
    }
}

fn shared(options: &Options, catalog: Catalog, last_position: u64) -> Arc<Shared> {
    Arc::new(Shared {
        cache: cache::Cache::new(options.cache_deals),
        heads: writer::Heads::new(options.cache_deals.max(1024)),
        catalog: std::sync::RwLock::new(catalog),
        committed: tokio::sync::watch::channel(last_position).0,
        retries: options.retries,
        max_group: options.max_group.max(1),
    })
}

/// Checks a whole log against the deal's row: its chain, that it ends at the row's version and
/// head, and its replay under the rules.
pub(crate) fn check_log<P: Processes + ?Sized>(
    deal: &DealId,
    summary: &DealSummary,
    log: &[StoredEvent],
    catalog: &P,
) -> Result<Deal, StoreError> {
    let head = integrity::verify(log).map_err(|e| StoreError::from_chain(deal, e))?;
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
    Ok(Deal::replay(
        deal.clone(),
        catalog,
        log.iter().map(|e| &e.event),
    )?)
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

fn definition_json(definition: &ProcessDefinition) -> Result<String, StoreError> {
    serde_json::to_string(definition).map_err(|e| StoreError::Backend {
        backend: "store",
        message: format!("a definition could not be written as JSON: {e}"),
    })
}

fn standard_json() -> Result<String, StoreError> {
    definition_json(&ProcessDefinition::standard())
}
