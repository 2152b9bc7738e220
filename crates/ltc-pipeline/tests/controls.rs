//! Controls that hold, as a user meets them: gates lock what they judge, authority follows the
//! amount at stake, votes stop when the rule has decided, money in minor units and exact, strict
//! input, one-line errors, and logs that cannot lie.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::*;
use ltc_pipeline::*;
use rust_decimal::Decimal;
use std::str::FromStr;

fn money(amount: &str, currency: &str) -> Money {
    Money::new(Decimal::from_str(amount).unwrap(), currency).unwrap()
}

fn process_with(edit: impl FnOnce(&mut ProcessDefinition)) -> Process {
    let mut definition = ProcessDefinition::standard();
    edit(&mut definition);
    Process::new(definition).unwrap()
}

fn set_rule(definition: &mut ProcessDefinition, gate: GateKind, rule: DecisionRule) {
    for p in &mut definition.gates {
        if p.gate == gate {
            p.rule = rule.clone();
        }
    }
}

// ----- a convened gate locks what it judges -----

#[test]
fn the_estimate_cannot_be_raised_under_an_open_bid_decision() {
    // Given a 400,000 bid convened with two managers (enough below 500,000),
    let mut w = World::at_bid(400_000);
    w.convene(
        GateKind::BidDecision,
        &[("mia", "manager"), ("max", "manager")],
    );
    // when the estimate is raised to 2,000,000, then it is refused: the bid is locked.
    let err = w.then_error(
        "ana",
        Command::SetEstimate {
            value: Money::eur(2_000_000),
        },
        "gate_locked",
    );
    assert_eq!(
        err,
        Error::GateLocked {
            gate: GateKind::BidDecision,
            fact: Fact::Estimate
        }
    );
    // Once withdrawn, the estimate moves again, and a new bid decision needs a director.
    w.given(
        "ops",
        Command::WithdrawGate {
            reason: "amount changed".into(),
        },
    );
    w.given(
        "ana",
        Command::SetEstimate {
            value: Money::eur(2_000_000),
        },
    );
    w.then_error(
        "ops",
        convene(
            GateKind::BidDecision,
            &[("mia", "manager"), ("max", "manager")],
        ),
        "escalation_required",
    );
}

#[test]
fn the_last_fr_cannot_leave_while_the_bid_decision_requires_fr() {
    let mut w = World::at_bid(100_000);
    w.convene(
        GateKind::BidDecision,
        &standard_panel(GateKind::BidDecision),
    );
    let remove = |person: &str| Command::RemoveMember {
        person: person.into(),
        role: Role::fr(),
        closure_recommendation: None,
    };
    let err = w.then_error("ops", remove("fred"), "gate_locked");
    assert_eq!(
        err,
        Error::GateLocked {
            gate: GateKind::BidDecision,
            fact: Fact::Staffing
        }
    );
    // A second FR joins; now either may leave, as long as one stays.
    w.join("fia", Role::fr());
    w.given("ops", remove("fred"));
    w.then_error("ops", remove("fia"), "gate_locked");
    // A role the gate does not require is not locked: nothing requires a second SR.
    w.join("sue", Role::sr());
    w.given(
        "ops",
        Command::RemoveMember {
            person: "sue".into(),
            role: Role::sr(),
            closure_recommendation: None,
        },
    );
}

#[test]
fn terms_are_locked_under_the_contract_decision() {
    let mut w = World::at_bid(100_000);
    w.pass(GateKind::BidDecision);
    w.given(
        "ana",
        Command::RequestContractDecision {
            terms: Money::eur(100_000),
        },
    );
    w.convene(
        GateKind::ContractDecision,
        &standard_panel(GateKind::ContractDecision),
    );
    w.then_error(
        "ana",
        Command::RequestContractDecision {
            terms: Money::eur(5_000_000),
        },
        "gate_locked",
    );
}

