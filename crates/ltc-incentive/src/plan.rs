//! Commission plans as data: per period a quota and a rate table over attainment, tiers applied
//! marginally or retroactively, a floor, caps per deal and per period, a draw, a guarantee and
//! a holdback; effective-dated versions.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::allocate::MAX_SCALE;
use crate::Error;

/// How the tiers of a rate table apply to a period's credit.
///
/// Serialized as `"marginal"` or `"retroactive"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// Each tier's rate on the part of the credit inside its band (like income tax brackets).
    Marginal,
    /// The rate of the tier reached, on all the credit of the period.
    Retroactive,
}

/// When a deal credits the people on it.
///
/// Serialized as `"signature"` or `"cash"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CreditOn {
    /// The deal's whole value, on the day it is signed.
    #[default]
    Signature,
    /// Each receipt of cash, on the day it arrives (a partial payment credits its part).
    Cash,
}

/// One tier of a rate table: from attainment `from` (inclusive) up to the next tier's `from`
/// (exclusive; the last tier has no end), `rate` is paid on credit.
///
/// Serialized as `{"from": "1", "rate": "0.15"}`: attainment 1 is 100% of quota.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(remote = "Self", deny_unknown_fields)]
pub struct Tier {
    /// The attainment (credit / quota) where the tier starts, `>= 0`.
    #[serde(with = "crate::exact")]
    pub from: Decimal,
    /// The rate paid on credit inside the tier, `>= 0` (`0.10` is 10% of credit).
    #[serde(with = "crate::exact")]
    pub rate: Decimal,
}

impl Tier {
    /// A tier starting at attainment `from`, paying `rate`.
    #[must_use]
    pub fn new(from: Decimal, rate: Decimal) -> Self {
        Self { from, rate }
    }
}

/// Caps on what the rate table earns: per deal (all the person's credits from one deal in one
/// period) and per period. Each is optional.
///
/// Serialized as `{"deal": "8000.00", "period": "20000.00"}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(remote = "Self", deny_unknown_fields)]
pub struct Caps {
    /// The most one deal earns a person in one period.
    #[serde(default, with = "crate::exact::option")]
    pub deal: Option<Decimal>,
    /// The most the rate table earns a person in one period.
    #[serde(default, with = "crate::exact::option")]
    pub period: Option<Decimal>,
}

/// Whether a draw is recovered from later earnings.
///
/// Serialized as `"recoverable"` or `"non_recoverable"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DrawKind {
    /// The advance is owed: carried forward and recovered from later earnings above the draw.
    Recoverable,
    /// The advance is kept: nothing is carried forward.
    NonRecoverable,
}

/// A draw: each period the person is paid at least `amount` (before holdback and adjustments);
/// what the commission falls short by is advanced.
///
/// Serialized as `{"kind": "recoverable", "amount": "3000.00", "limit": "1000.00"}`; `limit`
/// (recoverable only, optional) is the most recovered in one period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(remote = "Self", deny_unknown_fields)]
pub struct Draw {
    /// Recoverable or not.
    pub kind: DrawKind,
    /// The amount paid at least per period.
    #[serde(with = "crate::exact")]
    pub amount: Decimal,
    /// The most recovered in one period (recoverable draws only); none means no limit.
    #[serde(default, with = "crate::exact::option")]
    pub limit: Option<Decimal>,
}

/// A holdback: a fraction of each period's commission kept back, then released a number of
/// periods later.
///
/// Serialized as `{"rate": "0.10", "release_after": 3}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(remote = "Self", deny_unknown_fields)]
pub struct Holdback {
    /// The fraction held back, in `[0, 1]`.
    #[serde(with = "crate::exact")]
    pub rate: Decimal,
    /// How many periods later it is released, `>= 1`.
    pub release_after: u32,
}

