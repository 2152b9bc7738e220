//! Splits that a company could write are computed exactly, whatever their size: up to 100
//! roles, any number of members, and any decimals a `Decimal` holds (28 places, 96-bit
//! mantissas). Each result is checked against the rules computed independently here on exact
//! rationals: it sums to the pool, every line is within one minor unit of its exact share, the
//! leftover units went to the largest remainders (ties to the smaller `(id, role)`), and every
//! line's explanation adds up.
#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

use std::collections::BTreeMap;

use chrono::{Duration, NaiveDate};
use ltc_incentive::{split, Error, Member, Split, SplitRequest, VacantRoles, Window};
use num_bigint::BigInt;
use num_rational::BigRational;
use num_traits::{One, Signed, Zero};
use proptest::prelude::*;
use rust_decimal::Decimal;
use rust_decimal_macros::dec;

fn day(m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, m, d).unwrap()
}

/// The first half of 2026: 181 days.
fn half_year() -> Window {
    Window::new(day(1, 1), day(7, 1))
}

fn rat(d: Decimal) -> BigRational {
    BigRational::new(BigInt::from(d.mantissa()), BigInt::from(10).pow(d.scale()))
}

fn dec(text: &str) -> Decimal {
    text.parse().unwrap()
}

/// The exact share of every `(id, role)` and of `retained`, from the formulas of
/// `docs/incentive.md`, on rationals.
fn exact_shares(r: &SplitRequest) -> (BTreeMap<(String, String), BigRational>, BigRational) {
    let window_days = r.window.days();
    let weight = |m: &Member| {
        let from = m.joined.map_or(r.window.start, |j| j.max(r.window.start));
        let to = m.left.map_or(r.window.end, |l| l.min(r.window.end));
        let days = (to - from).num_days().max(0);
        let participation = if r.prorate_by_time {
            BigRational::new(days.into(), window_days.into())
        } else {
            BigRational::one()
        };
        rat(m.contribution) * rat(m.involvement) * participation
    };
    let mut sums: BTreeMap<&str, BigRational> = BTreeMap::new();
    for m in &r.members {
        *sums
            .entry(m.role.as_str())
            .or_insert_with(BigRational::zero) += weight(m);
    }
    let active = |role: &str| {
        r.roles[role] > Decimal::ZERO && sums.get(role).is_some_and(|s| s.is_positive())
    };
    let counted: BigRational = r
        .roles
        .iter()
        .filter(|(name, _)| r.vacant_roles == VacantRoles::Retain || active(name))
        .map(|(_, &w)| rat(w))
        .sum();
    let pool = rat(r.pool);
    let mut lines = BTreeMap::new();
    for m in &r.members {
        let share = if active(&m.role) {
            &pool * rat(r.roles[&m.role]) / &counted * weight(m) / &sums[m.role.as_str()]
        } else {
            BigRational::zero()
        };
        lines.insert((m.id.to_string(), m.role.clone()), share);
    }
    let retained = if r.vacant_roles == VacantRoles::Retain {
        r.roles
            .iter()
            .filter(|(name, _)| !active(name))
            .map(|(_, &w)| &pool * rat(w) / &counted)
            .sum()
    } else {
        BigRational::zero()
    };
    (lines, retained)
}

