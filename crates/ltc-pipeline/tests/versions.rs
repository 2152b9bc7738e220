//! Process versions: a deal runs under the process it was opened under, moves to another version
//! only by an explicit migration decided against the target, and replays under the versions it
//! ran under. Scenarios in "given events, when command, then events or error" form.
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

/// Version `n` of the standard process, edited.
fn version(n: u32, edit: impl FnOnce(&mut ProcessDefinition)) -> Process {
    let mut definition = ProcessDefinition::standard();
    definition.version = n;
    edit(&mut definition);
    Process::new(definition).unwrap()
}

fn policy(definition: &mut ProcessDefinition, gate: GateKind) -> &mut GatePolicy {
    definition
        .gates
        .iter_mut()
        .find(|p| p.gate == gate)
        .unwrap()
}

/// The bid decision needs an executive on the panel.
fn bid_needs_an_executive(n: u32) -> Process {
    version(n, |d| {
        policy(d, GateKind::BidDecision).panel.levels = vec![LevelSeats {
            level: "executive".into(),
            count: 1,
        }];
    })
}

fn blocked(result: Result<Vec<Event>, Error>) -> Error {
    match result {
        Err(Error::MigrationBlocked { problem, .. }) => *problem,
        other => panic!("expected migration_blocked, got {other:?}"),
    }
}

const MANAGERS: [(&str, &str); 2] = [("mia", "manager"), ("max", "manager")];

// ----- a deal is pinned to its process -----

#[test]
fn the_first_event_records_the_process_the_deal_was_opened_under() {
    let mut w = World::new();
    w.lead(Some(80_000));
    match &w.log[0].change {
        Change::LeadCaptured { process, .. } => {
            assert_eq!(process, &ProcessRef::new("standard", 1));
        }
        other => panic!("the first event is {other:?}"),
    }
    assert_eq!(w.deal.process(), Some(&ProcessRef::new("standard", 1)));
}

#[test]
fn a_command_under_another_process_is_refused_with_its_own_code() {
    let mut w = World::new();
    w.lead(Some(80_000));
    // Another version of the same process,
    w.process = bid_needs_an_executive(2);
    let err = w.then_error("ana", Command::QualifyLead {}, "process_mismatch");
    assert_eq!(
        err,
        Error::ProcessMismatch {
            expected: ProcessRef::new("standard", 1),
            given: ProcessRef::new("standard", 2),
        }
    );
    // and another process of the same version.
    w.process = version(1, |d| d.name = "enterprise".into());
    w.then_error("ana", Command::QualifyLead {}, "process_mismatch");
}

#[test]
fn replay_needs_the_version_each_event_was_decided_under() {
    let mut w = World::at_bid(400_000);
    let v2 = bid_needs_an_executive(2);
    w.migrate(v2.clone()).unwrap();
    w.replays();
    // Without v2 the migration event cannot be judged; without v1 the first event cannot.
    let only_v1 = Deal::replay(DealId::new("D-1"), &Process::standard(), &w.log).unwrap_err();
    assert_eq!(only_v1.code(), "unknown_process");
    assert!(only_v1.to_string().contains("standard@2"), "{only_v1}");
    let only_v2 = Deal::replay(DealId::new("D-1"), &v2, &w.log).unwrap_err();
    assert_eq!(only_v2.code(), "unknown_process");
}

#[test]
fn a_stored_log_cannot_claim_a_migration_the_rules_refuse() {
    // A deal in solution work with 400,000 cannot move to a version without the solution review
    // (it could only skip it, and it is too large to); a forged migration event is refused.
    let mut w = World::new();
    w.opportunity(400_000);
    w.pass(GateKind::OpportunityApproval);
    let v2 = version(2, |d| {
        d.gates.retain(|p| p.gate != GateKind::SolutionReview)
    });
    let mut log = w.log.clone();
    log.push(Event {
        deal: DealId::new("D-1"),
        version: w.deal.version() + 1,
        at: w.now,
        actor: "ops".into(),
        change: Change::ProcessMigrated { from: 1, to: 2 },
    });
    let err = Deal::replay(DealId::new("D-1"), &[Process::standard(), v2], &log).unwrap_err();
    assert_eq!(err.code(), "invalid_event");
    assert!(err.to_string().contains("migration_blocked"), "{err}");
}

