//! Statements: per person and period, credits, attainment, earnings by tier, draws and
//! recoveries, holdback and releases, clawbacks, adjustments and the amount payable; periods
//! that, once closed, never change.
//!
//! Every fact (a plan version, a deal, a receipt, a reversal, a manual adjustment) carries the
//! day it was recorded. A period closed on day `K` is computed from the facts recorded on or
//! before `K` only, so nothing recorded later can change it: what a later fact changes in it is
//! booked as a dated line, with its reason, in the first period open on the day the fact was
//! recorded. A fact dated on or before the last close must say when it was recorded: its
//! default (its own date) would make it known at a close it was not there for.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use chrono::NaiveDate;
use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};

use crate::credit::{unique, Credit, WonDeal};
use crate::error::Esc;
use crate::plan::{tidy, whole, Bands, DrawKind, Method, Plan, PlanVersion};
use crate::{CreditOn, Error};

/// A statement period: `[start, end)`, and whether it is closed.
///
/// Serialized as `{"id": "2026-01", "start": "2026-01-01", "end": "2026-02-01", "closed":
/// {"on": "2026-02-03", "payables": {"ana": "4525.00"}}}`; `closed` defaults to `null` (open).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(remote = "Self", deny_unknown_fields)]
pub struct Period {
    /// Unique among the periods.
    pub id: String,
    /// First day.
    pub start: NaiveDate,
    /// First day after.
    pub end: NaiveDate,
    /// When it was closed, if it is.
    #[serde(default)]
    pub closed: Option<Closed>,
}

/// A period's close: the day, and the payables frozen that day, per person, which the period
/// must still compute to for every person a request computes (else `closed_period_changed`).
///
/// Serialized as `{"on": "2026-02-03", "payables": {"ana": "4525.00", "bo": "0.00"}}`;
/// `payables` defaults to `{}` (nothing frozen). When it is given, a person it does not name
/// was paid nothing that period: their payable must be zero.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(remote = "Self", deny_unknown_fields)]
pub struct Closed {
    /// The day it was closed: facts recorded on or before it count in the period.
    pub on: NaiveDate,
    /// Person to the payable of their statement when it was closed, whole minor units `>= 0`.
    #[serde(default, with = "crate::exact::map")]
    pub payables: BTreeMap<String, Decimal>,
}

impl Closed {
    /// The payable frozen for `person`: none if nothing is frozen, zero for a person not named.
    #[must_use]
    pub fn payable(&self, person: &str) -> Option<Decimal> {
        if self.payables.is_empty() {
            return None;
        }
        Some(self.payables.get(person).copied().unwrap_or(Decimal::ZERO))
    }
}

impl Period {
    /// An open period `[start, end)`.
    #[must_use]
    pub fn new(id: impl Into<String>, start: NaiveDate, end: NaiveDate) -> Self {
        Self {
            id: id.into(),
            start,
            end,
            closed: None,
        }
    }

    /// The period closed on `on`.
    #[must_use]
    pub fn closed_on(mut self, on: NaiveDate) -> Self {
        self.closed = Some(Closed {
            on,
            payables: BTreeMap::new(),
        });
        self
    }

    fn contains(&self, day: NaiveDate) -> bool {
        self.start <= day && day < self.end
    }
}

/// A manual adjustment: an amount added to (or, negative, taken from) a person's pay for a
/// period, with its reason. Booked in that period if it was open on `recorded`, else in the
/// first period open that day.
///
/// Serialized as `{"id": "A-1", "person": "ana", "period": "2026-01", "amount": "-150.00",
/// "reason": "...", "recorded": "2026-02-10"}`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(remote = "Self", deny_unknown_fields)]
pub struct ManualAdjustment {
    /// Unique among the adjustments; the same adjustment given twice counts once.
    pub id: String,
    /// The person.
    pub person: String,
    /// The period it corrects.
    pub period: String,
    /// The amount, whole minor units.
    #[serde(with = "crate::exact")]
    pub amount: Decimal,
    /// Why.
    pub reason: String,
    /// The day it was entered.
    pub recorded: NaiveDate,
}

/// Everything a statement is computed from: the plan, the periods, the deals with their
/// credits, the manual adjustments, and whose statement for which period.
///
/// Serialized as `{"plan": {...}, "periods": [...], "deals": [...], "adjustments": [...],
/// "person": "ana", "period": "2026-03"}`; `adjustments` defaults to `[]`, `person` to `null`
/// (a statement for everyone credited by a deal or named by an adjustment).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self", deny_unknown_fields)]
pub struct StatementRequest {
    /// The plan.
    pub plan: Plan,
    /// The periods, in order, each starting where the one before ends; closed periods first.
    pub periods: Vec<Period>,
    /// The won deals.
    pub deals: Vec<WonDeal>,
    /// Manual adjustments.
    #[serde(default)]
    pub adjustments: Vec<ManualAdjustment>,
    /// Whose statement (none: everyone credited by a deal or named by an adjustment, sorted).
    #[serde(default)]
    pub person: Option<String>,
    /// The id of the period.
    pub period: String,
}

crate::strict::objects_only!(Period, Closed, ManualAdjustment, StatementRequest);

impl ManualAdjustment {
    /// Adjustment `id`: `amount` (negative to take back) added to `person`'s pay for `period`,
    /// because of `reason`, entered on `recorded`.
    ///
    /// ```
    /// use ltc_incentive::{ManualAdjustment, NaiveDate};
    /// use rust_decimal_macros::dec;
    /// let day = NaiveDate::from_ymd_opt(2026, 2, 10).unwrap();
    /// let a = ManualAdjustment::new("A-1", "ana", "2026-01", dec!(-150.00), "returned goods", day);
    /// assert_eq!(a.amount, dec!(-150.00));
    /// ```
    #[must_use]
    pub fn new(
        id: impl Into<String>,
        person: impl Into<String>,
        period: impl Into<String>,
        amount: Decimal,
        reason: impl Into<String>,
        recorded: NaiveDate,
    ) -> Self {
        Self {
            id: id.into(),
            person: person.into(),
            period: period.into(),
            amount,
            reason: reason.into(),
            recorded,
        }
    }
}

impl StatementRequest {
    /// The statements of `period` under `plan` over `periods`, with no deal and no adjustment
    /// yet, for everyone credited (add deals with [`deal`](Self::deal), narrow it to one person
    /// with [`person`](Self::person)).
    ///
    /// # Examples
    ///
    /// ```
    /// use ltc_incentive::{
    ///     history, Method, NaiveDate, Period, Plan, PlanVersion, SplitShare, StatementRequest,
    ///     Tier, WonDeal,
    /// };
    /// use rust_decimal_macros::dec;
    ///
    /// let d = |m, day| NaiveDate::from_ymd_opt(2026, m, day).unwrap();
    /// let plan = Plan::new(
    ///     "ae-2026",
    ///     PlanVersion::new(1, d(1, 1), dec!(100000.00), Method::Marginal)
    ///         .tier(Tier::new(dec!(0), dec!(0.05))),
    /// );
    /// let periods = vec![Period::new("2026-01", d(1, 1), d(2, 1))];
    /// let deal = WonDeal::new("D-1", dec!(40000.00), d(1, 15))
    ///     .split(SplitShare::revenue("ana", dec!(1)));
    /// let request = StatementRequest::new(plan, periods, "2026-01").deal(deal).person("ana");
    /// let statements = history(&request, "ana")?;
    /// assert_eq!(statements[0].payable, dec!(2000.00));
    /// # Ok::<(), ltc_incentive::Error>(())
    /// ```
    #[must_use]
    pub fn new(plan: Plan, periods: Vec<Period>, period: impl Into<String>) -> Self {
        Self {
            plan,
            periods,
            deals: Vec::new(),
            adjustments: Vec::new(),
            person: None,
            period: period.into(),
        }
    }

