//! Group 3, allocation: `allocate` of 9,876,543.21 by 10 to 1,000,000 integer weights, beside the
//! naive `f64` version (the speed floor, which loses cents) and rusty-money's `allocate` on the
//! same amount and weights.
#![allow(clippy::expect_used)] // Fixtures are built before timing starts; a broken fixture should stop the run.

use criterion::{criterion_group, criterion_main, BatchSize, BenchmarkId, Criterion, Throughput};
use ltc_benches::{fixtures, naive};
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;
use rusty_money::{iso, Money};
use std::hint::black_box;
use std::time::Duration;

fn allocation(c: &mut Criterion) {
    let amount = fixtures::amount();
    let amount_f64 = amount.to_f64().expect("a small amount");
    let money = Money::from_decimal(amount, iso::EUR);

    let mut group = c.benchmark_group("allocate");
    for n in [10usize, 1_000, 100_000, 1_000_000] {
        let weights = fixtures::weights(n);
        let decimals: Vec<Decimal> = weights.iter().map(|w| Decimal::from(*w)).collect();
        let floats: Vec<f64> = weights.iter().map(|w| f64::from(*w)).collect();
        group.throughput(Throughput::Elements(n as u64));
        if n >= 100_000 {
            group.sample_size(10);
        }
        group.bench_with_input(BenchmarkId::new("ltc", n), &decimals, |b, w| {
            b.iter(|| ltc_incentive::allocate(amount, black_box(w), 2).expect("valid"));
        });
        group.bench_with_input(BenchmarkId::new("f64", n), &floats, |b, w| {
            b.iter(|| naive::allocate_f64(amount_f64, black_box(w)));
        });
        // rusty-money takes its weights by value: the copy is made outside the timing.
        group.bench_with_input(BenchmarkId::new("rusty-money", n), &weights, |b, w| {
            b.iter_batched(
                || w.clone(),
                |w| money.allocate(w).expect("valid"),
                BatchSize::LargeInput,
            );
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(2));
    targets = allocation
}
criterion_main!(benches);
