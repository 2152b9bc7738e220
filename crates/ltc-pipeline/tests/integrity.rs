//! Tamper evidence (`integrity`, `docs/format.md`): every edit of a sealed log is caught.
//!
//! A valid log, written by the engine from generated commands and sealed from
//! `Digest::GENESIS`, verifies, and `audit` with its head returns that head and the deal. Then any
//! single edit (a field of an event changed, an event deleted, a duplicate or a foreign event
//! inserted, two events swapped, a stored hash changed) fails `verify`, naming the edited event
//! where that is determined; and every one fails `audit` given the head kept before the edit,
//! with `tampered`, including the edits `verify` cannot see: a chain the forger sealed again
//! after the edit, and a log whose last event was dropped.
//!
//! The default run checks a few hundred logs (`PROPTEST_CASES` sets another number); the long run
//! checks 100,000: `cargo test -p ltc-pipeline --all-features --test integrity -- --ignored`
//! (add `--release` to make it quicker).
#![cfg(feature = "proptest")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use chrono::{DateTime, Duration, TimeZone, Utc};
use common::cases;
use ltc_pipeline::integrity::{self, audit, seal, verify, Digest};
use ltc_pipeline::strategies::{self, Step};
use ltc_pipeline::{Change, Command, Deal, DealId, Event, Process, StoredEvent};
use proptest::prelude::*;
use serde_json::Value;
use std::sync::OnceLock;

/// A deal's log as the engine writes it: the steps it accepts, in order.
fn execute(process: &Process, id: &str, steps: &[Step]) -> (Deal, Vec<Event>) {
    let mut deal = Deal::new(DealId::new(id));
    let mut log = Vec::new();
    for step in steps {
        if let Ok(events) = deal.execute(process, &step.command, &step.actor, step.at) {
            log.extend(events);
        }
    }
    (deal, log)
}

/// A valid sealed log with its process and the deal it replays to: the lead-to-cash script with
/// noise under the standard process, or arbitrary commands after a captured lead under a varied
/// process (short logs, other rules).
#[derive(Debug, Clone)]
struct Sealed {
    process: Process,
    deal: Deal,
    log: Vec<StoredEvent>,
}

fn sealed(process: Process, steps: &[Step]) -> Sealed {
    let (deal, events) = execute(&process, "D-1", steps);
    Sealed {
        process,
        deal,
        log: seal(Digest::GENESIS, events),
    }
}

fn sealed_log() -> impl Strategy<Value = Sealed> {
    prop_oneof![
        strategies::noisy_lead_to_cash().prop_map(|steps| sealed(Process::standard(), &steps)),
        (strategies::process(), strategies::steps(40)).prop_map(|(process, steps)| {
            let capture = Step {
                actor: "ops".into(),
                // The steps start at this time too, so the lead comes first.
                at: Utc.with_ymd_and_hms(2026, 1, 5, 9, 0, 0).unwrap(),
                command: Command::CaptureLead {
                    customer: "ACME".into(),
                    source: "web".into(),
                    estimate: None,
                },
            };
            let steps: Vec<Step> = std::iter::once(capture).chain(steps).collect();
            sealed(process, &steps)
        }),
    ]
}

/// Sealed logs of the lead-to-cash script: of another deal, and of this deal for another
/// customer (the same events from the second on, each linked into another chain).
fn foreign_logs() -> &'static [Vec<StoredEvent>] {
    static LOGS: OnceLock<Vec<Vec<StoredEvent>>> = OnceLock::new();
    LOGS.get_or_init(|| {
        let mut script = strategies::lead_to_cash();
        let log = |id: &str, script: &[Step]| {
            seal(Digest::GENESIS, execute(&Process::standard(), id, script).1)
        };
        let other = log("D-2", &script);
        if let Command::CaptureLead { customer, .. } = &mut script[0].command {
            *customer = "Contoso".into();
        }
        vec![other, log("D-1", &script)]
    })
}

/// What a forger does to the hashes after editing an event's content.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reseal {
    /// Nothing: the stored hashes stay.
    No,
    /// The edited event's own hash is recomputed.
    ThisEvent,
    /// The chain is sealed again from the edited event to the end.
    FromHere,
}

