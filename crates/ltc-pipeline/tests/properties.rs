//! Property tests: the engine's invariants under arbitrary and noisy command sequences.
#![cfg(feature = "proptest")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::cases;
use ltc_pipeline::strategies::{self, Step};
use ltc_pipeline::{Deal, DealId, Event, Process, Stage, StageKind};
use proptest::prelude::*;

/// Runs the steps, checking after each one the invariants that must always hold.
fn run(process: &Process, steps: &[Step]) -> Result<(Deal, Vec<Event>), TestCaseError> {
    let edges: std::collections::BTreeSet<(StageKind, StageKind)> = process
        .transitions()
        .map(|(from, to, _)| (from, to))
        .collect();
    let mut deal = Deal::new(DealId::new("D-1"));
    let mut log = Vec::new();
    for step in steps {
        let before = deal.clone();
        match deal.execute(process, &step.command, &step.actor, step.at) {
            Ok(events) => {
                if let (Some(from), Some(to)) = (before.stage_kind(), deal.stage_kind()) {
                    prop_assert!(
                        from == to || edges.contains(&(from, to)),
                        "`{}` moved the deal {from} -> {to}, which the process graph lacks",
                        step.command.name()
                    );
                }
                prop_assert_eq!(events.len(), 1);
                prop_assert!(
                    !matches!(before.stage(), Stage::Ended(_)),
                    "nothing leaves an end stage"
                );
                log.extend(events);
            }
            Err(_) => prop_assert_eq!(&deal, &before, "a refused command changed the deal"),
        }
        if let Some(contract) = deal.contract() {
            let (collected, invoiced) = (contract.collected(), contract.invoiced());
            prop_assert!(collected >= rust_decimal::Decimal::ZERO);
            prop_assert!(
                collected <= invoiced,
                "collected {collected} > invoiced {invoiced}"
            );
            prop_assert!(
                invoiced <= contract.value.amount,
                "invoiced above the contract value"
            );
            for invoice in contract.invoices.values() {
                prop_assert!(invoice.collected <= invoice.amount);
            }
        }
        if let Stage::Ended(_) = before.stage() {
            prop_assert_eq!(&deal, &before);
        }
        counts_agree(&deal)?;
    }
    Ok((deal, log))
}

/// The running totals and indexes a deal keeps give what counting its records again gives, and
/// a deal read back from JSON (which counts them again) equals the deal written.
fn counts_agree(deal: &Deal) -> Result<(), TestCaseError> {
    if let Stage::Execution(e) = deal.stage() {
        let c = &e.contract;
        prop_assert_eq!(e.invoiced(), c.invoiced());
        prop_assert_eq!(e.collected(), c.collected());
        prop_assert_eq!(e.delivered(), c.delivered());
        prop_assert_eq!(e.is_complete(), c.is_complete());
        prop_assert_eq!(e.phase(), c.phase());
    }
    let team = deal.team();
    let running: Vec<_> = team.stints().iter().filter(|s| s.is_current()).collect();
    prop_assert_eq!(team.current().collect::<Vec<_>>(), running.clone());
    for stint in team.stints() {
        let holders = running.iter().filter(|s| s.role == stint.role).count();
        prop_assert_eq!(team.holders(&stint.role), holders);
        prop_assert_eq!(team.is_staffed(&stint.role), holders > 0);
        prop_assert!(team.has_member(&stint.person));
        prop_assert_eq!(
            team.current_stint(&stint.person, &stint.role),
            running
                .iter()
                .find(|s| s.person == stint.person && s.role == stint.role)
                .copied()
        );
    }
    for gate in ltc_pipeline::GateKind::ALL {
        let logged = deal
            .gate_log()
            .iter()
            .filter(|r| match r {
                ltc_pipeline::GateRecord::Decided(d) => d.meeting.gate == gate,
                ltc_pipeline::GateRecord::Withdrawn { meeting, .. } => meeting.gate == gate,
            })
            .count();
        let open = usize::from(deal.meeting().is_some_and(|m| m.gate == gate));
        prop_assert_eq!(deal.attempts(gate) as usize, logged + open);
    }
    prop_assert_eq!(
        deal.has_open_conditions(),
        deal.conditions().values().any(|c| c.closed.is_none())
    );
    let back: Deal = serde_json::from_str(&serde_json::to_string(deal).unwrap()).unwrap();
    prop_assert_eq!(&back, deal);
    Ok(())
}

