//! What `ltc` reads, as a user feeds it: instants that are not RFC 3339, a byte-order mark,
//! bytes that are not UTF-8, input over the size limit; and what `ltc show` says a waiting gate
//! needs. Every refusal is one line on stderr, a non-zero status and nothing on stdout.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use serde_json::{json, Value};
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

struct Run {
    status: i32,
    stdout: String,
    stderr: String,
}

/// Runs `ltc ARGS` in `dir` with raw bytes on stdin and the given environment.
fn ltc_bytes(dir: &Path, args: &[&str], env: &[(&str, &str)], stdin: &[u8]) -> Run {
    let mut command = Command::new(env!("CARGO_BIN_EXE_ltc"));
    command
        .args(args)
        .current_dir(dir)
        .env_remove("LTC_STORE")
        .env_remove("LTC_MAX_INPUT_BYTES")
        .envs(env.iter().copied())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = command.spawn().unwrap();
    let mut input = child.stdin.take().unwrap();
    let bytes = stdin.to_vec();
    // Written beside the run: a refusal may close stdin before everything is written.
    let writer = std::thread::spawn(move || {
        let _ = input.write_all(&bytes);
    });
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    Run {
        status: out.status.code().unwrap(),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    }
}

fn ltc(dir: &Path, args: &[&str], stdin: &[u8]) -> Run {
    ltc_bytes(dir, args, &[], stdin)
}

/// A refusal: status 1, nothing on stdout, one line `error: CODE: ...` on stderr, which is
/// returned.
fn refused(run: &Run, code: &str) -> String {
    assert_eq!(run.status, 1, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.is_empty(), "{}", run.stdout);
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
    assert!(
        run.stderr.starts_with(&format!("error: {code}: ")),
        "expected {code}: {}",
        run.stderr
    );
    run.stderr.clone()
}

fn ok(run: &Run) -> String {
    assert_eq!(run.status, 0, "{}", run.stderr);
    assert!(run.stderr.is_empty(), "{}", run.stderr);
    run.stdout.clone()
}

const EXPECTED: &str = "expected an RFC 3339 instant such as 2026-03-02T09:00:00Z, got `yesterday`";

fn envelope(at: &str, command: Value) -> String {
    json!({"actor": "ops", "at": at, "command": command}).to_string()
}

fn capture(at: &str, estimate: Option<&str>) -> String {
    let estimate = estimate.map(|a| json!({"amount": a, "currency": "EUR"}));
    envelope(
        at,
        json!({"type": "capture_lead", "customer": "ACME", "source": "web", "estimate": estimate}),
    )
}

