//! Replaying a log as of `now`: each event folded through `Deal::apply`, and what the figures
//! read off the deal's state after each one.

use crate::error::Error;
use crate::happening::{happening, Happening};
use crate::levels::ServiceLevels;
use chrono::{DateTime, Utc};
use ltc_pipeline::{
    Deal, DealId, EndKind, Ending, Event, Money, ProcessRef, Processes, Role, Stage, StageKind,
    Stint,
};
use std::collections::BTreeMap;
use std::sync::Arc;

/// One deal replayed as of `now`.
#[derive(Debug, Clone)]
pub(crate) struct Replayed {
    pub(crate) deal: Deal,
    /// The stages the deal was in, oldest first, each with the instant the deal says it entered
    /// it (`Deal::stage_since`); the first is `captured`.
    pub(crate) entries: Vec<(StageKind, DateTime<Utc>)>,
    pub(crate) happenings: Vec<Happening>,
    /// The service levels of the process version the deal runs under at `now`.
    pub(crate) levels: Arc<ServiceLevels>,
    pub(crate) now: DateTime<Utc>,
}

/// The service levels of each process version met so far, so that deals of one version share
/// them.
#[derive(Debug, Default)]
pub(crate) struct LevelsCache(BTreeMap<ProcessRef, Arc<ServiceLevels>>);

impl LevelsCache {
    fn get<P: Processes + ?Sized>(
        &mut self,
        processes: &P,
        reference: &ProcessRef,
    ) -> Result<Arc<ServiceLevels>, Error> {
        if let Some(levels) = self.0.get(reference) {
            return Ok(Arc::clone(levels));
        }
        let levels = Arc::new(ServiceLevels::of(processes.get(reference)?));
        self.0.insert(reference.clone(), Arc::clone(&levels));
        Ok(levels)
    }
}

/// Replays `events` up to the first one dated after `now`; `None` if none is at or before `now`.
///
/// Every event goes through [`Deal::apply`]; the stage entries and the happenings are read off
/// the deal's state after each one, never tracked beside it.
pub(crate) fn replay<P: Processes + ?Sized>(
    events: &[Event],
    processes: &P,
    now: DateTime<Utc>,
    cache: &mut LevelsCache,
) -> Result<Option<Replayed>, Error> {
    let Some(first) = events.first() else {
        return Ok(None);
    };
    let mut deal = Deal::new(first.deal.clone());
    let mut entries: Vec<(StageKind, DateTime<Utc>)> = Vec::new();
    let mut happenings = Vec::new();
    for event in events {
        if event.at > now {
            break;
        }
        let signed_before = deal.contract().is_some();
        deal.apply(processes, event)?;
        if let (Some(kind), Some(since)) = (deal.stage_kind(), deal.stage_since()) {
            if entries.last() != Some(&(kind, since)) {
                entries.push((kind, since));
            }
        }
        if let Some(h) = happening(&deal, event, signed_before) {
            happenings.push(h);
        }
    }
    let Some(reference) = deal.process() else {
        return Ok(None);
    };
    let levels = cache.get(processes, reference)?;
    Ok(Some(Replayed {
        deal,
        entries,
        happenings,
        levels,
        now,
    }))
}

impl Replayed {
    pub(crate) fn id(&self) -> &DealId {
        self.deal.id()
    }

    pub(crate) fn opened_at(&self) -> DateTime<Utc> {
        self.entries.first().map_or(self.now, |(_, at)| *at)
    }

    pub(crate) fn stage(&self) -> StageKind {
        self.deal.stage_kind().unwrap_or(StageKind::Captured)
    }

    pub(crate) fn ending(&self) -> Option<&Ending> {
        match self.deal.stage() {
            Stage::Ended(e) => Some(e),
            _ => None,
        }
    }

    pub(crate) fn is_won(&self) -> bool {
        self.ending().is_some_and(|e| e.kind == EndKind::Won)
    }

    /// When the cycle ends: the end of the deal, or `now` for an open deal.
    pub(crate) fn cycle_end(&self) -> DateTime<Utc> {
        self.ending().map_or(self.now, |e| e.at)
    }

    /// The furthest stage reached in backbone order (`won` for a won deal; other ends do not count).
    pub(crate) fn furthest(&self) -> StageKind {
        if self.is_won() {
            return StageKind::Won;
        }
        self.entries
            .iter()
            .map(|(kind, _)| *kind)
            .filter(|kind| !kind.is_end())
            .max()
            .unwrap_or(StageKind::Captured)
    }

    /// Stints of the deal, restricted to `role` when given.
    pub(crate) fn stints<'s>(&'s self, role: Option<&'s Role>) -> impl Iterator<Item = &'s Stint> {
        self.deal
            .team()
            .stints()
            .iter()
            .filter(move |s| role.is_none_or(|r| &s.role == r))
    }

    pub(crate) fn contract_value(&self) -> Option<Money> {
        self.deal.contract().map(|c| c.value)
    }

    pub(crate) fn collected(&self) -> Option<Money> {
        self.deal.contract().map(|c| Money {
            amount: c.collected(),
            currency: c.value.currency,
        })
    }
}
