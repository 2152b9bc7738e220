//! `ltc` over a store, as a user drives it: a real SQLite file, the binary run as a process.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::sample;
use serde_json::{json, Value};
use std::path::Path;

struct Run {
    status: i32,
    stdout: String,
    stderr: String,
}

fn ltc_in(dir: &Path, env_store: Option<&str>, args: &[&str], stdin: &str) -> Run {
    let out = common::ltc(Some(dir), env_store, args, stdin);
    Run {
        status: out.status.code().unwrap(),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    }
}

/// A folder to run in, and `ltc --store LOCATION ...` there: a SQLite file in the folder, or a
/// fresh database on a real PostgreSQL server.
struct World {
    dir: tempfile::TempDir,
    location: String,
}

impl World {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let location = dir.path().join("deals.db").to_str().unwrap().to_owned();
        Self { dir, location }
    }

    /// A world whose store is a PostgreSQL database (`ltc_store::testing`: the server of
    /// `LTC_TEST_POSTGRES_URL`, or a throw-away cluster). `None`, said loudly, when no server
    /// can be had outside CI; under CI (`CI` set) that fails the test.
    fn postgres() -> Option<Self> {
        match ltc_store::testing::TestServer::shared() {
            Ok(server) => Some(Self {
                dir: tempfile::tempdir().unwrap(),
                location: server.fresh_database().unwrap(),
            }),
            Err(reason) if std::env::var_os("CI").is_some() => {
                panic!("CI is set and the PostgreSQL tests cannot run: {reason}")
            }
            Err(reason) => {
                eprintln!("SKIPPED: the `ltc` tests over PostgreSQL, no server: {reason}");
                None
            }
        }
    }

    /// The SQLite world, and the PostgreSQL one when a server can be had.
    fn both() -> Vec<Self> {
        std::iter::once(Self::new())
            .chain(Self::postgres())
            .collect()
    }

    fn ltc(&self, args: &[&str], stdin: &str) -> Run {
        let mut all = vec!["--store", self.location.as_str()];
        all.extend_from_slice(args);
        ltc_in(self.dir.path(), None, &all, stdin)
    }

    fn ok(&self, args: &[&str], stdin: &str) -> String {
        let run = self.ltc(args, stdin);
        assert_eq!(run.status, 0, "ltc {args:?}: {}", run.stderr);
        assert!(run.stderr.is_empty(), "{}", run.stderr);
        run.stdout
    }

    /// Runs and expects a one-line `error: CODE: ...` with status 1 and nothing on stdout.
    fn refused(&self, args: &[&str], stdin: &str, code: &str) -> String {
        let run = self.ltc(args, stdin);
        assert_eq!(run.status, 1, "ltc {args:?} should fail: {}", run.stdout);
        assert!(run.stdout.is_empty(), "{}", run.stdout);
        assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
        assert!(
            run.stderr.starts_with(&format!("error: {code}: ")),
            "expected {code}: {}",
            run.stderr
        );
        run.stderr
    }
}

fn run_sample() -> Value {
    serde_json::from_str(&ltc_cli::commands::run(&sample("run.json")).unwrap()).unwrap()
}

#[test]
fn exec_command_by_command_gives_what_run_gives_at_once() {
    for world in World::both() {
        exec_command_by_command_gives_what_run_gives_at_once_in(&world);
    }
}

