//! The figures of one deal: its visits to each stage, time per stage, cycle and amounts.

use crate::elapsed::{count, Elapsed};
use crate::error::Error;
use crate::replay::{replay, LevelsCache, Replayed};
use chrono::{DateTime, Utc};
use ltc_pipeline::objects_only;
use ltc_pipeline::{Currency, DealId, EndKind, Event, Money, Processes, StageKind};
use serde::{Deserialize, Serialize};

impl Replayed {
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
                reason: e.reason.to_string(),
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
/// [`Error::Core`] with `invalid_event`, naming the deal and the first bad event, when the log does not replay
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
/// # Ok::<(), ltc_analytics::Error>(())
/// ```
pub fn deal_figures<P: Processes + ?Sized>(
    events: &[Event],
    process: &P,
    now: DateTime<Utc>,
) -> Result<DealFigures, Error> {
    replay(events, process, now, &mut LevelsCache::default())?
        .ok_or(Error::NotOpened)?
        .figures()
}
