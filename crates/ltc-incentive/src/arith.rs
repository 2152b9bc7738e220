//! Decimal addition, subtraction and multiplication that are exact or refused.
//!
//! `Decimal::checked_add`, `checked_sub` and `checked_mul` report a result too large in
//! magnitude, but round one that needs more significant digits than a `Decimal` holds (28 to
//! 29): `10^28 + 10^-28` comes back as `10^28`. Money must not move that way, so these functions
//! compute the result on integers wide enough to hold it exactly and return it only if a
//! `Decimal` can hold it: [`Error::Inexact`] when it has too many digits, [`Error::Overflow`]
//! when it is too large.
//!
//! Whenever the exact result fits, it is the very `Decimal` the `checked_` operation gives,
//! scale included (the larger of the two scales for a sum, their total for a product, fewer
//! only by trailing zeros when that many digits do not fit; a zero operand of a sum leaves the
//! other as it is, and a zero product is `0`), so outputs keep their form.

use rust_decimal::Decimal;

use crate::allocate::{MAX_SCALE, MAX_UNITS};
use crate::bigint::{pow10, Big, Int};
use crate::Error;

/// `left + right`, exactly.
///
/// # Errors
///
/// [`Error::Inexact`] when the sum has more significant digits than a `Decimal` holds,
/// [`Error::Overflow`] when it is larger than `Decimal::MAX` in magnitude.
pub(crate) fn add(left: Decimal, right: Decimal, what: &'static str) -> Result<Decimal, Error> {
    sum(left, '+', right, false, what)
}

/// `left - right`, exactly.
///
/// # Errors
///
/// As [`add`].
pub(crate) fn sub(left: Decimal, right: Decimal, what: &'static str) -> Result<Decimal, Error> {
    sum(left, '-', right, true, what)
}

/// `left x right`, exactly.
///
/// # Errors
///
/// [`Error::Inexact`] when the product has more significant digits (or more than 28 decimal
/// places after dropping trailing zeros) than a `Decimal` holds, [`Error::Overflow`] when it is
/// larger than `Decimal::MAX` in magnitude.
#[cfg_attr(not(feature = "pipeline"), allow(dead_code))]
pub(crate) fn mul(left: Decimal, right: Decimal, what: &'static str) -> Result<Decimal, Error> {
    let outcome = match product::<u128>(left, right) {
        Some(outcome) => outcome,
        None => product::<Big>(left, right).unwrap_or(Outcome::TooLarge),
    };
    finish(outcome, left, 'x', right, what)
}

/// The exact result, or why there is none.
enum Outcome {
    /// The result.
    Exact(Decimal),
    /// Representable only rounded.
    TooManyDigits,
    /// Larger than `Decimal::MAX` in magnitude.
    TooLarge,
}

fn finish(
    outcome: Outcome,
    left: Decimal,
    op: char,
    right: Decimal,
    what: &'static str,
) -> Result<Decimal, Error> {
    match outcome {
        Outcome::Exact(d) => Ok(d),
        Outcome::TooManyDigits => Err(Error::Inexact {
            what,
            left,
            op,
            right,
        }),
        Outcome::TooLarge => Err(Error::Overflow { what }),
    }
}

fn sum(
    left: Decimal,
    op: char,
    right: Decimal,
    negate_right: bool,
    what: &'static str,
) -> Result<Decimal, Error> {
    // As `Decimal::checked_add` and `checked_sub` give it: a zero operand leaves the other one
    // as it is, scale included (negated when it is subtracted).
    if left.is_zero() {
        return Ok(if negate_right && !right.is_zero() {
            -right
        } else {
            right
        });
    }
    if right.is_zero() {
        return Ok(left);
    }
    if let Some(d) = narrow_sum(left, right, negate_right) {
        return Ok(d);
    }
    let outcome = match signed_sum::<u128>(left, right, negate_right) {
        Some(outcome) => outcome,
        None => signed_sum::<Big>(left, right, negate_right).unwrap_or(Outcome::TooLarge),
    };
    finish(outcome, left, op, right, what)
}

/// The common case of a sum of non-zero decimals: both aligned to the larger scale, and the
/// result, fit `i128` and a `Decimal` without dropping a digit. `None` when they do not (then
/// [`signed_sum`] decides).
fn narrow_sum(left: Decimal, right: Decimal, negate_right: bool) -> Option<Decimal> {
    let scale = left.scale().max(right.scale());
    let aligned = |d: Decimal| {
        d.mantissa()
            .checked_mul(10i128.checked_pow(scale - d.scale())?)
    };
    let (a, b) = (aligned(left)?, aligned(right)?);
    let m = if negate_right {
        a.checked_sub(b)?
    } else {
        a.checked_add(b)?
    };
    if m.unsigned_abs() > MAX_UNITS {
        return None;
    }
    Decimal::try_from_i128_with_scale(m, scale).ok()
}