fn exec_command_by_command_gives_what_run_gives_at_once_in(world: &World) {
    let input: Value = serde_json::from_str(&sample("run.json")).unwrap();
    let deal = input["deal"].as_str().unwrap();
    let expected = run_sample();
    let commands = input["commands"].as_array().unwrap();
    for (envelope, result) in commands.iter().zip(expected["results"].as_array().unwrap()) {
        let run = world.ltc(&["exec", deal], &envelope.to_string());
        if let Some(error) = result.get("error") {
            // Refused as `run` refuses it, on one line, and nothing is written.
            assert_eq!(run.status, 1, "{envelope}");
            assert!(run.stdout.is_empty());
            let code = error["code"].as_str().unwrap();
            assert!(
                run.stderr.starts_with(&format!("error: {code}: ")),
                "{}",
                run.stderr
            );
            assert_eq!(run.stderr.lines().count(), 1);
        } else {
            assert_eq!(run.status, 0, "{envelope}: {}", run.stderr);
            let printed: Value = serde_json::from_str(&run.stdout).unwrap();
            assert_eq!(
                &printed, result,
                "exec prints what run prints for {envelope}"
            );
        }
    }
    // The stored state is `run`'s final state, and the stored log is `run`'s events.
    let shown: Value = serde_json::from_str(&world.ok(&["show", "--json", deal], "")).unwrap();
    assert_eq!(shown, expected["final"]);
    let exported: Value = serde_json::from_str(&world.ok(&["export", deal], "")).unwrap();
    let events: Vec<Value> = expected["results"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|r| {
            r.get("events")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default()
        })
        .collect();
    assert_eq!(exported, Value::Array(events));
    let verified = ltc_cli::commands::verify(&exported.to_string()).unwrap();
    assert!(verified.starts_with("ok "), "{verified}");
}

fn capture(at: &str, expected_version: Option<u64>) -> String {
    let mut envelope = json!({
        "actor": "ops",
        "at": at,
        "command": {"type": "capture_lead", "customer": "ACME", "source": "web",
                    "estimate": {"amount": "80000.00", "currency": "EUR"}},
    });
    if let Some(v) = expected_version {
        envelope["expected_version"] = json!(v);
    }
    envelope.to_string()
}

fn grade(expected_version: u64) -> String {
    json!({
        "actor": "ana", "at": "2026-03-03T09:00:00Z", "expected_version": expected_version,
        "command": {"type": "grade_lead", "scores": {"budget": 4, "decision_chain": 3, "urgency": 5}},
    })
    .to_string()
}

#[test]
fn a_command_decided_on_an_old_version_loses_with_conflict_and_writes_nothing() {
    for world in World::both() {
        a_command_decided_on_an_old_version_loses_with_conflict_and_writes_nothing_in(&world);
    }
}

fn a_command_decided_on_an_old_version_loses_with_conflict_and_writes_nothing_in(world: &World) {
    world.ok(&["exec", "D-1"], &capture("2026-03-02T09:00:00Z", Some(0)));
    world.ok(&["exec", "D-1"], &grade(1));
    // A second writer still sees version 1.
    let message = world.refused(&["exec", "D-1"], &grade(1), "conflict");
    assert!(message.contains("version 2"), "{message}");
    let listed: Value = serde_json::from_str(&world.ok(&["list", "--json"], "")).unwrap();
    assert_eq!(listed[0]["version"], json!(2));
    // A command the rules refuse writes nothing either.
    world.refused(
        &["exec", "D-1"],
        &capture("2026-03-04T09:00:00Z", None),
        "already_opened",
    );
    let listed: Value = serde_json::from_str(&world.ok(&["list", "--json"], "")).unwrap();
    assert_eq!(listed[0]["version"], json!(2));
}

#[test]
fn the_store_is_ltc_db_in_the_current_folder_unless_ltc_store_or_store_says() {
    let dir = tempfile::tempdir().unwrap();
    let run = ltc_in(
        dir.path(),
        None,
        &["exec", "D-1"],
        &capture("2026-03-02T09:00:00Z", None),
    );
    assert_eq!(run.status, 0, "{}", run.stderr);
    assert!(dir.path().join("ltc.db").exists());

    let elsewhere = dir.path().join("elsewhere.db");
    let env = elsewhere.to_str().unwrap();
    let run = ltc_in(
        dir.path(),
        Some(env),
        &["exec", "D-2"],
        &capture("2026-03-02T09:00:00Z", None),
    );
    assert_eq!(run.status, 0, "{}", run.stderr);
    let run = ltc_in(dir.path(), Some(env), &["list", "--json"], "");
    let listed: Value = serde_json::from_str(&run.stdout).unwrap();
    let ids: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["deal"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["D-2"]);
    // --store wins over LTC_STORE.
    let flag = dir.path().join("flag.db");
    let run = ltc_in(
        dir.path(),
        Some(env),
        &["list", "--json", "--store", flag.to_str().unwrap()],
        "",
    );
    assert_eq!(run.status, 1);
    assert!(
        run.stderr.starts_with("error: no_store: "),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("flag.db"), "{}", run.stderr);
}

