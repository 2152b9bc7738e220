//! A set of deals replayed once as of `now`, and the set figures over it.

use crate::deal::DealFigures;
use crate::digest::{self, Digest};
use crate::error::Error;
use crate::figures::{self, Enablement, Funnel, GateFigures, PersonFigures};
use crate::filter::Filter;
use crate::replay::{replay, LevelsCache, Replayed};
use crate::service::{self, DealLight, Due, Settings};
use crate::stages::{self, StageDays};
use chrono::{DateTime, NaiveDate, Utc};
use ltc_pipeline::{Event, PersonId, Processes};
use std::collections::BTreeSet;

/// A set of deals replayed once as of `now`, to compute set figures from.
///
/// Logs that have no event at or before `now` (deals not opened yet) and empty logs are left out.
/// The deals are kept by deal id, whatever the order of the logs, so every figure and every list
/// is the same for the same logs in any order.
///
/// ```
/// use chrono::{TimeZone, Utc};
/// use ltc_analytics::Snapshot;
/// use ltc_pipeline::{Event, Process};
/// let logs: Vec<Vec<Event>> = vec![Vec::new()];
/// let snapshot = Snapshot::new(&logs, &Process::standard(), Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap())?;
/// assert!(snapshot.is_empty());
/// # Ok::<(), ltc_analytics::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Snapshot {
    pub(crate) now: DateTime<Utc>,
    pub(crate) deals: Vec<Replayed>,
}

impl Snapshot {
    /// Replays every log as of `now`, each event under the process version in force for it
    /// (`process` is one [`Process`](ltc_pipeline::Process), or every version the logs name).
    /// Each deal's lights and what is due are read against the service levels of the version it
    /// runs under at `now`.
    ///
    /// # Errors
    /// [`Error::DuplicateDeal`] when two logs are of the same deal; otherwise as [`deal_figures`](crate::deal_figures).
    pub fn new<L: AsRef<[Event]>, P: Processes + ?Sized>(
        logs: &[L],
        process: &P,
        now: DateTime<Utc>,
    ) -> Result<Self, Error> {
        let mut deals = Vec::new();
        let mut seen = BTreeSet::new();
        let mut levels = LevelsCache::default();
        for log in logs {
            if let Some(first) = log.as_ref().first() {
                if !seen.insert(first.deal.clone()) {
                    return Err(Error::DuplicateDeal {
                        deal: first.deal.clone(),
                    });
                }
            }
            if let Some(deal) = replay(log.as_ref(), process, now, &mut levels)? {
                deals.push(deal);
            }
        }
        // Deal ids are unique (checked above): a total order.
        deals.sort_unstable_by(|a, b| a.id().cmp(b.id()));
        Ok(Self { now, deals })
    }

    /// The instant the figures are taken at.
    pub fn now(&self) -> DateTime<Utc> {
        self.now
    }

    /// How many deals were opened by `now`.
    pub fn len(&self) -> usize {
        self.deals.len()
    }

    /// Whether no deal was opened by `now`.
    pub fn is_empty(&self) -> bool {
        self.deals.is_empty()
    }

    pub(crate) fn selected<'s>(&'s self, filter: &'s Filter) -> impl Iterator<Item = &'s Replayed> {
        self.deals.iter().filter(move |d| filter.matches(d))
    }

    /// The figures of every selected deal, by deal id.
    ///
    /// # Errors
    /// [`Error::Overflow`] on absurd durations.
    pub fn deals(&self, filter: &Filter) -> Result<Vec<DealFigures>, Error> {
        self.selected(filter).map(Replayed::figures).collect()
    }

    /// The funnel of the selected deals.
    ///
    /// A deal *reaches* a stage when its furthest stage in backbone order is that stage or a later
    /// one (a won deal reaches every row), so `reached` never grows down the rows.
    ///
    /// # Errors
    /// [`Error::Overflow`] on absurd sums.
    pub fn funnel(&self, filter: &Filter) -> Result<Funnel, Error> {
        figures::funnel(&self.selected(filter).collect::<Vec<_>>())
    }

    /// One row per gate (all six, in backbone order) over the selected deals.
    ///
    /// # Errors
    /// [`Error::Overflow`] on absurd counts.
    pub fn gates(&self, filter: &Filter) -> Result<Vec<GateFigures>, Error> {
        figures::gates(&self.selected(filter).collect::<Vec<_>>())
    }

