//! Load and faults, on each backend: concurrent writers (threads, and processes: this test
//! binary run again as a writer) driving deals from lead to cash with deliberate conflicts on
//! shared deals, and writer processes killed with SIGKILL in the middle of a batch. After each:
//! every deal verifies (chain, kept head, replay), versions have no gaps, every acknowledged
//! event is stored as acknowledged, and every conflict was reported to its writer.
//!
//! The default run is bounded to seconds; `cargo test -p ltc-store --all-features --test load
//! -- --ignored` runs the longer one (8 writers, more deals).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod support;

use ltc_pipeline::integrity::Digest;
use ltc_pipeline::{Deal, DealId, Process};
use ltc_store::blocking::Store;
use ltc_store::{Append, StoreError};
use std::collections::BTreeMap;
use std::io::{BufRead as _, BufReader, Write as _};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Barrier};
use support::{envelope, id, script, Db};

/// How one writer runs.
#[derive(Clone, Copy)]
struct Plan {
    writer: usize,
    /// Deals of its own, driven lead to cash in batches.
    own: usize,
    /// Deals every writer drives, one command at a time, racing the others.
    shared: usize,
    /// Commands per batch.
    batch: usize,
}

/// What a writer was told: every event acknowledged, and the conflicts it was refused with.
#[derive(Default)]
struct Report {
    acked: Vec<(DealId, u64, Digest)>,
    /// Appends tried on shared deals.
    attempts: u64,
    /// Of those, refused with a conflict.
    conflicts: u64,
}

impl Report {
    fn ack(&mut self, appended: &[ltc_store::Appended]) {
        for a in appended {
            for e in &a.events {
                self.acked.push((a.deal.clone(), e.event.version, e.hash));
            }
        }
    }
}

fn own_deal(writer: usize, i: usize) -> DealId {
    DealId::new(format!("W{writer}-{i}"))
}

fn shared_deal(j: usize) -> DealId {
    DealId::new(format!("S-{j}"))
}

/// Drives the writer's own deals lead to cash in batches of `plan.batch` commands (decided in
/// memory, appended in one transaction), and after each batch moves every shared deal one
/// command on from the version it last saw: a conflict there is counted, and the deal reloaded.
fn write(store: &mut Store, plan: Plan) -> Report {
    let steps = script();
    let process = Process::standard();
    let mut report = Report::default();
    let mut own: Vec<Deal> = (0..plan.own)
        .map(|i| Deal::new(own_deal(plan.writer, i)))
        .collect();
    let mut seen: Vec<u64> = vec![0; plan.shared];
    let mut pending = Vec::new();
    loop {
        for deal in own.iter_mut() {
            let v = deal.version() as usize;
            let Some(step) = steps.get(v) else { continue };
            let events = deal
                .execute(&process, &step.command, &step.actor, step.at)
                .unwrap();
            pending.push(Append {
                deal: deal.id().clone(),
                expected: v as u64,
                events,
            });
            if pending.len() >= plan.batch {
                let written = store.append_batch(std::mem::take(&mut pending)).unwrap();
                report.ack(&written);
            }
        }
        if !pending.is_empty() {
            let written = store.append_batch(std::mem::take(&mut pending)).unwrap();
            report.ack(&written);
        }
        for (j, version) in seen.iter_mut().enumerate() {
            let deal = shared_deal(j);
            let Some(step) = steps.get(*version as usize) else {
                continue;
            };
            report.attempts += 1;
            match store.execute(&deal, &envelope(step, Some(*version))) {
                Ok(done) => {
                    report.ack(std::slice::from_ref(&done.appended));
                    *version = done.deal.version();
                }
                Err(StoreError::Conflict { actual, .. }) => {
                    report.conflicts += 1;
                    *version = actual;
                }
                Err(e) => panic!("writer {}: {e}", plan.writer),
            }
        }
        let own_done = own.iter().all(|d| d.version() as usize == steps.len());
        let shared_done = seen.iter().all(|&v| v as usize == steps.len());
        if own_done && shared_done {
            return report;
        }
    }
}

