//! The split: a pool shared by role, then by contribution within each role,
//! rounded once over all lines by the largest remainder rule.

use std::collections::BTreeMap;
use std::fmt;
use std::ops::{Deref, DerefMut};
use std::sync::Arc;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::allocate::{from_units, to_units, UnitsError, MAX_SCALE, MAX_UNITS};
use crate::bigint::{div_half_even, pow10, Big, Int};
use crate::Error;

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
/// assert_eq!(&*bo.id, "bo");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(remote = "Self", deny_unknown_fields)]
pub struct Member {
    /// Who: one person may appear in several roles under the same id. Shared: the
    /// [`Payout::id`] of a split is this same text, not a copy.
    pub id: Arc<str>,
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
    pub fn new(id: impl Into<Arc<str>>, role: impl Into<String>, contribution: Decimal) -> Self {
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
            .binary_search_by(|p| (*p.id).cmp(id))
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
    /// The person: the [`Member::id`] of the request, shared.
    pub id: Arc<str>,
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
    pub lines: Lines,
}

/// One (person, role) line of a split, with everything that produced it.
///
/// `exact_share = pool x role_share x weight / (sum of weights in the role)`
/// with `weight = contribution x involvement x participation`, and
/// `amount = exact_share + adjustment`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self", deny_unknown_fields)]
pub struct Line {
    /// The role: one text shared by every line of the role.
    pub role: Arc<str>,
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

/// The lines of one person's [`Payout`], sorted by role: a slice of [`Line`]s (it dereferences
/// to `[Line]`), kept in place when there is one, the common case, and in a vector when there
/// are more, so most payouts of a split need no memory of their own.
///
/// Serialized as a list of lines, exactly as a `Vec<Line>`.
///
/// # Examples
///
/// ```
/// use chrono::NaiveDate;
/// use ltc_incentive::{Member, SplitRequest, Window};
/// use rust_decimal_macros::dec;
///
/// let d = |m, d| NaiveDate::from_ymd_opt(2026, m, d).unwrap();
/// let split = SplitRequest::new(dec!(900.00), Window::new(d(1, 1), d(7, 1)))
///     .role("AR", dec!(40))
///     .role("SR", dec!(60))
///     .member(Member::new("ana", "AR", dec!(1)))
///     .member(Member::new("bo", "AR", dec!(1)))
///     .member(Member::new("bo", "SR", dec!(1)))
///     .split()?;
/// let bo = &split.person("bo").unwrap().lines;
/// assert_eq!(bo.len(), 2);
/// assert_eq!(&*bo[1].role, "SR");
/// assert_eq!(bo.iter().map(|l| l.amount).sum::<rust_decimal::Decimal>(), dec!(720.00));
/// let ana = &split.person("ana").unwrap().lines;
/// assert_eq!(serde_json::to_value(ana)?, serde_json::to_value(ana.to_vec())?);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Default)]
pub struct Lines(LinesRepr);

#[derive(Clone)]
enum LinesRepr {
    One(Line),
    Many(Vec<Line>),
}

impl Default for LinesRepr {
    fn default() -> Self {
        Self::Many(Vec::new())
    }
}

impl Lines {
    /// No lines.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a line at the end.
    ///
    /// # Examples
    ///
    /// ```
    /// # use chrono::NaiveDate;
    /// # use ltc_incentive::{Lines, Member, SplitRequest, Window};
    /// # use rust_decimal_macros::dec;
    /// # let d = |m, d| NaiveDate::from_ymd_opt(2026, m, d).unwrap();
    /// # let split = SplitRequest::new(dec!(900.00), Window::new(d(1, 1), d(7, 1)))
    /// #     .role("AR", dec!(1))
    /// #     .member(Member::new("ana", "AR", dec!(1)))
    /// #     .split()?;
    /// let line = split.people[0].lines[0].clone();
    /// let mut lines = Lines::new();
    /// lines.push(line.clone());
    /// assert_eq!(lines, [line.clone()][..]);
    /// lines.push(line);
    /// assert_eq!(lines.len(), 2);
    /// # Ok::<(), ltc_incentive::Error>(())
    /// ```
    pub fn push(&mut self, line: Line) {
        match &mut self.0 {
            LinesRepr::Many(v) if v.is_empty() => self.0 = LinesRepr::One(line),
            LinesRepr::Many(v) => v.push(line),
            LinesRepr::One(_) => {
                if let LinesRepr::One(first) = std::mem::take(&mut self.0) {
                    self.0 = LinesRepr::Many(vec![first, line]);
                }
            }
        }
    }