    /// Adds a won deal.
    #[must_use]
    pub fn deal(mut self, deal: WonDeal) -> Self {
        self.deals.push(deal);
        self
    }

    /// Adds a manual adjustment.
    #[must_use]
    pub fn adjustment(mut self, adjustment: ManualAdjustment) -> Self {
        self.adjustments.push(adjustment);
        self
    }

    /// The statement of `person` only.
    #[must_use]
    pub fn person(mut self, person: impl Into<String>) -> Self {
        self.person = Some(person.into());
        self
    }
}

/// The part of a statement's period, as shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PeriodShown {
    /// Its id.
    pub id: String,
    /// First day.
    pub start: NaiveDate,
    /// First day after.
    pub end: NaiveDate,
    /// The day it was closed, if it is.
    pub closed: Option<NaiveDate>,
}

/// One tier's part of a period's earnings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TierEarnings {
    /// The tier's index in the rate table.
    pub tier: usize,
    /// `decelerator`, `base` or `accelerator` (relative to the rate just below quota).
    pub label: &'static str,
    /// Attainment where it starts.
    #[serde(with = "crate::exact")]
    pub from: Decimal,
    /// Attainment where it ends (none for the last tier).
    #[serde(with = "crate::exact::option")]
    pub to: Option<Decimal>,
    /// Its rate.
    #[serde(with = "crate::exact")]
    pub rate: Decimal,
    /// The credit it paid on.
    #[serde(with = "crate::exact")]
    pub credit: Decimal,
    /// What it earned, exact (before floor, caps and rounding).
    #[serde(with = "crate::exact")]
    pub earned: Decimal,
}

/// What caused an adjustment.
///
/// Serialized as `"version"`, `"deal"`, `"receipt"` or `"manual"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Cause {
    /// A plan version published after the period closed.
    Version,
    /// A deal recorded after the period closed.
    Deal,
    /// A receipt recorded after the period closed.
    Receipt,
    /// A manual adjustment.
    Manual,
}

/// One line of a statement. The lines sum to the statement's `payable`, exactly; the lines
/// up to the rounding line sum to its `commission`.
///
/// Serialized with a `kind` field naming the variant in `snake_case`, then its fields.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum StatementLine {
    /// What one credit earned inside one tier: `portion x rate`, exact.
    Earning {
        /// The credit.
        credit: String,
        /// Its deal.
        deal: String,
        /// The tier's index.
        tier: usize,
        /// `decelerator`, `base` or `accelerator`.
        label: &'static str,
        /// Attainment where the tier starts.
        #[serde(with = "crate::exact")]
        band_from: Decimal,
        /// Attainment where it ends (none for the last tier).
        #[serde(with = "crate::exact::option")]
        band_to: Option<Decimal>,
        /// Where this part of the credit starts in the period's cumulated credit (marginal;
        /// retroactive: the credit's own position).
        #[serde(with = "crate::exact")]
        credit_from: Decimal,
        /// Where it ends.
        #[serde(with = "crate::exact")]
        credit_to: Decimal,
        /// The credit paid on: `credit_to - credit_from`.
        #[serde(with = "crate::exact")]
        portion: Decimal,
        /// The tier's rate.
        #[serde(with = "crate::exact")]
        rate: Decimal,
        /// `portion x rate`.
        #[serde(with = "crate::exact")]
        amount: Decimal,
    },
    /// Attainment below the floor: the earnings are taken back.
    Floor {
        /// The period's attainment.
        #[serde(with = "crate::exact")]
        attainment: Decimal,
        /// The floor.
        #[serde(with = "crate::exact")]
        floor: Decimal,
        /// Minus the earnings.
        #[serde(with = "crate::exact")]
        amount: Decimal,
    },
    /// One deal earned more than the deal cap.
    DealCap {
        /// The deal.
        deal: String,
        /// What its credits earned.
        #[serde(with = "crate::exact")]
        earned: Decimal,
        /// The cap.
        #[serde(with = "crate::exact")]
        cap: Decimal,
        /// `cap - earned`.
        #[serde(with = "crate::exact")]
        amount: Decimal,
    },
    /// The period earned more than the period cap.
    PeriodCap {
        /// The credit whose earnings reached the cap.
        reached_at: String,
        /// What the period earned after the deal caps.
        #[serde(with = "crate::exact")]
        earned: Decimal,
        /// The cap.
        #[serde(with = "crate::exact")]
        cap: Decimal,
        /// `cap - earned`.
        #[serde(with = "crate::exact")]
        amount: Decimal,
    },
    /// The one rounding of the commission: the exact sum of the lines above, rounded half to
    /// even to the minor unit.
    Rounding {
        /// The exact sum.
        #[serde(with = "crate::exact")]
        exact: Decimal,
        /// The commission: `exact` rounded.
        #[serde(with = "crate::exact")]
        rounded: Decimal,
        /// `rounded - exact`.
        #[serde(with = "crate::exact")]
        amount: Decimal,
    },
    /// The guaranteed minimum topped up: `guarantee - commission`.
    Guarantee {
        /// The guarantee.
        #[serde(with = "crate::exact")]
        guarantee: Decimal,
        /// The period's commission.
        #[serde(with = "crate::exact")]
        commission: Decimal,
        /// The top-up.
        #[serde(with = "crate::exact")]
        amount: Decimal,
    },
    /// The draw advanced: `draw - commission - guarantee top-up`.
    Draw {
        /// Recoverable or not.
        draw_kind: DrawKind,
        /// The draw.
        #[serde(with = "crate::exact")]
        draw: Decimal,
        /// The commission with the guarantee's top-up.
        #[serde(with = "crate::exact")]
        earned: Decimal,
        /// The advance.
        #[serde(with = "crate::exact")]
        amount: Decimal,
    },
    /// A recoverable draw recovered: `min(balance, excess, limit)`.
    Recovery {
        /// The balance owed before.
        #[serde(with = "crate::exact")]
        balance: Decimal,
        /// What the commission (with the guarantee's top-up) exceeds the draw by.
        #[serde(with = "crate::exact")]
        excess: Decimal,
        /// The most recovered in a period, if any.
        #[serde(with = "crate::exact::option")]
        limit: Option<Decimal>,
        /// Minus what is recovered.
        #[serde(with = "crate::exact")]
        amount: Decimal,
    },
    /// A difference a later fact makes to a closed period (or a manual adjustment).
    Adjustment {
        /// The period corrected.
        period: String,
        /// What caused it.
        cause: Cause,
        /// The fact: a version number, a deal id, `deal/receipt`, `deal/reversal`, or the
        /// adjustment's id.
        fact: String,
        /// The day the fact was recorded.
        recorded: NaiveDate,
        /// Why.
        reason: String,
        /// What the corrected period earned before the fact: its commission topped up to its
        /// guarantee and non-recoverable draw (none for a manual adjustment).
        #[serde(with = "crate::exact::option")]
        before: Option<Decimal>,
        /// After it.
        #[serde(with = "crate::exact::option")]
        after: Option<Decimal>,
        /// `after - before`, or the manual amount.
        #[serde(with = "crate::exact")]
        amount: Decimal,
    },
    /// A refund or credit note of a closed period's credit, recorded after it closed: exactly
    /// what the reversed part earned there, at that period's rates, net of what its guarantee
    /// and non-recoverable draw still pay.
    Clawback {
        /// The period of the credit reversed.
        period: String,
        /// The reversal: `deal/reversal`.
        reversal: String,
        /// The credit it reverses: `deal/signature` or `deal/receipt`.
        of: String,
        /// The day it was recorded.
        recorded: NaiveDate,
        /// Why.
        reason: String,
        /// What the period earned before it: its commission topped up to its guarantee and
        /// non-recoverable draw.
        #[serde(with = "crate::exact")]
        before: Decimal,
        /// After it.
        #[serde(with = "crate::exact")]
        after: Decimal,
        /// `after - before`.
        #[serde(with = "crate::exact")]
        amount: Decimal,
    },
    /// Held back: `-round_half_even(commission x rate)`.
    Holdback {
        /// The holdback rate.
        #[serde(with = "crate::exact")]
        rate: Decimal,
        /// `commission x rate`, exact.
        #[serde(with = "crate::exact")]
        exact: Decimal,
        /// Minus it rounded half to even to the minor unit.
        #[serde(with = "crate::exact")]
        amount: Decimal,
    },
    /// A holdback released.
    Release {
        /// The period it was held in.
        period: String,
        /// The amount.
        #[serde(with = "crate::exact")]
        amount: Decimal,
    },
    /// A negative payable of the period before, owed and taken here.
    BroughtForward {
        /// The period before.
        period: String,
        /// What is owed (negative).
        #[serde(with = "crate::exact")]
        amount: Decimal,
    },
    /// A negative total carried to the next period, so that nothing negative is paid.
    CarriedForward {
        /// What is carried (positive, bringing the payable to zero).
        #[serde(with = "crate::exact")]
        amount: Decimal,
    },
}