// ----- the migration command -----

#[test]
fn a_migration_is_recorded_as_an_event_and_the_deal_runs_under_the_target() {
    let mut w = World::at_bid(400_000);
    let version_before = w.deal.version();
    let events = w.migrate(bid_needs_an_executive(2)).unwrap();
    assert_eq!(
        events.iter().map(|e| e.change.clone()).collect::<Vec<_>>(),
        vec![Change::ProcessMigrated { from: 1, to: 2 }]
    );
    assert_eq!(w.deal.version(), version_before + 1);
    assert_eq!(w.deal.process(), Some(&ProcessRef::new("standard", 2)));
    assert_eq!(w.stage(), StageKind::Bid);
    // The standard process (v1) no longer decides for it.
    w.process = Process::standard();
    w.then_error("ana", Command::QualifyLead {}, "process_mismatch");
}

#[test]
fn a_migration_to_the_version_in_force_or_to_another_process_is_refused() {
    let mut w = World::at_bid(400_000);
    let same = Process::standard();
    let err = w.migrate(same).unwrap_err();
    assert_eq!(err.code(), "already_done");
    let other = version(2, |d| d.name = "enterprise".into());
    assert_eq!(w.migrate(other).unwrap_err().code(), "process_mismatch");
    // The command names version 3; the process given is version 2.
    let v2 = bid_needs_an_executive(2);
    let err = w
        .deal
        .execute(
            &v2,
            &Command::MigrateProcess { version: 3 },
            &"ops".into(),
            w.now,
        )
        .unwrap_err();
    assert_eq!(
        err,
        Error::ProcessMismatch {
            expected: ProcessRef::new("standard", 3),
            given: ProcessRef::new("standard", 2),
        }
    );
}

#[test]
fn an_unopened_or_ended_deal_does_not_migrate() {
    let mut w = World::new();
    assert_eq!(
        w.migrate(bid_needs_an_executive(2)).unwrap_err().code(),
        "not_opened"
    );
    w.lead(None);
    w.given(
        "ana",
        Command::Disqualify {
            reason: "no budget".into(),
        },
    );
    assert_eq!(
        w.migrate(bid_needs_an_executive(2)).unwrap_err().code(),
        "deal_ended"
    );
}

// ----- a gate policy tightened between versions -----

#[test]
fn a_deal_past_a_tightened_gate_migrates() {
    // Given a deal whose bid decision passed with two managers under v1,
    let mut w = World::at_bid(400_000);
    w.convene(GateKind::BidDecision, &MANAGERS);
    w.vote_until_decided(&MANAGERS, Vote::Approve);
    w.decide(vec![]);
    assert_eq!(w.stage(), StageKind::Negotiation);
    // when it moves to v2, whose bid decision needs an executive, then it moves: the decision
    // taken under v1 stands.
    w.migrate(bid_needs_an_executive(2)).unwrap();
    w.given(
        "ana",
        Command::RequestContractDecision {
            terms: Money::eur(400_000),
        },
    );
    w.replays();
}

#[test]
fn an_open_gate_keeps_the_panel_and_policy_it_was_convened_with() {
    // Given a bid decision convened with two managers under v1,
    let mut w = World::at_bid(400_000);
    w.convene(GateKind::BidDecision, &MANAGERS);
    let v1_policy = Process::standard()
        .policy(GateKind::BidDecision)
        .unwrap()
        .clone();
    // when the deal moves to v2, whose bid decision needs an executive,
    w.migrate(bid_needs_an_executive(2)).unwrap();
    // then the meeting is still judged under the policy it was convened with:
    assert_eq!(*w.deal.meeting().unwrap().policy, v1_policy);
    w.vote_until_decided(&MANAGERS, Vote::Approve);
    w.decide(vec![]);
    assert_eq!(w.stage(), StageKind::Negotiation);
    match w.deal.gate_log().last() {
        Some(GateRecord::Decided(d)) => {
            assert_eq!(d.outcome, Outcome::Approved);
            assert_eq!(*d.meeting.policy, v1_policy);
        }
        other => panic!("{other:?}"),
    }
    w.replays();
}

