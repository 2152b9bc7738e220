//! The store under load: commands and deals per second for 1, 2, 4 and 8 writers on each
//! backend, with the append latency's p50 and p99, and the peer store (`benches/peer`, cqrs-es's
//! `postgres-es`) appending the same events on the same PostgreSQL in the same run.
//!
//! A bounded load driver, not a criterion bench: every writer is a thread (a request handler),
//! all of them sharing one store handle as a service shares its store, driving deals of its own
//! from lead to cash (the 41-command script), each command decided by the engine in the writer's
//! loop and appended (the store groups the appends that wait at once into one transaction):
//!
//! - `batched`: 100 commands of the writer's deals per append (one transaction, one durable
//!   commit), the way a host reaches its throughput;
//! - `per command`: one append (one transaction) per command, the way the peer appends.
//!
//! Latency is the time of one append call (a whole batch for `batched`). PostgreSQL is
//! `LTC_TEST_POSTGRES_URL` or a throw-away cluster with default settings (`fsync` and
//! `synchronous_commit` on); SQLite is a file in the temporary folder (WAL, `synchronous =
//! FULL`). `LTC_BENCH_SCALE=n` multiplies the deals; `LTC_BENCH_PEER=0` leaves the peer out.
//!
//! `cargo bench -p ltc-benches --bench store`
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // A broken run should stop.

use ltc_pipeline::strategies::lead_to_cash;
use ltc_pipeline::{Deal, DealId, Process};
use ltc_store::blocking::Store;
use ltc_store::testing::TestServer;
use ltc_store::Append;
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

const WRITERS: [usize; 4] = [1, 2, 4, 8];
const BATCH: usize = 100;

struct Measured {
    commands: usize,
    deals: usize,
    elapsed: Duration,
    p50: Duration,
    p99: Duration,
}

/// The `q` quantile of sorted latencies.
fn quantile(sorted: &[Duration], q: f64) -> Duration {
    let i = ((sorted.len() as f64 * q) as usize).min(sorted.len().saturating_sub(1));
    sorted.get(i).copied().unwrap_or_default()
}

impl Measured {
    fn per_second(&self, n: usize) -> f64 {
        n as f64 / self.elapsed.as_secs_f64()
    }
}

/// How a writer appends.
#[derive(Clone, Copy)]
enum Shape {
    /// `n` commands per append, across the writer's deals.
    Batch(usize),
    /// A deal's whole script in one append.
    PerDeal,
}

/// One writer's deals, lead to cash.
fn write(store: &Store, writer: usize, deals: usize, shape: Shape) -> Vec<Duration> {
    let process = Process::standard();
    let script = lead_to_cash();
    let mut own: Vec<Deal> = (0..deals)
        .map(|i| Deal::new(DealId::new(format!("W{writer}-{i}"))))
        .collect();
    let mut latencies = Vec::new();
    let batch = match shape {
        Shape::Batch(n) => n,
        Shape::PerDeal => script.len(),
    };
    let mut pending = Vec::with_capacity(batch);
    let mut flush = |store: &Store, pending: &mut Vec<Append>| {
        let began = Instant::now();
        store.append_batch(std::mem::take(pending)).unwrap();
        latencies.push(began.elapsed());
    };
    if let Shape::PerDeal = shape {
        for deal in own.iter_mut() {
            let events = script
                .iter()
                .flat_map(|s| deal.execute(&process, &s.command, &s.actor, s.at).unwrap())
                .collect();
            let append = Append {
                deal: deal.id().clone(),
                expected: 0,
                events,
            };
            flush(store, &mut vec![append]);
        }
        return latencies;
    }
    for step in &script {
        for deal in own.iter_mut() {
            let expected = deal.version();
            let events = deal
                .execute(&process, &step.command, &step.actor, step.at)
                .unwrap();
            pending.push(Append {
                deal: deal.id().clone(),
                expected,
                events,
            });
            if pending.len() >= batch {
                flush(store, &mut pending);
            }
        }
    }
    if !pending.is_empty() {
        flush(store, &mut pending);
    }
    latencies
}

