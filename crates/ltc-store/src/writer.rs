//! The one place a store writes: a task of its own that takes every write sent to the store
//! (from any number of callers, tasks and threads), groups what is waiting into one transaction
//! (group commit: one durable commit for many commands), and answers each caller with its own
//! outcome. The rules of writing live here once, over the few statements each database gives
//! ([`Tx`]).
//!
//! A transaction locks the rows of the deals it writes (in id order, so two transactions never
//! wait on each other in a circle), reads their states under the lock (the cache, brought up to
//! date when another writer moved a deal on), decides the commands on them, and writes; so a
//! command is always decided on the deal as it is, and two callers never conflict unless one of
//! them pinned a version. A command that fails (refused, a pinned version that is gone, a used
//! command id) leaves the others of the group untouched.

use crate::cache::{Cache, Cached};
use crate::rows::{read_row, CommandRow, Row, Stamp, Stamped};
use crate::{error, Append, Appended, DealSummary, Executed, Imported, StoreError};
use ltc_pipeline::integrity::{self, Digest};
use ltc_pipeline::{
    CommandId, Deal, DealId, Envelope, Event, Process, ProcessDefinition, ProcessRef, Processes,
    StoredEvent,
};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Arc, RwLock};
use tokio::sync::{mpsc, oneshot, watch};

/// Where an answer goes.
pub(crate) type Reply<T> = oneshot::Sender<Result<T, StoreError>>;

/// The published processes, shared by the writer and the readers.
pub(crate) type Catalog = Arc<BTreeMap<ProcessRef, Process>>;

/// What a caller asks the writer for.
pub(crate) enum Job {
    /// Commands decided on the stored deals, in order; all written or none.
    Execute {
        commands: Vec<(DealId, Envelope)>,
        opening: ProcessRef,
        reply: ExecuteReply,
    },
    /// Events decided by the host, each item at the version it was decided on; all or none.
    Append {
        items: Vec<Append>,
        reply: Reply<Vec<Appended>>,
    },
    /// Whole logs, checked already; all or none.
    Import {
        logs: Vec<Vec<StoredEvent>>,
        reply: Reply<Imported>,
    },
}

/// An execution job taken apart: its commands, the process new deals open under, its reply.
type ExecuteJob = (Vec<(DealId, Envelope)>, ProcessRef, ExecuteReply);

/// A deal's working state as a job found it, to put back when the job fails.
type Saved = (
    Result<Deal, StoreError>,
    Digest,
    Option<chrono::DateTime<chrono::Utc>>,
    Option<chrono::DateTime<chrono::Utc>>,
);

/// What an append or import job placed: per item, its deal, its sealed events and their rows,
/// and the deal's version and head after it.
type Placed = Vec<PlacedItem>;

/// One item of [`Placed`].
type PlacedItem = (
    DealId,
    Vec<StoredEvent>,
    std::ops::Range<usize>,
    u64,
    Digest,
);

/// How an execution is answered: one command (the deal with it), or a batch (what was appended).
pub(crate) enum ExecuteReply {
    One(Reply<Executed>),
    Many(Reply<Vec<Appended>>),
}

impl Job {
    fn fail(self, error: StoreError) {
        match self {
            Job::Execute { reply, .. } => match reply {
                ExecuteReply::One(r) => drop(r.send(Err(error))),
                ExecuteReply::Many(r) => drop(r.send(Err(error))),
            },
            Job::Append { reply, .. } => drop(reply.send(Err(error))),
            Job::Import { reply, .. } => drop(reply.send(Err(error))),
        }
    }

    fn is_execute(&self) -> bool {
        matches!(self, Job::Execute { .. })
    }
}

/// A deal's row to write: over the row at version `prev`, or a new row.
#[derive(Debug, Clone)]
pub(crate) struct Put {
    pub(crate) prev: Option<u64>,
    /// The head and edit count the row at `prev` must still keep (else the write is lost).
    pub(crate) expect: (Digest, i64),
    pub(crate) summary: DealSummary,
}

/// An event row to write.
#[derive(Debug, Clone)]
pub(crate) struct NewRow {
    pub(crate) deal: DealId,
    pub(crate) version: u64,
    pub(crate) record: String,
}

/// Everything one transaction writes.
#[derive(Debug, Default)]
pub(crate) struct Write {
    pub(crate) puts: Vec<Put>,
    pub(crate) rows: Vec<NewRow>,
    pub(crate) commands: Vec<CommandRow>,
}

/// Why a write did not commit.
#[derive(Debug)]
pub(crate) enum Lost {
    /// Another connection wrote a deal's row since it was read (a new deal created twice): the
    /// transaction was rolled back, and is tried again on the fresh rows.
    Race(DealId),
    /// The database failed; nothing was written.
    Failed(StoreError),
}

/// The statements a database gives the writer. Every method but `begin` runs in the
/// transaction `begin` opened; `write` commits it; `rollback` ends it without writing.
pub(crate) trait Tx: Send {
    /// Opens a transaction, locks the deals' rows (`deals` in id order) and returns them in the
    /// same order, with the command ids among `keys` that their deals hold.
    #[allow(clippy::type_complexity)]
    fn begin(
        &mut self,
        deals: &[DealId],
        keys: &[(DealId, CommandId)],
    ) -> impl std::future::Future<Output = Result<(Vec<Option<Stamped>>, Vec<CommandRow>), StoreError>>
           + Send;
    /// For each `(deal, after)`, the deal's event rows above version `after`, in version order.
    fn rows(
        &mut self,
        wanted: &[(DealId, u64)],
    ) -> impl std::future::Future<Output = Result<Vec<Vec<Row>>, StoreError>> + Send;
    /// Writes and commits; the stream position of the first event row (0 when none). Without
    /// `begun`, opens the transaction itself first (a write that read nothing: every row it
    /// updates is checked to keep the version, head and edit count expected, and a new deal's
    /// row to be new, or the write is [`Lost::Race`]).
    fn write(
        &mut self,
        write: &Write,
        begun: bool,
    ) -> impl std::future::Future<Output = Result<u64, Lost>> + Send;
    /// Ends the transaction without writing.
    fn rollback(&mut self) -> impl std::future::Future<Output = ()> + Send;
    /// Every published definition: name, version, JSON (outside any transaction).
    fn definitions(
        &mut self,
    ) -> impl std::future::Future<Output = Result<Vec<(String, i64, String)>, StoreError>> + Send;
}

