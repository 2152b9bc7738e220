//! The split: a pool shared by role, then by contribution within each role,
//! rounded once over all lines by the largest remainder rule.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::allocate::{from_units, largest_remainder, to_units, UnitsError, MAX_SCALE, MAX_UNITS};
use crate::wide::{div_half_even, pow10, Int, Wide};
use crate::Error;

/// Wide enough for realistic splits many times over (1024 bits); anything
/// beyond is reported as [`Error::Overflow`].
type SplitWide = Wide<16>;

/// The project period a split is measured over: `[start, end)`, end
/// exclusive, at least one day.
///
/// Serialized as `{"start": "2026-01-01", "end": "2026-07-01"}`.
///
/// # Examples
///
/// ```
/// use chrono::NaiveDate;
/// use ltc_incentive::Window;
///
/// let d = |m, d| NaiveDate::from_ymd_opt(2026, m, d).unwrap();
/// let window = Window::new(d(1, 1), d(7, 1));
/// assert_eq!(window.days(), 181);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(remote = "Self", deny_unknown_fields)]
pub struct Window {
    /// First day of the window.
    pub start: NaiveDate,
    /// First day after the window.
    pub end: NaiveDate,
}

impl Window {
    /// A window from `start` (inclusive) to `end` (exclusive).
    #[must_use]
    pub fn new(start: NaiveDate, end: NaiveDate) -> Self {
        Self { start, end }
    }

    /// Number of days in the window (zero or negative when it is empty).
    #[must_use]
    pub fn days(&self) -> i64 {
        (self.end - self.start).num_days()
    }

    /// Days of `[joined, left)` inside the window; a missing date means the
    /// window's own.
    ///
    /// # Examples
    ///
    /// ```
    /// # use chrono::NaiveDate;
    /// # use ltc_incentive::Window;
    /// # let d = |m, d| NaiveDate::from_ymd_opt(2026, m, d).unwrap();
    /// let window = Window::new(d(1, 1), d(7, 1));
    /// assert_eq!(window.overlap_days(Some(d(4, 1)), None), 91);
    /// assert_eq!(window.overlap_days(None, Some(d(2, 1))), 31);
    /// assert_eq!(window.overlap_days(Some(d(8, 1)), None), 0);
    /// ```
    #[must_use]
    pub fn overlap_days(&self, joined: Option<NaiveDate>, left: Option<NaiveDate>) -> i64 {
        let from = joined.map_or(self.start, |j| j.max(self.start));
        let to = left.map_or(self.end, |l| l.min(self.end));
        (to - from).num_days().max(0)
    }
}

/// What happens to the share of a role with nobody to pay.
///
/// Serialized as `"redistribute"` or `"retain"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VacantRoles {
    /// The pool is shared among the active roles only (the default).
    #[default]
    Redistribute,
    /// Inactive roles' shares are kept back as [`Split::retained`].
    Retain,
}

/// One person in one role of a split request.
///
/// Serialized as `{"id": "ana", "role": "AR", "contribution": "1",
/// "involvement": "1", "joined": "2026-01-01", "left": null}`; `involvement`
/// defaults to `1`, `joined` and `left` to `null` (the window's own dates).
///
/// # Examples
///
/// ```
/// use chrono::NaiveDate;
/// use ltc_incentive::Member;
/// use rust_decimal_macros::dec;
///
/// let bo = Member::new("bo", "SR", dec!(2))
///     .involvement(dec!(0.5))
///     .joined(NaiveDate::from_ymd_opt(2026, 4, 1).unwrap());
/// assert_eq!(bo.involvement, dec!(0.5));
/// assert_eq!(bo.left, None);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(remote = "Self", deny_unknown_fields)]
pub struct Member {
    /// Who: one person may appear in several roles under the same id.
    pub id: String,
    /// The role, a key of [`SplitRequest::roles`].
    pub role: String,
    /// Measured contribution within the role, `>= 0`.
    #[serde(with = "crate::exact")]
    pub contribution: Decimal,
    /// How fully they took part, in `[0, 1]`; default `1`.
    #[serde(default = "one", with = "crate::exact")]
    pub involvement: Decimal,
    /// First day on the team; `None` means the window's start.
    #[serde(default)]
    pub joined: Option<NaiveDate>,
    /// First day off the team; `None` means the window's end.
    #[serde(default)]
    pub left: Option<NaiveDate>,
}

impl Member {
    /// A member with full involvement, on the team for the whole window.
    #[must_use]
    pub fn new(id: impl Into<String>, role: impl Into<String>, contribution: Decimal) -> Self {
        Self {
            id: id.into(),
            role: role.into(),
            contribution,
            involvement: Decimal::ONE,
            joined: None,
            left: None,
        }
    }

    /// Sets the involvement.
    #[must_use]
    pub fn involvement(mut self, involvement: Decimal) -> Self {
        self.involvement = involvement;
        self
    }