    /// The lines, as a slice.
    #[must_use]
    pub fn as_slice(&self) -> &[Line] {
        match &self.0 {
            LinesRepr::One(line) => std::slice::from_ref(line),
            LinesRepr::Many(v) => v,
        }
    }

    /// The lines, as a mutable slice.
    #[must_use]
    pub fn as_mut_slice(&mut self) -> &mut [Line] {
        match &mut self.0 {
            LinesRepr::One(line) => std::slice::from_mut(line),
            LinesRepr::Many(v) => v,
        }
    }

    /// The lines, in a vector.
    #[must_use]
    pub fn into_vec(self) -> Vec<Line> {
        match self.0 {
            LinesRepr::One(line) => vec![line],
            LinesRepr::Many(v) => v,
        }
    }
}

impl Deref for Lines {
    type Target = [Line];

    fn deref(&self) -> &[Line] {
        self.as_slice()
    }
}

impl DerefMut for Lines {
    fn deref_mut(&mut self) -> &mut [Line] {
        self.as_mut_slice()
    }
}

impl AsRef<[Line]> for Lines {
    fn as_ref(&self) -> &[Line] {
        self.as_slice()
    }
}

impl fmt::Debug for Lines {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.as_slice().fmt(f)
    }
}

impl PartialEq for Lines {
    fn eq(&self, other: &Self) -> bool {
        self.as_slice() == other.as_slice()
    }
}

impl Eq for Lines {}

impl PartialEq<[Line]> for Lines {
    fn eq(&self, other: &[Line]) -> bool {
        self.as_slice() == other
    }
}

impl PartialEq<Vec<Line>> for Lines {
    fn eq(&self, other: &Vec<Line>) -> bool {
        self.as_slice() == other.as_slice()
    }
}

impl From<Line> for Lines {
    fn from(line: Line) -> Self {
        Self(LinesRepr::One(line))
    }
}

impl From<Vec<Line>> for Lines {
    fn from(lines: Vec<Line>) -> Self {
        let mut lines = lines;
        match lines.len() {
            1 => lines.pop().map_or_else(Self::new, Self::from),
            _ => Self(LinesRepr::Many(lines)),
        }
    }
}

impl From<Lines> for Vec<Line> {
    fn from(lines: Lines) -> Self {
        lines.into_vec()
    }
}

impl FromIterator<Line> for Lines {
    fn from_iter<T: IntoIterator<Item = Line>>(iter: T) -> Self {
        let mut lines = Self::new();
        for line in iter {
            lines.push(line);
        }
        lines
    }
}

impl<'a> IntoIterator for &'a Lines {
    type Item = &'a Line;
    type IntoIter = std::slice::Iter<'a, Line>;

    fn into_iter(self) -> Self::IntoIter {
        self.as_slice().iter()
    }
}

impl IntoIterator for Lines {
    type Item = Line;
    type IntoIter = std::vec::IntoIter<Line>;

    fn into_iter(self) -> Self::IntoIter {
        self.into_vec().into_iter()
    }
}

impl Serialize for Lines {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.as_slice().serialize(s)
    }
}

