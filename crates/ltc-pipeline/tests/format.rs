//! The stored format, pinned by golden files (`docs/format.md`).
//!
//! `tests/golden/v1/` holds what format 1 looks like on disk (a stored event without a command
//! id, which every version writes as format 1):
//!
//! - `<type>.json`, one per `Change` variant (`lead_captured.json`, `process_migrated.json`, ...):
//!   one pretty-printed `StoredEvent`, hashed as the first event of a log
//!   (`Digest::link(&Digest::GENESIS, &event)`);
//! - `definition_standard.json`: the standard process definition, `standard@1`;
//! - `log.json`: a short log written by `Deal::execute` under `Process::standard()` and sealed
//!   from `Digest::GENESIS`, whose head is also pinned below (`LOG_HEAD`): it pins the hash chain.
//!
//! `tests/golden/v2/` holds what format 2 adds, the command id of a stored event:
//!
//! - `log.json`: the same log, each command's events sealed with the command's id
//!   (`integrity::seal_command`) but one command's, sent without an id and so written as format 1
//!   in the same chain; its head is pinned below (`LOG_HEAD_V2`).
//!
//! Each file must parse and write back byte for byte, and be what the code below builds. A file
//! of these directories never changes once released: a stored event of format 1 or 2 is read by
//! every later version of the library. A change to these bytes is a new format (see `FORMAT`
//! below).
//!
//! To write the files (a new variant's file, or a new format's directory), run
//! `LTC_BLESS=1 cargo test -p ltc-pipeline --all-features --test format`, then review the diff:
//! an existing file of `v1` that changes is a break of the format, not a fix of the test.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use chrono::{DateTime, TimeZone, Utc};
use ltc_pipeline::integrity::{self, Digest};
use ltc_pipeline::*;
use rust_decimal::Decimal;
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The golden directory of format 1: every change type, the standard definition and a log, as
/// a record without a command id is written (as format 1, by every version).
///
/// A format change (a field renamed, added, removed or written differently, in an event or a
/// process definition) needs a new `FORMAT`, a new golden directory `v<FORMAT>` beside the
/// others, and an upcasting step from the previous format in `format.rs` (`readable` and
/// `read_record`). The older directories stay: a test reads each of their files through that
/// step, as every later reader will.
const GOLDEN_DIR: &str = "v1";

/// The golden directory of format 2 (`FORMAT`): what it adds, a stored event's `command_id`.
const GOLDEN_DIR_V2: &str = "v2";

/// The head of `log.json`: the last link of its chain. Pinned here apart from the file, so that a
/// change of the hash construction (tag, order, canonical bytes) fails even if the file is
/// blessed again.
const LOG_HEAD: &str = "5af05c9bee588463d52bea5a978f73ab8be8b60ee0b879ea8f3da034c40b6bad";

/// The link of `lead_captured.json` after GENESIS (the example of `docs/format.md`), pinned apart
/// from the file as `LOG_HEAD` is.
const LEAD_CAPTURED_HASH: &str = "f1e5efa6d3960a3b1d3ef58070ad3b47b575b7834e947593c80615cf9a377d8e";

/// The head of `v2/log.json`, pinned apart from the file as `LOG_HEAD` is.
const LOG_HEAD_V2: &str = "012e51077460f5f12daff6173777470ae0cfaed1260ae52e1d49453f3fa7d7c7";

fn golden_dir() -> PathBuf {
    golden_dir_of(GOLDEN_DIR)
}

fn golden_dir_of(dir: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(dir)
}

fn blessing() -> bool {
    std::env::var("LTC_BLESS").is_ok_and(|v| v == "1")
}

/// Pretty JSON with a trailing newline: how every golden file is written.
fn pretty<T: serde::Serialize + ?Sized>(value: &T) -> String {
    let mut text = serde_json::to_string_pretty(value).unwrap();
    text.push('\n');
    text
}

/// Compares `expected` with the file `name` of format 1's directory, or writes it when blessing.
fn golden(name: &str, expected: &str) -> String {
    golden_in(GOLDEN_DIR, name, expected)
}

/// Compares `expected` with the file `name` of the golden directory `dir`, or writes it when
/// blessing.
fn golden_in(dir: &str, name: &str, expected: &str) -> String {
    let path = golden_dir_of(dir).join(name);
    if blessing() {
        std::fs::create_dir_all(golden_dir_of(dir)).unwrap();
        let old = std::fs::read_to_string(&path).ok();
        if old.as_deref() != Some(expected) {
            std::fs::write(&path, expected).unwrap();
            eprintln!("blessed {}", path.display());
        }
        return expected.to_owned();
    }
    let found = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (write it with LTC_BLESS=1, then review it)",
            path.display()
        )
    });
    assert_eq!(
        found,
        expected,
        "{} is not what the library writes",
        path.display()
    );
    found
}

/// A change's `type`, which names its golden file.
///
/// Exhaustive on purpose, with no wildcard arm: a new `Change` variant does not compile here
/// until it has an arm, and `every_change_type_has_a_golden_file` then fails until `samples` has
/// one of it and its file is written.
fn type_name(change: &Change) -> &'static str {
    match change {
        Change::LeadCaptured { .. } => "lead_captured",
        Change::LeadGraded { .. } => "lead_graded",
        Change::EstimateSet { .. } => "estimate_set",
        Change::LeadQualified {} => "lead_qualified",
        Change::MemberJoined { .. } => "member_joined",
        Change::MemberLeft { .. } => "member_left",
        Change::GateConvened { .. } => "gate_convened",
        Change::VoteDelegated { .. } => "vote_delegated",
        Change::VoteCast { .. } => "vote_cast",
        Change::GateWithdrawn { .. } => "gate_withdrawn",
        Change::GateDecided { .. } => "gate_decided",
        Change::ConditionClosed { .. } => "condition_closed",
        Change::SolutionReviewSkipped { .. } => "solution_review_skipped",
        Change::ContractDecisionRequested { .. } => "contract_decision_requested",
        Change::MilestoneAdded { .. } => "milestone_added",
        Change::MilestoneDelivered { .. } => "milestone_delivered",
        Change::MilestoneAccepted { .. } => "milestone_accepted",
        Change::InvoiceIssued { .. } => "invoice_issued",
        Change::PaymentReceived { .. } => "payment_received",
        Change::RefundIssued { .. } => "refund_issued",
        Change::CashReversed { .. } => "cash_reversed",
        Change::AmendmentProposed { .. } => "amendment_proposed",
        Change::ProcessMigrated { .. } => "process_migrated",
        Change::Ended { .. } => "ended",
    }
}

fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .unwrap()
        .with_timezone(&Utc)
}

fn eur(cents: i64) -> Money {
    Money::eur(Decimal::new(cents, 2))
}

/// One event of each change type, as a deal of 240,000 EUR would record it: every optional field
/// has a value, amounts are in cents (`"240000.00"`).
fn samples() -> Vec<Event> {
    let event = |version: u64, when: &str, actor: &str, change: Change| Event {
        deal: DealId::new("D-2026-0042"),
        version,
        at: at(when),
        actor: PersonId::new(actor),
        change,
    };
    let scores = [("budget", 4), ("decision_chain", 3), ("urgency", 4)]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
    vec![
        event(
            1,
            "2026-03-02T09:00:00Z",
            "ops",
            Change::LeadCaptured {
                process: ProcessRef::new("standard", 1),
                customer: "Northwind Traders".into(),
                source: "trade fair".into(),
                estimate: Some(eur(24_000_000)),
            },
        ),
        event(
            2,
            "2026-03-04T10:15:00Z",
            "ana",
            Change::LeadGraded {
                grade: Grade {
                    scores,
                    total: 18,
                    temperature: Temperature::Hot,
                },
            },
        ),
        event(
            3,
            "2026-03-04T10:20:00Z",
            "ana",
            Change::EstimateSet {
                value: eur(25_500_000),
            },
        ),
        event(4, "2026-03-05T08:30:00Z", "ana", Change::LeadQualified {}),
        event(
            5,
            "2026-03-05T09:00:00Z",
            "ops",
            Change::MemberJoined {
                person: "sam".into(),
                role: Role::sr(),
                involvement: Decimal::new(5, 1),
            },
        ),
        event(
            6,
            "2026-05-11T16:45:00Z",
            "ops",
            Change::MemberLeft {
                person: "sam".into(),
                role: Role::sr(),
                closure_recommendation: Some("close once the second invoice is paid".into()),
            },
        ),
        event(
            7,
            "2026-03-12T09:00:00Z",
            "ops",
            Change::GateConvened {
                gate: GateKind::SolutionReview,
                panel: vec![Seat::new("mia", "manager"), Seat::new("dan", "director")].into(),
                chair: Some("mia".into()),
                materials: vec!["solution document".into(), "pricing".into()].into(),
            },
        ),
        event(
            8,
            "2026-03-12T11:30:00Z",
            "dan",
            Change::VoteDelegated {
                seat: "dan".into(),
                substitute: Seat::new("zoe", "director"),
            },
        ),
        event(
            9,
            "2026-03-13T13:30:12.500Z",
            "mia",
            Change::VoteCast {
                seat: "mia".into(),
                vote: Vote::Approve,
                comment: Some("pricing margin is sound".into()),
            },
        ),
        event(
            10,
            "2026-04-02T09:00:00Z",
            "ops",
            Change::GateWithdrawn {
                gate: GateKind::BidDecision,
                reason: "customer postponed the tender".into(),
            },
        ),
        event(
            11,
            "2026-03-14T17:00:00Z",
            "ops",
            Change::GateDecided {
                gate: GateKind::SolutionReview,
                outcome: Outcome::ApprovedWithConditions,
                minutes: "approved; delivery risk to be reviewed with FR".into(),
                conditions: vec![ConditionSpec {
                    id: "C-1".into(),
                    text: "review delivery risk with FR".into(),
                    due: Some(at("2026-04-15T17:00:00Z")),
                }],
            },
        ),
        event(
            12,
            "2026-03-20T10:00:00Z",
            "sam",
            Change::ConditionClosed {
                id: "C-1".into(),
                note: "delivery risk reviewed with FR".into(),
            },
        ),
        event(
            13,
            "2026-03-14T17:05:00Z",
            "ops",
            Change::SolutionReviewSkipped {
                amount: Decimal::new(4_200_000, 2),
                below: Decimal::from(50_000),
            },
        ),
        event(
            14,
            "2026-05-04T09:00:00Z",
            "ana",
            Change::ContractDecisionRequested {
                terms: eur(20_000_000),
            },
        ),
        event(
            15,
            "2026-05-20T09:00:00Z",
            "fred",
            Change::MilestoneAdded {
                id: "M-1".into(),
                title: "installation".into(),
            },
        ),
        event(
            16,
            "2026-06-19T15:00:00Z",
            "fred",
            Change::MilestoneDelivered { id: "M-1".into() },
        ),
        event(
            17,
            "2026-06-24T11:00:00Z",
            "fred",
            Change::MilestoneAccepted { id: "M-1".into() },
        ),
        event(
            18,
            "2026-06-25T09:00:00Z",
            "ana",
            Change::InvoiceIssued {
                id: "INV-1".into(),
                amount: eur(12_000_000),
                due: Some(at("2026-07-25T00:00:00Z")),
            },
        ),
        event(
            19,
            "2026-07-15T09:00:00Z",
            "ana",
            Change::PaymentReceived {
                id: "PAY-1".into(),
                invoice: "INV-1".into(),
                amount: eur(6_000_000),
            },
        ),
        event(
            20,
            "2026-07-20T09:00:00Z",
            "ana",
            Change::RefundIssued {
                id: "REF-1".into(),
                invoice: "INV-1".into(),
                amount: eur(150_000),
            },
        ),
        event(
            21,
            "2026-07-21T09:00:00Z",
            "ana",
            Change::CashReversed { id: "PAY-2".into() },
        ),
        event(
            22,
            "2026-08-03T09:00:00Z",
            "ana",
            Change::AmendmentProposed {
                new_value: eur(23_000_000),
                reason: "customer added a second site".into(),
            },
        ),
        event(
            23,
            "2026-09-01T09:00:00Z",
            "ops",
            Change::ProcessMigrated { from: 1, to: 2 },
        ),
        event(
            24,
            "2026-04-30T09:00:00Z",
            "ana",
            Change::Ended {
                kind: EndKind::Lost,
                reason: "a competitor won on price".into(),
            },
        ),
    ]
}

