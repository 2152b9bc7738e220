//! Group 4, split: `split` of 1,000,000.00 among 10 to 1,000,000 members over three roles, with time
//! proration and a holdback; and a cash-based payout of 12 tranches for 100 members (`tranches`).
#![allow(clippy::expect_used)] // Fixtures are built before timing starts; a broken fixture should stop the run.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use ltc_benches::fixtures;
use ltc_incentive::{split, tranches};
use std::hint::black_box;
use std::time::Duration;

fn splits(c: &mut Criterion) {
    let mut group = c.benchmark_group("split");
    for n in [10usize, 1_000, 100_000, 1_000_000] {
        let request = fixtures::split_request(n);
        group.throughput(Throughput::Elements(n as u64));
        if n >= 100_000 {
            group.sample_size(10);
        }
        group.bench_with_input(BenchmarkId::new("ltc", n), &request, |b, r| {
            b.iter(|| split(black_box(r)).expect("valid"));
        });
    }
    group.finish();

    let (request, rule, payments) = fixtures::payout(100);
    let mut group = c.benchmark_group("payout");
    group.throughput(Throughput::Elements(payments.len() as u64));
    group.bench_function(BenchmarkId::new("ltc", "12_tranches_100_members"), |b| {
        b.iter(|| tranches(black_box(&request), &rule, &payments).expect("valid"));
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(2));
    targets = splits
}
criterion_main!(benches);
