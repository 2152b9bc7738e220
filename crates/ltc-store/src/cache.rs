//! Verified deal states, so that a command costs the same whatever the deal's history.
//!
//! An entry is a deal's state with the version and head of the log it was replayed from, after
//! that log verified (its chain, its head equal to the one kept beside the deal, its replay
//! under the rules). It is used only where the deal's row, read in the same transaction (or the
//! same read) as the command, still keeps that version and head: a deal written since (by
//! another connection, another process) is brought up to date from the events after the cached
//! version, their chain checked to continue the cached head and to end at the row's head, each
//! event replayed under the rules; a row whose head no longer continues the cached one (a log
//! rewritten in the database) is read and verified whole again. Rows edited or deleted in the
//! database behind the store move the row's edit count (the database's triggers keep it), and
//! events written beyond the row's version show in the last version stored: either way the state
//! is not used and the log is read and verified whole, so an edited log is caught on the next
//! read. `verify` never uses it.

use lru::LruCache;
use ltc_pipeline::integrity::Digest;
use ltc_pipeline::{Deal, DealId};
use std::num::NonZeroUsize;
use std::sync::Mutex;

/// A deal's state as of a verified head.
#[derive(Debug, Clone)]
pub(crate) struct Cached {
    pub(crate) head: Digest,
    /// The edit count of the deal's row when its log was read.
    pub(crate) edits: i64,
    /// Shared with the answers of the commands that moved it on: a command copies it only when
    /// an answer is still held.
    pub(crate) deal: std::sync::Arc<Deal>,
}

impl Cached {
    pub(crate) fn version(&self) -> u64 {
        self.deal.version()
    }

    /// Whether it stands for the stored log the row describes.
    pub(crate) fn stands_for(&self, row: &crate::DealSummary, stamp: &crate::rows::Stamp) -> bool {
        self.version() == row.version
            && self.head == row.head
            && self.edits == stamp.edits
            && stamp.last == row.version
    }

    /// Whether the stored log is this one with events after it: nothing was edited, and the row
    /// and the last event stored are further on.
    pub(crate) fn is_prefix_of(
        &self,
        row: &crate::DealSummary,
        stamp: &crate::rows::Stamp,
    ) -> bool {
        self.version() < row.version && self.edits == stamp.edits && stamp.last == row.version
    }
}

/// The least recently used states are dropped first; `capacity` 0 keeps none.
#[derive(Debug)]
pub(crate) struct Cache {
    states: Option<Mutex<LruCache<DealId, Cached>>>,
}

impl Cache {
    pub(crate) fn new(capacity: usize) -> Self {
        Self {
            states: NonZeroUsize::new(capacity).map(|n| Mutex::new(LruCache::new(n))),
        }
    }

    fn with<T>(&self, f: impl FnOnce(&mut LruCache<DealId, Cached>) -> T) -> Option<T> {
        let states = self.states.as_ref()?;
        // A poisoned lock only means a panic elsewhere while it was held: the map is still a map
        // of verified states (every insert is one call), so it is used as it is.
        let mut states = match states.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        };
        Some(f(&mut states))
    }

    /// Takes the deal's state out (the writer gives it back, moved on, after its commit).
    pub(crate) fn take(&self, deal: &DealId) -> Option<Cached> {
        self.with(|states| states.pop(deal)).flatten()
    }

    /// A copy of the deal's state.
    pub(crate) fn get(&self, deal: &DealId) -> Option<Cached> {
        self.with(|states| states.get(deal).cloned()).flatten()
    }

    /// Keeps a state, unless one of a later version is kept already.
    pub(crate) fn put(&self, cached: Cached) {
        self.with(|states| {
            let id = cached.deal.id().clone();
            let newer = states
                .peek(&id)
                .is_some_and(|kept| kept.version() > cached.version());
            if !newer {
                states.put(id, cached);
            }
        });
    }

    /// Forgets a deal (its log was written by a path that did not keep its state).
    pub(crate) fn forget(&self, deal: &DealId) {
        self.with(|states| states.pop(deal));
    }
}
