//! The `ltc` subcommands: the samples under `examples/data/` and every JSON block of `docs/cli.md`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use ltc_cli::commands::{self as cli, Failure};
use ltc_pipeline::integrity::{self, Digest};
use ltc_pipeline::StoredEvent;

fn run(subcommand: &str, input: &str) -> Result<String, Failure> {
    match subcommand {
        "allocate" => cli::allocate(input),
        "split" => cli::split(input),
        "payout" => cli::payout(input),
        "statement" => cli::statement(input, false),
        "run" => cli::run(input),
        "graph" => cli::graph(input, false),
        "report" => ltc_cli::report::run(input, true),
        "verify" => cli::verify(input),
        "migrate" => cli::migrate_preview(input, true),
        other => panic!("docs/cli.md names an unknown subcommand `{other}`"),
    }
}

/// The `<!-- input: X -->` / `<!-- output: X -->` blocks of docs/cli.md, in order.
fn blocks(page: &str) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    let mut lines = page.lines();
    while let Some(line) = lines.next() {
        let Some(marker) = line
            .strip_prefix("<!-- ")
            .and_then(|l| l.strip_suffix(" -->"))
        else {
            continue;
        };
        let (kind, subcommand) = marker.split_once(": ").expect("marker `kind: subcommand`");
        assert_eq!(
            lines.next(),
            Some("```json"),
            "a marker precedes a json block"
        );
        let body: Vec<&str> = lines.by_ref().take_while(|l| *l != "```").collect();
        out.push((kind.to_owned(), subcommand.to_owned(), body.join("\n")));
    }
    out
}

#[test]
fn every_json_block_of_the_cli_page_matches_the_binary() {
    let page = include_str!("../../../docs/cli.md");
    let blocks = blocks(page);
    assert!(blocks.len() >= 8, "found only {} blocks", blocks.len());
    let mut last: Option<(String, String)> = None;
    for (kind, subcommand, body) in blocks {
        match kind.as_str() {
            "input" => {
                let output = run(&subcommand, &body).unwrap_or_else(|e| {
                    panic!("docs/cli.md input for `{subcommand}` refused: {e}")
                });
                last = Some((subcommand, output));
            }
            "output" => {
                let (sub, actual) = last.take().expect("an output follows an input");
                assert_eq!(sub, subcommand);
                let documented: serde_json::Value = serde_json::from_str(&body).unwrap();
                let actual: serde_json::Value = serde_json::from_str(&actual).unwrap();
                assert_eq!(
                    documented, actual,
                    "docs/cli.md output for `{subcommand}` is stale"
                );
            }
            other => panic!("unknown block kind `{other}`"),
        }
    }
}

#[test]
fn every_sample_input_is_accepted() {
    for (subcommand, file) in [
        ("allocate", "allocate"),
        ("split", "split"),
        ("payout", "payout"),
        ("statement", "statement"),
        ("run", "run"),
        ("graph", "graph"),
        ("report", "deals"),
    ] {
        let path = format!(
            "{}/../../examples/data/{file}.json",
            env!("CARGO_MANIFEST_DIR")
        );
        let input = std::fs::read_to_string(&path).unwrap();
        run(subcommand, &input).unwrap_or_else(|e| panic!("{path}: {e}"));
    }
}

