//! The valid scripts of `strategies` under processes at the edges of what a definition allows:
//! a named reviewer called as the generated reviewers are, a skip threshold below one euro.
#![cfg(feature = "proptest")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use ltc_pipeline::strategies;
use ltc_pipeline::{
    Deal, DealId, Decimal, GateKind, PersonId, Process, ProcessDefinition, StageKind,
};
use std::collections::BTreeSet;

fn won(process: &Process) {
    let steps = strategies::lead_to_cash_in(process).unwrap();
    let mut deal = Deal::new(DealId::new("D-1"));
    for step in &steps {
        deal.execute(process, &step.command, &step.actor, step.at)
            .unwrap_or_else(|e| panic!("{}: {e}", step.command.name()));
    }
    assert_eq!(deal.stage_kind(), Some(StageKind::Won));
}

#[test]
fn a_panel_passes_over_a_named_reviewer_called_like_its_own_seats() {
    let mut definition = ProcessDefinition::standard();
    for policy in &mut definition.gates {
        policy.panel.named = vec![PersonId::new("reviewer-1"), PersonId::new("reviewer-3")];
    }
    let process = Process::new(definition).unwrap();
    let panel = strategies::panel_for(&process, GateKind::BidDecision).unwrap();
    let people: Vec<&str> = panel.iter().map(|s| s.person.as_str()).collect();
    assert_eq!(
        people.iter().collect::<BTreeSet<_>>().len(),
        people.len(),
        "{people:?}"
    );
    assert_eq!(
        people,
        [
            "reviewer-1",
            "reviewer-3",
            "reviewer-2",
            "reviewer-4",
            "reviewer-5"
        ]
    );
    won(&process);
}

#[test]
fn the_script_skips_the_review_below_a_threshold_of_less_than_a_euro() {
    for below in [Decimal::ONE, Decimal::new(5, 1), Decimal::new(2, 2)] {
        let mut definition = ProcessDefinition::standard();
        definition
            .gates
            .retain(|p| p.gate != GateKind::SolutionReview);
        definition.skip_solution_review_below = Some(below);
        won(&Process::new(definition).unwrap());
    }
}