impl StatementLine {
    /// The line's amount.
    #[must_use]
    pub fn amount(&self) -> Decimal {
        match self {
            StatementLine::Earning { amount, .. }
            | StatementLine::Floor { amount, .. }
            | StatementLine::DealCap { amount, .. }
            | StatementLine::PeriodCap { amount, .. }
            | StatementLine::Rounding { amount, .. }
            | StatementLine::Guarantee { amount, .. }
            | StatementLine::Draw { amount, .. }
            | StatementLine::Recovery { amount, .. }
            | StatementLine::Adjustment { amount, .. }
            | StatementLine::Clawback { amount, .. }
            | StatementLine::Holdback { amount, .. }
            | StatementLine::Release { amount, .. }
            | StatementLine::BroughtForward { amount, .. }
            | StatementLine::CarriedForward { amount } => *amount,
        }
    }

    /// The line's kind, as serialized.
    #[must_use]
    pub fn kind(&self) -> &'static str {
        match self {
            StatementLine::Earning { .. } => "earning",
            StatementLine::Floor { .. } => "floor",
            StatementLine::DealCap { .. } => "deal_cap",
            StatementLine::PeriodCap { .. } => "period_cap",
            StatementLine::Rounding { .. } => "rounding",
            StatementLine::Guarantee { .. } => "guarantee",
            StatementLine::Draw { .. } => "draw",
            StatementLine::Recovery { .. } => "recovery",
            StatementLine::Adjustment { .. } => "adjustment",
            StatementLine::Clawback { .. } => "clawback",
            StatementLine::Holdback { .. } => "holdback",
            StatementLine::Release { .. } => "release",
            StatementLine::BroughtForward { .. } => "brought_forward",
            StatementLine::CarriedForward { .. } => "carried_forward",
        }
    }

    /// The line explained in words.
    #[must_use]
    pub fn explain(&self) -> String {
        match self {
            StatementLine::Earning {
                credit,
                tier,
                label,
                band_from,
                band_to,
                credit_from,
                credit_to,
                portion,
                rate,
                ..
            } => format!(
                "{credit}: tier {tier} ({label}, attainment [{band_from}, {})), credit \
                 [{credit_from}, {credit_to}): {portion} x {rate}",
                band_to.map_or("...".to_owned(), |t| t.to_string())
            ),
            StatementLine::Floor {
                attainment, floor, ..
            } => format!("attainment {attainment} below the floor {floor}: nothing earned"),
            StatementLine::DealCap {
                deal, earned, cap, ..
            } => format!("deal {deal} earned {earned}, capped at {cap}"),
            StatementLine::PeriodCap {
                reached_at,
                earned,
                cap,
                ..
            } => format!("period earned {earned}, capped at {cap} (reached at {reached_at})"),
            StatementLine::Rounding { exact, rounded, .. } => {
                format!("{exact} rounded half to even: {rounded}")
            }
            StatementLine::Guarantee {
                guarantee,
                commission,
                ..
            } => format!("guaranteed {guarantee}, commission {commission}"),
            StatementLine::Draw {
                draw_kind,
                draw,
                earned,
                ..
            } => format!(
                "{} draw of {draw}, earned {earned}",
                match draw_kind {
                    DrawKind::Recoverable => "recoverable",
                    DrawKind::NonRecoverable => "non-recoverable",
                }
            ),
            StatementLine::Recovery {
                balance,
                excess,
                limit,
                ..
            } => format!(
                "draw balance {balance}, earned {excess} above the draw{}",
                limit.map_or(String::new(), |l| format!(", at most {l} a period"))
            ),
            StatementLine::Adjustment {
                period,
                fact,
                recorded,
                reason,
                before,
                after,
                ..
            } => match (before, after) {
                (Some(b), Some(a)) => {
                    format!("{period}: {fact} recorded {recorded} ({reason}): {b} -> {a}")
                }
                _ => format!("{period}: {fact} recorded {recorded} ({reason})"),
            },
            StatementLine::Clawback {
                period,
                reversal,
                of,
                recorded,
                reason,
                before,
                after,
                ..
            } => format!(
                "{period}: {reversal} of {of} recorded {recorded} ({reason}): {before} -> {after}"
            ),
            StatementLine::Holdback { rate, exact, .. } => {
                format!("{rate} of the commission: {exact}")
            }
            StatementLine::Release { period, .. } => format!("held in {period}"),
            StatementLine::BroughtForward { period, .. } => format!("owed from {period}"),
            StatementLine::CarriedForward { .. } => "owed, carried to the next period".to_owned(),
        }
    }
}

/// A recoverable draw's balance over the period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct DrawBalance {
    /// Owed at the start.
    #[serde(with = "crate::exact")]
    pub before: Decimal,
    /// Advanced (recoverable only).
    #[serde(with = "crate::exact")]
    pub advanced: Decimal,
    /// Recovered.
    #[serde(with = "crate::exact")]
    pub recovered: Decimal,
    /// Owed at the end, carried forward: `before + advanced - recovered`.
    #[serde(with = "crate::exact")]
    pub after: Decimal,
}

/// Holdback over the period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct HoldbackBalance {
    /// Held in this period.
    #[serde(with = "crate::exact")]
    pub held: Decimal,
    /// Released in this period.
    #[serde(with = "crate::exact")]
    pub released: Decimal,
    /// Held and not yet released, at the end.
    #[serde(with = "crate::exact")]
    pub outstanding: Decimal,
}

