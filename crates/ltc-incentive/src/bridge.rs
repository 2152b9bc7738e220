//! The bridge from a pipeline deal: its team history, contract value and collected cash become a
//! split request, a pool rule and a payment history in one call. Feature `pipeline`.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use ltc_pipeline::Deal;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::arith::{add, mul};
use crate::{
    tranches, Basis, Error, Member, Payment, PoolRule, SplitRequest, Tranche, VacantRoles, Window,
};

fn two() -> u32 {
    2
}

/// The incentive terms of a deal: how its pool is earned and split.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self", deny_unknown_fields)]
pub struct DealTerms {
    /// Role name to role weight, e.g. AR 40, SR 30, FR 30.
    #[serde(with = "crate::exact::map")]
    pub roles: BTreeMap<String, Decimal>,
    /// The pool as a fraction of the contract value.
    #[serde(with = "crate::exact")]
    pub rate: Decimal,
    /// Earned on signature (`contract`) or as cash arrives (`cash`).
    pub basis: Basis,
    /// Decimal places of the minor unit (default 2).
    #[serde(default = "two")]
    pub scale: u32,
    /// Fraction of every amount held back (default 0).
    #[serde(default, with = "crate::exact")]
    pub holdback: Decimal,
    /// What happens to the share of a role with nobody to pay (default redistribute).
    #[serde(default)]
    pub vacant_roles: VacantRoles,
    /// Measured contribution per person (default 1 for anyone not listed).
    #[serde(default, with = "crate::exact::map")]
    pub contributions: BTreeMap<String, Decimal>,
}

/// What a deal yields for the incentive side: the split request, the pool rule, the cash history,
/// and how each member's weight was made from the team history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self", deny_unknown_fields)]
pub struct DealPayout {
    /// The team as a split request; its pool is the full pool of `rule`.
    pub request: SplitRequest,
    /// How the pool is earned from the contract value.
    pub rule: PoolRule,
    /// Payments (positive) and refunds or reversed payments (negative), by date. On the contract
    /// basis the first entry is a zero payment on the signing day, so the pool is paid at
    /// signature.
    pub payments: Vec<Payment>,
    /// Per member (in the order of `request.members`), the stints behind its contribution.
    pub basis: Vec<MemberBasis>,
}

/// How one member's weight in a [`DealPayout`] was made: their measured contribution times the
/// involvement-weighted days of each stint inside the window.
///
/// `request.members[i].contribution == basis[i].measured_contribution x basis[i].weighted_days`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self", deny_unknown_fields)]
pub struct MemberBasis {
    /// The person.
    pub id: String,
    /// The role.
    pub role: String,
    /// Their measured contribution (from the terms, default 1).
    #[serde(with = "crate::exact")]
    pub measured_contribution: Decimal,
    /// Each stint in the role: when, how involved, and how many of its days fall in the window.
    pub stints: Vec<StintDays>,
    /// The sum over the stints of involvement x days.
    #[serde(with = "crate::exact")]
    pub weighted_days: Decimal,
}

/// One stint of a member, as counted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self", deny_unknown_fields)]
pub struct StintDays {
    /// The day they joined.
    pub joined: NaiveDate,
    /// The day they left (exclusive), if they did.
    pub left: Option<NaiveDate>,
    /// Their involvement in this stint.
    #[serde(with = "crate::exact")]
    pub involvement: Decimal,
    /// Days of the stint inside the window.
    pub days: i64,
}

crate::strict::objects_only!(DealTerms, DealPayout, MemberBasis, StintDays);

impl DealPayout {
    /// The tranches, one per payment: see [`tranches`].
    ///
    /// # Errors
    /// As [`tranches`].
    pub fn tranches(&self) -> Result<Vec<Tranche>, Error> {
        tranches(&self.request, &self.rule, &self.payments)
    }
}

/// What the bridge's sums and products are, in errors.
const WEIGHTED_DAYS: &str = "a member's involvement-weighted days";

