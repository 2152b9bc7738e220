//! The bridge from a pipeline deal to the incentive side.
#![cfg(feature = "pipeline")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use ltc_incentive::{from_deal, from_deal_until, split, Basis, DealTerms, Payment, VacantRoles};
use ltc_pipeline::{
    Command, Deal, DealId, GateKind, GateSession, Money, PersonId, Process, ProcessDefinition, Role,
};
use rust_decimal::Decimal;
use rust_decimal_macros::dec;

struct Run {
    process: Process,
    deal: Deal,
    start: DateTime<Utc>,
}

impl Run {
    fn at(&mut self, day: i64, actor: &str, command: Command) {
        let at = self.start + Duration::days(day);
        self.deal
            .execute(&self.process, &command, &PersonId::new(actor), at)
            .unwrap_or_else(|e| panic!("day {day}: {}: {e}", command.name()));
    }

    fn gate(&mut self, day: i64, gate: GateKind, panel: &[(&str, &str)]) {
        let at = self.start + Duration::days(day);
        GateSession::new(gate, "ops")
            .panel(panel.iter().copied())
            .minutes("ok")
            .run(&mut self.deal, &self.process, at)
            .unwrap_or_else(|e| panic!("day {day}: {gate}: {e}"));
    }
}

/// A signed deal of 100,000 whose SR left and rejoined, paid with a refund and a reversal.
fn deal() -> Deal {
    let mut r = Run {
        process: Process::standard(),
        deal: Deal::new(DealId::new("D-7")),
        start: Utc.with_ymd_and_hms(2026, 1, 1, 10, 0, 0).unwrap(),
    };
    r.at(
        0,
        "ops",
        Command::CaptureLead {
            customer: "ACME".into(),
            source: "web".into(),
            estimate: Some(Money::eur(100_000)),
        },
    );
    let grade = Command::grade_lead([("budget", 3), ("decision_chain", 3), ("urgency", 3)]);
    r.at(0, "ana", grade);
    r.at(0, "ana", Command::QualifyLead {});
    r.at(
        0,
        "ops",
        Command::add_member("ana", Role::ar(), Decimal::ONE),
    );
    r.at(0, "ops", Command::add_member("sam", Role::sr(), dec!(0.5)));
    r.at(
        0,
        "ops",
        Command::add_member("fay", Role::fr(), Decimal::ONE),
    );
    r.gate(5, GateKind::OpportunityApproval, &[("eve", "director")]);
    r.at(10, "ops", Command::remove_member("sam", Role::sr()));
    r.at(
        10,
        "ops",
        Command::add_member("sue", Role::sr(), Decimal::ONE),
    );
    r.at(
        20,
        "ops",
        Command::add_member("sam", Role::sr(), Decimal::ONE),
    );
    r.gate(
        25,
        GateKind::SolutionReview,
        &[("mia", "manager"), ("dan", "director")],
    );
    r.gate(
        26,
        GateKind::BidDecision,
        &[("mia", "manager"), ("dan", "director")],
    );
    let terms = Command::request_contract_decision(Money::eur(100_000));
    r.at(28, "ana", terms);
    r.gate(30, GateKind::ContractDecision, &[("eve", "director")]);
    r.at(31, "ana", Command::issue_invoice("I1", Money::eur(100_000)));
    let pay = |id: &str, n: i64| Command::record_payment(id, "I1", Money::eur(n));
    r.at(40, "ana", pay("P1", 40_000));
    r.at(50, "ana", Command::refund("R1", "I1", Money::eur(10_000)));
    r.at(55, "ana", pay("P2", 30_000));
    r.at(56, "ana", Command::ReverseCash { id: "P2".into() });
    r.at(60, "ana", pay("P3", 70_000));
    r.deal
}

fn terms() -> DealTerms {
    DealTerms::new(dec!(0.05), Basis::Cash)
        .role("AR", 40)
        .role("SR", 30)
        .role("FR", 30)
        .holdback(dec!(0.15))
        .vacant_roles(VacantRoles::Redistribute)
        .contribution("sue", dec!(2))
}

/// The payout of `deal` under the standard process over the first 100 days.
fn payout(
    deal: &Deal,
    terms: &DealTerms,
) -> Result<ltc_incentive::DealPayout, ltc_incentive::Error> {
    from_deal_until(deal, &Process::standard(), terms, day(100))
}

fn day(n: u64) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 1, 1).unwrap() + chrono::Days::new(n)
}