#[test]
fn execution_is_locked_under_the_closure_decision() {
    let mut w = World::new();
    w.closing(10_000);
    w.convene(
        GateKind::ClosureDecision,
        &standard_panel(GateKind::ClosureDecision),
    );
    for command in [
        Command::Refund {
            id: "R1".into(),
            invoice: "I1".into(),
            amount: Money::eur(1_000),
        },
        Command::ReverseCash { id: "P1".into() },
        Command::AddMilestone {
            id: "M2".into(),
            title: "more".into(),
        },
        Command::ProposeAmendment {
            new_value: Money::eur(20_000),
            reason: "more scope".into(),
        },
    ] {
        w.then_error("ana", command, "gate_locked");
    }
}

// ----- authority follows the amount at stake -----

#[test]
fn the_change_decision_escalates_on_the_proposed_value() {
    let mut w = World::new();
    w.signed(900_000);
    w.given(
        "ana",
        Command::ProposeAmendment {
            new_value: Money::eur(5_000_000),
            reason: "a second site".into(),
        },
    );
    // One manager may decide a 900,000 contract, not a 5,000,000 one.
    let err = w.then_error(
        "ops",
        convene(GateKind::ChangeDecision, &[("mia", "manager")]),
        "escalation_required",
    );
    assert!(matches!(
        err,
        Error::EscalationRequired { amount, .. } if amount == Decimal::from(5_000_000)
    ));
    w.convene(GateKind::ChangeDecision, &[("eve", "executive")]);
    w.votes(&[("eve", Vote::Approve)]);
    w.decide(vec![]);
    assert_eq!(w.deal.contract().unwrap().value, Money::eur(5_000_000));
}

// ----- votes stop when the rule has decided -----

#[test]
fn a_two_of_three_gate_takes_no_vote_after_two_approvals() {
    let mut w = World::at_bid(100_000);
    let panel = [("mia", "manager"), ("max", "manager"), ("dan", "director")];
    w.convene(GateKind::BidDecision, &panel);
    w.votes(&[("mia", Vote::Approve), ("max", Vote::Approve)]);
    let err = w.then_error(
        "dan",
        Command::CastVote {
            vote: Vote::Reject,
            comment: None,
        },
        "voting_closed",
    );
    assert_eq!(
        err,
        Error::VotingClosed {
            gate: GateKind::BidDecision,
            verdict: Vote::Approve
        }
    );
    // Delegating is closed too.
    w.then_error(
        "dan",
        Command::DelegateVote {
            substitute: Seat::new("zoe", "executive"),
        },
        "voting_closed",
    );
    let events = w.decide(vec![]);
    assert!(matches!(
        events[0].change,
        Change::GateDecided {
            outcome: Outcome::Approved,
            ..
        }
    ));
    let GateRecord::Decided(decision) = w.deal.gate_log().last().unwrap() else {
        panic!("decided")
    };
    assert_eq!(decision.meeting.ballots.len(), 2);
}

#[test]
fn a_broken_unanimity_is_rework_and_later_rejections_are_refused() {
    let mut w = World::with(process_with(|d| {
        set_rule(d, GateKind::SolutionReview, DecisionRule::Unanimous)
    }));
    w.opportunity(100_000);
    w.pass(GateKind::OpportunityApproval);
    let panel = [("mia", "manager"), ("max", "manager"), ("dan", "director")];
    w.convene(GateKind::SolutionReview, &panel);
    w.votes(&[("mia", Vote::Approve), ("max", Vote::Rework)]);
    for who in ["dan", "mia"] {
        w.then_error(
            who,
            Command::CastVote {
                vote: Vote::Reject,
                comment: None,
            },
            if who == "mia" {
                "already_voted"
            } else {
                "voting_closed"
            },
        );
    }
    let events = w.decide(vec![]);
    assert!(matches!(
        events[0].change,
        Change::GateDecided {
            outcome: Outcome::Rework,
            ..
        }
    ));
    assert_eq!(w.stage(), StageKind::SolutionWork, "rework keeps the deal");
}