    /// Sets the day they joined.
    #[must_use]
    pub fn joined(mut self, joined: NaiveDate) -> Self {
        self.joined = Some(joined);
        self
    }

    /// Sets the day they left (the first day off the team).
    #[must_use]
    pub fn left(mut self, left: NaiveDate) -> Self {
        self.left = Some(left);
        self
    }
}

fn one() -> Decimal {
    Decimal::ONE
}

fn default_scale() -> u32 {
    2
}

fn yes() -> bool {
    true
}

/// Everything needed to split a pool among a team.
///
/// Serialized as
/// `{"pool": "100000.00", "scale": 2, "roles": {"AR": "40", "SR": "30", "FR": "30"},
/// "window": {"start": "2026-01-01", "end": "2026-07-01"}, "prorate_by_time": true,
/// "vacant_roles": "redistribute", "holdback": "0.15", "members": [...]}`;
/// `scale` defaults to 2, `prorate_by_time` to `true`, `vacant_roles` to
/// `"redistribute"` and `holdback` to `"0"`. Unknown fields are refused.
///
/// # Examples
///
/// ```
/// use chrono::NaiveDate;
/// use ltc_incentive::{Member, SplitRequest, Window};
/// use rust_decimal_macros::dec;
///
/// let d = |m, d| NaiveDate::from_ymd_opt(2026, m, d).unwrap();
/// let request = SplitRequest::new(dec!(900.00), Window::new(d(1, 1), d(7, 1)))
///     .role("AR", dec!(40))
///     .role("SR", dec!(30))
///     .role("FR", dec!(30))
///     .member(Member::new("ana", "AR", dec!(1)))
///     .member(Member::new("bo", "SR", dec!(1)))
///     .member(Member::new("cy", "FR", dec!(1)));
/// let split = request.split()?;
/// assert_eq!(split.amount_of("ana"), dec!(360.00));
/// assert_eq!(split.amount_of("bo"), dec!(270.00));
/// # Ok::<(), ltc_incentive::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self", deny_unknown_fields)]
pub struct SplitRequest {
    /// The amount to share, `>= 0`, a whole number of minor units.
    #[serde(with = "crate::exact")]
    pub pool: Decimal,
    /// Decimal places of the minor unit (2 for cents); at most 28.
    #[serde(default = "default_scale")]
    pub scale: u32,
    /// Role name to role weight (`>= 0`), e.g. AR 40, SR 30, FR 30.
    #[serde(with = "crate::exact::map")]
    pub roles: BTreeMap<String, Decimal>,
    /// The project period participation is measured against.
    pub window: Window,
    /// Whether participation counts days on the team (default `true`).
    #[serde(default = "yes")]
    pub prorate_by_time: bool,
    /// What happens to roles with nobody to pay (default redistribute).
    #[serde(default)]
    pub vacant_roles: VacantRoles,
    /// Fraction of every amount held back, in `[0, 1]` (default `0`).
    #[serde(default, with = "crate::exact")]
    pub holdback: Decimal,
    /// The team: one entry per (person, role).
    pub members: Vec<Member>,
}

impl SplitRequest {
    /// A request with the defaults (scale 2, proration on, vacant roles
    /// redistributed, no holdback), no roles and no members yet.
    #[must_use]
    pub fn new(pool: Decimal, window: Window) -> Self {
        Self {
            pool,
            scale: default_scale(),
            roles: BTreeMap::new(),
            window,
            prorate_by_time: true,
            vacant_roles: VacantRoles::Redistribute,
            holdback: Decimal::ZERO,
            members: Vec::new(),
        }
    }

    /// Adds (or replaces) a role and its weight.
    #[must_use]
    pub fn role(mut self, name: impl Into<String>, weight: Decimal) -> Self {
        self.roles.insert(name.into(), weight);
        self
    }

    /// Adds a member.
    #[must_use]
    pub fn member(mut self, member: Member) -> Self {
        self.members.push(member);
        self
    }

    /// Sets the scale.
    #[must_use]
    pub fn scale(mut self, scale: u32) -> Self {
        self.scale = scale;
        self
    }

    /// Sets whether participation is prorated by days on the team.
    #[must_use]
    pub fn prorate_by_time(mut self, on: bool) -> Self {
        self.prorate_by_time = on;
        self
    }

    /// Sets what happens to roles with nobody to pay.
    #[must_use]
    pub fn vacant_roles(mut self, rule: VacantRoles) -> Self {
        self.vacant_roles = rule;
        self
    }

    /// Sets the holdback fraction.
    #[must_use]
    pub fn holdback(mut self, fraction: Decimal) -> Self {
        self.holdback = fraction;
        self
    }

    /// Sets the pool.
    #[must_use]
    pub fn pool(mut self, pool: Decimal) -> Self {
        self.pool = pool;
        self
    }