/// What the writer shares with the store's handles.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) cache: Cache,
    /// The rows of the deals this store last wrote or read: what a write that reads nothing
    /// expects them to keep.
    pub(crate) heads: Heads,
    pub(crate) catalog: RwLock<Catalog>,
    /// The last stream position this store committed, for its subscriptions.
    pub(crate) committed: watch::Sender<u64>,
    /// How many times a write that lost a race is tried again.
    pub(crate) retries: u32,
    /// How many waiting jobs one transaction takes at most.
    pub(crate) max_group: usize,
}

impl Shared {
    pub(crate) fn catalog(&self) -> Catalog {
        match self.catalog.read() {
            Ok(c) => c.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    pub(crate) fn set_catalog(&self, catalog: Catalog) {
        match self.catalog.write() {
            Ok(mut c) => *c = catalog,
            Err(poisoned) => *poisoned.into_inner() = catalog,
        }
    }
}

/// A deal's row as this store last saw it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Known {
    pub(crate) version: u64,
    pub(crate) head: Digest,
    pub(crate) edits: i64,
    pub(crate) opened_at: chrono::DateTime<chrono::Utc>,
}

/// The rows of the deals a store last wrote or read, least recently used dropped first.
#[derive(Debug)]
pub(crate) struct Heads(std::sync::Mutex<lru::LruCache<DealId, Known>>);

impl Heads {
    pub(crate) fn new(capacity: usize) -> Self {
        let capacity =
            std::num::NonZeroUsize::new(capacity.max(1)).unwrap_or(std::num::NonZeroUsize::MIN);
        Heads(std::sync::Mutex::new(lru::LruCache::new(capacity)))
    }

    fn with<T>(&self, f: impl FnOnce(&mut lru::LruCache<DealId, Known>) -> T) -> T {
        match self.0.lock() {
            Ok(mut heads) => f(&mut heads),
            Err(poisoned) => f(&mut poisoned.into_inner()),
        }
    }

    pub(crate) fn get(&self, deal: &DealId) -> Option<Known> {
        self.with(|heads| heads.get(deal).copied())
    }

    pub(crate) fn put(&self, deal: DealId, known: Known) {
        self.with(|heads| {
            heads.put(deal, known);
        });
    }
}

/// Reads the published definitions into a catalog, keeping the processes already built.
pub(crate) fn catalog_of(
    known: &Catalog,
    definitions: Vec<(String, i64, String)>,
) -> Result<Catalog, StoreError> {
    let mut catalog = BTreeMap::new();
    for (name, version, json) in definitions {
        let reference = ProcessRef::new(name, u32::try_from(version).unwrap_or(u32::MAX));
        if let Some(process) = known.get(&reference) {
            catalog.insert(reference, process.clone());
            continue;
        }
        let definition: ProcessDefinition =
            serde_json::from_str(&json).map_err(|e| StoreError::CorruptDefinition {
                process: reference.clone(),
                problem: e.to_string(),
            })?;
        let process = Process::new(definition).map_err(|e| StoreError::CorruptDefinition {
            process: reference.clone(),
            problem: e.to_string(),
        })?;
        catalog.insert(reference, process);
    }
    Ok(Arc::new(catalog))
}

/// Starts a writer on a thread of its own, with a runtime of its own (which also drives a
/// connection the writer opens); the sender is where writes go.
pub(crate) fn start<T: Tx + 'static>(
    backend: &'static str,
    tx: T,
    shared: Arc<Shared>,
) -> Result<mpsc::UnboundedSender<Job>, StoreError> {
    let (send, receive) = mpsc::unbounded_channel();
    std::thread::Builder::new()
        .name(format!("ltc-store-{backend}-writer"))
        .spawn(move || {
            match tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                Ok(runtime) => runtime.block_on(run(tx, shared, receive)),
                Err(e) => tracing::error!(error = %e, "the store's writer could not start"),
            }
        })
        .map_err(|e| StoreError::Backend {
            backend,
            message: format!("the writer's thread could not start: {e}"),
        })?;
    Ok(send)
}

/// The writer's loop: until every handle that sends to it is gone.
pub(crate) async fn run<T: Tx>(
    mut tx: T,
    shared: Arc<Shared>,
    mut jobs: mpsc::UnboundedReceiver<Job>,
) {
    while let Some(first) = jobs.recv().await {
        let mut waiting = vec![first];
        while waiting.len() < shared.max_group {
            match jobs.try_recv() {
                Ok(job) => waiting.push(job),
                Err(_) => break,
            }
        }
        // One transaction for each run of jobs of one kind, in the order they came.
        let mut run: Vec<Job> = Vec::new();
        for job in waiting {
            if run
                .first()
                .is_some_and(|r| r.is_execute() != job.is_execute())
            {
                group(&mut tx, &shared, std::mem::take(&mut run)).await;
            }
            run.push(job);
        }
        group(&mut tx, &shared, run).await;
    }
}

async fn group<T: Tx>(tx: &mut T, shared: &Shared, jobs: Vec<Job>) {
    use futures_util::FutureExt as _;
    if jobs.is_empty() {
        return;
    }
    // A panic (a defect) fails the group's callers (their answers are dropped: `closed`), is
    // logged, and leaves the writer running for the next group, its transaction rolled back.
    let run = std::panic::AssertUnwindSafe(grouped(tx, shared, jobs)).catch_unwind();
    if run.await.is_err() {
        tracing::error!("the store's writer failed on a group of writes; none was written");
        tx.rollback().await;
    }
}

async fn grouped<T: Tx>(tx: &mut T, shared: &Shared, jobs: Vec<Job>) {
    use tracing::Instrument as _;
    let span = tracing::debug_span!("ltc_store.write", jobs = jobs.len());
    if jobs.first().is_some_and(Job::is_execute) {
        execute_group(tx, shared, jobs).instrument(span).await;
    } else {
        append_group(tx, shared, jobs).instrument(span).await;
    }
}

// ---- commands decided on the stored deals ------------------------------------------------------

