//! Worked examples of earned pools, tranches, clawback and holdback.
#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use chrono::NaiveDate;
use ltc_incentive::{
    tranches, Basis, Error, HoldbackAction, Ledger, Member, Payment, PoolRule, SplitRequest,
    Tranche, Window,
};
use rust_decimal::Decimal;
use rust_decimal_macros::dec;

fn d(m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, m, day).unwrap()
}

fn team() -> SplitRequest {
    SplitRequest::new(dec!(0), Window::new(d(1, 1), d(7, 1)))
        .role("AR", dec!(40))
        .role("SR", dec!(30))
        .role("FR", dec!(30))
        .holdback(dec!(0.15))
        .member(Member::new("ana", "AR", dec!(1)))
        .member(Member::new("bo", "SR", dec!(1)))
        .member(Member::new("cy", "FR", dec!(1)))
}

fn line(t: &Tranche, id: &str) -> (Decimal, Decimal, Decimal) {
    let p = t.person(id).unwrap();
    (p.amount, p.held, p.payable)
}

#[test]
fn cash_basis_instalments_refund_and_holdback_release() {
    // 200,000.00 contract, 5% pool = 10,000.00, earned as cash comes in.
    let rule = PoolRule::new(dec!(200000.00), dec!(0.05), Basis::Cash);
    let payments = [
        Payment::new(d(2, 1), dec!(60000.00)),  // 30%: pool 3,000.00
        Payment::new(d(3, 1), dec!(-20000.00)), // refund: pool 2,000.00
        Payment::new(d(4, 1), dec!(160000.00)), // all collected: 10,000.00
    ];
    let ts = tranches(&team(), &rule, &payments).unwrap();
    assert_eq!(
        line(&ts[0], "ana"),
        (dec!(1200.00), dec!(180.00), dec!(1020.00))
    );
    assert_eq!(
        line(&ts[1], "ana"),
        (dec!(-400.00), dec!(-60.00), dec!(-340.00))
    );
    assert_eq!(
        line(&ts[2], "ana"),
        (dec!(3200.00), dec!(480.00), dec!(2720.00))
    );
    assert_eq!(ts[2].pool, dec!(10000.00));
    let total: Decimal = ts.iter().map(|t| t.person("bo").unwrap().amount).sum();
    assert_eq!(total, dec!(3000.00));

    // The same through a ledger, then the year-end release.
    let mut ledger = Ledger::new();
    let mut collected = Decimal::ZERO;
    for p in &payments {
        collected += p.amount;
        let pool = rule.earned(collected, 2).unwrap();
        ledger
            .pay(p.date, &team().pool(pool).split().unwrap())
            .unwrap();
    }
    let ana = ledger.account("ana").unwrap();
    assert_eq!(
        (ana.amount, ana.held, ana.payable),
        (dec!(4000.00), dec!(600.00), dec!(3400.00))
    );
    let released = ledger.release_all(d(12, 31)).unwrap();
    assert_eq!(released.len(), 3);
    assert_eq!(released[0].id, "ana");
    assert_eq!(released[0].action, HoldbackAction::Release);
    assert_eq!(released[0].amount, dec!(600.00));
    assert_eq!(
        ledger.account("ana").unwrap().outstanding().unwrap(),
        dec!(0.00)
    );
    // Nothing left to release or forfeit.
    assert!(ledger.release_all(d(12, 31)).unwrap().is_empty());
    assert_eq!(
        ledger.forfeit("ana", d(12, 31)).unwrap_err(),
        Error::NothingToForfeit {
            id: "ana".into(),
            outstanding: dec!(0.00)
        }
    );
}

#[test]
fn contract_basis_pays_at_signing_and_claws_back_on_cancellation() {
    let signed = PoolRule::new(dec!(100000.00), dec!(0.03), Basis::Contract);
    let ts = tranches(&team(), &signed, &[Payment::new(d(1, 15), dec!(0))]).unwrap();
    assert_eq!(ts[0].pool, dec!(3000.00));
    assert_eq!(
        line(&ts[0], "bo"),
        (dec!(900.00), dec!(135.00), dec!(765.00))
    );

    // The contract is cancelled: its value becomes zero, everything comes back.
    let mut ledger = Ledger::new();
    ledger.record(&ts[0]).unwrap();
    let cancelled = PoolRule::new(dec!(0), dec!(0.03), Basis::Contract);
    let pool = cancelled.earned(dec!(0), 2).unwrap();
    let back = ledger
        .pay(d(2, 1), &team().pool(pool).split().unwrap())
        .unwrap();
    assert_eq!(
        line(&back, "bo"),
        (dec!(-900.00), dec!(-135.00), dec!(-765.00))
    );
    assert!(ledger.accounts().values().all(|a| a.amount.is_zero()));
}

#[test]
fn forfeit_on_violation_is_per_person_and_exact() {
    let mut ledger = Ledger::new();
    ledger
        .pay(d(3, 1), &team().pool(dec!(1000.00)).split().unwrap())
        .unwrap();
    let f = ledger.forfeit("bo", d(6, 1)).unwrap();
    assert_eq!((f.action, f.amount), (HoldbackAction::Forfeit, dec!(45.00)));
    let rel = ledger.release_all(d(12, 31)).unwrap();
    let ids: Vec<_> = rel.iter().map(|m| (m.id.as_str(), m.amount)).collect();
    assert_eq!(ids, [("ana", dec!(60.00)), ("cy", dec!(45.00))]);
    let bo = ledger.account("bo").unwrap();
    assert_eq!(
        (bo.held, bo.released, bo.forfeited),
        (dec!(45.00), dec!(0), dec!(45.00))
    );
    assert_eq!(
        ledger.release("zed", d(12, 31)).unwrap_err(),
        Error::UnknownPerson { id: "zed".into() }
    );
}

