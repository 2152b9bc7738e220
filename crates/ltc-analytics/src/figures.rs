//! Set figures: the funnel, the gate table, per-person and enablement figures.

use crate::elapsed::{add, count, ratio, Durations, Elapsed};
use crate::filter::Filter;
use crate::replay::Replayed;

use crate::error::Error;
use chrono::{DateTime, Utc};
use ltc_pipeline::objects_only;
use ltc_pipeline::{Currency, GateKind, GateRecord, Money, Outcome, PersonId, Role, StageKind};
use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// The stages of the funnel, in backbone order: every non-end stage, then `won`.
pub const FUNNEL_STAGES: [StageKind; 13] = [
    StageKind::Captured,
    StageKind::Graded,
    StageKind::AwaitingApproval,
    StageKind::SolutionWork,
    StageKind::Bid,
    StageKind::Negotiation,
    StageKind::AwaitingContractDecision,
    StageKind::Signed,
    StageKind::Fulfilment,
    StageKind::Invoicing,
    StageKind::Collection,
    StageKind::Closing,
    StageKind::Won,
];

/// One row of the funnel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self", deny_unknown_fields)]
pub struct FunnelRow {
    /// The stage.
    pub stage: StageKind,
    /// Deals whose furthest stage is this one or a later one.
    pub reached: u32,
    /// Deals in this stage at `now`.
    pub open: u32,
    /// Deals that ended (other than won) from this stage.
    pub ended: u32,
    /// `reached` of the next row over `reached` of this one (4 places); `None` for the last row
    /// or when no deal reached this stage.
    #[serde(with = "ltc_pipeline::serde_strict::decimal::option")]
    pub conversion: Option<Decimal>,
}

objects_only!(FunnelRow);

/// Won deal sizes in one currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self", deny_unknown_fields)]
pub struct SizeFigures {
    /// The currency.
    pub currency: Currency,
    /// How many won deals.
    pub deals: u32,
    /// Their summed contract values.
    #[serde(with = "ltc_pipeline::serde_strict::decimal")]
    pub total: Decimal,
    /// The mean, rounded half away from zero to two places.
    #[serde(with = "ltc_pipeline::serde_strict::decimal")]
    pub average: Decimal,
    /// The median (the exact mean of the two middle values for an even count).
    #[serde(with = "ltc_pipeline::serde_strict::decimal")]
    pub median: Decimal,
}

objects_only!(SizeFigures);

/// The funnel of the selected deals.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self", deny_unknown_fields)]
pub struct Funnel {
    /// Deals selected.
    pub deals: u32,
    /// One row per stage of [`FUNNEL_STAGES`]; `reached` never grows down the rows.
    pub rows: Vec<FunnelRow>,
    /// Deals won.
    pub won: u32,
    /// Deals that reached any end.
    pub ended: u32,
    /// `won / ended` (4 places); `None` while no deal has ended.
    #[serde(with = "ltc_pipeline::serde_strict::decimal::option")]
    pub win_rate: Option<Decimal>,
    /// Won deal sizes (contract value after amendments), per currency.
    pub won_sizes: Vec<SizeFigures>,
}

objects_only!(Funnel);

/// How often each outcome was recorded.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self", deny_unknown_fields)]
pub struct OutcomeCounts {
    /// Approved.
    pub approved: u32,
    /// Approved with conditions.
    pub approved_with_conditions: u32,
    /// Sent back for rework.
    pub rework: u32,
    /// Rejected.
    pub rejected: u32,
}

objects_only!(OutcomeCounts);

/// The figures of one gate over the selected deals.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self", deny_unknown_fields)]
pub struct GateFigures {
    /// The gate.
    pub gate: GateKind,
    /// Meetings convened (decided, withdrawn or still open).
    pub convened: u32,
    /// Decided meetings by outcome.
    pub outcomes: OutcomeCounts,
    /// Meetings withdrawn (by the convener, or because the deal ended).
    pub withdrawn: u32,
    /// Meetings still open at `now`.
    pub open: u32,
    /// Deals whose first meeting of this gate was decided.
    pub first_attempts_decided: u32,
    /// Deals whose first meeting of this gate was decided as a pass.
    pub first_attempts_passed: u32,
    /// `first_attempts_passed / first_attempts_decided` (4 places).
    #[serde(with = "ltc_pipeline::serde_strict::decimal::option")]
    pub first_attempt_pass_rate: Option<Decimal>,
    /// From convening to decision, over decided meetings.
    pub decision_time: Option<Durations>,
}