fn run(location: &str, writers: usize, deals: usize, shape: Shape) -> Measured {
    let per_writer = deals / writers;
    let barrier = Arc::new(Barrier::new(writers + 1));
    let shared = Store::open(location).unwrap();
    let (elapsed, latencies) = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..writers)
            .map(|w| {
                let barrier = Arc::clone(&barrier);
                let store = shared.clone();
                scope.spawn(move || {
                    barrier.wait();
                    write(&store, w, per_writer, shape)
                })
            })
            .collect();
        barrier.wait();
        let start = Instant::now();
        let latencies: Vec<Duration> = handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect();
        (start.elapsed(), latencies)
    });
    let mut latencies = latencies;
    latencies.sort();
    Measured {
        commands: per_writer * writers * lead_to_cash().len(),
        deals: per_writer * writers,
        elapsed,
        p50: quantile(&latencies, 0.50),
        p99: quantile(&latencies, 0.99),
    }
}

/// The peer on the same server, in a database of its own.
fn peer(server: &TestServer, writers: usize, deals: usize, mode: &str) -> Result<Measured, String> {
    let manifest = concat!(env!("CARGO_MANIFEST_DIR"), "/peer/Cargo.toml");
    let url = server.fresh_database().map_err(|e| e.to_string())?;
    let per_writer = (deals / writers).to_string();
    let output = std::process::Command::new(env!("CARGO"))
        .args([
            "run",
            "--release",
            "--quiet",
            "--manifest-path",
            manifest,
            "--",
        ])
        .args([url.as_str(), &writers.to_string(), &per_writer, mode])
        .output()
        .map_err(|e| e.to_string())?;
    if !output.status.success() {
        return Err(String::from_utf8_lossy(&output.stderr).into_owned());
    }
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    let field = |name: &str| -> Result<f64, String> {
        text.split_whitespace()
            .find_map(|kv| kv.strip_prefix(name)?.strip_prefix('='))
            .and_then(|v| v.parse().ok())
            .ok_or_else(|| format!("no {name} in `{text}`"))
    };
    let micros = |v: f64| Duration::from_micros(v as u64);
    Ok(Measured {
        commands: field("commands")? as usize,
        deals: field("deals")? as usize,
        elapsed: Duration::from_secs_f64(field("seconds")?),
        p50: micros(field("p50_us")?),
        p99: micros(field("p99_us")?),
    })
}

/// A deal of `history` events: captured, then a member joining and leaving in turn.
fn long_deal(store: &Store, id: &str, history: usize) -> DealId {
    let process = Process::standard();
    let at = chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, 2026, 1, 5, 9, 0, 0).unwrap();
    let mut deal = Deal::new(DealId::new(id));
    let mut events = deal
        .execute(
            &process,
            &ltc_pipeline::Command::capture_lead("ACME", "web", None),
            &"ops".into(),
            at,
        )
        .unwrap();
    for i in 1..history {
        let command = member(i);
        events.extend(deal.execute(&process, &command, &"ops".into(), at).unwrap());
    }
    store.append(deal.id(), 0, events).unwrap();
    deal.id().clone()
}

/// The `i`th command of a long deal: `p` joins on odd turns, leaves on even ones.
fn member(i: usize) -> ltc_pipeline::Command {
    if i % 2 == 1 {
        ltc_pipeline::Command::add_member("p", "SR", ltc_pipeline::Decimal::ONE)
    } else {
        ltc_pipeline::Command::remove_member("p", "SR")
    }
}

/// The median time of one `execute` on a deal of `history` events, after its first load.
fn command_on_history(location: &str, history: usize, commands: usize) -> Duration {
    let store = Store::open(location).unwrap();
    let id = long_deal(&store, &format!("H-{history}"), history);
    store.load(&id).unwrap();
    let at = chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, 2026, 1, 5, 9, 0, 0).unwrap();
    let mut times: Vec<Duration> = (history..history + commands)
        .map(|i| {
            let envelope = ltc_pipeline::Envelope::new("ops", at, member(i));
            let began = Instant::now();
            store.execute(&id, &envelope).unwrap();
            began.elapsed()
        })
        .collect();
    times.sort();
    quantile(&times, 0.5)
}

fn header() {
    println!(
        "| store | mode | writers | commands | commands/s | deals/s | append p50 | append p99 |"
    );
    println!("|---|---|---:|---:|---:|---:|---:|---:|");
}

fn row(store: &str, mode: &str, writers: usize, m: &Measured) {
    let (p50, p99) = (m.p50, m.p99);
    println!(
        "| {store} | {mode} | {writers} | {} | {:.0} | {:.1} | {:.2} ms | {:.2} ms |",
        m.commands,
        m.per_second(m.commands),
        m.per_second(m.deals),
        p50.as_secs_f64() * 1e3,
        p99.as_secs_f64() * 1e3,
    );
}