/// One person's statement for one period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Statement {
    /// The person.
    pub person: String,
    /// The period.
    pub period: PeriodShown,
    /// The plan.
    pub plan: String,
    /// The version in force (none: no version was in force, nothing is earned).
    pub version: Option<u32>,
    /// Its quota.
    #[serde(with = "crate::exact::option")]
    pub quota: Option<Decimal>,
    /// The period's credit: the sum of `credits`.
    #[serde(with = "crate::exact")]
    pub credit: Decimal,
    /// `credit / quota`, to the digits a `Decimal` holds (tiers are chosen by exact comparison
    /// of credit with `from x quota`).
    #[serde(with = "crate::exact::option")]
    pub attainment: Option<Decimal>,
    /// The person's credits dated in the period, by date and id.
    pub credits: Vec<Credit>,
    /// Earnings by tier.
    pub tiers: Vec<TierEarnings>,
    /// Every amount, in order; they sum to `payable`.
    pub lines: Vec<StatementLine>,
    /// The rate table's earnings after floor, caps and the one rounding.
    #[serde(with = "crate::exact")]
    pub commission: Decimal,
    /// The sum of the adjustment and clawback lines.
    #[serde(with = "crate::exact")]
    pub adjustments: Decimal,
    /// The recoverable draw's balance.
    pub draw: DrawBalance,
    /// The holdback.
    pub holdback: HoldbackBalance,
    /// What is paid for the period (never negative: a negative total is carried forward).
    #[serde(with = "crate::exact")]
    pub payable: Decimal,
}

/// The statements of a request, one per person.
///
/// Serialized as `{"statements": [...]}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Statements {
    /// One per person, sorted by person.
    pub statements: Vec<Statement>,
}

/// A fact, in the order facts become known.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Fact {
    Version(usize),
    Deal(usize),
    Receipt(usize, usize),
    Reversal(usize, usize),
    Manual(usize),
}

/// A validated request, with its facts in the order they became known.
struct Book<'a> {
    request: &'a StatementRequest,
    deals: Vec<&'a WonDeal>,
    manual: Vec<&'a ManualAdjustment>,
    /// (recorded, fact), sorted.
    facts: Vec<(NaiveDate, Fact)>,
    /// Per period, how many facts it knows.
    known: Vec<usize>,
}

/// The rate table's result for one person in one period, under what was known.
struct Commission {
    version: Option<usize>,
    credits: Vec<Credit>,
    credit: Decimal,
    tiers: Vec<TierEarnings>,
    lines: Vec<StatementLine>,
    amount: Decimal,
}

/// What carries from one period to the next.
#[derive(Default)]
struct Carry {
    balance: Decimal,
    owed: Decimal,
    /// Per period: the holdback and the index of the period it is released in.
    held: Vec<(Decimal, usize)>,
}

const PAY: &str = "a statement's amount";

fn add(a: Decimal, b: Decimal) -> Result<Decimal, Error> {
    crate::arith::add(a, b, PAY)
}

fn sub(a: Decimal, b: Decimal) -> Result<Decimal, Error> {
    crate::arith::sub(a, b, PAY)
}

/// `value` rounded half to even to `scale` decimals, written with exactly `scale` decimals:
/// the one rounding rule of statements.
pub(crate) fn to_minor(value: Decimal, scale: u32) -> Result<Decimal, Error> {
    let mut rounded = value.round_dp_with_strategy(scale, RoundingStrategy::MidpointNearestEven);
    let before = rounded;
    rounded.rescale(scale);
    if rounded != before {
        return Err(Error::Overflow {
            what: "an amount at the minor unit",
        });
    }
    Ok(rounded)
}

/// Computes the statements of `request`: for its period, for its person (or everyone credited
/// by a deal), every period before it computed in order under what was known when it closed.
///
/// The formulas, line by line, are in `docs/incentive.md` (*Plans and statements*).
///
/// # Errors
///
/// Any validation error of the plan, periods, deals and adjustments, as [`Error::At`] naming
/// the field (`deals[2].splits`); [`Error::UnknownReference`] for an unknown period;
/// [`Error::RecordedRequired`] for a deal, receipt or reversal dated on or before the last close
/// without its `recorded` day; [`Error::ClosedPeriodChanged`] when a closed period no longer computes to its frozen
/// payable; [`Error::Inexact`] or [`Error::Overflow`] when an amount cannot be held exactly.
///
/// # Examples
///
/// ```
/// use ltc_incentive::{statement, StatementRequest};
/// use rust_decimal_macros::dec;
///
/// let request: StatementRequest = serde_json::from_str(r#"{
///   "plan": {"id": "ae", "versions": [{"version": 1, "effective": "2026-01-01",
///     "published": "2026-01-01", "quota": "100000.00", "method": "marginal",
///     "rate_table": [{"from": "0", "rate": "0.05"}, {"from": "1", "rate": "0.10"}]}]},
///   "periods": [{"id": "2026-01", "start": "2026-01-01", "end": "2026-02-01"}],
///   "deals": [{"id": "D-1", "value": "120000.00", "signed": "2026-01-12",
///              "splits": [{"person": "ana", "type": "revenue", "share": "1"}]}],
///   "person": "ana", "period": "2026-01"
/// }"#).unwrap();
/// let ana = &statement(&request)?.statements[0];
/// assert_eq!(ana.commission, dec!(7000.00)); // 100,000 x 5% + 20,000 x 10%
/// assert_eq!(ana.payable, ana.lines.iter().map(|l| l.amount()).sum());
/// # Ok::<(), ltc_incentive::Error>(())
/// ```
pub fn statement(request: &StatementRequest) -> Result<Statements, Error> {
    let book = Book::new(request)?;
    let target = book.target()?;
    let people: Vec<String> = match &request.person {
        Some(p) => vec![p.clone()],
        None => book.people(),
    };
    let mut statements = Vec::with_capacity(people.len());
    for person in &people {
        let mut all = book.person(person, target)?;
        if let Some(s) = all.pop() {
            statements.push(s);
        }
    }
    Ok(Statements { statements })
}

/// Every statement of `person` from the first period to the request's, in order.
///
/// # Errors
///
/// As [`statement`].
pub fn history(request: &StatementRequest, person: &str) -> Result<Vec<Statement>, Error> {
    let book = Book::new(request)?;
    let target = book.target()?;
    book.person(person, target)
}

impl<'a> Book<'a> {
    fn new(request: &'a StatementRequest) -> Result<Self, Error> {
        let plan = &request.plan;
        plan.validate().map_err(|e| e.at("plan"))?;
        let scale = plan.scale;
        validate_periods(&request.periods)?;
        for (i, p) in request.periods.iter().enumerate() {
            let Some(c) = &p.closed else { continue };
            for (person, &amount) in &c.payables {
                let at = |e: Error| e.at(format!("periods[{i}].closed.payables.{person}"));
                if amount < Decimal::ZERO {
                    return Err(at(Error::NegativeValue {
                        what: "a frozen payable",
                        value: amount,
                    }));
                }
                whole(amount, "a frozen payable", scale).map_err(at)?;
            }
        }
        let deals = unique(&request.deals, |d| &d.id, "deals")?;
        for (i, d) in request.deals.iter().enumerate() {
            d.validate(plan.credit_on, scale)
                .map_err(|e| e.at(format!("deals[{i}]")))?;
        }
        recorded_after_close(&request.periods, &request.deals)?;
        inside_periods(&request.periods, &request.deals, plan.credit_on)?;
        let manual = unique(&request.adjustments, |a| &a.id, "adjustments")?;
        for (i, a) in request.adjustments.iter().enumerate() {
            let at = |e: Error| e.at(format!("adjustments[{i}]"));
            whole(a.amount, "an adjustment", scale).map_err(|e| at(e.at("amount")))?;
            if !request.periods.iter().any(|p| p.id == a.period) {
                return Err(at(Error::UnknownReference {
                    what: "the period",
                    id: a.period.clone(),
                }
                .at("period")));
            }
        }
        let mut facts = Vec::new();
        for (i, v) in plan.versions.iter().enumerate() {
            facts.push((v.published, Fact::Version(i)));
        }
        for (i, d) in deals.iter().enumerate() {
            let seen = d.recorded_on();
            facts.push((seen, Fact::Deal(i)));
            for (j, r) in d.receipts.iter().enumerate() {
                facts.push((r.recorded.unwrap_or(r.date).max(seen), Fact::Receipt(i, j)));
            }
            for (j, r) in d.reversals.iter().enumerate() {
                facts.push((r.recorded.unwrap_or(r.date).max(seen), Fact::Reversal(i, j)));
            }
        }
        for (i, a) in manual.iter().enumerate() {
            facts.push((a.recorded, Fact::Manual(i)));
        }
        facts.sort();
        let known = request
            .periods
            .iter()
            .map(|p| match &p.closed {
                Some(c) => facts.partition_point(|(day, _)| *day <= c.on),
                None => facts.len(),
            })
            .collect();
        Ok(Self {
            request,
            deals,
            manual,
            facts,
            known,
        })
    }

