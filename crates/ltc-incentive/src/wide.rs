//! Exact unsigned integers wider than `u128`, and the small set of operations
//! the allocation needs (checked add and multiply, division with remainder,
//! comparison, gcd).
//!
//! A `rust_decimal::Decimal` has a 96-bit mantissa and up to 28 decimal
//! places, so a share `amount x weight / total` can need close to 300 bits
//! before it is divided. `u128` is used whenever the numbers fit (the common
//! case); [`Wide`] is the exact fallback. Every operation that could lose
//! information is checked and reports overflow as `None`.

use std::cmp::Ordering;

/// The operations the largest-remainder core needs from an integer type.
pub(crate) trait Int: Copy + Ord {
    /// Zero.
    const ZERO: Self;
    /// Converts from `u128`; `None` if it does not fit.
    fn from_u128(v: u128) -> Option<Self>;
    /// Converts to `u128`; `None` if it does not fit.
    fn to_u128(self) -> Option<u128>;
    /// `self + other`, `None` on overflow.
    fn checked_add(self, other: Self) -> Option<Self>;
    /// `self - other`, `None` if it would go below zero.
    fn checked_sub(self, other: Self) -> Option<Self>;
    /// `self * other`, `None` on overflow.
    fn checked_mul(self, other: Self) -> Option<Self>;
    /// `(self / d, self % d)`, `None` when `d` is zero.
    fn div_rem(self, d: Self) -> Option<(Self, Self)>;
}

impl Int for u64 {
    const ZERO: Self = 0;
    fn from_u128(v: u128) -> Option<Self> {
        u64::try_from(v).ok()
    }
    fn to_u128(self) -> Option<u128> {
        Some(u128::from(self))
    }
    fn checked_add(self, other: Self) -> Option<Self> {
        u64::checked_add(self, other)
    }
    fn checked_sub(self, other: Self) -> Option<Self> {
        u64::checked_sub(self, other)
    }
    fn checked_mul(self, other: Self) -> Option<Self> {
        u64::checked_mul(self, other)
    }
    fn div_rem(self, d: Self) -> Option<(Self, Self)> {
        Some((self.checked_div(d)?, self.checked_rem(d)?))
    }
}

impl Int for u128 {
    const ZERO: Self = 0;
    fn from_u128(v: u128) -> Option<Self> {
        Some(v)
    }
    fn to_u128(self) -> Option<u128> {
        Some(self)
    }
    fn checked_add(self, other: Self) -> Option<Self> {
        u128::checked_add(self, other)
    }
    fn checked_sub(self, other: Self) -> Option<Self> {
        u128::checked_sub(self, other)
    }
    fn checked_mul(self, other: Self) -> Option<Self> {
        u128::checked_mul(self, other)
    }
    fn div_rem(self, d: Self) -> Option<(Self, Self)> {
        Some((self.checked_div(d)?, self.checked_rem(d)?))
    }
}

/// An unsigned integer of `64 * N` bits, little-endian limbs.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) struct Wide<const N: usize>([u64; N]);

impl<const N: usize> Wide<N> {
    /// One.
    pub(crate) fn one() -> Self {
        Self::from_u64(1)
    }

    /// Converts from `u64`.
    pub(crate) fn from_u64(v: u64) -> Self {
        let mut limbs = [0u64; N];
        if let Some(l) = limbs.first_mut() {
            *l = v;
        }
        Self(limbs)
    }

    /// The same number on `M` limbs, `None` if it does not fit.
    pub(crate) fn resize<const M: usize>(self) -> Option<Wide<M>> {
        let mut limbs = [0u64; M];
        for (i, &l) in self.0.iter().enumerate() {
            match limbs.get_mut(i) {
                Some(slot) => *slot = l,
                None if l != 0 => return None,
                None => {}
            }
        }
        Some(Wide(limbs))
    }

    /// The limbs, least significant first.
    #[cfg(test)]
    pub(crate) fn limbs_le(&self) -> [u64; N] {
        self.0
    }

    /// True when zero.
    pub(crate) fn is_zero(&self) -> bool {
        self.0.iter().all(|&l| l == 0)
    }

    /// True when odd.
    pub(crate) fn is_odd(&self) -> bool {
        self.0.first().is_some_and(|l| l & 1 == 1)
    }

    /// Number of significant bits (0 for zero).
    fn bits(&self) -> u32 {
        for (i, &l) in self.0.iter().enumerate().rev() {
            if l != 0 {
                // i < N, and N is small, so the cast cannot truncate.
                return (i as u32) * 64 + (64 - l.leading_zeros());
            }
        }
        0
    }

