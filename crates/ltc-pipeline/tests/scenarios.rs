//! Scenario tests: given events, when a command, then events or an error.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use chrono::Duration;
use common::*;
use ltc_pipeline::*;
use rust_decimal::Decimal;

#[test]
fn full_path_from_lead_to_cash() {
    let mut w = World::new();
    w.lead(Some(120_000));
    assert_eq!(w.stage(), StageKind::Graded);
    match w.deal.stage() {
        Stage::Graded { grade } => {
            assert_eq!(grade.total, 4 * 2 + 4 * 2 + 3);
            assert_eq!(grade.temperature, Temperature::Hot);
        }
        other => panic!("unexpected stage {other:?}"),
    }
    w.given("ana", Command::QualifyLead {});
    w.join("ana", Role::ar());
    w.join("sam", Role::sr());
    w.days(3).pass(GateKind::OpportunityApproval);
    assert_eq!(w.stage(), StageKind::SolutionWork);
    w.days(20).pass(GateKind::SolutionReview);
    assert_eq!(w.stage(), StageKind::Bid);
    w.join("fred", Role::fr());
    w.days(5).pass(GateKind::BidDecision);
    assert_eq!(w.stage(), StageKind::Negotiation);
    w.days(30).given(
        "ana",
        Command::RequestContractDecision {
            terms: Money::eur(100_000),
        },
    );
    assert_eq!(w.stage(), StageKind::AwaitingContractDecision);
    w.days(2).pass(GateKind::ContractDecision);
    assert_eq!(w.stage(), StageKind::Signed);
    let contract = w.deal.contract().unwrap();
    assert_eq!(contract.value, Money::eur(100_000));

    w.given(
        "fred",
        Command::AddMilestone {
            id: "M1".into(),
            title: "install".into(),
        },
    );
    w.days(30)
        .given("fred", Command::DeliverMilestone { id: "M1".into() });
    assert_eq!(w.stage(), StageKind::Fulfilment);
    w.days(5)
        .given("fred", Command::AcceptMilestone { id: "M1".into() });
    assert_eq!(w.stage(), StageKind::Invoicing);
    w.given("ana", invoice("I1", 60_000));
    w.given("ana", invoice("I2", 40_000));
    assert_eq!(w.stage(), StageKind::Collection);
    w.days(30).given("ana", pay("P1", "I1", 60_000));
    w.days(10).given("ana", pay("P2", "I2", 15_000));
    assert_eq!(w.stage(), StageKind::Collection);
    w.days(10).given("ana", pay("P3", "I2", 25_000));
    assert_eq!(w.stage(), StageKind::Closing);
    w.days(3).pass(GateKind::ClosureDecision);
    assert_eq!(w.stage(), StageKind::Won);
    // The won deal keeps its contract, cash and all.
    let contract = w.deal.contract().unwrap();
    assert_eq!(contract.collected(), Decimal::from(100_000));
    assert_eq!(contract.invoices.len(), 2);

    // The history is intact and replays to the same state.
    let replayed = Deal::replay(DealId::new("D-1"), &w.process, &w.log).unwrap();
    assert_eq!(replayed, w.deal);
    assert_eq!(w.deal.version(), w.log.len() as u64);
    // Who held SR when the bid was decided?
    let bid = w
        .deal
        .gate_log()
        .iter()
        .find_map(|r| match r {
            GateRecord::Decided(d) if d.meeting.gate == GateKind::BidDecision => Some(d),
            _ => None,
        })
        .unwrap();
    assert_eq!(
        w.deal.team().holders_at(&Role::sr(), bid.decided_at),
        vec![&PersonId::new("sam")]
    );
    // Nothing leaves an end stage.
    w.then_error("ana", Command::Lose { reason: "x".into() }, "deal_ended");
}

#[test]
fn stage_holds_the_proof_of_how_it_was_reached() {
    let mut w = World::new();
    w.opportunity(120_000);
    w.pass(GateKind::OpportunityApproval);
    w.pass(GateKind::SolutionReview);
    match w.deal.stage() {
        Stage::Bid {
            approval,
            solution: SolutionPassage::Reviewed { decision },
        } => {
            assert_eq!(approval.meeting.gate, GateKind::OpportunityApproval);
            assert_eq!(decision.meeting.gate, GateKind::SolutionReview);
            assert!(decision.outcome.is_pass());
        }
        other => panic!("unexpected stage {other:?}"),
    }
}