#[test]
fn the_first_response_decides() {
    let mut w = World::with(process_with(|d| {
        set_rule(d, GateKind::SolutionReview, DecisionRule::FirstResponse)
    }));
    w.opportunity(100_000);
    w.pass(GateKind::OpportunityApproval);
    let panel = [("mia", "manager"), ("max", "manager")];
    // No chair needed: any seated reviewer's first vote decides.
    w.given(
        "ops",
        Command::ConveneGate {
            gate: GateKind::SolutionReview,
            panel: panel.iter().map(|(p, l)| Seat::new(*p, *l)).collect(),
            chair: None,
            materials: materials(GateKind::SolutionReview).into(),
        },
    );
    w.then_error(
        "ops",
        Command::RecordDecision {
            minutes: "early".into(),
            conditions: vec![],
        },
        "undecided",
    );
    w.votes(&[("max", Vote::Rework)]);
    w.then_error(
        "mia",
        Command::CastVote {
            vote: Vote::Approve,
            comment: None,
        },
        "voting_closed",
    );
    let events = w.decide(vec![]);
    assert!(matches!(
        events[0].change,
        Change::GateDecided {
            outcome: Outcome::Rework,
            ..
        }
    ));
}

// ----- money in minor units, exact -----

#[test]
fn amounts_must_be_whole_minor_units_of_their_currency() {
    let mut w = World::new();
    let capture = |m: Money| Command::CaptureLead {
        customer: "ACME".into(),
        source: "web".into(),
        estimate: Some(m),
    };
    let err = w.then_error("ops", capture(money("100.5", "JPY")), "not_in_minor_units");
    assert_eq!(
        err.to_string(),
        "100.5 JPY is not a whole number of minor units (JPY has 0 decimal place(s))"
    );
    w.then_error("ops", capture(money("10.001", "EUR")), "not_in_minor_units");
    w.then_error("ops", capture(money("10", "XTS")), "unknown_currency");
    // Trailing zeros are not finer than the minor unit; three places are fine in KWD.
    w.given("ops", capture(money("10.0100", "EUR")));
    let mut k = World::new();
    k.given("ops", capture(money("10.001", "KWD")));
    // A process can add a currency.
    let mut x = World::with(process_with(|d| {
        d.currencies.insert(Currency::new("XTS").unwrap(), 4);
    }));
    x.given("ops", capture(money("1.2345", "XTS")));
}

#[test]
fn invoices_beyond_the_contract_by_a_sub_minor_amount_are_refused() {
    let mut w = World::new();
    w.signed(200_000);
    w.given(
        "fred",
        Command::AddMilestone {
            id: "M1".into(),
            title: "install".into(),
        },
    );
    w.given("ana", invoice("I1", 200_000));
    let tiny = Command::IssueInvoice {
        id: "I2".into(),
        amount: money("0.0000000000000000000000000001", "EUR"),
        due: None,
    };
    w.then_error("ana", tiny, "not_in_minor_units");
    let payment = Command::RecordPayment {
        id: "P1".into(),
        invoice: "I1".into(),
        amount: money("200000.001", "EUR"),
    };
    w.then_error("ana", payment, "not_in_minor_units");
}

#[test]
fn a_sum_a_decimal_cannot_hold_exactly_is_refused_not_rounded() {
    // A currency with 28 decimal places, so that amounts reach a decimal's precision.
    let process = process_with(|d| {
        d.currencies.insert(Currency::new("XTS").unwrap(), 28);
    });
    let mut w = World::with(process);
    let xts = |amount: &str| money(amount, "XTS");
    w.given(
        "ops",
        Command::CaptureLead {
            customer: "ACME".into(),
            source: "web".into(),
            estimate: Some(xts("10")),
        },
    );
    w.given("ana", grade(4, 4, 3));
    w.given("ana", Command::QualifyLead {});
    w.join("ana", Role::ar());
    w.join("sam", Role::sr());
    w.pass(GateKind::OpportunityApproval);
    w.pass(GateKind::SolutionReview);
    w.join("fred", Role::fr());
    w.pass(GateKind::BidDecision);
    w.given("ana", Command::RequestContractDecision { terms: xts("10") });
    w.pass(GateKind::ContractDecision);
    let issue = |id: &str, amount: &str| Command::IssueInvoice {
        id: id.into(),
        amount: xts(amount),
        due: None,
    };
    w.given("ana", issue("I1", "7"));
    w.given("ana", issue("I2", "0.0000000000000000000000000001"));
    // 8.0000000000000000000000000001 has 29 significant digits and a mantissa above 2^96:
    // `checked_add` would round it to 8; the engine refuses it.
    let err = w.then_error("ana", issue("I3", "1"), "inexact");
    assert!(
        err.to_string().contains("cannot be computed exactly"),
        "{err}"
    );
    assert_eq!(
        w.deal.contract().unwrap().invoiced(),
        Decimal::from_str("7.0000000000000000000000000001").unwrap()
    );
}