    /// Splits the pool: see [`split`].
    ///
    /// # Errors
    ///
    /// As [`split`].
    pub fn split(&self) -> Result<Split, Error> {
        split(self)
    }
}

/// The outcome of a split: what each person gets, and why.
///
/// Serialized as `{"pool": "...", "retained": "...", "people": [...]}`,
/// people sorted by id, amounts as strings with exactly `scale` decimals.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self", deny_unknown_fields)]
pub struct Split {
    /// The pool that was shared.
    #[serde(with = "crate::exact")]
    pub pool: Decimal,
    /// The part kept back for inactive roles (always zero when vacant roles
    /// are redistributed).
    #[serde(with = "crate::exact")]
    pub retained: Decimal,
    /// One entry per distinct member id, sorted by id.
    pub people: Vec<Payout>,
}

impl Split {
    /// The payout of person `id`, if they are in the split.
    #[must_use]
    pub fn person(&self, id: &str) -> Option<&Payout> {
        self.people
            .binary_search_by(|p| p.id.as_str().cmp(id))
            .ok()
            .and_then(|i| self.people.get(i))
    }

    /// The amount of person `id`, zero if they are not in the split.
    #[must_use]
    pub fn amount_of(&self, id: &str) -> Decimal {
        self.person(id).map_or(Decimal::ZERO, |p| p.amount)
    }
}

/// What one person gets from a split.
///
/// Serialized as `{"id": "ana", "amount": "...", "held": "...",
/// "payable": "...", "lines": [...]}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self", deny_unknown_fields)]
pub struct Payout {
    /// The person.
    pub id: String,
    /// The sum of their lines.
    #[serde(with = "crate::exact")]
    pub amount: Decimal,
    /// `amount x holdback`, rounded half to even to the minor unit.
    #[serde(with = "crate::exact")]
    pub held: Decimal,
    /// `amount - held`.
    #[serde(with = "crate::exact")]
    pub payable: Decimal,
    /// One line per role they hold, sorted by role.
    pub lines: Vec<Line>,
}

/// One (person, role) line of a split, with everything that produced it.
///
/// `exact_share = pool x role_share x weight / (sum of weights in the role)`
/// with `weight = contribution x involvement x participation`, and
/// `amount = exact_share + adjustment`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self", deny_unknown_fields)]
pub struct Line {
    /// The role.
    pub role: String,
    /// The amount of this line, a whole number of minor units.
    #[serde(with = "crate::exact")]
    pub amount: Decimal,
    /// Fraction of the pool shared among this role's members: the role's
    /// weight over the weights counted (zero for an inactive role).
    #[serde(with = "crate::exact")]
    pub role_share: Decimal,
    /// The member's contribution, as given.
    #[serde(with = "crate::exact")]
    pub contribution: Decimal,
    /// The member's involvement, as given (or the default 1).
    #[serde(with = "crate::exact")]
    pub involvement: Decimal,
    /// `days / window_days`, or 1 when proration is off.
    #[serde(with = "crate::exact")]
    pub participation: Decimal,
    /// Days of the member's `[joined, left)` inside the window.
    pub days: i64,
    /// Days in the window.
    pub window_days: i64,
    /// The exact share before rounding (to as many digits as a `Decimal`
    /// holds, at least `scale` decimals).
    #[serde(with = "crate::exact")]
    pub exact_share: Decimal,
    /// `amount - exact_share`: what the one rounding added or took away,
    /// always less than one minor unit in size.
    #[serde(with = "crate::exact")]
    pub adjustment: Decimal,
}

crate::strict::objects_only!(Window, Member, SplitRequest, Split, Payout, Line);