#[test]
fn each_gate_rejection_ends_the_deal_with_its_reason() {
    let cases = [
        (GateKind::OpportunityApproval, EndKind::Disqualified),
        (GateKind::SolutionReview, EndKind::Withdrawn),
        (GateKind::BidDecision, EndKind::Withdrawn),
        (GateKind::ContractDecision, EndKind::Withdrawn),
    ];
    for (gate, end) in cases {
        let mut w = World::new();
        w.opportunity(120_000);
        w.join("fred", Role::fr());
        for earlier in GateKind::ALL.iter().take_while(|g| **g != gate) {
            w.pass(*earlier);
            if *earlier == GateKind::BidDecision {
                w.given(
                    "ana",
                    Command::RequestContractDecision {
                        terms: Money::eur(120_000),
                    },
                );
            }
        }
        let panel = standard_panel(gate);
        w.convene(gate, &panel);
        w.vote_until_decided(&panel, Vote::Reject);
        w.then_changes(
            "ops",
            Command::RecordDecision {
                minutes: "too risky".into(),
                conditions: vec![],
            },
            vec![Change::GateDecided {
                gate,
                outcome: Outcome::Rejected,
                minutes: "too risky".into(),
                conditions: vec![],
            }],
        );
        match w.deal.stage() {
            Stage::Ended(ending) => {
                assert_eq!(ending.kind, end, "{gate}");
                assert!(ending.reason.contains(gate.as_str()));
                assert!(ending.reason.contains("too risky"));
            }
            other => panic!("unexpected stage {other:?}"),
        }
    }
}

#[test]
fn rework_keeps_the_deal_and_the_gate_can_be_convened_again() {
    for gate in [
        GateKind::OpportunityApproval,
        GateKind::SolutionReview,
        GateKind::BidDecision,
        GateKind::ContractDecision,
    ] {
        let mut w = World::new();
        w.opportunity(120_000);
        w.join("fred", Role::fr());
        for earlier in GateKind::ALL.iter().take_while(|g| **g != gate) {
            w.pass(*earlier);
            if *earlier == GateKind::BidDecision {
                w.given(
                    "ana",
                    Command::RequestContractDecision {
                        terms: Money::eur(120_000),
                    },
                );
            }
        }
        let stage = w.stage();
        let panel = standard_panel(gate);
        w.convene(gate, &panel);
        w.vote_until_decided(&panel, Vote::Rework);
        let events = w.decide(vec![]);
        assert!(matches!(
            events[0].change,
            Change::GateDecided {
                outcome: Outcome::Rework,
                ..
            }
        ));
        assert_eq!(w.stage(), stage, "{gate}: rework keeps the stage");
        assert!(w.deal.meeting().is_none());
        w.days(7).pass(gate);
        assert_ne!(w.stage(), stage, "{gate}: the second attempt passes");
        assert_eq!(w.deal.attempts(gate), 2);
    }
}

#[test]
fn four_eyes_bars_the_team_from_its_own_gates() {
    let mut w = World::new();
    w.opportunity(120_000);
    w.then_error(
        "ops",
        convene(GateKind::OpportunityApproval, &[("ana", "executive")]),
        "four_eyes",
    );
    // A reviewer of the convened gate cannot join the team either.
    w.convene(GateKind::OpportunityApproval, &[("eve", "executive")]);
    w.then_error(
        "ops",
        Command::AddMember {
            person: "eve".into(),
            role: Role::fr(),
            involvement: Decimal::ONE,
        },
        "four_eyes",
    );
    // Nor can a substitute be a team member.
    w.then_error(
        "eve",
        Command::DelegateVote {
            substitute: Seat::new("sam", "executive"),
        },
        "four_eyes",
    );
    // A former member is still barred: four-eyes looks at the whole history.
    w.given(
        "ops",
        Command::WithdrawGate {
            reason: "reschedule".into(),
        },
    );
    w.given(
        "ops",
        Command::RemoveMember {
            person: "sam".into(),
            role: Role::sr(),
            closure_recommendation: None,
        },
    );
    w.join("sue", Role::sr());
    w.then_error(
        "ops",
        convene(GateKind::OpportunityApproval, &[("sam", "executive")]),
        "four_eyes",
    );
}

#[test]
fn k_of_n_decides_when_k_approve_or_k_is_out_of_reach() {
    // The standard bid decision is 2 of n.
    let mut w = World::new();
    w.opportunity(120_000);
    w.join("fred", Role::fr());
    w.pass(GateKind::OpportunityApproval);
    w.pass(GateKind::SolutionReview);
    let panel = [("mia", "manager"), ("dan", "director"), ("max", "manager")];
    w.convene(GateKind::BidDecision, &panel);
    w.votes(&[("mia", Vote::Approve)]);
    let err = w.then_error(
        "ops",
        Command::RecordDecision {
            minutes: "m".into(),
            conditions: vec![],
        },
        "undecided",
    );
    assert_eq!(
        err,
        Error::Undecided {
            gate: GateKind::BidDecision,
            approvals: 1,
            pending: 2
        }
    );
    w.votes(&[("dan", Vote::Reject), ("max", Vote::Approve)]);
    w.decide(vec![]);
    assert_eq!(w.stage(), StageKind::Negotiation);

    // k out of reach: two of three reject, so 2-of-3 can no longer pass.
    let mut w = World::new();
    w.opportunity(120_000);
    w.join("fred", Role::fr());
    w.pass(GateKind::OpportunityApproval);
    w.pass(GateKind::SolutionReview);
    w.convene(GateKind::BidDecision, &panel);
    w.votes(&[("mia", Vote::Reject), ("dan", Vote::Rework)]);
    // One reject, one rework: a tie between the two goes to the milder outcome.
    w.decide(vec![]);
    assert_eq!(w.stage(), StageKind::Bid);
    // A panel smaller than k cannot be convened.
    w.then_error(
        "ops",
        convene(GateKind::BidDecision, &[("dan", "director")]),
        "panel_short",
    );
}

