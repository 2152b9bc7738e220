//! Crediting: who is credited for a won deal, and how much. Revenue splits that total exactly
//! 100%, overlay splits on top that need not, or the contribution-weighted team split; at
//! signature or as cash arrives; refunds and credit notes reverse exactly the credit they undo.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::plan::{tidy, whole};
use crate::split::{split, Member, SplitRequest, VacantRoles, Window};
use crate::{CreditOn, Error};

/// Salesforce's split types: a revenue split shares the deal (its shares total exactly 100%);
/// an overlay split credits people beside it (specialists, managers) and need not total 100%.
///
/// Serialized as `"revenue"` or `"overlay"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SplitType {
    /// Shares of the deal: all of a deal's revenue shares total exactly 1.
    Revenue,
    /// Credit on top of the revenue: any share `>= 0`.
    Overlay,
}

/// One person's share of a deal.
///
/// Serialized as `{"person": "ana", "type": "revenue", "share": "0.6"}`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(remote = "Self", deny_unknown_fields)]
pub struct SplitShare {
    /// The person credited.
    pub person: String,
    /// Revenue or overlay.
    #[serde(rename = "type")]
    pub kind: SplitType,
    /// The fraction of each credit of the deal, `>= 0` (`0.6` is 60%).
    #[serde(with = "crate::exact")]
    pub share: Decimal,
}

impl SplitShare {
    /// A revenue share.
    #[must_use]
    pub fn revenue(person: impl Into<String>, share: Decimal) -> Self {
        Self {
            person: person.into(),
            kind: SplitType::Revenue,
            share,
        }
    }

    /// An overlay share.
    #[must_use]
    pub fn overlay(person: impl Into<String>, share: Decimal) -> Self {
        Self {
            person: person.into(),
            kind: SplitType::Overlay,
            share,
        }
    }
}

/// The contribution-weighted team split ([`split`](crate::split)) as the revenue split of a
/// deal: each credit of the deal is split across the team like a pool, by role and by
/// contribution, to the minor unit by the largest remainder rule.
///
/// Serialized as a [`SplitRequest`] without `pool`, `scale`, `holdback` and `vacant_roles`:
/// `{"roles": {...}, "window": {...}, "prorate_by_time": true, "members": [...]}`. The shares of
/// roles with nobody in them are always redistributed, so that the team is credited exactly
/// 100% of the deal, as revenue splits are.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self", deny_unknown_fields)]
pub struct TeamSplit {
    /// Role name to role weight.
    #[serde(with = "crate::exact::map")]
    pub roles: BTreeMap<String, Decimal>,
    /// The project period participation is measured against.
    pub window: Window,
    /// Whether days on the team count (default `true`).
    #[serde(default = "yes")]
    pub prorate_by_time: bool,
    /// One entry per (person, role).
    pub members: Vec<Member>,
}

fn yes() -> bool {
    true
}

impl TeamSplit {
    /// The split request sharing `amount` at `scale`.
    fn request(&self, amount: Decimal, scale: u32) -> SplitRequest {
        SplitRequest {
            pool: amount,
            scale,
            roles: self.roles.clone(),
            window: self.window,
            prorate_by_time: self.prorate_by_time,
            vacant_roles: VacantRoles::Redistribute,
            holdback: Decimal::ZERO,
            members: self.members.clone(),
        }
    }
}

/// Cash received for a deal.
///
/// Serialized as `{"id": "R-1", "date": "2026-02-10", "amount": "30000.00", "recorded": null}`;
/// `recorded` (the day it was entered) defaults to `date`, except in a statement request where
/// `date` is on or before the last close (refused: `recorded_required`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(remote = "Self", deny_unknown_fields)]
pub struct Receipt {
    /// Unique within the deal; the same receipt given twice counts once.
    pub id: String,
    /// The day the cash arrived: the day it credits on a cash-basis plan.
    pub date: NaiveDate,
    /// The amount, `> 0`, whole minor units.
    #[serde(with = "crate::exact")]
    pub amount: Decimal,
    /// The day it was entered (default `date`).
    #[serde(default)]
    pub recorded: Option<NaiveDate>,
}