    /// Shifts left by `k` bits; bits shifted out are lost (callers make sure
    /// there are none).
    fn shl(self, k: u32) -> Self {
        let limb_shift = (k / 64) as usize;
        let bit_shift = k % 64;
        let mut out = [0u64; N];
        for (i, o) in out.iter_mut().enumerate() {
            let Some(src) = i.checked_sub(limb_shift) else {
                continue;
            };
            let hi = self.0.get(src).copied().unwrap_or(0);
            let lo = src
                .checked_sub(1)
                .and_then(|j| self.0.get(j).copied())
                .unwrap_or(0);
            *o = if bit_shift == 0 {
                hi
            } else {
                (hi << bit_shift) | (lo >> (64 - bit_shift))
            };
        }
        Self(out)
    }

    /// Shifts right by one bit.
    fn shr1(self) -> Self {
        let mut out = [0u64; N];
        let mut carry = 0u64;
        for (o, &l) in out.iter_mut().zip(self.0.iter()).rev() {
            *o = (l >> 1) | (carry << 63);
            carry = l & 1;
        }
        Self(out)
    }

    /// Sets bit `k`.
    fn set_bit(&mut self, k: u32) {
        if let Some(l) = self.0.get_mut((k / 64) as usize) {
            *l |= 1u64 << (k % 64);
        }
    }

    /// Greatest common divisor (Euclid).
    pub(crate) fn gcd(self, other: Self) -> Self {
        let (mut a, mut b) = (self, other);
        while !b.is_zero() {
            let r = match a.div_rem(b) {
                Some((_, r)) => r,
                None => break,
            };
            a = b;
            b = r;
        }
        a
    }
}

impl<const N: usize> Ord for Wide<N> {
    fn cmp(&self, other: &Self) -> Ordering {
        self.0.iter().rev().cmp(other.0.iter().rev())
    }
}

impl<const N: usize> PartialOrd for Wide<N> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl<const N: usize> Int for Wide<N> {
    const ZERO: Self = Self([0; N]);

    fn from_u128(v: u128) -> Option<Self> {
        let mut limbs = [0u64; N];
        let lo = v as u64;
        let hi = (v >> 64) as u64;
        match limbs.get_mut(0) {
            Some(l) => *l = lo,
            None if v != 0 => return None,
            None => {}
        }
        match limbs.get_mut(1) {
            Some(l) => *l = hi,
            None if hi != 0 => return None,
            None => {}
        }
        Some(Self(limbs))
    }

    fn to_u128(self) -> Option<u128> {
        if self.0.iter().skip(2).any(|&l| l != 0) {
            return None;
        }
        let lo = u128::from(self.0.first().copied().unwrap_or(0));
        let hi = u128::from(self.0.get(1).copied().unwrap_or(0));
        Some(lo | (hi << 64))
    }

    fn checked_add(self, other: Self) -> Option<Self> {
        let mut out = [0u64; N];
        let mut carry = false;
        for ((o, &a), &b) in out.iter_mut().zip(self.0.iter()).zip(other.0.iter()) {
            let (s1, c1) = a.overflowing_add(b);
            let (s2, c2) = s1.overflowing_add(u64::from(carry));
            *o = s2;
            carry = c1 || c2;
        }
        if carry {
            None
        } else {
            Some(Self(out))
        }
    }

    fn checked_sub(self, other: Self) -> Option<Self> {
        let mut out = [0u64; N];
        let mut borrow = false;
        for ((o, &a), &b) in out.iter_mut().zip(self.0.iter()).zip(other.0.iter()) {
            let (d1, b1) = a.overflowing_sub(b);
            let (d2, b2) = d1.overflowing_sub(u64::from(borrow));
            *o = d2;
            borrow = b1 || b2;
        }
        if borrow {
            None
        } else {
            Some(Self(out))
        }
    }