#[test]
fn k_larger_than_the_panel_is_refused() {
    let mut def = ProcessDefinition::standard();
    for p in &mut def.gates {
        if p.gate == GateKind::OpportunityApproval {
            p.rule = DecisionRule::KOfN { k: 3 };
        }
    }
    let mut w = World::with(Process::new(def).unwrap());
    w.opportunity(120_000);
    w.then_error(
        "ops",
        convene(
            GateKind::OpportunityApproval,
            &[("eve", "executive"), ("mia", "manager")],
        ),
        "rule_unsatisfiable",
    );
}

#[test]
fn votes_from_outside_the_panel_and_double_votes_are_refused() {
    let mut w = World::new();
    w.opportunity(120_000);
    w.convene(
        GateKind::OpportunityApproval,
        &[("eve", "executive"), ("mia", "manager")],
    );
    let vote = Command::CastVote {
        vote: Vote::Approve,
        comment: None,
    };
    w.then_error("mallory", vote.clone(), "not_on_panel");
    w.given("eve", vote.clone());
    w.then_error("eve", vote.clone(), "already_voted");
    // Only the convener records the decision.
    w.then_error(
        "eve",
        Command::RecordDecision {
            minutes: "m".into(),
            conditions: vec![],
        },
        "not_convener",
    );
}

#[test]
fn delegation_goes_to_a_substitute_of_at_least_the_same_level() {
    let mut w = World::new();
    w.opportunity(120_000);
    w.convene(
        GateKind::OpportunityApproval,
        &[("dan", "director"), ("mia", "manager")],
    );
    w.then_error(
        "dan",
        Command::DelegateVote {
            substitute: Seat::new("max", "manager"),
        },
        "substitute_level_too_low",
    );
    w.given(
        "dan",
        Command::DelegateVote {
            substitute: Seat::new("zoe", "executive"),
        },
    );
    let vote = Command::CastVote {
        vote: Vote::Approve,
        comment: Some("fine".into()),
    };
    // The delegator no longer votes; the substitute does, in the delegator's seat.
    w.then_error("dan", vote.clone(), "not_on_panel");
    w.then_changes(
        "zoe",
        vote,
        vec![Change::VoteCast {
            seat: "dan".into(),
            vote: Vote::Approve,
            comment: Some("fine".into()),
        }],
    );
    w.votes(&[("mia", Vote::Approve)]);
    w.decide(vec![]);
    assert_eq!(w.stage(), StageKind::SolutionWork);
}

#[test]
fn the_convener_may_withdraw_a_convened_gate() {
    let mut w = World::new();
    w.opportunity(120_000);
    w.convene(GateKind::OpportunityApproval, &[("eve", "executive")]);
    w.then_error(
        "eve",
        Command::WithdrawGate {
            reason: "no".into(),
        },
        "not_convener",
    );
    w.given(
        "ops",
        Command::WithdrawGate {
            reason: "customer asked to wait".into(),
        },
    );
    assert!(w.deal.meeting().is_none());
    assert!(matches!(w.deal.gate_log()[0], GateRecord::Withdrawn { .. }));
    w.then_error(
        "ops",
        Command::RecordDecision {
            minutes: "m".into(),
            conditions: vec![],
        },
        "no_meeting",
    );
    w.pass(GateKind::OpportunityApproval);
    assert_eq!(w.deal.attempts(GateKind::OpportunityApproval), 2);
}

#[test]
fn escalation_above_the_threshold_needs_a_higher_level() {
    let mut w = World::new();
    w.opportunity(600_000);
    w.join("fred", Role::fr());
    w.pass(GateKind::OpportunityApproval);
    w.pass(GateKind::SolutionReview);
    // 600,000 is above the bid decision's 500,000 threshold: a director must sit.
    let err = w.then_error(
        "ops",
        convene(
            GateKind::BidDecision,
            &[("mia", "manager"), ("max", "manager")],
        ),
        "escalation_required",
    );
    assert!(err.to_string().contains("director"));
    w.given(
        "ops",
        convene(
            GateKind::BidDecision,
            &[("mia", "manager"), ("dan", "director")],
        ),
    );

    // Below the threshold two managers suffice.
    let mut w = World::new();
    w.opportunity(400_000);
    w.join("fred", Role::fr());
    w.pass(GateKind::OpportunityApproval);
    w.pass(GateKind::SolutionReview);
    w.given(
        "ops",
        convene(
            GateKind::BidDecision,
            &[("mia", "manager"), ("max", "manager")],
        ),
    );
}