    /// One row per person who held a stint on the selected deals (in the filter's role, when
    /// given; only the filter's person, when given), sorted by person.
    ///
    /// # Errors
    /// [`Error::Overflow`] on absurd sums.
    pub fn people(&self, filter: &Filter) -> Result<Vec<PersonFigures>, Error> {
        figures::people(&self.selected(filter).collect::<Vec<_>>(), filter)
    }

    /// Enablement figures of every person who held a stint on the selected deals (as for
    /// [`Snapshot::people`]), with their won deals split at `split` by the date they were won.
    ///
    /// # Errors
    /// [`Error::Overflow`] on absurd sums.
    pub fn enablement(
        &self,
        filter: &Filter,
        split: DateTime<Utc>,
    ) -> Result<Vec<Enablement>, Error> {
        figures::enablement(&self.selected(filter).collect::<Vec<_>>(), filter, split)
    }

    /// Days in stage as a distribution: one row per non-end stage, in backbone order, with one
    /// point per selected deal that visited it (every visit summed, the current one up to `now`),
    /// by deal id, each against the stage's service level in the version the deal runs under.
    ///
    /// # Errors
    /// [`Error::InvalidAmberShare`] for bad settings; [`Error::Overflow`] on absurd durations.
    pub fn stage_days(
        &self,
        settings: &Settings,
        filter: &Filter,
    ) -> Result<Vec<StageDays>, Error> {
        stages::stage_days(&self.selected(filter).collect::<Vec<_>>(), settings)
    }

    /// The lights of the selected open deals, worst first, then by deal, each against the service
    /// levels of the process version the deal runs under.
    ///
    /// # Errors
    /// [`Error::InvalidAmberShare`] for bad settings.
    pub fn lights(&self, settings: &Settings, filter: &Filter) -> Result<Vec<DealLight>, Error> {
        service::lights(self.selected(filter), settings)
    }

    /// What is due on the selected deals, oldest first (then by deal and kind), each deal by the
    /// process version it runs under.
    ///
    /// # Errors
    /// [`Error::InvalidAmberShare`] for bad settings.
    pub fn due(&self, settings: &Settings, filter: &Filter) -> Result<Vec<Due>, Error> {
        service::due(self.selected(filter), settings)
    }

    /// The digest of `person` for `day` (a UTC date), with lights and what is due as of the
    /// snapshot's `now`.
    ///
    /// - `happened`: what happened that day on *their deals*, the deals on which they held a stint
    ///   at some instant of the day, did something that day, or were joined or left that day. Only
    ///   events at or before `now` are seen. Their own happenings (done by them, or their joining
    ///   or leaving) are entries of their own; the others are one entry per deal and kind, with
    ///   their count and the first [`Digest::SAMPLE`] of them ([`Happened`](crate::Happened)).
    /// - `flagged`: amber or red open deals on which they currently hold a stint.
    /// - `due`: what is due on any deal with `person` among [`Due::who`], with the others who
    ///   should act counted and the first few named ([`DigestDue`](crate::DigestDue)).
    ///
    /// [`Report::new`](crate::Report::new) computes the digests of everyone at once, sharing what
    /// they have in common; this computes that shared part for one person.
    ///
    /// # Errors
    /// [`Error::InvalidAmberShare`] for bad settings.
    ///
    /// # Examples
    /// ```
    /// use chrono::{Duration, TimeZone, Utc};
    /// use ltc_analytics::{Settings, Snapshot};
    /// use ltc_pipeline::{Command, Deal, DealId, Process};
    /// let process = Process::standard();
    /// let mut deal = Deal::new(DealId::new("D-1"));
    /// let t0 = Utc.with_ymd_and_hms(2026, 1, 5, 9, 0, 0).unwrap();
    /// let log = deal.execute(&process, &Command::CaptureLead {
    ///     customer: "ACME".into(), source: "web".into(), estimate: None }, &"ops".into(), t0)?;
    /// let logs = [log];
    /// let snapshot = Snapshot::new(&logs, &process, t0 + Duration::hours(8))?;
    /// let digest = snapshot.digest(&Settings::default(), &"ops".into(), t0.date_naive())?;
    /// assert_eq!(digest.happened.len(), 1);
    /// assert!(digest.happened[0].own); // ops captured it
    /// assert!(digest.render().contains("lead captured: ACME (web)"));
    /// # Ok::<(), ltc_analytics::Error>(())
    /// ```
    pub fn digest(
        &self,
        settings: &Settings,
        person: &PersonId,
        day: NaiveDate,
    ) -> Result<Digest, Error> {
        digest::digest(&self.deals, self.now, settings, person, day)
    }
}
