//! The allocation primitive: split an amount by weights, exactly, to the
//! minor unit, by the largest remainder (Hamilton) rule.

use rust_decimal::Decimal;

use crate::wide::{pow10, Int, Wide};
use crate::Error;

/// Largest mantissa a `Decimal` can hold: 2^96 - 1.
pub(crate) const MAX_UNITS: u128 = (1u128 << 96) - 1;

/// Largest scale a `Decimal` can hold.
pub(crate) const MAX_SCALE: u32 = 28;

/// Wide enough for `allocate`'s worst case: weights aligned to a common scale
/// stay below 2^190, their total below 2^254, and `units * weight` below
/// 2^286.
type AllocWide = Wide<6>;

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
/// Shares are computed as one exact fraction each (wide integers, never a
/// rounded quotient multiplied again), in `O(n)` time on average plus the
/// output: the leftover units are placed with a selection, not a sort.
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
    let mut max_scale = 0;
    let mut any_positive = false;
    for (index, &weight) in weights.iter().enumerate() {
        if weight.is_sign_negative() && !weight.is_zero() {
            return Err(Error::NegativeWeight { index, weight });
        }
        any_positive |= !weight.is_zero();
        max_scale = max_scale.max(weight.scale());
    }
    if !any_positive {
        return Err(Error::AllWeightsZero {
            count: weights.len(),
        });
    }
    let (units, negative) = to_units(amount, scale).map_err(|e| match e {
        UnitsError::Finer => Error::AmountFinerThanMinorUnit { amount, scale },
        UnitsError::Overflow => Error::Overflow {
            what: "the amount in minor units",
        },
    })?;

    // The narrowest integer in which every intermediate fits: u64 and u128
    // are fast paths for the common case; the wide integer never overflows.
    let parts = if let Some(aligned) = align_narrow::<u64>(weights, max_scale, units) {
        largest_remainder(units, &aligned)?
    } else if let Some(aligned) = align_narrow::<u128>(weights, max_scale, units) {
        largest_remainder(units, &aligned)?
    } else {
        largest_remainder(units, &align_wide(weights, max_scale)?)?
    };
    let mut out = Vec::with_capacity(parts.len());
    for p in parts {
        out.push(from_units(p, negative, scale)?);
    }
    Ok(out)
}

/// Aligns every weight to `max_scale` as an `I`, if every weight, their
/// total, and `units * total` all fit (then every intermediate fits).
fn align_narrow<I: Int>(weights: &[Decimal], max_scale: u32, units: u128) -> Option<Vec<I>> {
    let big_units = I::from_u128(units)?;
    let mut total = I::ZERO;
    let mut aligned = Vec::with_capacity(weights.len());
    for w in weights {
        let mantissa = I::from_u128(w.mantissa().unsigned_abs())?;
        let factor: I = pow10(max_scale - w.scale())?;
        let a = mantissa.checked_mul(factor)?;
        total = total.checked_add(a)?;
        aligned.push(a);
    }
    big_units.checked_mul(total)?;
    Some(aligned)
}

/// Aligns every weight to `max_scale` as a wide integer.
fn align_wide(weights: &[Decimal], max_scale: u32) -> Result<Vec<AllocWide>, Error> {
    const WHAT: Error = Error::Overflow {
        what: "the weights at a common scale",
    };
    weights
        .iter()
        .map(|w| {
            let mantissa = AllocWide::from_u128(w.mantissa().unsigned_abs()).ok_or(WHAT)?;
            let factor: AllocWide = pow10(max_scale - w.scale()).ok_or(WHAT)?;
            mantissa.checked_mul(factor).ok_or(WHAT)
        })
        .collect()
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
        let factor: u128 = pow10(amount.scale() - scale).ok_or(UnitsError::Overflow)?;
        if !mantissa.is_multiple_of(factor) {
            return Err(UnitsError::Finer);
        }
        mantissa / factor
    } else {
        let factor: u128 = pow10(scale - amount.scale()).ok_or(UnitsError::Overflow)?;
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
    let mut total = I::ZERO;
    for &w in weights {
        total = total.checked_add(w).ok_or(WHAT)?;
    }
    if total == I::ZERO {
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
    for (index, &w) in weights.iter().enumerate() {
        let (q, r) = exact(big_units.checked_mul(w).and_then(|n| n.div_rem(total)))?;
        let q = exact(q.to_u128())?;
        floor_sum = exact(floor_sum.checked_add(q))?;
        parts.push(q);
        if r != I::ZERO {
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
    #![allow(clippy::unwrap_used)]
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