fn main() {
    // `cargo bench` passes `--bench`; this driver takes no arguments of its own.
    let scale: usize = std::env::var("LTC_BENCH_SCALE")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1);
    let with_peer = std::env::var("LTC_BENCH_PEER").map_or(true, |v| v != "0");
    // `LTC_BENCH_ONLY=command,history` runs only those sections (batched, command, deal, history).
    let only = std::env::var("LTC_BENCH_ONLY").unwrap_or_default();
    let runs = |section: &str| only.is_empty() || only.split(',').any(|s| s.trim() == section);
    let dir = tempfile_dir();
    let mut sqlite_n = 0;
    let mut sqlite = || {
        sqlite_n += 1;
        dir.join(format!("store-{sqlite_n}.db"))
            .to_str()
            .unwrap()
            .to_owned()
    };
    let server = TestServer::start().expect("a PostgreSQL server");
    let batched = 400 * scale;
    let single_sqlite = 40 * scale;
    let single_postgres = 80 * scale;

    if runs("batched") {
        println!("\nStore: batched appends ({BATCH} commands per transaction), {batched} deals\n");
        header();
        for writers in WRITERS {
            let m = run(&sqlite(), writers, batched, Shape::Batch(BATCH));
            row("ltc-store SQLite", "batched", writers, &m);
        }
        for writers in WRITERS {
            let url = server.fresh_database().unwrap();
            let m = run(&url, writers, batched, Shape::Batch(BATCH));
            row("ltc-store PostgreSQL", "batched", writers, &m);
        }
    }

    let mut ratios = Vec::new();
    let compare = |mode: &str, shape: Shape, deals: usize, ratios: &mut Vec<_>| {
        for writers in WRITERS {
            let url = server.fresh_database().unwrap();
            let ours = run(&url, writers, deals, shape);
            row("ltc-store PostgreSQL", mode, writers, &ours);
            if !with_peer {
                continue;
            }
            let peer_mode = if mode == "per deal" {
                "deal"
            } else {
                "command"
            };
            match peer(&server, writers, deals, peer_mode) {
                Ok(theirs) => {
                    row("postgres-es (peer)", mode, writers, &theirs);
                    let ratio = ours.per_second(ours.commands) / theirs.per_second(theirs.commands);
                    ratios.push((mode.to_owned(), writers, ratio));
                }
                Err(e) => println!("| postgres-es (peer) | not run: {} |", e.replace('\n', " ")),
            }
        }
    };
    if runs("command") {
        println!(
            "\nStore: one transaction per command ({single_sqlite} deals on SQLite, \
             {single_postgres} on PostgreSQL)\n"
        );
        header();
        for writers in WRITERS {
            let m = run(&sqlite(), writers, single_sqlite, Shape::Batch(1));
            row("ltc-store SQLite", "per command", writers, &m);
        }
        compare("per command", Shape::Batch(1), single_postgres, &mut ratios);
    }

    if runs("deal") {
        println!(
            "\nStore: one transaction per deal (41 commands), {batched} deals on PostgreSQL\n"
        );
        header();
        compare("per deal", Shape::PerDeal, batched, &mut ratios);
    }

    if runs("history") {
        println!("\nStore: one command on a deal of 40 events and of 10,000 (its state cached)\n");
        println!("| store | 40 events | 10,000 events | ratio |");
        println!("|---|---:|---:|---:|");
        let mut history_ratios = Vec::new();
        for (name, location) in [
            ("ltc-store SQLite", sqlite()),
            ("ltc-store PostgreSQL", server.fresh_database().unwrap()),
        ] {
            let short = command_on_history(&location, 40, 300);
            let long = command_on_history(&location, 10_000, 300);
            let ratio = long.as_secs_f64() / short.as_secs_f64();
            println!(
                "| {name} | {:.3} ms | {:.3} ms | {ratio:.2}x |",
                short.as_secs_f64() * 1e3,
                long.as_secs_f64() * 1e3
            );
            history_ratios.push((name, ratio));
        }
        for (name, ratio) in history_ratios {
            println!("- {name}, a command at 10,000 events / at 40: {ratio:.2}x");
        }
    }

    if !ratios.is_empty() {
        println!("\nltc-store / postgres-es, commands per second, same run, same server:\n");
        for (mode, writers, ratio) in ratios {
            println!("- {mode}, {writers} writers: {ratio:.2}x");
        }
    }
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
}

fn tempfile_dir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("ltc-bench-store-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