/// One edit of a sealed log. Positions are taken modulo the length they pick from.
#[derive(Debug, Clone)]
enum Edit {
    /// A field of an event changed (any leaf of its JSON: an amount, an actor, a time, the deal,
    /// the version, a text, an id, a vote, the process ref, ...) or a list in it shortened or
    /// lengthened; `choice` picks among the edits that still read as an event.
    Field {
        event: usize,
        choice: usize,
        reseal: Reseal,
    },
    /// A stored hash changed.
    Hash { event: usize, bit: u8 },
    /// An event removed.
    Delete(usize),
    /// A copy of an event of the log inserted.
    Duplicate { from: usize, at: usize },
    /// An event of another log inserted: as stored there, or renumbered and linked in place.
    Foreign {
        log: usize,
        from: usize,
        at: usize,
        linked: bool,
    },
    /// Two events swapped: as stored, or their contents under the original versions and hashes.
    Swap { a: usize, b: usize, contents: bool },
}

fn edit() -> impl Strategy<Value = Edit> {
    let reseal = prop_oneof![
        2 => Just(Reseal::No),
        1 => Just(Reseal::ThisEvent),
        1 => Just(Reseal::FromHere),
    ];
    prop_oneof![
        4 => (any::<usize>(), any::<usize>(), reseal)
            .prop_map(|(event, choice, reseal)| Edit::Field { event, choice, reseal }),
        1 => (any::<usize>(), any::<u8>()).prop_map(|(event, bit)| Edit::Hash { event, bit }),
        2 => any::<usize>().prop_map(Edit::Delete),
        1 => (any::<usize>(), any::<usize>()).prop_map(|(from, at)| Edit::Duplicate { from, at }),
        1 => (any::<usize>(), any::<usize>(), any::<usize>(), any::<bool>())
            .prop_map(|(log, from, at, linked)| Edit::Foreign { log, from, at, linked }),
        2 => (any::<usize>(), any::<usize>(), any::<bool>())
            .prop_map(|(a, b, contents)| Edit::Swap { a, b, contents }),
    ]
}

/// A JSON pointer token: `~` and `/` escaped.
fn token(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

/// Every value in `value` with its JSON pointer.
fn pointers(value: &Value, at: String, out: &mut Vec<(String, Value)>) {
    out.push((at.clone(), value.clone()));
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                pointers(v, format!("{at}/{}", token(k)), out);
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                pointers(v, format!("{at}/{i}"), out);
            }
        }
        _ => {}
    }
}

/// Words of the format's vocabularies, so that a value of a closed set (a vote, an outcome, a
/// gate, a kind of end, a temperature, a currency, a change's `type`) can be changed into another
/// that still reads.
const WORDS: &[&str] = &[
    "approve",
    "rework",
    "reject",
    "approved",
    "approved_with_conditions",
    "rejected",
    "won",
    "lost",
    "withdrawn",
    "disqualified",
    "force_closed",
    "opportunity_approval",
    "solution_review",
    "bid_decision",
    "contract_decision",
    "change_decision",
    "closure_decision",
    "cold",
    "warm",
    "hot",
    "USD",
    "GBP",
    "milestone_delivered",
    "milestone_accepted",
    "gate_withdrawn",
    "ended",
    "AR",
    "SR",
    "FR",
    "manager",
    "director",
];