#[test]
fn the_team_history_becomes_involvement_weighted_days() {
    let payout = payout(&deal(), &terms()).unwrap();
    let request = &payout.request;
    assert_eq!(
        (request.window.start, request.window.end),
        (day(0), day(100))
    );
    assert!(!request.prorate_by_time);
    assert_eq!(request.pool, dec!(5000.00));
    let find = |id: &str| request.members.iter().find(|m| &*m.id == id).unwrap();
    // sam: 10 days at 0.5, left, then 80 days at 1 since rejoining on day 20.
    assert_eq!(find("sam").contribution, dec!(0.5) * dec!(10) + dec!(80));
    assert_eq!(find("sam").joined, Some(day(0)));
    assert_eq!(find("sam").left, None);
    // sue: measured contribution 2, 90 days.
    assert_eq!(find("sue").contribution, dec!(180));
    assert_eq!(find("ana").contribution, dec!(100));
    assert_eq!(request.members.len(), 4);
    // SR's 30% of 5,000 goes 85 : 180 between sam and sue.
    let result = split(request).unwrap();
    assert_eq!(result.amount_of("sam"), dec!(481.13));
    assert_eq!(result.amount_of("sue"), dec!(1018.87));
    assert_eq!(result.amount_of("ana"), dec!(2000.00));
}

#[test]
fn cash_movements_become_payments_and_tranches_follow_the_cash() {
    let payout = payout(&deal(), &terms()).unwrap();
    assert_eq!(
        payout.payments,
        vec![
            Payment::new(day(40), dec!(40000)),
            Payment::new(day(50), dec!(-10000)),
            Payment::new(day(55), dec!(30000)),
            Payment::new(day(56), dec!(-30000)),
            Payment::new(day(60), dec!(70000)),
        ]
    );
    let tranches = payout.tranches().unwrap();
    assert_eq!(tranches.len(), 5);
    // Cash basis: 40% of the cash in after the first payment, a clawback on the refund.
    assert_eq!(tranches[0].pool, dec!(2000.00));
    assert!(tranches[1].people.iter().all(|p| p.amount <= Decimal::ZERO));
    assert_eq!(tranches[4].pool, dec!(5000.00));
    // The tranches sum to the split of the final pool, per person, to the cent.
    let last = split(&payout.request).unwrap();
    for person in &last.people {
        let paid: Decimal = tranches
            .iter()
            .filter_map(|t| t.person(&person.id))
            .map(|l| l.amount)
            .sum();
        assert_eq!(paid, person.amount, "{}", person.id);
    }
}

#[test]
fn no_signed_contract_no_pool() {
    let process = Process::standard();
    let mut deal = Deal::new(DealId::new("D-8"));
    deal.execute(
        &process,
        &Command::CaptureLead {
            customer: "c".into(),
            source: "s".into(),
            estimate: None,
        },
        &"ops".into(),
        Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap(),
    )
    .unwrap();
    let err = payout(&deal, &terms()).unwrap_err();
    assert_eq!(err.code(), "no_result");
    assert!(err.to_string().contains("captured"));
}

#[test]
fn each_member_weight_is_explained_by_its_stints() {
    let payout = payout(&deal(), &terms()).unwrap();
    assert_eq!(payout.basis.len(), payout.request.members.len());
    for (member, basis) in payout.request.members.iter().zip(&payout.basis) {
        assert_eq!(
            (&*member.id, &member.role),
            (basis.id.as_str(), &basis.role)
        );
        assert_eq!(
            member.contribution,
            basis.measured_contribution * basis.weighted_days
        );
    }
    let sam = payout.basis.iter().find(|b| b.id == "sam").unwrap();
    let days: Vec<(i64, Decimal)> = sam.stints.iter().map(|s| (s.days, s.involvement)).collect();
    assert_eq!(days, [(10, dec!(0.5)), (80, dec!(1))]);
    assert_eq!(sam.stints[0].left, Some(day(10)));
    let sue = payout.basis.iter().find(|b| b.id == "sue").unwrap();
    assert_eq!(sue.measured_contribution, dec!(2));
}

#[test]
fn the_contract_basis_pays_the_whole_pool_at_signature() {
    let mut t = terms();
    t.basis = Basis::Contract;
    let payout = payout(&deal(), &t).unwrap();
    assert_eq!(payout.payments[0], Payment::new(day(30), Decimal::ZERO));
    let tranches = payout.tranches().unwrap();
    assert_eq!(tranches[0].date, day(30));
    assert_eq!(tranches[0].pool, dec!(5000.00));
    // Later cash changes nothing on the contract basis.
    assert!(tranches[1..]
        .iter()
        .all(|t| t.people.iter().all(|p| p.amount.is_zero())));
}