#[test]
fn an_instant_that_is_not_rfc_3339_says_what_is_expected_at_its_path() {
    let dir = tempfile::tempdir().unwrap();
    let at = |path: &str, message: &str| {
        assert!(
            message.contains(&format!("at `{path}`: {EXPECTED}")),
            "{message}"
        );
    };
    // `run`: an envelope's `at`, an invoice's and a condition's due date.
    let run =
        json!({"commands": [serde_json::from_str::<Value>(&capture("yesterday", None)).unwrap()]});
    let message = refused(
        &ltc(dir.path(), &["run"], run.to_string().as_bytes()),
        "malformed_json",
    );
    at("commands[0].at", &message);
    let invoice = envelope(
        "2026-03-02T09:00:00Z",
        json!({"type": "issue_invoice", "id": "I-1", "amount": {"amount": "1", "currency": "EUR"}, "due": "yesterday"}),
    );
    let run = format!(r#"{{"commands": [{invoice}]}}"#);
    let message = refused(&ltc(dir.path(), &["run"], run.as_bytes()), "malformed_json");
    // Inside a command, whose `type` selects its shape, the path names the command.
    at("commands[0].command", &message);
    let decision = envelope(
        "2026-03-02T09:00:00Z",
        json!({"type": "record_decision", "minutes": "ok", "conditions": [{"id": "C-1", "text": "x", "due": "yesterday"}]}),
    );
    let run = format!(r#"{{"commands": [{decision}]}}"#);
    let message = refused(&ltc(dir.path(), &["run"], run.as_bytes()), "malformed_json");
    at("commands[0].command", &message);

    // `exec`: refused before a store is opened, so none is created.
    let store = dir.path().join("deals.db");
    let store = store.to_str().unwrap();
    let message = refused(
        &ltc(
            dir.path(),
            &["--store", store, "exec", "D-1"],
            capture("yesterday", None).as_bytes(),
        ),
        "malformed_json",
    );
    at("at", &message);
    assert!(!Path::new(store).exists());

    // A stored log (`verify`, `import`) and an import document's `now`.
    let log = run_log();
    let mut edited = log.clone();
    edited[0]["at"] = json!("yesterday");
    let message = refused(
        &ltc(dir.path(), &["verify"], edited.to_string().as_bytes()),
        "malformed_json",
    );
    at("[0].at", &message);
    let document = json!({"deals": [], "now": "yesterday"});
    let message = refused(
        &ltc(
            dir.path(),
            &["--store", store, "import"],
            document.to_string().as_bytes(),
        ),
        "malformed_json",
    );
    at("now", &message);
    // What is accepted is unchanged: the same instant at another offset is read as UTC, and
    // the log still verifies (its chain covers the instant, not how it was written).
    let mut offset = log.clone();
    let first: chrono::DateTime<chrono::Utc> = offset[0]["at"].as_str().unwrap().parse().unwrap();
    let east = chrono::FixedOffset::east_opt(3600).unwrap();
    offset[0]["at"] = json!(first.with_timezone(&east).to_rfc3339());
    assert!(offset[0]["at"].as_str().unwrap().ends_with("+01:00"));
    let verified = ok(&ltc(dir.path(), &["verify"], offset.to_string().as_bytes()));
    assert!(verified.starts_with("ok "), "{verified}");
}

/// The log of the `run` sample's accepted commands, as `ltc export` prints one.
fn run_log() -> Value {
    let out = ltc_cli::commands::run(&common::sample("run.json")).unwrap();
    let out: Value = serde_json::from_str(&out).unwrap();
    let events: Vec<Value> = out["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r.get("events"))
        .flat_map(|e| e.as_array().unwrap().clone())
        .collect();
    Value::Array(events)
}

#[test]
fn a_byte_order_mark_is_skipped_on_stdin_and_in_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let document = std::fs::read(common::sample_path("allocate.json")).unwrap();
    let plain = ok(&ltc(dir.path(), &["allocate"], &document));
    let mut marked = b"\xEF\xBB\xBF".to_vec();
    marked.extend_from_slice(&document);
    assert_eq!(ok(&ltc(dir.path(), &["allocate"], &marked)), plain);
    let path = dir.path().join("marked.json");
    std::fs::write(&path, &marked).unwrap();
    assert_eq!(
        ok(&ltc(dir.path(), &["allocate", path.to_str().unwrap()], b"")),
        plain
    );
    // Only one mark, only at the start: a second is a character JSON does not take.
    let mut twice = b"\xEF\xBB\xBF".to_vec();
    twice.extend_from_slice(&marked);
    refused(&ltc(dir.path(), &["allocate"], &twice), "malformed_json");
}

#[test]
fn bytes_that_are_not_utf8_are_malformed_json_with_their_offset() {
    let dir = tempfile::tempdir().unwrap();
    let bad = b"{\"amount\": \"1.00\",\n \"weights\": [\"1\", \"\xFF\"]}";
    let message = refused(&ltc(dir.path(), &["allocate"], bad), "malformed_json");
    assert!(message.contains("stdin is not UTF-8"), "{message}");
    assert!(
        message.contains("byte 0xFF at byte offset 38 (line 2 column 20)"),
        "{message}"
    );
    // In a file, named; the offset counts a byte-order mark before it.
    let path = dir.path().join("bad.json");
    let mut marked = b"\xEF\xBB\xBF".to_vec();
    marked.extend_from_slice(bad);
    std::fs::write(&path, &marked).unwrap();
    let message = refused(
        &ltc(dir.path(), &["allocate", path.to_str().unwrap()], b""),
        "malformed_json",
    );
    assert!(message.contains("bad.json` is not UTF-8"), "{message}");
    assert!(
        message.contains("byte offset 41 (line 2 column 20)"),
        "{message}"
    );
    // A UTF-16 file is told to be saved as UTF-8.
    let message = refused(
        &ltc(dir.path(), &["allocate"], b"\xFF\xFE{\x00}\x00"),
        "malformed_json",
    );
    assert!(message.contains("UTF-16 byte-order mark"), "{message}");
}

#[test]
fn input_over_the_limit_is_refused_with_how_to_raise_it() {
    let dir = tempfile::tempdir().unwrap();
    let deals = common::sample_path("deals.json");
    let size = std::fs::metadata(&deals).unwrap().len();
    // The default keeps every documented use working: the sample deal set reports.
    ok(&ltc(dir.path(), &["report", &deals], b""));

    // A file, by its size, before it is read.
    let message = refused(
        &ltc(
            dir.path(),
            &["--max-input-bytes", "64KiB", "report", &deals],
            b"",
        ),
        "input_too_large",
    );
    assert!(
        message.contains(&format!(
            "deals.json` is {size} bytes, over the input limit of 64 KiB (65536 bytes)"
        )),
        "{message}"
    );
    assert!(
        message.contains(
            "raise it with --max-input-bytes (or LTC_MAX_INPUT_BYTES), e.g. --max-input-bytes 1MiB"
        ),
        "{message}"
    );
    // The flag after the subcommand, and the environment, say the same.
    let after = ltc(
        dir.path(),
        &["report", "--max-input-bytes", "65536", &deals],
        b"",
    );
    assert_eq!(refused(&after, "input_too_large"), message);
    let env = ltc_bytes(
        dir.path(),
        &["report", &deals],
        &[("LTC_MAX_INPUT_BYTES", "64KiB")],
        b"",
    );
    assert_eq!(refused(&env, "input_too_large"), message);
    // Raised, it is read.
    ok(&ltc(
        dir.path(),
        &["--max-input-bytes", "1MiB", "report", &deals],
        b"",
    ));
    // Exactly at the limit is within it.
    let document = std::fs::read(common::sample_path("allocate.json")).unwrap();
    let exact = document.len().to_string();
    ok(&ltc(
        dir.path(),
        &["--max-input-bytes", &exact, "allocate"],
        &document,
    ));
    let one_less = (document.len() - 1).to_string();
    let message = refused(
        &ltc(
            dir.path(),
            &["--max-input-bytes", &one_less, "allocate"],
            &document,
        ),
        "input_too_large",
    );
    assert!(
        message.contains("stdin is over the input limit"),
        "{message}"
    );

    // A refused exec or import writes nothing: no store is created.
    let store = dir.path().join("deals.db");
    let store = store.to_str().unwrap();
    for args in [&["exec", "D-1"][..], &["import"]] {
        let mut all = vec!["--store", store, "--max-input-bytes", "10"];
        all.extend_from_slice(args);
        let run = ltc(
            dir.path(),
            &all,
            capture("2026-03-02T09:00:00Z", None).as_bytes(),
        );
        refused(&run, "input_too_large");
        assert!(!Path::new(store).exists(), "{args:?}");
    }
}

#[test]
fn stdin_over_the_limit_is_refused_without_being_read_whole() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_ltc"))
        .args(["--max-input-bytes", "1MiB", "allocate"])
        .current_dir(dir.path())
        .env_remove("LTC_MAX_INPUT_BYTES")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    // 200 MiB offered, a chunk at a time, until the reader stops taking them.
    let writer = std::thread::spawn(move || {
        let chunk = vec![b' '; 64 * 1024];
        let mut written = 0usize;
        while written < 200 << 20 {
            if input.write_all(&chunk).is_err() {
                break;
            }
            written += chunk.len();
        }
        written
    });
    let out = child.wait_with_output().unwrap();
    let written = writer.join().unwrap();
    let run = Run {
        status: out.status.code().unwrap(),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    };
    let message = refused(&run, "input_too_large");
    assert!(message.contains("e.g. --max-input-bytes 2MiB"), "{message}");
    // What was taken is the limit and what a pipe holds, not the 200 MiB offered.
    assert!(written < 16 << 20, "{written} bytes were taken");
}

#[test]
fn a_bad_limit_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    for (value, says) in [
        ("64MB", "`64MB` is not a size"),
        ("0", "at least 1 byte"),
        ("-5", "is not a size"),
        ("99999999999GiB", "more bytes than can be counted"),
    ] {
        let run = ltc(
            dir.path(),
            &[&format!("--max-input-bytes={value}"), "allocate"],
            b"",
        );
        assert_eq!(run.status, 2, "{value}: {}", run.stderr);
        assert!(run.stdout.is_empty());
        assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
        assert!(run.stderr.starts_with("error: usage: "), "{}", run.stderr);
        assert!(run.stderr.contains(says), "{value}: {}", run.stderr);
    }
}

