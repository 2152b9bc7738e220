//! Replaying logs as of `now`: the per-deal figures, the filter and the snapshot of a set of deals.

use super::digest::{happening, Happening};
use super::{count, Elapsed};
use chrono::{DateTime, Utc};
use ltc_pipeline::objects_only;
use ltc_pipeline::{
    Currency, Deal, DealId, EndKind, Error, Event, Money, PersonId, Processes, Role, Stage,
    StageKind, Stint,
};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// One deal replayed as of `now`.
#[derive(Debug, Clone)]
pub(crate) struct Replayed {
    pub(crate) deal: Deal,
    /// Every change of stage kind, with when it happened; the first is `captured`.
    pub(crate) entries: Vec<(StageKind, DateTime<Utc>)>,
    pub(crate) happenings: Vec<Happening>,
    pub(crate) now: DateTime<Utc>,
}

/// Replays `events` up to the first one dated after `now`; `None` if none is at or before `now`.
pub(crate) fn replay<P: Processes + ?Sized>(
    events: &[Event],
    process: &P,
    now: DateTime<Utc>,
) -> Result<Option<Replayed>, Error> {
    let Some(first) = events.first() else {
        return Ok(None);
    };
    let mut deal = Deal::new(first.deal.clone());
    let mut entries = Vec::new();
    let mut happenings = Vec::new();
    for event in events {
        if event.at > now {
            break;
        }
        let before = deal.stage_kind();
        let signed_before = deal.contract().is_some();
        deal.apply(process, event)?;
        if let Some(kind) = deal.stage_kind() {
            if Some(kind) != before {
                entries.push((kind, event.at));
            }
        }
        if let Some(h) = happening(&deal, event, signed_before) {
            happenings.push(h);
        }
    }
    if deal.version() == 0 {
        return Ok(None);
    }
    Ok(Some(Replayed {
        deal,
        entries,
        happenings,
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

    pub(crate) fn ending(&self) -> Option<&ltc_pipeline::Ending> {
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

    /// The people who held a stint (in `role` when given), sorted.
    pub(crate) fn people(&self, role: Option<&Role>) -> BTreeSet<PersonId> {
        self.stints(role).map(|s| s.person.clone()).collect()
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

    pub(crate) fn figures(&self) -> Result<DealFigures, Error> {
        let mut visits = Vec::new();
        let mut iter = self.entries.iter().peekable();
        while let Some((stage, entered)) = iter.next() {
            if stage.is_end() {
                break;
            }
            let left = iter.peek().map(|(_, at)| *at);
            visits.push(StageVisit {
                stage: *stage,
                entered: *entered,
                left,
                elapsed: Elapsed::between(*entered, left.unwrap_or(self.now)),
            });
        }
        let mut stages: Vec<StageTime> = Vec::new();
        for kind in StageKind::ALL {
            let mine: Vec<&StageVisit> = visits.iter().filter(|v| v.stage == kind).collect();
            if mine.is_empty() {
                continue;
            }
            let seconds = mine
                .iter()
                .try_fold(0i64, |acc, v| acc.checked_add(v.elapsed.seconds))
                .ok_or(Error::Overflow)?;
            stages.push(StageTime {
                stage: kind,
                visits: count(mine.len())?,
                elapsed: Elapsed::from_seconds(seconds),
            });
        }
        let ending = self.ending();
        Ok(DealFigures {
            deal: self.id().clone(),
            customer: self.deal.customer().to_owned(),
            source: self.deal.source().to_owned(),
            opened_at: self.opened_at(),
            stage: self.stage(),
            stage_since: self.deal.stage_since().unwrap_or(self.now),
            ended: ending.map(|e| EndFigure {
                kind: e.kind,
                at: e.at,
                from: e.from,
                reason: e.reason.clone(),
            }),
            cycle: Elapsed::between(self.opened_at(), self.cycle_end()),
            age_in_stage: match ending {
                Some(_) => None,
                None => self
                    .deal
                    .stage_since()
                    .map(|since| Elapsed::between(since, self.now)),
            },
            currency: self.deal.currency(),
            amount: self.amount(),
            contract_value: self.contract_value(),
            collected: self.collected(),
            visits,
            stages,
        })
    }

    /// The contract value once signed, else the terms or estimate.
    fn amount(&self) -> Option<Money> {
        let currency = self.deal.currency()?;
        let amount = self.deal.amount()?;
        Some(Money { amount, currency })
    }
}

/// One stay of a deal in a stage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self", deny_unknown_fields)]
pub struct StageVisit {
    /// The stage.
    pub stage: StageKind,
    /// When the deal entered it.
    pub entered: DateTime<Utc>,
    /// When it left (`None`: it is still there at `now`).
    pub left: Option<DateTime<Utc>>,
    /// From entering to leaving, or to `now`.
    pub elapsed: Elapsed,
}

objects_only!(StageVisit);

/// The total time a deal spent in one stage, over all its visits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self", deny_unknown_fields)]
pub struct StageTime {
    /// The stage.
    pub stage: StageKind,
    /// How many times the deal entered it.
    pub visits: u32,
    /// The sum of the visits.
    pub elapsed: Elapsed,
}

objects_only!(StageTime);

/// How a deal ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self", deny_unknown_fields)]
pub struct EndFigure {
    /// The kind of end.
    pub kind: EndKind,
    /// When.
    pub at: DateTime<Utc>,
    /// The stage it ended from.
    pub from: StageKind,
    /// Why.
    pub reason: String,
}

objects_only!(EndFigure);

/// The figures of one deal as of `now`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self", deny_unknown_fields)]
pub struct DealFigures {
    /// The deal.
    pub deal: DealId,
    /// The customer.
    pub customer: String,
    /// The lead's source.
    pub source: String,
    /// When the lead was captured.
    pub opened_at: DateTime<Utc>,
    /// The stage at `now`.
    pub stage: StageKind,
    /// When the deal entered that stage.
    pub stage_since: DateTime<Utc>,
    /// How it ended, if it has.
    pub ended: Option<EndFigure>,
    /// Every stay in a non-end stage, oldest first.
    pub visits: Vec<StageVisit>,
    /// Time per stage (every visit counted), in backbone order; only stages visited.
    pub stages: Vec<StageTime>,
    /// From the lead's capture to the end, or to `now` for an open deal; equals the sum of
    /// `stages` to the second.
    pub cycle: Elapsed,
    /// Time in the current stage for an open deal; `None` once ended.
    pub age_in_stage: Option<Elapsed>,
    /// The deal's currency, once an amount was given.
    pub currency: Option<Currency>,
    /// The contract value once signed (kept after the end), else the terms or the estimate.
    pub amount: Option<Money>,
    /// The contract value (after amendments) once signed.
    pub contract_value: Option<Money>,
    /// Net cash collected on the contract, once signed.
    pub collected: Option<Money>,
}

objects_only!(DealFigures);

/// The figures of one deal, from its log, as of `now`.
///
/// # Errors
/// [`Error::NotOpened`] when no event is dated at or before `now`;
/// [`Error::InvalidEvent`], naming the deal and the first bad event, when the log does not replay
/// under `process` (an event dated before the one it follows, a gap in the versions, an event the
/// engine could not have written).
///
/// # Examples
/// ```
/// use chrono::{Duration, TimeZone, Utc};
/// use ltc_analytics::deal_figures;
/// use ltc_pipeline::{Command, Deal, DealId, Process, StageKind};
/// # use std::collections::BTreeMap;
/// let process = Process::standard();
/// let mut deal = Deal::new(DealId::new("D-1"));
/// let t0 = Utc.with_ymd_and_hms(2026, 1, 5, 9, 0, 0).unwrap();
/// let mut log = deal.execute(&process, &Command::CaptureLead {
///     customer: "ACME".into(), source: "web".into(), estimate: None }, &"ops".into(), t0)?;
/// let scores: BTreeMap<String, u32> =
///     [("budget", 1), ("decision_chain", 1), ("urgency", 1)].map(|(k, v)| (k.to_owned(), v)).into();
/// log.extend(deal.execute(&process, &Command::GradeLead { scores }, &"ana".into(), t0 + Duration::days(2))?);
///
/// let f = deal_figures(&log, &process, t0 + Duration::days(5))?;
/// assert_eq!(f.stage, StageKind::Graded);
/// assert_eq!(f.stages[0].elapsed.days.to_string(), "2.00"); // captured
/// assert_eq!(f.stages[1].elapsed.days.to_string(), "3.00"); // graded, still there
/// assert_eq!(f.cycle.whole_days(), 5);
/// assert_eq!(f.age_in_stage.map(|a| a.whole_days()), Some(3));
/// # Ok::<(), ltc_pipeline::Error>(())
/// ```
pub fn deal_figures<P: Processes + ?Sized>(
    events: &[Event],
    process: &P,
    now: DateTime<Utc>,
) -> Result<DealFigures, Error> {
    replay(events, process, now)?
        .ok_or(Error::NotOpened)?
        .figures()
}

/// Which deals a set figure is computed over. The default selects every deal.
///
/// - `from` / `until`: the lead was captured at or after `from` and before `until` (a range that
///   ends before it starts selects nothing).
/// - `person`: the person held a stint on the deal's team at some time (in `role` when given).
/// - `role` without `person`: the role was staffed at some time. For [`Snapshot::people`] and
///   [`Snapshot::enablement`] the role also restricts which stints make a person count.
///
/// ```
/// use ltc_analytics::Filter;
/// use ltc_pipeline::Role;
/// let f = Filter::default().person("ana").role(Role::ar());
/// assert_eq!(f.person.map(|p| p.to_string()), Some("ana".to_owned()));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self", deny_unknown_fields)]
pub struct Filter {
    /// Leads captured at or after this instant.
    #[serde(default)]
    pub from: Option<DateTime<Utc>>,
    /// Leads captured before this instant.
    #[serde(default)]
    pub until: Option<DateTime<Utc>>,
    /// Deals this person was on.
    #[serde(default)]
    pub person: Option<PersonId>,
    /// Deals on which this role was staffed (by `person`, when given).
    #[serde(default)]
    pub role: Option<Role>,
}

objects_only!(Filter);

impl Filter {
    /// Leads captured in `[from, until)`.
    pub fn opened(mut self, from: DateTime<Utc>, until: DateTime<Utc>) -> Self {
        self.from = Some(from);
        self.until = Some(until);
        self
    }

    /// Deals `person` was on.
    pub fn person(mut self, person: impl Into<PersonId>) -> Self {
        self.person = Some(person.into());
        self
    }

    /// Deals on which `role` was staffed.
    pub fn role(mut self, role: Role) -> Self {
        self.role = Some(role);
        self
    }

    pub(crate) fn matches(&self, deal: &Replayed) -> bool {
        let opened = deal.opened_at();
        if self.from.is_some_and(|from| opened < from) {
            return false;
        }
        if self.until.is_some_and(|until| opened >= until) {
            return false;
        }
        let mut stints = deal.stints(self.role.as_ref());
        match &self.person {
            Some(person) => stints.any(|s| &s.person == person),
            None if self.role.is_some() => stints.next().is_some(),
            None => true,
        }
    }
}

/// A set of deals replayed once as of `now`, to compute set figures from.
///
/// Logs that have no event at or before `now` (deals not opened yet) and empty logs are left out.
///
/// ```
/// use chrono::{TimeZone, Utc};
/// use ltc_analytics::Snapshot;
/// use ltc_pipeline::{Event, Process};
/// let logs: Vec<Vec<Event>> = vec![Vec::new()];
/// let snapshot = Snapshot::new(&logs, &Process::standard(), Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap())?;
/// assert!(snapshot.is_empty());
/// # Ok::<(), ltc_pipeline::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Snapshot {
    pub(crate) now: DateTime<Utc>,
    pub(crate) deals: Vec<Replayed>,
}

impl Snapshot {
    /// Replays every log as of `now`, each event under the process version in force for it
    /// (`process` is one [`Process`](ltc_pipeline::Process), or every version the logs name).
    ///
    /// # Errors
    /// [`Error::DuplicateId`] when two logs are of the same deal; otherwise as [`deal_figures`].
    pub fn new<L: AsRef<[Event]>, P: Processes + ?Sized>(
        logs: &[L],
        process: &P,
        now: DateTime<Utc>,
    ) -> Result<Self, Error> {
        let mut deals = Vec::new();
        let mut seen = BTreeSet::new();
        for log in logs {
            if let Some(first) = log.as_ref().first() {
                if !seen.insert(first.deal.clone()) {
                    return Err(Error::DuplicateId {
                        kind: "deal",
                        id: first.deal.to_string(),
                    });
                }
            }
            if let Some(deal) = replay(log.as_ref(), process, now)? {
                deals.push(deal);
            }
        }
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

    /// The figures of every selected deal, in the order of the logs.
    ///
    /// # Errors
    /// [`Error::Overflow`] on absurd durations.
    pub fn deals(&self, filter: &Filter) -> Result<Vec<DealFigures>, Error> {
        self.selected(filter).map(Replayed::figures).collect()
    }
}