impl<'de> Deserialize<'de> for Lines {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Vec::<Line>::deserialize(d).map(Self::from)
    }
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
/// [`Error::NoActiveRole`], and [`Error::Overflow`] (`"the pool in minor
/// units"`) for a pool whose minor units a `Decimal` cannot hold. No request is
/// refused for its size: shares are computed on `u128` where every intermediate
/// fits and on arbitrary-precision integers otherwise, for any number of roles
/// and members and any decimals a `Decimal` holds.
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

    // Validate the members, in input order. Within a role every participation has the window's
    // days as denominator, so it cancels from the member's fraction of the role: the weights
    // are the integers `contribution x involvement x days` (days = 1 without proration).
    //
    // The members are ordered by (id, role) once, up front: that order is the order of the
    // lines, and in it a repeated (id, role) stands next to its twin. The duplicate refused is
    // the first one in input order, in its place among the other checks.
    let members = &request.members;
    let key = |i: u32| members.get(i as usize).map(|m| (&*m.id, m.role.as_str()));
    let count = u32::try_from(members.len()).map_err(|_| TOO_MANY)?;
    let mut order: Vec<u32> = (0..count).collect();
    order.sort_unstable_by(|&a, &b| key(a).cmp(&key(b)).then(a.cmp(&b)));
    // The first duplicate in input order, and how many people there are (ids change).
    let mut first_duplicate: Option<usize> = None;
    let mut people_count = usize::from(!order.is_empty());
    for pair in order.windows(2) {
        if let [a, b] = *pair {
            let (ka, kb) = (key(a), key(b));
            if ka == kb {
                let b = b as usize;
                first_duplicate = Some(first_duplicate.map_or(b, |f| f.min(b)));
            } else if ka.map(|k| k.0) != kb.map(|k| k.0) {
                people_count += 1;
            }
        }
    }
    let role_index: BTreeMap<&str, u32> = request
        .roles
        .keys()
        .zip(0u32..)
        .map(|(name, i)| (name.as_str(), i))
        .collect();
    let mut roles_of = Vec::with_capacity(request.members.len());
    let mut member_scale = 0;
    for (index, m) in request.members.iter().enumerate() {
        let err_ctx = || (m.id.to_string(), m.role.clone());
        let Some(&role) = role_index.get(m.role.as_str()) else {
            let (member, role) = err_ctx();
            return Err(Error::UnknownRole { member, role });
        };
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
        member_scale = member_scale.max(m.contribution.scale() + m.involvement.scale());
        roles_of.push(role);
    }
    // Sized up front: collected from a filter, the vector would grow by copies.
    let mut lines: Vec<LineWork> = Vec::with_capacity(order.len());
    lines.extend(order.iter().filter_map(|&i| {
        let member = members.get(i as usize)?;
        let role = *roles_of.get(i as usize)?;
        let days = window.overlap_days(member.joined, member.left);
        Some(LineWork { member, days, role })
    }));
    // Freed before the arithmetic and the result reuse the memory.
    drop((order, roles_of));
    let work = Work {
        request,
        units,
        lines: &lines,
        member_scale,
    };
    // The narrow integers first; the big ones when an intermediate does not fit.
    let shares = match shares::<u128>(&work)? {
        Some(s) => s,
        None => shares::<Big>(&work)?.ok_or(DISPLAY)?,
    };

    // Assemble the people, with the explanation of every line. The ids are the request's own
    // (shared, not copied), every line of a role shares the role's name, and a person with one
    // line keeps it in place: a payout needs no memory of its own.
    let role_names: Vec<Arc<str>> = request
        .roles
        .keys()
        .map(|k| Arc::from(k.as_str()))
        .collect();
    let mut people: Vec<Payout> = Vec::with_capacity(people_count);
    // The minor units of the person being assembled, the last of `people`.
    let mut last_units: u128 = 0;
    let finish = |p: &mut Payout, units: u128| -> Result<(), Error> {
        let held = held_units(units, holdback)?;
        p.amount = from_units(units, false, scale)?;
        p.held = from_units(held, false, scale)?;
        p.payable = from_units(units - held, false, scale)?;
        Ok(())
    };
    // Participation depends only on the days, so each distinct count is shown once (windows of
    // up to 2^16 days: longer ones are computed line by line).
    let window_u = window_days.unsigned_abs();
    let mut shown: Vec<Option<Decimal>> = if request.prorate_by_time && window_u < 1 << 16 {
        vec![None; window_u as usize + 1]
    } else {
        Vec::new()
    };
    for ((w, &part), &exact_share) in lines
        .iter()
        .zip(shares.parts.iter())
        .zip(shares.exact.iter())
    {
        let amount = from_units(part, false, scale)?;
        let participation = if request.prorate_by_time {
            let days = w.days.unsigned_abs();
            let slot = shown.get_mut(days as usize);
            match slot.as_deref().copied().flatten() {
                Some(p) => p,
                None => {
                    let p = ratio::<u128>(days.into(), window_u.into()).ok_or(DISPLAY)?;
                    if let Some(slot) = slot {
                        *slot = Some(p);
                    }
                    p
                }
            }
        } else {
            Decimal::ONE
        };
        let role_share = shares
            .role_share
            .get(w.role as usize)
            .copied()
            .unwrap_or(Decimal::ZERO);
        let line = Line {
            role: role_names
                .get(w.role as usize)
                .map_or_else(|| Arc::from(w.member.role.as_str()), Arc::clone),
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
        match people.last_mut() {
            Some(p) if p.id == w.member.id => {
                last_units += part;
                p.lines.push(line);
            }
            last => {
                if let Some(p) = last {
                    finish(p, last_units)?;
                }
                people.push(Payout {
                    id: Arc::clone(&w.member.id),
                    amount: Decimal::ZERO,
                    held: Decimal::ZERO,
                    payable: Decimal::ZERO,
                    lines: Lines::from(line),
                });
                last_units = part;
            }
        }
    }
    if let Some(p) = people.last_mut() {
        finish(p, last_units)?;
    }
    let retained = shares.parts.last().copied().unwrap_or(0);
    Ok(Split {
        pool: from_units(units, false, scale)?,
        retained: from_units(retained, false, scale)?,
        people,
    })
}