/// A deal as the group works on it.
struct Working {
    /// Its row as the transaction locked it.
    stored: Option<DealSummary>,
    /// The row's edit count.
    edits: i64,
    /// Its state, or why it cannot be had (a log that does not verify).
    state: Result<Deal, StoreError>,
    head: Digest,
    opened_at: Option<chrono::DateTime<chrono::Utc>>,
    last_event_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// A command id a deal holds, as the group knows it: stored, or written by a job before.
#[derive(Clone)]
struct Held {
    first: u64,
    last: u64,
    digest: String,
    /// Written by a job of this group: its rows in the group's write, its events, its head.
    written: Option<(std::ops::Range<usize>, Vec<StoredEvent>, Digest)>,
}

/// One job's result before the commit.
enum Outcome {
    /// Its commands' events (one entry per command, `None` for a command whose id the deal held:
    /// answered with the original events), and the deal states after it.
    Done {
        parts: Vec<Part>,
    },
    Failed(StoreError),
}

struct Part {
    deal: DealId,
    /// The index of the first of its rows in the group's write, and how many.
    rows: std::ops::Range<usize>,
    events: Vec<StoredEvent>,
    version: u64,
    head: Digest,
    /// The original events of a command sent again under its id: `(first, last)` versions.
    again: Option<(u64, u64)>,
    /// The deal after the command, for a one-command job whose deal a later job of the group
    /// moves on (the last job on a deal is answered with the deal the group leaves, shared with
    /// the cache rather than copied).
    state: Option<Arc<Deal>>,
}

/// What makes a command sent again under its id the same command: who sends it, the version it
/// expects and the command itself. Not `at`: a host that owns the clock stamps a retried request
/// anew, and it is still the same request.
#[derive(serde::Serialize)]
struct Sent<'a> {
    actor: &'a ltc_pipeline::PersonId,
    expected_version: Option<u64>,
    command: &'a ltc_pipeline::Command,
}

/// The SHA-256 of what makes a command the same (`Sent`): how a command sent again under its id
/// is told from another command under the same id.
pub(crate) fn envelope_digest(envelope: &Envelope) -> Result<String, StoreError> {
    use sha2::Digest as _;
    let sent = Sent {
        actor: &envelope.actor,
        expected_version: envelope.expected_version,
        command: &envelope.command,
    };
    let json = serde_json::to_vec(&sent).map_err(|e| StoreError::Backend {
        backend: "store",
        message: format!("an envelope could not be written as JSON: {e}"),
    })?;
    let hash = sha2::Sha256::digest(&json);
    Ok(hash.iter().map(|b| format!("{b:02x}")).collect())
}

async fn execute_group<T: Tx>(tx: &mut T, shared: &Shared, jobs: Vec<Job>) {
    let mut jobs: Vec<ExecuteJob> = jobs
        .into_iter()
        .filter_map(|job| match job {
            Job::Execute {
                commands,
                opening,
                reply,
            } => Some((commands, opening, reply)),
            _ => None,
        })
        .collect();
    let mut refreshed = false;
    let mut attempt = 0;
    let mut tried_unread = false;
    loop {
        let deals: Vec<DealId> = jobs
            .iter()
            .flat_map(|(commands, ..)| commands.iter().map(|(d, _)| d.clone()))
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        // Every deal's state cached: decide on them without reading, and write only if every row
        // still keeps what the cache says (one round trip). Anything else (a refusal, which a
        // stale state could have caused; a row moved on; a command id the deal holds) is decided
        // again on the rows locked and read.
        let unread: Option<Vec<Cached>> = if tried_unread {
            None
        } else {
            tried_unread = true;
            // Taken out, not copied: a state the cache alone holds is moved on in place. When
            // the write is lost, the slow path reads those deals whole.
            let taken: Vec<Option<Cached>> = deals.iter().map(|d| shared.cache.take(d)).collect();
            if taken.iter().all(Option::is_some) {
                taken.into_iter().collect()
            } else {
                for cached in taken.into_iter().flatten() {
                    shared.cache.put(cached);
                }
                None
            }
        };
        if let Some(states) = unread {
            if let Some(done) = unread_group(tx, shared, jobs, states).await {
                jobs = done;
            } else {
                return;
            }
        }

        // The command ids sent, and the digests of their envelopes.
        let mut keys = Vec::new();
        let mut digests: Vec<Vec<Option<String>>> = Vec::with_capacity(jobs.len());
        for (commands, ..) in &jobs {
            let mut job_digests = Vec::with_capacity(commands.len());
            for (deal, envelope) in commands {
                match &envelope.command_id {
                    Some(id) => {
                        keys.push((deal.clone(), id.clone()));
                        job_digests.push(envelope_digest(envelope).ok());
                    }
                    None => job_digests.push(None),
                }
            }
            digests.push(job_digests);
        }
        let (locked, found) = match tx.begin(&deals, &keys).await {
            Ok(begun) => begun,
            Err(e) => return fail_all(jobs, &e),
        };
        let mut held: HashMap<(DealId, String), Held> = found
            .into_iter()
            .map(|c| {
                (
                    (c.deal, c.command_id),
                    Held {
                        first: c.first,
                        last: c.last,
                        digest: c.digest,
                        written: None,
                    },
                )
            })
            .collect();
        // The states: from the cache where it stands for the locked row, else brought up to
        // date from the rows after the cached version, else read whole.
        let mut cached: HashMap<DealId, Cached> = HashMap::new();
        let mut wanted = Vec::new();
        for (deal, row) in deals.iter().zip(&locked) {
            let Some((row, stamp)) = row else { continue };
            match shared.cache.take(deal) {
                Some(c) if c.stands_for(row, stamp) => {
                    cached.insert(deal.clone(), c);
                }
                Some(c) if c.is_prefix_of(row, stamp) => {
                    wanted.push((deal.clone(), c.version()));
                    cached.insert(deal.clone(), c);
                }
                _ => wanted.push((deal.clone(), 0)),
            }
        }
        let rows = match tx.rows(&wanted).await {
            Ok(rows) => rows,
            Err(e) => {
                tx.rollback().await;
                return fail_all(jobs, &e);
            }
        };
        let catalog = shared.catalog();
        let mut working: BTreeMap<DealId, Working> = BTreeMap::new();
        let mut fresh: HashMap<DealId, Vec<Row>> =
            wanted.iter().map(|(d, _)| d.clone()).zip(rows).collect();
        for (deal, locked) in deals.iter().zip(locked) {
            let (row, stamp) = match locked {
                Some((row, stamp)) => (Some(row), stamp),
                None => (None, Stamp::default()),
            };
            let state = match &row {
                None => Ok(Deal::new(deal.clone())),
                Some(summary) => bring_up_to_date(
                    deal,
                    summary,
                    &stamp,
                    cached.remove(deal),
                    fresh.remove(deal).unwrap_or_default(),
                    &catalog,
                ),
            };
            working.insert(
                deal.clone(),
                Working {
                    head: row.as_ref().map_or(Digest::GENESIS, |s| s.head),
                    opened_at: row.as_ref().map(|s| s.opened_at),
                    last_event_at: row.as_ref().map(|s| s.last_event_at),
                    stored: row,
                    edits: stamp.edits,
                    state,
                },
            );
        }
        // Decide each job on the states the ones before it leave.
        let mut write = Write::default();
        let mut outcomes = Vec::with_capacity(jobs.len());
        let mut unknown_process = false;
        let last = last_jobs(&jobs);
        for (i, ((commands, opening, reply), job_digests)) in jobs.iter().zip(&digests).enumerate()
        {
            let single = matches!(reply, ExecuteReply::One(_));
            let outcome = decide_job(
                commands,
                job_digests,
                opening,
                single,
                is_last(&last, i, commands),
                &catalog,
                &mut working,
                &mut held,
                &mut write,
            );
            if let Outcome::Failed(StoreError::Engine(ltc_pipeline::Error::UnknownProcess {
                ..
            })) = &outcome
            {
                unknown_process = true;
            }
            outcomes.push(outcome);
        }
        if unknown_process && !refreshed {
            // Another connection may have published it: read the catalog and decide again.
            tx.rollback().await;
            refreshed = true;
            refresh(tx, shared).await;
            continue;
        }
        write.puts = puts_of(&working);
        // The original events of commands sent again under their ids.
        let again: Vec<(DealId, u64)> = outcomes
            .iter()
            .filter_map(|o| match o {
                Outcome::Done { parts } => Some(parts),
                Outcome::Failed(_) => None,
            })
            .flatten()
            .filter_map(|p| {
                p.again
                    .map(|(first, _)| (p.deal.clone(), first.saturating_sub(1)))
            })
            .collect();
        let originals = if again.is_empty() {
            Vec::new()
        } else {
            match tx.rows(&again).await {
                Ok(rows) => rows,
                Err(e) => {
                    tx.rollback().await;
                    return fail_all(jobs, &e);
                }
            }
        };
        let first = if write.rows.is_empty() && write.puts.is_empty() {
            tx.rollback().await;
            Ok(0)
        } else {
            tx.write(&write, true).await
        };
        match first {
            Ok(first) => {
                committed(shared, &write, first, &working);
                let originals: HashMap<(DealId, u64), Vec<Row>> =
                    again.into_iter().zip(originals).collect();
                let finals = keep_states(shared, working);
                for ((_, _, reply), outcome) in jobs.into_iter().zip(outcomes) {
                    answer(reply, outcome, first, &originals, &finals);
                }
                return;
            }
            Err(Lost::Race(deal)) if attempt < shared.retries => {
                tracing::debug!(deal = %deal, attempt, "a write lost a race; deciding again");
                attempt += 1;
                for d in working.keys() {
                    shared.cache.forget(d);
                }
                continue;
            }
            Err(Lost::Race(deal)) => {
                let e = StoreError::Conflict {
                    deal,
                    expected: 0,
                    actual: 1,
                };
                return fail_all(jobs, &e);
            }
            Err(Lost::Failed(e)) => {
                for d in working.keys() {
                    shared.cache.forget(d);
                }
                return fail_all(jobs, &e);
            }
        }
    }
}