/// The sample definition of `examples/data/process.json`: other roles (`legal`), levels
/// (`team_lead` < `head` < `board`), criteria, rules, a named reviewer, no change decision.
fn sample() -> ltc_pipeline::ProcessDefinition {
    serde_json::from_str(include_str!("../../../examples/data/process.json")).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(256), ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_commands_under_a_process_of_ones_own_keep_the_invariants(
        (process, steps) in {
            let sample = Process::new(sample()).unwrap();
            (strategies::process_from(sample.definition().clone()).unwrap(),
             strategies::steps_in(&sample, 60))
        },
    ) {
        let (deal, log) = run(&process, &steps)?;
        prop_assert_eq!(Deal::replay(DealId::new("D-1"), &process, &log).unwrap(), deal.clone());
        // Every role a member holds, and every level a seat was taken at, is the process's own.
        for stint in deal.team().stints() {
            prop_assert!(process.has_role(&stint.role), "{}", stint.role);
        }
        for record in deal.gate_log() {
            if let ltc_pipeline::GateRecord::Decided(d) = record {
                for seat in d.meeting.panel.iter() {
                    prop_assert!(process.level_rank(&seat.level).is_some(), "{}", seat.level);
                }
            }
        }
    }

    #[test]
    fn a_noisy_script_under_a_process_of_ones_own_replays(
        steps in strategies::noisy_lead_to_cash_in(&Process::new(sample()).unwrap()).unwrap(),
    ) {
        let process = Process::new(sample()).unwrap();
        let (deal, log) = run(&process, &steps)?;
        prop_assert_eq!(Deal::replay(DealId::new("D-1"), &process, &log).unwrap(), deal);
    }

    #[test]
    fn the_script_of_any_generated_process_reaches_won(process in strategies::process_from(sample()).unwrap()) {
        let steps = strategies::lead_to_cash_in(&process).unwrap();
        let (deal, log) = run(&process, &steps)?;
        prop_assert_eq!(deal.stage_kind(), Some(StageKind::Won));
        prop_assert_eq!(Deal::replay(DealId::new("D-1"), &process, &log).unwrap(), deal);
    }

    #[test]
    fn arbitrary_commands_never_panic_and_keep_the_invariants(
        process in strategies::process(),
        steps in strategies::steps(60),
    ) {
        let (deal, log) = run(&process, &steps)?;
        prop_assert_eq!(Deal::replay(DealId::new("D-1"), &process, &log).unwrap(), deal.clone());
        prop_assert_eq!(deal.version(), log.len() as u64);
    }

    #[test]
    fn noisy_lead_to_cash_keeps_the_invariants_and_replays(
        steps in strategies::noisy_lead_to_cash(),
    ) {
        let process = Process::standard();
        let (deal, log) = run(&process, &steps)?;
        let replayed = Deal::replay(DealId::new("D-1"), &process, &log).unwrap();
        prop_assert_eq!(&replayed, &deal);
        // The log survives a trip through JSON, and so does the state.
        let json = serde_json::to_string(&log).unwrap();
        let back: Vec<Event> = serde_json::from_str(&json).unwrap();
        prop_assert_eq!(Deal::replay(DealId::new("D-1"), &process, &back).unwrap(), deal);
    }

    #[test]
    fn migrations_between_versions_keep_the_invariants_and_replay(
        target in strategies::process(),
        steps in strategies::noisy_lead_to_cash(),
        moves in proptest::collection::vec(any::<prop::sample::Index>(), 0..6),
    ) {
        // Two versions of the standard process; the deal is moved between them at random points.
        let v1 = Process::standard();
        let mut definition = target.definition().clone();
        definition.version = 2;
        let v2 = Process::new(definition).unwrap();
        let versions = [v1.clone(), v2.clone()];
        let at_moves: std::collections::BTreeSet<usize> =
            moves.iter().map(|i| i.index(steps.len().max(1))).collect();
        let mut deal = Deal::new(DealId::new("D-1"));
        let mut log = Vec::new();
        let mut migrated = 0;
        for (i, step) in steps.iter().enumerate() {
            if at_moves.contains(&i) {
                let to = if deal.process().map(|p| p.version) == Some(1) { &v2 } else { &v1 };
                let command = ltc_pipeline::Command::MigrateProcess {
                    version: to.reference().version,
                };
                let before = deal.clone();
                match deal.execute(to, &command, &"ops".into(), step.at) {
                    Ok(events) => {
                        migrated += 1;
                        prop_assert_eq!(deal.process(), Some(to.reference()));
                        prop_assert_eq!(deal.stage_kind(), before.stage_kind());
                        log.extend(events);
                    }
                    Err(_) => prop_assert_eq!(&deal, &before, "a refused migration changed the deal"),
                }
            }
            // Each command is decided under the version the deal runs under.
            let process = deal
                .process_for(&versions, &step.command)
                .unwrap()
                .unwrap_or(&v1);
            let before = deal.clone();
            match deal.execute(process, &step.command, &step.actor, step.at) {
                Ok(events) => log.extend(events),
                Err(_) => prop_assert_eq!(&deal, &before, "a refused command changed the deal"),
            }
        }
        let replayed = Deal::replay(DealId::new("D-1"), &versions, &log).unwrap();
        prop_assert_eq!(&replayed, &deal);
        // Without the second version, a log that migrated does not replay.
        if migrated > 0 {
            let err = Deal::replay(DealId::new("D-1"), &v1, &log).unwrap_err();
            prop_assert_eq!(err.code(), "unknown_process");
        }
    }

    #[test]
    fn generated_processes_survive_serde(process in strategies::process()) {
        let json = serde_json::to_string(&process).unwrap();
        let back: Process = serde_json::from_str(&json).unwrap();
        prop_assert_eq!(back, process);
    }

    #[test]
    fn a_team_can_always_be_formed_after_capture(team in strategies::team()) {
        let process = Process::standard();
        let mut deal = Deal::new(DealId::new("D-1"));
        let at = chrono::DateTime::<chrono::Utc>::from_timestamp(1_767_225_600, 0).unwrap(); // 2026-01-01
        deal.execute(&process, &ltc_pipeline::Command::CaptureLead {
            customer: "c".into(), source: "s".into(), estimate: None,
        }, &"ops".into(), at).unwrap();
        for command in &team {
            let before = deal.clone();
            if deal.execute(&process, command, &"ops".into(), at).is_err() {
                prop_assert_eq!(&deal, &before);
            }
        }
        prop_assert!(!deal.team().stints().is_empty());
    }
}