#[test]
fn export_then_import_moves_deals_between_stores_and_a_bad_log_writes_nothing() {
    let from = World::new();
    from.ok(&["import"], &sample("deals.json"));
    let listed_from = from.ok(&["list", "--json", "--now", "2026-09-30T17:00:00Z"], "");
    let ids: Vec<String> = serde_json::from_str::<Value>(&listed_from)
        .unwrap()
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["deal"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids.len(), 64);

    let to = World::new();
    let logs: Vec<Value> = ids
        .iter()
        .map(|id| serde_json::from_str(&from.ok(&["export", id], "")).unwrap())
        .collect();
    // One log alone, then the rest as a list of logs.
    let imported: Value = serde_json::from_str(&to.ok(&["import"], &logs[0].to_string())).unwrap();
    assert_eq!(imported["deals"], json!(1));
    to.ok(&["import"], &Value::Array(logs[1..].to_vec()).to_string());
    let listed_to = to.ok(&["list", "--json", "--now", "2026-09-30T17:00:00Z"], "");
    assert_eq!(listed_to, listed_from);

    // An edited event anywhere in the batch: nothing of the batch is written.
    let fresh = World::new();
    let mut edited = logs.clone();
    edited[40][3]["actor"] = json!("mallory");
    let message = fresh.refused(&["import"], &Value::Array(edited).to_string(), "tampered");
    assert!(message.contains(ids[40].as_str()), "{message}");
    assert_eq!(fresh.ok(&["list", "--json"], "").trim(), "[]");
    // Importing a deal the store holds is refused too.
    to.refused(&["import"], &logs[0].to_string(), "conflict");
}

#[test]
fn show_and_list_read_for_people() {
    let world = World::new();
    world.ok(&["import"], &sample("deals.json"));
    let table = world.ok(&["list", "--now", "2026-09-30T17:00:00Z"], "");
    assert!(table.starts_with("deal "), "{table}");
    assert!(table.trim_end().ends_with("64 deals"), "{table}");
    let listed: Value =
        serde_json::from_str(&world.ok(&["list", "--json", "--now", "2026-09-30T17:00:00Z"], ""))
            .unwrap();
    let red = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["light"] == json!("red"))
        .expect("the sample set has a red deal");
    let id = red["deal"].as_str().unwrap();
    let shown = world.ok(&["show", id, "--now", "2026-09-30T17:00:00Z"], "");
    assert!(shown.starts_with(&format!("deal {id}: ")), "{shown}");
    assert!(shown.contains("light red"), "{shown}");
    assert!(shown.contains("team:"), "{shown}");
    world.refused(&["show", "D-404"], "", "unknown_deal");
}

#[test]
fn processes_are_published_once_per_name_and_version() {
    let world = World::new();
    let v2 = sample("standard-v2.json");
    assert_eq!(
        world.ok(&["process", "publish"], &v2),
        "published standard@2\n"
    );
    assert_eq!(
        world.ok(&["process", "publish"], &v2),
        "unchanged standard@2\n"
    );
    assert_eq!(
        world.ok(&["process", "list"], ""),
        "standard@1\nstandard@2\n"
    );
    // Another definition under standard@2 is refused: deals opened under it replay as they ran.
    let mut other: Value = serde_json::from_str(&v2).unwrap();
    other["roles"] = json!(["AR", "SR", "FR", "PD"]);
    world.refused(
        &["process", "publish"],
        &other.to_string(),
        "process_exists",
    );
    // A new deal opens under the version asked for; an unknown one is named.
    let out = world.ok(
        &["exec", "D-1", "--process", "standard@2"],
        &capture("2026-03-02T09:00:00Z", None),
    );
    let printed: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        printed["events"][0]["change"]["process"],
        json!({"name": "standard", "version": 2})
    );
    let message = world.refused(
        &["exec", "D-2", "--process", "custom@1"],
        &capture("2026-03-02T09:00:00Z", None),
        "unknown_process",
    );
    assert!(message.contains("standard@1, standard@2"), "{message}");
}

