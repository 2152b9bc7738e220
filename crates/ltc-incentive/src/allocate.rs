//! The allocation primitive: split an amount by weights, exactly, to the
//! minor unit, by the largest remainder (Hamilton) rule.

use rust_decimal::Decimal;

use crate::bigint::{pow10, Big, Int, POW10};
use crate::Error;

/// Largest mantissa a `Decimal` can hold: 2^96 - 1.
pub(crate) const MAX_UNITS: u128 = (1u128 << 96) - 1;

/// Largest scale a `Decimal` can hold.
pub(crate) const MAX_SCALE: u32 = 28;

/// Splits `amount` into parts proportional to `weights`, each a whole number
/// of minor units (`10^-scale`), by the largest remainder (Hamilton) rule.
///
/// Each part starts as its exact share `amount * weight / sum(weights)`,
/// rounded down to the minor unit. The minor units left over (fewer than the
/// number of parts) go one each to the parts with the largest fractional
/// remainders; equal remainders go to the lower index. A negative amount is
/// split as its absolute value and every part negated.
///
/// Guarantees, for every `Ok` result:
/// - the parts sum to `amount` exactly, and there is one part per weight;
/// - each part is within one minor unit of its exact share (strictly less
///   than one unit away), and a zero weight gets exactly zero;
/// - the result depends only on the ratios of the weights: multiplying every
///   weight by the same positive number changes nothing;
/// - every part is a `Decimal` with exactly `scale` decimal places.
///
/// Shares are computed as one exact fraction each (integers as wide as they
/// need to be, never a rounded quotient multiplied again), in `O(n)` time:
/// the leftover units are placed by counting remainders into buckets and
/// ranking only the bucket where the last unit falls, not by a sort.
///
/// # Errors
///
/// - [`Error::NoWeights`] when `weights` is empty;
/// - [`Error::NegativeWeight`] for the first negative weight;
/// - [`Error::AllWeightsZero`] when no weight is positive;
/// - [`Error::ScaleOutOfRange`] when `scale > 28`;
/// - [`Error::AmountFinerThanMinorUnit`] when `amount` is not a multiple of
///   `10^-scale` (`10.005` at scale 2);
/// - [`Error::Overflow`] when `amount` at `scale` has more than 96 bits of
///   minor units, so the parts could not be represented exactly.
///
/// # Examples
///
/// ```
/// use ltc_incentive::allocate;
/// use rust_decimal_macros::dec;
///
/// // 100.00 three ways: the leftover cent goes to the first part (ties go
/// // to the lower index).
/// let parts = allocate(dec!(100.00), &[dec!(1), dec!(1), dec!(1)], 2)?;
/// assert_eq!(parts, [dec!(33.34), dec!(33.33), dec!(33.33)]);
///
/// // 0.05 by 3:7: exact shares 0.015 and 0.035; both remainders are
/// // half a cent, so the tie goes to the lower index.
/// assert_eq!(allocate(dec!(0.05), &[dec!(3), dec!(7)], 2)?, [dec!(0.02), dec!(0.03)]);
///
/// // Negative amounts are split as their absolute value, then negated.
/// assert_eq!(allocate(dec!(-1.00), &[dec!(1), dec!(2)], 2)?, [dec!(-0.33), dec!(-0.67)]);
/// # Ok::<(), ltc_incentive::Error>(())
/// ```
pub fn allocate(amount: Decimal, weights: &[Decimal], scale: u32) -> Result<Vec<Decimal>, Error> {
    if weights.is_empty() {
        return Err(Error::NoWeights);
    }
    if scale > MAX_SCALE {
        return Err(Error::ScaleOutOfRange { scale });
    }
    let scan = scan(weights)?;
    let (units, negative) = to_units(amount, scale).map_err(|e| match e {
        UnitsError::Finer => Error::AmountFinerThanMinorUnit { amount, scale },
        UnitsError::Overflow => Error::Overflow {
            what: "the amount in minor units",
        },
    })?;

    // The narrowest integer in which every intermediate fits: `units x total` in `u64` is the
    // common case and the fast one; then `u128`; the big integer fits everything.
    if let Some(total) = scan.total {
        if let (Ok(u), Ok(t)) = (u64::try_from(units), u64::try_from(total)) {
            if u.checked_mul(t).is_some() {
                if let Some(parts) = narrow(u, t, weights, scan.max_scale, negative, scale) {
                    return Ok(parts);
                }
            }
        }
        if units.checked_mul(total).is_some() {
            let aligned: Vec<u128> = weights
                .iter()
                .map(|w| aligned_u128(w, scan.max_scale))
                .collect();
            return finish(largest_remainder(units, &aligned)?, negative, scale);
        }
    }
    let aligned = weights
        .iter()
        .map(|w| {
            let factor: Big = pow10(scan.max_scale.saturating_sub(w.scale())).ok_or(WEIGHTS)?;
            Ok(Big::from(w.mantissa().unsigned_abs()) * factor)
        })
        .collect::<Result<Vec<Big>, Error>>()?;
    finish(largest_remainder(units, &aligned)?, negative, scale)
}

