//! Group 5, analytics: the funnel and what is due, as of `now`, over 100,000 deals at every point
//! of the pipeline (about 2.3 million events), beside a single pass that only counts the events.
#![allow(clippy::expect_used)] // Fixtures are built before timing starts; a broken fixture should stop the run.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use ltc_analytics::{Filter, Settings, Snapshot};
use ltc_benches::{fixtures, naive};
use ltc_pipeline::Process;
use std::hint::black_box;
use std::time::Duration;

const DEALS: usize = 100_000;

fn analytics(c: &mut Criterion) {
    let process = Process::standard();
    let logs = fixtures::mixed_logs(DEALS).expect("the script is valid");
    let events: usize = logs.iter().map(Vec::len).sum();
    let now = fixtures::now();
    let settings = Settings::default();
    let all = Filter::default();
    let snapshot = Snapshot::new(&logs, &process, now).expect("valid logs");

    let mut group = c.benchmark_group("analytics");
    group.sample_size(10);
    group.throughput(Throughput::Elements(events as u64));
    group.bench_function(BenchmarkId::new("count_only", DEALS), |b| {
        b.iter(|| naive::count_events(black_box(&logs)));
    });
    group.bench_function(BenchmarkId::new("funnel_from_logs", DEALS), |b| {
        b.iter(|| {
            Snapshot::new(black_box(&logs), &process, now)
                .and_then(|s| s.funnel(&all))
                .expect("valid")
        });
    });
    group.bench_function(BenchmarkId::new("due_from_logs", DEALS), |b| {
        b.iter(|| {
            Snapshot::new(black_box(&logs), &process, now)
                .and_then(|s| s.due(&settings, &all))
                .expect("valid")
        });
    });
    group.bench_function(BenchmarkId::new("snapshot", DEALS), |b| {
        b.iter(|| Snapshot::new(black_box(&logs), &process, now).expect("valid"));
    });
    group.bench_function(BenchmarkId::new("funnel", DEALS), |b| {
        b.iter(|| black_box(&snapshot).funnel(&all).expect("valid"));
    });
    group.bench_function(BenchmarkId::new("due", DEALS), |b| {
        b.iter(|| black_box(&snapshot).due(&settings, &all).expect("valid"));
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(4));
    targets = analytics
}
criterion_main!(benches);