#[test]
fn a_payment_and_a_refund_at_the_same_instant_keep_cash_non_negative() {
    let process = Process::standard();
    let mut deal = deal();
    let at = deal.last_event_at().unwrap();
    // Ids sort the refund first; the bridge must still put the payment first.
    let extra = Command::propose_amendment(Money::eur(160_000), "more");
    deal.execute(&process, &extra, &"ana".into(), at).unwrap();
    GateSession::new(GateKind::ChangeDecision, "ops")
        .seat("eve", "director")
        .run(&mut deal, &process, at)
        .unwrap();
    for command in [
        Command::issue_invoice("I2", Money::eur(60_000)),
        Command::record_payment("Z-PAY", "I2", Money::eur(60_000)),
        Command::refund("A-REFUND", "I2", Money::eur(60_000)),
    ] {
        deal.execute(&process, &command, &"ana".into(), at).unwrap();
    }
    let payout = payout(&deal, &terms()).unwrap();
    let same_day: Vec<Decimal> = payout
        .payments
        .iter()
        .filter(|p| p.date == at.date_naive())
        .map(|p| p.amount)
        .collect();
    assert_eq!(same_day[same_day.len() - 2..], [dec!(60000), dec!(-60000)]);
    assert!(payout.tranches().is_ok());
}