#[test]
fn conditions_block_the_next_gate_until_closed() {
    let mut w = World::new();
    w.opportunity(120_000);
    w.convene(GateKind::OpportunityApproval, &[("eve", "executive")]);
    w.votes(&[("eve", Vote::Approve)]);
    let condition = ConditionSpec {
        id: "C1".into(),
        text: "confirm the budget owner".into(),
        due: Some(w.now + Duration::days(7)),
    };
    let events = w.decide(vec![condition.clone()]);
    assert!(matches!(
        events[0].change,
        Change::GateDecided {
            outcome: Outcome::ApprovedWithConditions,
            ..
        }
    ));
    assert_eq!(w.stage(), StageKind::SolutionWork);
    let err = w.then_error(
        "ops",
        convene(
            GateKind::SolutionReview,
            &standard_panel(GateKind::SolutionReview),
        ),
        "open_conditions",
    );
    assert!(err.to_string().contains("C1"));
    w.given(
        "ana",
        Command::CloseCondition {
            id: "C1".into(),
            note: "CFO confirmed".into(),
        },
    );
    w.then_error(
        "ana",
        Command::CloseCondition {
            id: "C1".into(),
            note: "again".into(),
        },
        "already_done",
    );
    w.pass(GateKind::SolutionReview);
    assert_eq!(w.stage(), StageKind::Bid);
}

#[test]
fn conditions_attach_only_to_approvals() {
    let mut w = World::new();
    w.opportunity(120_000);
    w.convene(GateKind::OpportunityApproval, &[("eve", "executive")]);
    w.votes(&[("eve", Vote::Rework)]);
    w.then_error(
        "ops",
        Command::RecordDecision {
            minutes: "m".into(),
            conditions: vec![ConditionSpec {
                id: "C1".into(),
                text: "x".into(),
                due: None,
            }],
        },
        "conditions_without_approval",
    );
}

#[test]
fn small_deals_may_skip_the_solution_review() {
    let mut w = World::new();
    w.opportunity(30_000);
    w.pass(GateKind::OpportunityApproval);
    w.then_changes(
        "ana",
        Command::SkipSolutionReview {},
        vec![Change::SolutionReviewSkipped {
            amount: Decimal::from(30_000),
            below: Decimal::from(50_000),
        }],
    );
    assert!(matches!(
        w.deal.stage(),
        Stage::Bid {
            solution: SolutionPassage::Skipped { .. },
            ..
        }
    ));

    let mut w = World::new();
    w.opportunity(50_000);
    w.pass(GateKind::OpportunityApproval);
    w.then_error("ana", Command::SkipSolutionReview {}, "skip_not_allowed");

    let mut def = ProcessDefinition::standard();
    def.skip_solution_review_below = None;
    let mut w = World::with(Process::new(def).unwrap());
    w.opportunity(10);
    w.pass(GateKind::OpportunityApproval);
    w.then_error("ana", Command::SkipSolutionReview {}, "skip_not_allowed");
}

#[test]
fn required_roles_and_materials_are_checked_when_convening() {
    let mut w = World::new();
    w.lead(Some(120_000));
    w.given("ana", Command::QualifyLead {});
    w.join("ana", Role::ar());
    let err = w.then_error(
        "ops",
        convene(GateKind::OpportunityApproval, &[("eve", "executive")]),
        "role_not_staffed",
    );
    assert_eq!(
        err,
        Error::RoleNotStaffed {
            gate: GateKind::OpportunityApproval,
            role: Role::sr()
        }
    );
    w.join("sam", Role::sr());
    w.then_error(
        "ops",
        Command::ConveneGate {
            gate: GateKind::OpportunityApproval,
            panel: vec![Seat::new("eve", "executive")].into(),
            chair: None,
            materials: vec![].into(),
        },
        "missing_material",
    );
    w.pass(GateKind::OpportunityApproval);
    w.pass(GateKind::SolutionReview);
    // FR must be staffed before the bid decision.
    w.then_error(
        "ops",
        convene(
            GateKind::BidDecision,
            &standard_panel(GateKind::BidDecision),
        ),
        "role_not_staffed",
    );
}