/// The store after the writers: everything verifies, every deal reached cash, every
/// acknowledged event is stored as acknowledged, and on every shared deal the events
/// acknowledged across writers are exactly the deal's events (no lost and no double append).
/// `extra` deals (beyond the plans') are in the reports, acknowledged whole.
fn check(db: &Db, plans: &[Plan], reports: &[Report], extra: usize) {
    let store = db.open();
    let verified = store.verify_all().unwrap();
    assert!(verified.is_ok(), "{:?}", verified.failures);
    let len = script().len() as u64;
    let writers = plans.len();
    let own: usize = plans.iter().map(|p| p.own).sum::<usize>() + extra;
    let shared = plans.first().map_or(0, |p| p.shared);
    assert_eq!(verified.deals as usize, own + shared);
    assert_eq!(verified.events, len * (own + shared) as u64);
    let logs: BTreeMap<DealId, Vec<ltc_pipeline::StoredEvent>> =
        store.logs().collect::<Result<_, _>>().unwrap();
    let mut per_deal: BTreeMap<DealId, u64> = BTreeMap::new();
    for report in reports {
        for (deal, version, hash) in &report.acked {
            let log = &logs[deal];
            assert_eq!(log[*version as usize - 1].hash, *hash, "{deal} v{version}");
            *per_deal.entry(deal.clone()).or_default() += 1;
        }
        assert_eq!(report.attempts, report.conflicts + report.acked_shared());
    }
    for (deal, log) in &logs {
        assert_eq!(log.len() as u64, len, "{deal}");
        assert_eq!(per_deal[deal], len, "{deal}: acknowledged events");
    }
    let positions: Vec<u64> = store
        .read_stream(0, usize::MAX >> 1)
        .unwrap()
        .iter()
        .map(|r| r.position)
        .collect();
    assert_eq!(
        positions,
        (1..=len * (own + shared) as u64).collect::<Vec<_>>()
    );
    let conflicts: u64 = reports.iter().map(|r| r.conflicts).sum();
    eprintln!(
        "{writers} writers on {:?}: {} deals, {} events, {conflicts} conflicts reported",
        db.kind,
        own + shared,
        verified.events
    );
}

impl Report {
    fn acked_shared(&self) -> u64 {
        self.acked
            .iter()
            .filter(|(deal, ..)| deal.as_str().starts_with("S-"))
            .count() as u64
    }
}

fn plans(writers: usize, own: usize, shared: usize, batch: usize) -> Vec<Plan> {
    (0..writers)
        .map(|writer| Plan {
            writer,
            own,
            shared,
            batch,
        })
        .collect()
}