/// The names `Change`'s deserializer knows: serde lists them when it meets an unknown `type`.
fn serde_type_names() -> BTreeSet<String> {
    let err = serde_json::from_value::<Change>(serde_json::json!({"type": "?"}))
        .unwrap_err()
        .to_string();
    let (_, list) = err
        .split_once("expected one of ")
        .unwrap_or_else(|| panic!("serde no longer lists the variants: {err}"));
    list.split(", ")
        .map(|name| name.trim().trim_matches('`').to_owned())
        .filter(|name| !name.is_empty())
        .collect()
}

#[test]
fn the_format_is_2_and_each_format_has_its_goldens() {
    // A format change needs a new version here, a new golden directory (the older ones stay,
    // read by every later version), and an upcasting step from the previous format in
    // `format.rs`.
    assert_eq!(FORMAT, 2);
    assert_eq!(GOLDEN_DIR, "v1");
    assert_eq!(GOLDEN_DIR_V2, format!("v{FORMAT}"));
    if !blessing() {
        for format in 1..=FORMAT {
            let dir = golden_dir_of(&format!("v{format}"));
            assert!(dir.join("log.json").is_file(), "{}", dir.display());
        }
    }
}

#[test]
fn every_change_type_has_a_golden_file() {
    let samples: Vec<&str> = samples().iter().map(|e| type_name(&e.change)).collect();
    let distinct: BTreeSet<String> = samples.iter().map(|s| (*s).to_owned()).collect();
    assert_eq!(distinct.len(), samples.len(), "two samples of one type");
    // Every variant serde knows has a sample (the match above names every variant; this catches
    // an arm added without its sample).
    assert_eq!(distinct, serde_type_names());
    if blessing() {
        return;
    }
    let files: BTreeSet<String> = std::fs::read_dir(golden_dir())
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter_map(|name| name.strip_suffix(".json").map(str::to_owned))
        .filter(|name| name != "definition_standard" && name != "log")
        .collect();
    assert_eq!(
        files, distinct,
        "golden files and change types differ (LTC_BLESS=1 writes the missing ones)"
    );
}

#[test]
fn each_change_type_reads_and_writes_back_byte_for_byte() {
    for event in samples() {
        let name = type_name(&event.change);
        // The sample's `type` tag is the name the match gives it.
        let json = serde_json::to_value(&event.change).unwrap();
        assert_eq!(json["type"], name);
        let stored = StoredEvent {
            hash: Digest::link(&Digest::GENESIS, &event),
            command_id: None,
            event,
        };
        let text = golden(&format!("{name}.json"), &pretty(&stored));
        let read: StoredEvent = serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("{name}.json does not read: {e}"));
        assert_eq!(read, stored, "{name}.json reads as another event");
        assert_eq!(
            pretty(&read),
            text,
            "{name}.json does not write back as read"
        );
        // Each file's hash is its content's link after GENESIS (as if it opened a log; its
        // version says where it would stand in one, so it is not a log of its own).
        assert_eq!(read.hash, Digest::link(&Digest::GENESIS, &read.event));
        // The record's fields, in the documented order.
        let keys: Vec<&str> = text
            .lines()
            .filter_map(|line| line.strip_prefix("  \""))
            .filter_map(|rest| rest.split_once('"').map(|(key, _)| key))
            .collect();
        assert_eq!(
            keys,
            ["format", "deal", "version", "at", "actor", "change", "hash"]
        );
    }
}

#[test]
fn every_optional_field_has_a_value_in_a_golden_file() {
    // A `null` anywhere would leave the written form of that value unpinned.
    for event in samples() {
        let json = serde_json::to_value(&event).unwrap();
        fn no_null(value: &Value, path: &str) {
            match value {
                Value::Null => panic!("{path} is null"),
                Value::Array(items) => items
                    .iter()
                    .enumerate()
                    .for_each(|(i, v)| no_null(v, &format!("{path}[{i}]"))),
                Value::Object(map) => map
                    .iter()
                    .for_each(|(k, v)| no_null(v, &format!("{path}.{k}"))),
                _ => {}
            }
        }
        no_null(&json, type_name(&event.change));
    }
}

#[test]
fn the_standard_definition_is_pinned() {
    let definition = Process::standard().definition().clone();
    let text = golden("definition_standard.json", &pretty(&definition));
    let read: ProcessDefinition = serde_json::from_str(&text).unwrap();
    assert_eq!(read, definition);
    assert_eq!(pretty(&read), text);
    let process = Process::new(read).unwrap();
    assert_eq!(process.reference().to_string(), "standard@1");
}

/// A short real log: a lead captured, graded, qualified, staffed, and taken through the
/// opportunity approval (a comment on the vote, none on the other), all under `standard@1`.
fn real_log() -> (Deal, Vec<Event>) {
    let (deal, runs) = real_run();
    (deal, runs.into_iter().flatten().collect())
}

/// `real_log` as a host keeps it when its senders give command ids: each command's events
/// sealed with its id, `req-0001`, `req-0002`, ..., but the third command's (`qualify_lead`),
/// sent without one, so the log mixes format-2 records with a format-1 one.
fn real_log_with_command_ids() -> (Deal, Vec<StoredEvent>) {
    let (deal, runs) = real_run();
    let mut log = Vec::new();
    for (i, events) in runs.into_iter().enumerate() {
        let id = (i != 2).then(|| CommandId::new(format!("req-{:04}", i + 1)).unwrap());
        let sealed = integrity::seal_command(integrity::head(&log), events, id.as_ref());
        log.extend(sealed);
    }
    (deal, log)
}