#[test]
fn the_run_sample_shows_refusals_without_stopping() {
    let input = include_str!("../../../examples/data/run.json");
    let output: serde_json::Value = serde_json::from_str(&cli::run(input).unwrap()).unwrap();
    let codes: Vec<&str> = output["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["error"]["code"].as_str().unwrap_or("ok"))
        .collect();
    assert_eq!(
        codes,
        [
            "ok",
            "ok",
            "ok",
            "ok",
            "ok",
            "four_eyes",
            "ok",
            "not_on_panel",
            "ok",
            "undecided",
            "ok",
            "ok",
            "open_conditions",
            "ok",
            "ok",
            "deal_ended"
        ]
    );
    assert_eq!(output["final"]["stage"]["kind"], "lost");
}

#[test]
fn bad_input_is_a_typed_failure() {
    let err = cli::allocate("{\"amount\": 1").unwrap_err();
    assert_eq!(err.code, "malformed_json");
    let err = cli::allocate(r#"{"amount": "1", "weights": ["1"], "extra": 1}"#).unwrap_err();
    assert_eq!(err.code, "malformed_json");
    assert!(err.message.contains("extra"));
    let err = cli::allocate(r#"{"amount": "10.005", "weights": ["1"]}"#).unwrap_err();
    assert_eq!(err.code, "amount_finer_than_minor_unit");
    let err = cli::graph("\"nonstandard\"", true).unwrap_err();
    assert_eq!(err.code, "unknown_process");
    let err = cli::split(r#"{"pool": "-1", "roles": {}, "window": {"start": "2026-01-01", "end": "2026-02-01"}, "members": []}"#).unwrap_err();
    assert_eq!(err.code, "negative_pool");
    let err = cli::payout(
        &include_str!("../../../examples/data/payout.json")
            .replace(r#""action": "release""#, r#""action": "forfeit""#),
    )
    .unwrap_err();
    assert_eq!(err.code, "missing_id");
}

#[test]
fn payout_totals_add_up_to_the_final_pool() {
    let output: serde_json::Value = serde_json::from_str(
        &cli::payout(include_str!("../../../examples/data/payout.json")).unwrap(),
    )
    .unwrap();
    let decimal = |v: &serde_json::Value| {
        v.as_str()
            .unwrap()
            .parse::<rust_decimal::Decimal>()
            .unwrap()
    };
    let people = output["people"].as_array().unwrap();
    let total: rust_decimal::Decimal = people.iter().map(|p| decimal(&p["amount"])).sum();
    assert_eq!(total, decimal(&output["pool"]));
    // Everything held back was released at year end.
    for p in people {
        assert_eq!(decimal(&p["held"]), decimal(&p["released"]));
    }
}

#[test]
fn a_bad_process_definition_says_what_is_wrong() {
    let mut definition = serde_json::to_value(ltc_pipeline::ProcessDefinition::standard()).unwrap();
    let fields = definition.as_object_mut().unwrap();
    let days = fields.remove("forced_closure_after_days").unwrap();
    fields.insert("forced_closure_after_dayz".into(), days);
    let err = cli::graph(&definition.to_string(), false).unwrap_err();
    assert_eq!(err.code, "malformed_json");
    assert!(
        err.message.contains("forced_closure_after_days"),
        "{}",
        err.message
    );
    let mut definition = serde_json::to_value(ltc_pipeline::ProcessDefinition::standard()).unwrap();
    definition["gates"][0]["panel"]["levels"][0]["level"] = "pope".into();
    let err = cli::graph(&definition.to_string(), false).unwrap_err();
    assert_eq!(err.code, "unknown_level");
}

#[test]
fn a_typo_at_any_depth_is_refused_with_its_path() {
    let input = r#"{"commands": [{"actor": "ops", "at": "2026-01-05T09:00:00Z",
        "expected_versoin": 7, "command": {"type": "qualify_lead"}}]}"#;
    let err = cli::run(input).unwrap_err();
    assert_eq!(err.code, "malformed_json");
    assert!(
        err.message
            .starts_with("at `commands[0].expected_versoin`: unknown field `expected_versoin`"),
        "{err}"
    );
    let positional =
        r#"{"commands": [["ops", "2026-01-05T09:00:00Z", null, {"type": "qualify_lead"}]]}"#;
    let err = cli::run(positional).unwrap_err();
    assert!(err.message.contains("expected an object"), "{err}");
    let digits = r#"{"commands": [{"actor": "ops", "at": "2026-01-05T09:00:00Z",
        "command": {"type": "capture_lead", "customer": "ACME", "source": "web",
                    "estimate": {"amount": "79228162514264337593543950335.4", "currency": "EUR"}}}]}"#;
    let err = cli::run(digits).unwrap_err();
    assert!(
        // The path reaches the command (a tagged variant is read whole); the value is named.
        err.message.starts_with(
            "at `commands[0].command`: `79228162514264337593543950335.4` is not an exact decimal"
        ),
        "{err}"
    );
    let definition = r#"{"process": {"name": "ours", "rolez": []}, "commands": []}"#;
    let err = cli::run(definition).unwrap_err();
    assert!(
        err.message
            .starts_with("at `process.rolez`: unknown field `rolez`"),
        "{err}"
    );
}