/// One version of a plan: the rules in force from `effective`, known from `published`.
///
/// Serialized as
/// `{"version": 1, "effective": "2026-01-01", "published": "2025-12-15", "quota": "100000.00",
/// "method": "marginal", "rate_table": [{"from": "0", "rate": "0.05"}, ...], "floor": "0.25",
/// "caps": {...}, "draw": {...}, "guarantee": "2000.00", "holdback": {...}}`; `floor`, `caps`,
/// `draw`, `guarantee` and `holdback` are optional.
///
/// # Examples
///
/// ```
/// use chrono::NaiveDate;
/// use ltc_incentive::{Method, PlanVersion, Tier};
/// use rust_decimal_macros::dec;
///
/// let jan = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
/// let version = PlanVersion::new(1, jan, dec!(100000.00), Method::Marginal)
///     .tier(Tier::new(dec!(0), dec!(0.05)))
///     .tier(Tier::new(dec!(1), dec!(0.10)));
/// version.validate(2)?;
/// // 120,000 of credit: 100,000 at 5% and 20,000 at 10%.
/// assert_eq!(version.earnings(dec!(120000.00))?, dec!(7000.00));
/// # Ok::<(), ltc_incentive::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(remote = "Self", deny_unknown_fields)]
pub struct PlanVersion {
    /// The version number, unique within the plan.
    pub version: u32,
    /// In force for the periods starting on or after this day (until a later version's).
    pub effective: NaiveDate,
    /// The day it was published: periods closed before it are not recomputed under it; the
    /// difference it makes to them is an adjustment in the first period open on this day.
    pub published: NaiveDate,
    /// The quota of each period, `> 0`, in the plan's currency.
    #[serde(with = "crate::exact")]
    pub quota: Decimal,
    /// Marginal or retroactive tiers.
    pub method: Method,
    /// The tiers, the first from attainment 0, then at strictly increasing attainments.
    pub rate_table: Vec<Tier>,
    /// Below this attainment nothing is earned (none: no floor).
    #[serde(default, with = "crate::exact::option")]
    pub floor: Option<Decimal>,
    /// Caps per deal and per period.
    #[serde(default)]
    pub caps: Caps,
    /// A draw, if any.
    #[serde(default)]
    pub draw: Option<Draw>,
    /// A guaranteed minimum commission per period, non-recoverable (none: no guarantee).
    #[serde(default, with = "crate::exact::option")]
    pub guarantee: Option<Decimal>,
    /// A holdback, if any.
    #[serde(default)]
    pub holdback: Option<Holdback>,
}

/// A commission plan: its currency's minor unit, when deals credit, and its versions.
///
/// Serialized as `{"id": "ae-2026", "scale": 2, "credit_on": "signature", "versions": [...]}`;
/// `scale` defaults to 2 and `credit_on` to `"signature"`.
///
/// # Examples
///
/// ```
/// use ltc_incentive::Plan;
///
/// let plan: Plan = serde_json::from_str(r#"{
///     "id": "ae-2026",
///     "versions": [{"version": 1, "effective": "2026-01-01", "published": "2025-12-15",
///                   "quota": "100000.00", "method": "retroactive",
///                   "rate_table": [{"from": "0", "rate": "0.05"}, {"from": "0.5", "rate": "0.10"}]}]
/// }"#).unwrap();
/// plan.validate()?;
///
/// let bad: Plan = serde_json::from_str(r#"{
///     "id": "ae-2026",
///     "versions": [{"version": 1, "effective": "2026-01-01", "published": "2025-12-15",
///                   "quota": "100000.00", "method": "retroactive",
///                   "rate_table": [{"from": "0", "rate": "0.05"}, {"from": "0", "rate": "0.10"}]}]
/// }"#).unwrap();
/// let err = bad.validate().unwrap_err();
/// assert_eq!(err.code(), "tiers_out_of_order");
/// assert_eq!(err.path(), Some("versions[0].rate_table[1].from"));
/// # Ok::<(), ltc_incentive::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(remote = "Self", deny_unknown_fields)]
pub struct Plan {
    /// The plan's name.
    pub id: String,
    /// Decimal places of the currency's minor unit (default 2); at most 28.
    #[serde(default = "two")]
    pub scale: u32,
    /// When deals credit (default at signature).
    #[serde(default)]
    pub credit_on: CreditOn,
    /// The versions, at least one; any order.
    pub versions: Vec<PlanVersion>,
}

crate::strict::objects_only!(Tier, Caps, Draw, Holdback, PlanVersion, Plan);

fn two() -> u32 {
    2
}

impl Plan {
    /// A plan named `id` with one version, in a currency of two decimal places, crediting deals
    /// at signature.
    ///
    /// # Examples
    ///
    /// ```
    /// use ltc_incentive::{CreditOn, Method, NaiveDate, Plan, PlanVersion, Tier};
    /// use rust_decimal_macros::dec;
    ///
    /// let jan = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
    /// let version = PlanVersion::new(1, jan, dec!(100000.00), Method::Marginal)
    ///     .tier(Tier::new(dec!(0), dec!(0.05)));
    /// let plan = Plan::new("ae-2026", version).credit_on(CreditOn::Cash);
    /// assert_eq!((plan.scale, plan.versions.len()), (2, 1));
    /// plan.validate()?;
    /// # Ok::<(), ltc_incentive::Error>(())
    /// ```
    #[must_use]
    pub fn new(id: impl Into<String>, version: PlanVersion) -> Self {
        Self {
            id: id.into(),
            scale: two(),
            credit_on: CreditOn::default(),
            versions: vec![version],
        }
    }