/// Splits a pool among a team, exactly to the minor unit.
///
/// With `participation = days of [joined, left) in the window / window days`
/// (1 when proration is off) and `weight = contribution x involvement x
/// participation`:
/// - a role is *active* when its weight is positive and at least one of its
///   members has a positive weight;
/// - a line's exact share is `pool x (role weight / role weights counted) x
///   (member weight / member weights in the role)`, where the roles counted
///   are the active ones (`redistribute`) or all of them (`retain`, the
///   inactive roles' shares forming `retained`);
/// - all lines and `retained` are rounded together, once, by the largest
///   remainder rule ([`allocate`](crate::allocate)), ties to the smaller
///   `(id, role)` and `retained` last, so the input order of members does not
///   matter;
/// - a person's amount is the sum of their lines; `held = amount x holdback`
///   rounded half to even, `payable = amount - held`.
///
/// The amounts and `retained` always sum to `pool` exactly.
///
/// # Errors
///
/// [`Error::ScaleOutOfRange`], [`Error::EmptyWindow`],
/// [`Error::HoldbackOutOfRange`], [`Error::NegativePool`],
/// [`Error::PoolFinerThanMinorUnit`], [`Error::NegativeRoleWeight`],
/// [`Error::UnknownRole`], [`Error::NegativeContribution`],
/// [`Error::InvolvementOutOfRange`], [`Error::LeftBeforeJoined`],
/// [`Error::DuplicateMember`], [`Error::NoPositiveWeight`],
/// [`Error::NoActiveRole`], and [`Error::Overflow`] for numbers too large to
/// handle exactly.
///
/// # Examples
///
/// ```
/// use ltc_incentive::split;
/// use rust_decimal_macros::dec;
///
/// let request = serde_json::from_str(r#"{
///     "pool": "1000.00",
///     "roles": {"AR": "40", "SR": "30", "FR": "30"},
///     "window": {"start": "2026-01-01", "end": "2026-07-01"},
///     "holdback": "0.15",
///     "members": [
///         {"id": "ana", "role": "AR", "contribution": "1"},
///         {"id": "bo", "role": "SR", "contribution": "1"},
///         {"id": "bo", "role": "FR", "contribution": "1"}
///     ]
/// }"#).unwrap();
/// let split = split(&request)?;
/// let bo = split.person("bo").unwrap();
/// assert_eq!(bo.amount, dec!(600.00));
/// assert_eq!((bo.held, bo.payable), (dec!(90.00), dec!(510.00)));
/// assert_eq!(bo.lines.len(), 2);
/// # Ok::<(), ltc_incentive::Error>(())
/// ```
pub fn split(request: &SplitRequest) -> Result<Split, Error> {
    let scale = request.scale;
    if scale > MAX_SCALE {
        return Err(Error::ScaleOutOfRange { scale });
    }
    let window = request.window;
    let window_days = window.days();
    if window_days <= 0 {
        return Err(Error::EmptyWindow {
            start: window.start,
            end: window.end,
        });
    }
    let holdback = request.holdback;
    if holdback < Decimal::ZERO || holdback > Decimal::ONE {
        return Err(Error::HoldbackOutOfRange { holdback });
    }
    let pool = request.pool;
    if pool < Decimal::ZERO {
        return Err(Error::NegativePool { pool });
    }
    let (units, _) = to_units(pool, scale).map_err(|e| match e {
        UnitsError::Finer => Error::PoolFinerThanMinorUnit { pool, scale },
        UnitsError::Overflow => Error::Overflow {
            what: "the pool in minor units",
        },
    })?;
    for (role, &weight) in &request.roles {
        if weight < Decimal::ZERO {
            return Err(Error::NegativeRoleWeight {
                role: role.clone(),
                weight,
            });
        }
    }

    // Validate members and compute their integer weights
    // `contribution x involvement x days` (days = 1 without proration): within
    // a role every participation has the window's days as denominator, so it
    // cancels from the member's fraction of the role.
    //
    // The members are ordered by (id, role) once, up front: that order is the order of the
    // lines, and in it a repeated (id, role) stands next to its twin. The duplicate refused is
    // the first one in input order, in its place among the other checks.
    let mut keyed: Vec<(&str, &str, usize)> = request
        .members
        .iter()
        .enumerate()
        .map(|(i, m)| (m.id.as_str(), m.role.as_str(), i))
        .collect();
    keyed.sort_unstable();
    let first_duplicate = keyed
        .windows(2)
        .filter_map(|pair| match pair {
            [a, b] if (a.0, a.1) == (b.0, b.1) => Some(b.2),
            _ => None,
        })
        .min();
    let mut members = Vec::with_capacity(request.members.len());
    let mut member_scale = 0;
    for (index, m) in request.members.iter().enumerate() {
        let err_ctx = || (m.id.clone(), m.role.clone());
        if !request.roles.contains_key(&m.role) {
            let (member, role) = err_ctx();
            return Err(Error::UnknownRole { member, role });
        }
        if m.contribution < Decimal::ZERO {
            let (member, role) = err_ctx();
            return Err(Error::NegativeContribution {
                member,
                role,
                contribution: m.contribution,
            });
        }
        if m.involvement < Decimal::ZERO || m.involvement > Decimal::ONE {
            let (member, role) = err_ctx();
            return Err(Error::InvolvementOutOfRange {
                member,
                role,
                involvement: m.involvement,
            });
        }
        if let (Some(joined), Some(left)) = (m.joined, m.left) {
            if left < joined {
                let (member, role) = err_ctx();
                return Err(Error::LeftBeforeJoined {
                    member,
                    role,
                    joined,
                    left,
                });
            }
        }
        if first_duplicate == Some(index) {
            let (member, role) = err_ctx();
            return Err(Error::DuplicateMember { member, role });
        }
        let days = window.overlap_days(m.joined, m.left);
        let factor = if request.prorate_by_time { days } else { 1 };
        let weight = mantissa(m.contribution)?
            .checked_mul(mantissa(m.involvement)?)
            .and_then(|w| w.checked_mul(SplitWide::from_u64(factor.unsigned_abs())))
            .ok_or(OVERFLOW_WEIGHT)?;
        let weight_scale = m.contribution.scale() + m.involvement.scale();
        member_scale = member_scale.max(weight_scale);
        members.push(MemberWork {
            member: m,
            days,
            weight,
            weight_scale,
        });
    }
    // Align member weights to one scale and sum them per role.
    let mut role_sums: BTreeMap<&str, SplitWide> = BTreeMap::new();
    let mut any_positive = false;
    for w in &mut members {
        let factor: SplitWide = pow10(member_scale - w.weight_scale).ok_or(OVERFLOW_WEIGHT)?;
        w.weight = w.weight.checked_mul(factor).ok_or(OVERFLOW_WEIGHT)?;
        any_positive |= w.weight != SplitWide::ZERO;
        let sum = role_sums
            .entry(w.member.role.as_str())
            .or_insert(SplitWide::ZERO);
        *sum = sum.checked_add(w.weight).ok_or(OVERFLOW_WEIGHT)?;
    }
    if !any_positive {
        return Err(Error::NoPositiveWeight);
    }

    // Role weights at one scale; active roles; the roles counted.
    let role_scale = request
        .roles
        .values()
        .map(Decimal::scale)
        .max()
        .unwrap_or(0);
    let mut roles: BTreeMap<&str, RoleWork> = BTreeMap::new();
    for (name, &weight) in &request.roles {
        let factor: SplitWide = pow10(role_scale - weight.scale()).ok_or(OVERFLOW_WEIGHT)?;
        let weight = mantissa(weight)?
            .checked_mul(factor)
            .ok_or(OVERFLOW_WEIGHT)?;
        let members_sum = role_sums
            .get(name.as_str())
            .copied()
            .unwrap_or(SplitWide::ZERO);
        let active = weight != SplitWide::ZERO && members_sum != SplitWide::ZERO;
        roles.insert(
            name.as_str(),
            RoleWork {
                weight,
                members_sum,
                active,
                share: Decimal::ZERO,
                per_unit: SplitWide::ZERO,
            },
        );
    }
    let mut counted = SplitWide::ZERO;
    let mut inactive = SplitWide::ZERO;
    let mut lcm = SplitWide::one();
    let mut any_active = false;
    for r in roles.values() {
        if r.active {
            any_active = true;
            counted = counted.checked_add(r.weight).ok_or(OVERFLOW_WEIGHT)?;
            let g = lcm.gcd(r.members_sum);
            let (reduced, _) = r.members_sum.div_rem(g).ok_or(OVERFLOW_WEIGHT)?;
            lcm = lcm.checked_mul(reduced).ok_or(OVERFLOW_WEIGHT)?;
        } else if request.vacant_roles == VacantRoles::Retain {
            counted = counted.checked_add(r.weight).ok_or(OVERFLOW_WEIGHT)?;
            inactive = inactive.checked_add(r.weight).ok_or(OVERFLOW_WEIGHT)?;
        }
    }
    if !any_active {
        return Err(Error::NoActiveRole);
    }
    for r in roles.values_mut().filter(|r| r.active) {
        r.share = ratio_decimal(r.weight, counted, 0)?;
        // An active role's member sum is positive, so it divides the lcm of all of them.
        (r.per_unit, _) = lcm.div_rem(r.members_sum).ok_or(OVERFLOW_WEIGHT)?;
    }

    // One integer weight per line over the common denominator
    // `counted x lcm`: line = role weight x member weight x (lcm / role sum).
    let mut slots: Vec<Option<MemberWork>> = members.into_iter().map(Some).collect();
    let members: Vec<MemberWork> = keyed
        .iter()
        .filter_map(|&(_, _, i)| slots.get_mut(i).and_then(Option::take))
        .collect();
    let mut line_weights = Vec::with_capacity(members.len() + 1);
    let mut role_shares = Vec::with_capacity(members.len());
    for w in &members {
        let role = roles.get(w.member.role.as_str()).ok_or(OVERFLOW_WEIGHT)?;
        if role.active {
            let line = role
                .weight
                .checked_mul(w.weight)
                .and_then(|x| x.checked_mul(role.per_unit))
                .ok_or(OVERFLOW_WEIGHT)?;
            line_weights.push(line);
            role_shares.push(role.share);
        } else {
            line_weights.push(SplitWide::ZERO);
            role_shares.push(Decimal::ZERO);
        }
    }
    line_weights.push(inactive.checked_mul(lcm).ok_or(OVERFLOW_WEIGHT)?);
    let denominator = counted.checked_mul(lcm).ok_or(OVERFLOW_WEIGHT)?;
    let parts = largest_remainder(units, &line_weights)?;

    // Assemble the people, with the explanation of every line.
    let big_units = SplitWide::from_u128(units).ok_or(OVERFLOW_WEIGHT)?;
    let mut people: Vec<Payout> = Vec::new();
    let mut person_units: Vec<u128> = Vec::new();
    for ((w, (&part, &line_weight)), &role_share) in members
        .iter()
        .zip(parts.iter().zip(line_weights.iter()))
        .zip(role_shares.iter())
    {
        let amount = from_units(part, false, scale)?;
        let exact_units = big_units.checked_mul(line_weight).ok_or(OVERFLOW_WEIGHT)?;
        let exact_share = ratio_decimal(exact_units, denominator, scale)?;
        let participation = if request.prorate_by_time {
            day_ratio(w.days.unsigned_abs(), window_days.unsigned_abs())?
        } else {
            Decimal::ONE
        };
        let line = Line {
            role: w.member.role.clone(),
            amount,
            role_share,
            contribution: w.member.contribution,
            involvement: w.member.involvement,
            participation,
            days: w.days,
            window_days,
            exact_share,
            // Less than a minor unit at exact_share's scale: always a `Decimal`, exactly.
            adjustment: crate::arith::sub(amount, exact_share, "an adjustment")?,
        };
        match (people.last_mut(), person_units.last_mut()) {
            (Some(p), Some(u)) if p.id == w.member.id => {
                *u += part;
                p.lines.push(line);
            }
            _ => {
                people.push(Payout {
                    id: w.member.id.clone(),
                    amount: Decimal::ZERO,
                    held: Decimal::ZERO,
                    payable: Decimal::ZERO,
                    lines: vec![line],
                });
                person_units.push(part);
            }
        }
    }
    for (p, &u) in people.iter_mut().zip(person_units.iter()) {
        let held = held_units(u, holdback)?;
        p.amount = from_units(u, false, scale)?;
        p.held = from_units(held, false, scale)?;
        p.payable = from_units(u - held, false, scale)?;
    }
    let retained = parts.last().copied().unwrap_or(0);
    Ok(Split {
        pool: from_units(units, false, scale)?,
        retained: from_units(retained, false, scale)?,
        people,
    })
}