objects_only!(GateFigures);

/// An amount per currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self", deny_unknown_fields)]
pub struct Total {
    /// The currency.
    pub currency: Currency,
    /// The sum.
    #[serde(with = "ltc_pipeline::serde_strict::decimal")]
    pub amount: Decimal,
}

objects_only!(Total);

/// What one person's deals came to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self", deny_unknown_fields)]
pub struct PersonFigures {
    /// The person.
    pub person: PersonId,
    /// The roles they held on these deals.
    pub roles: Vec<Role>,
    /// Deals they were on (a stint at any time).
    pub deals: u32,
    /// Of those, still open at `now`.
    pub open: u32,
    /// Of those, won.
    pub won: u32,
    /// Of those, ended other than won.
    pub not_won: u32,
    /// Contract value of the won ones, per currency.
    pub won_value: Vec<Total>,
    /// Net cash collected on all of them, per currency.
    pub cash_collected: Vec<Total>,
}

objects_only!(PersonFigures);

/// Won deals of one person in a period: how big and how long.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self", deny_unknown_fields)]
pub struct Cohort {
    /// Won deals.
    pub won: u32,
    /// Their sizes per currency.
    pub sizes: Vec<SizeFigures>,
    /// Their cycle lengths (lead to won).
    pub cycle: Option<Durations>,
}

objects_only!(Cohort);

/// Enablement figures of one person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self", deny_unknown_fields)]
pub struct Enablement {
    /// The person.
    pub person: PersonId,
    /// When they first joined a deal team.
    pub first_joined: DateTime<Utc>,
    /// When the first deal they were on was won.
    pub first_win: Option<DateTime<Utc>>,
    /// From `first_joined` to `first_win`.
    pub time_to_first_win: Option<Elapsed>,
    /// Deals they were on that were won before the split date.
    pub before: Cohort,
    /// Deals they were on that were won at or after the split date.
    pub after: Cohort,
}

objects_only!(Enablement);

/// Sizes per currency of a set of amounts.
fn sizes(values: impl IntoIterator<Item = Money>) -> Result<Vec<SizeFigures>, Error> {
    let mut by: BTreeMap<Currency, Vec<Decimal>> = BTreeMap::new();
    for v in values {
        by.entry(v.currency).or_default().push(v.amount);
    }
    let mut out = Vec::new();
    for (currency, mut amounts) in by {
        amounts.sort();
        let n = count(amounts.len())?;
        let total = amounts
            .iter()
            .try_fold(Decimal::ZERO, |acc, a| add(acc, *a))?;
        let average = total
            .checked_div(Decimal::from(n))
            .ok_or(Error::Overflow)?
            .round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
        let mid = amounts.len() / 2;
        let median = match (amounts.get(mid.wrapping_sub(1)), amounts.get(mid)) {
            (Some(a), Some(b)) if amounts.len().is_multiple_of(2) => add(*a, *b)?
                .checked_div(Decimal::TWO)
                .ok_or(Error::Overflow)?,
            (_, Some(b)) => *b,
            _ => continue,
        };
        out.push(SizeFigures {
            currency,
            deals: n,
            total,
            average,
            median,
        });
    }
    Ok(out)
}

fn totals(values: impl IntoIterator<Item = Money>) -> Result<Vec<Total>, Error> {
    let mut by: BTreeMap<Currency, Decimal> = BTreeMap::new();
    for v in values {
        let slot = by.entry(v.currency).or_default();
        *slot = add(*slot, v.amount)?;
    }
    Ok(by
        .into_iter()
        .map(|(currency, amount)| Total { currency, amount })
        .collect())
}

