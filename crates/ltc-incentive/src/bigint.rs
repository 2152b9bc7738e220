//! The integers the exact arithmetic runs on: `u64` and `u128` where every intermediate fits
//! (the common case, and the fast one), and an arbitrary-precision unsigned integer ([`Big`],
//! `dashu-int`'s `UBig`) where it does not, so that no input a `Decimal` can hold is refused
//! for the size of an intermediate.
//!
//! [`Int`] is the thin adapter the algorithms are written against: checked operations that
//! report a result beyond the type as `None` (never for [`Big`], except a subtraction below zero
//! or a division by zero).

use std::fmt::Debug;

use dashu_int::ops::{BitTest, DivRem};

/// An unsigned integer of any size.
pub(crate) type Big = dashu_int::UBig;

/// The operations the exact algorithms need from an unsigned integer type.
pub(crate) trait Int: Clone + Ord + Debug {
    /// Zero.
    fn zero() -> Self;
    /// Converts from `u128`; `None` if it does not fit.
    fn from_u128(v: u128) -> Option<Self>;
    /// Converts to `u128`; `None` if it does not fit.
    fn try_u128(&self) -> Option<u128>;
    /// `self + other`, `None` on overflow.
    fn checked_add(&self, other: &Self) -> Option<Self>;
    /// `self - other`, `None` if it would go below zero.
    fn checked_sub(&self, other: &Self) -> Option<Self>;
    /// `self * other`, `None` on overflow.
    fn checked_mul(&self, other: &Self) -> Option<Self>;
    /// `(self / d, self % d)`, `None` when `d` is zero.
    fn div_rem(&self, d: &Self) -> Option<(Self, Self)>;
    /// True when zero.
    fn is_zero(&self) -> bool;
    /// True when odd.
    fn is_odd(&self) -> bool;
}

macro_rules! primitive {
    ($t:ty) => {
        impl Int for $t {
            fn zero() -> Self {
                0
            }
            fn from_u128(v: u128) -> Option<Self> {
                <$t>::try_from(v).ok()
            }
            fn try_u128(&self) -> Option<u128> {
                Some(u128::from(*self))
            }
            fn checked_add(&self, other: &Self) -> Option<Self> {
                <$t>::checked_add(*self, *other)
            }
            fn checked_sub(&self, other: &Self) -> Option<Self> {
                <$t>::checked_sub(*self, *other)
            }
            fn checked_mul(&self, other: &Self) -> Option<Self> {
                <$t>::checked_mul(*self, *other)
            }
            fn div_rem(&self, d: &Self) -> Option<(Self, Self)> {
                Some((self.checked_div(*d)?, self.checked_rem(*d)?))
            }
            fn is_zero(&self) -> bool {
                *self == 0
            }
            fn is_odd(&self) -> bool {
                *self & 1 == 1
            }
        }
    };
}

primitive!(u64);
primitive!(u128);

impl Int for Big {
    fn zero() -> Self {
        Big::ZERO
    }
    fn from_u128(v: u128) -> Option<Self> {
        Some(Big::from(v))
    }
    fn try_u128(&self) -> Option<u128> {
        u128::try_from(self).ok()
    }
    fn checked_add(&self, other: &Self) -> Option<Self> {
        Some(self + other)
    }
    fn checked_sub(&self, other: &Self) -> Option<Self> {
        (self >= other).then(|| self - other)
    }
    fn checked_mul(&self, other: &Self) -> Option<Self> {
        Some(self * other)
    }
    fn div_rem(&self, d: &Self) -> Option<(Self, Self)> {
        (*d != Big::ZERO).then(|| DivRem::div_rem(self, d))
    }
    fn is_zero(&self) -> bool {
        *self == Big::ZERO
    }
    fn is_odd(&self) -> bool {
        self.bit(0)
    }
}

/// Powers of ten that fit a `u128`: `POW10[k] = 10^k` for `k <= 38`.
// Evaluated at compile time: an index out of range would fail the build, not a run.
#[allow(clippy::indexing_slicing)]
pub(crate) const POW10: [u128; 39] = {
    let mut table = [1u128; 39];
    let mut k = 1;
    while k < 39 {
        table[k] = table[k - 1] * 10;
        k += 1;
    }
    table
};

