//! Forged logs: a log the engine wrote, perturbed (an outcome changed, a vote dropped, added or
//! duplicated, an amount changed, two events swapped), either does not replay or replays to a
//! deal `decide` could have produced, command by command.
//!
//! The default run checks a few hundred logs; the long run checks 100,000:
//! `cargo test -p ltc-pipeline --all-features --test forgery -- --ignored`.
#![cfg(feature = "proptest")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::cases;
use ltc_pipeline::strategies::{self, Step};
use ltc_pipeline::{Change, Deal, DealId, Event, GateRecord, Money, Outcome, Process, Vote};
use proptest::prelude::*;
use rust_decimal::Decimal;

/// One way to tamper with a log.
#[derive(Debug, Clone)]
enum Perturbation {
    ChangeOutcome(usize, Outcome),
    Drop(usize),
    DuplicateVote(usize),
    AddVote(usize, Vote),
    ChangeAmount(usize, Decimal),
    Swap(usize),
}

fn perturbation() -> impl Strategy<Value = Perturbation> {
    let outcome = prop_oneof![
        Just(Outcome::Approved),
        Just(Outcome::ApprovedWithConditions),
        Just(Outcome::Rework),
        Just(Outcome::Rejected),
    ];
    let vote = prop_oneof![Just(Vote::Approve), Just(Vote::Rework), Just(Vote::Reject)];
    let delta = prop_oneof![
        Just(Decimal::new(1, 3)),
        Just(Decimal::new(1, 28)),
        Just(Decimal::ONE),
        Just(-Decimal::ONE),
        Just(Decimal::from(1_000_000)),
    ];
    prop_oneof![
        (any::<usize>(), outcome).prop_map(|(i, o)| Perturbation::ChangeOutcome(i, o)),
        any::<usize>().prop_map(Perturbation::Drop),
        any::<usize>().prop_map(Perturbation::DuplicateVote),
        (any::<usize>(), vote).prop_map(|(i, v)| Perturbation::AddVote(i, v)),
        (any::<usize>(), delta).prop_map(|(i, d)| Perturbation::ChangeAmount(i, d)),
        any::<usize>().prop_map(Perturbation::Swap),
    ]
}

fn execute(process: &Process, steps: &[Step]) -> Vec<Event> {
    let mut deal = Deal::new(DealId::new("D-1"));
    let mut log = Vec::new();
    for step in steps {
        if let Ok(events) = deal.execute(process, &step.command, &step.actor, step.at) {
            log.extend(events);
        }
    }
    log
}

/// The indexes of the events `pick` selects; the `n`th of them (modulo their count).
fn nth(log: &[Event], n: usize, pick: impl Fn(&Change) -> bool) -> Option<usize> {
    let found: Vec<usize> = (0..log.len()).filter(|i| pick(&log[*i].change)).collect();
    (!found.is_empty()).then(|| found[n % found.len()])
}

fn money_of(change: &mut Change) -> Option<&mut Money> {
    match change {
        Change::LeadCaptured {
            estimate: Some(m), ..
        }
        | Change::EstimateSet { value: m }
        | Change::ContractDecisionRequested { terms: m }
        | Change::InvoiceIssued { amount: m, .. }
        | Change::PaymentReceived { amount: m, .. }
        | Change::RefundIssued { amount: m, .. }
        | Change::AmendmentProposed { new_value: m, .. } => Some(m),
        _ => None,
    }
}

/// Applies the perturbation and numbers the versions again, so that the deeper checks (not the
/// sequence check) are what a forgery meets. `None` when it does not apply to this log.
fn perturb(log: &[Event], p: &Perturbation) -> Option<Vec<Event>> {
    let mut log = log.to_vec();
    match p {
        Perturbation::ChangeOutcome(n, outcome) => {
            let i = nth(&log, *n, |c| matches!(c, Change::GateDecided { .. }))?;
            let Change::GateDecided { outcome: o, .. } = &mut log[i].change else {
                return None;
            };
            *o = *outcome;
        }
        Perturbation::Drop(n) => {
            if log.is_empty() {
                return None;
            }
            log.remove(n % log.len());
        }
        Perturbation::DuplicateVote(n) => {
            let i = nth(&log, *n, |c| matches!(c, Change::VoteCast { .. }))?;
            let copy = log[i].clone();
            log.insert(i + 1, copy);
        }
        Perturbation::AddVote(n, vote) => {
            let i = nth(&log, *n, |c| matches!(c, Change::VoteCast { .. }))?;
            let mut extra = log[i].clone();
            let Change::VoteCast { vote: v, .. } = &mut extra.change else {
                return None;
            };
            *v = *vote;
            extra.actor = "zed".into();
            if let Change::VoteCast { seat, .. } = &mut extra.change {
                *seat = "zed".into();
            }
            log.insert(i + 1, extra);
        }
        Perturbation::ChangeAmount(n, delta) => {
            let i = nth(&log, *n, |c| money_of(&mut c.clone()).is_some())?;
            let m = money_of(&mut log[i].change)?;
            m.amount = m.amount.checked_add(*delta)?;
        }
        Perturbation::Swap(n) => {
            if log.len() < 2 {
                return None;
            }
            let i = n % (log.len() - 1);
            let (a, b) = (log[i].clone(), log[i + 1].clone());
            log[i].change = b.change;
            log[i].actor = b.actor;
            log[i + 1].change = a.change;
            log[i + 1].actor = a.actor;
        }
    }
    for (i, event) in log.iter_mut().enumerate() {
        event.version = i as u64 + 1;
    }
    Some(log)
}