/// The values a value of an event's JSON may be edited to, in two tiers: the second (another
/// word of the format's vocabularies) is tried only when no value of the first still reads, so
/// that free texts and ids get a few edits each and closed sets get one.
fn replacements(value: &Value) -> (Vec<Value>, Vec<Value>) {
    match value {
        Value::String(text) => {
            let mut out = Vec::new();
            if let Ok(time) = DateTime::parse_from_rfc3339(text) {
                let time = time.with_timezone(&Utc);
                for shift in [Duration::seconds(1), Duration::milliseconds(-1)] {
                    out.push(Value::from((time + shift).to_rfc3339()));
                }
            }
            if let Ok(amount) = text.parse::<rust_decimal::Decimal>() {
                for other in [
                    amount + rust_decimal::Decimal::new(1, 2),
                    -amount,
                    amount.normalize(),
                ] {
                    if other.to_string() != *text {
                        out.push(Value::from(other.to_string()));
                    }
                }
            }
            out.push(Value::from(format!("{text}x")));
            out.push(Value::from(format!(" {text}")));
            out.push(Value::from(""));
            let words = WORDS
                .iter()
                .filter(|w| **w != text)
                .map(|w| Value::from(*w))
                .collect();
            (out, words)
        }
        Value::Number(n) => {
            let n = n.as_u64().unwrap_or(0);
            let mut out = vec![Value::from(n + 1), Value::from(n.wrapping_mul(10))];
            if n > 0 {
                out.push(Value::from(n - 1));
            }
            (out, Vec::new())
        }
        Value::Bool(b) => (vec![Value::from(!b)], Vec::new()),
        Value::Array(items) => {
            let mut out = Vec::new();
            if let Some(first) = items.first() {
                let mut fewer = items.clone();
                fewer.pop();
                out.push(Value::Array(fewer));
                let mut more = items.clone();
                more.push(first.clone());
                out.push(Value::Array(more));
                let mut reversed = items.clone();
                reversed.reverse();
                out.push(Value::Array(reversed));
            }
            (out, Vec::new())
        }
        // An object is edited through its values; an absent option (`null`) cannot be given a
        // value without knowing the field's type.
        Value::Null | Value::Object(_) => (Vec::new(), Vec::new()),
    }
}

/// Every event that differs from `event` by one edit of one value of its JSON and still reads.
fn field_edits(event: &Event) -> Vec<Event> {
    let json = serde_json::to_value(event).unwrap();
    let mut found = Vec::new();
    pointers(&json, String::new(), &mut found);
    let mut edits = Vec::new();
    for (pointer, value) in found {
        let (first, second) = replacements(&value);
        for tier in [first, second] {
            let before = edits.len();
            for replacement in tier {
                let mut edited = json.clone();
                *edited.pointer_mut(&pointer).unwrap() = replacement;
                if let Ok(other) = serde_json::from_value::<Event>(edited) {
                    if other != *event {
                        edits.push(other);
                    }
                }
            }
            if edits.len() > before {
                break;
            }
        }
    }
    edits
}

/// What `verify` must say of an edited log (`audit` with the kept head refuses every one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    /// `verify` names the event at this position (from 1).
    FailsAt(usize),
    /// `verify` fails.
    Fails,
    /// The chain holds (a forger sealed it again, or the end was dropped): only the head kept
    /// apart from the log tells.
    OnlyTheHead,
}

