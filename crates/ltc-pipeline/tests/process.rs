//! Process definitions: validation errors name what and where; rendering; serde.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use ltc_pipeline::*;

fn with(edit: impl FnOnce(&mut ProcessDefinition)) -> Result<Process, Error> {
    let mut definition = ProcessDefinition::standard();
    edit(&mut definition);
    Process::new(definition)
}

fn policy(d: &mut ProcessDefinition, gate: GateKind) -> &mut GatePolicy {
    d.gates.iter_mut().find(|p| p.gate == gate).unwrap()
}

#[test]
fn the_standard_process_is_valid_and_uses_every_gate() {
    let process = Process::standard();
    for gate in GateKind::ALL {
        assert!(process.policy(gate).is_some(), "{gate}");
    }
    assert_eq!(
        process,
        Process::new(ProcessDefinition::standard()).unwrap()
    );
}

#[test]
fn a_missing_gate_makes_stages_unreachable_and_says_which() {
    let err = with(|d| d.gates.retain(|p| p.gate != GateKind::ContractDecision)).unwrap_err();
    assert_eq!(
        err,
        Error::UnreachableStage {
            stage: StageKind::Signed,
            missing_gates: vec![GateKind::ContractDecision]
        }
    );
    assert_eq!(
        err.to_string(),
        "stage `signed` cannot be reached from `captured` (no policy for gate contract_decision)"
    );
    // Without the closure decision nothing can be won.
    let err = with(|d| d.gates.retain(|p| p.gate != GateKind::ClosureDecision)).unwrap_err();
    assert_eq!(
        err,
        Error::UnreachableStage {
            stage: StageKind::Won,
            missing_gates: vec![GateKind::ClosureDecision]
        }
    );
}

#[test]
fn the_solution_review_may_be_replaced_by_the_skip_alone() {
    // With the skip configured, bid stays reachable without a solution review policy.
    let process = with(|d| d.gates.retain(|p| p.gate != GateKind::SolutionReview)).unwrap();
    assert!(process.policy(GateKind::SolutionReview).is_none());
    let err = with(|d| {
        d.gates.retain(|p| p.gate != GateKind::SolutionReview);
        d.skip_solution_review_below = None;
    })
    .unwrap_err();
    assert_eq!(err.code(), "unreachable_stage");
}

#[test]
fn unknown_levels_roles_and_duplicates_are_named() {
    let err = with(|d| {
        policy(d, GateKind::BidDecision).escalation[0].level = "pope".into();
    })
    .unwrap_err();
    assert_eq!(
        err,
        Error::UnknownLevel {
            level: "pope".into(),
            path: "gates.bid_decision.escalation[0]".into()
        }
    );
    let err = with(|d| {
        policy(d, GateKind::SolutionReview)
            .required_roles
            .push(Role::new("QA"));
    })
    .unwrap_err();
    assert_eq!(err.code(), "unknown_role");
    assert!(err
        .to_string()
        .contains("gates.solution_review.required_roles"));
    let err = with(|d| {
        let again = d.gates[0].clone();
        d.gates.push(again);
    })
    .unwrap_err();
    assert_eq!(err.code(), "invalid_definition");
    assert!(err.to_string().contains("listed twice"));
    let err = with(|d| d.roles.retain(|r| r != &Role::fr())).unwrap_err();
    assert!(err.to_string().contains("`FR` is missing"));
    // Extra roles are welcome, and may be required.
    let process = with(|d| {
        d.roles.push(Role::new("legal"));
        policy(d, GateKind::ContractDecision)
            .required_roles
            .push(Role::new("legal"));
    })
    .unwrap();
    assert!(process.has_role(&Role::new("legal")));
}