/// The index of the last job of a group on each deal.
fn last_jobs(jobs: &[ExecuteJob]) -> HashMap<DealId, usize> {
    let mut last = HashMap::new();
    for (i, (commands, ..)) in jobs.iter().enumerate() {
        for (deal, _) in commands {
            last.insert(deal.clone(), i);
        }
    }
    last
}

/// Whether job `i` is the last of its group on its (first) deal.
fn is_last(last: &HashMap<DealId, usize>, i: usize, commands: &[(DealId, Envelope)]) -> bool {
    commands
        .first()
        .is_some_and(|(deal, _)| last.get(deal) == Some(&i))
}

/// A group decided on cached states and written without reading first: `None` when it is done
/// (every job answered), or the jobs back to decide again on the rows locked and read.
async fn unread_group<T: Tx>(
    tx: &mut T,
    shared: &Shared,
    jobs: Vec<ExecuteJob>,
    states: Vec<Cached>,
) -> Option<Vec<ExecuteJob>> {
    let catalog = shared.catalog();
    let mut working: BTreeMap<DealId, Working> = states
        .into_iter()
        .map(|c| {
            let stored = DealSummary {
                deal: c.deal.id().clone(),
                version: c.version(),
                head: c.head,
                opened_at: c.deal.opened_at().unwrap_or_default(),
                last_event_at: c.deal.last_event_at().unwrap_or_default(),
            };
            let w = Working {
                head: c.head,
                opened_at: c.deal.opened_at(),
                last_event_at: c.deal.last_event_at(),
                stored: Some(stored),
                edits: c.edits,
                state: Ok(Arc::unwrap_or_clone(c.deal)),
            };
            (
                w.stored
                    .as_ref()
                    .map(|s| s.deal.clone())
                    .unwrap_or_else(|| DealId::new("")),
                w,
            )
        })
        .collect();
    let mut write = Write::default();
    let mut held = HashMap::new();
    let mut outcomes = Vec::with_capacity(jobs.len());
    let last = last_jobs(&jobs);
    for (i, (commands, opening, reply)) in jobs.iter().enumerate() {
        let digests: Vec<Option<String>> = commands
            .iter()
            .map(|(_, e)| e.command_id.as_ref().and_then(|_| envelope_digest(e).ok()))
            .collect();
        let outcome = decide_job(
            commands,
            &digests,
            opening,
            matches!(reply, ExecuteReply::One(_)),
            is_last(&last, i, commands),
            &catalog,
            &mut working,
            &mut held,
            &mut write,
        );
        if matches!(outcome, Outcome::Failed(_)) {
            // The deals no job before this one moved on are as the cache had them: they go back.
            let moved: BTreeSet<DealId> = outcomes
                .iter()
                .filter_map(|o| match o {
                    Outcome::Done { parts } => Some(parts.iter().map(|p| p.deal.clone())),
                    Outcome::Failed(_) => None,
                })
                .flatten()
                .collect();
            for (id, w) in working {
                if let (false, Ok(deal)) = (moved.contains(&id), w.state) {
                    shared.cache.put(Cached {
                        head: w.head,
                        edits: w.edits,
                        deal: Arc::new(deal),
                    });
                }
            }
            return Some(jobs);
        }
        outcomes.push(outcome);
    }
    write.puts = puts_of(&working);
    match tx.write(&write, false).await {
        Ok(first) => {
            committed(shared, &write, first, &working);
            let none = HashMap::new();
            let finals = keep_states(shared, working);
            for ((_, _, reply), outcome) in jobs.into_iter().zip(outcomes) {
                answer(reply, outcome, first, &none, &finals);
            }
            None
        }
        Err(Lost::Race(deal)) => {
            tracing::debug!(deal = %deal, "a deal moved on under its cached state");
            Some(jobs)
        }
        Err(Lost::Failed(e)) => {
            fail_all(jobs, &e);
            None
        }
    }
}