/// A refund or a credit note: it reverses part or all of one credit of the deal, once.
///
/// Serialized as `{"id": "CN-1", "of": "R-1", "date": "2026-04-02", "amount": "10000.00",
/// "reason": "refund", "recorded": null}`; `of` is `"signature"` (on a signature-basis plan) or
/// the id of a receipt (on a cash-basis plan).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(remote = "Self", deny_unknown_fields)]
pub struct Reversal {
    /// Unique within the deal: the same reversal given twice counts once.
    pub id: String,
    /// The credit it reverses: `"signature"` or a receipt id.
    pub of: String,
    /// The day of the refund or credit note.
    pub date: NaiveDate,
    /// The amount reversed, `> 0`, whole minor units.
    #[serde(with = "crate::exact")]
    pub amount: Decimal,
    /// Why, shown on the statement.
    pub reason: String,
    /// The day it was entered (default `date`).
    #[serde(default)]
    pub recorded: Option<NaiveDate>,
}

/// A won deal and how it credits people.
///
/// Serialized as `{"id": "D-1", "value": "60000.00", "signed": "2026-01-12", "recorded": null,
/// "splits": [...], "team": null, "receipts": [...], "reversals": [...]}`. The revenue is
/// shared either by `splits` of type revenue (totalling exactly 1) or by a `team`, never both;
/// overlay splits may be added to either. `recorded` defaults to `signed` (in a statement
/// request, only when `signed` is after the last close; the same for the `recorded` of receipts
/// and reversals: else `recorded_required`); `splits`,
/// `receipts`, `reversals` to `[]`.
///
/// # Examples
///
/// ```
/// use chrono::NaiveDate;
/// use ltc_incentive::{CreditOn, SplitShare, WonDeal};
/// use rust_decimal_macros::dec;
///
/// let signed = NaiveDate::from_ymd_opt(2026, 1, 12).unwrap();
/// let deal = WonDeal::new("D-1", dec!(60000.00), signed)
///     .split(SplitShare::revenue("ana", dec!(0.6)))
///     .split(SplitShare::revenue("bo", dec!(0.4)))
///     .split(SplitShare::overlay("sam", dec!(0.5)));
/// let credits = deal.credits(CreditOn::Signature, 2)?;
/// let of = |p: &str| credits.iter().find(|c| c.person == p).unwrap().amount;
/// assert_eq!((of("ana"), of("bo"), of("sam")), (dec!(36000.00), dec!(24000.00), dec!(30000.00)));
///
/// let bad = WonDeal::new("D-2", dec!(100.00), signed)
///     .split(SplitShare::revenue("ana", dec!(0.6)))
///     .split(SplitShare::revenue("bo", dec!(0.3)));
/// assert_eq!(bad.validate(CreditOn::Signature, 2).unwrap_err().code(), "revenue_split_not_100");
/// # Ok::<(), ltc_incentive::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self", deny_unknown_fields)]
pub struct WonDeal {
    /// Unique among the deals; the same deal given twice counts once.
    pub id: String,
    /// The signed value, `>= 0`, whole minor units: the credit at signature.
    #[serde(with = "crate::exact")]
    pub value: Decimal,
    /// The day it was signed: the day it credits on a signature-basis plan.
    pub signed: NaiveDate,
    /// The day it was entered (default `signed`).
    #[serde(default)]
    pub recorded: Option<NaiveDate>,
    /// Revenue and overlay shares.
    #[serde(default)]
    pub splits: Vec<SplitShare>,
    /// The team whose contribution-weighted split is the revenue split.
    #[serde(default)]
    pub team: Option<TeamSplit>,
    /// Cash received.
    #[serde(default)]
    pub receipts: Vec<Receipt>,
    /// Refunds and credit notes.
    #[serde(default)]
    pub reversals: Vec<Reversal>,
}

crate::strict::objects_only!(SplitShare, TeamSplit, Receipt, Reversal, WonDeal);

/// How a credit was shared out.
///
/// Serialized as `"revenue"`, `"overlay"` or `"team"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CreditKind {
    /// A revenue split's share.
    Revenue,
    /// An overlay split's share.
    Overlay,
    /// The person's part of the team split (revenue).
    Team,
}

/// One person's credit from one credit of a deal (its signature or one receipt).
///
/// `amount = (gross - reversed) x share` for a split share, exactly (no rounding: a credit is a
/// measure, not a payment); for the team, the person's part of the team split of
/// `gross - reversed`, to the minor unit by the largest remainder rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Credit {
    /// `deal/source`, e.g. `D-1/signature` or `D-1/R-2`.
    pub id: String,
    /// The deal.
    pub deal: String,
    /// `signature` or the receipt's id.
    pub source: String,
    /// The person credited.
    pub person: String,
    /// Revenue, overlay or team.
    pub kind: CreditKind,
    /// The share of a split (none for the team).
    #[serde(with = "crate::exact::option")]
    pub share: Option<Decimal>,
    /// The day it credits: the signature's, or the receipt's.
    pub date: NaiveDate,
    /// The deal's value or the receipt's amount.
    #[serde(with = "crate::exact")]
    pub gross: Decimal,
    /// What reversals known so far took off `gross`.
    #[serde(with = "crate::exact")]
    pub reversed: Decimal,
    /// The person's credit.
    #[serde(with = "crate::exact")]
    pub amount: Decimal,
    /// The ids of the reversals counted in `reversed`.
    pub reversals: Vec<String>,
}