const OVERFLOW_WEIGHT: Error = Error::Overflow {
    what: "the weights of the split",
};

struct MemberWork<'a> {
    member: &'a Member,
    days: i64,
    weight: SplitWide,
    weight_scale: u32,
}

struct RoleWork {
    weight: SplitWide,
    members_sum: SplitWide,
    active: bool,
    /// `weight / counted` for display, once the roles counted are known.
    share: Decimal,
    /// `lcm / members_sum` for an active role: a member's weight to its share of the common
    /// denominator.
    per_unit: SplitWide,
}

/// The absolute mantissa of a decimal as a wide integer.
fn mantissa(d: Decimal) -> Result<SplitWide, Error> {
    SplitWide::from_u128(d.mantissa().unsigned_abs()).ok_or(OVERFLOW_WEIGHT)
}

/// `units x holdback` rounded half to even, in minor units.
pub(crate) fn held_units(units: u128, holdback: Decimal) -> Result<u128, Error> {
    const WHAT: Error = Error::Overflow {
        what: "the holdback",
    };
    let n = Wide::<4>::from_u128(units)
        .and_then(|u| u.checked_mul(Wide::from_u128(holdback.mantissa().unsigned_abs())?))
        .ok_or(WHAT)?;
    let d: Wide<4> = pow10(holdback.scale()).ok_or(WHAT)?;
    div_half_even(n, d)
        .and_then(Int::to_u128)
        .filter(|&h| h <= units)
        .ok_or(WHAT)
}