const WEIGHTS: Error = Error::Overflow {
    what: "the weights at a common scale",
};

/// What one pass over the weights finds: the largest scale of a positive weight, and the total
/// of the weights aligned to it, if it fits a `u128`.
struct Scan {
    max_scale: u32,
    total: Option<u128>,
}

/// Checks the weights (the first negative one is refused, and all zero) and totals them at the
/// largest scale of a positive weight, rescaling the running total when a finer weight comes.
fn scan(weights: &[Decimal]) -> Result<Scan, Error> {
    // The common case first: whole, non-negative weights, summed without rescaling (fewer than
    // 2^32 of them, each below 2^96, cannot overflow a `u128`).
    if u32::try_from(weights.len()).is_ok() {
        let mut total: u128 = 0;
        let mut plain = true;
        for w in weights {
            plain &= w.scale() == 0 && !w.is_sign_negative();
            total = total.wrapping_add(w.mantissa().unsigned_abs());
        }
        if plain && total > 0 {
            return Ok(Scan {
                max_scale: 0,
                total: Some(total),
            });
        }
    }
    let mut max_scale = 0;
    let mut total = Some(0u128);
    let mut any_positive = false;
    for (index, &weight) in weights.iter().enumerate() {
        let m = weight.mantissa().unsigned_abs();
        if m == 0 {
            continue;
        }
        if weight.is_sign_negative() {
            return Err(Error::NegativeWeight { index, weight });
        }
        any_positive = true;
        let s = weight.scale();
        if s > max_scale {
            let f = POW10.get((s - max_scale) as usize).copied();
            total = total.zip(f).and_then(|(t, f)| t.checked_mul(f));
            max_scale = s;
        }
        let a = if s == max_scale {
            Some(m)
        } else {
            POW10
                .get((max_scale - s) as usize)
                .and_then(|&f| m.checked_mul(f))
        };
        total = total.zip(a).and_then(|(t, a)| t.checked_add(a));
    }
    if !any_positive {
        return Err(Error::AllWeightsZero {
            count: weights.len(),
        });
    }
    Ok(Scan { max_scale, total })
}

/// A weight aligned to `max_scale`, for a total known to fit a `u128` (so does every positive
/// weight; a zero weight is zero at any scale).
fn aligned_u128(w: &Decimal, max_scale: u32) -> u128 {
    let m = w.mantissa().unsigned_abs();
    if m == 0 {
        return 0;
    }
    let f = POW10
        .get(max_scale.saturating_sub(w.scale()) as usize)
        .copied()
        .unwrap_or(0);
    m.saturating_mul(f)
}

/// The parts as decimals.
fn finish(parts: Vec<u128>, negative: bool, scale: u32) -> Result<Vec<Decimal>, Error> {
    parts
        .into_iter()
        .map(|p| from_units(p, negative, scale))
        .collect()
}

/// `p / d` and `p % d` for one divisor `d` and many `p`, by a multiplication with a reciprocal
/// computed once: exact, with one correction step.
#[derive(Debug, Clone, Copy)]
struct Reciprocal {
    d: u64,
    /// `floor((2^64 - 1) / d)`.
    m: u64,
}

impl Reciprocal {
    fn new(d: u64) -> Option<Self> {
        Some(Self {
            d,
            m: u64::MAX.checked_div(d)?,
        })
    }

    /// `(p / d, p % d)`.
    ///
    /// With `m = floor((2^64 - 1) / d) > (2^64 - d) / d`, the estimate `floor(p m / 2^64)` is
    /// at most `p / d` and more than `p / d - 1`: the quotient or one less, which the remainder
    /// then shows (it is `d` or more).
    #[inline]
    fn div_rem(self, p: u64) -> (u64, u64) {
        let q = ((u128::from(p) * u128::from(self.m)) >> 64) as u64;
        let r = p.wrapping_sub(q.wrapping_mul(self.d));
        if r >= self.d {
            (q.wrapping_add(1), r.wrapping_sub(self.d))
        } else {
            (q, r)
        }
    }
}