/// A credit of the deal before it is shared: its signature or a receipt.
#[derive(Debug, Clone)]
pub(crate) struct Source {
    pub(crate) id: String,
    pub(crate) date: NaiveDate,
    pub(crate) amount: Decimal,
}

/// `items` with identical repeats (same id, same content) dropped; two different items with
/// one id are refused, at `path[index].id`.
pub(crate) fn unique<'a, T: PartialEq>(
    items: &'a [T],
    id: impl Fn(&T) -> &str,
    path: &str,
) -> Result<Vec<&'a T>, Error> {
    let mut seen: BTreeMap<&str, &T> = BTreeMap::new();
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        match seen.get(id(item)) {
            Some(&first) if first == item => {}
            Some(_) => {
                return Err(Error::DuplicateId {
                    id: id(item).to_owned(),
                }
                .at(format!("{path}[{i}].id")))
            }
            None => {
                seen.insert(id(item), item);
                out.push(item);
            }
        }
    }
    Ok(out)
}

impl WonDeal {
    /// A deal signed on `signed` for `value`, recorded that day, with no splits, team,
    /// receipts or reversals yet.
    #[must_use]
    pub fn new(id: impl Into<String>, value: Decimal, signed: NaiveDate) -> Self {
        Self {
            id: id.into(),
            value,
            signed,
            recorded: None,
            splits: Vec::new(),
            team: None,
            receipts: Vec::new(),
            reversals: Vec::new(),
        }
    }

    /// Adds a split share.
    #[must_use]
    pub fn split(mut self, share: SplitShare) -> Self {
        self.splits.push(share);
        self
    }

    /// Sets the team split as the revenue split.
    #[must_use]
    pub fn team(mut self, team: TeamSplit) -> Self {
        self.team = Some(team);
        self
    }

    /// Adds a receipt.
    #[must_use]
    pub fn receipt(mut self, receipt: Receipt) -> Self {
        self.receipts.push(receipt);
        self
    }

    /// Adds a reversal.
    #[must_use]
    pub fn reversal(mut self, reversal: Reversal) -> Self {
        self.reversals.push(reversal);
        self
    }

    /// Sets the day the deal was entered.
    #[must_use]
    pub fn recorded(mut self, day: NaiveDate) -> Self {
        self.recorded = Some(day);
        self
    }

    /// The day the deal was entered.
    #[must_use]
    pub fn recorded_on(&self) -> NaiveDate {
        self.recorded.unwrap_or(self.signed)
    }