#[test]
fn a_gate_convened_after_the_migration_follows_the_target() {
    // Given a bid decision sent back for rework under v1,
    let mut w = World::at_bid(400_000);
    w.convene(GateKind::BidDecision, &MANAGERS);
    w.vote_until_decided(&MANAGERS, Vote::Rework);
    w.decide(vec![]);
    // and the deal moved to v2,
    w.migrate(bid_needs_an_executive(2)).unwrap();
    // when the bid decision is convened again with the same two managers, then v2 refuses it.
    let err = w.then_error(
        "ops",
        convene(GateKind::BidDecision, &MANAGERS),
        "panel_short",
    );
    assert!(err.to_string().contains("executive"), "{err}");
    w.convene(
        GateKind::BidDecision,
        &[("mia", "manager"), ("eve", "executive")],
    );
    w.replays();
}

#[test]
fn an_open_gate_the_target_no_longer_has_blocks_the_migration() {
    // Given a change decision convened on a signed contract,
    let mut w = World::new();
    w.signed(300_000);
    w.propose(350_000);
    w.convene(GateKind::ChangeDecision, &[("eve", "executive")]);
    // when the deal is moved to a version without the change decision, then it is refused.
    let without = version(2, |d| {
        d.gates.retain(|p| p.gate != GateKind::ChangeDecision)
    });
    let before = w.deal.clone();
    let problem = blocked(w.migrate(without.clone()));
    assert_eq!(
        problem,
        Error::GateNotConfigured {
            gate: GateKind::ChangeDecision
        }
    );
    assert_eq!(w.deal, before);
    // Once the gate is decided, the deal moves.
    w.vote_until_decided(&[("eve", "executive")], Vote::Approve);
    w.decide(vec![]);
    w.migrate(without).unwrap();
    w.replays();
}

fn without_change_decision(n: u32) -> Process {
    version(n, |d| {
        d.gates.retain(|p| p.gate != GateKind::ChangeDecision)
    })
}

/// A signed 300,000 contract whose amendment to 350,000 waits for its change decision.
fn amendment_waiting() -> World {
    let mut w = World::new();
    w.signed(300_000);
    w.propose(350_000);
    w
}

#[test]
fn an_amendment_waiting_for_a_change_decision_the_target_lacks_blocks_the_migration() {
    // Given an amendment waiting for its change decision (no gate convened),
    let mut w = amendment_waiting();
    assert!(w.deal.meeting().is_none());
    // when the deal is moved to a version without the change decision, then it is refused: there
    // nothing could take the amendment in or drop it, and it would block the closure for good.
    let before = w.deal.clone();
    let err = w.migrate(without_change_decision(2)).unwrap_err();
    assert_eq!(err.code(), "migration_blocked");
    assert!(err.to_string().contains("standard@2"), "{err}");
    assert!(err.to_string().contains("change_decision"), "{err}");
    assert_eq!(
        blocked(Err(err)),
        Error::GateNotConfigured {
            gate: GateKind::ChangeDecision
        }
    );
    assert_eq!(w.deal, before);
    assert_eq!(w.log.len() as u64, w.deal.version());
    // The same after the change decision sent it back for rework: the amendment still waits.
    let panel = [("eve", "executive")];
    w.convene(GateKind::ChangeDecision, &panel);
    w.vote_until_decided(&panel, Vote::Rework);
    w.decide(vec![]);
    assert!(w.deal.contract().unwrap().proposed_amendment.is_some());
    assert_eq!(
        blocked(w.migrate(without_change_decision(2))),
        Error::GateNotConfigured {
            gate: GateKind::ChangeDecision
        }
    );
    // Once the change decision drops it, the deal moves, and closes under the target.
    w.convene(GateKind::ChangeDecision, &panel);
    w.vote_until_decided(&panel, Vote::Reject);
    w.decide(vec![]);
    assert!(w.deal.contract().unwrap().proposed_amendment.is_none());
    w.migrate(without_change_decision(2)).unwrap();
    assert_eq!(
        w.deal.contract().unwrap().value.amount,
        Decimal::from(300_000)
    );
    w.replays();
}

