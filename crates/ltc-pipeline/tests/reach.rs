//! The command sequences of `strategies` take deals to every stage of a process, in a fair share
//! of cases: `steps_in` under the standard process, the sample definition
//! (`examples/data/process.json`), variants of it run the way `docs/getting-started.md` §7 runs
//! them, and generated processes of many shapes; `noisy_lead_to_cash_in` under the same.
//!
//! Each test runs a strategy over a fixed number of cases (a deterministic seed, so the shares
//! do not move between runs), prints the share of cases that reached each stage, and fails when
//! a stage is reached by fewer than [`FLOOR`] of them. To see the shares:
//! `cargo test -p ltc-pipeline --all-features --test reach -- --nocapture`.
#![cfg(feature = "proptest")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use ltc_pipeline::strategies::{self, Step};
use ltc_pipeline::{Deal, DealId, DecisionRule, GateKind, Process, ProcessDefinition, StageKind};
use proptest::strategy::{Just, Strategy, ValueTree};
use proptest::test_runner::{Config, TestError, TestRunner};
use std::collections::{BTreeMap, BTreeSet};

/// Cases per strategy and process.
const CASES: usize = 200;
/// The most steps of a case, as the property tests of this crate ask for.
const MAX: usize = 60;
/// The share of cases each stage must be reached by.
const FLOOR: f64 = 0.02;
/// Generated processes each strategy is run under.
const GENERATED: usize = 6;

/// The sample definition: other roles, levels, criteria and rules, a named reviewer, no
/// change decision.
fn sample() -> ProcessDefinition {
    serde_json::from_str(include_str!("../../../examples/data/process.json")).unwrap()
}

/// Processes of many shapes from `strategies::any_process`, the same ones on every run.
fn generated() -> Vec<Process> {
    let mut runner = TestRunner::deterministic();
    (0..GENERATED)
        .map(|_| {
            strategies::any_process()
                .new_tree(&mut runner)
                .unwrap()
                .current()
        })
        .collect()
}

/// How many cases reached each stage.
struct Reach {
    cases: usize,
    steps: usize,
    reached: BTreeMap<StageKind, usize>,
}

impl Reach {
    /// Runs `CASES` cases of `strategy`, each a process and the steps sent under it.
    fn of(strategy: impl Strategy<Value = (Process, Vec<Step>)>) -> Self {
        let mut runner = TestRunner::deterministic();
        let mut reach = Reach {
            cases: CASES,
            steps: 0,
            reached: StageKind::ALL.iter().map(|s| (*s, 0)).collect(),
        };
        for _ in 0..CASES {
            let (process, steps) = strategy.new_tree(&mut runner).unwrap().current();
            reach.steps += steps.len();
            let mut deal = Deal::new(DealId::new("D-1"));
            let mut seen = BTreeSet::new();
            for step in &steps {
                let _ = deal.execute(&process, &step.command, &step.actor, step.at);
                seen.extend(deal.stage_kind());
            }
            for stage in seen {
                *reach.reached.entry(stage).or_default() += 1;
            }
        }
        reach
    }

    fn share(&self, stage: StageKind) -> f64 {
        self.reached.get(&stage).copied().unwrap_or_default() as f64 / self.cases as f64
    }

    fn table(&self, name: &str) -> String {
        let mut table = format!(
            "{name}: {} cases, {:.1} steps on average\n",
            self.cases,
            self.steps as f64 / self.cases as f64
        );
        for stage in StageKind::ALL {
            let share = self.share(stage);
            let bar = "#".repeat((share * 40.0).round() as usize);
            table.push_str(&format!(
                "  {:<27} {:>5.1}%  {bar}\n",
                stage.as_str(),
                share * 100.0
            ));
        }
        table
    }

    /// Prints the shares, and fails naming every stage below the floor.
    fn check(&self, name: &str) {
        let table = self.table(name);
        println!("{table}");
        let short: Vec<String> = StageKind::ALL
            .into_iter()
            .filter(|s| self.share(*s) < FLOOR)
            .map(|s| format!("{s} ({:.1}%)", self.share(s) * 100.0))
            .collect();
        assert!(
            short.is_empty(),
            "{name}: reached by fewer than {:.0}% of the cases: {}\n{table}",
            FLOOR * 100.0,
            short.join(", ")
        );
    }
}

/// The steps of `steps_in(process, MAX)`, sent under `process`.
fn walks(process: Process) -> impl Strategy<Value = (Process, Vec<Step>)> {
    strategies::steps_in(&process, MAX).prop_map(move |steps| (process.clone(), steps))
}

/// The scripts of `noisy_lead_to_cash_in(process)`, sent under `process`.
fn noisy(process: Process) -> impl Strategy<Value = (Process, Vec<Step>)> {
    strategies::noisy_lead_to_cash_in(&process)
        .unwrap()
        .prop_map(move |steps| (process.clone(), steps))
}