    /// Checks the deal for a plan crediting `on` at `scale`: value, receipts and reversals
    /// whole minor units (`value >= 0`, the others `> 0`); nothing recorded before it happened;
    /// shares `>= 0`, a person at most once per split type; revenue shared by splits totalling
    /// exactly 1 or by a valid team, not both; every reversal names a credit of this deal
    /// (`signature` on the signature basis, a receipt on the cash basis), is not dated before
    /// it, and the reversals of a credit do not exceed it; no receipt is dated before the
    /// signature, and the receipts, each net of its reversals, total at most the deal's value.
    ///
    /// # Errors
    ///
    /// The first problem found, as [`Error::At`] naming the field (`receipts[1].amount`).
    pub fn validate(&self, on: CreditOn, scale: u32) -> Result<(), Error> {
        if self.value < Decimal::ZERO {
            return Err(Error::NegativeValue {
                what: "the deal's value",
                value: self.value,
            }
            .at("value"));
        }
        whole(self.value, "the deal's value", scale).map_err(|e| e.at("value"))?;
        after(self.signed, self.recorded).map_err(|e| e.at("recorded"))?;
        let mut revenue = Decimal::ZERO;
        let mut any_revenue = false;
        for (i, s) in self.splits.iter().enumerate() {
            let at = |e: Error| e.at(format!("splits[{i}]"));
            if s.share < Decimal::ZERO {
                return Err(at(Error::NegativeValue {
                    what: "a share",
                    value: s.share,
                }
                .at("share")));
            }
            if self
                .splits
                .iter()
                .take(i)
                .any(|t| t.person == s.person && t.kind == s.kind)
            {
                return Err(at(Error::DuplicateMember {
                    member: s.person.clone(),
                    role: kind_name(s.kind).to_owned(),
                }
                .at("person")));
            }
            if s.kind == SplitType::Revenue {
                any_revenue = true;
                revenue =
                    crate::arith::add(revenue, s.share, "the revenue splits' total").map_err(at)?;
            }
        }
        match &self.team {
            Some(_) if any_revenue => {
                return Err(Error::Inconsistent {
                    what: "the revenue is shared by revenue splits or by a team, not both",
                }
                .at("team"))
            }
            Some(team) => {
                split(&team.request(Decimal::ZERO, scale)).map_err(|e| e.at("team"))?;
            }
            None if revenue != Decimal::ONE => {
                return Err(Error::RevenueSplitNotWhole { total: revenue }.at("splits"))
            }
            None => {}
        }
        let receipts = unique(&self.receipts, |r| &r.id, "receipts")?;
        for (i, r) in self.receipts.iter().enumerate() {
            let at = |e: Error| e.at(format!("receipts[{i}]"));
            dated_amount(r.amount, "a receipt", scale, r.date, r.recorded).map_err(at)?;
            if r.date < self.signed {
                return Err(at(Error::BeforeSigned {
                    date: r.date,
                    signed: self.signed,
                }
                .at("date")));
            }
        }
        let sources = self.sources_from(on, &receipts);
        let reversals = unique(&self.reversals, |r| &r.id, "reversals")?;
        let mut reversed: BTreeMap<&str, Decimal> = BTreeMap::new();
        for (i, r) in self.reversals.iter().enumerate() {
            let at = |e: Error| e.at(format!("reversals[{i}]"));
            dated_amount(r.amount, "a reversal", scale, r.date, r.recorded).map_err(at)?;
            let Some(source) = sources.iter().find(|s| s.id == r.of) else {
                return Err(at(Error::UnknownReference {
                    what: "the credit",
                    id: r.of.clone(),
                }
                .at("of")));
            };
            if r.date < source.date {
                return Err(at(Error::RecordedBeforeDate {
                    date: source.date,
                    recorded: r.date,
                }
                .at("date")));
            }
            if !reversals.iter().any(|&kept| std::ptr::eq(kept, r)) {
                continue;
            }
            let total = reversed.entry(source.id.as_str()).or_insert(Decimal::ZERO);
            *total = crate::arith::add(*total, r.amount, "the reversals of a credit")?;
            if *total > source.amount {
                return Err(at(Error::OverReversal {
                    source_id: source.id.clone(),
                    amount: source.amount,
                    reversed: *total,
                }));
            }
        }
        self.received_within_value(&receipts)
    }

    /// Refuses receipts that, in order and each net of its reversals, total more than the
    /// deal's value, at the receipt that passes it.
    fn received_within_value(&self, receipts: &[&Receipt]) -> Result<(), Error> {
        let kept = unique(&self.reversals, |r| &r.id, "reversals")?;
        let mut received = Decimal::ZERO;
        for r in receipts {
            let mut net = r.amount;
            for x in kept.iter().filter(|x| x.of == r.id) {
                net = crate::arith::sub(net, x.amount, "a receipt net of its reversals")?;
            }
            received = crate::arith::add(received, net, "the receipts of a deal")?;
            if received > self.value {
                let i = self
                    .receipts
                    .iter()
                    .position(|x| std::ptr::eq(x, *r))
                    .unwrap_or(0);
                return Err(Error::OverReceipt {
                    value: self.value,
                    received,
                }
                .at(format!("receipts[{i}].amount")));
            }
        }
        Ok(())
    }

    /// The deal's credits before they are shared: its signature, or its receipts.
    pub(crate) fn sources_from(&self, on: CreditOn, receipts: &[&Receipt]) -> Vec<Source> {
        match on {
            CreditOn::Signature => vec![Source {
                id: SIGNATURE.to_owned(),
                date: self.signed,
                amount: self.value,
            }],
            CreditOn::Cash => receipts
                .iter()
                .map(|r| Source {
                    id: r.id.clone(),
                    date: r.date,
                    amount: r.amount,
                })
                .collect(),
        }
    }