/// Shown when a share cannot be written as a `Decimal`, which the bounds of the shares rule
/// out (every share is at most the pool, every fraction shown at most one).
/// More members than line indices of 32 bits can count (over four billion).
const TOO_MANY: Error = Error::Overflow {
    what: "the number of members",
};

const DISPLAY: Error = Error::Overflow {
    what: "an exact share for display",
};

/// One line of the split, in the order of the lines.
struct LineWork<'a> {
    member: &'a Member,
    days: i64,
    /// Index of the role among the request's roles (in name order).
    role: u32,
}

/// A validated request, ready for the arithmetic.
struct Work<'a> {
    request: &'a SplitRequest,
    units: u128,
    lines: &'a [LineWork<'a>],
    /// The largest scale of `contribution x involvement`.
    member_scale: u32,
}

/// The arithmetic's result: the amount of every line in minor units (`retained` last), the
/// exact share of every line for display, and every role's share of the pool.
struct Shares {
    parts: Vec<u128>,
    exact: Vec<Decimal>,
    role_share: Vec<Decimal>,
}

/// The shares of every line, exactly, on integers `I`; `Ok(None)` when an intermediate does not
/// fit `I` (never for [`Big`]).
///
/// Line `(m, r)` of an active role gets `units x R_r x w_m / (R x M_r)`: `R_r` the role's
/// weight, `R` the weights counted, `w_m` the member's weight and `M_r` the sum of them in the
/// role. Each role keeps its own denominator `R x M_r`, so the numbers stay the size of one
/// role's, however many roles there are; the largest remainder rule then compares remainders
/// across roles as fractions (`a / D_a` against `b / D_b` by `a x D_b` against `b x D_a`),
/// which orders them exactly as a common denominator would.
fn shares<I: Int>(work: &Work<'_>) -> Result<Option<Shares>, Error> {
    macro_rules! fit {
        ($e:expr) => {
            match $e {
                Some(v) => v,
                None => return Ok(None),
            }
        };
    }
    let request = work.request;
    let int = |v: u128| I::from_u128(v);
    let roles = request.roles.len();

    // Member weights at one scale, summed per role (computed again line by line below rather
    // than kept: that costs less than the memory).
    let weight_of = |w: &LineWork<'_>| -> Option<I> {
        let (c, i) = (w.member.contribution, w.member.involvement);
        let factor = if request.prorate_by_time { w.days } else { 1 };
        let scale_up = work.member_scale - (c.scale() + i.scale());
        int(c.mantissa().unsigned_abs())?
            .checked_mul(&int(i.mantissa().unsigned_abs())?)?
            .checked_mul(&int(u128::from(factor.unsigned_abs()))?)?
            .checked_mul(&pow10(scale_up)?)
    };
    let mut sums: Vec<I> = vec![I::zero(); roles];
    let mut any_positive = false;
    for w in work.lines {
        let weight = fit!(weight_of(w));
        any_positive |= !weight.is_zero();
        let sum = fit!(sums.get_mut(w.role as usize));
        *sum = fit!(sum.checked_add(&weight));
    }
    if !any_positive {
        return Err(Error::NoPositiveWeight);
    }

    // Role weights at one scale; the active roles; the weights counted.
    let role_scale = request
        .roles
        .values()
        .map(Decimal::scale)
        .max()
        .unwrap_or(0);
    let mut role_weights: Vec<I> = Vec::with_capacity(roles);
    let mut active: Vec<bool> = Vec::with_capacity(roles);
    let mut counted = I::zero();
    let mut inactive = I::zero();
    for (weight, sum) in request.roles.values().zip(sums.iter()) {
        let r = fit!(int(weight.mantissa().unsigned_abs())
            .and_then(|m| m.checked_mul(&pow10(role_scale - weight.scale())?)));
        let is_active = !r.is_zero() && !sum.is_zero();
        if is_active || request.vacant_roles == VacantRoles::Retain {
            counted = fit!(counted.checked_add(&r));
        }
        if !is_active && request.vacant_roles == VacantRoles::Retain {
            inactive = fit!(inactive.checked_add(&r));
        }
        active.push(is_active);
        role_weights.push(r);
    }
    if !active.contains(&true) {
        return Err(Error::NoActiveRole);
    }

    // Per role: the denominator `R x M_r` and the factor `units x R_r` of a member's weight;
    // the retained amount is one more "role", `units x inactive / R`.
    let units = fit!(int(work.units));
    let mut dens: Vec<I> = Vec::with_capacity(roles + 1);
    let mut factors: Vec<I> = Vec::with_capacity(roles + 1);
    for ((r, sum), &is_active) in role_weights.iter().zip(sums.iter()).zip(active.iter()) {
        if is_active {
            dens.push(fit!(counted.checked_mul(sum)));
            factors.push(fit!(units.checked_mul(r)));
        } else {
            dens.push(fit!(int(1)));
            factors.push(I::zero());
        }
    }
    dens.push(counted.clone());
    factors.push(fit!(units.checked_mul(&inactive)));
    // Remainders are compared across roles by products of a remainder and a denominator: they
    // must fit too (always so for the big integers).
    let largest = dens.iter().max().cloned().unwrap_or_else(I::zero);
    fit!(largest.checked_mul(&largest));

    // Every line's floor and remainder; the retained amount last.
    let retained_role = u32::try_from(roles).map_err(|_| DISPLAY)?;
    let mut parts: Vec<u128> = Vec::with_capacity(work.lines.len() + 1);
    let mut rems: Vec<I> = Vec::with_capacity(work.lines.len() + 1);
    let mut floors: u128 = 0;
    // The lines, then `retained` as one more line of its own "role" and weight one.
    let one = fit!(int(1));
    let role_of = |i: u32| {
        work.lines
            .get(i as usize)
            .map_or(retained_role, |w: &LineWork<'_>| w.role)
    };
    // The exact share of every line, for display (to the digits a `Decimal` holds).
    let mut exact = Vec::with_capacity(work.lines.len());
    for i in 0..=fit!(u32::try_from(work.lines.len()).ok()) {
        let role = role_of(i);
        let weight = match work.lines.get(i as usize) {
            Some(w) => fit!(weight_of(w)),
            None => one.clone(),
        };
        let (f, d) = fit!(factors.get(role as usize).zip(dens.get(role as usize)));
        let (q, r) = fit!(f.checked_mul(&weight).and_then(|n| n.div_rem(d)));
        let q = fit!(q.try_u128());
        floors = fit!(floors.checked_add(q));
        if role != retained_role {
            exact.push(fit!(decimal_of(q, &r, d, request.scale)));
        }
        parts.push(q);
        rems.push(r);
    }

    // The units left over go to the largest remainders, ties to the lower line.
    let leftover = fit!(work.units.checked_sub(floors));
    let mut candidates: Vec<u32> = Vec::with_capacity(rems.len());
    candidates.extend(
        (0u32..)
            .zip(rems.iter())
            .filter(|(_, r)| !r.is_zero())
            .map(|(i, _)| i),
    );
    let k = fit!(usize::try_from(leftover).ok());
    if k > 0 && k <= candidates.len() {
        let rem = |i: u32| rems.get(i as usize);
        let den = |i: u32| dens.get(role_of(i) as usize);
        let same_role = |a: u32, b: u32| role_of(a) == role_of(b);
        // Larger fraction first; equal fractions: lower line first.
        let order = |&a: &u32, &b: &u32| {
            let larger = match (rem(a), rem(b)) {
                (Some(ra), Some(rb)) if same_role(a, b) => rb.cmp(ra),
                (Some(ra), Some(rb)) => {
                    let left = den(a).and_then(|da| rb.checked_mul(da));
                    let right = den(b).and_then(|db| ra.checked_mul(db));
                    // Both fit: the largest denominator squared does.
                    left.cmp(&right)
                }
                _ => std::cmp::Ordering::Equal,
            };
            larger.then(a.cmp(&b))
        };
        if k < candidates.len() {
            candidates.select_nth_unstable_by(k - 1, order);
        }
        for &i in candidates.iter().take(k) {
            if let Some(p) = parts.get_mut(i as usize) {
                *p += 1;
            }
        }
    }

    // Each role's share of the pool, for display.
    let mut role_share = Vec::with_capacity(roles);
    for (r, &is_active) in role_weights.iter().zip(active.iter()) {
        role_share.push(if is_active {
            let (q, rest) = fit!(r.div_rem(&counted));
            fit!(decimal_of(fit!(q.try_u128()), &rest, &counted, 0))
        } else {
            Decimal::ZERO
        });
    }
    Ok(Some(Shares {
        parts,
        exact,
        role_share,
    }))
}