#[test]
fn partial_payments_refunds_and_reversals_keep_the_money_bounds() {
    let mut w = World::new();
    w.signed(100_000);
    w.given("ana", invoice("I1", 70_000));
    let err = w.then_error("ana", invoice("I2", 30_001), "above_contract_value");
    assert_eq!(
        err,
        Error::AboveContractValue {
            amount: Decimal::from(30_001),
            invoiced: Decimal::from(70_000),
            value: Decimal::from(100_000)
        }
    );
    w.given("ana", pay("P1", "I1", 50_000));
    w.then_error("ana", pay("P2", "I1", 20_001), "above_invoiced");
    w.given("ana", pay("P2", "I1", 20_000));
    assert_eq!(
        w.deal.contract().unwrap().collected(),
        Decimal::from(70_000)
    );
    let refund = |id: &str, amount| Command::Refund {
        id: id.into(),
        invoice: "I1".into(),
        amount: Money::eur(amount),
    };
    w.given("ana", refund("R1", 10_000));
    assert_eq!(
        w.deal.contract().unwrap().collected(),
        Decimal::from(60_000)
    );
    w.then_error("ana", refund("R2", 60_001), "above_collected");
    // A bounced payment is reversed in full.
    w.given("ana", Command::ReverseCash { id: "P2".into() });
    assert_eq!(
        w.deal.contract().unwrap().collected(),
        Decimal::from(40_000)
    );
    w.then_error(
        "ana",
        Command::ReverseCash { id: "P2".into() },
        "already_done",
    );
    w.then_error("ana", pay("P1", "I1", 1), "duplicate_id");
    w.then_error("ana", pay("P9", "I9", 1), "unknown_id");
    let usd = Command::RecordPayment {
        id: "P9".into(),
        invoice: "I1".into(),
        amount: Money::new(Decimal::ONE, "USD").unwrap(),
    };
    w.then_error("ana", usd, "currency_mismatch");
    w.then_error("ana", pay("P9", "I1", 0), "non_positive_amount");
}

#[test]
fn an_approved_amendment_raises_the_contract_value() {
    let mut w = World::new();
    w.signed(100_000);
    w.given("ana", invoice("I1", 100_000));
    w.then_error("ana", invoice("I2", 20_000), "above_contract_value");
    w.then_error(
        "ops",
        convene(GateKind::ChangeDecision, &[("eve", "executive")]),
        "no_amendment_proposed",
    );
    w.given(
        "ana",
        Command::ProposeAmendment {
            new_value: Money::eur(120_000),
            reason: "extra site".into(),
        },
    );
    w.then_error(
        "ana",
        Command::ProposeAmendment {
            new_value: Money::eur(130_000),
            reason: "more".into(),
        },
        "amendment_pending",
    );
    // Not yet approved: still capped at the signed value.
    w.then_error("ana", invoice("I2", 20_000), "above_contract_value");
    w.pass(GateKind::ChangeDecision);
    let contract = w.deal.contract().unwrap();
    assert_eq!(contract.value, Money::eur(120_000));
    assert_eq!(contract.signed_value, Decimal::from(100_000));
    assert_eq!(contract.amendments.len(), 1);
    w.given("ana", invoice("I2", 20_000));
    // An amendment below what is invoiced is refused.
    w.then_error(
        "ana",
        Command::ProposeAmendment {
            new_value: Money::eur(110_000),
            reason: "less".into(),
        },
        "invalid_amendment",
    );
}

#[test]
fn a_rejected_amendment_leaves_the_value() {
    let mut w = World::new();
    w.signed(100_000);
    w.given(
        "ana",
        Command::ProposeAmendment {
            new_value: Money::eur(150_000),
            reason: "extra".into(),
        },
    );
    w.convene(GateKind::ChangeDecision, &[("eve", "executive")]);
    w.votes(&[("eve", Vote::Reject)]);
    w.decide(vec![]);
    let contract = w.deal.contract().unwrap();
    assert_eq!(contract.value, Money::eur(100_000));
    assert!(contract.proposed_amendment.is_none());
    assert_eq!(w.stage(), StageKind::Signed);
}

#[test]
fn closure_needs_delivery_invoicing_and_cash() {
    let mut w = World::new();
    w.signed(100_000);
    w.given(
        "fred",
        Command::AddMilestone {
            id: "M1".into(),
            title: "go live".into(),
        },
    );
    w.then_error(
        "fred",
        Command::AcceptMilestone { id: "M1".into() },
        "not_delivered",
    );
    w.given("fred", Command::DeliverMilestone { id: "M1".into() });
    w.given("fred", Command::AcceptMilestone { id: "M1".into() });
    w.given("ana", invoice("I1", 100_000));
    w.given("ana", pay("P1", "I1", 99_999));
    let err = w.then_error(
        "ops",
        convene(GateKind::ClosureDecision, &[("eve", "executive")]),
        "not_ready_to_close",
    );
    assert!(err.to_string().contains("99999"));
    w.given("ana", pay("P2", "I1", 1));
    // A single decider needs a chair.
    w.then_error(
        "ops",
        Command::ConveneGate {
            gate: GateKind::ClosureDecision,
            panel: vec![Seat::new("eve", "executive")].into(),
            chair: None,
            materials: materials(GateKind::ClosureDecision).into(),
        },
        "chair_required",
    );
    w.pass(GateKind::ClosureDecision);
    assert_eq!(w.stage(), StageKind::Won);
}