    /// Every person's credits, from every credit of the deal, net of every reversal. The
    /// deal is validated first.
    ///
    /// Revenue credits (split shares or the team's parts) of each credit of the deal total
    /// exactly its net amount.
    ///
    /// # Errors
    ///
    /// As [`validate`](Self::validate); [`Error::Inexact`] or [`Error::Overflow`] when a
    /// share of an amount cannot be held exactly.
    pub fn credits(&self, on: CreditOn, scale: u32) -> Result<Vec<Credit>, Error> {
        self.validate(on, scale)?;
        self.credits_known(on, scale, None, &|_| true, &|_| true)
    }

    /// The credits of `person` (everyone's if none), counting the receipts and reversals
    /// `receipt_known` and `reversal_known` accept (by index). The deal is valid.
    pub(crate) fn credits_known(
        &self,
        on: CreditOn,
        scale: u32,
        person: Option<&str>,
        receipt_known: &dyn Fn(usize) -> bool,
        reversal_known: &dyn Fn(usize) -> bool,
    ) -> Result<Vec<Credit>, Error> {
        let receipts: Vec<&Receipt> = unique(&self.receipts, |r| &r.id, "receipts")?
            .into_iter()
            .filter(|r| {
                self.receipts
                    .iter()
                    .position(|x| std::ptr::eq(x, *r))
                    .is_some_and(receipt_known)
            })
            .collect();
        let reversals: Vec<(usize, &Reversal)> = unique(&self.reversals, |r| &r.id, "reversals")?
            .into_iter()
            .filter_map(|r| {
                let i = self.reversals.iter().position(|x| std::ptr::eq(x, r))?;
                reversal_known(i).then_some((i, r))
            })
            .collect();
        let mut out = Vec::new();
        for source in self.sources_from(on, &receipts) {
            let mut reversed = Decimal::new(0, scale);
            let mut ids = Vec::new();
            for (_, r) in reversals.iter().filter(|(_, r)| r.of == source.id) {
                reversed = crate::arith::add(reversed, r.amount, "the reversals of a credit")?;
                ids.push(r.id.clone());
            }
            let net = crate::arith::sub(source.amount, reversed, "a credit net of reversals")?;
            let credit = |person: &str, kind, share, amount| Credit {
                id: format!("{}/{}", self.id, source.id),
                deal: self.id.clone(),
                source: source.id.clone(),
                person: person.to_owned(),
                kind,
                share,
                date: source.date,
                gross: source.amount,
                reversed,
                amount,
                reversals: ids.clone(),
            };
            if let Some(team) = &self.team {
                let parts = split(&team.request(net, scale))?;
                for p in parts
                    .people
                    .iter()
                    .filter(|p| person.is_none_or(|x| x == &*p.id))
                {
                    out.push(credit(&p.id, CreditKind::Team, None, p.amount));
                }
            }
            for s in self
                .splits
                .iter()
                .filter(|s| person.is_none_or(|x| x == s.person))
            {
                let amount = tidy(
                    crate::arith::mul(net, s.share, "a share of a credit")?,
                    scale,
                );
                let kind = match s.kind {
                    SplitType::Revenue => CreditKind::Revenue,
                    SplitType::Overlay => CreditKind::Overlay,
                };
                out.push(credit(&s.person, kind, Some(s.share), amount));
            }
        }
        Ok(out)
    }
}

/// The source id of the credit at signature.
pub(crate) const SIGNATURE: &str = "signature";

fn kind_name(kind: SplitType) -> &'static str {
    match kind {
        SplitType::Revenue => "revenue",
        SplitType::Overlay => "overlay",
    }
}

/// Checks a dated amount: `> 0`, whole minor units, not recorded before its date.
fn dated_amount(
    amount: Decimal,
    what: &'static str,
    scale: u32,
    date: NaiveDate,
    recorded: Option<NaiveDate>,
) -> Result<(), Error> {
    if amount <= Decimal::ZERO {
        return Err(Error::NotPositive {
            what,
            value: amount,
        }
        .at("amount"));
    }
    whole(amount, what, scale).map_err(|e| e.at("amount"))?;
    after(date, recorded).map_err(|e| e.at("recorded"))
}

/// Refuses a `recorded` day before `date`.
pub(crate) fn after(date: NaiveDate, recorded: Option<NaiveDate>) -> Result<(), Error> {
    match recorded {
        Some(recorded) if recorded < date => Err(Error::RecordedBeforeDate { date, recorded }),
        _ => Ok(()),
    }
}