/// The log after `edit`, and what `verify` must say of it. `None` when the edit does not apply to
/// this log (it is empty, or the edit would change nothing).
fn apply(log: &[StoredEvent], edit: &Edit) -> Option<(Vec<StoredEvent>, Expect)> {
    let len = log.len();
    if len == 0 {
        return None;
    }
    let mut out = log.to_vec();
    let prev = |i: usize| {
        if i == 0 {
            Digest::GENESIS
        } else {
            log[i - 1].hash
        }
    };
    let expect = match *edit {
        Edit::Field {
            event,
            choice,
            reseal,
        } => {
            let i = event % len;
            let edits = field_edits(&log[i].event);
            if edits.is_empty() {
                return None;
            }
            let edited = edits[choice % edits.len()].clone();
            // The sequence check fails at the edited event itself for another version, or for
            // another deal after the first event (the first event sets the log's deal).
            let renumbered = edited.version != log[i].event.version;
            let moved = edited.deal != log[i].event.deal;
            out[i].event = edited;
            match reseal {
                Reseal::No => Expect::FailsAt(i + 1),
                Reseal::ThisEvent => {
                    out[i].hash = Digest::link(&prev(i), &out[i].event);
                    if renumbered || (moved && i > 0) {
                        Expect::FailsAt(i + 1)
                    } else if i + 1 < len {
                        // The next event's link, or (for the first event's deal) its deal.
                        Expect::FailsAt(i + 2)
                    } else {
                        Expect::OnlyTheHead
                    }
                }
                Reseal::FromHere => {
                    let tail: Vec<Event> = out.drain(i..).map(|s| s.event).collect();
                    out.extend(seal(prev(i), tail));
                    if renumbered || (moved && i > 0) {
                        Expect::FailsAt(i + 1)
                    } else if moved && i + 1 < len {
                        Expect::FailsAt(2)
                    } else {
                        Expect::OnlyTheHead
                    }
                }
            }
        }
        Edit::Hash { event, bit } => {
            let i = event % len;
            let mut hex: Vec<char> = log[i].hash.to_string().chars().collect();
            let at = usize::from(bit) % 64;
            hex[at] = if hex[at] == '0' { '1' } else { '0' };
            out[i].hash = hex.into_iter().collect::<String>().parse().unwrap();
            Expect::FailsAt(i + 1)
        }
        Edit::Delete(event) => {
            let i = event % len;
            out.remove(i);
            if i + 1 == len {
                Expect::OnlyTheHead
            } else {
                Expect::FailsAt(i + 1)
            }
        }
        Edit::Duplicate { from, at } => {
            let (j, k) = (from % len, at % (len + 1));
            out.insert(k, log[j].clone());
            // The copy holds at its original place, and the original after it does not.
            Expect::FailsAt(if j == k { k + 2 } else { k + 1 })
        }
        Edit::Foreign {
            log: which,
            from,
            at,
            linked,
        } => {
            let logs = foreign_logs();
            let foreign = &logs[which % logs.len()];
            let mut event = foreign[from % foreign.len()].clone();
            let k = at % (len + 1);
            if linked {
                // A forger renumbers the event for its place and links it to the one before.
                event.event.version = k as u64 + 1;
                event.event.deal = log[0].event.deal.clone();
                event.hash = Digest::link(&prev(k), &event.event);
            }
            out.insert(k, event);
            match (linked, k == len) {
                (true, true) => Expect::OnlyTheHead,
                (true, false) => Expect::FailsAt(k + 2),
                (false, _) => Expect::Fails,
            }
        }
        Edit::Swap { a, b, contents } => {
            let (i, j) = (a % len, b % len);
            let (i, j) = (i.min(j), i.max(j));
            if i == j {
                return None;
            }
            if contents {
                let (x, y) = (log[i].event.clone(), log[j].event.clone());
                out[i].event = Event {
                    version: x.version,
                    ..y
                };
                out[j].event = Event {
                    version: y.version,
                    ..x
                };
                if out == log {
                    return None;
                }
            } else {
                out.swap(i, j);
            }
            Expect::FailsAt(i + 1)
        }
    };
    Some((out, expect))
}

/// The position `verify` names as tampered, or why it names none.
fn tampered_at(result: Result<Digest, ltc_pipeline::Error>) -> Result<u64, String> {
    match result {
        Ok(head) => Err(format!("verifies, with head {head}")),
        Err(ltc_pipeline::Error::Tampered { position, .. }) => Ok(position),
        Err(other) => Err(format!("fails with {} instead of tampered", other.code())),
    }
}

/// The sealed log verifies and audits to its head; after `edit`, `verify` says what `apply`
/// expects and `audit` with the kept head refuses it.
fn check(sealed: &Sealed, edit: &Edit) -> Result<(), TestCaseError> {
    let Sealed { process, deal, log } = sealed;
    let head = verify(log).map_err(|e| TestCaseError::fail(format!("valid log refused: {e}")))?;
    prop_assert_eq!(head, integrity::head(log));
    let (replayed, audited) = audit(process, log, Some(&head))
        .map_err(|e| TestCaseError::fail(format!("valid log refused by audit: {e}")))?;
    prop_assert_eq!(audited, head);
    prop_assert_eq!(&replayed, deal);

    let Some((edited, expect)) = apply(log, edit) else {
        return Ok(());
    };
    prop_assert_ne!(&edited, log, "{:?} changed nothing", edit);
    let verified = verify(&edited);
    match expect {
        Expect::FailsAt(position) => {
            prop_assert_eq!(tampered_at(verified), Ok(position as u64), "{:?}", edit);
        }
        Expect::Fails => {
            let at = tampered_at(verified);
            prop_assert!(at.is_ok(), "{:?}: {:?}", edit, at);
        }
        Expect::OnlyTheHead => {
            prop_assert_eq!(verified.ok(), Some(integrity::head(&edited)), "{:?}", edit);
        }
    }
    match audit(process, &edited, Some(&head)) {
        Ok(_) => prop_assert!(false, "{:?}: audit accepts the edited log", edit),
        Err(e) => prop_assert_eq!(e.code(), "tampered", "{:?}: {}", edit, e),
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(256), ..ProptestConfig::default() })]

    #[test]
    fn every_edit_of_a_sealed_log_is_caught(sealed in sealed_log(), edit in edit()) {
        check(&sealed, &edit)?;
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 100_000, ..ProptestConfig::default() })]

    #[test]
    #[ignore = "long run: 100,000 edited logs (cargo test -p ltc-pipeline --all-features --test integrity -- --ignored)"]
    fn every_edit_of_a_sealed_log_is_caught_long_run(sealed in sealed_log(), edit in edit()) {
        check(&sealed, &edit)?;
    }
}

