//! Property tests, driven by the crate's own `strategies` (feature `proptest`).
#![cfg(feature = "proptest")]
#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

use std::collections::BTreeMap;

use ltc_incentive::{allocate, split, strategies, tranches, Payment, Split, Tranche};
use proptest::prelude::*;
use rust_decimal::{Decimal, RoundingStrategy};

/// `(mantissa, scale)` of every weight aligned to one scale, as `i128`.
fn aligned(ws: &[Decimal]) -> Vec<i128> {
    let s = ws.iter().map(Decimal::scale).max().unwrap_or(0);
    ws.iter()
        .map(|w| w.mantissa() * 10i128.pow(s - w.scale()))
        .collect()
}

fn units(d: Decimal, scale: u32) -> i128 {
    let mut d = d;
    d.rescale(scale);
    d.mantissa()
}

fn totals(s: &Split) -> BTreeMap<String, (Decimal, Decimal, Decimal)> {
    s.people
        .iter()
        .map(|p| (p.id.to_string(), (p.amount, p.held, p.payable)))
        .collect()
}

fn sum_tranches(ts: &[Tranche]) -> BTreeMap<String, (Decimal, Decimal, Decimal)> {
    let mut out: BTreeMap<String, (Decimal, Decimal, Decimal)> = BTreeMap::new();
    for t in ts {
        for p in &t.people {
            let e = out.entry(p.id.clone()).or_default();
            e.0 += p.amount;
            e.1 += p.held;
            e.2 += p.payable;
        }
    }
    out
}