#[test]
fn every_error_is_one_line() {
    let input = r#"{"commands": [{"actor": "ops", "at": "2026-01-05T09:00:00Z",
        "command": {"type": "capture_lead", "customer": "ACME", "source": "web"}}],
        "process": "no\nsuch\u2028process"}"#;
    let err = cli::run(input).unwrap_err();
    assert_eq!(err.code, "unknown_process");
    assert_eq!(err.to_string().lines().count(), 1, "{err}");
    assert!(err.message.contains("no\\nsuch\\u{2028}process"), "{err}");
    // A refused command in `run` names the person with the newline escaped.
    let run = r#"{"commands": [
        {"actor": "ops", "at": "2026-01-05T09:00:00Z",
         "command": {"type": "capture_lead", "customer": "ACME", "source": "web"}},
        {"actor": "ops", "at": "2026-01-05T09:00:00Z",
         "command": {"type": "remove_member", "person": "mallory\nadmin", "role": "AR"}}]}"#;
    let output: serde_json::Value = serde_json::from_str(&cli::run(run).unwrap()).unwrap();
    let message = output["results"][1]["error"]["message"].as_str().unwrap();
    assert_eq!(message, "`mallory\\nadmin` does not hold role `AR`");
}

#[test]
fn report_refuses_a_forged_log_naming_the_deal_and_the_event() {
    let sample = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/data/deals.json"
    ))
    .unwrap();
    let mut input: serde_json::Value = serde_json::from_str(&sample).unwrap();
    // Turn the first recorded rejection or rework into an approval.
    let deals = input["deals"].as_array_mut().unwrap();
    let (deal, version) = deals
        .iter_mut()
        .find_map(|log| {
            log.as_array_mut().unwrap().iter_mut().find_map(|event| {
                let change = &event["change"];
                let decided = change["type"] == "gate_decided"
                    && change["outcome"] != "approved"
                    && change["outcome"] != "approved_with_conditions";
                decided.then(|| {
                    event["change"]["outcome"] = "approved".into();
                    (
                        event["deal"].as_str().unwrap().to_owned(),
                        event["version"].as_u64().unwrap(),
                    )
                })
            })
        })
        .expect("the sample set has a gate that was not passed");
    // The edit breaks the log's hash chain at that event,
    let err = ltc_cli::report::run(&input.to_string(), false).unwrap_err();
    assert_eq!(err.code, "tampered");
    assert!(
        err.message.starts_with(&format!(
            "the log of deal `{deal}` fails at event {version} (version {version}): its hash"
        )),
        "{err}"
    );
    // and a forger who seals the edited log again is stopped by the rules.
    for log in input["deals"].as_array_mut().unwrap() {
        let stored: Vec<StoredEvent> = serde_json::from_value(log.clone()).unwrap();
        let resealed = integrity::seal(Digest::GENESIS, stored.into_iter().map(|e| e.event));
        *log = serde_json::to_value(resealed).unwrap();
    }
    let err = ltc_cli::report::run(&input.to_string(), false).unwrap_err();
    assert_eq!(err.code, "invalid_event");
    assert!(
        err.message.starts_with(&format!(
            "event {version} of deal `{deal}` cannot be applied: the votes decide"
        )),
        "{err}"
    );
}