#[test]
fn forced_closure_after_long_inactivity() {
    let mut w = World::new();
    w.signed(100_000);
    w.given("ana", invoice("I1", 50_000));
    w.days(365 * 3);
    let err = w.then_error(
        "ops",
        Command::ForceClose {
            recommendation: "write off".into(),
        },
        "too_early_to_force_close",
    );
    assert_eq!(
        err,
        Error::TooEarlyToForceClose {
            inactive_days: 365 * 3,
            required_days: 5 * 365 + 1
        }
    );
    w.days(365 * 2 + 1);
    w.then_error(
        "ops",
        Command::ForceClose {
            recommendation: " ".into(),
        },
        "empty_text",
    );
    w.given(
        "ops",
        Command::ForceClose {
            recommendation: "customer dissolved; write off the open invoice".into(),
        },
    );
    assert_eq!(w.stage(), StageKind::ForceClosed);
}

#[test]
fn a_loss_at_each_phase_carries_its_reason() {
    // Lead phase: disqualified.
    let mut w = World::new();
    w.lead(None);
    w.then_error("ana", Command::Lose { reason: "x".into() }, "wrong_stage");
    w.then_error(
        "ana",
        Command::Disqualify { reason: "".into() },
        "empty_text",
    );
    w.given(
        "ana",
        Command::Disqualify {
            reason: "no budget".into(),
        },
    );
    assert_eq!(w.stage(), StageKind::Disqualified);

    // Opportunity phase: lost and withdrawn.
    let mut w = World::new();
    w.opportunity(120_000);
    w.pass(GateKind::OpportunityApproval);
    w.given(
        "ana",
        Command::Lose {
            reason: "competitor won on price".into(),
        },
    );
    match w.deal.stage() {
        Stage::Ended(e) => {
            assert_eq!(e.kind, EndKind::Lost);
            assert_eq!(e.reason, "competitor won on price".into());
            assert_eq!(e.from, StageKind::SolutionWork);
        }
        other => panic!("unexpected {other:?}"),
    }
    let mut w = World::new();
    w.opportunity(120_000);
    w.given(
        "ana",
        Command::Withdraw {
            reason: "not strategic".into(),
        },
    );
    assert_eq!(w.stage(), StageKind::Withdrawn);

    // Execution phase: the customer cancels; withdrawing is no longer possible.
    let mut w = World::new();
    w.signed(100_000);
    w.then_error(
        "ana",
        Command::Withdraw { reason: "x".into() },
        "wrong_stage",
    );
    w.given(
        "ana",
        Command::Lose {
            reason: "customer cancelled".into(),
        },
    );
    assert_eq!(w.stage(), StageKind::Lost);
}

#[test]
fn team_history_survives_leaving_and_rejoining() {
    let mut w = World::new();
    w.opportunity(120_000);
    let t0 = w.now;
    w.days(10).given(
        "ops",
        Command::RemoveMember {
            person: "sam".into(),
            role: Role::sr(),
            closure_recommendation: None,
        },
    );
    let t1 = w.now;
    w.then_error(
        "ops",
        Command::RemoveMember {
            person: "sam".into(),
            role: Role::sr(),
            closure_recommendation: None,
        },
        "not_on_team",
    );
    w.days(10).join("sam", Role::sr());
    // One person may hold two roles.
    w.join("ana", Role::fr());
    w.then_error(
        "ops",
        Command::AddMember {
            person: "ana".into(),
            role: Role::fr(),
            involvement: Decimal::ONE,
        },
        "already_on_team",
    );
    let team = w.deal.team();
    assert_eq!(team.stints().len(), 4);
    assert_eq!(
        team.holders_at(&Role::sr(), t0),
        vec![&PersonId::new("sam")]
    );
    assert!(team.holders_at(&Role::sr(), t1).is_empty());
    assert_eq!(
        team.holders_at(&Role::sr(), w.now),
        vec![&PersonId::new("sam")]
    );
    w.then_error(
        "ops",
        Command::AddMember {
            person: "x".into(),
            role: Role::new("QA"),
            involvement: Decimal::ONE,
        },
        "unknown_role",
    );
    w.then_error(
        "ops",
        Command::AddMember {
            person: "x".into(),
            role: Role::fr(),
            involvement: Decimal::new(15, 1),
        },
        "invalid_involvement",
    );
}