#[test]
fn a_contract_without_a_waiting_amendment_moves_to_a_version_without_the_change_decision() {
    // The change decision is optional: a signed deal with nothing waiting for it moves, and is
    // won under the target.
    let mut w = World::new();
    w.closing(300_000);
    w.migrate(without_change_decision(2)).unwrap();
    w.pass(GateKind::ClosureDecision);
    assert_eq!(w.stage(), StageKind::Won);
    w.replays();
}

#[test]
fn open_conditions_wait_on_no_gate_and_migrate_as_they_stand() {
    // Given an amendment approved with a condition, the condition still open,
    let mut w = World::new();
    w.closing(300_000);
    w.propose(350_000);
    let panel = [("eve", "executive")];
    w.convene(GateKind::ChangeDecision, &panel);
    w.vote_until_decided(&panel, Vote::Approve);
    w.decide(vec![ConditionSpec {
        id: "C1".into(),
        text: "countersigned order".into(),
        due: None,
    }]);
    assert!(w.deal.has_open_conditions());
    // when the deal moves to a version without the change decision, then it moves: closing a
    // condition needs no gate,
    w.migrate(without_change_decision(2)).unwrap();
    w.given(
        "ops",
        Command::CloseCondition {
            id: "C1".into(),
            note: "received".into(),
        },
    );
    // and the deal goes on to its end under the target.
    w.given("ana", invoice("I2", 50_000));
    w.given("ana", pay("P2", "I2", 50_000));
    w.pass(GateKind::ClosureDecision);
    assert_eq!(w.stage(), StageKind::Won);
    w.replays();
}

#[test]
fn a_stored_log_cannot_migrate_a_waiting_amendment_to_a_version_without_its_decision() {
    // A forged `process_migrated` after a proposed amendment, to a version without the change
    // decision: replay decides it again, and refuses it as the command is refused.
    let w = amendment_waiting();
    let v2 = without_change_decision(2);
    let mut log = w.log.clone();
    log.push(Event {
        deal: DealId::new("D-1"),
        version: w.deal.version() + 1,
        at: w.now,
        actor: "ops".into(),
        change: Change::ProcessMigrated { from: 1, to: 2 },
    });
    let versions = [Process::standard(), v2];
    let err = Deal::replay(DealId::new("D-1"), &versions, &log).unwrap_err();
    assert_eq!(err.code(), "invalid_event");
    let message = err.to_string();
    assert!(message.contains("migration_blocked"), "{message}");
    assert!(message.contains("change_decision"), "{message}");
    // Applied event by event, the deal stops before the forged event, unchanged by it.
    let mut deal = Deal::new(DealId::new("D-1"));
    for event in &w.log {
        deal.apply(&versions, event).unwrap();
    }
    let before = deal.clone();
    let err = deal.apply(&versions, &log[log.len() - 1]).unwrap_err();
    assert_eq!(err.code(), "invalid_event");
    assert_eq!(deal, before);
    assert_eq!(deal, w.deal);
}

#[test]
fn an_open_gate_whose_panel_levels_the_target_lacks_blocks_the_migration() {
    let mut w = World::at_bid(400_000);
    w.convene(GateKind::BidDecision, &MANAGERS);
    // v2 renames `manager` to `lead`: the seated panel has no rank there.
    let renamed = version(2, |d| {
        d.levels[0] = "lead".into();
        for p in &mut d.gates {
            for seats in &mut p.panel.levels {
                if seats.level == "manager" {
                    seats.level = "lead".into();
                }
            }
        }
    });
    let problem = blocked(w.migrate(renamed));
    assert_eq!(problem.code(), "unknown_level");
}

// ----- a stage removed -----

#[test]
fn a_deal_in_a_stage_whose_gate_was_removed_migrates_only_if_it_can_skip() {
    let no_review = || {
        version(2, |d| {
            d.gates.retain(|p| p.gate != GateKind::SolutionReview)
        })
    };
    // A 400,000 deal in solution work could only leave it by the review v2 removed.
    let mut large = World::new();
    large.opportunity(400_000);
    large.pass(GateKind::OpportunityApproval);
    let problem = blocked(large.migrate(no_review()));
    assert_eq!(
        problem,
        Error::SkipNotAllowed {
            amount: Decimal::from(400_000),
            below: Some(Decimal::from(50_000)),
        }
    );
    // A 30,000 deal there moves, and skips the review under v2.
    let mut small = World::new();
    small.opportunity(30_000);
    small.pass(GateKind::OpportunityApproval);
    small.migrate(no_review()).unwrap();
    small.given("ana", Command::SkipSolutionReview {});
    assert_eq!(small.stage(), StageKind::Bid);
    small.replays();
    // A deal past the removed review moves too.
    let mut past = World::at_bid(400_000);
    past.migrate(no_review()).unwrap();
    past.replays();
}