fn cohort<'a>(deals: impl IntoIterator<Item = &'a Replayed>) -> Result<Cohort, Error> {
    let deals: Vec<&Replayed> = deals.into_iter().collect();
    Ok(Cohort {
        won: count(deals.len())?,
        sizes: sizes(deals.iter().filter_map(|d| d.contract_value()))?,
        cycle: Durations::of(
            deals
                .iter()
                .map(|d| (d.cycle_end() - d.opened_at()).num_seconds())
                .collect(),
        )?,
    })
}

pub(crate) fn funnel(deals: &[&Replayed]) -> Result<Funnel, Error> {
    let furthest: Vec<StageKind> = deals.iter().map(|d| d.furthest()).collect();
    let reached: Vec<u32> = FUNNEL_STAGES
        .iter()
        .map(|s| count(furthest.iter().filter(|f| *f >= s).count()))
        .collect::<Result<_, _>>()?;
    let mut rows = Vec::new();
    for (i, stage) in FUNNEL_STAGES.iter().enumerate() {
        let here = reached.get(i).copied().unwrap_or(0);
        let next = reached.get(i + 1).copied();
        rows.push(FunnelRow {
            stage: *stage,
            reached: here,
            open: count(
                deals
                    .iter()
                    .filter(|d| d.ending().is_none() && d.stage() == *stage)
                    .count(),
            )?,
            ended: count(
                deals
                    .iter()
                    .filter(|d| d.ending().is_some_and(|e| e.from == *stage && !d.is_won()))
                    .count(),
            )?,
            conversion: next.and_then(|n| ratio(n, here)),
        });
    }
    let won = count(deals.iter().filter(|d| d.is_won()).count())?;
    let ended = count(deals.iter().filter(|d| d.ending().is_some()).count())?;
    Ok(Funnel {
        deals: count(deals.len())?,
        rows,
        won,
        ended,
        win_rate: ratio(won, ended),
        won_sizes: sizes(
            deals
                .iter()
                .filter(|d| d.is_won())
                .filter_map(|d| d.contract_value()),
        )?,
    })
}

pub(crate) fn gates(deals: &[&Replayed]) -> Result<Vec<GateFigures>, Error> {
    let mut out = Vec::new();
    for gate in GateKind::ALL {
        let mut f = GateFigures {
            gate,
            convened: 0,
            outcomes: OutcomeCounts::default(),
            withdrawn: 0,
            open: 0,
            first_attempts_decided: 0,
            first_attempts_passed: 0,
            first_attempt_pass_rate: None,
            decision_time: None,
        };
        let mut times = Vec::new();
        for deal in deals {
            for record in deal.deal.gate_log() {
                match record {
                    GateRecord::Decided(d) if d.meeting.gate == gate => {
                        f.convened = f.convened.saturating_add(1);
                        let slot = match d.outcome {
                            Outcome::Approved => &mut f.outcomes.approved,
                            Outcome::ApprovedWithConditions => {
                                &mut f.outcomes.approved_with_conditions
                            }
                            Outcome::Rework => &mut f.outcomes.rework,
                            Outcome::Rejected => &mut f.outcomes.rejected,
                        };
                        *slot = slot.saturating_add(1);
                        if d.meeting.attempt == 1 {
                            f.first_attempts_decided = f.first_attempts_decided.saturating_add(1);
                            if d.outcome.is_pass() {
                                f.first_attempts_passed = f.first_attempts_passed.saturating_add(1);
                            }
                        }
                        times.push((d.decided_at - d.meeting.convened_at).num_seconds());
                    }
                    GateRecord::Withdrawn { meeting, .. } if meeting.gate == gate => {
                        f.convened = f.convened.saturating_add(1);
                        f.withdrawn = f.withdrawn.saturating_add(1);
                    }
                    _ => {}
                }
            }
            if deal.deal.meeting().is_some_and(|m| m.gate == gate) {
                f.convened = f.convened.saturating_add(1);
                f.open = f.open.saturating_add(1);
            }
        }
        f.first_attempt_pass_rate = ratio(f.first_attempts_passed, f.first_attempts_decided);
        f.decision_time = Durations::of(times)?;
        out.push(f);
    }
    Ok(out)
}