/// `days / window_days` exactly as `ratio_decimal(days, window_days, 0)` gives it, in `u128`
/// arithmetic: day counts are far below 10^10, so `days x 10^28` fits and every step matches the
/// wide one. Larger counts take the wide path.
fn day_ratio(days: u64, window_days: u64) -> Result<Decimal, Error> {
    const SMALL: u64 = 10_000_000_000;
    if days >= SMALL || window_days == 0 {
        return ratio_decimal(
            SplitWide::from_u64(days),
            SplitWide::from_u64(window_days),
            0,
        );
    }
    let (num, den) = (u128::from(days), u128::from(window_days));
    for extra in (0..=MAX_SCALE).rev() {
        // num < 10^10 and extra <= 28: the product stays below 10^38 < u128::MAX.
        let scaled = num * 10u128.pow(extra);
        let (q, r) = (scaled / den, scaled % den);
        let rounded = match r.cmp(&(den - r)) {
            std::cmp::Ordering::Greater => q + 1,
            std::cmp::Ordering::Equal => q + (q & 1),
            std::cmp::Ordering::Less => q,
        };
        if rounded <= MAX_UNITS {
            return Ok(from_units(rounded, false, extra)?.normalize());
        }
    }
    Err(Error::Overflow {
        what: "an exact share for display",
    })
}

