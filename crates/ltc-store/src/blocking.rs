//! The store for synchronous programs: the same operations as [`crate::Store`], each waiting
//! for its result on the calling thread (as `reqwest::blocking` wraps its async client).
//!
//! It works from plain threads and from inside a tokio runtime (where it blocks the calling
//! thread as any blocking call does, but neither starts nor enters a runtime, so it does not
//! panic); an async host uses [`crate::Store`] instead. A handle is cheap to clone, `Send` and
//! `Sync`, and its clones share one pool, one writer and one cache.
//!
//! ```
//! use ltc_pipeline::{Command, DealId, Envelope, TimeZone, Utc};
//! use ltc_store::blocking::Store;
//! # let dir = tempfile::tempdir().unwrap();
//! let store = Store::open(dir.path().join("ltc.db").to_str().unwrap())?;
//! let at = Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap();
//! let capture = Envelope::new("ops", at, Command::capture_lead("ACME", "web", None));
//! let done = store.execute(&DealId::new("D-1"), &capture)?;
//! assert_eq!(store.load(&DealId::new("D-1"))?, *done.deal);
//! # Ok::<(), ltc_store::StoreError>(())
//! ```

use crate::engine::block_on;
use crate::{
    Append, Appended, BackendKind, DealSummary, Executed, Imported, Options, Published, Record,
    StoreError, Verified, VerifyReport,
};
use ltc_pipeline::{
    Deal, DealId, Envelope, Event, Process, ProcessDefinition, ProcessRef, StoredEvent,
};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

/// A handle on an event store for synchronous code: [`crate::Store`]'s operations, each
/// waiting for its result. See the [module](self).
#[derive(Clone, Debug)]
pub struct Store {
    inner: crate::Store,
}

impl From<crate::Store> for Store {
    fn from(inner: crate::Store) -> Self {
        Store { inner }
    }
}

impl Store {
    /// As [`crate::Store::open`].
    ///
    /// # Errors
    /// As [`crate::Store::open`].
    pub fn open(location: &str) -> Result<Self, StoreError> {
        block_on(crate::Store::open(location)).map(Self::from)
    }

    /// As [`crate::Store::open_with`].
    ///
    /// # Errors
    /// As [`crate::Store::open_with`].
    pub fn open_with(location: &str, options: Options) -> Result<Self, StoreError> {
        block_on(crate::Store::open_with(location, options)).map(Self::from)
    }

    /// As [`crate::Store::open_sqlite`].
    ///
    /// # Errors
    /// As [`crate::Store::open`].
    pub fn open_sqlite(path: impl AsRef<Path>) -> Result<Self, StoreError> {
        block_on(crate::Store::open_sqlite(path)).map(Self::from)
    }

    /// As [`crate::Store::open_postgres`].
    ///
    /// # Errors
    /// As [`crate::Store::open`].
    pub fn open_postgres(url: &str) -> Result<Self, StoreError> {
        block_on(crate::Store::open_postgres(url)).map(Self::from)
    }

    /// The async store this one waits on, for code that has a runtime after all.
    pub fn as_async(&self) -> &crate::Store {
        &self.inner
    }

    /// As [`crate::Store::kind`].
    pub fn kind(&self) -> BackendKind {
        self.inner.kind()
    }

    /// As [`crate::Store::opening`].
    pub fn opening(&self) -> &ProcessRef {
        self.inner.opening()
    }

    /// As [`crate::Store::set_opening`].
    pub fn set_opening(&mut self, process: ProcessRef) {
        self.inner.set_opening(process);
    }

    /// As [`crate::Store::append`].
    ///
    /// # Errors
    /// As [`crate::Store::append`].
    pub fn append(
        &self,
        deal: &DealId,
        expected: u64,
        events: Vec<Event>,
    ) -> Result<Appended, StoreError> {
        block_on(self.inner.append(deal, expected, events))
    }

    /// As [`crate::Store::append_batch`].
    ///
    /// # Errors
    /// As [`crate::Store::append_batch`].
    pub fn append_batch(&self, batch: Vec<Append>) -> Result<Vec<Appended>, StoreError> {
        block_on(self.inner.append_batch(batch))
    }

    /// As [`crate::Store::execute`].
    ///
    /// # Errors
    /// As [`crate::Store::execute`].
    pub fn execute(&self, deal: &DealId, envelope: &Envelope) -> Result<Executed, StoreError> {
        block_on(self.inner.execute(deal, envelope))
    }

    /// As [`crate::Store::execute_batch`].
    ///
    /// # Errors
    /// As [`crate::Store::execute_batch`].
    pub fn execute_batch(
        &self,
        commands: &[(DealId, Envelope)],
    ) -> Result<Vec<Appended>, StoreError> {
        block_on(self.inner.execute_batch(commands))
    }

    /// As [`crate::Store::import`].
    ///
    /// # Errors
    /// As [`crate::Store::import`].
    pub fn import(&self, logs: Vec<Vec<StoredEvent>>) -> Result<Imported, StoreError> {
        block_on(self.inner.import(logs))
    }