/// The lead-to-cash script's log, sealed.
fn script() -> Sealed {
    sealed(Process::standard(), &strategies::lead_to_cash())
}

#[test]
fn the_script_verifies_and_audits_to_its_head() {
    let Sealed { process, deal, log } = script();
    let head = verify(&log).unwrap();
    assert_eq!(head, integrity::head(&log));
    assert_eq!(head, log.last().unwrap().hash);
    assert_eq!(
        audit(&process, &log, Some(&head)).unwrap(),
        (deal.clone(), head)
    );
    assert_eq!(audit(&process, &log, None).unwrap(), (deal, head));
    assert_eq!(verify(&[]).unwrap(), Digest::GENESIS);
    assert_eq!(integrity::head(&[]), Digest::GENESIS);
}

/// Every single-value edit of every event of the script's log (every field of each kind of
/// event it has) is caught, at that event.
#[test]
fn every_field_of_every_event_of_the_script_is_covered() {
    let Sealed { process, log, .. } = script();
    let head = integrity::head(&log);
    let mut count = 0;
    for (i, stored) in log.iter().enumerate() {
        let edits = field_edits(&stored.event);
        assert!(!edits.is_empty(), "no edit of event {}", i + 1);
        for edited in edits {
            let mut forged = log.clone();
            forged[i].event = edited.clone();
            assert_eq!(tampered_at(verify(&forged)), Ok(i as u64 + 1), "{edited:?}");
            assert_eq!(
                audit(&process, &forged, Some(&head)).unwrap_err().code(),
                "tampered"
            );
            count += 1;
        }
    }
    assert!(count > 500, "only {count} edits");
    eprintln!("{count} edits");
}

/// The same over one event of every change type: the golden files of the format, each sealed as
/// the first event of a log.
#[test]
fn every_field_of_every_change_type_is_covered() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/v1");
    let mut types = std::collections::BTreeSet::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        if name == "log" || name == "definition_standard" {
            continue;
        }
        let stored: StoredEvent =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let first = Event {
            version: 1,
            ..stored.event
        };
        let log = seal(Digest::GENESIS, [first.clone()]);
        assert_eq!(verify(&log).unwrap(), log[0].hash);
        let edits = field_edits(&first);
        // At least one edit per value of the event, bar the `type` tag and a `null`.
        assert!(edits.len() >= 5, "{name}: only {} edits", edits.len());
        for edited in edits {
            let forged = vec![StoredEvent {
                event: edited.clone(),
                command_id: None,
                hash: log[0].hash,
            }];
            assert_eq!(tampered_at(verify(&forged)), Ok(1), "{name}: {edited:?}");
        }
        types.insert(serde_json::to_value(&first.change).unwrap()["type"].to_string());
    }
    assert_eq!(types.len(), 24, "a change type without a golden file");
}