// ----- strict input, one-line errors, valid pictures -----

#[test]
fn a_typo_in_an_envelope_is_refused_not_ignored() {
    let json = r#"{"actor":"ops","at":"2026-01-05T09:00:00Z","expected_versoin":7,
                   "command":{"type":"qualify_lead"}}"#;
    let err = serde_json::from_str::<Envelope>(json)
        .unwrap_err()
        .to_string();
    assert!(err.contains("unknown field `expected_versoin`"), "{err}");
    let nested = r#"{"actor":"ops","at":"2026-01-05T09:00:00Z",
        "command":{"type":"set_estimate","value":{"amount":"10","currency":"EUR","cents":1}}}"#;
    assert!(serde_json::from_str::<Envelope>(nested).is_err());
    let digits = r#"{"amount":"79228162514264337593543950335.4","currency":"EUR"}"#;
    assert!(serde_json::from_str::<Money>(digits).is_err());
}

#[test]
fn a_newline_in_a_name_keeps_the_error_on_one_line() {
    let mut w = World::new();
    w.opportunity(100_000);
    let err = w.then_error(
        "ops",
        Command::RemoveMember {
            person: "mallory\nadmin: approved".into(),
            role: Role::ar(),
            closure_recommendation: None,
        },
        "not_on_team",
    );
    assert_eq!(
        err.to_string(),
        "`mallory\\nadmin: approved` does not hold role `AR`"
    );
}

#[test]
fn a_backslash_in_a_process_name_renders_valid_dot() {
    let process = process_with(|d| d.name = "ours\\ \"best\" plan".into());
    let dot = process.to_dot();
    let first = dot.lines().next().unwrap();
    assert_eq!(first, r#"digraph "ours\\ \"best\" plan" {"#);
    assert_eq!(dot.matches('{').count(), dot.matches('}').count());
}

#[test]
fn a_process_name_is_a_usable_name() {
    // `name@version` names a process in logs, stores and on the command line, and names are
    // printed: no line breaks, no escapes, no `@`, no space around it.
    for name in [
        "ours\nplan",
        "x\u{1b}[2Jy",
        " standard ",
        "a@b",
        "evil\u{2028}name",
    ] {
        let mut definition = ProcessDefinition::standard();
        definition.name = name.into();
        let err = Process::new(definition).unwrap_err();
        assert_eq!(err.code(), "invalid_definition", "{name:?}");
        assert!(err.to_string().contains("at `name`"), "{err}");
    }
}

// ----- logs that cannot lie -----

#[test]
fn a_forged_closure_does_not_replay() {
    let mut w = World::new();
    w.signed(200_000);
    let next = |w: &World, change: Change| Event {
        deal: w.deal.id().clone(),
        version: w.deal.version() + 1,
        at: w.now,
        actor: "ops".into(),
        change,
    };
    // Nothing delivered, invoiced or collected: a closure cannot be convened, decided or won.
    for change in [
        Change::GateConvened {
            gate: GateKind::ClosureDecision,
            panel: vec![Seat::new("eve", "executive")].into(),
            chair: Some("eve".into()),
            materials: materials(GateKind::ClosureDecision).into(),
        },
        Change::GateDecided {
            gate: GateKind::ClosureDecision,
            outcome: Outcome::Approved,
            minutes: "won".into(),
            conditions: vec![],
        },
        Change::Ended {
            kind: EndKind::Won,
            reason: "won".into(),
        },
    ] {
        let mut log = w.log.clone();
        log.push(next(&w, change));
        let err = Deal::replay(w.deal.id().clone(), &w.process, &log).unwrap_err();
        assert_eq!(err.code(), "invalid_event");
        assert!(err.to_string().contains("of deal `D-1`"), "{err}");
    }
}

#[test]
fn a_recorded_approval_over_a_reject_vote_does_not_replay() {
    let mut w = World::new();
    w.opportunity(100_000);
    w.convene(GateKind::OpportunityApproval, &[("eve", "executive")]);
    w.votes(&[("eve", Vote::Reject)]);
    let events = w.decide(vec![]);
    let mut log = w.log.clone();
    let last = log.last_mut().unwrap();
    assert_eq!(last, &events[0]);
    last.change = Change::GateDecided {
        gate: GateKind::OpportunityApproval,
        outcome: Outcome::Approved,
        minutes: "minutes".into(),
        conditions: vec![],
    };
    let err = Deal::replay(DealId::new("D-1"), &w.process, &log).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "event {} of deal `D-1` cannot be applied: the votes decide gate `opportunity_approval` `rejected` under its rule, not `approved`",
            log.len()
        )
    );
}

