//! Lengths of time, exact in seconds and read in days; ratios and counts.

use crate::error::Error;
use chrono::{DateTime, Utc};
use ltc_pipeline::objects_only;
use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};

pub(crate) const SECONDS_PER_DAY: i64 = 86_400;

/// A length of time: exact in seconds, and in days rounded to two places for reading.
///
/// `days` is always `seconds / 86400` rounded half away from zero to two decimal places; sums and
/// comparisons are made on `seconds`, so figures add up exactly.
///
/// ```
/// use ltc_analytics::Elapsed;
/// let e = Elapsed::from_seconds(3 * 86_400 + 43_200);
/// assert_eq!(e.days.to_string(), "3.50");
/// assert_eq!(e.whole_days(), 3);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(remote = "Self", deny_unknown_fields)]
pub struct Elapsed {
    /// Exact length in seconds.
    pub seconds: i64,
    /// Length in days, rounded half away from zero to two decimal places (always shown with two).
    #[serde(with = "ltc_pipeline::serde_strict::decimal")]
    pub days: Decimal,
}

objects_only!(Elapsed);

impl Elapsed {
    /// A length of `seconds`.
    pub fn from_seconds(seconds: i64) -> Self {
        let mut days = Decimal::from(seconds)
            .checked_div(Decimal::from(SECONDS_PER_DAY))
            .unwrap_or(Decimal::ZERO)
            .round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
        days.rescale(2);
        Self { seconds, days }
    }

    /// The time from `from` to `to` (negative if `to` is earlier).
    ///
    /// ```
    /// use chrono::{Duration, TimeZone, Utc};
    /// use ltc_analytics::Elapsed;
    /// let a = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    /// assert_eq!(Elapsed::between(a, a + Duration::hours(36)).days.to_string(), "1.50");
    /// ```
    pub fn between(from: DateTime<Utc>, to: DateTime<Utc>) -> Self {
        Self::from_seconds((to - from).num_seconds())
    }

    /// Whole days, rounded down (towards zero).
    pub fn whole_days(&self) -> i64 {
        self.seconds / SECONDS_PER_DAY
    }
}

/// Count, mean, median and maximum of a set of lengths of time.
///
/// The mean and the median (the mean of the two middle values for an even count) are rounded half
/// away from zero to whole seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self", deny_unknown_fields)]
pub struct Durations {
    /// How many lengths.
    pub count: u32,
    /// Their mean.
    pub mean: Elapsed,
    /// Their median.
    pub median: Elapsed,
    /// The longest.
    pub max: Elapsed,
}

objects_only!(Durations);

impl Durations {
    /// Summarises lengths given in seconds; `None` for none.
    ///
    /// # Errors
    /// [`Error::Overflow`] if there are more than `u32::MAX` of them.
    ///
    /// ```
    /// use ltc_analytics::Durations;
    /// let d = Durations::of(vec![10, 40, 20, 30])?.unwrap();
    /// assert_eq!((d.count, d.mean.seconds, d.median.seconds, d.max.seconds), (4, 25, 25, 40));
    /// # Ok::<(), ltc_analytics::Error>(())
    /// ```
    pub fn of(mut seconds: Vec<i64>) -> Result<Option<Self>, Error> {
        if seconds.is_empty() {
            return Ok(None);
        }
        seconds.sort_unstable();
        let count = u32::try_from(seconds.len()).map_err(|_| Error::Overflow)?;
        let sum: i128 = seconds.iter().map(|s| i128::from(*s)).sum();
        let mean = round_div(sum, i128::from(count))?;
        let mid = seconds.len() / 2;
        let median = match (seconds.get(mid.wrapping_sub(1)), seconds.get(mid)) {
            (Some(a), Some(b)) if seconds.len().is_multiple_of(2) => {
                round_div(i128::from(*a) + i128::from(*b), 2)?
            }
            (_, Some(b)) => *b,
            _ => return Ok(None),
        };
        let max = seconds.last().copied().unwrap_or_default();
        Ok(Some(Self {
            count,
            mean: Elapsed::from_seconds(mean),
            median: Elapsed::from_seconds(median),
            max: Elapsed::from_seconds(max),
        }))
    }
}

/// `n / d` rounded half away from zero, for `d > 0`.
fn round_div(n: i128, d: i128) -> Result<i64, Error> {
    if d <= 0 {
        return Err(Error::Overflow);
    }
    let q = n.checked_div(d).ok_or(Error::Overflow)?;
    let r = n.checked_rem(d).ok_or(Error::Overflow)?;
    let q = if r.abs().checked_mul(2).ok_or(Error::Overflow)? >= d {
        q + n.signum()
    } else {
        q
    };
    i64::try_from(q).map_err(|_| Error::Overflow)
}

/// `part / whole` rounded half away from zero to four decimal places; `None` when `whole` is 0.
pub(crate) fn ratio(part: u32, whole: u32) -> Option<Decimal> {
    if whole == 0 {
        return None;
    }
    Decimal::from(part)
        .checked_div(Decimal::from(whole))
        .map(|r| r.round_dp_with_strategy(4, RoundingStrategy::MidpointAwayFromZero))
}

/// Counts as `u32`, reporting overflow instead of truncating.
pub(crate) fn count(n: usize) -> Result<u32, Error> {
    u32::try_from(n).map_err(|_| Error::Overflow)
}

/// An exact sum, or [`Error::Overflow`].
pub(crate) fn add(a: Decimal, b: Decimal) -> Result<Decimal, Error> {
    a.checked_add(b).ok_or(Error::Overflow)
}