/// Everyone who held a stint on `deals` (in the filter's role, when given; only the filter's
/// person, when given), sorted.
pub(crate) fn people_on<'d>(deals: &[&'d Replayed], filter: &Filter) -> BTreeSet<&'d PersonId> {
    let role = filter.role.as_ref();
    deals
        .iter()
        .flat_map(|d| d.deal.team().stints())
        .filter(|s| role.is_none_or(|r| &s.role == r))
        .map(|s| &s.person)
        .filter(|p| filter.person.as_ref().is_none_or(|q| q == *p))
        .collect()
}

/// One person's stints over a set of deals, gathered in one pass over every stint.
struct Theirs<'d> {
    /// Positions in the deals (ascending, each once).
    deals: Vec<usize>,
    /// The roles they held.
    roles: BTreeSet<&'d Role>,
    /// When they first joined.
    first_joined: DateTime<Utc>,
}

/// Each person's deals, roles and first joining over `deals`, counting the stints `filter`
/// counts: linear in the stints.
fn theirs<'d>(deals: &[&'d Replayed], filter: &Filter) -> BTreeMap<&'d PersonId, Theirs<'d>> {
    let role = filter.role.as_ref();
    let mut out: BTreeMap<&PersonId, Theirs> = BTreeMap::new();
    for (i, deal) in deals.iter().enumerate() {
        for s in deal.deal.team().stints() {
            if role.is_some_and(|r| &s.role != r)
                || filter.person.as_ref().is_some_and(|p| p != &s.person)
            {
                continue;
            }
            let t = out.entry(&s.person).or_insert_with(|| Theirs {
                deals: Vec::new(),
                roles: BTreeSet::new(),
                first_joined: s.joined,
            });
            // A deal's stints are read together: its position can only be the last one.
            if t.deals.last() != Some(&i) {
                t.deals.push(i);
            }
            t.roles.insert(&s.role);
            t.first_joined = t.first_joined.min(s.joined);
        }
    }
    out
}

pub(crate) fn people(deals: &[&Replayed], filter: &Filter) -> Result<Vec<PersonFigures>, Error> {
    let mut out = Vec::new();
    for (person, t) in theirs(deals, filter) {
        let theirs: Vec<&Replayed> = t
            .deals
            .iter()
            .filter_map(|i| deals.get(*i).copied())
            .collect();
        let won: Vec<&Replayed> = theirs.iter().copied().filter(|d| d.is_won()).collect();
        out.push(PersonFigures {
            deals: count(theirs.len())?,
            open: count(theirs.iter().filter(|d| d.ending().is_none()).count())?,
            won: count(won.len())?,
            not_won: count(
                theirs
                    .iter()
                    .filter(|d| d.ending().is_some() && !d.is_won())
                    .count(),
            )?,
            won_value: totals(won.iter().filter_map(|d| d.contract_value()))?,
            cash_collected: totals(theirs.iter().filter_map(|d| d.collected()))?,
            roles: t.roles.into_iter().cloned().collect(),
            person: person.clone(),
        });
    }
    Ok(out)
}

pub(crate) fn enablement(
    deals: &[&Replayed],
    filter: &Filter,
    split: DateTime<Utc>,
) -> Result<Vec<Enablement>, Error> {
    let mut out = Vec::new();
    for (person, t) in theirs(deals, filter) {
        let mut won: Vec<&Replayed> = t
            .deals
            .iter()
            .filter_map(|i| deals.get(*i).copied())
            .filter(|d| d.is_won())
            .collect();
        won.sort_by(|a, b| (a.cycle_end(), a.id()).cmp(&(b.cycle_end(), b.id())));
        let first_win = won.first().map(|d| d.cycle_end());
        let joined = t.first_joined;
        out.push(Enablement {
            first_joined: joined,
            first_win,
            time_to_first_win: first_win.map(|w| Elapsed::between(joined, w)),
            before: cohort(won.iter().copied().filter(|d| d.cycle_end() < split))?,
            after: cohort(won.iter().copied().filter(|d| d.cycle_end() >= split))?,
            person: person.clone(),
        });
    }
    Ok(out)
}