#[test]
fn terms_and_payouts_are_read_exactly_and_strictly() {
    let json = r#"{"roles": {"AR": "40", "SR": "30", "FR": "30"}, "rate": "0.05",
        "basis": "cash", "holdback": "0.15", "contributions": {"sue": "2"}}"#;
    let read: DealTerms = serde_json::from_str(json).unwrap();
    assert_eq!(read, terms());
    let refused = |json: &str| {
        serde_json::from_str::<DealTerms>(json)
            .unwrap_err()
            .to_string()
    };
    let err = refused(
        r#"{"roles": {"AR": "1"}, "rate": "0.00000000000000000000000000001", "basis": "cash"}"#,
    );
    assert!(
        err.contains("more decimal places than a decimal holds"),
        "{err}"
    );
    let err = refused(
        r#"{"roles": {"AR": "1"}, "rate": "0.05", "basis": "cash",
            "contributions": {"sue": "12345678901234567890123456789.1"}}"#,
    );
    assert!(err.contains("more significant digits"), "{err}");
    let err = refused(r#"{"roles": {"AR": "1"}, "rate": "0.05", "basis": "cash", "cap": "1"}"#);
    assert!(err.contains("unknown field `cap`"), "{err}");
    let err = refused(r#"[{"AR": "1"}, "0.05", "cash"]"#);
    assert!(err.contains("expected an object"), "{err}");
    let err = refused(r#"{"roles": {"AR": "1", "AR": "2"}, "rate": "0.05", "basis": "cash"}"#);
    assert!(err.contains("key `AR` is given more than once"), "{err}");

    let payout = payout(&deal(), &terms()).unwrap();
    let text = serde_json::to_string(&payout).unwrap();
    let back: ltc_incentive::DealPayout = serde_json::from_str(&text).unwrap();
    assert_eq!(back, payout);
    assert_eq!(serde_json::to_string(&back).unwrap(), text);
    let mut value: serde_json::Value = serde_json::from_str(&text).unwrap();
    value["basis"][0]["stints"][0]["note"] = serde_json::json!("x");
    let err = serde_json::from_value::<ltc_incentive::DealPayout>(value)
        .unwrap_err()
        .to_string();
    assert!(err.contains("unknown field `note`"), "{err}");
    let mut value: serde_json::Value = serde_json::from_str(&text).unwrap();
    value["basis"][0]["stints"][0] = serde_json::json!(["2026-01-01", null, "1", 100]);
    let err = serde_json::from_value::<ltc_incentive::DealPayout>(value)
        .unwrap_err()
        .to_string();
    assert!(err.contains("expected an object"), "{err}");
}

#[test]
fn a_role_weight_naming_no_role_of_the_process_is_refused() {
    let deal = deal();
    let err = payout(&deal, &terms().role("ar", 10)).unwrap_err();
    assert_eq!(
        err,
        ltc_incentive::Error::RoleNotInProcess {
            role: "ar".into(),
            process: "standard@1".into()
        }
    );
    assert_eq!(
        err.to_string(),
        "the terms weigh role ar, which process standard@1 does not define"
    );
    // Roles are those of the deal's own process: another process is refused.
    let mut definition = ProcessDefinition::standard();
    definition.name = "other".into();
    let other = Process::new(definition).unwrap();
    let err = from_deal_until(&deal, &other, &terms(), day(100)).unwrap_err();
    assert_eq!(
        err.to_string(),
        "deal D-7 runs under process standard@1, not other@1"
    );
}

#[test]
fn a_vacant_role_of_the_process_keeps_its_rule() {
    // The deal runs under a process with a `legal` role nobody held: retained, not refused.
    let mut definition = ProcessDefinition::standard();
    definition.name = "with-legal".into();
    definition.roles.push(Role::new("legal"));
    let process = Process::new(definition).unwrap();
    let mut deal = Deal::new(DealId::new("D-9"));
    for step in ltc_pipeline::strategies::lead_to_cash_in(&process).unwrap() {
        if step.command.name() == "add_member" && format!("{:?}", step.command).contains("legal") {
            continue;
        }
        deal.execute(&process, &step.command, &step.actor, step.at)
            .unwrap();
    }
    let terms = terms().role("legal", 10).vacant_roles(VacantRoles::Retain);
    let payout = from_deal(&deal, &process, &terms).unwrap();
    let result = split(&payout.request).unwrap();
    // 10 of 110 weight points of the 12,000 pool (5% of 240,000) are retained.
    assert_eq!(result.pool, dec!(12000.00));
    assert_eq!(result.retained, dec!(1090.91));
}

#[test]
fn the_window_ends_the_day_after_the_last_event_and_amounts_carry_the_currency() {
    let deal = deal();
    let process = Process::standard();
    let payout = from_deal(&deal, &process, &terms()).unwrap();
    assert_eq!(payout.request.window.end, day(61)); // the last payment was on day 60
    assert_eq!(payout.currency, ltc_pipeline::Currency::EUR);
    let tranches = payout.tranches().unwrap();
    assert!(tranches
        .iter()
        .all(|t| t.currency.as_deref() == Some("EUR")));
    // A ledger takes the currency of the tranches it records, and refuses another.
    let mut ledger = ltc_incentive::Ledger::new();
    for t in &tranches {
        ledger.record(t).unwrap();
    }
    assert_eq!(ledger.currency(), Some("EUR"));
    let mut usd = tranches[0].clone();
    usd.currency = Some("USD".into());
    let before = ledger.clone();
    assert_eq!(ledger.record(&usd).unwrap_err().code(), "currency_mismatch");
    assert_eq!(ledger, before);
    let text = serde_json::to_string(&tranches[0]).unwrap();
    assert!(
        text.starts_with(r#"{"date":"2026-02-10","currency":"EUR","#),
        "{text}"
    );
}

#[test]
fn the_minor_unit_is_the_contract_currencys_unless_the_terms_set_it() {
    // A yen deal: the pool and every share are whole yen.
    let process = Process::standard();
    let mut deal = Deal::new(DealId::new("D-JPY"));
    let at = Utc.with_ymd_and_hms(2026, 1, 1, 10, 0, 0).unwrap();
    let yen = |n: i64| Money::of(Decimal::from(n), ltc_pipeline::Currency::JPY);
    for step in ltc_pipeline::strategies::lead_to_cash_in(&process).unwrap() {
        let command = match step.command {
            Command::CaptureLead {
                customer, source, ..
            } => Command::capture_lead(customer, source, Some(yen(1_000_003))),
            Command::RequestContractDecision { .. } => {
                Command::request_contract_decision(yen(1_000_003))
            }
            Command::IssueInvoice { id, .. } => Command::issue_invoice(id, yen(1_000_003)),
            Command::RecordPayment { id, invoice, .. } => {
                Command::record_payment(id, invoice, yen(1_000_003))
            }
            other => other,
        };
        deal.execute(&process, &command, &step.actor, step.at.max(at))
            .unwrap();
    }
    let payout = from_deal(&deal, &process, &terms()).unwrap();
    assert_eq!(payout.request.scale, 0);
    assert_eq!(payout.request.pool, dec!(50000)); // 5% of 1,000,003, half to even
    let payout = from_deal(&deal, &process, &terms().scale(2)).unwrap();
    assert_eq!(payout.request.pool, dec!(50000.15));
}
