//! Group 2, replay: rebuilding deals from stored events (`Deal::replay`) for 1, 1,000 and 100,000
//! deals from lead to cash, beside the floor machine replaying its own events for the same deals;
//! and the log's integrity (sealing, verifying the hash chain) beside replay of the same logs.
#![allow(clippy::expect_used)] // Fixtures are built before timing starts; a broken fixture should stop the run.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use ltc_benches::{fixtures, floor};
use ltc_pipeline::integrity::{self, Digest};
use ltc_pipeline::{Deal, Process};
use std::hint::black_box;
use std::time::Duration;

fn replay(c: &mut Criterion) {
    let process = Process::standard();
    let floor_script =
        floor::translate(&process, &fixtures::script()).expect("the floor models the script");
    let (_, floor_log) = floor::run(&floor_script).expect("the script is valid");

    let mut group = c.benchmark_group("replay");
    for deals in [1usize, 1_000, 100_000] {
        let logs = fixtures::full_logs(deals).expect("the script is valid");
        let events: usize = logs.iter().map(Vec::len).sum();
        let floor_logs: Vec<Vec<floor::Ev>> = (0..deals).map(|_| floor_log.clone()).collect();
        group.throughput(Throughput::Elements(events as u64));
        if deals >= 100_000 {
            group.sample_size(10);
        }
        group.bench_with_input(BenchmarkId::new("engine", deals), &logs, |b, logs| {
            b.iter(|| {
                for log in logs {
                    let id = log.first().map(|e| e.deal.clone()).expect("a log");
                    black_box(Deal::replay(id, &process, log).expect("the log is valid"));
                }
            });
        });
        group.bench_with_input(BenchmarkId::new("floor", deals), &floor_logs, |b, logs| {
            b.iter(|| {
                for log in logs {
                    black_box(floor::FloorDeal::replay(log).expect("the log is valid"));
                }
            });
        });
    }
    group.finish();

    // The log's integrity, measured on its own beside replay of the same logs: sealing (where a
    // host appends) and verifying the chain (on demand).
    let mut group = c.benchmark_group("integrity");
    let deals = 1_000;
    let logs = fixtures::full_logs(deals).expect("the script is valid");
    let events: usize = logs.iter().map(Vec::len).sum();
    let sealed: Vec<_> = logs
        .iter()
        .map(|log| integrity::seal(Digest::GENESIS, log.iter().cloned()))
        .collect();
    group.throughput(Throughput::Elements(events as u64));
    group.bench_with_input(BenchmarkId::new("replay", deals), &logs, |b, logs| {
        b.iter(|| {
            for log in logs {
                let id = log.first().map(|e| e.deal.clone()).expect("a log");
                black_box(Deal::replay(id, &process, log).expect("the log is valid"));
            }
        });
    });
    group.bench_with_input(BenchmarkId::new("seal", deals), &logs, |b, logs| {
        b.iter(|| {
            for log in logs {
                black_box(integrity::seal(Digest::GENESIS, log.iter().cloned()));
            }
        });
    });
    group.bench_with_input(BenchmarkId::new("verify", deals), &sealed, |b, sealed| {
        b.iter(|| {
            for log in sealed {
                black_box(integrity::verify(log).expect("the log is intact"));
            }
        });
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3));
    targets = replay
}
criterion_main!(benches);