/// The magnitude, scale and sign of a decimal (negative only when non-zero).
fn parts(d: Decimal) -> (u128, u32, bool) {
    let m = d.mantissa().unsigned_abs();
    (m, d.scale(), d.is_sign_negative() && m != 0)
}

/// The exact sum in `I`, or `None` when an intermediate does not fit `I`.
fn signed_sum<I: Int>(left: Decimal, right: Decimal, negate_right: bool) -> Option<Outcome> {
    let (ma, sa, na) = parts(left);
    let (mb, sb, nb) = parts(right);
    let nb = nb != negate_right && mb != 0;
    let scale = sa.max(sb);
    let a = I::from_u128(ma)?.checked_mul(&pow10(scale - sa)?)?;
    let b = I::from_u128(mb)?.checked_mul(&pow10(scale - sb)?)?;
    let (magnitude, negative) = if na == nb {
        (a.checked_add(&b)?, na)
    } else if a >= b {
        (a.checked_sub(&b)?, na)
    } else {
        (b.checked_sub(&a)?, nb)
    };
    reduce(magnitude, scale, negative)
}

/// The exact product in `I`, or `None` when it does not fit `I`.
#[cfg_attr(not(feature = "pipeline"), allow(dead_code))]
fn product<I: Int>(left: Decimal, right: Decimal) -> Option<Outcome> {
    if left.is_zero() || right.is_zero() {
        // As `Decimal::checked_mul` gives it: zero at scale 0.
        return Some(Outcome::Exact(Decimal::ZERO));
    }
    let (ma, sa, na) = parts(left);
    let (mb, sb, nb) = parts(right);
    let magnitude = I::from_u128(ma)?.checked_mul(&I::from_u128(mb)?)?;
    reduce(magnitude, sa + sb, na != nb)
}