    /// The index of the request's period.
    fn target(&self) -> Result<usize, Error> {
        let request = self.request;
        request
            .periods
            .iter()
            .position(|p| p.id == request.period)
            .ok_or_else(|| {
                Error::UnknownReference {
                    what: "the period",
                    id: request.period.clone(),
                }
                .at("period")
            })
    }

    fn plan(&self) -> &Plan {
        &self.request.plan
    }

    /// Everyone a deal credits, sorted.
    fn people(&self) -> Vec<String> {
        let mut people = BTreeSet::new();
        for d in &self.deals {
            for s in &d.splits {
                people.insert(s.person.clone());
            }
            if let Some(team) = &d.team {
                for m in &team.members {
                    people.insert(m.id.to_string());
                }
            }
        }
        for a in &self.manual {
            people.insert(a.person.clone());
        }
        people.into_iter().collect()
    }

    /// The rate table's result for `person` in period `p`, from the first `n` facts.
    fn commission(&self, person: &str, p: usize, n: usize) -> Result<Commission, Error> {
        let plan = self.plan();
        let scale = plan.scale;
        let period = self.request.periods.get(p).ok_or(Error::Overflow {
            what: "a period index",
        })?;
        let known: BTreeSet<Fact> = self
            .facts
            .get(..n)
            .unwrap_or_default()
            .iter()
            .map(|(_, f)| *f)
            .collect();
        let version = plan.in_force_by(period.start, |v| {
            plan.versions
                .iter()
                .position(|w| std::ptr::eq(w, v))
                .is_some_and(|i| known.contains(&Fact::Version(i)))
        });
        let mut credits = Vec::new();
        for (i, d) in self.deals.iter().enumerate() {
            if !known.contains(&Fact::Deal(i)) {
                continue;
            }
            let receipt = |j| known.contains(&Fact::Receipt(i, j));
            let reversal = |j| known.contains(&Fact::Reversal(i, j));
            let all = d.credits_known(plan.credit_on, scale, Some(person), &receipt, &reversal)?;
            credits.extend(all.into_iter().filter(|c| period.contains(c.date)));
        }
        credits.sort_by(|a, b| (a.date, &a.id, a.kind).cmp(&(b.date, &b.id, b.kind)));
        let mut credit = to_minor(Decimal::ZERO, scale)?;
        for c in &credits {
            credit = crate::arith::add(credit, c.amount, "a period's credit")?;
        }
        let credit = tidy(credit, scale);
        let Some((vi, v)) = version else {
            return Ok(Commission {
                version: None,
                credits,
                credit,
                tiers: Vec::new(),
                lines: Vec::new(),
                amount: to_minor(Decimal::ZERO, scale)?,
            });
        };
        let bands = v.bands()?;
        let (lines, tiers) = earnings(v, &bands, &credits, credit, scale)?;
        let mut lines = lines;
        limits(v, credit, &mut lines, scale)?;
        let mut exact = Decimal::ZERO;
        for l in &lines {
            exact = add(exact, l.amount())?;
        }
        let rounded = to_minor(exact, scale)?;
        if rounded != exact {
            lines.push(StatementLine::Rounding {
                exact: tidy(exact, scale),
                rounded,
                amount: sub(rounded, exact)?,
            });
        }
        Ok(Commission {
            version: Some(vi),
            credits,
            credit,
            tiers,
            lines,
            amount: rounded,
        })
    }

    /// What `person` earns in period `p` from the first `n` facts: the commission, topped up
    /// to the guarantee and to a non-recoverable draw of the version in force. A recoverable
    /// draw's advance and a holdback only move pay between periods (the advance is recovered,
    /// the holdback released), so they are not earnings.
    fn earned(&self, person: &str, p: usize, n: usize) -> Result<Decimal, Error> {
        let c = self.commission(person, p, n)?;
        let version = c.version.and_then(|vi| self.plan().versions.get(vi));
        Ok(earned(version, c.amount))
    }

    /// Whether `fact` can change period `p`'s commission.
    fn touches(&self, fact: Fact, p: usize) -> bool {
        let Some(period) = self.request.periods.get(p) else {
            return false;
        };
        let on = self.plan().credit_on;
        match fact {
            Fact::Version(_) => true,
            Fact::Deal(i) => self.deals.get(i).is_some_and(|d| match on {
                CreditOn::Signature => period.contains(d.signed),
                CreditOn::Cash => d.receipts.iter().any(|r| period.contains(r.date)),
            }),
            Fact::Receipt(i, j) => {
                on == CreditOn::Cash
                    && self
                        .deals
                        .get(i)
                        .and_then(|d| d.receipts.get(j))
                        .is_some_and(|r| period.contains(r.date))
            }
            Fact::Reversal(i, j) => self.deals.get(i).is_some_and(|d| {
                d.reversals.get(j).is_some_and(|r| match on {
                    CreditOn::Signature => period.contains(d.signed),
                    CreditOn::Cash => d
                        .receipts
                        .iter()
                        .any(|x| x.id == r.of && period.contains(x.date)),
                })
            }),
            Fact::Manual(_) => false,
        }
    }

    /// The adjustment line `fact` (the `k`-th known) makes to closed period `p`, if any.
    ///
    /// `before` is period `p`'s commission from the first `k` facts, if already known (the
    /// commission after the last fact that changed it: facts that do not touch `p` leave it
    /// as it is); the commission after the fact is returned beside the line.
    fn adjustment(
        &self,
        person: &str,
        p: usize,
        k: usize,
        before: Option<Decimal>,
    ) -> Result<(Option<StatementLine>, Option<Decimal>), Error> {
        let Some(&(recorded, fact)) = self.facts.get(k) else {
            return Ok((None, before));
        };
        if !self.touches(fact, p) {
            return Ok((None, before));
        }
        let before = match before {
            Some(b) => b,
            None => self.earned(person, p, k)?,
        };
        let after = self.earned(person, p, k + 1)?;
        if before == after {
            return Ok((None, Some(after)));
        }
        Ok((self.line(p, recorded, fact, before, after)?, Some(after)))
    }