/// A part of `q` minor units, `q < 2^64`.
#[inline]
fn part64(q: u64, negative: bool, scale: u32) -> Decimal {
    Decimal::from_parts(q as u32, (q >> 32) as u32, 0, negative && q != 0, scale)
}

/// The largest remainder rule when `units x total` fits a `u64` (and so does every
/// `units x weight`), writing the parts straight into the output. `None` only if the weights
/// are not what [`scan`] found (which cannot happen).
///
/// Two passes over the weights, each one division by the total a part (by its reciprocal):
/// the first sums the floors, which gives the units left over, and counts the remainders into
/// buckets by their leading bits; the bucket where the last leftover unit falls is then known,
/// every part in a higher bucket gets a unit, and only the parts of that bucket are ranked (by
/// remainder, ties to the lower index). Memory: the output and up to 2^16 counters.
fn narrow(
    units: u64,
    total: u64,
    weights: &[Decimal],
    max_scale: u32,
    negative: bool,
    scale: u32,
) -> Option<Vec<Decimal>> {
    // Integer weights (the common case) need no alignment.
    if max_scale == 0 {
        narrow_aligned::<false>(units, total, weights, max_scale, negative, scale)
    } else {
        narrow_aligned::<true>(units, total, weights, max_scale, negative, scale)
    }
}

/// [`narrow`], with every weight multiplied up to `max_scale` when `ALIGN`.
fn narrow_aligned<const ALIGN: bool>(
    units: u64,
    total: u64,
    weights: &[Decimal],
    max_scale: u32,
    negative: bool,
    scale: u32,
) -> Option<Vec<Decimal>> {
    let div = Reciprocal::new(total)?;
    // Every positive aligned weight is at most the total, so its factor fits a `u64`; a zero
    // weight is zero whatever the factor. Without alignment every positive weight has scale 0.
    let aligned = |w: &Decimal| -> u64 {
        let m = w.mantissa().unsigned_abs() as u64;
        if !ALIGN {
            return m;
        }
        let f = POW10
            .get(max_scale.saturating_sub(w.scale()) as usize)
            .copied()
            .unwrap_or(0) as u64;
        m.wrapping_mul(f)
    };
    // Buckets: about one per part, at most 2^16, by the leading bits of the remainder (< total).
    let rem_bits = 64 - (total - 1).leading_zeros();
    let n_bits = usize::BITS - weights.len().saturating_sub(1).leading_zeros();
    let bucket_bits = n_bits.min(16).min(rem_bits);
    let shift = rem_bits - bucket_bits;
    let mut small = [0u32; 64];
    let mut large = Vec::new();
    let counts: &mut [u32] = if bucket_bits <= 6 {
        small.get_mut(..1usize << bucket_bits)?
    } else {
        large.resize(1usize << bucket_bits, 0u32);
        &mut large
    };
    let mut floors: u64 = 0;
    for w in weights {
        let (q, r) = div.div_rem(units.wrapping_mul(aligned(w)));
        floors = floors.wrapping_add(q);
        if let Some(c) = counts.get_mut(r.checked_shr(shift).unwrap_or(0) as usize) {
            *c += 1;
        }
    }
    // The units left over (fewer than the parts with a non-zero remainder), and the bucket
    // where the last of them falls, counting from the largest remainders down.
    let mut left = units.checked_sub(floors)?;
    let mut last = u64::MAX;
    if left > 0 {
        for (b, &c) in counts.iter().enumerate().rev() {
            if left <= u64::from(c) {
                last = b as u64;
                break;
            }
            left -= u64::from(c);
        }
        if last == u64::MAX {
            return None;
        }
    }
    // `left` units go to the parts of bucket `last` with the largest remainders.
    let mut out = Vec::with_capacity(weights.len());
    let mut ties: Vec<(u64, u32)> = Vec::new();
    let mut given: u64 = 0;
    for (i, w) in weights.iter().enumerate() {
        let (q, r) = div.div_rem(units.wrapping_mul(aligned(w)));
        let b = r.checked_shr(shift).unwrap_or(0);
        let mut plus = u64::from(b > last);
        if b == last {
            if shift == 0 {
                // One remainder in the bucket: equal remainders, lower index first.
                plus = u64::from(given < left);
                given += plus;
            } else {
                ties.push((r, u32::try_from(i).ok()?));
            }
        }
        out.push(part64(q + plus, negative, scale));
    }
    if !ties.is_empty() {
        let k = usize::try_from(left).ok()?;
        let order = |a: &(u64, u32), b: &(u64, u32)| b.0.cmp(&a.0).then(a.1.cmp(&b.1));
        if k < ties.len() {
            ties.select_nth_unstable_by(k.checked_sub(1)?, order);
        }
        for &(_, i) in ties.iter().take(k) {
            let p = out.get_mut(i as usize)?;
            let q = p.mantissa().unsigned_abs() as u64;
            *p = part64(q + 1, negative, scale);
        }
    }
    Some(out)
}