/// `magnitude x 10^-scale` with the sign as a `Decimal`, dropping trailing zero digits only
/// while it has too many digits or decimal places; `None` when `I` is too narrow for a step.
fn reduce<I: Int>(magnitude: I, scale: u32, negative: bool) -> Option<Outcome> {
    let (mut m, mut scale) = (magnitude, scale);
    let max = I::from_u128(MAX_UNITS)?;
    let ten = I::from_u128(10)?;
    while (m > max || scale > MAX_SCALE) && scale > 0 {
        let (q, r) = m.div_rem(&ten)?;
        if !r.is_zero() {
            break;
        }
        m = q;
        scale -= 1;
    }
    if m <= max && scale <= MAX_SCALE {
        let m = i128::try_from(m.try_u128()?).ok()?;
        let m = if negative && m != 0 { -m } else { m };
        return Decimal::try_from_i128_with_scale(m, scale)
            .ok()
            .map(Outcome::Exact);
    }
    if m <= max {
        // Fits in digits, but has more than 28 decimal places.
        return Some(Outcome::TooManyDigits);
    }
    // Too many digits: too large if beyond `Decimal::MAX` in magnitude, else too precise.
    let limit = max.checked_mul(&pow10(scale)?)?;
    Some(if m > limit {
        Outcome::TooLarge
    } else {
        Outcome::TooManyDigits
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::panic)]
    use super::*;
    use num_bigint::BigInt;
    use num_rational::BigRational;
    use num_traits::Signed;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    const W: &str = "a test";

    #[test]
    fn sums_that_fit_are_the_checked_sums() {
        assert_eq!(add(d("1.50"), d("2.5"), W).unwrap().to_string(), "4.00");
        assert_eq!(sub(d("0"), d("0.00"), W).unwrap().to_string(), "0.00");
        assert_eq!(add(d("-1.00"), d("1.00"), W).unwrap().to_string(), "0.00");
        assert_eq!(sub(d("-3"), d("-3.000"), W).unwrap().to_string(), "0.000");
        assert_eq!(sub(d("1"), d("3.25"), W).unwrap().to_string(), "-2.25");
        assert_eq!(add(Decimal::MAX, Decimal::ZERO, W).unwrap(), Decimal::MAX);
        assert_eq!(add(Decimal::MAX, Decimal::MIN, W).unwrap(), Decimal::ZERO);
        // 28 decimals do not fit beside 29 digits of whole part: the trailing zeros go.
        let big = d("79228162514264337593543950334");
        let tiny = d("1.0000000000000000000000000000");
        assert_eq!(add(big, tiny, W).unwrap(), Decimal::MAX);
        assert_eq!(add(big, tiny, W), Ok(big.checked_add(tiny).unwrap()));
    }

    #[test]
    fn sums_that_would_round_are_refused() {
        let e28 = d("10000000000000000000000000000");
        let tiny = d("0.0000000000000000000000000001");
        // Decimal::checked_add rounds this to 10^28.
        assert_eq!(e28.checked_add(tiny), Some(e28));
        let err = add(e28, tiny, "a ledger balance").unwrap_err();
        assert_eq!(err.code(), "inexact");
        assert_eq!(
            err.to_string(),
            "a ledger balance cannot be computed exactly: 10000000000000000000000000000 + \
             0.0000000000000000000000000001 has more significant digits than a decimal holds (28-29)"
        );
        assert_eq!(sub(e28, tiny, W).unwrap_err().code(), "inexact");
        assert_eq!(
            add(d("7922816251426433759354395033"), d("0.45"), W)
                .unwrap_err()
                .code(),
            "inexact"
        );
        assert_eq!(
            add(Decimal::MAX, d("0.4"), W),
            Err(Error::Overflow { what: W })
        );
        assert_eq!(
            add(Decimal::MAX, Decimal::ONE, W),
            Err(Error::Overflow { what: W })
        );
        assert_eq!(
            sub(Decimal::MIN, d("0.5"), W),
            Err(Error::Overflow { what: W })
        );
    }

    #[test]
    fn products_are_exact_or_refused() {
        assert_eq!(mul(d("0.5"), d("182"), W).unwrap().to_string(), "91.0");
        assert_eq!(mul(d("-2.50"), d("4"), W).unwrap().to_string(), "-10.00");
        assert_eq!(mul(d("-2.50"), d("0"), W).unwrap().to_string(), "0");
        // 56 decimal places, 55 of them trailing zeros beyond the 28 kept.
        let p = mul(
            d("0.1000000000000000000000000000"),
            d("0.1000000000000000000000000000"),
            W,
        );
        assert_eq!(p.unwrap().to_string(), "0.0100000000000000000000000000");
        let tiny = d("0.0000000000000000000000000001");
        assert_eq!(tiny.checked_mul(tiny), Some(Decimal::ZERO));
        assert_eq!(mul(tiny, tiny, W).unwrap_err().code(), "inexact");
        let third = d("0.3333333333333333333333333333");
        assert_eq!(mul(third, d("3.1"), W).unwrap_err().code(), "inexact");
        assert_eq!(
            mul(Decimal::MAX, d("2"), W),
            Err(Error::Overflow { what: W })
        );
        assert_eq!(
            mul(Decimal::MAX, d("0.5"), W).unwrap_err().code(),
            "inexact"
        );
    }

    /// xorshift64*.
    fn next(x: &mut u64) -> u64 {
        *x ^= *x >> 12;
        *x ^= *x << 25;
        *x ^= *x >> 27;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn sample(x: &mut u64) -> Decimal {
        let lo = next(x);
        let hi = next(x);
        let mantissa = match next(x) % 6 {
            0 => 0,
            1 => i128::from(lo % 1000),
            2 => i128::from(lo),
            3 => i128::from(lo) | (i128::from(hi >> 32) << 64),
            4 => i128::try_from(MAX_UNITS).unwrap() - i128::from(lo % 3),
            _ => 10i128.pow((lo % 29) as u32),
        };
        let mantissa = if hi & 1 == 1 { -mantissa } else { mantissa };
        Decimal::from_i128_with_scale(mantissa, (next(x) % 29) as u32)
    }

    /// The exact value of a decimal.
    fn rational(d: Decimal) -> BigRational {
        BigRational::new(BigInt::from(d.mantissa()), BigInt::from(10).pow(d.scale()))
    }

    #[test]
    fn results_are_exact_and_match_checked_ops_when_they_fit() {
        let max = rational(Decimal::MAX);
        let x = &mut 0x0123_4567_89ab_cdef_u64;
        for _ in 0..20_000 {
            let (a, b) = (sample(x), sample(x));
            let (ra, rb) = (rational(a), rational(b));
            for (op, ours, theirs, exact) in [
                ('+', add(a, b, W), a.checked_add(b), &ra + &rb),
                ('-', sub(a, b, W), a.checked_sub(b), &ra - &rb),
                ('x', mul(a, b, W), a.checked_mul(b), &ra * &rb),
            ] {
                match ours {
                    Ok(r) => {
                        assert_eq!(rational(r), exact, "{a} {op} {b}");
                        // The very value, scale and sign that the checked operation gives.
                        let theirs = theirs.unwrap();
                        assert_eq!(r.to_string(), theirs.to_string(), "{a} {op} {b}");
                        assert_eq!(r.is_sign_negative(), theirs.is_sign_negative());
                    }
                    Err(Error::Overflow { .. }) => assert!(exact.abs() > max, "{a} {op} {b}"),
                    Err(Error::Inexact { .. }) => {
                        assert!(exact.abs() <= max, "{a} {op} {b}");
                        // What the checked operation gives is not the exact value.
                        if let Some(t) = theirs {
                            assert_ne!(rational(t), exact, "{a} {op} {b}");
                        }
                    }
                    Err(e) => panic!("{a} {op} {b}: {e}"),
                }
            }
        }
    }
}