/// Ten to the power `k`, exactly, or `None` if it does not fit.
pub(crate) fn pow10<I: Int>(k: u32) -> Option<I> {
    // Up to 10^38 from the table in one step; beyond, 38 digits at a time.
    const TOP: u32 = 38;
    let table = |k: u32| POW10.get(k as usize).copied();
    let mut acc = I::from_u128(table(k.min(TOP))?)?;
    let mut left = k.saturating_sub(TOP);
    while left > 0 {
        let now = left.min(TOP);
        acc = acc.checked_mul(&I::from_u128(table(now)?)?)?;
        left -= now;
    }
    Some(acc)
}

/// `n / d` rounded half to even, `None` when `d` is zero (or the result does not fit).
pub(crate) fn div_half_even<I: Int>(n: &I, d: &I) -> Option<I> {
    let (q, r) = n.div_rem(d)?;
    round_half_even(q, &r, d)
}

/// `q`, or `q + 1` when the remainder `r` of a division by `d` is more than half of `d`, or
/// exactly half and `q` is odd.
pub(crate) fn round_half_even<I: Int>(q: I, r: &I, d: &I) -> Option<I> {
    // Compare 2r with d without overflowing: r against d - r.
    let rest = d.checked_sub(r)?;
    let up = match r.cmp(&rest) {
        std::cmp::Ordering::Greater => true,
        std::cmp::Ordering::Equal => q.is_odd(),
        std::cmp::Ordering::Less => false,
    };
    if up {
        q.checked_add(&I::from_u128(1)?)
    } else {
        Some(q)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn big(v: u128) -> Big {
        Big::from(v)
    }

    #[test]
    fn narrow_and_big_agree_where_both_fit() {
        let samples = [
            0u128,
            1,
            2,
            3,
            7,
            10,
            255,
            u128::from(u64::MAX),
            u128::from(u64::MAX) + 1,
            123_456_789_012_345_678_901_234_567,
            u128::MAX / 3,
        ];
        for &a in &samples {
            for &b in &samples {
                let (x, y) = (big(a), big(b));
                if let Some(s) = Int::checked_add(&a, &b) {
                    assert_eq!(Int::checked_add(&x, &y).unwrap().try_u128(), Some(s));
                }
                if let Some(p) = Int::checked_mul(&a, &b) {
                    assert_eq!(Int::checked_mul(&x, &y).unwrap().try_u128(), Some(p));
                }
                match Int::div_rem(&a, &b) {
                    Some((q, r)) => {
                        let (bq, br) = Int::div_rem(&x, &y).unwrap();
                        assert_eq!((bq.try_u128(), br.try_u128()), (Some(q), Some(r)));
                    }
                    None => assert!(Int::div_rem(&x, &y).is_none()),
                }
                assert_eq!(
                    Int::checked_sub(&x, &y).map(|d| d.try_u128()),
                    Int::checked_sub(&a, &b).map(Some)
                );
                assert_eq!(x.cmp(&y), a.cmp(&b));
            }
        }
    }

    #[test]
    fn powers_of_ten() {
        assert_eq!(pow10::<u64>(19), Some(10_000_000_000_000_000_000));
        assert_eq!(pow10::<u64>(20), None);
        assert_eq!(pow10::<u128>(38), POW10.last().copied());
        assert_eq!(pow10::<u128>(39), None);
        for k in [0u32, 1, 38, 39, 40, 76, 77, 100, 200] {
            assert_eq!(pow10::<Big>(k).unwrap(), big(10).pow(k as usize), "10^{k}");
        }
    }

    #[test]
    fn half_even() {
        for (n, d, want) in [(5u128, 2, 2), (7, 2, 4), (7, 3, 2), (8, 3, 3), (0, 3, 0)] {
            assert_eq!(div_half_even(&n, &d), Some(want));
            assert_eq!(div_half_even(&big(n), &big(d)), Some(big(want)));
        }
        assert_eq!(div_half_even(&1u128, &0), None);
    }
}