#[test]
fn payout_pays_a_stored_deal_under_its_terms() {
    let world = World::new();
    world.ok(&["import"], &sample("deals.json"));
    let listed: Value = serde_json::from_str(&world.ok(&["list", "--json"], "")).unwrap();
    let won = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["stage"] == json!("won"))
        .expect("the sample set has a won deal");
    let id = won["deal"].as_str().unwrap();
    let terms = json!({
        "terms": {"roles": {"AR": "40", "SR": "30", "FR": "30"}, "rate": "0.02", "basis": "cash",
                  "holdback": "0.15"},
        "end": "2026-10-01",
        "holdback": [{"date": "2026-12-31", "action": "release"}],
    });
    let out: Value =
        serde_json::from_str(&world.ok(&["payout", "--deal", id], &terms.to_string())).unwrap();
    // A won deal collected its whole value: the pool is the full pool, all of it paid out once
    // the holdback is released.
    assert_eq!(out["pool"], out["full_pool"]);
    assert_eq!(out["retained"], json!("0"));
    let dec = |v: &Value| {
        v.as_str()
            .unwrap()
            .parse::<rust_decimal::Decimal>()
            .unwrap()
    };
    let people = out["people"].as_array().unwrap();
    let total: rust_decimal::Decimal = people.iter().map(|p| dec(&p["amount"])).sum();
    assert_eq!(total, dec(&out["pool"]));
    for person in people {
        assert_eq!(
            dec(&person["payable"]) + dec(&person["released"]),
            dec(&person["amount"]),
            "{person}"
        );
    }
    // Without `end` the window ends the day after the deal's last event: the same cash, so the
    // same pool, all of it paid out; only who gets how much may move with the days counted.
    let mut without_end = terms.clone();
    without_end.as_object_mut().unwrap().remove("end");
    let by_last_event: Value =
        serde_json::from_str(&world.ok(&["payout", "--deal", id], &without_end.to_string()))
            .unwrap();
    assert_eq!(by_last_event["pool"], out["pool"]);
    let paid: rust_decimal::Decimal = by_last_event["people"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| dec(&p["amount"]))
        .sum();
    assert_eq!(paid, dec(&out["pool"]));
    // A role weight the deal's process does not define is refused, not taken for a vacant role.
    let mut typo = terms.clone();
    typo["terms"]["roles"]["ar"] = json!("10");
    world.refused(
        &["payout", "--deal", id],
        &typo.to_string(),
        "role_not_in_process",
    );
    // A deal without a contract has no result to pay.
    let open = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["stage"] == json!("negotiation") || d["stage"] == json!("disqualified"))
        .expect("the sample set has a deal before signature");
    world.refused(
        &["payout", "--deal", open["deal"].as_str().unwrap()],
        &terms.to_string(),
        "no_result",
    );
}

#[test]
fn a_json_number_where_a_decimal_goes_says_to_write_it_as_a_string() {
    let world = World::new();
    let mut envelope: Value = serde_json::from_str(&capture("2026-03-02T09:00:00Z", None)).unwrap();
    envelope["command"]["estimate"]["amount"] = json!(80000);
    let message = world.refused(&["exec", "D-1"], &envelope.to_string(), "malformed_json");
    assert!(message.contains("as a string"), "{message}");
}

#[test]
fn report_over_the_store_is_the_report_over_the_same_logs() {
    for world in World::both() {
        report_over_the_store_is_the_report_over_the_same_logs_in(&world);
    }
}