/// The commands of `real_log`, each with the events it produced.
fn real_run() -> (Deal, Vec<Vec<Event>>) {
    let process = Process::standard();
    let mut deal = Deal::new(DealId::new("D-2026-0042"));
    let mut log = Vec::new();
    let mut now = Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap();
    let scores = [("budget", 4), ("decision_chain", 3), ("urgency", 4)]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
    let commands = [
        (
            "ops",
            Command::CaptureLead {
                customer: "Northwind Traders".into(),
                source: "trade fair".into(),
                estimate: Some(eur(24_000_000)),
            },
        ),
        ("ana", Command::GradeLead { scores }),
        ("ana", Command::QualifyLead {}),
        (
            "ops",
            Command::AddMember {
                person: "ana".into(),
                role: Role::ar(),
                involvement: Decimal::ONE,
            },
        ),
        (
            "ops",
            Command::AddMember {
                person: "sam".into(),
                role: Role::sr(),
                involvement: Decimal::new(5, 1),
            },
        ),
        (
            "ops",
            Command::ConveneGate {
                gate: GateKind::OpportunityApproval,
                panel: vec![Seat::new("eve", "director"), Seat::new("mia", "manager")].into(),
                chair: None,
                materials: vec!["opportunity brief".into()].into(),
            },
        ),
        (
            "eve",
            Command::CastVote {
                vote: Vote::Approve,
                comment: Some("strong fit".into()),
            },
        ),
        (
            "mia",
            Command::CastVote {
                vote: Vote::Approve,
                comment: None,
            },
        ),
        (
            "ops",
            Command::RecordDecision {
                minutes: "go: staff the solution".into(),
                conditions: Vec::new(),
            },
        ),
    ];
    for (actor, command) in commands {
        let events = deal
            .execute(&process, &command, &actor.into(), now)
            .unwrap_or_else(|e| panic!("`{}` refused: {e}", command.name()));
        log.push(events);
        now += chrono::Duration::hours(26);
    }
    assert_eq!(deal.stage_kind(), Some(StageKind::SolutionWork));
    (deal, log)
}

#[test]
fn a_real_log_and_its_hash_chain_are_pinned() {
    let (deal, events) = real_log();
    let sealed = integrity::seal(Digest::GENESIS, events);
    let text = golden("log.json", &pretty(&sealed));
    let read: Vec<StoredEvent> = serde_json::from_str(&text).unwrap();
    assert_eq!(read, sealed);
    assert_eq!(pretty(&read), text);
    let head = integrity::verify(&read).unwrap();
    assert_eq!(head, integrity::head(&read));
    if blessing() && head.to_string() != LOG_HEAD {
        eprintln!("log.json's head is {head}: pin it as LOG_HEAD in tests/format.rs");
        return;
    }
    assert_eq!(
        head.to_string(),
        LOG_HEAD,
        "the hash chain of log.json changed"
    );
    let kept: Digest = LOG_HEAD.parse().unwrap();
    let (replayed, audited) = integrity::audit(&Process::standard(), &read, Some(&kept)).unwrap();
    assert_eq!((replayed, audited), (deal, kept));
}