/// The stored log of the run sample: its events, taken in order.
fn run_sample_log() -> Vec<serde_json::Value> {
    let output: serde_json::Value =
        serde_json::from_str(&cli::run(include_str!("../../../examples/data/run.json")).unwrap())
            .unwrap();
    output["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["events"].as_array())
        .flatten()
        .cloned()
        .collect()
}

#[test]
fn verify_prints_the_head_of_a_log_run_printed() {
    let log = run_sample_log();
    let head = log.last().unwrap()["hash"].as_str().unwrap().to_owned();
    let input = serde_json::to_string(&log).unwrap();
    assert_eq!(cli::verify(&input).unwrap(), format!("ok {head}\n"));
    let with_head = serde_json::json!({"head": head, "log": log}).to_string();
    assert_eq!(cli::verify(&with_head).unwrap(), format!("ok {head}\n"));
}

#[test]
fn verify_names_the_first_event_edited_dropped_inserted_or_moved() {
    let log = run_sample_log();
    let head = log.last().unwrap()["hash"].clone();
    let check = |log: &[serde_json::Value], with_head: bool| {
        let input = if with_head {
            serde_json::json!({"head": head, "log": log}).to_string()
        } else {
            serde_json::to_string(log).unwrap()
        };
        cli::verify(&input).unwrap_err()
    };
    // An edited time that still replays (it stays between its neighbours' times).
    let mut edited = log.clone();
    edited[2]["at"] = "2026-01-15T09:00:01Z".into();
    let err = check(&edited, false);
    assert_eq!(err.code, "tampered");
    assert!(
        err.message.contains("fails at event 3 (version 3)"),
        "{err}"
    );
    // A dropped event, in the middle and at the end.
    let mut dropped = log.clone();
    dropped.remove(4);
    let err = check(&dropped, false);
    assert!(
        err.message.contains("fails at event 5 (version 6)"),
        "{err}"
    );
    let mut truncated = log.clone();
    truncated.pop();
    let err = check(&truncated, true);
    assert_eq!(err.code, "tampered");
    assert!(err.message.contains("not at the head"), "{err}");
    // Two events swapped.
    let mut swapped = log.clone();
    swapped.swap(1, 2);
    assert_eq!(check(&swapped, false).code, "tampered");
    // Every line is one line.
    assert!(!err.to_string().contains('\n'));
}

#[test]
fn the_migration_preview_runs_over_the_sample_deal_set() {
    let deals: serde_json::Value =
        serde_json::from_str(include_str!("../../../examples/data/deals.json")).unwrap();
    let candidate: serde_json::Value =
        serde_json::from_str(include_str!("../../../examples/data/standard-v2.json")).unwrap();
    let input = serde_json::json!({"to": candidate, "deals": deals["deals"]}).to_string();
    let rows: Vec<serde_json::Value> =
        serde_json::from_str(&cli::migrate_preview(&input, true).unwrap()).unwrap();
    assert_eq!(rows.len(), deals["deals"].as_array().unwrap().len());
    let count = |verdict: &str| rows.iter().filter(|r| r["verdict"] == verdict).count();
    assert!(count("migrates") > 0 && count("ended") > 0 && count("blocked") > 0);
    assert_eq!(count("log_refused") + count("current"), 0);
    // Every blocked deal is in solution work: the stage whose review the candidate removes.
    for row in rows.iter().filter(|r| r["verdict"] == "blocked") {
        assert_eq!(row["stage"], "solution_work", "{row}");
        assert!(row["reason"].as_str().is_some_and(|r| !r.is_empty()));
    }
    // The table has a header, a summary and one row per deal.
    let table = cli::migrate_preview(&input, false).unwrap();
    assert_eq!(table.lines().count(), rows.len() + 2);
    assert!(table.starts_with(&format!(
        "Migration preview to standard@2: {} of {} deals migrate",
        count("migrates"),
        rows.len()
    )));
    // An edited log is reported, with the event its chain breaks at, and the others go on.
    let mut edited = deals["deals"].clone();
    edited[0][2]["actor"] = "mallory".into();
    let input = serde_json::json!({"to": candidate, "deals": edited}).to_string();
    let rows: Vec<serde_json::Value> =
        serde_json::from_str(&cli::migrate_preview(&input, true).unwrap()).unwrap();
    assert_eq!(rows[0]["verdict"], "log_refused");
    assert_eq!(rows[0]["code"], "tampered");
    assert_eq!(rows[0]["event"], 3);
    assert_eq!(rows[1]["verdict"], "ended");
}

#[test]
fn documents_are_objects_not_positional_arrays() {
    for (subcommand, input) in [
        ("allocate", r#"["10.00", ["1", "1"], 2]"#),
        ("run", r#"["standard", "D-1", []]"#),
        (
            "report",
            r#"["2026-09-30T17:00:00Z", "standard", {}, {}, []]"#,
        ),
    ] {
        let err = run(subcommand, input).unwrap_err();
        assert_eq!(err.code, "malformed_json", "{subcommand}: {err}");
        assert!(
            err.message.contains("expected an object"),
            "{subcommand}: {err}"
        );
    }
    // Deep inside a valid document: the holdback movement.
    let sample = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/data/payout.json"
    ))
    .unwrap();
    let positional = sample.replace(
        r#"{"date": "2026-12-31", "action": "release"}"#,
        r#"["2026-12-31", null, "release"]"#,
    );
    assert_ne!(positional, sample);
    let err = run("payout", &positional).unwrap_err();
    assert!(
        err.message
            .starts_with("at `holdback[0]`: invalid type: sequence, expected an object"),
        "{err}"
    );
}

#[test]
fn allocate_refuses_an_amount_it_would_have_to_round() {
    let err = cli::allocate(
        r#"{"amount": "79228162514264337593543950335.4", "weights": ["1"], "scale": 0}"#,
    )
    .unwrap_err();
    assert_eq!(err.code, "malformed_json");
    assert!(
        err.message.starts_with(
            "at `amount`: `79228162514264337593543950335.4` has more significant digits"
        ),
        "{err}"
    );
    let err =
        cli::allocate(r#"{"amount": "1", "weights": ["1", "0.00000000000000000000000000001"]}"#)
            .unwrap_err();
    assert!(err.message.starts_with("at `weights[1]`: "), "{err}");
}

#[test]
fn a_huge_exponent_is_refused_on_one_line_not_a_panic() {
    for amount in [
        "1e-9223372036854775808",
        "0.1e-9223372036854775807",
        "1e9223372036854775807",
    ] {
        let input = format!(
            r#"{{"commands": [{{"actor": "ops", "at": "2026-01-05T09:00:00Z",
                "command": {{"type": "capture_lead", "customer": "ACME", "source": "web",
                             "estimate": {{"amount": "{amount}", "currency": "EUR"}}}}}}]}}"#
        );
        let err = cli::run(&input).unwrap_err();
        assert_eq!(err.code, "malformed_json", "{amount}");
        assert_eq!(err.to_string().lines().count(), 1);
    }
}