/// Writers on threads, each with its own connection; first a race every writer is made to
/// lose but one, round after round.
fn threads(db: &Db, writers: usize, own: usize, shared: usize) {
    let rounds = 5;
    let race = id("R-0");
    let barrier = Arc::new(Barrier::new(writers));
    let plans = plans(writers, own, shared, 50);
    let reports: Vec<(Report, u64)> = std::thread::scope(|scope| {
        let handles: Vec<_> = plans
            .iter()
            .map(|&plan| {
                let barrier = Arc::clone(&barrier);
                let race = race.clone();
                scope.spawn(move || {
                    let mut store = db.open();
                    let steps = script();
                    let mut lost = 0;
                    for round in 0..rounds {
                        // Everybody sees the same version, then everybody appends on it.
                        barrier.wait();
                        let version = store.summary(&race).unwrap().map_or(0, |s| s.version);
                        assert_eq!(version, round);
                        barrier.wait();
                        let step = &steps[round as usize];
                        match store.execute(&race, &envelope(step, Some(version))) {
                            Ok(_) => {}
                            Err(StoreError::Conflict {
                                expected, actual, ..
                            }) => {
                                assert_eq!((expected, actual), (round, round + 1));
                                lost += 1;
                            }
                            Err(e) => panic!("{e}"),
                        }
                    }
                    barrier.wait();
                    (write(&mut store, plan), lost)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let lost: u64 = reports.iter().map(|(_, lost)| lost).sum();
    assert_eq!(
        lost,
        rounds * (writers as u64 - 1),
        "exactly one writer wins each round"
    );
    // The race deal is finished lead to cash, so that the check below covers it like the others.
    let store = db.open();
    for step in script().iter().skip(rounds as usize) {
        store.execute(&race, &envelope(step, None)).unwrap();
    }
    let mut all: Vec<Report> = reports.into_iter().map(|(r, _)| r).collect();
    let mut race_report = Report::default();
    for (i, e) in store.log(&race).unwrap().iter().enumerate() {
        race_report.acked.push((race.clone(), i as u64 + 1, e.hash));
    }
    all.push(race_report);
    check(db, &plans, &all, 1);
}

/// Runs this test binary again as a writer process (see `writer_process`).
fn spawn_writer(db: &Db, mode: &str, plan: Plan) -> std::process::Child {
    Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "writer_process",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(
            "LTC_STORE_WRITER",
            format!(
                "{mode}|{}|{}|{}|{}|{}",
                plan.writer, plan.own, plan.shared, plan.batch, db.location
            ),
        )
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap()
}

fn parse_ack(line: &str) -> Option<(DealId, u64, Digest)> {
    let mut parts = line.strip_prefix("ack ")?.split(' ');
    let deal = DealId::new(parts.next()?);
    let version = parts.next()?.parse().ok()?;
    let hash = parts.next()?.parse().ok()?;
    Some((deal, version, hash))
}

fn read_report(child: std::process::Child) -> Report {
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "a writer process failed");
    let text = String::from_utf8(output.stdout).unwrap();
    let mut report = Report::default();
    for line in text.lines() {
        if let Some(ack) = parse_ack(line) {
            report.acked.push(ack);
        } else if let Some(rest) = line.strip_prefix("shared ") {
            let (attempts, conflicts) = rest.split_once(' ').unwrap();
            report.attempts = attempts.parse().unwrap();
            report.conflicts = conflicts.parse().unwrap();
        }
    }
    report
}

/// Reads the stream as a projection does while the writers run: from the last position it saw,
/// page after page, until `done` and nothing more to read.
fn tail(db: &Db, done: &AtomicBool) -> Vec<ltc_store::Record> {
    let store = db.open();
    let mut seen = Vec::new();
    let mut after = 0;
    loop {
        let finished = done.load(Ordering::SeqCst);
        let page = store.read_stream(after, 200).unwrap();
        match page.last() {
            Some(last) => after = last.position,
            None if finished => return seen,
            None => std::thread::sleep(std::time::Duration::from_millis(1)),
        }
        seen.extend(page);
    }
}

/// Writers in processes of their own, and a reader tailing the stream while they write: it
/// misses nothing (every event committed after it moved past a position has a larger one).
fn processes(db: &Db, writers: usize, own: usize, shared: usize) {
    drop(db.open()); // the schema, before the writers race to create it
    let plans = plans(writers, own, shared, 50);
    let done = AtomicBool::new(false);
    let (reports, tailed) = std::thread::scope(|scope| {
        let reader = scope.spawn(|| tail(db, &done));
        let children: Vec<_> = plans
            .iter()
            .map(|&plan| spawn_writer(db, "write", plan))
            .collect();
        let reports: Vec<Report> = children.into_iter().map(read_report).collect();
        done.store(true, Ordering::SeqCst);
        (reports, reader.join().unwrap())
    });
    check(db, &plans, &reports, 0);
    let all = db.open().read_stream(0, usize::MAX >> 1).unwrap();
    assert_eq!(tailed.len(), all.len(), "the tailing reader missed events");
    assert!(tailed == all);
}

/// A writer process killed with SIGKILL just after it began a batch, three times over: the
/// store verifies, and keeps every event the writer was told it had written.
fn killed(db: &Db) {
    drop(db.open());
    let mut acked = Vec::new();
    for round in 0..3 {
        let plan = Plan {
            writer: round,
            own: 0,
            shared: 0,
            batch: 0,
        };
        let mut child = spawn_writer(db, "kill", plan);
        let stdout = child.stdout.take().unwrap();
        let mut begun = 0;
        for line in BufReader::new(stdout).lines() {
            let line = line.unwrap();
            if let Some(ack) = parse_ack(&line) {
                acked.push(ack);
            } else if line == "begin" {
                begun += 1;
                if begun == 3 + round {
                    child.kill().unwrap(); // SIGKILL
                    break;
                }
            }
        }
        let status = child.wait().unwrap();
        assert!(!status.success(), "the writer was killed");
        let store = db.open();
        let verified = store.verify_all().unwrap();
        assert!(verified.is_ok(), "{:?}", verified.failures);
        let logs: BTreeMap<DealId, Vec<ltc_pipeline::StoredEvent>> =
            store.logs().collect::<Result<_, _>>().unwrap();
        for (deal, version, hash) in &acked {
            assert_eq!(logs[deal][*version as usize - 1].hash, *hash);
        }
        // Nothing partial: every stored deal is whole (a batch holds whole deals).
        for (deal, log) in &logs {
            assert_eq!(log.len(), script().len(), "{deal}");
        }
        assert!(!acked.is_empty());
    }
}

/// The writer process: runs only when `LTC_STORE_WRITER` says how (this binary run again).
#[test]
fn writer_process() {
    let Ok(spec) = std::env::var("LTC_STORE_WRITER") else {
        return;
    };
    let mut parts = spec.splitn(6, '|');
    let mode = parts.next().unwrap().to_owned();
    let mut number = || parts.next().unwrap().parse::<usize>().unwrap();
    let plan = Plan {
        writer: number(),
        own: number(),
        shared: number(),
        batch: number(),
    };
    let location = parts.next().unwrap();
    let mut store = Store::open(location).unwrap();
    let mut out = std::io::stdout().lock();
    // The test harness has begun a line of its own ("test writer_process ... ").
    writeln!(out).unwrap();
    if mode == "kill" {
        // Batches of 20 whole deals (820 events) until killed; each acknowledged once committed.
        let steps = script();
        let process = Process::standard();
        for n in 0.. {
            let batch: Vec<Append> = (0..20)
                .map(|i| {
                    let mut deal = Deal::new(DealId::new(format!("K{}-{n}-{i}", plan.writer)));
                    let events = steps
                        .iter()
                        .flat_map(|s| deal.execute(&process, &s.command, &s.actor, s.at).unwrap())
                        .collect();
                    Append {
                        deal: deal.id().clone(),
                        expected: 0,
                        events,
                    }
                })
                .collect();
            writeln!(out, "begin").unwrap();
            out.flush().unwrap();
            let written = store.append_batch(batch).unwrap();
            for a in &written {
                for e in &a.events {
                    writeln!(out, "ack {} {} {}", a.deal, e.event.version, e.hash).unwrap();
                }
            }
            out.flush().unwrap();
        }
        return;
    }
    let report = write(&mut store, plan);
    for (deal, version, hash) in &report.acked {
        writeln!(out, "ack {deal} {version} {hash}").unwrap();
    }
    writeln!(out, "shared {} {}", report.attempts, report.conflicts).unwrap();
}

macro_rules! on_each_backend {
    ($($name:ident => $body:expr),* $(,)?) => {
        mod sqlite {
            use super::*;
            $(#[test]
            fn $name() {
                let run: fn(&Db) = $body;
                run(&Db::sqlite());
            })*
        }
        mod postgres {
            use super::*;
            $(#[test]
            fn $name() {
                let run: fn(&Db) = $body;
                if let Some(db) = Db::postgres() {
                    run(&db);
                }
            })*
        }
    };
}

on_each_backend!(
    four_writer_threads_with_conflicts => |db| threads(db, 4, 3, 2),
    three_writer_processes_with_conflicts => |db| processes(db, 3, 3, 2),
    a_writer_killed_in_a_batch_leaves_a_store_that_verifies => killed,
);

/// The longer run: 8 threads and 8 processes, 20 deals each, 4 shared.
#[test]
#[ignore = "a longer load run; run with --ignored"]
fn longer_load_on_each_backend() {
    let mut dbs = vec![Db::sqlite(), Db::sqlite()];
    dbs.extend(Db::postgres());
    dbs.extend(Db::postgres());
    for (i, db) in dbs.iter().enumerate() {
        if i % 2 == 0 {
            threads(db, 8, 20, 4);
        } else {
            processes(db, 8, 20, 4);
        }
    }
}