    /// Adds a version (effective from its own day).
    #[must_use]
    pub fn version(mut self, version: PlanVersion) -> Self {
        self.versions.push(version);
        self
    }

    /// Sets the decimal places of the currency's minor unit.
    #[must_use]
    pub fn scale(mut self, scale: u32) -> Self {
        self.scale = scale;
        self
    }

    /// Sets when deals credit.
    #[must_use]
    pub fn credit_on(mut self, credit_on: CreditOn) -> Self {
        self.credit_on = credit_on;
        self
    }
}

impl PlanVersion {
    /// A version with no tiers yet, published on its effective day, with no floor, caps, draw,
    /// guarantee or holdback.
    #[must_use]
    pub fn new(version: u32, effective: NaiveDate, quota: Decimal, method: Method) -> Self {
        Self {
            version,
            effective,
            published: effective,
            quota,
            method,
            rate_table: Vec::new(),
            floor: None,
            caps: Caps::default(),
            draw: None,
            guarantee: None,
            holdback: None,
        }
    }

    /// Adds a tier.
    #[must_use]
    pub fn tier(mut self, tier: Tier) -> Self {
        self.rate_table.push(tier);
        self
    }

    /// Sets the day it was published.
    #[must_use]
    pub fn published(mut self, day: NaiveDate) -> Self {
        self.published = day;
        self
    }

    /// Sets the floor.
    #[must_use]
    pub fn floor(mut self, attainment: Decimal) -> Self {
        self.floor = Some(attainment);
        self
    }

    /// Sets the caps.
    #[must_use]
    pub fn caps(mut self, caps: Caps) -> Self {
        self.caps = caps;
        self
    }

    /// Sets the draw.
    #[must_use]
    pub fn draw(mut self, draw: Draw) -> Self {
        self.draw = Some(draw);
        self
    }

    /// Sets the guarantee.
    #[must_use]
    pub fn guarantee(mut self, amount: Decimal) -> Self {
        self.guarantee = Some(amount);
        self
    }

    /// Sets the holdback.
    #[must_use]
    pub fn holdback(mut self, holdback: Holdback) -> Self {
        self.holdback = Some(holdback);
        self
    }

    /// Checks the version, for amounts at `scale`: a positive quota; a rate table from
    /// attainment 0 at strictly increasing attainments, with rates `>= 0`; a floor `>= 0`;
    /// caps, draw, limit and guarantee `>= 0` and whole minor units; a limit only on a
    /// recoverable draw; a holdback rate in `[0, 1]` released after at least one period.
    ///
    /// # Errors
    ///
    /// The first problem found, as [`Error::At`] naming the field (`rate_table[2].rate`).
    pub fn validate(&self, scale: u32) -> Result<(), Error> {
        if self.quota <= Decimal::ZERO {
            return Err(Error::NotPositive {
                what: "the quota",
                value: self.quota,
            }
            .at("quota"));
        }
        whole(self.quota, "the quota", scale).map_err(|e| e.at("quota"))?;
        let Some(first) = self.rate_table.first() else {
            return Err(Error::Empty {
                what: "the rate table",
            }
            .at("rate_table"));
        };
        if !first.from.is_zero() {
            return Err(Error::FirstTierNotAtZero { from: first.from }.at("rate_table[0].from"));
        }
        let mut previous: Option<Decimal> = None;
        for (i, tier) in self.rate_table.iter().enumerate() {
            if let Some(previous) = previous {
                if tier.from <= previous {
                    return Err(Error::TiersOutOfOrder {
                        from: tier.from,
                        previous,
                    }
                    .at(format!("rate_table[{i}].from")));
                }
            }
            if tier.rate < Decimal::ZERO {
                return Err(Error::NegativeValue {
                    what: "a rate",
                    value: tier.rate,
                }
                .at(format!("rate_table[{i}].rate")));
            }
            previous = Some(tier.from);
        }
        if let Some(floor) = self.floor {
            if floor < Decimal::ZERO {
                return Err(Error::NegativeValue {
                    what: "the floor",
                    value: floor,
                }
                .at("floor"));
            }
        }
        money(self.caps.deal, "the deal cap", scale).map_err(|e| e.at("caps.deal"))?;
        money(self.caps.period, "the period cap", scale).map_err(|e| e.at("caps.period"))?;
        money(self.guarantee, "the guarantee", scale).map_err(|e| e.at("guarantee"))?;
        if let Some(draw) = &self.draw {
            money(Some(draw.amount), "the draw", scale).map_err(|e| e.at("draw.amount"))?;
            money(draw.limit, "the recovery limit", scale).map_err(|e| e.at("draw.limit"))?;
            if draw.limit.is_some() && draw.kind == DrawKind::NonRecoverable {
                return Err(Error::Inconsistent {
                    what: "a non-recoverable draw is never recovered, so it has no limit",
                }
                .at("draw.limit"));
            }
        }
        if let Some(h) = &self.holdback {
            if h.rate < Decimal::ZERO || h.rate > Decimal::ONE {
                return Err(Error::ValueOutOfRange {
                    what: "the holdback rate",
                    value: h.rate,
                    range: "[0, 1]",
                }
                .at("holdback.rate"));
            }
            if h.release_after == 0 {
                return Err(Error::NotPositive {
                    what: "release_after (periods)",
                    value: Decimal::ZERO,
                }
                .at("holdback.release_after"));
            }
        }
        Ok(())
    }