/// `num / den` minor units at `scale` as a `Decimal` for display: rounded
/// half to even to as many decimals as fit (at most 28), trailing zeros
/// beyond `scale` removed.
///
/// The number of decimals is the largest `extra` in `0..=28 - scale` for which the rounded
/// quotient `num x 10^extra / den` fits a `Decimal`. It is computed from `num = q x den + r` as
/// `q x 10^extra + r x 10^extra / den`, exactly (on a wider integer when `r x 10^extra` does not
/// fit), so only the size of the result limits the decimals. It fails from some `extra` up (the
/// quotient only grows with `extra`), so that `extra` is found from an estimate, or by
/// bisection, rather than by trying each.
fn ratio_decimal(num: SplitWide, den: SplitWide, scale: u32) -> Result<Decimal, Error> {
    const WHAT: Error = Error::Overflow {
        what: "an exact share for display",
    };
    if den == SplitWide::ZERO {
        return Err(WHAT);
    }
    let max_units = SplitWide::from_u128(MAX_UNITS).ok_or(WHAT)?;
    let (q, r) = num.div_rem(den).ok_or(WHAT)?;
    // The quotient at `extra` decimals more, rounded half to even, if it fits.
    let fits = |extra: u32| -> Option<SplitWide> {
        let f = pow10::<SplitWide>(extra)?;
        let v = match num.checked_mul(f) {
            Some(scaled) => div_half_even(scaled, den)?,
            None => {
                // `q x 10^extra + r x 10^extra / den`, the second part on a wider integer.
                let (fraction, rest) = scaled_div_rem(r, den, extra)?;
                let floor = q.checked_mul(f)?.checked_add(fraction)?;
                let round_up = match rest.cmp(&den.checked_sub(rest)?) {
                    std::cmp::Ordering::Greater => true,
                    std::cmp::Ordering::Equal => floor.is_odd(),
                    std::cmp::Ordering::Less => false,
                };
                if round_up {
                    floor.checked_add(SplitWide::one())?
                } else {
                    floor
                }
            }
        };
        (v <= max_units).then_some(v)
    };
    let top = MAX_SCALE.checked_sub(scale).ok_or(WHAT)?;
    // The whole part `q` of the ratio bounds the answer: at the largest `e` with
    // `(q + 1) x 10^e <= MAX_UNITS` the quotient fits (unless `num x 10^e` overflows), and from
    // `q x 10^e > MAX_UNITS` on it does not, so a step or two up from there finds it.
    let bisect_below = |too_many: u32| -> Result<(u32, SplitWide), Error> {
        let mut best = (0, fits(0).ok_or(WHAT)?);
        let mut too_many = too_many;
        while too_many - best.0 > 1 {
            let mid = best.0 + (too_many - best.0) / 2;
            match fits(mid) {
                Some(v) => best = (mid, v),
                None => too_many = mid,
            }
        }
        Ok(best)
    };
    let (extra, v) = match q.to_u128().filter(|q| *q > 0 && *q < MAX_UNITS) {
        Some(q) => {
            let mut start = 0;
            let mut bound = q + 1;
            while start < top && bound * 10 <= MAX_UNITS {
                bound *= 10;
                start += 1;
            }
            match fits(start) {
                Some(v) => {
                    let mut best = (start, v);
                    for e in start + 1..=top {
                        // One decimal more at least multiplies the floor by ten: when that is
                        // already too large, `fits(e)` would refuse, so skip its wide division.
                        let floor = best.1.to_u128().unwrap_or(u128::MAX).saturating_sub(1);
                        if floor.saturating_mul(10) > MAX_UNITS {
                            break;
                        }
                        match fits(e) {
                            Some(v) => best = (e, v),
                            None => break,
                        }
                    }
                    best
                }
                None => bisect_below(start)?,
            }
        }
        None => match fits(top) {
            Some(v) => (top, v),
            None => bisect_below(top)?,
        },
    };
    let v = v.to_u128().ok_or(WHAT)?;
    let d = from_units(v, false, scale + extra)?.normalize();
    Ok(if d.scale() < scale {
        let mut d = d;
        d.rescale(scale);
        d
    } else {
        d
    })
}

