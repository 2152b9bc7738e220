//! Commission plans, scenario by scenario, pinned by figures computed by hand (in the comments).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::collections::BTreeMap;

use chrono::NaiveDate;
use ltc_incentive::{
    history, statement, Caps, Cause, Closed, CreditOn, Draw, DrawKind, Holdback, ManualAdjustment,
    Method, Period, Plan, PlanVersion, Receipt, Reversal, SplitShare, Statement, StatementLine,
    StatementRequest, Tier, WonDeal,
};
use rust_decimal::Decimal;
use rust_decimal_macros::dec;

fn d(m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, m, day).unwrap()
}

/// Months January to `last`, open.
fn months(last: u32) -> Vec<Period> {
    (1..=last)
        .map(|m| {
            let end = if m == 12 {
                NaiveDate::from_ymd_opt(2027, 1, 1).unwrap()
            } else {
                d(m + 1, 1)
            };
            Period::new(format!("2026-{m:02}"), d(m, 1), end)
        })
        .collect()
}

fn version(method: Method, tiers: &[(Decimal, Decimal)]) -> PlanVersion {
    let mut v = PlanVersion::new(1, d(1, 1), dec!(100000.00), method).published(d(1, 1));
    for &(from, rate) in tiers {
        v = v.tier(Tier::new(from, rate));
    }
    v
}

fn plan(versions: Vec<PlanVersion>) -> Plan {
    Plan {
        id: "ae-2026".into(),
        scale: 2,
        credit_on: CreditOn::Signature,
        versions,
    }
}

/// A deal crediting ana in full, recorded the day it was signed.
fn deal(id: &str, value: Decimal, signed: NaiveDate) -> WonDeal {
    WonDeal::new(id, value, signed)
        .split(SplitShare::revenue("ana", dec!(1)))
        .recorded(signed)
}

fn request(
    plan: Plan,
    periods: Vec<Period>,
    deals: Vec<WonDeal>,
    period: &str,
) -> StatementRequest {
    StatementRequest {
        plan,
        periods,
        deals,
        adjustments: Vec::new(),
        person: Some("ana".into()),
        period: period.into(),
    }
}

fn ana(r: &StatementRequest) -> Statement {
    statement(r).unwrap().statements.remove(0)
}

fn sum(s: &Statement) -> Decimal {
    s.lines.iter().map(StatementLine::amount).sum()
}

fn kinds(s: &Statement) -> Vec<&'static str> {
    s.lines.iter().map(StatementLine::kind).collect()
}

const TABLE: [(Decimal, Decimal); 3] = [
    (dec!(0), dec!(0.05)),
    (dec!(0.5), dec!(0.08)),
    (dec!(1), dec!(0.12)),
];

fn commission(method: Method, credit: Decimal) -> Statement {
    let r = request(
        plan(vec![version(method, &TABLE)]),
        months(1),
        vec![deal("D-1", credit, d(1, 15))],
        "2026-01",
    );
    let s = ana(&r);
    assert_eq!(sum(&s), s.payable, "the lines sum to the payable");
    s
}

#[test]
fn marginal_tiers_below_at_and_above_each_threshold() {
    // Quota 100,000; 5% to 50%, 8% to 100%, 12% above.
    for (credit, expected) in [
        (dec!(40000.00), dec!(2000.00)),  // 40,000 x 5%
        (dec!(50000.00), dec!(2500.00)),  // at 50%: 50,000 x 5%, nothing at 8% yet
        (dec!(60000.00), dec!(3300.00)),  // 2,500 + 10,000 x 8%
        (dec!(100000.00), dec!(6500.00)), // 2,500 + 50,000 x 8%
        (dec!(120000.00), dec!(8900.00)), // 6,500 + 20,000 x 12%
        (dec!(49999.99), dec!(2500.00)),  // 2,499.9995, rounded half to even
        (dec!(100000.01), dec!(6500.00)), // 6,500 + 0.01 x 12% = 6,500.0012
    ] {
        let s = commission(Method::Marginal, credit);
        assert_eq!(s.commission, expected, "credit {credit}");
        assert_eq!(s.payable, expected);
    }
    // 120,000: one line per band the credit crosses, each explaining itself.
    let s = commission(Method::Marginal, dec!(120000.00));
    let bands: Vec<(usize, &str, Decimal, Decimal)> = s
        .lines
        .iter()
        .filter_map(|l| match l {
            StatementLine::Earning {
                tier,
                label,
                portion,
                amount,
                ..
            } => Some((*tier, *label, *portion, *amount)),
            _ => None,
        })
        .collect();
    assert_eq!(
        bands,
        [
            (0, "decelerator", dec!(50000.00), dec!(2500.0000)),
            (1, "base", dec!(50000.00), dec!(4000.0000)),
            (2, "accelerator", dec!(20000.00), dec!(2400.0000)),
        ]
    );
    assert_eq!(s.attainment, Some(dec!(1.2)));
    assert_eq!(s.tiers[2].credit, dec!(20000.00));
    assert_eq!(s.tiers[2].earned, dec!(2400.0000));
}