/// The rows of the deals the group moved on.
fn puts_of(working: &BTreeMap<DealId, Working>) -> Vec<Put> {
    let mut puts = Vec::new();
    for (deal, w) in working {
        let Ok(state) = &w.state else { continue };
        if Some(state.version()) == w.stored.as_ref().map(|s| s.version) || state.version() == 0 {
            continue;
        }
        let (Some(opened_at), Some(last_event_at)) = (w.opened_at, w.last_event_at) else {
            continue;
        };
        puts.push(Put {
            prev: w.stored.as_ref().map(|s| s.version),
            expect: (
                w.stored.as_ref().map_or(Digest::GENESIS, |s| s.head),
                w.edits,
            ),
            summary: DealSummary {
                deal: deal.clone(),
                version: state.version(),
                head: w.head,
                opened_at,
                last_event_at,
            },
        });
    }
    puts
}

/// What a committed group tells the store: its subscribers, and the rows it knows.
fn committed(shared: &Shared, write: &Write, first: u64, working: &BTreeMap<DealId, Working>) {
    announce(shared, write, first, |deal| {
        working.get(deal).map_or(0, |w| w.edits)
    });
}

/// A commit told to the store: the rows it wrote (each with its edit count) for writes that
/// read nothing, and its last position for subscriptions.
fn announce(shared: &Shared, write: &Write, first: u64, edits: impl Fn(&DealId) -> i64) {
    tracing::debug!(
        deals = write.puts.len(),
        events = write.rows.len(),
        first_position = first,
        "committed"
    );
    for put in &write.puts {
        shared.heads.put(
            put.summary.deal.clone(),
            Known {
                version: put.summary.version,
                head: put.summary.head,
                edits: edits(&put.summary.deal),
                opened_at: put.summary.opened_at,
            },
        );
    }
    if first > 0 {
        let last = first
            .saturating_add(write.rows.len() as u64)
            .saturating_sub(1);
        shared.committed.send_if_modified(|c| {
            let moved = last > *c;
            *c = (*c).max(last);
            moved
        });
    }
}

/// The states moved on stay for the next command; the same states answer the commands.
fn keep_states(shared: &Shared, working: BTreeMap<DealId, Working>) -> HashMap<DealId, Arc<Deal>> {
    let mut finals = HashMap::with_capacity(working.len());
    for (id, w) in working {
        if let Ok(deal) = w.state {
            let deal = Arc::new(deal);
            if deal.version() > 0 {
                shared.cache.put(Cached {
                    head: w.head,
                    edits: w.edits,
                    deal: deal.clone(),
                });
            }
            finals.insert(id, deal);
        }
    }
    finals
}

fn fail_all(jobs: Vec<ExecuteJob>, error: &StoreError) {
    for (_, _, reply) in jobs {
        let e = error.clone();
        match reply {
            ExecuteReply::One(r) => drop(r.send(Err(e))),
            ExecuteReply::Many(r) => drop(r.send(Err(e))),
        }
    }
}

async fn refresh<T: Tx>(tx: &mut T, shared: &Shared) {
    if let Ok(definitions) = tx.definitions().await {
        if let Ok(catalog) = catalog_of(&shared.catalog(), definitions) {
            shared.set_catalog(catalog);
        }
    }
}

/// A deal's state at its locked row: the cached state, moved on by the rows after it, or the
/// whole log replayed, each checked against the row's version and head.
fn bring_up_to_date(
    deal: &DealId,
    row: &DealSummary,
    stamp: &Stamp,
    cached: Option<Cached>,
    rows: Vec<Row>,
    catalog: &Catalog,
) -> Result<Deal, StoreError> {
    match cached {
        Some(c) if c.stands_for(row, stamp) => Ok(Arc::unwrap_or_clone(c.deal)),
        // A log that does not continue the cached head is refused here; the state is not kept,
        // so the next read reads and verifies the log whole.
        Some(c) if c.is_prefix_of(row, stamp) => continue_log(deal, row, c, rows, catalog),
        _ => {
            let log = rows
                .into_iter()
                .map(|r| read_row(r).map(|r| r.event))
                .collect::<Result<Vec<_>, _>>()?;
            crate::check_log(deal, row, &log, catalog.as_ref())
        }
    }
}

/// The cached state moved on by the events after it, their chain continuing the cached head and
/// ending at the row's.
pub(crate) fn continue_log(
    deal: &DealId,
    row: &DealSummary,
    cached: Cached,
    rows: Vec<Row>,
    catalog: &Catalog,
) -> Result<Deal, StoreError> {
    let mut state = Arc::unwrap_or_clone(cached.deal);
    let mut head = cached.head;
    for r in rows {
        let stored = read_row(r)?.event;
        if stored.event.version != state.version().saturating_add(1) {
            break;
        }
        let link = Digest::link_stored(&head, &stored);
        if link != stored.hash {
            return Err(StoreError::Tampered {
                deal: deal.clone(),
                problem: format!(
                    "the event of version {} does not continue the chain: its hash {} is not the \
                     link {link} of its content to the event before it",
                    stored.event.version, stored.hash
                ),
            });
        }
        state.apply(catalog.as_ref(), &stored.event)?;
        head = link;
        if state.version() == row.version {
            break;
        }
    }
    if state.version() != row.version || head != row.head {
        return Err(StoreError::Tampered {
            deal: deal.clone(),
            problem: format!(
                "the log ends at version {} with head {head}, the deal's row keeps version {} with \
                 head {}: events were dropped from its end or it was rewritten",
                state.version(),
                row.version,
                row.head
            ),
        });
    }
    Ok(state)
}