#[test]
fn the_documented_hash_construction_holds() {
    // docs/format.md: link(n) = SHA-256("ltc-log/1" ‖ link(n-1) ‖ bytes(n)), link(0) = 32 zero
    // bytes, bytes(n) = the record as compact JSON without its `hash` field, its `command_id`
    // (format 2) between `actor` and `change`. Recomputed here with SHA-256 directly, from the
    // bytes the library writes.
    use sha2::{Digest as _, Sha256};
    for dir in [GOLDEN_DIR, GOLDEN_DIR_V2] {
        let text = std::fs::read_to_string(golden_dir_of(dir).join("log.json")).unwrap();
        let log: Vec<StoredEvent> = serde_json::from_str(&text).unwrap();
        let mut prev = [0u8; 32];
        for stored in &log {
            let compact = serde_json::to_string(stored).unwrap();
            let suffix = format!(",\"hash\":\"{}\"}}", stored.hash);
            let bytes = compact.strip_suffix(&suffix).unwrap().to_owned() + "}";
            match &stored.command_id {
                None => {
                    assert!(bytes.starts_with(r#"{"format":1,"deal":"#), "{bytes}");
                    assert!(!bytes.contains("command_id"), "{bytes}");
                }
                Some(id) => {
                    assert!(bytes.starts_with(r#"{"format":2,"deal":"#), "{bytes}");
                    let between = format!(
                        r#","actor":"{}","command_id":"{id}","change":{{"type":"#,
                        stored.event.actor
                    );
                    assert!(bytes.contains(&between), "{bytes}");
                }
            }
            let mut hasher = Sha256::new();
            hasher.update(b"ltc-log/1");
            hasher.update(prev);
            hasher.update(bytes.as_bytes());
            let link: [u8; 32] = hasher.finalize().into();
            assert_eq!(
                &link,
                stored.hash.as_bytes(),
                "{dir}: version {}",
                stored.event.version
            );
            prev = link;
        }
        assert_eq!(integrity::head(&log).as_bytes(), &prev);
    }
}

#[test]
fn the_hash_covers_values_not_stored_bytes() {
    // A store may keep records with their keys in another order, in other whitespace, or with a
    // time written at another offset (a JSON column does some of this): the record reads as the
    // same event, and its link is recomputed from the canonical form the library writes.
    for event in samples() {
        let stored = StoredEvent {
            hash: Digest::link(&Digest::GENESIS, &event),
            command_id: None,
            event,
        };
        // serde_json's map sorts keys: every object of the record, reordered.
        let sorted: Value = serde_json::to_value(&stored).unwrap();
        for text in [
            serde_json::to_string(&sorted).unwrap(),
            serde_json::to_string_pretty(&sorted).unwrap(),
        ] {
            let read: StoredEvent = serde_json::from_str(&text).unwrap();
            assert_eq!(read, stored);
            assert_eq!(Digest::link(&Digest::GENESIS, &read.event), read.hash);
        }
    }
    let mut record = lead_captured_record();
    record.insert("at".into(), "2026-03-02T10:00:00+01:00".into());
    let moved = read(&record).unwrap();
    assert_eq!(moved.event.at, at("2026-03-02T09:00:00Z"));
    assert_eq!(Digest::link(&Digest::GENESIS, &moved.event), moved.hash);
}

#[test]
fn canonical_text_is_written_as_documented() {
    // docs/format.md, "Canonical bytes": `"` and `\` escaped, the five short escapes, other
    // control characters as lowercase `\u00xx`, everything else (`/`, DEL, non-ASCII) as UTF-8;
    // times in UTC with `Z` and 0, 3, 6 or 9 fractional digits; scores by key.
    let event = Event {
        deal: "D-1".into(),
        version: 3,
        at: at("2026-03-02T09:00:00.123456Z"),
        actor: "zoë".into(),
        change: Change::GateWithdrawn {
            gate: GateKind::BidDecision,
            reason: "a\"b\\c/d\u{8}\u{c}\n\r\t\u{1}\u{1f}\u{7f}é€😀".into(),
        },
    };
    let stored = integrity::seal(Digest::GENESIS, [event]).remove(0);
    let json = serde_json::to_string(&stored).unwrap();
    let expected = concat!(
        r#"{"format":1,"deal":"D-1","version":3,"at":"2026-03-02T09:00:00.123456Z","#,
        r#""actor":"zoë","change":{"type":"gate_withdrawn","gate":"bid_decision","#,
        r#""reason":"a\"b\\c/d\b\f\n\r\t\u0001\u001f"#,
        "\u{7f}é€😀",
        r#""},"hash":""#
    );
    assert!(json.starts_with(expected), "{json}");
    let grade = Change::LeadGraded {
        grade: Grade {
            scores: [("urgency", 1), ("budget", 2), ("Zeal", 3)]
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v))
                .collect(),
            total: 7,
            temperature: Temperature::Cold,
        },
    };
    assert_eq!(
        serde_json::to_string(&grade).unwrap(),
        r#"{"type":"lead_graded","grade":{"scores":{"Zeal":3,"budget":2,"urgency":1},"total":7,"temperature":"cold"}}"#
    );
}

/// The `lead_captured` golden record as a JSON object, to edit.
fn lead_captured_record() -> serde_json::Map<String, Value> {
    let event = samples().remove(0);
    let stored = StoredEvent {
        hash: Digest::link(&Digest::GENESIS, &event),
        command_id: None,
        event,
    };
    serde_json::from_str(&pretty(&stored)).unwrap()
}

fn read(record: &serde_json::Map<String, Value>) -> Result<StoredEvent, String> {
    let text = serde_json::to_string(record).unwrap();
    serde_json::from_str::<StoredEvent>(&text).map_err(|e| e.to_string())
}

#[test]
fn other_formats_and_other_fields_are_refused() {
    let good = lead_captured_record();
    assert!(read(&good).is_ok());

    for format in [3, 0, 999] {
        let mut newer = good.clone();
        newer.insert("format".into(), format.into());
        let err = read(&newer).unwrap_err();
        assert!(
            err.contains(&format!(
                "stored format {format} is not read by this library, which reads formats 1 to 2"
            )),
            "{err}"
        );
    }
    // A newer format may change the record's shape: it is refused for its format, written first,
    // not for a field this format does not know.
    let newer_shape =
        r#"{"format":3,"deal":"D-1","seq":1,"change":{"type":"lead_opened"},"sig":"x"}"#;
    let err = serde_json::from_str::<StoredEvent>(newer_shape)
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with("stored format 3 is not read by this library"),
        "{err}"
    );
    // Format 2 is format 1 with a required `command_id`.
    let mut no_command_id = good.clone();
    no_command_id.insert("format".into(), 2.into());
    let err = read(&no_command_id).unwrap_err();
    assert!(err.contains("missing field `command_id`"), "{err}");
    // An unknown field before `format` is still refused once the format is one this reads.
    let mut unknown_first = serde_json::to_string(&good).unwrap();
    unknown_first.insert_str(1, r#""signature":"abc","#);
    let err = serde_json::from_str::<StoredEvent>(&unknown_first)
        .unwrap_err()
        .to_string();
    assert!(err.contains("unknown field `signature`"), "{err}");
    let mut twice = serde_json::to_string(&good).unwrap();
    twice.insert_str(1, r#""actor":"eve","#);
    let err = serde_json::from_str::<StoredEvent>(&twice)
        .unwrap_err()
        .to_string();
    assert!(err.contains("duplicate field `actor`"), "{err}");

    let mut text_format = good.clone();
    text_format.insert("format".into(), "1".into());
    assert!(read(&text_format).is_err());

    let mut no_format = good.clone();
    no_format.remove("format");
    let err = read(&no_format).unwrap_err();
    assert!(err.contains("missing field `format`"), "{err}");

    let mut no_hash = good.clone();
    no_hash.remove("hash");
    let err = read(&no_hash).unwrap_err();
    assert!(err.contains("missing field `hash`"), "{err}");

    let mut extra = good.clone();
    extra.insert("signature".into(), "abc".into());
    let err = read(&extra).unwrap_err();
    assert!(err.contains("unknown field `signature`"), "{err}");

    let mut extra_in_change = good.clone();
    extra_in_change["change"]
        .as_object_mut()
        .unwrap()
        .insert("channel".into(), "email".into());
    let err = read(&extra_in_change).unwrap_err();
    assert!(err.contains("unknown field `channel`"), "{err}");

    let mut upper_hash = good.clone();
    let hash = upper_hash["hash"].as_str().unwrap().to_uppercase();
    upper_hash.insert("hash".into(), hash.into());
    assert!(read(&upper_hash).is_err(), "a digest is lowercase hex");

    // A positional array is not a record.
    let values: Vec<Value> = good.values().cloned().collect();
    let positional = serde_json::to_string(&values).unwrap();
    assert!(serde_json::from_str::<StoredEvent>(&positional).is_err());
}

#[test]
fn absent_options_are_written_as_null() {
    // Every field is always written: an absent optional value is `null`, never left out.
    let event = Event {
        deal: "D-1".into(),
        version: 1,
        at: at("2026-03-02T09:00:00Z"),
        actor: "ops".into(),
        change: Change::LeadCaptured {
            process: ProcessRef::new("standard", 1),
            customer: "ACME".into(),
            source: "web".into(),
            estimate: None,
        },
    };
    let stored = integrity::seal(Digest::GENESIS, [event]).remove(0);
    let json = serde_json::to_string(&stored).unwrap();
    assert!(
        json.starts_with(
            r#"{"format":1,"deal":"D-1","version":1,"at":"2026-03-02T09:00:00Z","actor":"ops","change":{"type":"lead_captured","process":{"name":"standard","version":1},"customer":"ACME","source":"web","estimate":null},"hash":""#
        ),
        "{json}"
    );
    assert_eq!(serde_json::from_str::<StoredEvent>(&json).unwrap(), stored);
    // An absent optional field reads as `null` (the link is over the written form).
    let without = json.replace(r#","estimate":null"#, "");
    assert_eq!(
        serde_json::from_str::<StoredEvent>(&without).unwrap(),
        stored
    );
}

/// The record of `event` sealed after GENESIS with the command id `id`.
fn with_command_id(event: Event, id: &str) -> StoredEvent {
    let id = CommandId::new(id).unwrap();
    integrity::seal_command(Digest::GENESIS, [event], Some(&id)).remove(0)
}

#[test]
fn format_1_records_read_verify_and_write_back_unchanged() {
    // Every golden file of format 1 (written before format 2 existed) reads as an event without
    // a command id, verifies, and writes back as the same format-1 bytes.
    let mut seen = 0;
    for entry in std::fs::read_dir(golden_dir()).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if name == "definition_standard.json" {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let records: Vec<StoredEvent> = if name == "log.json" {
            serde_json::from_str(&text).unwrap()
        } else {
            vec![serde_json::from_str(&text).unwrap()]
        };
        for stored in &records {
            assert_eq!(stored.command_id, None, "{name}");
            assert_eq!(stored.format(), 1, "{name}");
        }
        let written = if name == "log.json" {
            pretty(&records)
        } else {
            pretty(&records[0])
        };
        assert_eq!(written, text, "{name} does not write back as read");
        assert!(!written.contains("command_id"), "{name}");
        if name == "log.json" {
            assert_eq!(integrity::verify(&records).unwrap().to_string(), LOG_HEAD);
        } else {
            let link = Digest::link_stored(&Digest::GENESIS, &records[0]);
            assert_eq!(link, records[0].hash, "{name}");
            assert_eq!(link, Digest::link(&Digest::GENESIS, &records[0].event));
        }
        seen += 1;
    }
    assert_eq!(seen, 25, "24 change types and a log");

    // The first record's bytes and link, pinned here apart from its file.
    let event = samples().remove(0);
    let stored = integrity::seal(Digest::GENESIS, [event]).remove(0);
    assert_eq!(
        serde_json::to_string(&stored).unwrap(),
        concat!(
            r#"{"format":1,"deal":"D-2026-0042","version":1,"at":"2026-03-02T09:00:00Z","#,
            r#""actor":"ops","change":{"type":"lead_captured","process":{"name":"standard","#,
            r#""version":1},"customer":"Northwind Traders","source":"trade fair","#,
            r#""estimate":{"amount":"240000.00","currency":"EUR"}},"#,
            r#""hash":"f1e5efa6d3960a3b1d3ef58070ad3b47b575b7834e947593c80615cf9a377d8e"}"#
        )
    );
    assert_eq!(stored.hash.to_string(), LEAD_CAPTURED_HASH);
}

#[test]
fn a_log_with_command_ids_and_its_hash_chain_are_pinned() {
    let (deal, sealed) = real_log_with_command_ids();
    let formats: Vec<u32> = sealed.iter().map(StoredEvent::format).collect();
    assert_eq!(formats, [2, 2, 1, 2, 2, 2, 2, 2, 2]);
    let text = golden_in(GOLDEN_DIR_V2, "log.json", &pretty(&sealed));
    let read: Vec<StoredEvent> = serde_json::from_str(&text).unwrap();
    assert_eq!(read, sealed);
    assert_eq!(pretty(&read), text);
    // The record's fields, in the documented order: `command_id` between `actor` and `change`.
    let keys: Vec<&str> = text
        .lines()
        .filter_map(|line| line.strip_prefix("    \""))
        .filter_map(|rest| rest.split_once('"').map(|(key, _)| key))
        .take(8)
        .collect();
    assert_eq!(
        keys,
        [
            "format",
            "deal",
            "version",
            "at",
            "actor",
            "command_id",
            "change",
            "hash"
        ]
    );
    let head = integrity::verify(&read).unwrap();
    if blessing() && head.to_string() != LOG_HEAD_V2 {
        eprintln!("v2/log.json's head is {head}: pin it as LOG_HEAD_V2 in tests/format.rs");
        return;
    }
    assert_eq!(
        head.to_string(),
        LOG_HEAD_V2,
        "the hash chain of v2/log.json changed"
    );
    // The ids change the links, not the events: the same deal replays from it.
    assert_ne!(head.to_string(), LOG_HEAD);
    let kept: Digest = LOG_HEAD_V2.parse().unwrap();
    let (replayed, audited) = integrity::audit(&Process::standard(), &read, Some(&kept)).unwrap();
    assert_eq!((replayed, audited), (deal, kept));
    // The record sent without an id is the very record of format 1's log, bar its link.
    let v1: Vec<StoredEvent> =
        serde_json::from_str(&std::fs::read_to_string(golden_dir().join("log.json")).unwrap())
            .unwrap();
    assert_eq!(read[2].event, v1[2].event);
    assert_eq!(read[2].command_id, None);
}

#[test]
fn a_format_2_event_round_trips() {
    let event = Event {
        deal: "D-1".into(),
        version: 1,
        at: at("2026-03-02T09:00:00Z"),
        actor: "ops".into(),
        change: Change::LeadQualified {},
    };
    let stored = with_command_id(event.clone(), "req-ü/7");
    assert_eq!(stored.format(), 2);
    assert_eq!(stored.command_id.as_ref().unwrap().as_str(), "req-ü/7");
    let json = serde_json::to_string(&stored).unwrap();
    assert_eq!(
        json,
        format!(
            r#"{{"format":2,"deal":"D-1","version":1,"at":"2026-03-02T09:00:00Z","actor":"ops","command_id":"req-ü/7","change":{{"type":"lead_qualified"}},"hash":"{}"}}"#,
            stored.hash
        )
    );
    let read: StoredEvent = serde_json::from_str(&json).unwrap();
    assert_eq!(read, stored);
    assert_eq!(serde_json::to_string(&read).unwrap(), json);
    // Keys in any order: the same record, the same link.
    let sorted = serde_json::to_string(&serde_json::to_value(&stored).unwrap()).unwrap();
    assert_ne!(sorted, json);
    assert_eq!(
        serde_json::from_str::<StoredEvent>(&sorted).unwrap(),
        stored
    );
    // The command id is linked: without it, the same event has another link.
    assert_eq!(Digest::link_stored(&Digest::GENESIS, &read), read.hash);
    assert_ne!(read.hash, Digest::link(&Digest::GENESIS, &event));
    assert_ne!(
        read.hash,
        with_command_id(event.clone(), "req-ü/8").hash,
        "another id, another link"
    );
    assert_eq!(integrity::verify(&[read]).unwrap(), stored.hash);
    // A command id that is not one is refused as it is read.
    for bad in ["", " req", "req\n1"] {
        let text = json.replace("req-ü/7", &bad.escape_default().to_string());
        let err = serde_json::from_str::<StoredEvent>(&text)
            .unwrap_err()
            .to_string();
        assert!(err.contains("command_id"), "{bad:?}: {err}");
    }
}

#[test]
fn an_edited_command_id_is_tampering() {
    let (_, log) = real_log_with_command_ids();
    assert!(integrity::verify(&log).is_ok());
    let tampered_at = |log: &[StoredEvent]| match integrity::verify(log).unwrap_err() {
        Error::Tampered { position, .. } => position,
        other => panic!("unexpected {other:?}"),
    };
    // Another id, an id taken off, an id put on: each is caught at the event edited.
    let mut other = log.clone();
    other[4].command_id = Some(CommandId::new("req-0099").unwrap());
    assert_eq!(tampered_at(&other), 5);
    let mut dropped = log.clone();
    dropped[4].command_id = None;
    assert_eq!(tampered_at(&dropped), 5);
    let mut added = log.clone();
    added[2].command_id = Some(CommandId::new("req-0003").unwrap());
    assert_eq!(tampered_at(&added), 3);
    // The same edits made in the stored JSON, as a writer of the store would make them.
    let text = serde_json::to_string(&log).unwrap();
    let edited = text.replacen(
        r#""command_id":"req-0005""#,
        r#""command_id":"req-0050""#,
        1,
    );
    assert_ne!(edited, text);
    let stored: Vec<StoredEvent> = serde_json::from_str(&edited).unwrap();
    assert_eq!(tampered_at(&stored), 5);
    assert!(integrity::audit(&Process::standard(), &stored, None).is_err());
    // Taken off as a format-1 record: it reads, and does not verify.
    let mut record: serde_json::Map<String, Value> =
        serde_json::from_value(serde_json::to_value(&log[4]).unwrap()).unwrap();
    record.remove("command_id");
    record.insert("format".into(), 1.into());
    let mut downgraded = log.clone();
    downgraded[4] = read(&record).unwrap();
    assert_eq!(downgraded[4].command_id, None);
    assert_eq!(tampered_at(&downgraded), 5);
}

#[test]
fn a_format_1_record_with_a_command_id_is_refused() {
    let expected = Error::FieldNotInFormat {
        field: "command_id",
        format: 1,
        since: 2,
    };
    assert_eq!(expected.code(), "field_not_in_format");
    assert_eq!(
        expected.to_string(),
        "a stored record of format 1 has no field `command_id`: it is a field of format 2 and later"
    );
    let good = serde_json::to_string(&lead_captured_record()).unwrap();
    // `command_id` after `format`, and before it (keys may come in any order).
    let after = good.replacen(r#""format":1,"#, r#""format":1,"command_id":"req-1","#, 1);
    let before = good.replacen(r#""format":1,"#, r#""command_id":"req-1","format":1,"#, 1);
    for text in [after, before] {
        assert_ne!(text, good);
        let err = serde_json::from_str::<StoredEvent>(&text)
            .unwrap_err()
            .to_string();
        assert!(err.starts_with(&expected.to_string()), "{err}");
    }
    let mut last = lead_captured_record();
    last.insert("command_id".into(), "req-1".into());
    let err = read(&last).unwrap_err();
    assert!(err.starts_with(&expected.to_string()), "{err}");
    // Even a `null` one: format 1 has no such field.
    let mut null = lead_captured_record();
    null.insert("command_id".into(), Value::Null);
    assert!(read(&null).is_err());
}

#[test]
fn an_envelope_without_a_command_id_is_written_as_before() {
    let at = at("2026-01-05T09:00:00Z");
    let envelope = Envelope::new("ana", at, Command::QualifyLead {}).expecting(3);
    let json = serde_json::to_string(&envelope).unwrap();
    assert_eq!(
        json,
        r#"{"actor":"ana","at":"2026-01-05T09:00:00Z","expected_version":3,"command":{"type":"qualify_lead"}}"#
    );
    assert_eq!(Envelope::from_json(&json).unwrap(), envelope);
    // Absent or null, there is none.
    let null = json.replace(r#""command":"#, r#""command_id":null,"command":"#);
    assert_eq!(Envelope::from_json(&null).unwrap(), envelope);

    let id = CommandId::new("4c1e0d2a-9b8f-4e57-a0c3-6f1d2b7e9a10").unwrap();
    let sent = envelope.clone().with_command_id(id.clone());
    assert_eq!(sent.command_id, Some(id));
    let json = serde_json::to_string(&sent).unwrap();
    assert_eq!(
        json,
        r#"{"actor":"ana","at":"2026-01-05T09:00:00Z","expected_version":3,"command_id":"4c1e0d2a-9b8f-4e57-a0c3-6f1d2b7e9a10","command":{"type":"qualify_lead"}}"#
    );
    assert_eq!(Envelope::from_json(&json).unwrap(), sent);
    assert_eq!(serde_json::from_str::<Envelope>(&json).unwrap(), sent);
    // The id does not change what is decided.
    let (mut a, mut b) = (Deal::new("D-1".into()), Deal::new("D-1".into()));
    let capture = Envelope::new("ops", at, Command::capture_lead("ACME", "web", None));
    let with_id = capture
        .clone()
        .with_command_id(CommandId::new("c-1").unwrap());
    assert_eq!(
        capture.execute(&mut a, &Process::standard()).unwrap(),
        with_id.execute(&mut b, &Process::standard()).unwrap()
    );
    assert_eq!(a, b);

    // A bad id is refused with the path of the field.
    for (bad, problem) in [
        (r#""""#, "must not be empty"),
        (r#"" req-1""#, "is not a usable id"),
        (r#""req\u2028-1""#, "is not a usable id"),
        (r#"7"#, "expected a string"),
    ] {
        let text = json.replace(r#""4c1e0d2a-9b8f-4e57-a0c3-6f1d2b7e9a10""#, bad);
        match Envelope::from_json(&text).unwrap_err() {
            Error::MalformedJson { path, message } => {
                assert_eq!(path, "command_id", "{bad}");
                assert!(message.contains(problem), "{bad}: {message}");
            }
            other => panic!("{bad}: {other:?}"),
        }
    }
    let long = json.replace(
        "4c1e0d2a-9b8f-4e57-a0c3-6f1d2b7e9a10",
        &"x".repeat(CommandId::MAX_LEN + 1),
    );
    let err = Envelope::from_json(&long).unwrap_err();
    assert!(
        matches!(&err, Error::MalformedJson { path, message }
            if path == "command_id" && message.contains("201 bytes long: it is at most 200 bytes")),
        "{err:?}"
    );
}

#[test]
fn a_command_id_is_a_usable_id_of_at_most_200_bytes() {
    for good in [
        "c",
        "req-1",
        "4c1e0d2a-9b8f-4e57-a0c3-6f1d2b7e9a10",
        "ops/2026-03-02/7",
        "zoë's retry",
        "需要",
    ] {
        let id = CommandId::new(good).unwrap();
        assert_eq!(id.as_str(), good);
        assert_eq!(id.to_string(), good);
        assert_eq!(good.parse::<CommandId>().unwrap(), id);
        assert_eq!(CommandId::try_from(good).unwrap(), id);
        assert_eq!(CommandId::try_from(good.to_owned()).unwrap(), id);
        let json = serde_json::to_string(&id).unwrap();
        assert_eq!(serde_json::from_str::<CommandId>(&json).unwrap(), id);
    }
    for blank in ["", " ", "\t\n", "\u{3000}"] {
        assert_eq!(
            CommandId::new(blank).unwrap_err(),
            Error::EmptyText {
                field: "command_id"
            },
            "{blank:?}"
        );
    }
    for bad in [
        " req-1",
        "req-1 ",
        "req\n1",
        "req\u{0}1",
        "req\u{7f}1",
        "req\u{85}1",
        "req\u{2028}1",
        "req\u{2029}1",
        "\u{a0}req",
    ] {
        assert_eq!(
            CommandId::new(bad).unwrap_err(),
            Error::InvalidId {
                field: "command_id",
                value: bad.to_owned()
            },
            "{bad:?}"
        );
        let json = serde_json::to_string(bad).unwrap();
        assert!(serde_json::from_str::<CommandId>(&json).is_err(), "{bad:?}");
    }
    // 200 bytes, not characters: a 3-byte character counts 3.
    assert!(CommandId::new("x".repeat(200)).is_ok());
    assert!(CommandId::new("€".repeat(66) + "xx").is_ok());
    for long in [
        "x".repeat(201),
        "€".repeat(67),
        "€".repeat(66) + "xxx",
        "y".repeat(1 << 20),
    ] {
        let err = CommandId::new(long.clone()).unwrap_err();
        assert_eq!(err.code(), "id_too_long");
        assert_eq!(
            err,
            Error::IdTooLong {
                field: "command_id",
                value: long.clone(),
                max: 200
            }
        );
        // The message names the field, shows the id's start, and stays short.
        let message = err.to_string();
        assert!(message.starts_with("`command_id` `"), "{message}");
        assert!(
            message.ends_with(&format!(
                "...` is {} bytes long: it is at most 200 bytes",
                long.len()
            )),
            "{message}"
        );
        assert!(message.len() < 250, "{message}");
    }
    // Too long and with a control character: the message is one line.
    let err = CommandId::new("\n".repeat(300)).unwrap_err();
    assert_eq!(err.code(), "id_too_long");
    assert!(!err.to_string().contains('\n'));
    // Not a string.
    for json in ["7", "null", "[\"a\"]", "{\"id\":\"a\"}"] {
        assert!(serde_json::from_str::<CommandId>(json).is_err(), "{json}");
    }
}

#[test]
fn the_format_page_shows_a_format_2_record_as_written() {
    // docs/format.md shows the first sample sent with the command id `req-0001`: the record, its
    // canonical bytes and its link.
    let page = include_str!("../../../docs/format.md");
    let stored = with_command_id(samples().remove(0), "req-0001");
    let record = pretty(&stored);
    assert!(
        page.contains(&format!("```json\n{record}```")),
        "docs/format.md does not show:\n{record}"
    );
    let compact = serde_json::to_string(&stored).unwrap();
    let bytes = compact
        .strip_suffix(&format!(",\"hash\":\"{}\"}}", stored.hash))
        .unwrap()
        .to_owned()
        + "}";
    assert!(page.contains(&format!("```text\n{bytes}\n```")), "{bytes}");
    assert!(page.contains(&format!("`{}`", stored.hash)));
}