#[test]
fn rules_thresholds_and_scorecards_are_checked() {
    type Edit = Box<dyn FnOnce(&mut ProcessDefinition)>;
    let cases: Vec<(Edit, &str)> = vec![
        (
            Box::new(|d| policy(d, GateKind::BidDecision).rule = DecisionRule::KOfN { k: 0 }),
            "gates.bid_decision.rule.k",
        ),
        (
            Box::new(|d| policy(d, GateKind::BidDecision).panel.levels[0].count = 0),
            "gates.bid_decision.panel.levels[0].count",
        ),
        (Box::new(|d| d.scorecard.hot_from = 1000), "scorecard"),
        (
            Box::new(|d| d.scorecard.criteria.clear()),
            "scorecard.criteria",
        ),
        (
            Box::new(|d| d.skip_solution_review_below = Some(rust_decimal::Decimal::ZERO)),
            "skip_solution_review_below",
        ),
        (
            Box::new(|d| d.forced_closure_after_days = 0),
            "forced_closure_after_days",
        ),
        (
            Box::new(|d| {
                d.stage_service_levels.insert(StageKind::Won, 3);
            }),
            "stage_service_levels.won",
        ),
        (Box::new(|d| d.name = " ".into()), "name"),
    ];
    for (edit, path) in cases {
        let err = with(edit).unwrap_err();
        match &err {
            Error::InvalidDefinition { path: p, .. } => assert_eq!(p, path),
            other => panic!("expected invalid_definition at {path}, got {other}"),
        }
    }
}

#[test]
fn a_process_renders_as_dot_and_mermaid() {
    let process = Process::standard();
    let dot = process.to_dot();
    assert!(dot.starts_with("digraph \"standard\" {"));
    assert!(dot.contains("bid -> negotiation [label=\"bid_decision approved\", style=bold];"));
    assert!(dot.contains("solution_work -> bid [label=\"skip_solution_review\"];"));
    assert!(dot.trim_end().ends_with('}'));
    let mermaid = process.to_mermaid();
    assert!(
        mermaid.contains("    awaiting_approval --> solution_work: opportunity_approval approved")
    );
    assert!(mermaid.contains("    won --> [*]"));
    // Without the skip there is no skip edge.
    let no_skip = with(|d| d.skip_solution_review_below = None).unwrap();
    assert!(!no_skip.to_mermaid().contains("skip_solution_review"));
}

#[test]
fn definitions_round_trip_and_bad_json_is_refused() {
    let process = Process::standard();
    let json = serde_json::to_string_pretty(&process).unwrap();
    let back: Process = serde_json::from_str(&json).unwrap();
    assert_eq!(back, process);
    let mut broken: serde_json::Value = serde_json::from_str(&json).unwrap();
    broken["levels"][2] = "chief".into();
    let err = serde_json::from_value::<Process>(broken).unwrap_err();
    assert!(
        err.to_string()
            .contains("unknown authority level `executive`"),
        "{err}"
    );
    assert!(serde_json::from_str::<Process>("{\"name\": 3}").is_err());
}

#[test]
fn the_pipeline_page_shows_the_standard_process_and_every_error_code() {
    let page = include_str!("../../../docs/pipeline.md");
    assert!(
        page.contains(&format!(
            "```mermaid\n{}```",
            Process::standard().to_mermaid()
        )),
        "docs/pipeline.md must show the current Mermaid picture of the standard process"
    );
    let source = include_str!("../src/error.rs");
    let codes: Vec<&str> = source
        .lines()
        .filter_map(|l| l.trim().strip_prefix("Error::"))
        .filter_map(|l| l.split("=> \"").nth(1))
        .filter_map(|l| l.strip_suffix("\","))
        .collect();
    assert!(codes.len() > 50, "found only {} codes", codes.len());
    for code in codes {
        assert!(
            page.contains(&format!("| `{code}` |")),
            "docs/pipeline.md lacks `{code}`"
        );
    }
}

#[test]
fn the_sample_definition_validates_and_renders() {
    let definition: ProcessDefinition =
        serde_json::from_str(include_str!("../../../examples/data/process.json")).unwrap();
    let process = Process::new(definition).unwrap();
    assert_eq!(process.reference().to_string(), "field-services@1");
    assert!(process.has_role(&Role::new("legal")));
    assert!(process.policy(GateKind::ChangeDecision).is_none());
    // Won is reachable, through the closure decision only.
    let into_won: Vec<Guard> = process
        .transitions()
        .filter(|(_, to, _)| *to == StageKind::Won)
        .map(|(_, _, guard)| guard)
        .collect();
    assert_eq!(
        into_won,
        [Guard::Gate {
            gate: GateKind::ClosureDecision,
            rejected: false
        }]
    );
    assert!(process.to_dot().starts_with("digraph \"field-services\""));
    // The solution review may be skipped below 25,000, and the skip is in the picture.
    assert!(process
        .to_mermaid()
        .contains("solution_work --> bid: skip_solution_review"));
}