#[test]
fn a_deal_that_skipped_the_review_must_be_small_by_the_targets_threshold() {
    let mut w = World::new();
    w.opportunity(40_000);
    w.pass(GateKind::OpportunityApproval);
    w.given("ana", Command::SkipSolutionReview {});
    let lower = version(2, |d| {
        d.skip_solution_review_below = Some(Decimal::from(20_000));
    });
    assert_eq!(
        blocked(w.migrate(lower)),
        Error::SkipNotAllowed {
            amount: Decimal::from(40_000),
            below: Some(Decimal::from(20_000)),
        }
    );
    let higher = version(3, |d| {
        d.skip_solution_review_below = Some(Decimal::from(45_000));
    });
    w.migrate(higher).unwrap();
    w.replays();
}

// ----- an escalation threshold lowered -----

#[test]
fn a_lowered_escalation_applies_from_the_next_gate_convened() {
    let lowered = version(2, |d| {
        for gate in [GateKind::ContractDecision, GateKind::ChangeDecision] {
            policy(d, gate).escalation[0].above = Decimal::from(200_000);
        }
    });
    // Given a 300,000 contract decision convened with a director (enough under v1's 1,000,000),
    let mut w = World::at_bid(300_000);
    w.pass(GateKind::BidDecision);
    w.given(
        "ana",
        Command::RequestContractDecision {
            terms: Money::eur(300_000),
        },
    );
    w.convene(GateKind::ContractDecision, &[("dan", "director")]);
    // when the deal moves to v2 (escalating from 200,000), then the open decision keeps v1's
    // policy and signs;
    w.migrate(lowered).unwrap();
    w.vote_until_decided(&[("dan", "director")], Vote::Approve);
    w.decide(vec![]);
    assert_eq!(w.stage(), StageKind::Signed);
    // and a change decision convened afterwards escalates under v2.
    w.propose(320_000);
    let err = w.then_error(
        "ops",
        convene(GateKind::ChangeDecision, &[("dan", "director")]),
        "escalation_required",
    );
    assert!(err.to_string().contains("200000"), "{err}");
    w.replays();
}

// ----- the rest of the state must be valid under the target -----

#[test]
fn amounts_must_be_in_the_targets_minor_units() {
    let mut w = World::new();
    w.lead(None);
    w.given(
        "ana",
        Command::SetEstimate {
            value: Money::new(Decimal::new(10_000_050, 2), "EUR").unwrap(),
        },
    );
    let whole_euros = version(2, |d| {
        d.currencies.insert(Currency::new("EUR").unwrap(), 0);
    });
    assert_eq!(blocked(w.migrate(whole_euros)).code(), "not_in_minor_units");
}

#[test]
fn team_roles_must_exist_in_the_target() {
    let with_pm = {
        let mut d = ProcessDefinition::standard();
        d.roles.push(Role::new("PM"));
        Process::new(d).unwrap()
    };
    let mut w = World::with(with_pm);
    w.lead(None);
    w.join("pat", Role::new("PM"));
    let without_pm = version(2, |_| {});
    assert_eq!(
        blocked(w.migrate(without_pm.clone())),
        Error::UnknownRole {
            role: Role::new("PM"),
            path: "team".into()
        }
    );
    w.given(
        "ops",
        Command::RemoveMember {
            person: "pat".into(),
            role: Role::new("PM"),
            closure_recommendation: None,
        },
    );
    w.migrate(without_pm).unwrap();
    w.replays();
}