/// Decides one job's commands on the group's states; on a failure, the states are left as the
/// job found them and nothing of it is written.
#[allow(clippy::too_many_arguments)]
fn decide_job(
    commands: &[(DealId, Envelope)],
    digests: &[Option<String>],
    opening: &ProcessRef,
    single: bool,
    last: bool,
    catalog: &Catalog,
    working: &mut BTreeMap<DealId, Working>,
    held: &mut HashMap<(DealId, String), Held>,
    write: &mut Write,
) -> Outcome {
    // What the job may undo: the states it touches (copied only for a job of several commands;
    // a refused command leaves its deal as it was), the rows and ids it adds.
    let rows_before = write.rows.len();
    let commands_before = write.commands.len();
    let mut saved: BTreeMap<DealId, Saved> = BTreeMap::new();
    let mut added_ids = Vec::new();
    let mut parts = Vec::with_capacity(commands.len());
    // A one-command job is answered with its deal: copied now only when a later job of the
    // group moves the deal on.
    let snapshot = single && !last;
    let result = (|| -> Result<(), StoreError> {
        for ((deal, envelope), digest) in commands.iter().zip(digests) {
            let Some(w) = working.get_mut(deal) else {
                return Err(StoreError::Backend {
                    backend: "store",
                    message: format!("deal `{}` was not locked", error::esc(deal)),
                });
            };
            if !single && !saved.contains_key(deal) {
                let state = match &w.state {
                    Ok(d) => Ok(d.clone()),
                    Err(e) => Err(e.clone()),
                };
                saved.insert(deal.clone(), (state, w.head, w.opened_at, w.last_event_at));
            }
            let state = match &mut w.state {
                Ok(state) => state,
                Err(e) => return Err(e.clone()),
            };
            // A command id the deal holds: the same command again is answered with what it
            // wrote; another command under it is refused.
            if let (Some(id), Some(digest)) = (&envelope.command_id, digest) {
                if let Some(h) = held.get(&(deal.clone(), id.as_str().to_owned())) {
                    if &h.digest != digest {
                        return Err(StoreError::CommandIdReused {
                            deal: deal.clone(),
                            command_id: id.clone(),
                        });
                    }
                    let part = match &h.written {
                        // Written by a job before this one in the group: the same answer.
                        Some((rows, events, head)) => Part {
                            deal: deal.clone(),
                            rows: rows.clone(),
                            events: events.clone(),
                            version: h.last,
                            head: *head,
                            again: None,
                            state: snapshot.then(|| Arc::new(state.clone())),
                        },
                        None => Part {
                            deal: deal.clone(),
                            rows: 0..0,
                            events: Vec::new(),
                            version: h.last,
                            head: Digest::GENESIS,
                            again: Some((h.first, h.last)),
                            state: snapshot.then(|| Arc::new(state.clone())),
                        },
                    };
                    parts.push(part);
                    continue;
                }
            }
            if let Some(expected) = envelope.expected_version {
                if expected != state.version() {
                    return Err(StoreError::Conflict {
                        deal: deal.clone(),
                        expected,
                        actual: state.version(),
                    });
                }
            }
            let _decide = tracing::debug_span!(
                "ltc_store.decide",
                deal = %deal,
                version = state.version(),
                command = envelope.command.name()
            )
            .entered();
            let process = match state.process_for(catalog.as_ref(), &envelope.command)? {
                Some(process) => process,
                None => Processes::get(catalog.as_ref(), opening)?,
            };
            let events = state.execute(process, &envelope.command, &envelope.actor, envelope.at)?;
            let (Some(first_event), Some(last_event)) = (events.first(), events.last()) else {
                continue;
            };
            let (first, last, first_at, last_at) = (
                first_event.version,
                last_event.version,
                first_event.at,
                last_event.at,
            );
            let sealed = integrity::seal_command(w.head, events, envelope.command_id.as_ref());
            let start = write.rows.len();
            for stored in &sealed {
                write.rows.push(NewRow {
                    deal: deal.clone(),
                    version: stored.event.version,
                    record: record(stored)?,
                });
            }
            w.head = integrity::head(&sealed);
            w.opened_at.get_or_insert(first_at);
            w.last_event_at = Some(last_at);
            if let (Some(id), Some(digest)) = (&envelope.command_id, digest) {
                let key = (deal.clone(), id.as_str().to_owned());
                held.insert(
                    key.clone(),
                    Held {
                        first,
                        last,
                        digest: digest.clone(),
                        written: Some((start..write.rows.len(), sealed.clone(), w.head)),
                    },
                );
                added_ids.push(key);
                write.commands.push(CommandRow {
                    deal: deal.clone(),
                    command_id: id.as_str().to_owned(),
                    first,
                    last,
                    digest: digest.clone(),
                });
            }
            parts.push(Part {
                deal: deal.clone(),
                rows: start..write.rows.len(),
                version: last,
                head: w.head,
                events: sealed,
                again: None,
                state: snapshot.then(|| Arc::new(state.clone())),
            });
        }
        Ok(())
    })();
    match result {
        Ok(()) => Outcome::Done { parts },
        Err(e) => {
            write.rows.truncate(rows_before);
            write.commands.truncate(commands_before);
            for key in added_ids {
                held.remove(&key);
            }
            for (deal, (state, head, opened_at, last_event_at)) in saved {
                if let Some(w) = working.get_mut(&deal) {
                    w.state = state;
                    w.head = head;
                    w.opened_at = opened_at;
                    w.last_event_at = last_event_at;
                }
            }
            Outcome::Failed(e)
        }
    }
}

