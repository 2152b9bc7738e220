//! Group 1, deciding: a whole deal from lead to cash under the standard process, each command
//! decided and applied (`Deal::execute`), beside the hand-written floor machine doing the same.
#![allow(clippy::expect_used)] // Fixtures are built before timing starts; a broken fixture should stop the run.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use ltc_benches::{fixtures, floor};
use ltc_pipeline::{Deal, DealId, Process};
use std::hint::black_box;
use std::time::Duration;

fn deciding(c: &mut Criterion) {
    let process = Process::standard();
    let steps = fixtures::script();
    let floor_script = floor::translate(&process, &steps).expect("the floor models the script");
    let id = DealId::new("D-0000001");

    let mut group = c.benchmark_group("deciding");
    group.throughput(Throughput::Elements(steps.len() as u64));
    group.bench_function(BenchmarkId::new("engine", "full_deal"), |b| {
        b.iter(|| {
            let mut deal = Deal::new(id.clone());
            for step in &steps {
                let events = deal
                    .execute(&process, &step.command, &step.actor, step.at)
                    .expect("the script is valid");
                black_box(events);
            }
            deal
        });
    });
    group.bench_function(BenchmarkId::new("floor", "full_deal"), |b| {
        b.iter(|| {
            let mut deal = floor::FloorDeal::new();
            for (actor, at, cmd) in &floor_script {
                let event = deal.execute(*actor, *at, cmd).expect("the script is valid");
                black_box(event);
            }
            deal
        });
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(30)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    targets = deciding
}
criterion_main!(benches);