    /// The line that `fact`, recorded on `recorded`, makes to closed period `p`, whose
    /// commission it takes from `before` to `after`.
    fn line(
        &self,
        p: usize,
        recorded: NaiveDate,
        fact: Fact,
        before: Decimal,
        after: Decimal,
    ) -> Result<Option<StatementLine>, Error> {
        let plan = self.plan();
        let period_id = self
            .request
            .periods
            .get(p)
            .map_or(String::new(), |p| p.id.clone());
        let (cause, id, reason) = match fact {
            Fact::Version(i) => {
                let v = plan.versions.get(i);
                let number = v.map_or(0, |v| v.version);
                let effective = v.map_or(recorded, |v| v.effective);
                (
                    Cause::Version,
                    number.to_string(),
                    format!("plan version {number}, effective {effective}, published"),
                )
            }
            Fact::Deal(i) => {
                let id = self.deals.get(i).map_or("", |d| &d.id).to_owned();
                (Cause::Deal, id, "deal recorded after the close".to_owned())
            }
            Fact::Receipt(i, j) => {
                let d = self.deals.get(i);
                let id = format!(
                    "{}/{}",
                    d.map_or("", |d| &d.id),
                    d.and_then(|d| d.receipts.get(j)).map_or("", |r| &r.id)
                );
                (
                    Cause::Receipt,
                    id,
                    "receipt recorded after the close".to_owned(),
                )
            }
            Fact::Reversal(i, j) => {
                let d = self.deals.get(i);
                let r = d.and_then(|d| d.reversals.get(j));
                let deal = d.map_or("", |d| &d.id);
                return Ok(Some(StatementLine::Clawback {
                    period: period_id,
                    reversal: format!("{deal}/{}", r.map_or("", |r| &r.id)),
                    of: format!("{deal}/{}", r.map_or("", |r| &r.of)),
                    recorded,
                    reason: r.map_or(String::new(), |r| r.reason.clone()),
                    before,
                    after,
                    amount: sub(after, before)?,
                }));
            }
            Fact::Manual(_) => return Ok(None),
        };
        Ok(Some(StatementLine::Adjustment {
            period: period_id,
            cause,
            fact: id,
            recorded,
            reason,
            before: Some(before),
            after: Some(after),
            amount: sub(after, before)?,
        }))
    }

    /// `person`'s statements from the first period to `target`, in order.
    fn person(&self, person: &str, target: usize) -> Result<Vec<Statement>, Error> {
        let plan = self.plan();
        let scale = plan.scale;
        let zero = to_minor(Decimal::ZERO, scale)?;
        let mut carry = Carry {
            balance: zero,
            owed: zero,
            held: Vec::new(),
        };
        let mut out = Vec::with_capacity(target + 1);
        for (i, period) in self.request.periods.iter().enumerate().take(target + 1) {
            let n = self.known.get(i).copied().unwrap_or(0);
            let prev = match i.checked_sub(1) {
                Some(j) => self.known.get(j).copied().unwrap_or(0),
                None => 0,
            };
            let c = self.commission(person, i, n)?;
            let version = c.version.and_then(|vi| plan.versions.get(vi));
            let mut lines = c.lines.clone();
            let commission = c.amount;

            // Guarantee, then draw, then recovery.
            let guarantee = version.and_then(|v| v.guarantee);
            let mut earned = commission;
            if let Some(g) = guarantee {
                if g > commission {
                    let amount = sub(g, commission)?;
                    earned = g;
                    lines.push(StatementLine::Guarantee {
                        guarantee: g,
                        commission,
                        amount,
                    });
                }
            }
            let draw = version.and_then(|v| v.draw);
            let draw_amount = draw.map_or(Decimal::ZERO, |d| d.amount);
            let mut balance = DrawBalance {
                before: carry.balance,
                advanced: zero,
                recovered: zero,
                after: carry.balance,
            };
            if let (Some(d), true) = (draw, draw_amount > earned) {
                let amount = sub(draw_amount, earned)?;
                lines.push(StatementLine::Draw {
                    draw_kind: d.kind,
                    draw: draw_amount,
                    earned,
                    amount,
                });
                if d.kind == DrawKind::Recoverable {
                    balance.advanced = amount;
                }
            } else if carry.balance > Decimal::ZERO && earned > draw_amount {
                let excess = sub(earned, draw_amount)?;
                let limit = draw.and_then(|d| d.limit);
                let mut recovered = carry.balance.min(excess);
                if let Some(l) = limit {
                    recovered = recovered.min(l);
                }
                if recovered > Decimal::ZERO {
                    lines.push(StatementLine::Recovery {
                        balance: carry.balance,
                        excess,
                        limit,
                        amount: -recovered,
                    });
                    balance.recovered = recovered;
                }
            }
            balance.after = sub(add(carry.balance, balance.advanced)?, balance.recovered)?;

            // Adjustments: what facts recorded since the period before closed change in closed
            // periods, and the manual adjustments booked here.
            let mut adjustments = zero;
            for p in 0..i {
                let mut known = None;
                for k in prev..n {
                    let (line, after) = self.adjustment(person, p, k, known)?;
                    known = after;
                    if let Some(line) = line {
                        adjustments = add(adjustments, line.amount())?;
                        lines.push(line);
                    }
                }
            }
            for (k, &(recorded, fact)) in self.facts.iter().enumerate() {
                let Fact::Manual(m) = fact else { continue };
                let Some(a) = self.manual.get(m) else {
                    continue;
                };
                let Some(own) = self.request.periods.iter().position(|p| p.id == a.period) else {
                    continue;
                };
                let booked_here = if own == i {
                    k < n
                } else {
                    own < i && prev <= k && k < n
                };
                if a.person == person && booked_here {
                    adjustments = add(adjustments, a.amount)?;
                    lines.push(StatementLine::Adjustment {
                        period: a.period.clone(),
                        cause: Cause::Manual,
                        fact: a.id.clone(),
                        recorded,
                        reason: a.reason.clone(),
                        before: None,
                        after: None,
                        amount: a.amount,
                    });
                }
            }

            // Holdback, releases.
            let mut hold = HoldbackBalance {
                held: zero,
                released: zero,
                outstanding: zero,
            };
            if let Some(h) = version.and_then(|v| v.holdback) {
                let exact = tidy(crate::arith::mul(commission, h.rate, "a holdback")?, scale);
                let held = to_minor(exact, scale)?;
                if !held.is_zero() {
                    lines.push(StatementLine::Holdback {
                        rate: h.rate,
                        exact,
                        amount: -held,
                    });
                }
                hold.held = held;
                carry
                    .held
                    .push((held, i.saturating_add(h.release_after as usize)));
            } else {
                carry.held.push((zero, usize::MAX));
            }
            for (j, &(amount, at)) in carry.held.iter().enumerate() {
                if at == i && !amount.is_zero() {
                    hold.released = add(hold.released, amount)?;
                    lines.push(StatementLine::Release {
                        period: self
                            .request
                            .periods
                            .get(j)
                            .map_or(String::new(), |p| p.id.clone()),
                        amount,
                    });
                }
            }
            let mut outstanding = zero;
            for &(amount, at) in &carry.held {
                if at > i {
                    outstanding = add(outstanding, amount)?;
                }
            }
            hold.outstanding = outstanding;

            // What is owed from the period before; nothing negative is paid.
            if carry.owed < Decimal::ZERO {
                lines.push(StatementLine::BroughtForward {
                    period: i
                        .checked_sub(1)
                        .and_then(|j| self.request.periods.get(j))
                        .map_or(String::new(), |p| p.id.clone()),
                    amount: carry.owed,
                });
            }
            let mut total = zero;
            for l in &lines {
                total = add(total, l.amount())?;
            }
            let total = to_minor(total, scale)?;
            let payable = if total < Decimal::ZERO {
                let carried = -total;
                lines.push(StatementLine::CarriedForward { amount: carried });
                carry.owed = total;
                zero
            } else {
                carry.owed = zero;
                total
            };
            carry.balance = balance.after;
            if let Some(frozen) = period.closed.as_ref().and_then(|c| c.payable(person)) {
                if frozen != payable {
                    return Err(Error::ClosedPeriodChanged {
                        period: period.id.clone(),
                        person: person.to_owned(),
                        frozen,
                        now: payable,
                    }
                    .at(format!("periods[{i}].closed.payables.{person}")));
                }
            }
            let attainment = version.and_then(|v| c.credit.checked_div(v.quota));
            out.push(Statement {
                person: person.to_owned(),
                period: PeriodShown {
                    id: period.id.clone(),
                    start: period.start,
                    end: period.end,
                    closed: period.closed.as_ref().map(|c| c.on),
                },
                plan: plan.id.clone(),
                version: version.map(|v| v.version),
                quota: version.map(|v| v.quota),
                credit: c.credit,
                attainment,
                credits: c.credits,
                tiers: c.tiers,
                lines,
                commission,
                adjustments,
                draw: balance,
                holdback: hold,
                payable,
            });
        }
        Ok(out)
    }
}