#[test]
fn a_vote_after_the_decision_does_not_replay() {
    // Two approvals settle the 2-of-2 bid decision; a forged third vote is refused on replay.
    let mut w = World::at_bid(100_000);
    let panel = [("mia", "manager"), ("max", "manager"), ("dan", "director")];
    w.convene(GateKind::BidDecision, &panel);
    w.votes(&[("mia", Vote::Approve), ("max", Vote::Approve)]);
    let mut log = w.log.clone();
    let mut forged = log.last().unwrap().clone();
    forged.version += 1;
    forged.actor = "dan".into();
    forged.change = Change::VoteCast {
        seat: "dan".into(),
        vote: Vote::Reject,
        comment: None,
    };
    log.push(forged);
    let err = Deal::replay(DealId::new("D-1"), &w.process, &log).unwrap_err();
    assert!(err.to_string().contains("voting_closed"), "{err}");
}

#[test]
fn an_amount_finer_than_the_minor_unit_does_not_replay() {
    let mut w = World::new();
    w.opportunity(100_000);
    let mut log = w.log.clone();
    let mut forged = log.last().unwrap().clone();
    forged.version += 1;
    forged.change = Change::EstimateSet {
        value: money("100.001", "EUR"),
    };
    log.push(forged);
    let err = Deal::replay(DealId::new("D-1"), &w.process, &log).unwrap_err();
    assert!(err.to_string().contains("not_in_minor_units"), "{err}");
}

// ----- orders of commands that must not get around a control -----

#[test]
fn a_verdict_cannot_be_withdrawn_for_another_panel() {
    let mut w = World::at_bid(100_000);
    w.convene(
        GateKind::BidDecision,
        &[("mia", "manager"), ("max", "manager")],
    );
    w.votes(&[("mia", Vote::Reject)]);
    let err = w.then_error(
        "ops",
        Command::WithdrawGate {
            reason: "another panel".into(),
        },
        "verdict_reached",
    );
    assert_eq!(
        err,
        Error::VerdictReached {
            gate: GateKind::BidDecision,
            verdict: Vote::Reject
        }
    );
    w.decide(vec![]);
    assert_eq!(w.stage(), StageKind::Withdrawn);
}

#[test]
fn a_named_reviewer_cannot_hand_the_seat_on() {
    let mut w = World::with(process_with(|d| {
        for p in &mut d.gates {
            if p.gate == GateKind::BidDecision {
                p.panel.named = vec!["cfo".into()];
            }
        }
    }));
    w.opportunity(100_000);
    w.pass(GateKind::OpportunityApproval);
    w.pass(GateKind::SolutionReview);
    w.join("fred", Role::fr());
    w.convene(
        GateKind::BidDecision,
        &[("cfo", "executive"), ("mia", "manager")],
    );
    w.then_error(
        "cfo",
        Command::DelegateVote {
            substitute: Seat::new("intern", "executive"),
        },
        "named_seat",
    );
    // A blank substitute or actor is refused too.
    w.then_error(
        "mia",
        Command::DelegateVote {
            substitute: Seat::new(" ", "manager"),
        },
        "empty_text",
    );
    w.then_error(
        "",
        Command::CastVote {
            vote: Vote::Approve,
            comment: None,
        },
        "empty_text",
    );
}

