//! The bridge from a pipeline deal: its team history, contract value and collected cash become a
//! split request, a pool rule and a payment history in one call. Feature `pipeline`.

use std::collections::BTreeMap;

use chrono::{Days, NaiveDate};
use ltc_pipeline::{Currency, Deal, Process};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::arith::{add, mul};
use crate::{
    tranches, Basis, Error, Member, Payment, PoolRule, SplitRequest, Tranche, VacantRoles, Window,
};

/// The incentive terms of a deal: how its pool is earned and split.
///
/// Built with [`DealTerms::new`] and its setters, or read from JSON:
/// `{"roles": {"AR": "40", "SR": "30", "FR": "30"}, "rate": "0.05", "basis": "cash",
/// "holdback": "0.15"}`.
///
/// ```
/// use ltc_incentive::{Basis, DealTerms, Decimal};
/// let terms = DealTerms::new(Decimal::new(5, 2), Basis::Cash)
///     .role("AR", 40)
///     .role("SR", 30)
///     .role("FR", 30)
///     .holdback(Decimal::new(15, 2));
/// let json = r#"{"roles": {"AR": "40", "SR": "30", "FR": "30"}, "rate": "0.05",
///     "basis": "cash", "holdback": "0.15"}"#;
/// assert_eq!(serde_json::from_str::<DealTerms>(json)?, terms);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self", deny_unknown_fields)]
pub struct DealTerms {
    /// Role name to role weight, e.g. AR 40, SR 30, FR 30. Every role named must be a role of
    /// the deal's process ([`Error::RoleNotInProcess`] otherwise); a role nobody held on the deal
    /// is vacant, and `vacant_roles` says where its share goes.
    #[serde(with = "crate::exact::map")]
    pub roles: BTreeMap<String, Decimal>,
    /// The pool as a fraction of the contract value.
    #[serde(with = "crate::exact")]
    pub rate: Decimal,
    /// Earned on signature (`contract`) or as cash arrives (`cash`).
    pub basis: Basis,
    /// Decimal places of the minor unit. By default, those of the contract's currency under the
    /// deal's process (EUR 2, JPY 0, KWD 3).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scale: Option<u32>,
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

impl DealTerms {
    /// Terms whose pool is `rate` x the contract value, earned on `basis`; no roles yet, no
    /// holdback, vacant roles redistributed, everyone's measured contribution 1, the minor unit
    /// of the contract's currency.
    pub fn new(rate: Decimal, basis: Basis) -> Self {
        Self {
            roles: BTreeMap::new(),
            rate,
            basis,
            scale: None,
            holdback: Decimal::ZERO,
            vacant_roles: VacantRoles::default(),
            contributions: BTreeMap::new(),
        }
    }

    /// Sets a role's weight: `.role("AR", 40)`.
    #[must_use]
    pub fn role(mut self, role: impl Into<String>, weight: impl Into<Decimal>) -> Self {
        self.roles.insert(role.into(), weight.into());
        self
    }

    /// Sets the fraction of every amount held back.
    #[must_use]
    pub fn holdback(mut self, fraction: Decimal) -> Self {
        self.holdback = fraction;
        self
    }

    /// Sets where the share of a role with nobody to pay goes.
    #[must_use]
    pub fn vacant_roles(mut self, rule: VacantRoles) -> Self {
        self.vacant_roles = rule;
        self
    }

    /// Sets a person's measured contribution (1 for anyone not set).
    #[must_use]
    pub fn contribution(mut self, person: impl Into<String>, measured: Decimal) -> Self {
        self.contributions.insert(person.into(), measured);
        self
    }