/// What a period whose commission is `commission` earns under `v`: topped up to the guarantee,
/// then to a non-recoverable draw.
fn earned(v: Option<&PlanVersion>, commission: Decimal) -> Decimal {
    let Some(v) = v else { return commission };
    let mut earned = commission;
    if let Some(g) = v.guarantee {
        earned = earned.max(g);
    }
    if let Some(d) = v
        .draw
        .as_ref()
        .filter(|d| d.kind == DrawKind::NonRecoverable)
    {
        earned = earned.max(d.amount);
    }
    earned
}

/// The earning lines of `credits` under `v`, and the earnings by tier.
fn earnings(
    v: &PlanVersion,
    bands: &Bands,
    credits: &[Credit],
    total: Decimal,
    scale: u32,
) -> Result<(Vec<StatementLine>, Vec<TierEarnings>), Error> {
    let mut tiers: Vec<TierEarnings> = v
        .rate_table
        .iter()
        .enumerate()
        .map(|(i, t)| TierEarnings {
            tier: i,
            label: v.label(i),
            from: t.from,
            to: bands.end(i),
            rate: t.rate,
            credit: Decimal::ZERO,
            earned: Decimal::ZERO,
        })
        .collect();
    let mut lines = Vec::new();
    let mut at = Decimal::ZERO;
    let reached = bands.reached(total);
    for c in credits {
        let next = crate::arith::add(at, c.amount, "a period's credit")?;
        let pieces = match v.method {
            Method::Marginal => bands.cut(at, next)?,
            Method::Retroactive if c.amount > Decimal::ZERO => vec![crate::plan::Piece {
                tier: reached,
                rate: bands.rate(reached),
                from: at,
                to: next,
                portion: c.amount,
            }],
            Method::Retroactive => Vec::new(),
        };
        for piece in pieces {
            let amount = tidy(
                crate::arith::mul(piece.portion, piece.rate, "earnings")?,
                scale,
            );
            if let Some(t) = tiers.get_mut(piece.tier) {
                t.credit = tidy(
                    crate::arith::add(t.credit, piece.portion, "a tier's credit")?,
                    scale,
                );
                t.earned = tidy(
                    crate::arith::add(t.earned, amount, "a tier's earnings")?,
                    scale,
                );
            }
            lines.push(StatementLine::Earning {
                credit: c.id.clone(),
                deal: c.deal.clone(),
                tier: piece.tier,
                label: v.label(piece.tier),
                band_from: v
                    .rate_table
                    .get(piece.tier)
                    .map_or(Decimal::ZERO, |t| t.from),
                band_to: bands.end(piece.tier),
                credit_from: tidy(piece.from, scale),
                credit_to: tidy(piece.to, scale),
                portion: tidy(piece.portion, scale),
                rate: piece.rate,
                amount,
            });
        }
        at = next;
    }
    Ok((lines, tiers))
}

/// The floor, then the deal caps, then the period cap, as lines after the earnings.
fn limits(
    v: &PlanVersion,
    credit: Decimal,
    lines: &mut Vec<StatementLine>,
    scale: u32,
) -> Result<(), Error> {
    let mut earned = Decimal::ZERO;
    for l in lines.iter() {
        earned = add(earned, l.amount())?;
    }
    if let Some(floor) = v.floor {
        let threshold = crate::arith::mul(floor, v.quota, "the floor in credit")?;
        if credit < threshold {
            if !earned.is_zero() {
                lines.push(StatementLine::Floor {
                    attainment: credit.checked_div(v.quota).unwrap_or(Decimal::ZERO),
                    floor,
                    amount: tidy(-earned, scale),
                });
            }
            return Ok(());
        }
    }
    // Per deal, in the order of the lines: what each deal has earned so far, and the running
    // total after the deal caps, to find where the period cap is reached.
    let mut per_deal: Vec<(String, Decimal)> = Vec::new();
    let mut running = Decimal::ZERO;
    let mut reached_at: Option<String> = None;
    for l in lines.iter() {
        let StatementLine::Earning {
            deal,
            credit,
            amount,
            ..
        } = l
        else {
            continue;
        };
        let slot = match per_deal.iter().position(|(d, _)| d == deal) {
            Some(i) => i,
            None => {
                per_deal.push((deal.clone(), Decimal::ZERO));
                per_deal.len() - 1
            }
        };
        let Some((_, so_far)) = per_deal.get_mut(slot) else {
            continue;
        };
        let before = v.caps.deal.map_or(*so_far, |cap| (*so_far).min(cap));
        *so_far = add(*so_far, *amount)?;
        let after = v.caps.deal.map_or(*so_far, |cap| (*so_far).min(cap));
        running = add(running, sub(after, before)?)?;
        if let (Some(cap), None) = (v.caps.period, &reached_at) {
            if running > cap {
                reached_at = Some(credit.clone());
            }
        }
    }
    let mut capped = Decimal::ZERO;
    if let Some(cap) = v.caps.deal {
        for (deal, so_far) in &per_deal {
            if *so_far > cap {
                let amount = tidy(sub(cap, *so_far)?, scale);
                capped = add(capped, amount)?;
                lines.push(StatementLine::DealCap {
                    deal: deal.clone(),
                    earned: tidy(*so_far, scale),
                    cap,
                    amount,
                });
            }
        }
    }
    if let (Some(cap), Some(reached_at)) = (v.caps.period, reached_at) {
        let after_deals = tidy(add(earned, capped)?, scale);
        lines.push(StatementLine::PeriodCap {
            reached_at,
            earned: after_deals,
            cap,
            amount: tidy(sub(cap, after_deals)?, scale),
        });
    }
    Ok(())
}

/// Refuses a deal, receipt or reversal without `recorded` whose own date (the default recorded
/// day) falls on or before the last close: it would count as known at that close and rewrite
/// the closed period without an adjustment.
fn recorded_after_close(periods: &[Period], deals: &[WonDeal]) -> Result<(), Error> {
    let Some((period, closed)) = periods
        .iter()
        .filter_map(|p| p.closed.as_ref().map(|c| (p, c.on)))
        .next_back()
    else {
        return Ok(());
    };
    let check = |date: NaiveDate, recorded: Option<NaiveDate>, path: String| {
        if recorded.is_none() && date <= closed {
            return Err(Error::RecordedRequired {
                date,
                period: period.id.clone(),
                closed,
            }
            .at(path));
        }
        Ok(())
    };
    for (i, d) in deals.iter().enumerate() {
        check(d.signed, d.recorded, format!("deals[{i}].recorded"))?;
        for (j, r) in d.receipts.iter().enumerate() {
            check(
                r.date,
                r.recorded,
                format!("deals[{i}].receipts[{j}].recorded"),
            )?;
        }
        for (j, r) in d.reversals.iter().enumerate() {
            check(
                r.date,
                r.recorded,
                format!("deals[{i}].reversals[{j}].recorded"),
            )?;
        }
    }
    Ok(())
}