/// A forged log replays only if `decide`, sent each event's command by its actor at its time,
/// writes exactly that log; and the deal it rebuilds keeps the invariants a reader relies on.
fn check(process: &Process, original: &[Event], p: &Perturbation) -> Result<(), TestCaseError> {
    let Some(forged) = perturb(original, p) else {
        return Ok(());
    };
    let Ok(replayed) = Deal::replay(DealId::new("D-1"), process, &forged) else {
        return Ok(());
    };
    let mut rebuilt = Deal::new(DealId::new("D-1"));
    for event in &forged {
        let command = event.change.command();
        prop_assert!(command.is_some(), "a change no command records replayed");
        let written = rebuilt
            .execute(process, &command.unwrap(), &event.actor, event.at)
            .map_err(|e| TestCaseError::fail(format!("decide refuses a replayed event: {e}")))?;
        prop_assert_eq!(&written, &vec![event.clone()]);
    }
    prop_assert_eq!(&rebuilt, &replayed);
    // Independent of `decide`: every recorded outcome is the verdict its ballots draw, the last
    // ballot is the one that settled it, and the money bounds hold in whole cents.
    for record in replayed.gate_log() {
        if let GateRecord::Decided(d) = record {
            let rule = &process.policy(d.meeting.gate).unwrap().rule;
            let verdict = d.meeting.verdict(rule);
            let expected = match verdict {
                Some(Vote::Approve) => d.outcome.is_pass(),
                Some(Vote::Rework) => d.outcome == Outcome::Rework,
                Some(Vote::Reject) => d.outcome == Outcome::Rejected,
                None => false,
            };
            prop_assert!(
                expected,
                "{:?} recorded for verdict {:?}",
                d.outcome,
                verdict
            );
            let mut earlier = d.meeting.clone();
            earlier.ballots.pop();
            prop_assert!(
                earlier.verdict(rule).is_none(),
                "a ballot after the rule decided"
            );
        }
    }
    if let Some(c) = replayed.contract() {
        prop_assert!(c.collected() <= c.invoiced() && c.invoiced() <= c.value.amount);
        let cents = |d: Decimal| d.normalize().scale() <= 2;
        prop_assert!(cents(c.value.amount));
        prop_assert!(c.invoices.values().all(|i| cents(i.amount)));
        prop_assert!(c.cash.values().all(|m| cents(m.amount)));
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(300), ..ProptestConfig::default() })]

    #[test]
    fn forged_logs_replay_only_as_decide_writes_them(
        steps in strategies::noisy_lead_to_cash(),
        p in perturbation(),
    ) {
        let process = Process::standard();
        check(&process, &execute(&process, &steps), &p)?;
    }

    #[test]
    fn an_unperturbed_log_replays(steps in strategies::noisy_lead_to_cash()) {
        let process = Process::standard();
        let log = execute(&process, &steps);
        prop_assert!(Deal::replay(DealId::new("D-1"), &process, &log).is_ok());
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 100_000, ..ProptestConfig::default() })]

    #[test]
    #[ignore = "long run: 100,000 forged logs (cargo test --test forgery -- --ignored)"]
    fn forged_logs_long_run(
        steps in strategies::noisy_lead_to_cash(),
        p in perturbation(),
    ) {
        let process = Process::standard();
        check(&process, &execute(&process, &steps), &p)?;
    }
}

/// Every perturbation of the script's own log is caught: the lead-to-cash script has each kind of
/// event the perturbations touch, so each kind is exercised at least once here.
#[test]
fn each_perturbation_of_the_script_is_refused() {
    let process = Process::standard();
    let log = execute(&process, &strategies::lead_to_cash());
    let cases = [
        Perturbation::ChangeOutcome(0, Outcome::Rejected),
        Perturbation::Drop(3),
        Perturbation::DuplicateVote(0),
        Perturbation::AddVote(0, Vote::Reject),
        Perturbation::ChangeAmount(0, Decimal::new(1, 3)),
        Perturbation::Swap(1),
    ];
    for p in &cases {
        let forged = perturb(&log, p).unwrap();
        assert_ne!(forged, log, "{p:?} changed nothing");
        let err = Deal::replay(DealId::new("D-1"), &process, &forged).unwrap_err();
        assert_eq!(err.code(), "invalid_event", "{p:?}");
    }
}