fn report_over_the_store_is_the_report_over_the_same_logs_in(world: &World) {
    world.ok(&["import"], &sample("deals.json"));
    let document: Value = serde_json::from_str(&sample("deals.json")).unwrap();
    let now = document["now"].as_str().unwrap();
    let from_file: Value =
        serde_json::from_str(&ltc_cli::report::run(&document.to_string(), true).unwrap()).unwrap();
    let stored: Value =
        serde_json::from_str(&world.ok(&["report", "--stored", "--json", "--now", now], ""))
            .unwrap();
    assert_eq!(stored, from_file);

    // A filter by flags is the document's filter.
    let mut filtered = document.clone();
    filtered["filter"] = json!({"person": "ana", "role": "AR"});
    let from_file: Value =
        serde_json::from_str(&ltc_cli::report::run(&filtered.to_string(), true).unwrap()).unwrap();
    let args = [
        "report", "--stored", "--json", "--now", now, "--person", "ana", "--role", "AR",
    ];
    let stored: Value = serde_json::from_str(&world.ok(&args, "")).unwrap();
    assert_eq!(stored, from_file);
    assert_ne!(stored["funnel"], json!(null));

    // The page, and the tables, are drawn from the same report.
    let page = world.ok(&["report", "--stored", "--html", "-", "--now", now], "");
    assert_eq!(page, ltc_cli::report::html(&document.to_string()).unwrap());
    let tables = world.ok(&["report", "--stored", "--now", now], "");
    assert_eq!(
        tables,
        ltc_cli::report::run(&document.to_string(), false).unwrap()
    );

    // The store's options need --stored; a document and --stored do not go together.
    let run = world.ltc(&["report", "--now", now, "x.json"], "");
    assert_eq!(run.status, 2);
    assert!(run.stderr.contains("give --stored"), "{}", run.stderr);
    let run = world.ltc(&["report", "--stored", "x.json"], "");
    assert_eq!(run.status, 2);
    let backwards = [
        "report",
        "--stored",
        "--from",
        "2026-06-01T00:00:00Z",
        "--until",
        "2026-01-01T00:00:00Z",
    ];
    let run = world.ltc(&backwards, "");
    assert_eq!(run.status, 2);
    assert!(run.stderr.contains("is before --from"), "{}", run.stderr);
}

/// Rewrites stored rows behind the store's back, as someone with the file could.
fn tamper(world: &World, sql: &str) {
    let db = rusqlite::Connection::open(&world.location).unwrap();
    let changed = db.execute(sql, []).unwrap();
    assert!(changed > 0, "{sql} changed nothing");
}

#[test]
fn an_edited_or_shortened_stored_log_is_refused_by_every_command_that_reads_it() {
    let terms = json!({
        "terms": {"roles": {"AR": "40", "SR": "30", "FR": "30"}, "rate": "0.02", "basis": "cash"},
        "end": "2026-10-01",
    })
    .to_string();
    let now = "2026-09-30T17:00:00Z";
    // D-002 is won: someone renames a member of its team to be paid instead.
    let edited = World::new();
    edited.ok(&["import"], &sample("deals.json"));
    tamper(
        &edited,
        "UPDATE ltc_events SET record = replace(record, '\"person\":\"cat\"', '\"person\":\"mallory\"') \
         WHERE deal = 'D-002' AND record LIKE '%member_joined%'",
    );
    // D-001: its last event is dropped.
    let shortened = World::new();
    shortened.ok(&["import"], &sample("deals.json"));
    tamper(
        &shortened,
        "DELETE FROM ltc_events WHERE deal = 'D-001' AND version = (SELECT MAX(version) FROM ltc_events WHERE deal = 'D-001')",
    );
    for (world, deal) in [(&edited, "D-002"), (&shortened, "D-001")] {
        world.refused(&["show", deal], "", "tampered");
        world.refused(&["show", "--json", deal], "", "tampered");
        world.refused(&["payout", "--deal", deal], &terms, "tampered");
        world.refused(&["list", "--now", now], "", "tampered");
        world.refused(&["report", "--stored", "--now", now], "", "tampered");
        world.refused(&["verify", "--stored"], "", "tampered");
        world.refused(&["verify", "--stored", "--deal", deal], "", "tampered");
        let before = world.ltc(&["export", deal], "").stdout;
        let lose = json!({"actor": "ops", "at": "2026-09-30T00:00:00Z",
                          "command": {"type": "lose", "reason": "x"}});
        world.refused(&["exec", deal], &lose.to_string(), "tampered");
        assert_eq!(
            world.ltc(&["export", deal], "").stdout,
            before,
            "exec wrote on a broken log"
        );
    }
    // The others still verify one by one.
    assert!(edited
        .ok(&["verify", "--stored", "--deal", "D-003"], "")
        .starts_with("ok "));
}