#[test]
fn a_skipped_review_does_not_survive_a_grown_estimate() {
    let mut w = World::new();
    w.opportunity(5_000_000);
    w.pass(GateKind::OpportunityApproval);
    w.given(
        "ana",
        Command::SetEstimate {
            value: Money::eur(40_000),
        },
    );
    w.given("ana", Command::SkipSolutionReview {});
    assert_eq!(w.stage(), StageKind::Bid);
    w.then_error(
        "ana",
        Command::SetEstimate {
            value: Money::eur(5_000_000),
        },
        "skip_not_allowed",
    );
    w.given(
        "ana",
        Command::SetEstimate {
            value: Money::eur(45_000),
        },
    );
}

#[test]
fn the_closure_decision_takes_no_conditions_and_waits_for_a_pending_amendment() {
    let mut w = World::new();
    w.closing(10_000);
    w.given(
        "ana",
        Command::ProposeAmendment {
            new_value: Money::eur(20_000),
            reason: "more".into(),
        },
    );
    w.then_error(
        "ops",
        convene(
            GateKind::ClosureDecision,
            &standard_panel(GateKind::ClosureDecision),
        ),
        "amendment_pending",
    );
    w.convene(GateKind::ChangeDecision, &[("eve", "executive")]);
    w.votes(&[("eve", Vote::Reject)]);
    w.decide(vec![]);
    w.convene(
        GateKind::ClosureDecision,
        &standard_panel(GateKind::ClosureDecision),
    );
    w.votes(&[("eve", Vote::Approve)]);
    w.then_error(
        "ops",
        Command::RecordDecision {
            minutes: "won".into(),
            conditions: vec![ConditionSpec {
                id: "C-9".into(),
                text: "later".into(),
                due: None,
            }],
        },
        "conditions_on_closure",
    );
    w.decide(vec![]);
    assert_eq!(w.stage(), StageKind::Won);
}

#[test]
fn a_stored_decimal_written_with_more_places_rebuilds_the_engines_state() {
    let mut w = World::new();
    w.opportunity(40_000);
    w.pass(GateKind::OpportunityApproval);
    w.given("ana", Command::SkipSolutionReview {});
    let mut log = w.log.clone();
    let Change::SolutionReviewSkipped { below, .. } = &mut log.last_mut().unwrap().change else {
        panic!("the skip")
    };
    *below = Decimal::from_str("50000.000").unwrap();
    let replayed = Deal::replay(DealId::new("D-1"), &w.process, &log).unwrap();
    assert_eq!(
        serde_json::to_string(&replayed).unwrap(),
        serde_json::to_string(&w.deal).unwrap()
    );
}

#[test]
fn a_majority_takes_no_vote_once_it_is_reached_or_out_of_reach() {
    let mut w = World::with(process_with(|d| {
        set_rule(d, GateKind::BidDecision, DecisionRule::Majority)
    }));
    w.opportunity(100_000);
    w.pass(GateKind::OpportunityApproval);
    w.pass(GateKind::SolutionReview);
    w.join("fred", Role::fr());
    let panel = [
        ("mia", "manager"),
        ("max", "manager"),
        ("dan", "director"),
        ("kim", "manager"),
    ];
    w.convene(GateKind::BidDecision, &panel);
    // Two of four reject: a majority of approvals is out of reach.
    w.votes(&[
        ("mia", Vote::Approve),
        ("max", Vote::Reject),
        ("dan", Vote::Rework),
    ]);
    w.then_error(
        "kim",
        Command::CastVote {
            vote: Vote::Approve,
            comment: None,
        },
        "voting_closed",
    );
    let events = w.decide(vec![]);
    assert!(matches!(
        events[0].change,
        Change::GateDecided {
            outcome: Outcome::Rework,
            ..
        }
    ));
    // Again: three approvals of four decide; the fourth seat is not asked.
    w.convene(GateKind::BidDecision, &panel);
    w.votes(&[
        ("mia", Vote::Approve),
        ("max", Vote::Approve),
        ("dan", Vote::Approve),
    ]);
    w.then_error(
        "kim",
        Command::CastVote {
            vote: Vote::Reject,
            comment: None,
        },
        "voting_closed",
    );
    w.decide(vec![]);
    assert_eq!(w.stage(), StageKind::Negotiation);
}