#[test]
fn lead_grading_follows_the_scorecard() {
    let mut w = World::new();
    w.given(
        "ops",
        Command::CaptureLead {
            customer: "ACME".into(),
            source: "web".into(),
            estimate: None,
        },
    );
    w.then_error("ana", Command::QualifyLead {}, "wrong_stage");
    w.then_error("ana", grade(6, 0, 0), "score_above_max");
    let mut scores = std::collections::BTreeMap::new();
    scores.insert("budget".to_owned(), 1);
    w.then_error(
        "ana",
        Command::GradeLead {
            scores: scores.clone(),
        },
        "missing_score",
    );
    scores.insert("golf".to_owned(), 1);
    w.then_error("ana", Command::GradeLead { scores }, "unknown_criterion");
    w.given("ana", grade(5, 5, 5));
    match w.deal.stage() {
        Stage::Graded { grade } => assert_eq!(grade.temperature, Temperature::Hot),
        other => panic!("unexpected {other:?}"),
    }
    w.given("ana", grade(1, 1, 1));
    match w.deal.stage() {
        Stage::Graded { grade } => assert_eq!(grade.temperature, Temperature::Cold),
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn optimistic_concurrency_refuses_a_stale_version() {
    let mut w = World::new();
    w.lead(None);
    let envelope = Envelope::new("ana", w.now, Command::QualifyLead {}).expecting(1);
    let err = envelope.decide(&w.deal, &w.process).unwrap_err();
    assert_eq!(
        err,
        Error::VersionConflict {
            expected: 1,
            actual: 2
        }
    );
    let fresh = envelope.expecting(2);
    assert_eq!(fresh.decide(&w.deal, &w.process).unwrap()[0].version, 3);
}

#[test]
fn time_cannot_go_backwards() {
    let mut w = World::new();
    w.lead(None);
    w.now -= Duration::seconds(1);
    w.then_error("ana", Command::QualifyLead {}, "time_went_backwards");
}

#[test]
fn replay_refuses_a_log_out_of_sequence_or_of_another_deal() {
    let mut w = World::new();
    w.opportunity(120_000);
    let mut log = w.log.clone();
    log.swap(1, 2);
    let err = Deal::replay(DealId::new("D-1"), &w.process, &log).unwrap_err();
    assert_eq!(err.code(), "invalid_event");
    let err = Deal::replay(DealId::new("D-2"), &w.process, &w.log).unwrap_err();
    assert_eq!(err.code(), "invalid_event");
}

#[test]
fn commands_events_and_state_round_trip_through_json() {
    let mut w = World::new();
    w.signed(100_000);
    let json = serde_json::to_string(&w.log).unwrap();
    let log: Vec<Event> = serde_json::from_str(&json).unwrap();
    assert_eq!(log, w.log);
    let state: Deal = serde_json::from_str(&serde_json::to_string(&w.deal).unwrap()).unwrap();
    assert_eq!(state, w.deal);
    let command: Command = serde_json::from_str(
        r#"{"type": "issue_invoice", "id": "I1", "amount": {"amount": "10.50", "currency": "EUR"}}"#,
    )
    .unwrap();
    assert_eq!(
        command,
        Command::IssueInvoice {
            id: "I1".into(),
            amount: Money::new(Decimal::new(1050, 2), "EUR").unwrap(),
            due: None
        }
    );
    assert!(serde_json::from_str::<Command>(r#"{"type": "fly_to_moon"}"#).is_err());
}

#[test]
fn replay_refuses_a_forged_invoice_above_the_contract_value() {
    let mut w = World::new();
    w.signed(100_000);
    w.given("ana", invoice("I1", 60_000));
    let mut log = w.log.clone();
    let last = log.last().unwrap().clone();
    log.push(Event {
        version: last.version + 1,
        change: Change::InvoiceIssued {
            id: "I2".into(),
            amount: Money::eur(60_000),
            due: None,
        },
        ..last
    });
    let err = Deal::replay(DealId::new("D-1"), &w.process, &log).unwrap_err();
    assert_eq!(err.code(), "invalid_event");
}

#[test]
fn execution_stages_move_with_the_obligations_along_the_graph() {
    let edges: Vec<(StageKind, StageKind)> = Process::standard()
        .transitions()
        .map(|(from, to, _)| (from, to))
        .collect();
    let mut w = World::new();
    w.signed(100_000);
    let expect = |w: &mut World, actor: &str, command: Command, to: StageKind| {
        let from = w.stage();
        w.given(actor, command);
        assert_eq!(w.stage(), to);
        assert!(
            from == to || edges.contains(&(from, to)),
            "{from} -> {to} is not in the graph"
        );
    };
    let milestone = |id: &str| Command::AddMilestone {
        id: id.into(),
        title: "work".into(),
    };
    w.given("fred", milestone("M1"));
    expect(&mut w, "ana", invoice("I1", 100_000), StageKind::Signed);
    expect(&mut w, "ana", pay("P1", "I1", 100_000), StageKind::Signed);
    expect(
        &mut w,
        "fred",
        Command::DeliverMilestone { id: "M1".into() },
        StageKind::Fulfilment,
    );
    // Fully invoiced and paid already: accepting the last milestone goes straight to closing.
    expect(
        &mut w,
        "fred",
        Command::AcceptMilestone { id: "M1".into() },
        StageKind::Closing,
    );
    // A new milestone reopens fulfilment; a reversal reopens collection.
    expect(&mut w, "fred", milestone("M2"), StageKind::Fulfilment);
    w.given("fred", Command::DeliverMilestone { id: "M2".into() });
    expect(
        &mut w,
        "fred",
        Command::AcceptMilestone { id: "M2".into() },
        StageKind::Closing,
    );
    expect(
        &mut w,
        "ana",
        Command::ReverseCash { id: "P1".into() },
        StageKind::Collection,
    );
    expect(
        &mut w,
        "ana",
        Command::Lose {
            reason: "customer insolvent".into(),
        },
        StageKind::Lost,
    );
}

#[test]
fn replay_refuses_forged_events_that_decide_would_never_emit() {
    let mut w = World::new();
    w.signed(100_000);
    w.given("ana", invoice("I1", 100_000));
    w.given("ana", pay("P1", "I1", 40_000));
    let last = w.log.last().unwrap().clone();
    let forged = |change: Change, at_offset: i64| {
        let mut log = w.log.clone();
        log.push(Event {
            version: last.version + 1,
            at: last.at + Duration::seconds(at_offset),
            change,
            ..last.clone()
        });
        Deal::replay(DealId::new("D-1"), &w.process, &log)
    };
    let usd = Money::new(Decimal::from(10), "USD").unwrap();
    let cases = [
        // The same payment id again would double-count the cash.
        (
            Change::PaymentReceived {
                id: "P1".into(),
                invoice: "I1".into(),
                amount: Money::eur(10),
            },
            1,
        ),
        // Another currency.
        (
            Change::PaymentReceived {
                id: "P2".into(),
                invoice: "I1".into(),
                amount: usd,
            },
            1,
        ),
        // A negative payment.
        (
            Change::PaymentReceived {
                id: "P2".into(),
                invoice: "I1".into(),
                amount: Money::eur(-10),
            },
            1,
        ),
        // Only the closure decision wins a deal.
        (
            Change::Ended {
                kind: EndKind::Won,
                reason: "forged".into(),
            },
            1,
        ),
        // Withdrawing is not possible once signed.
        (
            Change::Ended {
                kind: EndKind::Withdrawn,
                reason: "forged".into(),
            },
            1,
        ),
        // Time going backwards.
        (
            Change::MilestoneAdded {
                id: "M9".into(),
                title: "t".into(),
            },
            -1,
        ),
        // A vote with no gate convened.
        (
            Change::VoteCast {
                seat: "eve".into(),
                vote: Vote::Approve,
                comment: None,
            },
            1,
        ),
        // An involvement above 1.
        (
            Change::MemberJoined {
                person: "zed".into(),
                role: Role::fr(),
                involvement: Decimal::from(2),
            },
            1,
        ),
    ];
    for (change, offset) in cases {
        let described = format!("{change:?}");
        let err = forged(change, offset).expect_err(&described);
        assert_eq!(err.code(), "invalid_event", "{described}");
    }
}

#[test]
fn a_forged_state_with_absurd_amounts_does_not_panic() {
    let mut w = World::new();
    w.signed(100_000);
    w.given("ana", invoice("I1", 50_000));
    w.given("ana", invoice("I2", 50_000));
    let mut state = serde_json::to_value(&w.deal).unwrap();
    let max = Decimal::MAX.to_string();
    for id in ["I1", "I2"] {
        state["stage"]["contract"]["invoices"][id]["amount"] = max.clone().into();
    }
    let forged: Deal = serde_json::from_value(state).unwrap();
    let _ = forged.stage_kind();
    let contract = forged.contract().unwrap();
    assert_eq!(contract.invoiced(), Decimal::MAX);
    let refused = decide(&forged, &w.process, &invoice("I3", 1), &"ana".into(), w.now);
    assert!(refused.is_err());
}

#[test]
fn without_a_change_decision_no_amendment_is_proposed() {
    // A proposal only a change decision could take in or drop would block the closure forever.
    let mut definition = ProcessDefinition::standard();
    definition
        .gates
        .retain(|p| p.gate != GateKind::ChangeDecision);
    let mut w = World::with(Process::new(definition).unwrap());
    w.signed(100_000);
    let propose = Command::propose_amendment(Money::eur(120_000), "more licences");
    let err = w.then_error("ana", propose, "gate_not_configured");
    assert_eq!(
        err,
        Error::GateNotConfigured {
            gate: GateKind::ChangeDecision
        }
    );
    w.replays();
}