/// `(r x 10^extra) / den` and its remainder, for `r < den`: on `SplitWide` when the product
/// fits, else on a wider integer (`r x 10^28 < 2^1118`); the quotient is below `10^extra`.
/// Used only when `num x 10^extra` itself does not fit.
fn scaled_div_rem(r: SplitWide, den: SplitWide, extra: u32) -> Option<(SplitWide, SplitWide)> {
    if let Some(scaled) = pow10::<SplitWide>(extra).and_then(|f| r.checked_mul(f)) {
        return scaled.div_rem(den);
    }
    let scaled = r.resize::<18>()?.checked_mul(pow10(extra)?)?;
    let (fraction, rest) = scaled.div_rem(den.resize()?)?;
    Some((fraction.resize()?, rest.resize()?))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use num_bigint::BigInt;
    use num_traits::{ToPrimitive, Zero};

    /// A wide integer as a big integer.
    fn big(w: SplitWide) -> BigInt {
        w.limbs_le()
            .iter()
            .rev()
            .fold(BigInt::zero(), |acc, &l| (acc << 64) + l)
    }

    /// `ratio_decimal` by its definition: every number of decimals tried, from the most down, on
    /// big integers.
    fn ratio_decimal_reference(
        num: SplitWide,
        den: SplitWide,
        scale: u32,
    ) -> Result<Decimal, Error> {
        const WHAT: Error = Error::Overflow {
            what: "an exact share for display",
        };
        if den == SplitWide::ZERO {
            return Err(WHAT);
        }
        let (n, d) = (big(num), big(den));
        for extra in (0..=MAX_SCALE - scale).rev() {
            let scaled = &n * BigInt::from(10).pow(extra);
            let (q, r) = (&scaled / &d, &scaled % &d);
            let twice = r * 2;
            let odd = &q % 2 == BigInt::from(1);
            let v = if twice > d || (twice == d && odd) {
                q + 1
            } else {
                q
            };
            if let Some(v) = v.to_u128().filter(|v| *v <= MAX_UNITS) {
                let d = from_units(v, false, scale + extra)?.normalize();
                return Ok(if d.scale() < scale {
                    let mut d = d;
                    d.rescale(scale);
                    d
                } else {
                    d
                });
            }
        }
        Err(WHAT)
    }

    #[test]
    fn ratio_decimal_matches_trying_every_scale() {
        fn next(x: &mut u64) -> u64 {
            *x ^= *x >> 12;
            *x ^= *x << 25;
            *x ^= *x >> 27;
            x.wrapping_mul(0x2545_f491_4f6c_dd1d)
        }
        fn wide(x: &mut u64, limbs: u64) -> SplitWide {
            let mut w = SplitWide::ZERO;
            for _ in 0..limbs {
                let shift = next(x) % 64;
                w = w
                    .checked_mul(SplitWide::from_u128(1u128 << 64).unwrap())
                    .unwrap()
                    .checked_add(SplitWide::from_u64(next(x) >> shift))
                    .unwrap();
            }
            w
        }
        let x = &mut 0x2545_f491_4f6c_dd1d_u64;
        let mut cases = vec![
            (SplitWide::ZERO, SplitWide::from_u64(7)),
            (SplitWide::from_u64(1), SplitWide::ZERO),
            (SplitWide::from_u128(MAX_UNITS).unwrap(), SplitWide::one()),
            (
                SplitWide::from_u128(MAX_UNITS + 1).unwrap(),
                SplitWide::one(),
            ),
            (
                SplitWide::from_u128(MAX_UNITS * 2).unwrap(),
                SplitWide::from_u64(2),
            ),
            (
                SplitWide::from_u128(MAX_UNITS * 2 + 1).unwrap(),
                SplitWide::from_u64(2),
            ),
            (SplitWide::from_u64(79_228_162_514), SplitWide::from_u64(1)),
            (SplitWide::from_u64(91), SplitWide::from_u64(181)),
        ];
        for _ in 0..3000 {
            let (a, b) = (next(x) % 5, next(x) % 4);
            cases.push((wide(x, a), wide(x, b)));
        }
        // Numerators so wide that `num x 10^extra` overflows for the larger `extra`.
        for _ in 0..300 {
            let (a, b) = (13 + next(x) % 3, 12 + next(x) % 4);
            cases.push((wide(x, a), wide(x, b)));
        }
        for (num, den) in cases.iter().copied() {
            for scale in [0, 2, 6, 28] {
                assert_eq!(
                    ratio_decimal(num, den, scale),
                    ratio_decimal_reference(num, den, scale),
                    "{num:?} / {den:?} at {scale}"
                );
            }
        }
    }

    #[test]
    fn day_ratio_matches_ratio_decimal() {
        let mut pairs = Vec::new();
        for window in [1u64, 2, 3, 7, 30, 31, 181, 182, 365, 366, 1000, 36_525] {
            for days in [
                0u64, 1, 2, 3, 6, 29, 30, 91, 100, 180, 181, 365, 999, 36_524,
            ] {
                pairs.push((days.min(window), window));
            }
        }
        pairs.extend([
            (9_999_999_999, 10_000_000_000),
            (10_000_000_000, 10_000_000_001),
            (5, 0),
        ]);
        for (days, window) in pairs {
            let wide = ratio_decimal(SplitWide::from_u64(days), SplitWide::from_u64(window), 0);
            assert_eq!(day_ratio(days, window), wide, "{days} / {window}");
        }
    }
}