/// A store in a temporary folder, driven by `ltc --store ...`.
struct Store {
    dir: tempfile::TempDir,
    location: String,
    at: u32,
}

impl Store {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let location = dir.path().join("deals.db").to_str().unwrap().to_owned();
        Self {
            dir,
            location,
            at: 0,
        }
    }

    fn run(&self, args: &[&str], stdin: &[u8]) -> Run {
        let mut all = vec!["--store", self.location.as_str()];
        all.extend_from_slice(args);
        ltc(self.dir.path(), &all, stdin)
    }

    /// Sends `command` by `actor` to D-1, an hour after the last.
    fn exec(&mut self, actor: &str, command: Value) {
        self.at += 1;
        let at = format!("2026-03-02T{:02}:00:00Z", self.at);
        let envelope = json!({"actor": actor, "at": at, "command": command}).to_string();
        ok(&self.run(&["exec", "D-1"], envelope.as_bytes()));
    }

    fn show(&self) -> String {
        ok(&self.run(&["show", "D-1", "--now", "2026-03-03T00:00:00Z"], b""))
    }

    fn needs(&self) -> Value {
        let shown: Value =
            serde_json::from_str(&ok(&self.run(&["show", "--json", "D-1"], b""))).unwrap();
        shown["needs"].clone()
    }
}