    /// What the rate table alone earns on `credit` (one credit, or the period's total), exact,
    /// before floor, caps and rounding: marginally, `Σ rate_i · |band_i ∩ [0, credit)|` with
    /// `band_i = [from_i · quota, from_(i+1) · quota)`; retroactively, `rate_k · credit` for the
    /// last tier `k` with `from_k · quota <= credit`.
    ///
    /// # Errors
    ///
    /// [`Error::Inexact`] or [`Error::Overflow`] when a product cannot be held exactly.
    ///
    /// # Examples
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use ltc_incentive::{Method, PlanVersion, Tier};
    /// use rust_decimal_macros::dec;
    ///
    /// let jan = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
    /// let table = |method| PlanVersion::new(1, jan, dec!(1000), method)
    ///     .tier(Tier::new(dec!(0), dec!(0.10)))
    ///     .tier(Tier::new(dec!(1), dec!(0.20)));
    /// assert_eq!(table(Method::Marginal).earnings(dec!(1500))?, dec!(200));     // 100 + 100
    /// assert_eq!(table(Method::Retroactive).earnings(dec!(1500))?, dec!(300));  // 1500 x 0.20
    /// # Ok::<(), ltc_incentive::Error>(())
    /// ```
    pub fn earnings(&self, credit: Decimal) -> Result<Decimal, Error> {
        let bands = self.bands()?;
        let mut total = Decimal::ZERO;
        match self.method {
            Method::Marginal => {
                for piece in bands.cut(Decimal::ZERO, credit)? {
                    let earned = crate::arith::mul(piece.portion, piece.rate, EARNINGS)?;
                    total = crate::arith::add(total, earned, EARNINGS)?;
                }
            }
            Method::Retroactive => {
                let k = bands.reached(credit);
                total = crate::arith::mul(credit, bands.rate(k), EARNINGS)?;
            }
        }
        Ok(total)
    }

    /// The tiers as bands of credit.
    pub(crate) fn bands(&self) -> Result<Bands, Error> {
        let mut starts = Vec::with_capacity(self.rate_table.len());
        for tier in &self.rate_table {
            starts.push(crate::arith::mul(
                tier.from,
                self.quota,
                "a tier's start in credit",
            )?);
        }
        Ok(Bands {
            tiers: self.rate_table.clone(),
            starts,
        })
    }

    /// What each tier is called relative to the rate just below quota: `decelerator` below it,
    /// `base` at it, `accelerator` above it.
    #[must_use]
    pub fn label(&self, tier: usize) -> &'static str {
        let base = self
            .rate_table
            .iter()
            .take_while(|t| t.from < Decimal::ONE)
            .last()
            .map_or(Decimal::ZERO, |t| t.rate);
        match self.rate_table.get(tier) {
            Some(t) if t.rate < base => "decelerator",
            Some(t) if t.rate > base => "accelerator",
            _ => "base",
        }
    }
}

const EARNINGS: &str = "earnings";

/// A version's tiers with their starts in credit (`from x quota`).
#[derive(Debug, Clone)]
pub(crate) struct Bands {
    pub(crate) tiers: Vec<Tier>,
    pub(crate) starts: Vec<Decimal>,
}

/// The part of a credit inside one band.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Piece {
    pub(crate) tier: usize,
    pub(crate) rate: Decimal,
    /// Where the part starts and ends, in the period's cumulated credit.
    pub(crate) from: Decimal,
    pub(crate) to: Decimal,
    pub(crate) portion: Decimal,
}