    fn checked_mul(self, other: Self) -> Option<Self> {
        // Only the limbs in use take part: schoolbook multiplication of la x lb limbs.
        let (la, lb) = (self.limbs(), other.limbs());
        let mut out = [0u64; N];
        for (i, &a) in self.0.iter().enumerate().take(la) {
            if a == 0 {
                continue;
            }
            let mut carry: u128 = 0;
            for (j, &b) in other.0.iter().enumerate().take(lb) {
                // a * b + carry + slot <= (2^64 - 1)^2 + 2 (2^64 - 1) = 2^128 - 1.
                let prod = u128::from(a) * u128::from(b) + carry;
                match out.get_mut(i + j) {
                    Some(slot) => {
                        let t = prod + u128::from(*slot);
                        *slot = t as u64;
                        carry = t >> 64;
                    }
                    None if prod != 0 => return None,
                    None => carry = 0,
                }
            }
            // Rows before this one wrote up to limb i + lb - 1, so limb i + lb is still zero.
            if carry != 0 {
                *out.get_mut(i + lb)? = carry as u64;
            }
        }
        Some(Self(out))
    }

    /// Long division by 64-bit limbs (Knuth's algorithm D): one estimated quotient limb per
    /// step, corrected at most twice, so the cost is that of the limbs actually in use.
    fn div_rem(self, d: Self) -> Option<(Self, Self)> {
        if d.is_zero() {
            return None;
        }
        if self < d {
            return Some((Self::ZERO, self));
        }
        let n = d.limbs();
        if n <= 1 {
            return Some(self.div_rem_limb(d.0.first().copied().unwrap_or(0)));
        }
        if N >= SCRATCH {
            return self.div_rem_bits(d);
        }
        self.div_rem_knuth(d, n)
    }
}

/// Room for a dividend of up to `SCRATCH - 1` limbs and its normalization carry.
const SCRATCH: usize = 17;

const LIMB: u128 = 1 << 64;

impl<const N: usize> Wide<N> {
    /// Number of significant limbs (0 for zero).
    fn limbs(&self) -> usize {
        self.0.iter().rposition(|&l| l != 0).map_or(0, |i| i + 1)
    }

    /// Division by a single non-zero limb.
    fn div_rem_limb(self, d: u64) -> (Self, Self) {
        let d = u128::from(d);
        let mut q = [0u64; N];
        let mut rem: u128 = 0;
        for (ql, &l) in q.iter_mut().zip(self.0.iter()).rev() {
            let cur = (rem << 64) | u128::from(l);
            // rem < d, so cur / d < 2^64.
            *ql = (cur / d) as u64;
            rem = cur % d;
        }
        (Self(q), Self::from_u64(rem as u64))
    }

    /// Knuth's algorithm D for a divisor of `n >= 2` limbs, `d <= self`, `N < SCRATCH`.
    fn div_rem_knuth(self, d: Self, n: usize) -> Option<(Self, Self)> {
        let m = self.limbs();
        let top = d.0.get(n - 1).copied()?;
        let s = top.leading_zeros();
        // Normalize: shift both so the divisor's top limb has its high bit set.
        let vn = d.shl(s);
        let mut un = [0u64; SCRATCH];
        for (i, u) in un.iter_mut().enumerate().take(m + 1) {
            let hi = self.0.get(i).copied().unwrap_or(0);
            let lo = i
                .checked_sub(1)
                .and_then(|j| self.0.get(j))
                .copied()
                .unwrap_or(0);
            *u = if s == 0 {
                hi
            } else {
                (hi << s) | (lo >> (64 - s))
            };
        }
        let v_hi = u128::from(vn.0.get(n - 1).copied()?);
        let v_next = u128::from(vn.0.get(n - 2).copied()?);
        let mut q = [0u64; N];
        for j in (0..=m - n).rev() {
            let window = un.get_mut(j..=j + n)?;
            let (u_top, u_mid, u_low) = match window {
                [.., a, b, c] => (u128::from(*c), u128::from(*b), u128::from(*a)),
                _ => return None,
            };
            let num = (u_top << 64) | u_mid;
            let mut qhat = num / v_hi;
            let mut rhat = num % v_hi;
            while qhat >= LIMB || qhat * v_next > ((rhat << 64) | u_low) {
                qhat -= 1;
                rhat += v_hi;
                if rhat >= LIMB {
                    break;
                }
            }
            // Multiply and subtract: window -= qhat * vn.
            let mut borrow: i128 = 0;
            let (last, body) = window.split_last_mut()?;
            for (u, &v) in body.iter_mut().zip(vn.0.iter()) {
                let p = qhat * u128::from(v);
                let t = i128::from(*u) - borrow - i128::from(p as u64);
                *u = t as u64;
                borrow = (p >> 64) as i128 - (t >> 64);
            }
            let t = i128::from(*last) - borrow;
            *last = t as u64;
            if t < 0 {
                // qhat was one too large: add the divisor back.
                qhat -= 1;
                let mut carry: u128 = 0;
                for (u, &v) in body.iter_mut().zip(vn.0.iter()) {
                    let t = u128::from(*u) + u128::from(v) + carry;
                    *u = t as u64;
                    carry = t >> 64;
                }
                *last = last.wrapping_add(carry as u64);
            }
            *q.get_mut(j)? = qhat as u64;
        }
        // Unnormalize the remainder.
        let mut r = [0u64; N];
        for (i, o) in r.iter_mut().enumerate().take(n) {
            let lo = un.get(i).copied().unwrap_or(0);
            let hi = un.get(i + 1).copied().unwrap_or(0);
            *o = if s == 0 {
                lo
            } else {
                (lo >> s) | (hi << (64 - s))
            };
        }
        Some((Self(q), Self(r)))
    }