#[test]
fn the_script_of_the_sample_definition_reaches_won_without_the_standard_names() {
    let process = Process::new(sample()).unwrap();
    let steps = strategies::lead_to_cash_in(&process).unwrap();
    let mut deal = Deal::new(DealId::new("D-1"));
    for step in &steps {
        deal.execute(&process, &step.command, &step.actor, step.at)
            .unwrap_or_else(|e| panic!("{}: {e}", step.command.name()));
    }
    assert_eq!(deal.stage_kind(), Some(StageKind::Won));
    // `legal` was staffed for the contract decision, `cfo` sat on it, and the panels used the
    // sample's own levels.
    assert!(deal
        .team()
        .stints()
        .iter()
        .any(|s| s.role.as_str() == "legal"));
    let contract = deal
        .gate_log()
        .iter()
        .find_map(|r| match r {
            ltc_pipeline::GateRecord::Decided(d)
                if d.meeting.gate == ltc_pipeline::GateKind::ContractDecision =>
            {
                Some(d.clone())
            }
            _ => None,
        })
        .unwrap();
    assert!(contract
        .meeting
        .panel
        .iter()
        .any(|s| s.person.as_str() == "cfo"));
    assert!(contract.meeting.panel.iter().all(|s| s.level != "manager"));
}

#[test]
fn the_script_reaches_won() {
    let process = Process::standard();
    let steps = strategies::lead_to_cash();
    let mut deal = Deal::new(DealId::new("D-1"));
    for step in &steps {
        deal.execute(&process, &step.command, &step.actor, step.at)
            .unwrap_or_else(|e| panic!("{}: {e}", step.command.name()));
    }
    assert_eq!(deal.stage_kind(), Some(ltc_pipeline::StageKind::Won));
}