#[test]
fn the_statement_sample_pays_what_its_lines_say() {
    let input = include_str!("../../../examples/data/statement.json");
    let output: serde_json::Value =
        serde_json::from_str(&cli::statement(input, false).unwrap()).unwrap();
    let ana = &output["statements"][0];
    assert_eq!(ana["person"], "ana");
    assert_eq!(ana["period"]["id"], "2026-03");
    assert_eq!(ana["version"], 2);
    // 24,000 of team credit at 5%; the draw tops it up to 2,000; January's refund clawed back
    // (-440), February's late receipt (+1,200) and version 2 (+250), a manual spiff (+150);
    // 120 held, January's 140 released.
    assert_eq!(ana["commission"], "1200.00");
    assert_eq!(ana["payable"], "3180.00");
    let kinds: Vec<&str> = ana["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "earning",
            "draw",
            "clawback",
            "adjustment",
            "adjustment",
            "adjustment",
            "holdback",
            "release"
        ]
    );
    let clawback = &ana["lines"][2];
    assert_eq!(clawback["reversal"], "D-101/CN-1");
    assert_eq!(clawback["of"], "D-101/R-1");
    assert_eq!(clawback["amount"], "-440.00");
    let total: rust_decimal::Decimal = ana["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            l["amount"]
                .as_str()
                .unwrap()
                .parse::<rust_decimal::Decimal>()
                .unwrap()
        })
        .sum();
    assert_eq!(total.to_string(), "3180.00");
    let table = cli::statement(input, true).unwrap();
    assert!(
        table.contains("payable                    3180.00"),
        "{table}"
    );
}

#[test]
fn a_bad_statement_request_names_the_field() {
    let input = include_str!("../../../examples/data/statement.json");
    let bad = input.replace(r#""share": "0.25""#, r#""share": "0.24""#);
    let err = cli::statement(&bad, false).unwrap_err();
    assert_eq!(err.code, "revenue_split_not_100");
    assert!(
        err.message
            .starts_with("at `deals[0].splits`: the revenue splits total 0.99"),
        "{err}"
    );
    let typo = input.replace(r#""release_after""#, r#""release_afer""#);
    let err = cli::statement(&typo, false).unwrap_err();
    assert_eq!(err.code, "malformed_json");
    assert!(err.message.contains("plan.versions[0].holdback"), "{err}");
    let backdated = input.replacen(r#""ana": "1860.00""#, r#""ana": "1900.00""#, 1);
    let err = cli::statement(&backdated, false).unwrap_err();
    assert_eq!(err.code, "closed_period_changed");
    assert!(err.message.contains("periods[0].closed.payables"), "{err}");
    // Every person computed is checked against their own frozen payable.
    let bo = backdated.replace(
        "\"person\": \"ana\",\n  \"period\"",
        "\"person\": \"bo\",\n  \"period\"",
    );
    assert!(cli::statement(&bo, false).is_ok());
    let bo_changed = input
        .replacen(r#""bo": "1960.00""#, r#""bo": "1961.00""#, 1)
        .replace(
            "\"person\": \"ana\",\n  \"period\"",
            "\"person\": \"bo\",\n  \"period\"",
        );
    let err = cli::statement(&bo_changed, false).unwrap_err();
    assert_eq!(err.code, "closed_period_changed");
    let everyone = backdated.replace(
        "\"person\": \"ana\",\n  \"period\"",
        "\"person\": null,\n  \"period\"",
    );
    assert_eq!(
        cli::statement(&everyone, false).unwrap_err().code,
        "closed_period_changed"
    );
    let inexact = input.replacen(r#""ana": "1860.00""#, r#""ana": "1860.001""#, 1);
    let err = cli::statement(&inexact, false).unwrap_err();
    assert!(
        err.message.contains("periods[0].closed.payables.ana"),
        "{err}"
    );
}