/// Checks `s` against the rules for `r`, independently of how `split` computes.
fn check(r: &SplitRequest, s: &Split) {
    let unit = BigRational::new(BigInt::one(), BigInt::from(10).pow(r.scale));
    let (exact, exact_retained) = exact_shares(r);
    // Every split sums to its pool, to the minor unit.
    let total: Decimal = s.people.iter().map(|p| p.amount).sum::<Decimal>() + s.retained;
    assert_eq!(total, r.pool, "sums to the pool");
    // (amount, exact) of every line in `(id, role)` order, `retained` last.
    let mut lines: Vec<(BigRational, BigRational)> = Vec::new();
    for p in &s.people {
        let mut person = Decimal::ZERO;
        for l in &p.lines {
            let want = &exact[&(p.id.to_string(), l.role.to_string())];
            assert_eq!(l.amount.scale(), r.scale);
            // The explanation adds up: the adjustment exactly, the exact share to the
            // digits it is shown with.
            assert_eq!(rat(l.adjustment), rat(l.amount) - rat(l.exact_share));
            let shown =
                BigRational::new(BigInt::one(), BigInt::from(10).pow(l.exact_share.scale()));
            assert!(
                (rat(l.exact_share) - want).abs() * BigRational::from_integer(2.into()) <= shown,
                "{} {}: exact share {} shown for {}",
                p.id,
                l.role,
                l.exact_share,
                want
            );
            person += l.amount;
            lines.push((rat(l.amount), want.clone()));
        }
        assert_eq!(person, p.amount);
        assert_eq!(p.amount - p.held, p.payable);
    }
    assert_eq!(lines.len(), r.members.len());
    lines.push((rat(s.retained), exact_retained));
    // Each line within one minor unit of its exact share: its floor, or one unit more.
    let mut up = Vec::new();
    let mut down = Vec::new();
    for (i, (amount, want)) in lines.iter().enumerate() {
        let units = want / &unit;
        let floor = units.floor();
        let fraction = &units - &floor;
        let got = amount / &unit;
        if got == floor {
            down.push((fraction, i));
        } else {
            assert_eq!(
                got,
                floor + BigRational::one(),
                "line {i} is not within a unit"
            );
            assert!(
                fraction.is_positive(),
                "line {i} rounded up from a whole share"
            );
            up.push((fraction, i));
        }
    }
    // The leftover units went to the largest remainders, ties to the earlier line.
    if let (Some(smallest_up), Some(largest_down)) = (
        up.iter().min_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1))),
        down.iter().max_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1))),
    ) {
        assert!(
            smallest_up.0 > largest_down.0
                || (smallest_up.0 == largest_down.0 && smallest_up.1 < largest_down.1),
            "a larger remainder was passed over"
        );
    }
}

/// Six roles of one member each, contributions and involvements with 28 decimals: refused
/// with `overflow` when the common denominator had to fit 1,024 bits.
fn six_roles() -> SplitRequest {
    let mut r = SplitRequest::new(dec!(1000.00), half_year());
    let contributions = [
        "0.1234567890123456789012345678",
        "0.9876543210987654321098765432",
        "0.3141592653589793238462643383",
        "0.2718281828459045235360287471",
        "0.1414213562373095048801688724",
        "0.5772156649015328606065120901",
    ];
    let involvements = [
        "0.9999999999999999999999999999",
        "0.1234567890123456789012345678",
        "0.7071067811865475244008443621",
        "0.6931471805599453094172321215",
        "0.5000000000000000000000000001",
        "0.8660254037844386467637231707",
    ];
    for k in 0..6 {
        let role = format!("R{}", k + 1);
        r = r.role(role.clone(), Decimal::from(k + 1)).member(
            Member::new(format!("m{}", k + 1), role, dec(contributions[k]))
                .involvement(dec(involvements[k])),
        );
    }
    r
}

#[test]
fn six_roles_with_28_decimals_give_the_hand_computed_split() {
    let r = six_roles();
    let s = split(&r).unwrap();
    check(&r, &s);
    // One member a role: each gets the role's share, 1000.00 x k / 21. The floors
    // 47.61, 95.23, 142.85, 190.47, 238.09, 285.71 sum to 999.96; the remainders, in 21sts of a
    // cent, are 19, 17, 15, 13, 11 and 9, so the four cents left go to the first four roles.
    let amounts: Vec<Decimal> = s.people.iter().map(|p| p.amount).collect();
    assert_eq!(
        amounts,
        [
            dec!(47.62),
            dec!(95.24),
            dec!(142.86),
            dec!(190.48),
            dec!(238.09),
            dec!(285.71)
        ]
    );
    let first = &s.people[0].lines[0];
    assert_eq!(first.exact_share, dec!(47.619047619047619047619047619));
    assert_eq!(first.adjustment, dec!(0.000952380952380952380952381));
    assert_eq!(first.role_share, dec!(0.0476190476190476190476190476));
    assert_eq!(s.retained, dec!(0.00));
}