#[test]
fn the_chair_decides_alone_and_advice_after_it_is_refused() {
    let mut w = World::new();
    w.closing(10_000);
    // The closure decision is single-decider; the chair is the first seat.
    w.convene(
        GateKind::ClosureDecision,
        &[("dora", "director"), ("mia", "manager"), ("max", "manager")],
    );
    w.votes(&[("mia", Vote::Reject)]); // advice, before the chair
    w.then_error(
        "ops",
        Command::RecordDecision {
            minutes: "early".into(),
            conditions: vec![],
        },
        "undecided",
    );
    w.votes(&[("dora", Vote::Approve)]);
    w.then_error(
        "max",
        Command::CastVote {
            vote: Vote::Reject,
            comment: None,
        },
        "voting_closed",
    );
    w.decide(vec![]);
    assert_eq!(w.stage(), StageKind::Won);
}

// ----- ids and instants a host can store and print -----

#[test]
fn ids_with_control_characters_or_space_around_them_are_refused() {
    let process = Process::standard();
    let at = chrono::DateTime::<chrono::Utc>::from_timestamp(1_767_225_600, 0).unwrap();
    let lead = Command::CaptureLead {
        customer: "ACME".into(),
        source: "web".into(),
        estimate: None,
    };
    for bad in ["D\n1", "D-1 ", " D-1", "D\u{1b}[2J", "D\u{2028}1"] {
        let deal = Deal::new(DealId::new(bad));
        let err = decide(&deal, &process, &lead, &"ops".into(), at).unwrap_err();
        assert_eq!(err.code(), "invalid_id", "{bad:?}");
        assert_eq!(err.to_string().lines().count(), 1);
    }
    let deal = Deal::new(DealId::new(""));
    let err = decide(&deal, &process, &lead, &"ops".into(), at).unwrap_err();
    assert_eq!(err.code(), "empty_text");
    // Inner spaces and non-ASCII letters are ids like any other.
    let deal = Deal::new(DealId::new("Ångström 7"));
    assert!(decide(&deal, &process, &lead, &"ops".into(), at).is_ok());
    // The actor and the people a command names are ids too.
    let mut deal = Deal::new(DealId::new("D-1"));
    deal.execute(&process, &lead, &"ops".into(), at).unwrap();
    let err = decide(&deal, &process, &lead, &"ops\r".into(), at).unwrap_err();
    assert_eq!(err.code(), "invalid_id");
    let join = Command::AddMember {
        person: "ana\u{7}".into(),
        role: Role::ar(),
        involvement: Decimal::ONE,
    };
    let before = deal.clone();
    let err = deal
        .execute(&process, &join, &"ops".into(), at)
        .unwrap_err();
    assert_eq!(err.code(), "invalid_id");
    assert_eq!(deal, before);
}

#[test]
fn instants_the_stored_format_cannot_write_are_refused() {
    let process = Process::standard();
    let lead = Command::CaptureLead {
        customer: "ACME".into(),
        source: "web".into(),
        estimate: None,
    };
    for text in [
        "+10000-01-01T00:00:00Z",
        "-0001-01-01T00:00:00Z",
        "0000-12-31T23:59:59Z",
    ] {
        let at: chrono::DateTime<chrono::Utc> = text.parse().unwrap();
        let deal = Deal::new(DealId::new("D-1"));
        let err = decide(&deal, &process, &lead, &"ops".into(), at).unwrap_err();
        assert_eq!(err.code(), "instant_out_of_range", "{text}");
    }
    for text in ["0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z"] {
        let at: chrono::DateTime<chrono::Utc> = text.parse().unwrap();
        let deal = Deal::new(DealId::new("D-1"));
        assert!(
            decide(&deal, &process, &lead, &"ops".into(), at).is_ok(),
            "{text}"
        );
    }
}