/// Why an amount cannot be expressed in minor units.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum UnitsError {
    /// Not a whole number of minor units.
    Finer,
    /// More than 96 bits of minor units.
    Overflow,
}

/// `|amount| / 10^-scale` as a whole number of minor units, and the sign.
pub(crate) fn to_units(amount: Decimal, scale: u32) -> Result<(u128, bool), UnitsError> {
    let mantissa = amount.mantissa().unsigned_abs();
    let negative = amount.is_sign_negative() && mantissa != 0;
    let units = if amount.scale() > scale {
        let factor = *POW10
            .get((amount.scale() - scale) as usize)
            .ok_or(UnitsError::Overflow)?;
        if !mantissa.is_multiple_of(factor) {
            return Err(UnitsError::Finer);
        }
        mantissa / factor
    } else {
        let factor = *POW10
            .get((scale - amount.scale()) as usize)
            .ok_or(UnitsError::Overflow)?;
        mantissa.checked_mul(factor).ok_or(UnitsError::Overflow)?
    };
    if units > MAX_UNITS {
        return Err(UnitsError::Overflow);
    }
    Ok((units, negative))
}

/// The `Decimal` of `units` minor units at `scale`, negated if asked.
pub(crate) fn from_units(units: u128, negative: bool, scale: u32) -> Result<Decimal, Error> {
    const WHAT: Error = Error::Overflow {
        what: "a part in minor units",
    };
    let signed = i128::try_from(units).map_err(|_| WHAT)?;
    let signed = if negative { -signed } else { signed };
    Decimal::try_from_i128_with_scale(signed, scale).map_err(|_| WHAT)
}