    /// Shift-and-subtract division, one quotient bit per step: the reference the limb division
    /// is tested against, and the fallback for widths beyond its scratch space.
    fn div_rem_bits(self, d: Self) -> Option<(Self, Self)> {
        if d.is_zero() {
            return None;
        }
        if self < d {
            return Some((Self::ZERO, self));
        }
        let shift = self.bits() - d.bits();
        let mut ds = d.shl(shift);
        let mut rem = self;
        let mut q = Self::ZERO;
        for k in (0..=shift).rev() {
            if let Some(r) = rem.checked_sub(ds) {
                rem = r;
                q.set_bit(k);
            }
            ds = ds.shr1();
        }
        Some((q, rem))
    }
}

/// Ten to the power `k`, exactly, or `None` if it does not fit.
pub(crate) fn pow10<I: Int>(k: u32) -> Option<I> {
    // Up to 10^38 from a u128 in one step; beyond, by repeated multiplication.
    const IN_U128: u32 = 38;
    let ten = I::from_u128(10)?;
    let mut acc = I::from_u128(10u128.pow(k.min(IN_U128)))?;
    for _ in IN_U128..k {
        acc = acc.checked_mul(ten)?;
    }
    Some(acc)
}

/// `n / d` rounded half to even, `None` when `d` is zero.
pub(crate) fn div_half_even<const N: usize>(n: Wide<N>, d: Wide<N>) -> Option<Wide<N>> {
    let (q, r) = n.div_rem(d)?;
    // Compare 2r with d without overflowing: r >= d - r.
    let rest = d.checked_sub(r)?;
    let round_up = match r.cmp(&rest) {
        Ordering::Greater => true,
        Ordering::Equal => q.is_odd(),
        Ordering::Less => false,
    };
    if round_up {
        q.checked_add(Wide::one())
    } else {
        Some(q)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    type W = Wide<4>;

    fn w(v: u128) -> W {
        W::from_u128(v).unwrap()
    }

    #[test]
    fn arithmetic_matches_u128() {
        let samples = [
            0u128,
            1,
            2,
            3,
            7,
            10,
            255,
            u64::MAX as u128,
            u64::MAX as u128 + 1,
            123_456_789_012_345_678_901_234_567,
            u128::MAX / 3,
        ];
        for &a in &samples {
            for &b in &samples {
                if let Some(s) = a.checked_add(b) {
                    assert_eq!(w(a).checked_add(w(b)).unwrap().to_u128(), Some(s));
                }
                if let Some(p) = a.checked_mul(b) {
                    assert_eq!(w(a).checked_mul(w(b)).unwrap().to_u128(), Some(p));
                }
                if b != 0 {
                    let (q, r) = w(a).div_rem(w(b)).unwrap();
                    assert_eq!((q.to_u128(), r.to_u128()), (Some(a / b), Some(a % b)));
                }
                if a >= b {
                    assert_eq!(w(a).checked_sub(w(b)).unwrap().to_u128(), Some(a - b));
                } else {
                    assert!(w(a).checked_sub(w(b)).is_none());
                }
                assert_eq!(w(a).cmp(&w(b)), a.cmp(&b));
            }
        }
    }

    #[test]
    fn wide_products_and_quotients_round_trip() {
        let a = w(u128::MAX);
        let b = w(u128::MAX - 12345);
        let p = a.checked_mul(b).unwrap();
        let (q, r) = p.div_rem(b).unwrap();
        assert_eq!(q, a);
        assert!(r.is_zero());
        let (q, r) = p.checked_add(w(77)).unwrap().div_rem(a).unwrap();
        assert_eq!(q, b);
        assert_eq!(r, w(77));
    }

    /// xorshift64*: deterministic samples of every width.
    fn samples<const M: usize>(count: usize) -> Vec<Wide<M>> {
        let mut x = 0x9e37_79b9_7f4a_7c15_u64;
        let mut next = move || {
            x ^= x >> 12;
            x ^= x << 25;
            x ^= x >> 27;
            x.wrapping_mul(0x2545_f491_4f6c_dd1d)
        };
        (0..count)
            .map(|_| {
                let len = (next() % (M as u64 + 1)) as usize;
                let mut limbs = [0u64; M];
                for l in limbs.iter_mut().take(len) {
                    *l = match next() % 4 {
                        0 => u64::MAX,
                        1 => next() >> (next() % 64),
                        _ => next(),
                    };
                }
                Wide(limbs)
            })
            .collect()
    }

    fn limb_division_matches_bit_division<const M: usize>() {
        let xs = samples::<M>(300);
        for a in &xs {
            for b in xs.iter().take(60) {
                let fast = a.div_rem(*b);
                assert_eq!(fast, a.div_rem_bits(*b), "{a:?} / {b:?}");
                if let Some((q, r)) = fast {
                    assert!(r < *b);
                    assert_eq!(q.checked_mul(*b).and_then(|p| p.checked_add(r)), Some(*a));
                }
            }
        }
    }

    #[test]
    fn limb_division_matches_bit_division_on_edge_limbs() {
        // Limbs at the edges of the quotient estimate, where the add-back step happens.
        const EDGES: [u64; 5] = [0, 1, u64::MAX, u64::MAX - 1, 1 << 63];
        let pick = |mut k: usize, len: usize| {
            let mut limbs = [0u64; 4];
            for l in limbs.iter_mut().take(len) {
                *l = EDGES.get(k % EDGES.len()).copied().unwrap_or(0);
                k /= EDGES.len();
            }
            Wide(limbs)
        };
        for a in (0..EDGES.len().pow(4)).map(|k| pick(k, 4)) {
            for b in (0..EDGES.len().pow(3)).map(|k| pick(k, 3)) {
                assert_eq!(a.div_rem(b), a.div_rem_bits(b), "{a:?} / {b:?}");
            }
        }
    }

    #[test]
    fn limb_division_matches_bit_division_at_every_width() {
        limb_division_matches_bit_division::<2>();
        limb_division_matches_bit_division::<4>();
        limb_division_matches_bit_division::<6>();
        limb_division_matches_bit_division::<16>();
    }

    /// The multiplication the limb-bounded `checked_mul` replaced, kept as its reference.
    fn mul_reference<const M: usize>(a: Wide<M>, b: Wide<M>) -> Option<Wide<M>> {
        let mut out = [0u64; M];
        for (i, &x) in a.0.iter().enumerate() {
            let mut carry: u128 = 0;
            for (j, &y) in b.0.iter().enumerate() {
                let prod = u128::from(x) * u128::from(y) + carry;
                match out.get_mut(i + j) {
                    Some(slot) => {
                        let t = prod + u128::from(*slot);
                        *slot = t as u64;
                        carry = t >> 64;
                    }
                    None if prod != 0 => return None,
                    None => carry = 0,
                }
            }
            if carry != 0 {
                return None;
            }
        }
        Some(Wide(out))
    }

    #[test]
    fn multiplication_matches_the_reference() {
        let xs = samples::<6>(200);
        for a in &xs {
            for b in &xs {
                assert_eq!(a.checked_mul(*b), mul_reference(*a, *b), "{a:?} * {b:?}");
            }
        }
    }

    #[test]
    fn overflow_is_reported() {
        let big = pow10::<W>(70).unwrap();
        assert!(big.checked_mul(big).is_none());
        assert!(pow10::<W>(78).is_none());
        assert!(pow10::<u128>(39).is_none());
        let max = Wide::<4>([u64::MAX; 4]);
        assert!(max.checked_add(W::one()).is_none());
    }

    #[test]
    fn half_even_and_gcd() {
        assert_eq!(div_half_even(w(5), w(2)).unwrap(), w(2));
        assert_eq!(div_half_even(w(7), w(2)).unwrap(), w(4));
        assert_eq!(div_half_even(w(7), w(3)).unwrap(), w(2));
        assert_eq!(div_half_even(w(8), w(3)).unwrap(), w(3));
        assert_eq!(w(84).gcd(w(36)), w(12));
        assert_eq!(w(0).gcd(w(5)), w(5));
    }
}