#[test]
fn a_graded_lead_must_grade_on_the_targets_scorecard() {
    let mut w = World::new();
    w.lead(None);
    let new_criterion = version(2, |d| {
        d.scorecard.criteria.push(Criterion {
            name: "fit".into(),
            weight: 1,
            max: 5,
        })
    });
    assert_eq!(blocked(w.migrate(new_criterion)).code(), "missing_score");
}

// ----- preview -----

#[test]
fn preview_tells_which_deals_would_migrate_and_what_stops_the_others() {
    let candidate = version(2, |d| {
        d.gates.retain(|p| p.gate != GateKind::SolutionReview)
    });
    let standard = Process::standard();
    // A deal in bid migrates; one in solution work at 400,000 is blocked; an ended one is ended.
    let past = World::at_bid(400_000);
    let mut stuck = World::new();
    stuck.opportunity(400_000);
    stuck.pass(GateKind::OpportunityApproval);
    let mut ended = World::new();
    ended.lead(None);
    ended.given(
        "ana",
        Command::Disqualify {
            reason: "no budget".into(),
        },
    );
    let p = preview(DealId::new("D-1"), &standard, &past.log, &candidate);
    assert_eq!(p.verdict, Verdict::Migrates);
    assert_eq!(p.stage, Some(StageKind::Bid));
    assert_eq!(p.process, Some(ProcessRef::new("standard", 1)));
    assert_eq!(p.target, ProcessRef::new("standard", 2));
    let p = preview(DealId::new("D-1"), &standard, &stuck.log, &candidate);
    assert_eq!(p.verdict.code(), "blocked");
    assert!(matches!(
        p.verdict,
        Verdict::Blocked(Error::SkipNotAllowed { .. })
    ));
    let p = preview(DealId::new("D-1"), &standard, &ended.log, &candidate);
    assert_eq!(p.verdict, Verdict::Ended(EndKind::Disqualified));
    // A deal already on the candidate is current.
    let mut moved = World::at_bid(400_000);
    moved.migrate(candidate.clone()).unwrap();
    let versions = [standard.clone(), candidate.clone()];
    let p = preview(DealId::new("D-1"), &versions, &moved.log, &candidate);
    assert_eq!(p.verdict, Verdict::Current);
    // A log that does not replay names its first bad event.
    let mut forged = past.log.clone();
    forged[3].actor = "".into();
    let p = preview(DealId::new("D-1"), &standard, &forged, &candidate);
    match p.verdict {
        Verdict::LogRefused { version, error } => {
            assert_eq!(version, 4);
            assert_eq!(error.code(), "invalid_event");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(p.version, 3);
}

#[test]
fn preview_writes_nothing_and_agrees_with_the_command() {
    // Whatever preview says, executing the command says the same.
    let candidate = bid_needs_an_executive(2);
    for estimate in [30_000, 400_000] {
        let mut w = World::at_bid(estimate);
        w.convene(GateKind::BidDecision, &MANAGERS);
        let p = preview(DealId::new("D-1"), &Process::standard(), &w.log, &candidate);
        let executed = w.migrate(candidate.clone());
        assert_eq!(p.verdict == Verdict::Migrates, executed.is_ok());
    }
}

#[test]
fn preview_blocks_a_waiting_amendment_as_the_command_does() {
    // Given a deal whose amendment waits for its change decision, and one signed without,
    let candidate = without_change_decision(2);
    let mut waiting = amendment_waiting();
    let mut signed = World::new();
    signed.signed(300_000);
    // when previewed against a version without the change decision,
    let standard = Process::standard();
    let p = preview(DealId::new("D-1"), &standard, &waiting.log, &candidate);
    // then the first is blocked by the gate its amendment waits for, the second migrates,
    assert_eq!(
        p.verdict,
        Verdict::Blocked(Error::GateNotConfigured {
            gate: GateKind::ChangeDecision
        })
    );
    assert_eq!(p.stage, Some(StageKind::Signed));
    let q = preview(DealId::new("D-1"), &standard, &signed.log, &candidate);
    assert_eq!(q.verdict, Verdict::Migrates);
    // and the command says the same: the blocked problem is the one inside its refusal.
    assert_eq!(
        Verdict::Blocked(blocked(waiting.migrate(candidate.clone()))),
        p.verdict
    );
    signed.migrate(candidate).unwrap();
}
