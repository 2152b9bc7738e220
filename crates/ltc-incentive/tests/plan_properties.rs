//! Invariants of plans and statements, on generated plans, deals and histories.
//!
//! 256 cases each by default, or `PROPTEST_CASES` of them. Needs the crate's `proptest` feature
//! (`cargo test -p ltc-incentive --all-features`).
#![cfg(feature = "proptest")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use chrono::{Days, NaiveDate};
use ltc_incentive::strategies;
use ltc_incentive::{
    history, CreditKind, CreditOn, ManualAdjustment, Method, Plan, Reversal, StatementLine,
    StatementRequest,
};
use proptest::prelude::*;
use rust_decimal::Decimal;

fn all(request: &StatementRequest) -> Vec<ltc_incentive::Statement> {
    history(request, "ana").unwrap()
}

/// What a statement's period earns: its commission, its guarantee's top-up and its
/// non-recoverable draw.
fn earned(s: &ltc_incentive::Statement) -> Decimal {
    let kept: Decimal = s
        .lines
        .iter()
        .filter(|l| {
            matches!(
                l,
                StatementLine::Guarantee { .. }
                    | StatementLine::Draw {
                        draw_kind: ltc_incentive::DrawKind::NonRecoverable,
                        ..
                    }
            )
        })
        .map(StatementLine::amount)
        .sum();
    s.commission + kept
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(
        std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(256)
    ))]

    /// Every statement's lines sum exactly to its payable; the lines up to the rounding sum to
    /// its commission; the commission and payable are whole minor units, and nothing negative
    /// is paid.
    #[test]
    fn a_statements_lines_sum_exactly_to_its_total(request in strategies::statement_request()) {
        for s in all(&request) {
            let total: Decimal = s.lines.iter().map(StatementLine::amount).sum();
            prop_assert_eq!(total, s.payable);
            let commission: Decimal = s
                .lines
                .iter()
                .filter(|l| matches!(
                    l,
                    StatementLine::Earning { .. } | StatementLine::Floor { .. }
                        | StatementLine::DealCap { .. } | StatementLine::PeriodCap { .. }
                        | StatementLine::Rounding { .. }
                ))
                .map(StatementLine::amount)
                .sum();
            prop_assert_eq!(commission, s.commission);
            prop_assert_eq!(s.commission.scale(), 2);
            prop_assert_eq!(s.payable.scale(), 2);
            prop_assert!(s.payable >= Decimal::ZERO);
            let credit: Decimal = s.credits.iter().map(|c| c.amount).sum();
            prop_assert_eq!(credit, s.credit);
            prop_assert_eq!(s.draw.after, s.draw.before + s.draw.advanced - s.draw.recovered);
        }
    }

    /// For a rate table whose rates never decrease, marginal earnings never exceed retroactive
    /// ones, for any credit, with the same floor and caps.
    #[test]
    fn marginal_never_exceeds_retroactive_for_rising_tables(
        version in strategies::plan_version(1, true),
        mut request in strategies::statement_request(),
    ) {
        let mut marginal = version.clone();
        marginal.method = Method::Marginal;
        let mut retroactive = version;
        retroactive.method = Method::Retroactive;
        let with = |v: &ltc_incentive::PlanVersion| {
            let mut r = request.clone();
            r.plan.versions = vec![v.clone()];
            all(&r)
        };
        for (m, r) in with(&marginal).iter().zip(with(&retroactive).iter()) {
            prop_assert!(m.commission <= r.commission, "{} > {}", m.commission, r.commission);
        }
        // And for the rate table alone, on any credit.
        request.plan.versions = vec![marginal.clone()];
        for s in all(&request) {
            prop_assert!(marginal.earnings(s.credit).unwrap() <= retroactive.earnings(s.credit).unwrap());
        }
    }

    /// Closed periods are identical before and after any later publication or correction: a
    /// new version, a late deal, a credit note and a manual adjustment, all recorded after the
    /// last close.
    #[test]
    fn closed_periods_never_change(
        request in strategies::statement_request(),
        version in strategies::plan_version(9, false),
        deal in strategies::won_deal("D-late".to_owned(), CreditOn::Signature),
        after in 1u64..=60,
        cents in -50_000i64..=50_000,
    ) {
        let mut request = request;
        request.period = "2026-06".to_owned();
        let before = all(&request);
        let last_close = request.periods.iter().filter_map(|p| p.closed.as_ref().map(|c| c.on)).max();
        let Some(last_close) = last_close else { return Ok(()) };
        let later = last_close.checked_add_days(Days::new(after)).unwrap();
        let mut changed = request.clone();
        let mut v = version;
        v.published = later;
        changed.plan.versions.push(v);
        let mut late = deal;
        late.recorded = Some(later.max(late.signed));
        if changed.plan.credit_on == CreditOn::Signature {
            late.reversals.clear();
            changed.deals.push(late);
        }
        // A credit note for all that is left of the first deal's first credit.
        if let Some(first) = changed.deals.first_mut() {
            credit_note(first, changed.plan.credit_on, later);
        }
        changed.adjustments.push(ManualAdjustment {
            id: "A-late".to_owned(),
            person: "ana".to_owned(),
            period: "2026-01".to_owned(),
            amount: Decimal::new(cents, 2),
            reason: "correction".to_owned(),
            recorded: later,
        });
        let Ok(now) = history(&changed, "ana") else {
            // A correction can be refused (a later credit note dated before its credit's day
            // cannot be); the closed periods are then untouched all the more.
            return Ok(());
        };
        for (i, p) in request.periods.iter().enumerate() {
            if p.closed.is_some() {
                prop_assert_eq!(&now[i], &before[i], "period {}", p.id);
            }
        }
    }

    /// Every correction is counted once: over all statements, the adjustments and clawbacks for
    /// a closed period add up to what it would have earned knowing every fact (its commission
    /// topped up to its guarantee and non-recoverable draw), minus what it earned at its close.
    #[test]
    fn corrections_are_counted_exactly_once(request in strategies::statement_request()) {
        let mut request = request;
        request.period = "2026-06".to_owned();
        let booked = all(&request);
        let mut open = request.clone();
        for p in &mut open.periods {
            p.closed = None;
        }
        let knowing_all = all(&open);
        for (i, p) in request.periods.iter().enumerate() {
            if p.closed.is_none() {
                continue;
            }
            let corrections: Decimal = booked
                .iter()
                .flat_map(|s| s.lines.iter())
                .filter_map(|l| match l {
                    StatementLine::Adjustment { period, cause, amount, .. }
                        if *period == p.id && *cause != ltc_incentive::Cause::Manual => Some(*amount),
                    StatementLine::Clawback { period, amount, .. } if *period == p.id => Some(*amount),
                    _ => None,
                })
                .sum();
            prop_assert_eq!(
                earned(&booked[i]) + corrections,
                earned(&knowing_all[i]),
                "period {}", p.id
            );
        }
    }

    /// Revenue splits (shares or the team) credit exactly 100% of every credit of the deal,
    /// net of its reversals.
    #[test]
    fn revenue_splits_credit_exactly_the_whole_deal(
        cash in any::<bool>(),
        deal in any::<bool>().prop_flat_map(|cash| strategies::won_deal(
            "D".to_owned(),
            if cash { CreditOn::Cash } else { CreditOn::Signature },
        )),
    ) {
        let _ = cash;
        for on in [CreditOn::Signature, CreditOn::Cash] {
            if deal.validate(on, 2).is_err() {
                continue;
            }
            let credits = deal.credits(on, 2).unwrap();
            let mut sources: Vec<&str> = credits.iter().map(|c| c.source.as_str()).collect();
            sources.dedup();
            for source in sources {
                let of: Vec<_> = credits.iter().filter(|c| c.source == source).collect();
                let revenue: Decimal = of
                    .iter()
                    .filter(|c| c.kind != CreditKind::Overlay)
                    .map(|c| c.amount)
                    .sum();
                let first = of[0];
                prop_assert_eq!(revenue, first.gross - first.reversed);
            }
        }
    }
}

/// Adds a credit note recorded on `day` for what is left of `deal`'s first credit, dated no
/// earlier than that credit.
fn credit_note(deal: &mut ltc_incentive::WonDeal, on: CreditOn, day: NaiveDate) {
    let (of, amount, date) = match on {
        CreditOn::Signature => ("signature".to_owned(), deal.value, deal.signed),
        CreditOn::Cash => match deal.receipts.first() {
            Some(r) => (r.id.clone(), r.amount, r.date),
            None => return,
        },
    };
    let reversed: Decimal = deal
        .reversals
        .iter()
        .filter(|r| r.of == of)
        .map(|r| r.amount)
        .sum();
    let left = amount - reversed;
    if left <= Decimal::ZERO {
        return;
    }
    deal.reversals.push(Reversal {
        id: "CN-late".to_owned(),
        of,
        date: date.max(day),
        amount: left,
        reason: "credit note".to_owned(),
        recorded: Some(day.max(date)),
    });
}

#[test]
fn generated_plans_are_valid() {
    use proptest::strategy::ValueTree;
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    for _ in 0..200 {
        let plan: Plan = strategies::plan().new_tree(&mut runner).unwrap().current();
        plan.validate().unwrap();
    }
}