#[test]
fn reading_commands_never_create_a_store_and_a_store_location_must_keep_deals() {
    let world = World::new();
    for args in [
        &["list"][..],
        &["show", "D-1"],
        &["export", "D-1"],
        &["process", "list"],
        &["report", "--stored"],
        &["verify", "--stored"],
    ] {
        world.refused(args, "", "no_store");
    }
    assert!(!Path::new(&world.location).exists());
    let dir = world.dir.path();
    for location in ["", " ", ":memory:"] {
        let run = ltc_in(
            dir,
            None,
            &["--store", location, "exec", "D-1"],
            &capture("2026-03-02T09:00:00Z", None),
        );
        assert_eq!(run.status, 1, "{location:?}");
        assert!(
            run.stderr.starts_with("error: bad_store: "),
            "{}",
            run.stderr
        );
    }
    // An empty LTC_STORE is refused too, rather than a database that keeps nothing.
    let run = ltc_in(
        dir,
        Some(""),
        &["exec", "D-1"],
        &capture("2026-03-02T09:00:00Z", None),
    );
    assert!(
        run.stderr.starts_with("error: bad_store: "),
        "{}",
        run.stderr
    );
    let run = ltc_in(dir, None, &["--store", dir.to_str().unwrap(), "list"], "");
    assert!(
        run.stderr.starts_with("error: bad_store: "),
        "{}",
        run.stderr
    );
}

#[test]
fn a_deal_dated_after_now_is_listed_without_a_light_and_process_opens_only_new_deals() {
    let world = World::new();
    world.ok(&["exec", "D-1"], &capture("2026-03-02T09:00:00Z", None));
    world.ok(&["exec", "D-2"], &capture("2062-03-02T09:00:00Z", None));
    let listed: Value =
        serde_json::from_str(&world.ok(&["list", "--json", "--now", "2026-03-20T09:00:00Z"], ""))
            .unwrap();
    assert_eq!(listed[0]["light"], json!("red")); // 18 days captured, of 7
    assert_eq!(listed[1]["light"], json!(null));
    assert_eq!(listed[1]["stage"], json!("captured"));
    assert!(world
        .ok(&["show", "D-2", "--now", "2026-03-20T09:00:00Z"], "")
        .contains("due: nothing"));

    // --process names the version a new deal opens under; on a deal that exists it is a mistake.
    let run = world.ltc(&["exec", "D-1", "--process", "standard@1"], &grade(1));
    assert_eq!(run.status, 2, "{}", run.stderr);
    assert!(
        run.stderr
            .starts_with("error: usage: --process opens a new deal"),
        "{}",
        run.stderr
    );
    let run = world.ltc(
        &["exec", "D-3", "--process", "standard@x"],
        &capture("2026-03-02T09:00:00Z", None),
    );
    assert_eq!(run.status, 2, "{}", run.stderr);
}