#[test]
fn retroactive_tiers_below_at_and_above_each_threshold() {
    for (credit, expected) in [
        (dec!(40000.00), dec!(2000.00)),   // 40,000 x 5%
        (dec!(50000.00), dec!(4000.00)),   // at 50%: all of it at 8%
        (dec!(60000.00), dec!(4800.00)),   // 60,000 x 8%
        (dec!(100000.00), dec!(12000.00)), // at 100%: all of it at 12%
        (dec!(120000.00), dec!(14400.00)), // 120,000 x 12%
        (dec!(99999.99), dec!(8000.00)),   // 7,999.9992 rounded
    ] {
        let s = commission(Method::Retroactive, credit);
        assert_eq!(s.commission, expected, "credit {credit}");
    }
    // The rounding is one line, and shows what it did.
    let s = commission(Method::Retroactive, dec!(99999.99));
    assert_eq!(kinds(&s), ["earning", "rounding"]);
    match &s.lines[1] {
        StatementLine::Rounding {
            exact,
            rounded,
            amount,
        } => {
            assert_eq!(*exact, dec!(7999.9992));
            assert_eq!(*rounded, dec!(8000.00));
            assert_eq!(*amount, dec!(0.0008));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn retroactive_rate_applies_to_every_credit_of_the_period() {
    // 30,000 on Jan 5 and 30,000 on Jan 20: 60% in all, so both at 8%.
    let r = request(
        plan(vec![version(Method::Retroactive, &TABLE)]),
        months(1),
        vec![
            deal("D-1", dec!(30000.00), d(1, 5)),
            deal("D-2", dec!(30000.00), d(1, 20)),
        ],
        "2026-01",
    );
    let s = ana(&r);
    let rates: Vec<Decimal> = s
        .lines
        .iter()
        .filter_map(|l| match l {
            StatementLine::Earning { rate, .. } => Some(*rate),
            _ => None,
        })
        .collect();
    assert_eq!(rates, [dec!(0.08), dec!(0.08)]);
    assert_eq!(s.commission, dec!(4800.00));
}

#[test]
fn decelerator_and_floor() {
    // 2% below 50% (a decelerator), 5% from 50%; nothing below 25%.
    let v = version(
        Method::Marginal,
        &[(dec!(0), dec!(0.02)), (dec!(0.5), dec!(0.05))],
    )
    .floor(dec!(0.25));
    let run = |credit| {
        ana(&request(
            plan(vec![v.clone()]),
            months(1),
            vec![deal("D-1", credit, d(1, 15))],
            "2026-01",
        ))
    };
    // 20% attainment: 400.00 earned, taken back by the floor.
    let s = run(dec!(20000.00));
    assert_eq!(kinds(&s), ["earning", "floor"]);
    assert_eq!(s.lines[1].amount(), dec!(-400.0000));
    assert_eq!(s.commission, dec!(0.00));
    // At the floor exactly: 25,000 x 2%.
    assert_eq!(run(dec!(25000.00)).commission, dec!(500.00));
    // 70%: 50,000 x 2% + 20,000 x 5%.
    assert_eq!(run(dec!(70000.00)).commission, dec!(2000.00));
}

#[test]
fn a_cap_reached_mid_period() {
    // Flat 10%; at most 3,000 per deal and 5,000 per period.
    let v = version(Method::Marginal, &[(dec!(0), dec!(0.10))]).caps(Caps {
        deal: Some(dec!(3000.00)),
        period: Some(dec!(5000.00)),
    });
    let r = request(
        plan(vec![v]),
        months(1),
        vec![
            deal("D-1", dec!(20000.00), d(1, 5)),  // 2,000
            deal("D-2", dec!(50000.00), d(1, 10)), // 5,000, capped at 3,000: running 5,000
            deal("D-3", dec!(10000.00), d(1, 20)), // 1,000: running 6,000 > 5,000, reached here
            deal("D-4", dec!(10000.00), d(1, 25)), // 1,000: running 7,000
        ],
        "2026-01",
    );
    let s = ana(&r);
    assert_eq!(
        kinds(&s),
        [
            "earning",
            "earning",
            "earning",
            "earning",
            "deal_cap",
            "period_cap"
        ]
    );
    match &s.lines[4] {
        StatementLine::DealCap {
            deal,
            earned,
            cap,
            amount,
        } => {
            assert_eq!(
                (deal.as_str(), *earned, *cap),
                ("D-2", dec!(5000.0000), dec!(3000.00))
            );
            assert_eq!(*amount, dec!(-2000.0000));
        }
        other => panic!("{other:?}"),
    }
    match &s.lines[5] {
        StatementLine::PeriodCap {
            reached_at,
            earned,
            amount,
            ..
        } => {
            assert_eq!(reached_at, "D-3/signature");
            assert_eq!(*earned, dec!(7000.0000));
            assert_eq!(*amount, dec!(-2000.0000));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(s.commission, dec!(5000.00));
    assert_eq!(sum(&s), s.payable);
}

#[test]
fn a_recoverable_draw_recovered_over_three_periods() {
    // Flat 10%, a recoverable draw of 3,000 a month, at most 1,000 recovered a month.
    let v = version(Method::Marginal, &[(dec!(0), dec!(0.10))]).draw(Draw {
        kind: DrawKind::Recoverable,
        amount: dec!(3000.00),
        limit: Some(dec!(1000.00)),
    });
    let r = request(
        plan(vec![v]),
        months(4),
        vec![
            deal("D-1", dec!(10000.00), d(1, 10)), // 1,000: 2,000 advanced
            deal("D-2", dec!(45000.00), d(2, 10)), // 4,500: 1,500 above, 1,000 recovered
            deal("D-3", dec!(35000.00), d(3, 10)), // 3,500: 500 above, 500 recovered
            deal("D-4", dec!(50000.00), d(4, 10)), // 5,000: 2,000 above, the last 500 recovered
        ],
        "2026-04",
    );
    let all = history(&r, "ana").unwrap();
    let figures: Vec<(Decimal, Decimal, Decimal, Decimal, Decimal)> = all
        .iter()
        .map(|s| {
            (
                s.commission,
                s.draw.advanced,
                s.draw.recovered,
                s.draw.after,
                s.payable,
            )
        })
        .collect();
    assert_eq!(
        figures,
        [
            (
                dec!(1000.00),
                dec!(2000.00),
                dec!(0.00),
                dec!(2000.00),
                dec!(3000.00)
            ),
            (
                dec!(4500.00),
                dec!(0.00),
                dec!(1000.00),
                dec!(1000.00),
                dec!(3500.00)
            ),
            (
                dec!(3500.00),
                dec!(0.00),
                dec!(500.00),
                dec!(500.00),
                dec!(3000.00)
            ),
            (
                dec!(5000.00),
                dec!(0.00),
                dec!(500.00),
                dec!(0.00),
                dec!(4500.00)
            ),
        ]
    );
    for s in &all {
        assert_eq!(sum(s), s.payable);
    }
    assert_eq!(kinds(&all[1]), ["earning", "recovery"]);
}

#[test]
fn a_non_recoverable_draw_and_a_guarantee_are_kept() {
    let draw = |kind| {
        version(Method::Marginal, &[(dec!(0), dec!(0.10))]).draw(Draw {
            kind,
            amount: dec!(3000.00),
            limit: None,
        })
    };
    let deals = vec![
        deal("D-1", dec!(10000.00), d(1, 10)),
        deal("D-2", dec!(45000.00), d(2, 10)),
    ];
    let r = request(
        plan(vec![draw(DrawKind::NonRecoverable)]),
        months(2),
        deals.clone(),
        "2026-02",
    );
    let all = history(&r, "ana").unwrap();
    assert_eq!(all[0].payable, dec!(3000.00)); // 1,000 + 2,000 top-up
    assert_eq!(all[0].draw.after, dec!(0.00)); // nothing owed
    assert_eq!(all[1].payable, dec!(4500.00)); // nothing recovered
                                               // A guarantee of 2,000: topped up to it, never recovered.
    let g = version(Method::Marginal, &[(dec!(0), dec!(0.10))]).guarantee(dec!(2000.00));
    let r = request(plan(vec![g]), months(2), deals, "2026-02");
    let all = history(&r, "ana").unwrap();
    assert_eq!(kinds(&all[0]), ["earning", "guarantee"]);
    assert_eq!(all[0].payable, dec!(2000.00));
    assert_eq!(all[1].payable, dec!(4500.00));
}

/// Cash basis, marginal 5% to 20% of quota and 10% above: one receipt in January, one in
/// February.
fn cash_request() -> StatementRequest {
    let v = version(
        Method::Marginal,
        &[(dec!(0), dec!(0.05)), (dec!(0.2), dec!(0.10))],
    );
    let mut p = plan(vec![v]);
    p.credit_on = CreditOn::Cash;
    let deal = deal("D-1", dec!(100000.00), d(1, 5))
        .receipt(Receipt {
            id: "R-1".into(),
            date: d(1, 15),
            amount: dec!(30000.00),
            recorded: Some(d(1, 15)),
        })
        .receipt(Receipt {
            id: "R-2".into(),
            date: d(2, 10),
            amount: dec!(20000.00),
            recorded: Some(d(2, 10)),
        });
    let mut periods = months(3);
    periods[0].closed = Some(Closed {
        on: d(2, 2),
        payables: [("ana".to_owned(), dec!(2000.00))].into(),
    });
    request(p, periods, vec![deal], "2026-02")
}

fn refund() -> Reversal {
    Reversal {
        id: "CN-1".into(),
        of: "R-1".into(),
        date: d(2, 20),
        amount: dec!(10000.00),
        reason: "refund".into(),
        recorded: Some(d(2, 20)),
    }
}

#[test]
fn a_refund_after_a_payout_is_clawed_back_exactly_once() {
    // January, closed on Feb 2: R-1 30,000 = 20,000 x 5% + 10,000 x 10% = 2,000, paid.
    let before = cash_request();
    let jan = history(&before, "ana").unwrap().remove(0);
    assert_eq!(jan.payable, dec!(2000.00));

    // On Feb 20, 10,000 of R-1 is refunded. January stays as it was paid; February claws back
    // exactly what those 10,000 earned in January (its top band, at 10%): January recomputed
    // without them is 20,000 x 5% = 1,000.
    let mut r = cash_request();
    r.deals[0].reversals.push(refund());
    let all = history(&r, "ana").unwrap();
    assert_eq!(all[0], jan);
    let feb = &all[1];
    assert_eq!(feb.commission, dec!(1000.00)); // R-2: 20,000 x 5% in February's own table
    let clawbacks: Vec<_> = feb
        .lines
        .iter()
        .filter(|l| l.kind() == "clawback")
        .collect();
    assert_eq!(clawbacks.len(), 1);
    match clawbacks[0] {
        StatementLine::Clawback {
            period,
            reversal,
            of,
            recorded,
            before,
            after,
            amount,
            ..
        } => {
            assert_eq!(
                (period.as_str(), reversal.as_str(), of.as_str()),
                ("2026-01", "D-1/CN-1", "D-1/R-1")
            );
            assert_eq!(*recorded, d(2, 20));
            assert_eq!((*before, *after), (dec!(2000.00), dec!(1000.00)));
            assert_eq!(*amount, dec!(-1000.00));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(feb.payable, dec!(0.00)); // 1,000 - 1,000
    assert_eq!(sum(feb), feb.payable);

    // The same credit note sent twice counts once.
    let mut twice = r.clone();
    twice.deals[0].reversals.push(refund());
    assert_eq!(history(&twice, "ana").unwrap(), all);

    // February closed: March claws nothing back again.
    let mut closed = r.clone();
    closed.periods[1].closed = Some(Closed {
        on: d(3, 2),
        payables: [("ana".to_owned(), dec!(0.00))].into(),
    });
    closed.period = "2026-03".into();
    let march = ana(&closed);
    assert!(march.lines.is_empty(), "{:?}", march.lines);
    assert_eq!(march.payable, dec!(0.00));

    // A different credit note under the same id is refused, and so is reversing more than
    // the receipt.
    let mut conflicting = r.clone();
    let mut other = refund();
    other.amount = dec!(5000.00);
    conflicting.deals[0].reversals.push(other);
    let err = statement(&conflicting).unwrap_err();
    assert_eq!(err.code(), "duplicate_id");
    assert_eq!(err.path(), Some("deals[0].reversals[1].id"));
    let mut over = r;
    let mut more = refund();
    more.id = "CN-2".into();
    more.amount = dec!(20000.01);
    over.deals[0].reversals.push(more);
    let err = statement(&over).unwrap_err();
    assert_eq!(err.code(), "over_reversal");
    assert_eq!(err.path(), Some("deals[0].reversals[1]"));
}

#[test]
fn a_reversal_inside_an_open_period_nets_the_credit() {
    let mut r = cash_request();
    r.periods[0].closed = None;
    r.period = "2026-01".into();
    let mut early = refund();
    early.date = d(1, 20);
    r.deals[0].reversals.push(early);
    let s = ana(&r);
    assert_eq!(s.credits[0].reversed, dec!(10000.00));
    assert_eq!(s.credits[0].amount, dec!(20000.00));
    assert_eq!(s.commission, dec!(1000.00));
}

#[test]
fn a_new_plan_version_published_after_a_period_closed() {
    // Version 1: flat 5%. January closes on Feb 3 with 100,000 of credit: 5,000.
    let v1 = version(Method::Marginal, &[(dec!(0), dec!(0.05))]).published(d(1, 1));
    let mut periods = months(2);
    periods[0].closed = Some(Closed {
        on: d(2, 3),
        payables: [("ana".to_owned(), dec!(5000.00))].into(),
    });
    let deals = vec![
        deal("D-1", dec!(100000.00), d(1, 15)),
        deal("D-2", dec!(10000.00), d(2, 15)),
    ];
    let before = request(plan(vec![v1.clone()]), periods, deals, "2026-02");
    let before_all = history(&before, "ana").unwrap();

    // Version 2 (6%), effective January 1, published February 10.
    let mut v2 = version(Method::Marginal, &[(dec!(0), dec!(0.06))]).published(d(2, 10));
    v2.version = 2;
    let mut after = before.clone();
    after.plan.versions.push(v2);
    let after_all = history(&after, "ana").unwrap();

    // January is identical; February is computed under version 2 and carries January's
    // difference as a dated adjustment line with its reason.
    assert_eq!(after_all[0], before_all[0]);
    assert_eq!(after_all[0].version, Some(1));
    let feb = &after_all[1];
    assert_eq!(feb.version, Some(2));
    assert_eq!(feb.commission, dec!(600.00)); // 10,000 x 6%
    let adjustment = feb
        .lines
        .iter()
        .find(|l| l.kind() == "adjustment")
        .expect("an adjustment line");
    match adjustment {
        StatementLine::Adjustment {
            period,
            cause,
            fact,
            recorded,
            reason,
            before,
            after,
            amount,
        } => {
            assert_eq!(
                (period.as_str(), *cause, fact.as_str()),
                ("2026-01", Cause::Version, "2")
            );
            assert_eq!(*recorded, d(2, 10));
            assert!(reason.contains("effective 2026-01-01"), "{reason}");
            assert_eq!(
                (*before, *after),
                (Some(dec!(5000.00)), Some(dec!(6000.00)))
            );
            assert_eq!(*amount, dec!(1000.00));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(feb.payable, dec!(1600.00));
    assert_eq!(sum(feb), feb.payable);

    // A deal signed in January but entered on or before its close, after the close was frozen,
    // is a backdated fact: refused.
    let mut backdated = after;
    backdated
        .deals
        .push(deal("D-9", dec!(1000.00), d(1, 28)).recorded(d(2, 1)));
    let err = statement(&backdated).unwrap_err();
    assert_eq!(err.code(), "closed_period_changed");
    assert_eq!(err.path(), Some("periods[0].closed.payables.ana"));
}

#[test]
fn late_data_and_manual_adjustments_go_to_the_open_period() {
    let v = version(Method::Marginal, &[(dec!(0), dec!(0.05))]);
    let mut periods = months(2);
    periods[0] = periods[0].clone().closed_on(d(2, 3));
    let mut r = request(
        plan(vec![v]),
        periods,
        vec![
            deal("D-1", dec!(10000.00), d(1, 15)),
            // Signed January 28, entered February 5, after January closed.
            deal("D-2", dec!(4000.00), d(1, 28)).recorded(d(2, 5)),
        ],
        "2026-02",
    );
    r.adjustments.push(ManualAdjustment {
        id: "A-1".into(),
        person: "ana".into(),
        period: "2026-01".into(),
        amount: dec!(-25.00),
        reason: "expense advance".into(),
        recorded: d(2, 8),
    });
    let all = history(&r, "ana").unwrap();
    assert_eq!(all[0].payable, dec!(500.00));
    let feb = &all[1];
    assert_eq!(kinds(feb), ["adjustment", "adjustment"]);
    assert_eq!(feb.lines[0].amount(), dec!(200.00)); // D-2: 4,000 x 5%, for January
    assert_eq!(feb.lines[1].amount(), dec!(-25.00));
    assert_eq!(feb.adjustments, dec!(175.00));
    assert_eq!(feb.payable, dec!(175.00));
}

#[test]
fn holdback_is_held_then_released() {
    // 10% of 12,345.67 = 1,234.567: commission 1,234.57 (one rounding line); 10% of it held,
    // 123.457 -> 123.46, released two periods later.
    let v = version(Method::Marginal, &[(dec!(0), dec!(0.10))]).holdback(Holdback {
        rate: dec!(0.10),
        release_after: 2,
    });
    let r = request(
        plan(vec![v]),
        months(3),
        vec![deal("D-1", dec!(12345.67), d(1, 15))],
        "2026-03",
    );
    let all = history(&r, "ana").unwrap();
    assert_eq!(kinds(&all[0]), ["earning", "rounding", "holdback"]);
    assert_eq!(all[0].commission, dec!(1234.57));
    assert_eq!(all[0].holdback.held, dec!(123.46));
    assert_eq!(all[0].payable, dec!(1111.11));
    assert_eq!(all[1].holdback.outstanding, dec!(123.46));
    assert_eq!(kinds(&all[2]), ["release"]);
    assert_eq!(all[2].payable, dec!(123.46));
    assert_eq!(all[2].holdback.outstanding, dec!(0.00));
}

#[test]
fn a_clawback_larger_than_the_period_is_carried_forward() {
    let mut r = cash_request();
    r.deals[0].reversals.push(Reversal {
        amount: dec!(30000.00),
        ..refund()
    });
    r.deals[0].receipts.remove(1);
    r.period = "2026-03".into();
    let all = history(&r, "ana").unwrap();
    // January paid 2,000; all of R-1 refunded: -2,000 in February, nothing paid, carried.
    assert_eq!(kinds(&all[1]), ["clawback", "carried_forward"]);
    assert_eq!(all[1].payable, dec!(0.00));
    assert_eq!(kinds(&all[2]), ["brought_forward", "carried_forward"]);
    assert_eq!(all[2].lines[0].amount(), dec!(-2000.00));
}

#[test]
fn revenue_overlay_and_team_credits() {
    let p = plan(vec![version(Method::Marginal, &[(dec!(0), dec!(0.10))])]);
    let shared = WonDeal::new("D-1", dec!(1000.00), d(1, 10))
        .split(SplitShare::revenue("ana", dec!(0.6)))
        .split(SplitShare::revenue("bo", dec!(0.4)))
        .split(SplitShare::overlay("sam", dec!(0.25)));
    let mut r = request(p, months(1), vec![shared], "2026-01");
    r.person = None;
    let all = statement(&r).unwrap().statements;
    let credits: Vec<(&str, Decimal, Decimal)> = all
        .iter()
        .map(|s| (s.person.as_str(), s.credit, s.commission))
        .collect();
    assert_eq!(
        credits,
        [
            ("ana", dec!(600.000), dec!(60.00)),
            ("bo", dec!(400.000), dec!(40.00)),
            ("sam", dec!(250.0000), dec!(25.00)),
        ]
    );
    // Revenue splits must total 100%, named by path.
    let mut bad = r.clone();
    bad.deals[0].splits[1].share = dec!(0.39);
    let err = statement(&bad).unwrap_err();
    assert_eq!(err.code(), "revenue_split_not_100");
    assert_eq!(err.path(), Some("deals[0].splits"));
    assert!(err
        .to_string()
        .starts_with("at `deals[0].splits`: the revenue splits total 0.99"));
}

#[test]
fn plans_are_read_strictly_and_refused_with_the_path() {
    let base = r#"{"id": "ae", "versions": [{"version": 1, "effective": "2026-01-01",
        "published": "2026-01-01", "quota": "100000.00", "method": "marginal",
        "rate_table": [{"from": "0", "rate": "0.05"}, {"from": "1", "rate": "RATE"}]}]}"#;
    let read = |rate: &str| serde_json::from_str::<Plan>(&base.replace("\"RATE\"", rate));
    assert!(read("\"0.10\"").unwrap().validate().is_ok());
    // A JSON number, a misspelt field, a rate a decimal cannot hold: refused on reading.
    assert!(read("0.10").is_err());
    let err =
        serde_json::from_str::<Plan>(&base.replace("\"rate\": \"RATE\"", "\"rtae\": \"0.1\""))
            .unwrap_err()
            .to_string();
    assert!(err.contains("unknown field `rtae`"), "{err}");
    assert!(read("\"0.00000000000000000000000000001\"").is_err());
    // Validation names the field.
    let err = read("\"-0.01\"").unwrap().validate().unwrap_err();
    assert_eq!(
        (err.code(), err.path()),
        ("negative_value", Some("versions[0].rate_table[1].rate"))
    );
    let mut p = read("\"0.10\"").unwrap();
    p.versions[0].quota = dec!(0);
    assert_eq!(p.validate().unwrap_err().path(), Some("versions[0].quota"));
    let mut p = read("\"0.10\"").unwrap();
    p.versions[0].caps.deal = Some(dec!(10.005));
    let err = p.validate().unwrap_err();
    assert_eq!(
        (err.code(), err.path()),
        ("finer_than_minor_unit", Some("versions[0].caps.deal"))
    );
    let mut p = read("\"0.10\"").unwrap();
    p.versions[0].draw = Some(Draw {
        kind: DrawKind::NonRecoverable,
        amount: dec!(100.00),
        limit: Some(dec!(10.00)),
    });
    assert_eq!(p.validate().unwrap_err().code(), "inconsistent");
    let mut p = read("\"0.10\"").unwrap();
    p.versions.push(p.versions[0].clone());
    let err = p.validate().unwrap_err();
    assert_eq!(
        (err.code(), err.path()),
        ("duplicate_id", Some("versions[1].version"))
    );
}

#[test]
fn periods_are_validated() {
    let v = version(Method::Marginal, &[(dec!(0), dec!(0.05))]);
    let mut periods = months(3);
    periods[2].start = d(3, 2);
    let r = request(plan(vec![v.clone()]), periods, vec![], "2026-01");
    let err = statement(&r).unwrap_err();
    assert_eq!(
        (err.code(), err.path()),
        ("periods_not_contiguous", Some("periods[2].start"))
    );
    let mut periods = months(2);
    periods[1] = periods[1].clone().closed_on(d(3, 1));
    let r = request(plan(vec![v.clone()]), periods, vec![], "2026-01");
    let err = statement(&r).unwrap_err();
    assert_eq!(
        (err.code(), err.path()),
        ("close_out_of_order", Some("periods[1].closed.on"))
    );
    let r = request(plan(vec![v]), months(1), vec![], "2027-01");
    let err = statement(&r).unwrap_err();
    assert_eq!(
        (err.code(), err.path()),
        ("unknown_reference", Some("period"))
    );
}

#[test]
fn the_table_shows_every_line_on_one_line() {
    let s = commission(Method::Marginal, dec!(120000.00));
    let table = s.table();
    assert!(
        table.starts_with("ana · 2026-01 [2026-01-01, 2026-02-01) open · plan ae-2026 version 1")
    );
    assert_eq!(
        table.lines().filter(|l| l.starts_with("earning")).count(),
        3
    );
    assert!(table.contains("payable"));
    assert!(table.contains("8900.00"));
}

#[test]
fn the_team_split_is_one_crediting_method() {
    use ltc_incentive::{Member, TeamSplit, Window};
    // The iron triangle 40:30:30 over the first half of 2026; dan joined on April 1 (91 of
    // 181 days), so ana and dan share AR's 40% as 181:91.
    let team = TeamSplit {
        roles: [("AR", dec!(40)), ("SR", dec!(30)), ("FR", dec!(30))]
            .into_iter()
            .map(|(r, w)| (r.to_owned(), w))
            .collect(),
        window: Window::new(d(1, 1), d(7, 1)),
        prorate_by_time: true,
        members: vec![
            Member::new("ana", "AR", dec!(1)),
            Member::new("dan", "AR", dec!(1)).joined(d(4, 1)),
            Member::new("bo", "SR", dec!(2)),
            Member::new("cy", "FR", dec!(1)),
        ],
    };
    let deal = WonDeal::new("D-1", dec!(100000.00), d(1, 10)).team(team);
    let p = plan(vec![version(Method::Marginal, &[(dec!(0), dec!(0.10))])]);
    let mut r = request(p, months(1), vec![deal.clone()], "2026-01");
    r.person = None;
    let all = statement(&r).unwrap().statements;
    let credits: Vec<(&str, Decimal)> = all.iter().map(|s| (s.person.as_str(), s.credit)).collect();
    // As the split's worked example: 26,617.65 / 13,382.35 / 30,000 / 30,000.
    assert_eq!(
        credits,
        [
            ("ana", dec!(26617.65)),
            ("bo", dec!(30000.00)),
            ("cy", dec!(30000.00)),
            ("dan", dec!(13382.35)),
        ]
    );
    assert_eq!(
        all.iter().map(|s| s.credit).sum::<Decimal>(),
        dec!(100000.00)
    );
    // Both a team and revenue splits: refused.
    let both = deal.split(SplitShare::revenue("ana", dec!(1)));
    let err = both.validate(CreditOn::Signature, 2).unwrap_err();
    assert_eq!((err.code(), err.path()), ("inconsistent", Some("team")));
}

#[test]
fn cash_credits_are_dated_by_the_payment_and_partial_payments_credit_their_part() {
    // Signed on January 5 for 40,000; paid 15,000 on February 10 and 25,000 on March 3. On the
    // cash basis January credits nothing, February 15,000, March 25,000 (the invoice or the
    // signature never dates a cash credit).
    let mut p = plan(vec![version(Method::Marginal, &[(dec!(0), dec!(0.10))])]);
    p.credit_on = CreditOn::Cash;
    let receipt = |id: &str, date, amount| Receipt {
        id: id.into(),
        date,
        amount,
        recorded: None,
    };
    let deal = WonDeal::new("D-1", dec!(40000.00), d(1, 5))
        .split(SplitShare::revenue("ana", dec!(1)))
        .receipt(receipt("R-1", d(2, 10), dec!(15000.00)))
        .receipt(receipt("R-2", d(3, 3), dec!(25000.00)));
    let r = request(p, months(3), vec![deal], "2026-03");
    let credits: Vec<(Decimal, Decimal)> = history(&r, "ana")
        .unwrap()
        .iter()
        .map(|s| (s.credit, s.commission))
        .collect();
    assert_eq!(
        credits,
        [
            (dec!(0.00), dec!(0.00)),
            (dec!(15000.00), dec!(1500.00)),
            (dec!(25000.00), dec!(2500.00)),
        ]
    );
}

/// Flat 5%, `v` added to; D-1 10,000.00 signed January 10; January closed on February 3.
fn closed_january(v: PlanVersion, frozen: Decimal) -> StatementRequest {
    let mut periods = months(2);
    periods[0].closed = Some(Closed {
        on: d(2, 3),
        payables: [("ana".to_owned(), frozen)].into(),
    });
    request(
        plan(vec![v]),
        periods,
        vec![deal("D-1", dec!(10000.00), d(1, 10))],
        "2026-02",
    )
}

fn credit_note(amount: Decimal, day: NaiveDate) -> Reversal {
    Reversal {
        id: "CN-1".into(),
        of: "signature".into(),
        date: day,
        amount,
        reason: "credit note".into(),
        recorded: Some(day),
    }
}

#[test]
fn a_correction_to_a_closed_period_keeps_its_guarantee_and_draw() {
    let flat = || version(Method::Marginal, &[(dec!(0), dec!(0.05))]);
    // Guarantee 2,000: January earned 500 and was topped up by 1,500, paid 2,000. A credit note
    // of 4,000 on February 15 takes January's commission to 300, still topped up to 2,000:
    // nothing is owed.
    let mut r = closed_january(flat().guarantee(dec!(2000.00)), dec!(2000.00));
    r.deals[0]
        .reversals
        .push(credit_note(dec!(4000.00), d(2, 15)));
    let all = history(&r, "ana").unwrap();
    assert_eq!(all[0].payable, dec!(2000.00));
    assert!(!kinds(&all[1]).contains(&"clawback"), "{:?}", all[1].lines);
    // February: no credit, commission 0, guaranteed 2,000.
    assert_eq!(all[1].payable, dec!(2000.00));

    // A non-recoverable draw of 3,000: January paid 3,000 (500 + 2,500); with the credit note
    // 300 + 2,700, still 3,000: nothing is owed either.
    let draw = Draw {
        kind: DrawKind::NonRecoverable,
        amount: dec!(3000.00),
        limit: None,
    };
    let mut r = closed_january(flat().draw(draw), dec!(3000.00));
    r.deals[0]
        .reversals
        .push(credit_note(dec!(4000.00), d(2, 15)));
    let all = history(&r, "ana").unwrap();
    assert_eq!(all[0].payable, dec!(3000.00));
    assert!(!kinds(&all[1]).contains(&"clawback"));
    assert_eq!(all[1].payable, dec!(3000.00));

    // A credit note of 9,000 with a guarantee of 200: January earned 500, now 50 topped up to
    // 200: clawed back 300, not 450.
    let mut r = closed_january(flat().guarantee(dec!(200.00)), dec!(500.00));
    r.deals[0]
        .reversals
        .push(credit_note(dec!(9000.00), d(2, 15)));
    let feb = ana(&r);
    let claw: Vec<Decimal> = feb
        .lines
        .iter()
        .filter(|l| l.kind() == "clawback")
        .map(StatementLine::amount)
        .collect();
    assert_eq!(claw, [dec!(-300.00)]);
    assert_eq!(sum(&feb), feb.payable);
}

#[test]
fn a_new_version_adding_a_guarantee_adjusts_the_closed_period() {
    // Version 1, flat 5%, no guarantee: January closes on February 3 having paid 500. Version 2,
    // published February 10, effective January 1, the same rate with a guarantee of 2,000:
    // January knowing it pays 2,000, so February carries +1,500 for it, and its own 2,000.
    let v1 = version(Method::Marginal, &[(dec!(0), dec!(0.05))]);
    let mut v2 = version(Method::Marginal, &[(dec!(0), dec!(0.05))])
        .guarantee(dec!(2000.00))
        .published(d(2, 10));
    v2.version = 2;
    let mut r = closed_january(v1, dec!(500.00));
    r.plan.versions.push(v2);
    let all = history(&r, "ana").unwrap();
    assert_eq!(all[0].payable, dec!(500.00));
    let feb = &all[1];
    let adjustments: Vec<_> = feb
        .lines
        .iter()
        .filter(|l| l.kind() == "adjustment")
        .collect();
    assert_eq!(adjustments.len(), 1);
    match adjustments[0] {
        StatementLine::Adjustment {
            period,
            cause,
            before,
            after,
            amount,
            ..
        } => {
            assert_eq!((period.as_str(), *cause), ("2026-01", Cause::Version));
            assert_eq!((*before, *after), (Some(dec!(500.00)), Some(dec!(2000.00))));
            assert_eq!(*amount, dec!(1500.00));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(feb.payable, dec!(3500.00)); // 2,000 guaranteed + 1,500 for January
    assert_eq!(sum(feb), feb.payable);
}

#[test]
fn a_fact_dated_before_a_close_must_say_when_it_was_recorded() {
    // January closed on February 3 with 500 paid (D-1, 10,000 x 5%). A deal signed January 28
    // given without `recorded` would count as known at the close and make January 700 with no
    // adjustment: refused, naming the field.
    let flat = version(Method::Marginal, &[(dec!(0), dec!(0.05))]);
    let mut r = closed_january(flat, dec!(500.00));
    r.periods[0].closed = Some(Closed {
        on: d(2, 3),
        payables: BTreeMap::new(),
    });
    let mut late = r.clone();
    late.deals.push(
        WonDeal::new("D-2", dec!(4000.00), d(1, 28)).split(SplitShare::revenue("ana", dec!(1))),
    );
    let err = statement(&late).unwrap_err();
    assert_eq!(err.code(), "recorded_required");
    assert_eq!(err.path(), Some("deals[1].recorded"));
    // On the close day itself too; the day after, the default is safe.
    late.deals[1].signed = d(2, 3);
    assert_eq!(statement(&late).unwrap_err().code(), "recorded_required");
    late.deals[1].signed = d(2, 4);
    assert_eq!(ana(&late).commission, dec!(200.00));

    // Entered on February 5, it is an adjustment of +200 in February, January unchanged.
    late.deals[1].signed = d(1, 28);
    late.deals[1].recorded = Some(d(2, 5));
    let all = history(&late, "ana").unwrap();
    assert_eq!(all[0].payable, dec!(500.00));
    assert_eq!(all[1].adjustments, dec!(200.00));

    // The same for a receipt and a reversal.
    let mut receipt = r.clone();
    receipt.deals[0].receipts.push(Receipt {
        id: "R-1".into(),
        date: d(1, 20),
        amount: dec!(1000.00),
        recorded: None,
    });
    let err = statement(&receipt).unwrap_err();
    assert_eq!(err.code(), "recorded_required");
    assert_eq!(err.path(), Some("deals[0].receipts[0].recorded"));
    let mut reversal = r;
    let mut note = credit_note(dec!(1000.00), d(1, 30));
    note.recorded = None;
    reversal.deals[0].reversals.push(note);
    let err = statement(&reversal).unwrap_err();
    assert_eq!(err.code(), "recorded_required");
    assert_eq!(err.path(), Some("deals[0].reversals[0].recorded"));
}

#[test]
fn frozen_payables_are_checked_per_person() {
    // D-1 10,000 signed January 10, 60% ana, 40% bo, flat 5%: January pays ana 300, bo 200.
    let flat = version(Method::Marginal, &[(dec!(0), dec!(0.05))]);
    let mut r = closed_january(flat, dec!(300.00));
    r.deals[0] = WonDeal::new("D-1", dec!(10000.00), d(1, 10))
        .split(SplitShare::revenue("ana", dec!(0.6)))
        .split(SplitShare::revenue("bo", dec!(0.4)))
        .recorded(d(1, 10));
    let frozen = |ana: Decimal, bo: Decimal| {
        Some(Closed {
            on: d(2, 3),
            payables: [("ana".to_owned(), ana), ("bo".to_owned(), bo)].into(),
        })
    };
    r.periods[0].closed = frozen(dec!(300.00), dec!(200.00));
    for person in [Some("ana"), Some("bo"), None] {
        let mut each = r.clone();
        each.person = person.map(str::to_owned);
        assert!(statement(&each).is_ok(), "{person:?}");
    }
    // bo's frozen payable differs: refused for bo and for everyone, not for ana alone.
    r.periods[0].closed = frozen(dec!(300.00), dec!(250.00));
    assert!(statement(&r).is_ok());
    for person in [Some("bo"), None] {
        let mut each = r.clone();
        each.person = person.map(str::to_owned);
        let err = statement(&each).unwrap_err();
        assert_eq!(err.code(), "closed_period_changed", "{person:?}");
        assert_eq!(err.path(), Some("periods[0].closed.payables.bo"));
    }
    // A person not named was paid nothing: bo's 200 is a change.
    r.periods[0].closed = Some(Closed {
        on: d(2, 3),
        payables: [("ana".to_owned(), dec!(300.00))].into(),
    });
    r.person = Some("bo".into());
    assert_eq!(statement(&r).unwrap_err().code(), "closed_period_changed");
    // Frozen payables are whole minor units, never negative.
    r.periods[0].closed = frozen(dec!(300.001), dec!(200.00));
    let err = statement(&r).unwrap_err();
    assert_eq!(err.path(), Some("periods[0].closed.payables.ana"));
    r.periods[0].closed = frozen(dec!(300.00), dec!(-1.00));
    let err = statement(&r).unwrap_err();
    assert_eq!(err.code(), "negative_value");
    assert_eq!(err.path(), Some("periods[0].closed.payables.bo"));
}

#[test]
fn receipts_are_bounded_by_the_deal() {
    // D-1, 100,000, signed January 5: R-1 30,000 and R-2 20,000 received.
    let receipt = |id: &str, date: NaiveDate, amount: Decimal| Receipt {
        id: id.into(),
        date,
        amount,
        recorded: Some(date),
    };
    // 50,000 more is exactly the value; one cent more is refused at the receipt that passes it.
    let mut r = cash_request();
    r.deals[0]
        .receipts
        .push(receipt("R-3", d(3, 10), dec!(50000.00)));
    assert!(statement(&r).is_ok());
    r.deals[0].receipts[2].amount = dec!(50000.01);
    let err = statement(&r).unwrap_err();
    assert_eq!(err.code(), "over_receipt");
    assert_eq!(err.path(), Some("deals[0].receipts[2].amount"));
    // Net of its reversals: 10,000 of R-1 refunded leaves room for 60,000.
    r.deals[0].reversals.push(refund());
    r.deals[0].receipts[2].amount = dec!(60000.00);
    assert!(statement(&r).is_ok());
    r.deals[0].receipts[2].amount = dec!(60000.01);
    assert_eq!(statement(&r).unwrap_err().code(), "over_receipt");

    // Cash before the signature is refused.
    let mut early = cash_request();
    early.deals[0]
        .receipts
        .push(receipt("R-3", d(1, 4), dec!(100.00)));
    let err = statement(&early).unwrap_err();
    assert_eq!(err.code(), "before_signed");
    assert_eq!(err.path(), Some("deals[0].receipts[2].date"));

    // Cash outside every period (here after March) would be counted by no statement: refused.
    let mut late = cash_request();
    late.deals[0]
        .receipts
        .push(receipt("R-3", d(4, 1), dec!(100.00)));
    let err = statement(&late).unwrap_err();
    assert_eq!(err.code(), "outside_periods");
    assert_eq!(err.path(), Some("deals[0].receipts[2].date"));
    late.deals[0].receipts[2].date = d(3, 31);
    late.deals[0].receipts[2].recorded = Some(d(3, 31));
    assert!(statement(&late).is_ok());

    // On the signature basis, a deal signed outside every period likewise.
    let v = version(Method::Marginal, &[(dec!(0), dec!(0.05))]);
    let r = request(
        plan(vec![v]),
        months(1),
        vec![deal("D-1", dec!(100.00), d(2, 1))],
        "2026-01",
    );
    let err = statement(&r).unwrap_err();
    assert_eq!(err.code(), "outside_periods");
    assert_eq!(err.path(), Some("deals[0].signed"));
}