/// Answers a job once its group committed (or, having written nothing, ended).
fn answer(
    reply: ExecuteReply,
    outcome: Outcome,
    first: u64,
    originals: &HashMap<(DealId, u64), Vec<Row>>,
    finals: &HashMap<DealId, Arc<Deal>>,
) {
    let parts = match outcome {
        Outcome::Failed(e) => {
            match reply {
                ExecuteReply::One(r) => drop(r.send(Err(e))),
                ExecuteReply::Many(r) => drop(r.send(Err(e))),
            }
            return;
        }
        Outcome::Done { parts } => parts,
    };
    let mut appended = Vec::with_capacity(parts.len());
    let mut states = Vec::with_capacity(parts.len());
    for part in parts {
        states.push(
            part.state
                .clone()
                .or_else(|| finals.get(&part.deal).cloned()),
        );
        let result = match part.again {
            None => Ok(Appended {
                deal: part.deal,
                version: part.version,
                head: part.head,
                first_position: if part.rows.is_empty() {
                    0
                } else {
                    first.saturating_add(part.rows.start as u64)
                },
                events: part.events,
            }),
            Some((from, to)) => match originals.get(&(part.deal.clone(), from.saturating_sub(1))) {
                Some(rows) => original(&part.deal, from, to, rows.clone()),
                None => Err(StoreError::Backend {
                    backend: "store",
                    message: "the events of a command sent again were not read".into(),
                }),
            },
        };
        match result {
            Ok(a) => appended.push(a),
            Err(e) => {
                match reply {
                    ExecuteReply::One(r) => drop(r.send(Err(e))),
                    ExecuteReply::Many(r) => drop(r.send(Err(e))),
                }
                return;
            }
        }
    }
    match reply {
        ExecuteReply::One(r) => {
            let done = match (appended.pop(), states.pop().flatten()) {
                (Some(appended), Some(deal)) => Ok(Executed { deal, appended }),
                _ => Err(StoreError::Backend {
                    backend: "store",
                    message: "a command was answered without its deal".into(),
                }),
            };
            drop(r.send(done));
        }
        ExecuteReply::Many(r) => drop(r.send(Ok(appended))),
    }
}

/// What a command sent again under its id wrote: its events as stored, with their positions.
fn original(deal: &DealId, from: u64, to: u64, rows: Vec<Row>) -> Result<Appended, StoreError> {
    let mut events = Vec::new();
    let mut first_position = 0;
    for row in rows {
        let record = read_row(row)?;
        if record.event.event.version > to {
            break;
        }
        if events.is_empty() {
            first_position = record.position;
        }
        events.push(record.event);
    }
    let last = events.last().ok_or_else(|| StoreError::Tampered {
        deal: deal.clone(),
        problem: format!(
            "the events of versions {from} to {to}, which a command id names, are not stored"
        ),
    })?;
    Ok(Appended {
        deal: deal.clone(),
        version: last.event.version,
        head: last.hash,
        first_position,
        events,
    })
}

/// A stored event as its row keeps it.
pub(crate) fn record(stored: &StoredEvent) -> Result<String, StoreError> {
    serde_json::to_string(stored).map_err(|e| StoreError::Backend {
        backend: "store",
        message: format!("an event could not be written as JSON: {e}"),
    })
}

// ---- events decided by the host, and imports --------------------------------------------------

/// A deal's row as the group sees it: as stored, and as the jobs before leave it.
#[derive(Clone)]
struct Slot {
    stored: Option<u64>,
    /// The head and edit count the stored row keeps.
    expect: (Digest, i64),
    current: Option<DealSummary>,
    /// Events are stored beyond the row's version, behind the store: nothing is appended.
    beyond: Option<u64>,
}

async fn append_group<T: Tx>(tx: &mut T, shared: &Shared, jobs: Vec<Job>) {
    let mut attempt = 0;
    let deals: Vec<DealId> = jobs
        .iter()
        .flat_map(|job| match job {
            Job::Append { items, .. } => items.iter().map(|a| a.deal.clone()).collect(),
            Job::Import { logs, .. } => logs
                .iter()
                .filter_map(|l| l.first().map(|e| e.event.deal.clone()))
                .collect(),
            Job::Execute { .. } => Vec::new(),
        })
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    // Appends to deals whose rows this store knows: placed without reading, written only if
    // every row still keeps what the store knows (one round trip); anything else (a refusal,
    // which a stale row could have caused; a row moved on) is placed again on the rows locked
    // and read.
    let known: Option<Vec<Slot>> = jobs
        .iter()
        .all(|job| matches!(job, Job::Append { items, .. } if items.iter().all(|a| a.expected > 0)))
        .then(|| {
            deals
                .iter()
                .map(|d| {
                    shared.heads.get(d).map(|k| Slot {
                        stored: Some(k.version),
                        expect: (k.head, k.edits),
                        beyond: None,
                        current: Some(DealSummary {
                            deal: d.clone(),
                            version: k.version,
                            head: k.head,
                            opened_at: k.opened_at,
                            last_event_at: k.opened_at,
                        }),
                    })
                })
                .collect()
        })
        .flatten();
    if let Some(slots) = known {
        let slots: BTreeMap<DealId, Slot> = deals.iter().cloned().zip(slots).collect();
        let (slots, write, outcomes) = place_jobs(&jobs, slots);
        if outcomes.iter().all(Result::is_ok) {
            match tx.write(&write, false).await {
                Ok(first) => return appended(shared, jobs, &slots, &write, outcomes, first),
                Err(Lost::Race(deal)) => {
                    tracing::debug!(deal = %deal, "a deal moved on since this store wrote it");
                }
                Err(Lost::Failed(e)) => {
                    for job in jobs {
                        job.fail(e.clone());
                    }
                    return;
                }
            }
        }
    }
    loop {
        let locked = match tx.begin(&deals, &[]).await {
            Ok((locked, _)) => locked,
            Err(e) => {
                for job in jobs {
                    job.fail(e.clone());
                }
                return;
            }
        };
        let slots: BTreeMap<DealId, Slot> = deals
            .iter()
            .cloned()
            .zip(locked)
            .map(|(deal, locked)| {
                let slot = match locked {
                    Some((row, stamp)) => Slot {
                        stored: Some(row.version),
                        expect: (row.head, stamp.edits),
                        beyond: (stamp.last > row.version).then_some(stamp.last),
                        current: Some(row),
                    },
                    None => Slot {
                        stored: None,
                        beyond: None,
                        expect: (Digest::GENESIS, 0),
                        current: None,
                    },
                };
                (deal, slot)
            })
            .collect();
        let (slots, write, outcomes) = place_jobs(&jobs, slots);
        let first = if write.rows.is_empty() {
            tx.rollback().await;
            Ok(0)
        } else {
            tx.write(&write, true).await
        };
        match first {
            Ok(first) => return appended(shared, jobs, &slots, &write, outcomes, first),
            Err(Lost::Race(deal)) if attempt < shared.retries => {
                tracing::debug!(deal = %deal, attempt, "an append lost a race; trying again");
                attempt += 1;
            }
            Err(Lost::Race(deal)) => {
                let e = StoreError::Conflict {
                    deal,
                    expected: 0,
                    actual: 1,
                };
                for job in jobs {
                    job.fail(e.clone());
                }
                return;
            }
            Err(Lost::Failed(e)) => {
                for job in jobs {
                    job.fail(e.clone());
                }
                return;
            }
        }
    }
}