    /// As [`crate::Store::import_with`].
    ///
    /// # Errors
    /// As [`crate::Store::import`].
    pub fn import_with(
        &self,
        logs: Vec<Vec<StoredEvent>>,
        progress: impl FnMut(u64, u64) + Send + 'static,
    ) -> Result<Imported, StoreError> {
        block_on(self.inner.import_with(logs, progress))
    }

    /// As [`crate::Store::summary`].
    ///
    /// # Errors
    /// As [`crate::Store::summary`].
    pub fn summary(&self, deal: &DealId) -> Result<Option<DealSummary>, StoreError> {
        block_on(self.inner.summary(deal))
    }

    /// As [`crate::Store::deals`].
    ///
    /// # Errors
    /// As [`crate::Store::deals`].
    pub fn deals(&self) -> Result<Vec<DealSummary>, StoreError> {
        block_on(self.inner.deals())
    }

    /// As [`crate::Store::log`].
    ///
    /// # Errors
    /// As [`crate::Store::log`].
    pub fn log(&self, deal: &DealId) -> Result<Vec<StoredEvent>, StoreError> {
        block_on(self.inner.log(deal))
    }

    /// Every deal's log, deal by deal in id order, read one deal at a time (as
    /// [`crate::Store::logs`]).
    pub fn logs(
        &self,
    ) -> impl Iterator<Item = Result<(DealId, Vec<StoredEvent>), StoreError>> + Send + 'static {
        let mut logs = Box::pin(self.inner.logs());
        std::iter::from_fn(move || block_on(futures_util::StreamExt::next(&mut logs)))
    }

    /// As [`crate::Store::load`].
    ///
    /// # Errors
    /// As [`crate::Store::load`].
    pub fn load(&self, deal: &DealId) -> Result<Deal, StoreError> {
        block_on(self.inner.load(deal))
    }

    /// As [`crate::Store::read_stream`].
    ///
    /// # Errors
    /// As [`crate::Store::read_stream`].
    pub fn read_stream(&self, after: u64, limit: usize) -> Result<Vec<Record>, StoreError> {
        block_on(self.inner.read_stream(after, limit))
    }

    /// As [`crate::Store::last_position`].
    ///
    /// # Errors
    /// As [`crate::Store::last_position`].
    pub fn last_position(&self) -> Result<u64, StoreError> {
        block_on(self.inner.last_position())
    }

    /// As [`crate::Store::subscribe`]: an iterator that waits for each record.
    pub fn subscribe(&self, after: u64) -> Subscription {
        Subscription(self.inner.subscribe(after))
    }

    /// As [`crate::Store::checkpoint`].
    ///
    /// # Errors
    /// As [`crate::Store::checkpoint`].
    pub fn checkpoint(&self, name: &str, position: u64) -> Result<(), StoreError> {
        block_on(self.inner.checkpoint(name, position))
    }

    /// As [`crate::Store::checkpoint_of`].
    ///
    /// # Errors
    /// As [`crate::Store::checkpoint_of`].
    pub fn checkpoint_of(&self, name: &str) -> Result<Option<u64>, StoreError> {
        block_on(self.inner.checkpoint_of(name))
    }

    /// As [`crate::Store::publish`].
    ///
    /// # Errors
    /// As [`crate::Store::publish`].
    pub fn publish(&self, definition: ProcessDefinition) -> Result<Published, StoreError> {
        block_on(self.inner.publish(definition))
    }

    /// As [`crate::Store::process`].
    ///
    /// # Errors
    /// As [`crate::Store::process`].
    pub fn process(&self, reference: &ProcessRef) -> Result<Process, StoreError> {
        block_on(self.inner.process(reference))
    }

    /// As [`crate::Store::processes`].
    ///
    /// # Errors
    /// As [`crate::Store::processes`].
    pub fn processes(&self) -> Result<Arc<BTreeMap<ProcessRef, Process>>, StoreError> {
        block_on(self.inner.processes())
    }

    /// As [`crate::Store::verify`].
    ///
    /// # Errors
    /// As [`crate::Store::verify`].
    pub fn verify(&self, deal: &DealId) -> Result<Verified, StoreError> {
        block_on(self.inner.verify(deal))
    }

    /// As [`crate::Store::verify_all`].
    ///
    /// # Errors
    /// As [`crate::Store::verify_all`].
    pub fn verify_all(&self) -> Result<VerifyReport, StoreError> {
        block_on(self.inner.verify_all())
    }
}

/// [`crate::Subscription`] for synchronous code: each `next` waits for the next record.
#[derive(Debug)]
pub struct Subscription(crate::Subscription);

impl Iterator for Subscription {
    type Item = Result<Record, StoreError>;

    fn next(&mut self) -> Option<Self::Item> {
        block_on(futures_util::StreamExt::next(&mut self.0))
    }
}