fn describe(process: &Process) -> String {
    let d = process.definition();
    let gates: Vec<&str> = process.policies().map(|p| p.gate.as_str()).collect();
    let rules: Vec<String> = process
        .policies()
        .map(|p| match p.rule {
            DecisionRule::KOfN { k } => format!("{k}_of_n"),
            ref rule => format!("{rule:?}").to_lowercase(),
        })
        .collect();
    format!(
        "generated: levels {:?}, roles {}, gates {gates:?}, rules {rules:?}, skip below {:?}, \
         forced closure after {} days",
        d.levels,
        d.roles.len(),
        d.skip_solution_review_below,
        d.forced_closure_after_days
    )
}

#[test]
fn steps_reach_every_stage_of_the_standard_process() {
    let standard = strategies::steps(MAX).prop_map(|steps| (Process::standard(), steps));
    Reach::of(standard).check("steps(60), standard process");
}

#[test]
fn steps_reach_every_stage_of_the_sample_definition() {
    let sample = Process::new(sample()).unwrap();
    Reach::of(walks(sample)).check("steps_in(sample, 60)");
}

#[test]
fn steps_reach_every_stage_under_variants_of_the_sample_definition() {
    // As the guide runs them: steps for the definition, sent under variants of its rules.
    let sample = Process::new(sample()).unwrap();
    let variants = (
        strategies::process_from(sample.definition().clone()).unwrap(),
        strategies::steps_in(&sample, MAX),
    );
    Reach::of(variants).check("steps_in(sample, 60) under process_from(sample)");
}

#[test]
fn steps_reach_every_stage_of_generated_processes() {
    for process in generated() {
        let name = describe(&process);
        Reach::of(walks(process)).check(&name);
    }
}

#[test]
fn noisy_scripts_reach_every_stage() {
    let standard = strategies::noisy_lead_to_cash().prop_map(|steps| (Process::standard(), steps));
    Reach::of(standard).check("noisy_lead_to_cash(), standard process");
    let sample = Process::new(sample()).unwrap();
    Reach::of(noisy(sample)).check("noisy_lead_to_cash_in(sample)");
    for process in generated() {
        let name = format!("noisy, {}", describe(&process));
        Reach::of(noisy(process)).check(&name);
    }
}

#[test]
fn generated_definitions_are_valid_and_of_many_shapes() {
    let mut runner = TestRunner::deterministic();
    let mut shapes = BTreeSet::new();
    for _ in 0..500 {
        let definition = strategies::any_definition()
            .new_tree(&mut runner)
            .unwrap()
            .current();
        let process =
            Process::new(definition.clone()).unwrap_or_else(|e| panic!("{e}: {definition:?}"));
        for policy in process.policies() {
            shapes.insert(
                format!("{:?}", policy.rule)
                    .split(' ')
                    .next()
                    .unwrap()
                    .to_owned(),
            );
            if !policy.panel.named.is_empty() {
                shapes.insert("named reviewers".to_owned());
            }
            if !policy.four_eyes {
                shapes.insert("without four-eyes".to_owned());
            }
        }
        for gate in [GateKind::SolutionReview, GateKind::ChangeDecision] {
            if process.policy(gate).is_none() {
                shapes.insert(format!("without {gate}"));
            }
        }
        shapes.insert(format!("{} levels", definition.levels.len()));
        shapes.insert(format!("{} roles", definition.roles.len()));
        if !definition.currencies.is_empty() {
            shapes.insert("whole euros".to_owned());
        }
    }
    for shape in [
        "Unanimous",
        "Majority",
        "KOfN",
        "SingleDecider",
        "FirstResponse",
        "named reviewers",
        "without four-eyes",
        "without solution_review",
        "without change_decision",
        "1 levels",
        "4 levels",
        "3 roles",
        "6 roles",
        "whole euros",
    ] {
        assert!(
            shapes.contains(shape),
            "no generated process with {shape}: {shapes:?}"
        );
    }
}

#[test]
fn a_failing_walk_shrinks_to_the_way_there() {
    // A property that breaks once a contract is signed: the counterexample proptest shrinks to
    // is the walk up to the signature, without the detours and noise of the case that found it.
    let process = Process::standard();
    let mut runner = TestRunner::new_with_rng(
        Config {
            failure_persistence: None,
            ..Config::default()
        },
        proptest::test_runner::TestRng::deterministic_rng(Default::default()),
    );
    let result = runner.run(
        &(Just(()), strategies::steps_in(&process, MAX)),
        |((), steps)| {
            let mut deal = Deal::new(DealId::new("D-1"));
            for step in &steps {
                let _ = deal.execute(&process, &step.command, &step.actor, step.at);
                proptest::prop_assert!(deal.contract().is_none(), "signed");
            }
            Ok(())
        },
    );
    let Err(TestError::Fail(_, (_, steps))) = result else {
        panic!("no walk reached a signature: {result:?}");
    };
    let names: Vec<&str> = steps.iter().map(|s| s.command.name()).collect();
    println!("shrunk to {} steps: {names:?}", steps.len());
    // capture, grade, qualify, two members, four gates of two to three seats, a request.
    assert!(steps.len() <= 30, "{} steps: {names:?}", steps.len());
    assert_eq!(names.first(), Some(&"capture_lead"));
    assert_eq!(names.last(), Some(&"record_decision"));
}