/// Builds the split request, pool rule and payment history of a signed deal.
///
/// The window runs from the day the lead was captured to `end` (exclusive). Each (person, role)
/// becomes one member. Time on the team is counted exactly, stint by stint, so that leaving and
/// rejoining, or changing involvement, counts every day once at its own involvement: the member's
/// `contribution` is their measured contribution (from `terms.contributions`, default 1) times the
/// sum over their stints of involvement x days inside the window, and the request does not
/// prorate again (`prorate_by_time` is false, `involvement` is 1). `joined` is the first stint's
/// day and `left` the last stint's end (none while a stint runs), for the record.
///
/// Payments come from the contract's cash movements: a payment adds, a refund subtracts, and a
/// reversal undoes its movement on the day it was reversed; at the same instant money in comes
/// first. On the contract basis a zero payment on the signing day comes first, so that the whole
/// pool is paid at signature. [`DealPayout::basis`] explains each member's contribution.
///
/// # Errors
/// [`Error::NoResult`] when the deal has no signed contract; [`Error::Overflow`] or
/// [`Error::Inexact`] when a member's weighted days or contribution cannot be computed exactly.
///
/// # Examples
/// ```
/// use chrono::{Days, NaiveDate};
/// use ltc_incentive::{from_deal, Basis, DealTerms};
/// use ltc_pipeline::{strategies, Deal, DealId, Process};
/// use rust_decimal_macros::dec;
///
/// let process = Process::standard();
/// let mut deal = Deal::new(DealId::new("D-1"));
/// for step in strategies::lead_to_cash() {
///     deal.execute(&process, &step.command, &step.actor, step.at).unwrap();
/// }
/// let terms = DealTerms {
///     roles: [("AR", dec!(40)), ("SR", dec!(30)), ("FR", dec!(30))]
///         .into_iter().map(|(r, w)| (r.to_owned(), w)).collect(),
///     rate: dec!(0.05),
///     basis: Basis::Cash,
///     scale: 2,
///     holdback: dec!(0.15),
///     vacant_roles: Default::default(),
///     contributions: Default::default(),
/// };
/// let end = deal.last_event_at().unwrap().date_naive() + Days::new(1);
/// let payout = from_deal(&deal, &terms, end)?;
/// assert_eq!(payout.rule.full_pool(2)?, dec!(10000.00)); // 5% of 200,000
/// let tranches = payout.tranches()?;
/// let paid: rust_decimal::Decimal = tranches.iter().flat_map(|t| &t.people).map(|p| p.amount).sum();
/// assert_eq!(paid, dec!(10000.00));
/// # Ok::<(), ltc_incentive::Error>(())
/// ```
pub fn from_deal(deal: &Deal, terms: &DealTerms, end: NaiveDate) -> Result<DealPayout, Error> {
    let no_result = || Error::NoResult {
        deal: deal.id().to_string(),
        stage: deal
            .stage_kind()
            .map_or_else(|| "unopened".to_owned(), |s| s.to_string()),
    };
    let contract = deal.contract().ok_or_else(no_result)?;
    let start = deal.opened_at().ok_or_else(no_result)?.date_naive();
    let window = Window::new(start, end);
    let rule = PoolRule::new(contract.value.amount, terms.rate, terms.basis);

    let mut by_member: BTreeMap<(&str, &str), Vec<&ltc_pipeline::Stint>> = BTreeMap::new();
    for stint in deal.team().stints() {
        by_member
            .entry((stint.person.as_str(), stint.role.as_str()))
            .or_default()
            .push(stint);
    }
    let mut members = Vec::with_capacity(by_member.len());
    let mut basis = Vec::with_capacity(by_member.len());
    for ((person, role), stints) in by_member {
        let mut weighted_days = Decimal::ZERO;
        let mut counted = Vec::with_capacity(stints.len());
        for stint in &stints {
            let (joined, left) = (
                stint.joined.date_naive(),
                stint.left.map(|l| l.date_naive()),
            );
            let days = window.overlap_days(Some(joined), left);
            let stint_days = mul(stint.involvement, Decimal::from(days), WEIGHTED_DAYS)?;
            weighted_days = add(weighted_days, stint_days, WEIGHTED_DAYS)?;
            counted.push(StintDays {
                joined,
                left,
                involvement: stint.involvement,
                days,
            });
        }
        let measured = terms
            .contributions
            .get(person)
            .copied()
            .unwrap_or(Decimal::ONE);
        basis.push(MemberBasis {
            id: person.to_owned(),
            role: role.to_owned(),
            measured_contribution: measured,
            stints: counted,
            weighted_days,
        });
        let mut member = Member::new(
            person,
            role,
            mul(measured, weighted_days, "a member's contribution")?,
        );
        member.joined = stints.iter().map(|s| s.joined.date_naive()).min();
        member.left = if stints.iter().any(|s| s.left.is_none()) {
            None
        } else {
            stints
                .iter()
                .filter_map(|s| s.left)
                .max()
                .map(|l| l.date_naive())
        };
        members.push(member);
    }

    let mut cash: Vec<(chrono::DateTime<chrono::Utc>, Decimal)> = Vec::new();
    for movement in contract.cash.values() {
        let signed = movement.kind.signed(movement.amount);
        cash.push((movement.at, signed));
        if let Some(reversed) = movement.reversed_at {
            cash.push((reversed, -signed));
        }
    }
    // At the same instant money in goes before money out: the engine never lets collected cash
    // go negative, so this order never does either.
    cash.sort_by_key(|(at, amount)| (*at, amount.is_sign_negative()));
    let mut payments: Vec<Payment> = cash
        .into_iter()
        .map(|(at, amount)| Payment::new(at.date_naive(), amount))
        .collect();
    if terms.basis == Basis::Contract {
        // The result is the signature: the whole pool is earned and paid on that day.
        payments.insert(
            0,
            Payment::new(contract.signed_at.date_naive(), Decimal::ZERO),
        );
    }

    let mut request = SplitRequest::new(rule.full_pool(terms.scale)?, window)
        .scale(terms.scale)
        .prorate_by_time(false)
        .vacant_roles(terms.vacant_roles)
        .holdback(terms.holdback);
    request.roles.clone_from(&terms.roles);
    request.members = members;
    Ok(DealPayout {
        request,
        rule,
        payments,
        basis,
    })
}