/// `units x holdback` rounded half to even, in minor units.
pub(crate) fn held_units(units: u128, holdback: Decimal) -> Result<u128, Error> {
    const WHAT: Error = Error::Overflow {
        what: "the holdback",
    };
    let h = holdback.mantissa().unsigned_abs();
    let d = pow10::<u128>(holdback.scale()).ok_or(WHAT)?;
    let held = match units.checked_mul(h) {
        Some(n) => div_half_even(&n, &d),
        None => div_half_even(&(Big::from(units) * h), &Big::from(d)).and_then(|h| h.try_u128()),
    };
    held.filter(|&h| h <= units).ok_or(WHAT)
}

/// `num / den` for display, as [`decimal_of`] writes it at scale 0; `None` when `den` is zero
/// or an intermediate does not fit `I`.
fn ratio<I: Int>(num: I, den: I) -> Option<Decimal> {
    let (q, r) = num.div_rem(&den)?;
    decimal_of(q.try_u128()?, &r, &den, 0)
}

/// `q + r / d` minor units at `scale` (`r < d`) as a `Decimal` for display: rounded half to
/// even to as many decimals as fit (at most 28), trailing zeros beyond `scale` removed. `None`
/// when an intermediate does not fit `I` (never for [`Big`]) or the value does not fit a
/// `Decimal` at `scale`.
///
/// The number of decimals is the largest `extra` in `0..=28 - scale` for which the rounded
/// quotient `(q d + r) x 10^extra / d` fits a `Decimal`: it fits up to some `extra` and not
/// beyond, and `(q + 1) x 10^extra <= 2^96 - 1` already guarantees it, so the search starts
/// there and goes up a step or two at most.
fn decimal_of<I: Int>(q: u128, r: &I, d: &I, scale: u32) -> Option<Decimal> {
    let top = MAX_SCALE.checked_sub(scale)?;
    // The rounded quotient at `extra` decimals more, `Some(None)` if it does not fit a
    // `Decimal`'s mantissa; `None` if an intermediate does not fit `I`.
    let at = |extra: u32| -> Option<Option<u128>> {
        let (fraction, rest) = scaled_div_rem(r, d, extra)?;
        let v = q
            .checked_mul(pow10(extra)?)
            .and_then(|f| f.checked_add(fraction))
            .and_then(|floor| round_half_even(floor, &rest, d));
        Some(v.filter(|&v| v <= MAX_UNITS))
    };
    let mut extra = 0;
    let mut bound = q.saturating_add(1);
    while extra < top && bound.saturating_mul(10) <= MAX_UNITS {
        bound *= 10;
        extra += 1;
    }
    let mut best = loop {
        match at(extra)? {
            Some(v) => break (extra, v),
            None => extra = extra.checked_sub(1)?,
        }
    };
    while best.0 < top {
        // One decimal more at least multiplies the floor by ten: when that is already too
        // large, it cannot fit, so skip its division.
        if best.1.saturating_sub(1).saturating_mul(10) > MAX_UNITS {
            break;
        }
        match at(best.0 + 1)? {
            Some(v) => best = (best.0 + 1, v),
            None => break,
        }
    }
    // Trailing zeros beyond `scale` removed.
    let (mut extra, mut v) = best;
    while extra > 0 && ends_in_zero(v) {
        v /= 10;
        extra -= 1;
    }
    from_units(v, false, scale + extra).ok()
}