#[test]
fn clawback_after_release_leaves_a_debt_the_next_release_settles() {
    let mut ledger = Ledger::new();
    ledger
        .pay(d(3, 1), &team().pool(dec!(1000.00)).split().unwrap())
        .unwrap();
    ledger.release("ana", d(4, 1)).unwrap(); // 60.00 paid out
    let t = ledger
        .pay(d(5, 1), &team().pool(dec!(500.00)).split().unwrap())
        .unwrap();
    assert_eq!(
        line(&t, "ana"),
        (dec!(-200.00), dec!(-30.00), dec!(-170.00))
    );
    assert_eq!(
        ledger.account("ana").unwrap().outstanding().unwrap(),
        dec!(-30.00)
    );
    let settle = ledger.release("ana", d(12, 31)).unwrap();
    assert_eq!(settle.amount, dec!(-30.00));
}

#[test]
fn team_change_between_tranches() {
    let mut ledger = Ledger::new();
    // First tranche: AR is ana alone.
    ledger
        .pay(d(2, 1), &team().pool(dec!(1000.00)).split().unwrap())
        .unwrap();
    // By the second, dan has joined AR on April 1, and cy has been dropped from
    // the team entirely: the pool has grown to 2000.00.
    let mut later = team().member(Member::new("dan", "AR", dec!(1)).joined(d(4, 1)));
    later.members.retain(|m| &*m.id != "cy");
    let target = later.pool(dec!(2000.00)).split().unwrap();
    let t = ledger.pay(d(5, 1), &target).unwrap();
    // FR is vacant now, so AR gets 40/70 of 2000.00 = 1142.857...; ana had
    // 400.00 and now has 181/272 of AR = 760.50420... -> 760.51 (the one
    // leftover cent goes to her largest remainder); dan is new: 382.35.
    assert_eq!(t.person("ana").unwrap().amount, dec!(360.51));
    assert_eq!(t.person("dan").unwrap().amount, dec!(382.35));
    // SR gets 30/70 = 857.14 (bo had 300.00); cy is clawed back.
    assert_eq!(t.person("cy").unwrap().amount, dec!(-300.00));
    assert_eq!(t.person("bo").unwrap().amount, dec!(557.14));
    for p in &target.people {
        let a = ledger.account(&p.id).unwrap();
        assert_eq!((a.amount, a.held, a.payable), (p.amount, p.held, p.payable));
    }
    assert!(ledger.account("cy").unwrap().amount.is_zero());
}

#[test]
fn refusals_of_the_earning_rules() {
    let rule = PoolRule::new(dec!(100.00), dec!(0.1), Basis::Cash);
    assert_eq!(
        rule.earned(dec!(-0.01), 2),
        Err(Error::NegativeCollected {
            collected: dec!(-0.01)
        })
    );
    assert_eq!(
        PoolRule::new(dec!(-1), dec!(0.1), Basis::Cash).full_pool(2),
        Err(Error::NegativeContractValue { value: dec!(-1) })
    );
    assert_eq!(
        PoolRule::new(dec!(1), dec!(-0.1), Basis::Cash).full_pool(2),
        Err(Error::NegativeRate { rate: dec!(-0.1) })
    );
    let refund_first = [Payment::new(d(1, 2), dec!(-1.00))];
    assert_eq!(
        tranches(&team(), &rule, &refund_first).unwrap_err().code(),
        "negative_collected"
    );
    // Half-even rounding of the whole pool, floor of the earned part.
    let rule = PoolRule::new(dec!(0.50), dec!(0.05), Basis::Cash); // 0.025 -> 0.02
    assert_eq!(rule.full_pool(2).unwrap(), dec!(0.02));
    assert_eq!(rule.earned(dec!(0.49), 2).unwrap(), dec!(0.01)); // 0.0196 -> 0.01
    assert_eq!(rule.earned(dec!(0.50), 2).unwrap(), dec!(0.02));
    assert_eq!(
        PoolRule::new(dec!(0), dec!(0.05), Basis::Cash)
            .earned(dec!(10), 2)
            .unwrap(),
        dec!(0.00)
    );
}

#[test]
fn a_clawback_after_a_forfeit_is_not_recovered_from_the_person() {
    // ana alone, half held back: 50.00 paid, 50.00 held and then forfeited.
    let alone = SplitRequest::new(dec!(100.00), Window::new(d(1, 1), d(7, 1)))
        .role("AR", dec!(1))
        .holdback(dec!(0.5))
        .member(Member::new("ana", "AR", dec!(1)));
    let mut ledger = Ledger::new();
    ledger.pay(d(2, 1), &alone.split().unwrap()).unwrap();
    assert_eq!(ledger.forfeit("ana", d(3, 1)).unwrap().amount, dec!(50.00));
    // A refund takes the whole pool back: payable -50.00 is clawed back...
    let refunded = alone.clone().pool(dec!(0.00));
    let tranche = ledger.pay(d(4, 1), &refunded.split().unwrap()).unwrap();
    assert_eq!(
        line(&tranche, "ana"),
        (dec!(-100.00), dec!(-50.00), dec!(-50.00))
    );
    // ...but the held half she never got is not: the forfeit absorbs it.
    let ana = ledger.account("ana").unwrap().clone();
    assert_eq!(ana.forfeited, dec!(0.00));
    assert_eq!(ana.outstanding().unwrap(), dec!(0.00));
    assert_eq!(ledger.release("ana", d(12, 31)).unwrap().amount, dec!(0.00));
    // Net: paid 50.00, clawed back 50.00.
    assert_eq!(ana.payable + ana.released, dec!(0.00));
}