/// Places each job's events on the rows as the jobs before it leave them; a job that fails
/// leaves them as it found them.
fn place_jobs(
    jobs: &[Job],
    mut slots: BTreeMap<DealId, Slot>,
) -> (
    BTreeMap<DealId, Slot>,
    Write,
    Vec<Result<Placed, StoreError>>,
) {
    let mut write = Write::default();
    let mut outcomes: Vec<Result<Placed, StoreError>> = Vec::with_capacity(jobs.len());
    for job in jobs {
        let before = (slots.clone(), write.rows.len());
        let result = match job {
            Job::Append { items, .. } => items
                .iter()
                .map(|a| {
                    place(
                        &mut slots,
                        &mut write,
                        &a.deal,
                        a.expected,
                        Events::Fresh(&a.events),
                    )
                })
                .collect::<Result<Vec<_>, _>>(),
            Job::Import { logs, .. } => logs
                .iter()
                .map(|log| {
                    let deal = log
                        .first()
                        .map(|e| e.event.deal.clone())
                        .unwrap_or_else(|| DealId::new(""));
                    if let Some(held) = slots.get(&deal).and_then(|s| s.current.as_ref()) {
                        return Err(StoreError::Held {
                            deal,
                            version: held.version,
                        });
                    }
                    place(&mut slots, &mut write, &deal, 0, Events::Sealed(log))
                })
                .collect::<Result<Vec<_>, _>>(),
            Job::Execute { .. } => Ok(Vec::new()),
        };
        if result.is_err() {
            slots = before.0;
            write.rows.truncate(before.1);
        }
        outcomes.push(result);
    }
    write.puts = slots
        .values()
        .filter_map(|slot| {
            let summary = slot.current.as_ref()?;
            (Some(summary.version) != slot.stored).then(|| Put {
                prev: slot.stored,
                expect: slot.expect,
                summary: summary.clone(),
            })
        })
        .collect();
    (slots, write, outcomes)
}

/// Answers the jobs of a committed append group.
fn appended(
    shared: &Shared,
    jobs: Vec<Job>,
    slots: &BTreeMap<DealId, Slot>,
    write: &Write,
    outcomes: Vec<Result<Placed, StoreError>>,
    first: u64,
) {
    for deal in slots.keys() {
        shared.cache.forget(deal);
    }
    announce(shared, write, first, |deal| {
        slots.get(deal).map_or(0, |s| s.expect.1)
    });
    for (job, outcome) in jobs.into_iter().zip(outcomes) {
        let appended = outcome.map(|parts| {
            parts
                .into_iter()
                .map(|(deal, events, rows, version, head)| Appended {
                    version,
                    head,
                    first_position: if rows.is_empty() {
                        0
                    } else {
                        first.saturating_add(rows.start as u64)
                    },
                    deal,
                    events,
                })
                .collect::<Vec<_>>()
        });
        match job {
            Job::Append { reply, .. } => drop(reply.send(appended)),
            Job::Import { reply, .. } => drop(reply.send(appended.map(|a| Imported {
                deals: a.len() as u64,
                events: a.iter().map(|x| x.events.len() as u64).sum(),
            }))),
            Job::Execute { .. } => {}
        }
    }
}

/// The events of one pending write: decided now, or sealed already (an import).
enum Events<'a> {
    Fresh(&'a [Event]),
    Sealed(&'a [StoredEvent]),
}

/// Checks an item's version against the deal's row as the group leaves it, seals its events
/// and adds them to the write.
fn place(
    slots: &mut BTreeMap<DealId, Slot>,
    write: &mut Write,
    deal: &DealId,
    expected: u64,
    events: Events<'_>,
) -> Result<PlacedItem, StoreError> {
    let slot = slots.get_mut(deal).ok_or_else(|| StoreError::Backend {
        backend: "store",
        message: format!("deal `{}` was not locked", error::esc(deal)),
    })?;
    let actual = slot.current.as_ref().map_or(0, |s| s.version);
    if let (Some(last), Some(stored)) = (slot.beyond, slot.stored) {
        return Err(StoreError::Tampered {
            deal: deal.clone(),
            problem: format!(
                "events are stored up to version {last}, beyond version {stored}, the one kept \
                 beside the deal"
            ),
        });
    }
    if actual != expected {
        return Err(StoreError::Conflict {
            deal: deal.clone(),
            expected,
            actual,
        });
    }
    let head = slot.current.as_ref().map_or(Digest::GENESIS, |s| s.head);
    let sealed = match events {
        Events::Fresh(events) => integrity::seal(head, events.iter().cloned()),
        Events::Sealed(log) => log.to_vec(),
    };
    if let (Some(first), Some(last)) = (sealed.first(), sealed.last()) {
        let opened_at = slot
            .current
            .as_ref()
            .map_or(first.event.at, |s| s.opened_at);
        slot.current = Some(DealSummary {
            deal: deal.clone(),
            version: last.event.version,
            head: last.hash,
            opened_at,
            last_event_at: last.event.at,
        });
    }
    let start = write.rows.len();
    for stored in &sealed {
        write.rows.push(NewRow {
            deal: deal.clone(),
            version: stored.event.version,
            record: record(stored)?,
        });
    }
    let (version, head) = slot
        .current
        .as_ref()
        .map_or((0, Digest::GENESIS), |s| (s.version, s.head));
    Ok((deal.clone(), sealed, start..write.rows.len(), version, head))
}