/// The largest remainder rule on integers: splits `units` in proportion to
/// `weights` (not all zero), ties to the lower index.
///
/// Part `i` is `floor(units * w_i / W)` plus one if its remainder
/// `units * w_i mod W` is among the `k` largest, `k` being the units left
/// over; `W = sum(w)`. Since the remainders sum to `k * W` and each is below
/// `W`, at least `k` of them are non-zero.
pub(crate) fn largest_remainder<I: Int>(units: u128, weights: &[I]) -> Result<Vec<u128>, Error> {
    const WHAT: Error = Error::Overflow {
        what: "an exact share",
    };
    let mut total = I::zero();
    for w in weights {
        total = total.checked_add(w).ok_or(WHAT)?;
    }
    if total.is_zero() {
        return Err(Error::AllWeightsZero {
            count: weights.len(),
        });
    }
    let big_units = I::from_u128(units).ok_or(WHAT)?;
    let mut parts = Vec::with_capacity(weights.len());
    let mut remainders: Vec<(I, usize)> = Vec::with_capacity(weights.len());
    let mut floor_sum: u128 = 0;
    // The error is built only when it happens (`ok_or` would build and drop one per weight).
    fn exact<T>(value: Option<T>) -> Result<T, Error> {
        match value {
            Some(v) => Ok(v),
            None => Err(WHAT),
        }
    }
    for (index, w) in weights.iter().enumerate() {
        let (q, r) = exact(big_units.checked_mul(w).and_then(|n| n.div_rem(&total)))?;
        let q = exact(q.try_u128())?;
        floor_sum = exact(floor_sum.checked_add(q))?;
        parts.push(q);
        if !r.is_zero() {
            remainders.push((r, index));
        }
    }
    let leftover = usize::try_from(units.checked_sub(floor_sum).ok_or(WHAT)?).map_err(|_| WHAT)?;
    if leftover > 0 && leftover <= remainders.len() {
        // Largest remainder first; equal remainders: lower index first.
        let order = |a: &(I, usize), b: &(I, usize)| b.0.cmp(&a.0).then(a.1.cmp(&b.1));
        if leftover < remainders.len() {
            remainders.select_nth_unstable_by(leftover - 1, order);
        }
        for &(_, index) in remainders.iter().take(leftover) {
            if let Some(p) = parts.get_mut(index) {
                *p += 1;
            }
        }
    }
    Ok(parts)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn units_round_trip() {
        assert_eq!(to_units(dec!(10.00), 2), Ok((1000, false)));
        assert_eq!(to_units(dec!(10), 2), Ok((1000, false)));
        assert_eq!(to_units(dec!(-0.10), 1), Ok((1, true)));
        assert_eq!(to_units(dec!(10.005), 2), Err(UnitsError::Finer));
        assert_eq!(to_units(dec!(10.0050), 3), Ok((10005, false)));
        assert_eq!(to_units(Decimal::MAX, 0), Ok((MAX_UNITS, false)));
        assert_eq!(to_units(Decimal::MAX, 1), Err(UnitsError::Overflow));
        assert_eq!(from_units(1000, true, 2).unwrap().to_string(), "-10.00");
        assert_eq!(from_units(0, true, 2).unwrap().to_string(), "0.00");
    }

    fn next(x: &mut u64) -> u64 {
        *x ^= *x >> 12;
        *x ^= *x << 25;
        *x ^= *x >> 27;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    #[test]
    fn reciprocal_division_is_exact() {
        let x = &mut 0x1234_5678_9abc_def1_u64;
        let mut divisors = vec![1u64, 2, 3, 7, 10, 1000, u64::MAX, u64::MAX - 1, 1 << 63];
        divisors.extend(
            (0..200)
                .map(|_| next(x) >> (next(x) % 64))
                .filter(|&d| d > 0),
        );
        for d in divisors {
            let div = Reciprocal::new(d).unwrap();
            let mut ps = vec![0, 1, d - 1, d, d.wrapping_add(1), u64::MAX, u64::MAX - 1];
            ps.extend((0..200).map(|_| next(x) >> (next(x) % 64)));
            ps.extend((0..50).map(|_| (u64::MAX / d).saturating_sub(next(x) % 3) * d));
            for p in ps {
                assert_eq!(div.div_rem(p), (p / d, p % d), "{p} / {d}");
            }
        }
        assert!(Reciprocal::new(0).is_none());
    }

    /// The narrow path against the generic rule it replaces in the common case, on weights of
    /// every shape: few and many, small and large totals (one remainder a bucket, or many),
    /// repeated weights (ties), zeros and mixed scales.
    #[test]
    fn narrow_path_matches_the_generic_rule() {
        let x = &mut 0x0bad_cafe_f00d_d00d_u64;
        for case in 0..600 {
            let n = match case % 6 {
                0 => 1 + (next(x) % 10) as usize,
                1 => 1 + (next(x) % 100) as usize,
                2 => 60 + (next(x) % 10) as usize,
                3 => 1000 + (next(x) % 3000) as usize,
                4 => 70_000 + (next(x) % 2000) as usize,
                _ => 1 + (next(x) % 5000) as usize,
            };
            let top = 1u64 << [1, 3, 10, 20, 40][(next(x) % 5) as usize];
            let repeat = next(x).is_multiple_of(3);
            let first = next(x) % top;
            let weights: Vec<Decimal> = (0..n)
                .map(|_| {
                    let m = if repeat && next(x).is_multiple_of(2) {
                        first
                    } else {
                        next(x) % top
                    };
                    let scale = if case % 7 == 0 {
                        (next(x) % 4) as u32
                    } else {
                        0
                    };
                    Decimal::from_i128_with_scale(i128::from(m), scale)
                })
                .collect();
            let Ok(scan) = scan(&weights) else { continue };
            let Some(total) = scan.total else { continue };
            let units = next(x) % (1 << 40);
            let Some(product) = u128::from(units).checked_mul(total) else {
                continue;
            };
            if u64::try_from(product).is_err() {
                continue;
            }
            let negative = next(x).is_multiple_of(2);
            let fast = narrow(units, total as u64, &weights, scan.max_scale, negative, 2).unwrap();
            let aligned: Vec<u128> = weights
                .iter()
                .map(|w| aligned_u128(w, scan.max_scale))
                .collect();
            let slow = finish(
                largest_remainder(u128::from(units), &aligned).unwrap(),
                negative,
                2,
            )
            .unwrap();
            assert_eq!(fast, slow, "case {case}: {units} by {n} weights");
            for (f, s) in fast.iter().zip(&slow) {
                assert_eq!(f.to_string(), s.to_string());
            }
        }
    }

    #[test]
    fn core_rule_on_integers() {
        assert_eq!(
            largest_remainder(10u128, &[1u128, 1, 1]).unwrap(),
            [4, 3, 3]
        );
        assert_eq!(largest_remainder(5u128, &[3u128, 7]).unwrap(), [2, 3]);
        assert_eq!(largest_remainder(0u128, &[3u128, 7]).unwrap(), [0, 0]);
        assert_eq!(largest_remainder(7u128, &[0u128, 1]).unwrap(), [0, 7]);
        assert_eq!(
            largest_remainder(2u128, &[1u128, 1, 1, 1]).unwrap(),
            [1, 1, 0, 0]
        );
    }
}