/// 35 roles of two members each with 4-decimal contributions (measured scores such as
/// 4821.3907), involvements from 0.50 to 1.00, a third joining late: refused with `overflow`
/// when the common denominator had to fit 1,024 bits.
fn thirty_five_roles() -> SplitRequest {
    let mut r = SplitRequest::new(dec!(1000.00), half_year()).holdback(dec!(0.15));
    let mut x: u64 = 0x35_0002;
    let mut next = move || {
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    };
    for k in 0..35u32 {
        let role = format!("role{k:02}");
        r = r.role(role.clone(), Decimal::from(1 + next() % 50));
        for j in 0..2u32 {
            let contribution = Decimal::new((10_000_000 + next() % 90_000_000) as i64, 4);
            let mut m = Member::new(format!("p{k:02}{j}"), role.clone(), contribution)
                .involvement(Decimal::new((50 + next() % 51) as i64, 2));
            if next() % 3 == 0 {
                m = m.joined(day(1 + (next() % 6) as u32, 1 + (next() % 28) as u32));
            }
            r = r.member(m);
        }
    }
    r
}

#[test]
fn thirty_five_roles_of_two_split_exactly() {
    let r = thirty_five_roles();
    let s = split(&r).unwrap();
    check(&r, &s);
    assert_eq!(s.people.len(), 70);
}

#[test]
fn a_small_hand_checked_case_with_many_decimals_inside_roles() {
    // Two members in one role, weights 0.1234567890123456789012345678 and twice that: the
    // pool goes one third and two thirds, 33.33 and 66.67 (the cent to the larger
    // remainder, 2/3 of a cent against 1/3), beside a second role of one member.
    let c = dec("0.1234567890123456789012345678");
    let r = SplitRequest::new(dec!(200.00), half_year())
        .role("A", dec!(1))
        .role("B", dec!(1))
        .member(Member::new("x", "A", c))
        .member(Member::new("y", "A", c * dec!(2)))
        .member(Member::new("z", "B", dec!(0.0000000000000000000000000001)));
    let s = split(&r).unwrap();
    check(&r, &s);
    assert_eq!(s.amount_of("x"), dec!(33.33));
    assert_eq!(s.amount_of("y"), dec!(66.67));
    assert_eq!(s.amount_of("z"), dec!(100.00));
}

#[test]
fn only_a_result_that_cannot_be_represented_overflows() {
    // The pool in minor units beyond a Decimal's 96-bit mantissa: the result itself cannot be
    // written, so it is refused, and the error says what.
    let r = six_roles().pool(Decimal::MAX);
    assert_eq!(
        split(&r),
        Err(Error::Overflow {
            what: "the pool in minor units"
        })
    );
    // The largest pool that can be written at the scale splits, with 28-decimal weights.
    let r = six_roles().pool(Decimal::from_i128_with_scale((1 << 96) - 1, 2));
    check(&r, &split(&r).unwrap());
}

/// A decimal of any scale (0 to 28) and mantissa (up to 96 bits), of either kind: small and
/// round, or with every digit used.
fn any_decimal() -> impl Strategy<Value = Decimal> {
    prop_oneof![
        (0i64..1000, 0u32..4).prop_map(|(m, s)| Decimal::new(m, s)),
        (0u128..(1 << 96), 0u32..=28)
            .prop_map(|(m, s)| Decimal::from_i128_with_scale(m as i128, s)),
        (0u128..10_000_000_000, 20u32..=28)
            .prop_map(|(m, s)| Decimal::from_i128_with_scale(m as i128, s)),
    ]
}