#[test]
fn text_output_escapes_what_users_wrote() {
    let world = World::new();
    let mut envelope: Value = serde_json::from_str(&capture("2026-03-02T09:00:00Z", None)).unwrap();
    envelope["command"]["customer"] = json!("EVIL\u{1b}[31m\nD-999 FAKE won");
    world.ok(&["exec", "D-1"], &envelope.to_string());
    let now = "2026-03-20T09:00:00Z";
    for args in [
        &["list", "--now", now][..],
        &["show", "D-1", "--now", now],
        &["report", "--stored", "--now", now],
    ] {
        let out = world.ok(args, "");
        assert!(!out.contains('\u{1b}'), "{args:?} printed an escape: {out}");
        assert!(
            !out.contains("\nD-999"),
            "{args:?} printed a forged line: {out}"
        );
        assert!(out.contains("EVIL\\u{1b}[31m\\nD-999"), "{args:?}: {out}");
    }
    // A right-to-left override would reverse the rest of the line after it.
    let mut envelope: Value = serde_json::from_str(&capture("2026-03-02T09:00:00Z", None)).unwrap();
    envelope["command"]["customer"] = json!("\u{202E}evil");
    world.ok(&["exec", "D-2"], &envelope.to_string());
    for args in [&["list", "--now", now][..], &["show", "D-2", "--now", now]] {
        let out = world.ok(args, "");
        assert!(
            !out.contains('\u{202E}'),
            "{args:?} printed an override: {out}"
        );
        assert!(out.contains("\\u{202e}evil"), "{args:?}: {out}");
    }
}

#[test]
fn an_import_document_is_read_strictly_whole() {
    let world = World::new();
    for bad in [
        json!({"deals": [], "process": 42}),
        json!({"deals": [], "settings": "x"}),
        json!({"deals": [], "now": "yesterday"}),
        json!({"deals": [], "extra": true}),
    ] {
        world.refused(&["import"], &bad.to_string(), "malformed_json");
    }
    // A refused import leaves no store behind.
    world.refused(&["verify", "--stored"], "", "no_store");
    world.ok(&["import"], "[]");
    assert_eq!(
        world.ok(&["verify", "--stored"], ""),
        "ok 0 deals, 0 events\n"
    );
}

#[test]
fn reading_an_empty_file_is_no_store_and_leaves_it_empty() {
    let world = World::new();
    std::fs::write(&world.location, b"").unwrap();
    for args in [
        &["list"][..],
        &["show", "D-1"],
        &["verify", "--stored"],
        &["tail"],
    ] {
        world.refused(args, "", "no_store");
    }
    assert_eq!(std::fs::metadata(&world.location).unwrap().len(), 0);
}

#[test]
fn tail_prints_the_stream_from_a_position_and_follows_new_commits() {
    for world in World::both() {
        world.ok(&["import"], &sample("deals.json"));
        let all = world.ok(&["tail", "--count", "3"], "");
        let lines: Vec<Value> = all
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(
            lines
                .iter()
                .map(|l| l["position"].as_u64().unwrap())
                .collect::<Vec<_>>(),
            [1, 2, 3]
        );
        assert_eq!(lines[0]["event"]["version"], 1);
        let after = world.ok(&["tail", "--after", "2", "--count", "1"], "");
        let line: Value = serde_json::from_str(after.trim()).unwrap();
        assert_eq!(line, lines[2]);
        // Live: a tail started before the commit sees it.
        let mut args = vec!["--store".to_owned(), world.location.clone()];
        let last: u64 = world
            .ok(&["verify", "--stored"], "")
            .split_whitespace()
            .nth(3)
            .unwrap()
            .parse()
            .unwrap();
        args.extend(["tail", "--after", &last.to_string(), "--count", "1"].map(String::from));
        let child = std::process::Command::new(env!("CARGO_BIN_EXE_ltc"))
            .args(&args)
            .current_dir(world.dir.path())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(300));
        world.ok(&["exec", "LIVE-1"], &capture("2026-03-02T09:00:00Z", None));
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let line: Value = serde_json::from_slice(out.stdout.trim_ascii()).unwrap();
        assert_eq!(line["position"].as_u64().unwrap(), last + 1);
        assert_eq!(line["event"]["deal"], "LIVE-1");
    }
}