fn member(person: &str, role: &str) -> Value {
    json!({"type": "add_member", "person": person, "role": role, "involvement": "1"})
}

#[test]
fn show_says_what_the_gate_a_deal_waits_for_needs() {
    let mut store = Store::new();
    store.exec(
        "ops",
        json!({"type": "capture_lead", "customer": "ACME", "source": "web",
               "estimate": {"amount": "700000", "currency": "EUR"}}),
    );
    // A lead waits for no gate: no `needs`, and the state is exactly `run`'s `final`.
    assert_eq!(store.needs(), Value::Null);
    assert!(!store.show().contains("waiting for"));
    store.exec(
        "ana",
        json!({"type": "grade_lead", "scores": {"budget": 4, "decision_chain": 3, "urgency": 5}}),
    );
    store.exec("ana", json!({"type": "qualify_lead"}));
    store.exec("ops", member("ana", "AR"));

    let shown = store.show();
    for line in [
        "waiting for: opportunity_approval, not convened\n",
        "  panel: 1 seat of manager or higher\n",
        "  four-eyes: not ana (on the deal's team)\n",
        "  rule: majority: more than half the seats approve\n",
        "  materials: opportunity brief\n",
        "  roles: AR staffed, SR not staffed\n",
        "  service level: 5 days once convened\n",
        "  before convening: staff SR (role_not_staffed)\n",
    ] {
        assert!(shown.contains(line), "{line:?} in\n{shown}");
    }
    let needs = store.needs();
    assert_eq!(needs["gate"], "opportunity_approval");
    assert_eq!(needs["convened"], false);
    assert_eq!(needs["materials"], json!(["opportunity brief"]));
    assert_eq!(needs["seats"], json!([{"level": "manager", "count": 1}]));
    assert_eq!(
        needs["blockers"],
        json!([{"code": "role_not_staffed", "role": "SR"}])
    );
    // The state's own fields are all there, as `run` prints them.
    let shown: Value =
        serde_json::from_str(&ok(&store.run(&["show", "--json", "D-1"], b""))).unwrap();
    assert_eq!(shown["id"], "D-1");
    assert_eq!(shown["version"], 4);

    // Convened: the votes the rule still needs, then who records the decision.
    store.exec("ops", member("sam", "SR"));
    store.exec(
        "ops",
        json!({"type": "convene_gate", "gate": "opportunity_approval",
               "panel": [{"person": "eve", "level": "director"}, {"person": "mia", "level": "manager"}],
               "materials": ["opportunity brief"]}),
    );
    let shown = store.show();
    assert!(
        shown.contains(
            "  rule: majority: more than half the seats approve; 2 approvals to pass, 0 so far\n"
        ),
        "{shown}"
    );
    assert!(shown.contains("  waiting for: the votes of 2 seats not voted yet (undecided); then ops records the decision\n"), "{shown}");
    store.exec("eve", json!({"type": "cast_vote", "vote": "approve"}));
    store.exec("mia", json!({"type": "cast_vote", "vote": "approve"}));
    assert!(store
        .show()
        .contains("  decided by the rule: approve; ops records the decision\n"));
    assert_eq!(store.needs()["votes"]["verdict"], "approve");
    store.exec("ops", json!({"type": "record_decision", "minutes": "go"}));
    store.exec(
        "ops",
        json!({"type": "convene_gate", "gate": "solution_review",
        "panel": [{"person": "mia", "level": "manager"}, {"person": "max", "level": "manager"}],
        "materials": ["solution document", "pricing"]}),
    );
    store.exec("mia", json!({"type": "cast_vote", "vote": "approve"}));
    store.exec("max", json!({"type": "cast_vote", "vote": "approve"}));
    store.exec(
        "ops",
        json!({"type": "record_decision", "minutes": "sound"}),
    );

    // The bid escalates on the amount: 700000 is above the standard 500000.
    let shown = store.show();
    assert!(shown.contains("  panel: 2 seats of manager or higher; one of them director or higher, as 700000 EUR is above 500000 (escalation)\n"), "{shown}");
    assert!(
        shown.contains("  rule: k_of_n: 2 approvals to pass\n"),
        "{shown}"
    );
    assert!(
        shown.contains("  before convening: staff FR (role_not_staffed)\n"),
        "{shown}"
    );
    let needs = store.needs();
    assert_eq!(needs["escalated_to"], "director");
    assert_eq!(
        needs["escalation"],
        json!([{"above": "500000", "level": "director", "applies": true}])
    );
    // What show says is what convening is refused for: a panel of managers is short of it.
    store.exec("ops", member("fay", "FR"));
    store.at += 1;
    let managers = json!({"actor": "ops", "at": format!("2026-03-02T{:02}:00:00Z", store.at),
        "command": {"type": "convene_gate", "gate": "bid_decision",
        "panel": [{"person": "mia", "level": "manager"}, {"person": "max", "level": "manager"}],
        "materials": ["pricing", "risk assessment"]}});
    let run = store.run(&["exec", "D-1"], managers.to_string().as_bytes());
    assert!(refused(&run, "escalation_required").contains("director"));
}

#[test]
fn an_instant_given_as_an_option_says_what_is_expected_too() {
    let dir = tempfile::tempdir().unwrap();
    for args in [
        &["list", "--now", "yesterday"][..],
        &["show", "D-1", "--now", "yesterday"],
        &["report", "--stored", "--now", "yesterday"],
        &["report", "--stored", "--from", "yesterday"],
        &["report", "--stored", "--until", "yesterday"],
    ] {
        let run = ltc(dir.path(), args, b"");
        assert_eq!(run.status, 2, "{args:?}: {}", run.stderr);
        assert!(run.stdout.is_empty());
        assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
        assert!(run.stderr.starts_with("error: usage: "), "{}", run.stderr);
        assert!(run.stderr.contains(EXPECTED), "{args:?}: {}", run.stderr);
    }
}