/// Edits that still replay (a text for the minutes, a reason, a comment, a note, a title, a time
/// within the rules) are what only the chain catches: `Deal::replay` accepts them.
#[test]
fn an_edit_that_still_replays_is_caught() {
    let Sealed { process, deal, log } = script();
    let head = integrity::head(&log);
    let texts = |change: &mut Change| -> Option<()> {
        match change {
            Change::GateDecided { minutes, .. } => *minutes = format!("{minutes} (amended)").into(),
            Change::ConditionClosed { note, .. } => *note = "nothing was reviewed".into(),
            Change::MilestoneAdded { title, .. } => *title = format!("{title} and training").into(),
            Change::VoteCast { comment, .. } => *comment = Some("under protest".into()),
            _ => return None,
        }
        Some(())
    };
    let mut caught = 0;
    for i in 0..log.len() {
        let mut forged = log.clone();
        if texts(&mut forged[i].event.change).is_none() {
            continue;
        }
        let events: Vec<Event> = forged.iter().map(|s| s.event.clone()).collect();
        let replayed = Deal::replay(DealId::new("D-1"), &process, &events)
            .unwrap_or_else(|e| panic!("the edit of event {} does not replay: {e}", i + 1));
        assert_ne!(replayed, deal, "the edit changed the state");
        assert_eq!(tampered_at(verify(&forged)), Ok(i as u64 + 1));
        assert_eq!(
            audit(&process, &forged, Some(&head)).unwrap_err().code(),
            "tampered"
        );
        caught += 1;
    }
    assert!(caught >= 10, "only {caught} edits that replay");

    // A time moved by a second that keeps the order replays too.
    let mut forged = log.clone();
    forged[5].event.at += Duration::seconds(1);
    let events: Vec<Event> = forged.iter().map(|s| s.event.clone()).collect();
    assert!(Deal::replay(DealId::new("D-1"), &process, &events).is_ok());
    assert_eq!(tampered_at(verify(&forged)), Ok(6));
}

/// Dropping the last event leaves a valid, shorter chain: only the kept head tells.
#[test]
fn dropping_the_end_is_caught_against_the_kept_head() {
    let Sealed { process, log, .. } = script();
    let head = integrity::head(&log);
    for keep in 0..log.len() {
        let shorter = &log[..keep];
        assert_eq!(verify(shorter).unwrap(), integrity::head(shorter));
        assert!(audit(&process, shorter, None).is_ok());
        let err = audit(&process, shorter, Some(&head)).unwrap_err();
        assert_eq!(err.code(), "tampered");
        assert!(err.to_string().contains("dropped from its end"), "{err}");
    }
}

/// A forger who can rewrite the whole log can seal an edited log again: the chain holds, and only
/// a head kept apart from the log tells (the chain is not a signature).
#[test]
fn a_log_sealed_again_after_an_edit_is_caught_only_against_the_kept_head() {
    let Sealed { process, log, .. } = script();
    let head = integrity::head(&log);
    let mut events: Vec<Event> = log.iter().map(|s| s.event.clone()).collect();
    let decided = events
        .iter_mut()
        .find_map(|e| match &mut e.change {
            Change::GateDecided { minutes, .. } => Some(minutes),
            _ => None,
        })
        .unwrap();
    *decided = format!("{decided} (amended)").into();
    let forged = seal(Digest::GENESIS, events);
    assert!(verify(&forged).is_ok());
    assert!(audit(&process, &forged, None).is_ok());
    assert_eq!(
        audit(&process, &forged, Some(&head)).unwrap_err().code(),
        "tampered"
    );
}

/// Each kind of edit on the script's log, at the first, a middle and the last event.
#[test]
fn each_kind_of_edit_of_the_script_is_caught() {
    let sealed = script();
    let len = sealed.log.len();
    let picks = [0, len / 2, len - 1];
    for &a in &picks {
        for &b in &picks {
            let mut edits = vec![
                Edit::Hash { event: a, bit: 63 },
                Edit::Delete(a),
                Edit::Duplicate { from: a, at: b },
                Edit::Duplicate { from: a, at: a },
                Edit::Duplicate { from: a, at: len },
                Edit::Foreign {
                    log: 0,
                    from: b,
                    at: a,
                    linked: false,
                },
                Edit::Foreign {
                    log: 1,
                    from: b,
                    at: a,
                    linked: false,
                },
                Edit::Foreign {
                    log: 1,
                    from: b,
                    at: a,
                    linked: true,
                },
                Edit::Foreign {
                    log: 0,
                    from: b,
                    at: len,
                    linked: true,
                },
                Edit::Swap {
                    a,
                    b,
                    contents: false,
                },
                Edit::Swap {
                    a,
                    b,
                    contents: true,
                },
            ];
            for reseal in [Reseal::No, Reseal::ThisEvent, Reseal::FromHere] {
                // The first edits of an event are of its deal, version and time.
                for choice in [0, 3, 5, b] {
                    edits.push(Edit::Field {
                        event: a,
                        choice,
                        reseal,
                    });
                }
            }
            for edit in &edits {
                check(&sealed, edit).unwrap_or_else(|e| panic!("{edit:?}: {e}"));
            }
        }
    }
}