impl Bands {
    pub(crate) fn rate(&self, tier: usize) -> Decimal {
        self.tiers.get(tier).map_or(Decimal::ZERO, |t| t.rate)
    }

    /// The last tier whose start in credit is at most `credit`.
    pub(crate) fn reached(&self, credit: Decimal) -> usize {
        self.starts.iter().rposition(|&s| s <= credit).unwrap_or(0)
    }

    /// Attainment where tier `i` ends (none for the last).
    pub(crate) fn end(&self, tier: usize) -> Option<Decimal> {
        self.tiers.get(tier + 1).map(|t| t.from)
    }

    /// `[lo, hi)` of cumulated credit cut at the band boundaries: one piece per band it
    /// touches, in order (none when it is empty).
    pub(crate) fn cut(&self, lo: Decimal, hi: Decimal) -> Result<Vec<Piece>, Error> {
        let mut out = Vec::new();
        if hi <= lo {
            return Ok(out);
        }
        for (i, (tier, &start)) in self.tiers.iter().zip(&self.starts).enumerate() {
            let end = self.starts.get(i + 1).copied();
            let from = lo.max(start);
            let to = end.map_or(hi, |e| hi.min(e));
            if to > from {
                out.push(Piece {
                    tier: i,
                    rate: tier.rate,
                    from,
                    to,
                    portion: crate::arith::sub(to, from, "a credit's part in a band")?,
                });
            }
        }
        Ok(out)
    }
}

/// `value` written with no trailing zeros beyond `scale` decimals (and at least `scale`): the
/// same number, so that exact products (`40000.00 x 0.75 = 30000.0000`) read as amounts
/// (`30000.00`). Nothing is rounded: the digits that go are zeros.
pub(crate) fn tidy(value: Decimal, scale: u32) -> Decimal {
    let mut out = value.normalize();
    if out.scale() < scale {
        let before = out;
        out.rescale(scale);
        if out != before {
            return value;
        }
    }
    out
}

/// Checks an optional amount of money: `>= 0`, whole minor units.
pub(crate) fn money(value: Option<Decimal>, what: &'static str, scale: u32) -> Result<(), Error> {
    let Some(value) = value else {
        return Ok(());
    };
    if value < Decimal::ZERO {
        return Err(Error::NegativeValue { what, value });
    }
    whole(value, what, scale)
}

/// Checks that `value` is a whole number of minor units at `scale`.
pub(crate) fn whole(value: Decimal, what: &'static str, scale: u32) -> Result<(), Error> {
    if value.round_dp(scale) != value {
        return Err(Error::FinerThanMinorUnit { what, value, scale });
    }
    Ok(())
}

impl Plan {
    /// Checks the plan: a scale of at most 28, at least one version, version numbers unique,
    /// each version valid ([`PlanVersion::validate`]).
    ///
    /// # Errors
    ///
    /// The first problem found, as [`Error::At`] naming the field (`versions[1].quota`).
    pub fn validate(&self) -> Result<(), Error> {
        if self.scale > MAX_SCALE {
            return Err(Error::ScaleOutOfRange { scale: self.scale }.at("scale"));
        }
        if self.versions.is_empty() {
            return Err(Error::Empty {
                what: "the list of versions",
            }
            .at("versions"));
        }
        for (i, v) in self.versions.iter().enumerate() {
            if self.versions.iter().take(i).any(|w| w.version == v.version) {
                return Err(Error::DuplicateId {
                    id: v.version.to_string(),
                }
                .at(format!("versions[{i}].version")));
            }
            v.validate(self.scale)
                .map_err(|e| e.at(format!("versions[{i}]")))?;
        }
        Ok(())
    }

    /// The version in force for a period starting on `start`, among those published by
    /// `known` (none: all): the one with the latest `effective` on or before `start`, the
    /// highest version number among equals.
    #[must_use]
    pub fn in_force(&self, start: NaiveDate, known: Option<NaiveDate>) -> Option<&PlanVersion> {
        self.in_force_by(start, |v| known.is_none_or(|k| v.published <= k))
            .map(|(_, v)| v)
    }

    /// As [`in_force`](Self::in_force), among the versions `known` accepts, with its index.
    pub(crate) fn in_force_by(
        &self,
        start: NaiveDate,
        known: impl Fn(&PlanVersion) -> bool,
    ) -> Option<(usize, &PlanVersion)> {
        self.versions
            .iter()
            .enumerate()
            .filter(|(_, v)| v.effective <= start && known(v))
            .max_by_key(|(_, v)| (v.effective, v.version))
    }
}