    /// Sets the decimal places of the minor unit, instead of the contract currency's.
    #[must_use]
    pub fn scale(mut self, scale: u32) -> Self {
        self.scale = Some(scale);
        self
    }
}

/// What a deal yields for the incentive side: the split request, the pool rule, the cash history,
/// and how each member's weight was made from the team history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self", deny_unknown_fields)]
pub struct DealPayout {
    /// The currency of every amount: the contract's.
    pub currency: Currency,
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
    /// The tranches, one per payment (see [`tranches`]), each in the contract's currency.
    ///
    /// # Errors
    /// As [`tranches`].
    pub fn tranches(&self) -> Result<Vec<Tranche>, Error> {
        let mut tranches = tranches(&self.request, &self.rule, &self.payments)?;
        for tranche in &mut tranches {
            tranche.currency = Some(self.currency.to_string());
        }
        Ok(tranches)
    }
}

/// What the bridge's sums and products are, in errors.
const WEIGHTED_DAYS: &str = "a member's involvement-weighted days";

/// Builds the split request, pool rule and payment history of a signed deal run under
/// `process`, over the window from the day the lead was captured to the day after the deal's last
/// event (for a won deal, its closure decision). [`from_deal_until`] takes another end.
///
/// Each (person, role) becomes one member. Time on the team is counted exactly, stint by stint,
/// so that leaving and rejoining, or changing involvement, counts every day once at its own
/// involvement: the member's `contribution` is their measured contribution (from
/// `terms.contributions`, default 1) times the sum over their stints of involvement x days inside
/// the window, and the request does not prorate again (`prorate_by_time` is false,
/// `involvement` is 1). `joined` is the first stint's day and `left` the last stint's end (none
/// while a stint runs), for the record. Amounts are in whole minor units of the contract's
/// currency (`terms.scale` unless set), and the payout and its tranches carry that currency.
///
/// Payments come from the contract's cash movements: a payment adds, a refund subtracts, and a
/// reversal undoes its movement on the day it was reversed; at the same instant money in comes
/// first. On the contract basis a zero payment on the signing day comes first, so that the whole
/// pool is paid at signature. [`DealPayout::basis`] explains each member's contribution.
///
/// # Errors
/// [`Error::NoResult`] when the deal has no signed contract; [`Error::ProcessMismatch`] when the
/// deal does not run under `process`; [`Error::RoleNotInProcess`] when a role weight names a role
/// the process does not define (a misspelt `ar`, which would otherwise count as a vacant role);
/// [`Error::UnknownCurrency`] when the process does not know the contract currency's minor
/// units; [`Error::Overflow`] or [`Error::Inexact`] when a member's weighted days or contribution
/// cannot be computed exactly.
///
/// # Examples
/// ```
/// use ltc_incentive::{from_deal, Basis, DealTerms, Decimal};
/// use ltc_pipeline::{strategies, Deal, DealId, Process};
///
/// let process = Process::standard();
/// let mut deal = Deal::new(DealId::new("D-1"));
/// for step in strategies::lead_to_cash() {
///     deal.execute(&process, &step.command, &step.actor, step.at).unwrap();
/// }
/// let terms = DealTerms::new(Decimal::new(5, 2), Basis::Cash)
///     .role("AR", 40)
///     .role("SR", 30)
///     .role("FR", 30)
///     .holdback(Decimal::new(15, 2));
/// let payout = from_deal(&deal, &process, &terms)?;
/// assert_eq!(payout.rule.full_pool(2)?, Decimal::from(10_000)); // 5% of 200,000
/// let tranches = payout.tranches()?;
/// assert!(tranches.iter().all(|t| t.currency.as_deref() == Some("EUR")));
/// let paid: Decimal = tranches.iter().flat_map(|t| &t.people).map(|p| p.amount).sum();
/// assert_eq!(paid, Decimal::from(10_000));
///
/// // A role the process does not define is refused, not taken for a vacant one.
/// let typo = terms.clone().role("ar", 10);
/// assert_eq!(from_deal(&deal, &process, &typo).unwrap_err().code(), "role_not_in_process");
/// # Ok::<(), ltc_incentive::Error>(())
/// ```
pub fn from_deal(deal: &Deal, process: &Process, terms: &DealTerms) -> Result<DealPayout, Error> {
    let end = deal
        .last_event_at()
        .map(|at| at.date_naive() + Days::new(1))
        .unwrap_or(NaiveDate::MIN);
    from_deal_until(deal, process, terms, end)
}

/// [`from_deal`] over the window from the day the lead was captured to `end` (exclusive): a
/// payout as of a day of the host's choosing, such as today for a deal still running.
///
/// # Errors
/// As [`from_deal`].
pub fn from_deal_until(
    deal: &Deal,
    process: &Process,
    terms: &DealTerms,
    end: NaiveDate,
) -> Result<DealPayout, Error> {
    let no_result = || Error::NoResult {
        deal: deal.id().to_string(),
        stage: deal
            .stage_kind()
            .map_or_else(|| "unopened".to_owned(), |s| s.to_string()),
    };
    let contract = deal.contract().ok_or_else(no_result)?;
    let start = deal.opened_at().ok_or_else(no_result)?.date_naive();
    if deal.process() != Some(process.reference()) {
        return Err(Error::ProcessMismatch {
            deal: deal.id().to_string(),
            runs_under: deal.process().map(ToString::to_string).unwrap_or_default(),
            given: process.reference().to_string(),
        });
    }
    if let Some(role) = terms
        .roles
        .keys()
        .find(|r| !process.has_role(&ltc_pipeline::Role::new(r.as_str())))
    {
        return Err(Error::RoleNotInProcess {
            role: role.clone(),
            process: process.reference().to_string(),
        });
    }
    let currency = contract.value.currency;
    let scale = match terms.scale {
        Some(scale) => scale,
        None => process
            .minor_units(currency)
            .ok_or_else(|| Error::UnknownCurrency {
                currency: currency.to_string(),
            })?,
    };
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

    let mut request = SplitRequest::new(rule.full_pool(scale)?, window)
        .scale(scale)
        .prorate_by_time(false)
        .vacant_roles(terms.vacant_roles)
        .holdback(terms.holdback);
    request.roles.clone_from(&terms.roles);
    request.members = members;
    Ok(DealPayout {
        currency,
        request,
        rule,
        payments,
        basis,
    })
}