/// Drops people whose totals are all zero, for comparing states.
fn non_zero(
    m: BTreeMap<String, (Decimal, Decimal, Decimal)>,
) -> BTreeMap<String, (Decimal, Decimal, Decimal)> {
    m.into_iter()
        .filter(|(_, (a, h, p))| !(a.is_zero() && h.is_zero() && p.is_zero()))
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn allocate_sums_and_stays_within_one_unit(
        amount in strategies::amount(2),
        ws in strategies::weights(40),
    ) {
        let parts = allocate(amount, &ws, 2).unwrap();
        prop_assert_eq!(parts.len(), ws.len());
        prop_assert_eq!(parts.iter().sum::<Decimal>(), amount);
        let w = aligned(&ws);
        let total: i128 = w.iter().sum();
        let a = units(amount, 2);
        for (p, wi) in parts.iter().zip(&w) {
            prop_assert_eq!(p.scale(), 2);
            // |part - amount x w / W| < one unit, in integers.
            prop_assert!((units(*p, 2) * total - a * wi).abs() < total);
            if *wi == 0 {
                prop_assert!(p.is_zero());
            }
        }
    }

    #[test]
    fn allocate_ignores_the_scale_of_the_weights(
        amount in strategies::amount(2),
        ws in strategies::weights(20),
        k in 1i64..1000,
        shift in 0u32..6,
    ) {
        let factor = Decimal::new(k, shift);
        let scaled: Vec<Decimal> = ws.iter().map(|w| *w * factor).collect();
        prop_assert_eq!(allocate(amount, &scaled, 2).unwrap(), allocate(amount, &ws, 2).unwrap());
    }

    #[test]
    fn allocate_of_a_negative_amount_mirrors(
        amount in strategies::amount(2),
        ws in strategies::weights(20),
    ) {
        let neg: Vec<Decimal> = allocate(-amount, &ws, 2).unwrap();
        let pos: Vec<Decimal> = allocate(amount, &ws, 2).unwrap().into_iter().map(|p| -p).collect();
        prop_assert_eq!(neg, pos);
    }

    #[test]
    fn split_sums_explains_and_rounds_once(request in strategies::split_request()) {
        let s = split(&request).unwrap();
        let unit = Decimal::new(1, 2);
        let total = s.people.iter().map(|p| p.amount).sum::<Decimal>() + s.retained;
        prop_assert_eq!(total, request.pool);
        prop_assert!(s.people.windows(2).all(|w| w[0].id < w[1].id));
        for p in &s.people {
            prop_assert_eq!(p.lines.iter().map(|l| l.amount).sum::<Decimal>(), p.amount);
            prop_assert_eq!(p.held + p.payable, p.amount);
            let held = (p.amount * request.holdback)
                .round_dp_with_strategy(2, RoundingStrategy::MidpointNearestEven);
            prop_assert_eq!(p.held, held);
            for l in &p.lines {
                prop_assert!(l.adjustment.abs() < unit, "{:?}", l);
                prop_assert_eq!(l.amount, l.exact_share + l.adjustment);
                prop_assert!(l.amount >= Decimal::ZERO);
                let idle = l.contribution.is_zero()
                    || l.involvement.is_zero()
                    || (request.prorate_by_time && l.days == 0);
                if idle {
                    prop_assert!(l.amount.is_zero());
                }
            }
        }
    }

    #[test]
    fn split_does_not_depend_on_member_order(
        (request, shuffled) in strategies::split_request()
            .prop_flat_map(|r| (Just(r.clone()), Just(r.members).prop_shuffle()))
    ) {
        let mut other = request.clone();
        other.members = shuffled;
        prop_assert_eq!(split(&other).unwrap(), split(&request).unwrap());
    }

    #[test]
    fn split_ignores_the_scale_of_weights(
        request in strategies::split_request(),
        k in 1i64..500,
        shift in 0u32..4,
        m in 1i64..500,
    ) {
        let mut scaled = request.clone();
        let f = Decimal::new(k, shift);
        for w in scaled.roles.values_mut() {
            *w *= f;
        }
        let g = Decimal::new(m, 1);
        for member in &mut scaled.members {
            member.contribution *= g;
        }
        let a = split(&request).unwrap();
        let b = split(&scaled).unwrap();
        prop_assert_eq!(a.retained, b.retained);
        prop_assert_eq!(totals(&a), totals(&b));
    }

    #[test]
    fn tranches_sum_to_the_final_split(
        request in strategies::split_request(),
        rule in strategies::pool_rule(),
        payments in strategies::payment_history(8),
    ) {
        let ts = tranches(&request, &rule, &payments).unwrap();
        prop_assert_eq!(ts.len(), payments.len());
        // No payment, no tranche (not even on the contract basis).
        prop_assume!(!payments.is_empty());
        let collected: Decimal = payments.iter().map(|p| p.amount).sum();
        let mut last = request.clone();
        last.pool = rule.earned(collected, 2).unwrap();
        let target = split(&last).unwrap();
        prop_assert_eq!(non_zero(sum_tranches(&ts)), non_zero(totals(&target)));
        let retained: Decimal = ts.iter().map(|t| t.retained).sum();
        prop_assert_eq!(retained, target.retained);
        if let Some(t) = ts.last() {
            prop_assert_eq!(t.pool, last.pool);
        }
    }

    #[test]
    fn refund_then_same_payment_returns_everyone_where_they_were(
        request in strategies::split_request(),
        rule in strategies::pool_rule(),
        payments in strategies::payment_history(6),
        part in 0i64..=100,
    ) {
        prop_assume!(!payments.is_empty());
        let collected: Decimal = payments.iter().map(|p| p.amount).sum();
        let x = (collected * Decimal::new(part, 2)).round_dp(2);
        let date = payments.last().map_or_else(|| strategies::window().start, |p| p.date);
        let before = tranches(&request, &rule, &payments).unwrap();
        let mut more = payments.clone();
        more.push(Payment::new(date, -x));
        more.push(Payment::new(date, x));
        let after = tranches(&request, &rule, &more).unwrap();
        prop_assert_eq!(non_zero(sum_tranches(&after)), non_zero(sum_tranches(&before)));
        // The refund's tranche is a clawback: nobody gains from it.
        if let Some(refund) = after.get(payments.len()) {
            prop_assert!(refund.people.iter().all(|p| p.amount <= Decimal::ZERO));
        }
    }

    #[test]
    fn cash_pool_grows_with_cash_and_is_capped(
        rule in strategies::pool_rule(),
        a in 0i64..=200_000_000,
        b in 0i64..=200_000_000,
    ) {
        let (lo, hi) = (Decimal::new(a.min(b), 2), Decimal::new(a.max(b), 2));
        let full = rule.full_pool(2).unwrap();
        let e_lo = rule.earned(lo, 2).unwrap();
        let e_hi = rule.earned(hi, 2).unwrap();
        prop_assert!(e_lo <= e_hi && e_hi <= full);
        prop_assert_eq!(rule.earned(rule.contract_value, 2).unwrap(), full);
    }
}