/// `v % 10 == 0`, on 64-bit halves (`2^64 = 6 mod 10`).
fn ends_in_zero(v: u128) -> bool {
    let (hi, lo) = ((v >> 64) as u64, v as u64);
    ((hi % 10) * 6 + lo % 10) % 10 == 0
}

/// `q + 1` when the remainder `rest` of a division by `d` is more than half of `d`, or exactly
/// half and `q` is odd; else `q`.
fn round_half_even<I: Int>(q: u128, rest: &I, d: &I) -> Option<u128> {
    let up = match rest.cmp(&d.checked_sub(rest)?) {
        std::cmp::Ordering::Greater => true,
        std::cmp::Ordering::Equal => q & 1 == 1,
        std::cmp::Ordering::Less => false,
    };
    q.checked_add(u128::from(up))
}

/// `(r x 10^extra / d, r x 10^extra mod d)` for `r < d`, the quotient below `10^extra`: in one
/// division when `r x 10^extra` fits `I`, else by as many decimals at a time as fit (long
/// division in base `10^c`). `None` when not even one decimal fits.
fn scaled_div_rem<I: Int>(r: &I, d: &I, extra: u32) -> Option<(u128, I)> {
    let mut fraction: u128 = 0;
    let mut rest = r.clone();
    let mut left = extra;
    while left > 0 {
        let mut c = left;
        let scaled = loop {
            if let Some(s) = pow10::<I>(c).and_then(|f| rest.checked_mul(&f)) {
                break s;
            }
            c -= 1;
            if c == 0 {
                return None;
            }
        };
        let (digits, r) = scaled.div_rem(d)?;
        fraction = fraction
            .checked_mul(pow10(c)?)?
            .checked_add(digits.try_u128()?)?;
        rest = r;
        left -= c;
    }
    Some((fraction, rest))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;
    use num_bigint::BigUint;
    use num_traits::ToPrimitive;

    /// `num / den` at `scale` by its definition: every number of decimals tried, from the most
    /// down, on big integers.
    fn ratio_reference(num: &BigUint, den: &BigUint, scale: u32) -> Option<Decimal> {
        for extra in (0..=MAX_SCALE - scale).rev() {
            let scaled = num * BigUint::from(10u32).pow(extra);
            let (q, r) = (&scaled / den, &scaled % den);
            let twice = r * 2u32;
            let odd = &q % 2u32 == BigUint::from(1u32);
            let v = if &twice > den || (&twice == den && odd) {
                q + 1u32
            } else {
                q
            };
            if let Some(v) = v.to_u128().filter(|v| *v <= MAX_UNITS) {
                let d = from_units(v, false, scale + extra).unwrap().normalize();
                return Some(if d.scale() < scale {
                    let mut d = d;
                    d.rescale(scale);
                    d
                } else {
                    d
                });
            }
        }
        None
    }

    /// The same number as the crate's big integer.
    fn ours_big(x: &BigUint) -> Big {
        Big::from_le_bytes(&x.to_bytes_le())
    }

    /// `decimal_of` on `u128` (when it fits) and on big integers.
    fn ours(num: &BigUint, den: &BigUint, scale: u32) -> (Option<Decimal>, Option<Decimal>) {
        let (q, r) = (num / den, num % den);
        let big = q
            .to_u128()
            .and_then(|q| decimal_of::<Big>(q, &ours_big(&r), &ours_big(den), scale));
        let narrow = q
            .to_u128()
            .zip(r.to_u128())
            .zip(den.to_u128())
            .and_then(|((q, r), d)| decimal_of::<u128>(q, &r, &d, scale));
        (big, narrow)
    }

    fn next(x: &mut u64) -> u64 {
        *x ^= *x >> 12;
        *x ^= *x << 25;
        *x ^= *x >> 27;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn wide(x: &mut u64, limbs: u64) -> BigUint {
        let mut w = BigUint::from(0u32);
        for _ in 0..limbs {
            let shift = next(x) % 64;
            w = (w << 64u32) + (next(x) >> shift);
        }
        w
    }

    #[test]
    fn decimal_of_matches_trying_every_scale() {
        let x = &mut 0x2545_f491_4f6c_dd1d_u64;
        let b = |v: u128| BigUint::from(v);
        let mut cases = vec![
            (b(0), b(7)),
            (b(MAX_UNITS), b(1)),
            (b(MAX_UNITS * 2), b(2)),
            (b(MAX_UNITS * 2 + 1), b(2)),
            (b(79_228_162_514), b(1)),
            (b(91), b(181)),
            (b(1), b(3)),
            (b(2), b(3)),
            (b(5), b(10)),
        ];
        for _ in 0..3000 {
            let (a, d) = (next(x) % 3, 1 + next(x) % 3);
            let num = wide(x, a);
            let den = wide(x, d).max(b(1));
            cases.push((num, den));
        }
        // Numerators and denominators far beyond u128, with quotients that fit.
        for _ in 0..300 {
            let (dl, ql) = (4 + next(x) % 12, 1 + next(x) % 2);
            let den = wide(x, dl).max(b(1));
            let q = wide(x, ql);
            let num = &den * q + wide(x, 3) % &den;
            cases.push((num, den));
        }
        for (num, den) in &cases {
            if num / den > b(MAX_UNITS) {
                continue;
            }
            for scale in [0, 2, 6, 28] {
                let want = ratio_reference(num, den, scale);
                let (big, narrow) = ours(num, den, scale);
                assert_eq!(big, want, "{num} / {den} at {scale}");
                if den.to_u64().is_some() {
                    // Below 2^64 the narrow integers always suffice.
                    assert_eq!(narrow, want, "{num} / {den} at {scale}");
                } else if narrow.is_some() {
                    assert_eq!(narrow, want, "{num} / {den} at {scale}");
                }
            }
        }
    }

    #[test]
    fn participation_matches_the_reference() {
        for window in [1u64, 2, 3, 7, 30, 31, 181, 182, 365, 366, 1000, 36_525] {
            for days in [
                0u64, 1, 2, 3, 6, 29, 30, 91, 100, 180, 181, 365, 999, 36_524,
            ] {
                let days = days.min(window);
                assert_eq!(
                    ratio::<u128>(days.into(), window.into()),
                    ratio_reference(&BigUint::from(days), &BigUint::from(window), 0),
                    "{days} / {window}"
                );
            }
        }
        assert_eq!(ratio::<u128>(5, 0), None);
    }

    #[test]
    fn held_is_half_to_even_on_both_paths() {
        let h = Decimal::new(15, 2);
        assert_eq!(held_units(2_661_765, h), Ok(399_265));
        assert_eq!(held_units(10, Decimal::new(5, 2)), Ok(0));
        assert_eq!(held_units(30, Decimal::new(5, 2)), Ok(2));
        // units x mantissa beyond u128: the big integers give the same rounding.
        let third = Decimal::from_i128_with_scale(33_333_333_333_333_333_333_333_333, 28);
        let held = held_units(MAX_UNITS, third).unwrap();
        let exact = BigUint::from(MAX_UNITS) * 33_333_333_333_333_333_333_333_333u128;
        let want = ratio_reference(&exact, &BigUint::from(10u32).pow(28), 0).unwrap();
        assert_eq!(Decimal::from(held), want.round());
    }

    fn team() -> SplitRequest {
        let d = |m, d| NaiveDate::from_ymd_opt(2026, m, d).unwrap();
        SplitRequest::new(Decimal::new(100_000, 2), Window::new(d(1, 1), d(7, 1)))
            .role("AR", Decimal::from(40))
            .role("SR", Decimal::from(60))
            .member(Member::new("bo", "SR", Decimal::ONE))
            .member(Member::new("ana", "AR", Decimal::ONE))
            .member(Member::new("bo", "AR", Decimal::from(3)))
            .member(Member::new("cy", "SR", Decimal::from(2)))
    }

    #[test]
    fn the_result_shares_the_ids_of_the_request_and_one_name_per_role() {
        let request = team();
        let s = split(&request).unwrap();
        for p in &s.people {
            // The text of one of the person's members (bo has two), not a copy.
            let shared = request.members.iter().any(|m| Arc::ptr_eq(&m.id, &p.id));
            assert!(shared, "{}", p.id);
        }
        let sr: Vec<&Arc<str>> = s
            .people
            .iter()
            .flat_map(|p| p.lines.iter())
            .map(|l| &l.role)
            .filter(|r| &***r == "SR")
            .collect();
        assert_eq!(sr.len(), 2);
        assert!(Arc::ptr_eq(sr[0], sr[1]));
        // One line in place, two in a vector.
        let kinds: Vec<(&str, bool)> = s
            .people
            .iter()
            .map(|p| (&*p.id, matches!(p.lines.0, LinesRepr::One(_))))
            .collect();
        assert_eq!(kinds, [("ana", true), ("bo", false), ("cy", true)]);
    }

    #[test]
    fn lines_are_a_vector_of_lines_in_every_representation() {
        let s = split(&team()).unwrap();
        let all: Vec<Line> = s.people.iter().flat_map(|p| p.lines.to_vec()).collect();
        assert_eq!(all.len(), 4);
        for n in 0..=all.len() {
            let want: Vec<Line> = all.iter().take(n).cloned().collect();
            let pushed: Lines = want.iter().cloned().collect();
            let from = Lines::from(want.clone());
            for lines in [&pushed, &from] {
                assert_eq!(lines.as_slice(), want.as_slice());
                assert_eq!(*lines, want);
                assert_eq!(format!("{lines:?}"), format!("{want:?}"));
                let json = serde_json::to_string(lines).unwrap();
                assert_eq!(json, serde_json::to_string(&want).unwrap());
                let back: Lines = serde_json::from_str(&json).unwrap();
                assert_eq!(back, *lines);
                assert_eq!(lines.clone().into_vec(), want);
                assert_eq!(lines.into_iter().count(), n);
            }
            assert_eq!(matches!(pushed.0, LinesRepr::One(_)), n == 1);
            assert_eq!(matches!(from.0, LinesRepr::One(_)), n == 1);
        }
        // Equal whatever the representation: one line in place or in a vector of one.
        let one = all.first().cloned().unwrap();
        assert_eq!(
            Lines::from(one.clone()),
            Lines(LinesRepr::Many(vec![one.clone()]))
        );
        let mut changed = Lines::from(one);
        changed[0].days += 1;
        assert_ne!(changed, Lines::from(all[0].clone()));
    }
}