/// An involvement in [0, 1] at any scale.
fn involvement() -> impl Strategy<Value = Decimal> {
    (0u32..=28).prop_flat_map(|s| {
        let top = 10i128.pow(s);
        (0..=top).prop_map(move |m| Decimal::from_i128_with_scale(m, s))
    })
}

prop_compose! {
    fn member(roles: usize)(
        role in 0..roles,
        contribution in any_decimal(),
        involvement in involvement(),
        joined in proptest::option::of(0i64..200),
        stay in proptest::option::of(0i64..200),
    ) -> (usize, Decimal, Decimal, Option<i64>, Option<i64>) {
        (role, contribution, involvement, joined, stay)
    }
}

fn request() -> impl Strategy<Value = SplitRequest> {
    (1usize..=100)
        .prop_flat_map(|roles| {
            (
                proptest::collection::vec(any_decimal(), roles),
                proptest::collection::vec(member(roles), 1..=120),
                0u128..(1 << 60),
                0u32..=6,
                any::<bool>(),
                any::<bool>(),
            )
        })
        .prop_map(|(weights, members, units, scale, retain, prorate)| {
            let start = day(1, 1);
            let mut r = SplitRequest::new(
                Decimal::from_i128_with_scale(units as i128, scale),
                half_year(),
            )
            .scale(scale)
            .prorate_by_time(prorate)
            .vacant_roles(if retain {
                VacantRoles::Retain
            } else {
                VacantRoles::Redistribute
            });
            for (k, w) in weights.iter().enumerate() {
                r = r.role(format!("r{k:02}"), *w);
            }
            for (i, (role, c, inv, joined, stay)) in members.into_iter().enumerate() {
                let mut m =
                    Member::new(format!("m{i:03}"), format!("r{role:02}"), c).involvement(inv);
                m.joined = joined.map(|j| start + Duration::days(j));
                m.left = stay.map(|s| m.joined.unwrap_or(start) + Duration::days(s));
                r = r.member(m);
            }
            r
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(
        std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(64)
    ))]

    /// No size of split is refused: up to 100 roles with arbitrary-scale weights,
    /// contributions and involvements, every split that has someone to pay is computed,
    /// exactly.
    #[test]
    fn random_splits_never_overflow_and_sum_to_the_pool(r in request()) {
        match split(&r) {
            Ok(s) => check(&r, &s),
            // Nobody to pay: every weight zero, or only in roles of weight zero.
            Err(Error::NoPositiveWeight | Error::NoActiveRole) => {}
            Err(e) => prop_assert!(false, "{e}"),
        }
    }
}

/// 100 roles and 100,000 members with contributions and involvements of 28 decimals: slow in a
/// debug build, so run it with
/// `cargo test --release -p ltc-incentive --test exact_at_any_size -- --ignored`.
#[test]
#[ignore = "large: cargo test --release -p ltc-incentive --test exact_at_any_size -- --ignored"]
fn a_hundred_thousand_members_in_a_hundred_roles_with_28_decimals() {
    let mut r = SplitRequest::new(dec!(1234567.89), half_year()).holdback(dec!(0.1));
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    };
    for k in 0..100 {
        r = r.role(
            format!("r{k:02}"),
            Decimal::from_i128_with_scale(i128::from(1 + next() % 1_000_000), 4),
        );
    }
    for i in 0..100_000u64 {
        let c = Decimal::from_i128_with_scale(i128::from(next() >> 4), 28);
        let inv = Decimal::from_i128_with_scale(i128::from(next() % 10_000_000_000), 10);
        let mut m =
            Member::new(format!("m{i:06}"), format!("r{:02}", next() % 100), c).involvement(inv);
        if next() % 3 == 0 {
            m = m.joined(day(1 + (next() % 6) as u32, 1 + (next() % 28) as u32));
        }
        r = r.member(m);
    }
    let s = split(&r).unwrap();
    check(&r, &s);
}