/// Refuses a credit dated outside every period (a deal's signature on the signature basis, a
/// receipt on the cash basis): no statement would ever count it.
fn inside_periods(periods: &[Period], deals: &[WonDeal], on: CreditOn) -> Result<(), Error> {
    let (Some(first), Some(last)) = (periods.first(), periods.last()) else {
        return Ok(());
    };
    let check = |date: NaiveDate, path: String| {
        if date < first.start || date >= last.end {
            return Err(Error::OutsidePeriods {
                date,
                start: first.start,
                end: last.end,
            }
            .at(path));
        }
        Ok(())
    };
    for (i, d) in deals.iter().enumerate() {
        match on {
            CreditOn::Signature => check(d.signed, format!("deals[{i}].signed"))?,
            CreditOn::Cash => {
                for (j, r) in d.receipts.iter().enumerate() {
                    check(r.date, format!("deals[{i}].receipts[{j}].date"))?;
                }
            }
        }
    }
    Ok(())
}

/// Periods: at least one, ids unique, each at least a day, each starting where the one before
/// ends; closed periods first, closed in order, not before they start.
fn validate_periods(periods: &[Period]) -> Result<(), Error> {
    if periods.is_empty() {
        return Err(Error::Empty {
            what: "the list of periods",
        }
        .at("periods"));
    }
    let mut before: Option<&Period> = None;
    for (i, p) in periods.iter().enumerate() {
        let at = |e: Error, field: &str| e.at(format!("periods[{i}].{field}"));
        if periods.iter().take(i).any(|q| q.id == p.id) {
            return Err(at(Error::DuplicateId { id: p.id.clone() }, "id"));
        }
        if p.end <= p.start {
            return Err(at(
                Error::EmptyWindow {
                    start: p.start,
                    end: p.end,
                },
                "end",
            ));
        }
        if let Some(q) = before {
            if p.start != q.end {
                return Err(at(
                    Error::PeriodsNotContiguous {
                        expected: q.end,
                        found: p.start,
                    },
                    "start",
                ));
            }
        }
        if let Some(c) = &p.closed {
            if c.on < p.start {
                return Err(at(
                    Error::RecordedBeforeDate {
                        date: p.start,
                        recorded: c.on,
                    },
                    "closed.on",
                ));
            }
            if let Some(q) = before {
                let out_of_order = match &q.closed {
                    None => Some("is open".to_owned()),
                    Some(qc) if qc.on > c.on => Some(format!("was closed on {}", qc.on)),
                    Some(_) => None,
                };
                if let Some(before) = out_of_order {
                    return Err(at(
                        Error::CloseOutOfOrder {
                            closed: c.on,
                            before,
                        },
                        "closed.on",
                    ));
                }
            }
        }
        before = Some(p);
    }
    Ok(())
}

impl Statement {
    /// The statement as a plain-text table: the header, the credits, every line with its
    /// explanation, and the totals.
    ///
    /// # Examples
    ///
    /// ```
    /// # use ltc_incentive::{statement, StatementRequest};
    /// # let request: StatementRequest = serde_json::from_str(r#"{
    /// #   "plan": {"id": "ae", "versions": [{"version": 1, "effective": "2026-01-01",
    /// #     "published": "2026-01-01", "quota": "100000.00", "method": "marginal",
    /// #     "rate_table": [{"from": "0", "rate": "0.05"}, {"from": "1", "rate": "0.10"}]}]},
    /// #   "periods": [{"id": "2026-01", "start": "2026-01-01", "end": "2026-02-01"}],
    /// #   "deals": [{"id": "D-1", "value": "120000.00", "signed": "2026-01-12",
    /// #              "splits": [{"person": "ana", "type": "revenue", "share": "1"}]}],
    /// #   "person": "ana", "period": "2026-01"
    /// # }"#).unwrap();
    /// let table = statement(&request)?.statements[0].table();
    /// assert!(table.contains("payable"));
    /// assert!(table.contains("7000.00"));
    /// # Ok::<(), ltc_incentive::Error>(())
    /// ```
    #[must_use]
    pub fn table(&self) -> String {
        self.to_string()
    }
}

impl fmt::Display for Statement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let p = &self.period;
        let state = p
            .closed
            .map_or("open".to_owned(), |c| format!("closed {c}"));
        let version = self
            .version
            .map_or("no version in force".to_owned(), |v| format!("version {v}"));
        writeln!(
            f,
            "{} · {} [{}, {}) {state} · plan {} {version}",
            Esc(&self.person),
            Esc(&p.id),
            p.start,
            p.end,
            Esc(&self.plan),
        )?;
        let shown = |d: Option<Decimal>| d.map_or("-".to_owned(), |d| d.to_string());
        writeln!(
            f,
            "quota {}  credit {}  attainment {}",
            shown(self.quota),
            self.credit,
            // Four places for reading; `≈` says when that is not the exact ratio.
            self.attainment.map_or("-".to_owned(), |a| {
                let short = a.round_dp(4);
                if short == a {
                    short.to_string()
                } else {
                    format!("≈ {short}")
                }
            }),
        )?;
        if !self.credits.is_empty() {
            writeln!(f)?;
            writeln!(
                f,
                "{:<10}  {:<20}  {:<8}  {:>8}  {:>14}  {:>14}  {:>14}",
                "date", "credit", "kind", "share", "gross", "reversed", "amount"
            )?;
            for c in &self.credits {
                let kind = match c.kind {
                    crate::CreditKind::Revenue => "revenue",
                    crate::CreditKind::Overlay => "overlay",
                    crate::CreditKind::Team => "team",
                };
                writeln!(
                    f,
                    "{:<10}  {:<20}  {:<8}  {:>8}  {:>14}  {:>14}  {:>14}",
                    c.date,
                    Esc(&c.id).to_string(),
                    kind,
                    shown(c.share),
                    c.gross,
                    c.reversed,
                    c.amount
                )?;
            }
        }
        writeln!(f)?;
        writeln!(f, "{:<16}  {:>16}  explanation", "line", "amount")?;
        for l in &self.lines {
            writeln!(
                f,
                "{:<16}  {:>16}  {}",
                l.kind(),
                l.amount().to_string(),
                Esc(&l.explain())
            )?;
        }
        writeln!(
            f,
            "{:<16}  {:>16}",
            "commission",
            self.commission.to_string()
        )?;
        writeln!(f, "{:<16}  {:>16}", "payable", self.payable.to_string())?;
        writeln!(
            f,
            "draw balance {} -> {}  ·  holdback held {}, released {}, outstanding {}",
            self.draw.before,
            self.draw.after,
            self.holdback.held,
            self.holdback.released,
            self.holdback.outstanding
        )
    }
}

impl Statements {
    /// Every statement as a table ([`Statement::table`]), separated by a blank line.
    #[must_use]
    pub fn table(&self) -> String {
        self.statements
            .iter()
            .map(Statement::table)
            .collect::<Vec<_>>()
            .join("\n")
    }
}
