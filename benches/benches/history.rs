//! Group 7, history: what the next commands cost on a deal with 10, 1,000 and 30,000 invoices,
//! milestones, open conditions, stints or reworks behind it (flat when no command's cost grows
//! with the deal's history), and recording one decision with that many conditions; beside the
//! hashed map the records are kept in, and an ordered map, alone.
#![allow(clippy::expect_used)] // Fixtures are built before timing starts; a broken fixture should stop the run.

use criterion::{criterion_group, criterion_main, BatchSize, BenchmarkId, Criterion, Throughput};
use ltc_benches::history::{Copies, Family, History};
use ltc_pipeline::{InvoiceId, Process};
use std::collections::BTreeMap;
use std::hint::black_box;
use std::time::{Duration, Instant};

/// Items of the family each timed run adds (or, for conditions, closes).
const NEXT: usize = 10;
const DEPTHS: [usize; 3] = [10, 1_000, 30_000];

fn history(c: &mut Criterion) {
    let process = Process::standard();
    let mut group = c.benchmark_group("history");
    for family in Family::ALL {
        for n in DEPTHS {
            let base = History::new(family, n).expect("the history builds");
            let events = base.clone().next(NEXT).len();
            group.throughput(Throughput::Elements(events as u64));
            // The deal is copied outside the timing, and used again until its history has grown
            // (or, for conditions, its open conditions shrunk) by a tenth of `n`, or by 10 items
            // on the smallest deal, so the depth measured stays about `n`.
            group.bench_function(BenchmarkId::new(family.name(), n), |b| {
                b.iter_custom(|iters| {
                    let mut total = Duration::ZERO;
                    let mut copies = Copies::new(base.clone(), n, NEXT);
                    for _ in 0..iters {
                        let (history, _) = copies.take();
                        let steps = history.next(NEXT);
                        let start = Instant::now();
                        history.run(&process, black_box(&steps)).expect("accepted");
                        total += start.elapsed();
                    }
                    drop(copies);
                    total
                });
            });
        }
    }
    // The baselines: the map the records are kept in (hashed, keys of shared text as the ids
    // are), and the ordered map they were kept in before, each on its own: per item, a look-up
    // that misses, an insert and a look-up that finds, 10 new keys each run on a map of `n`.
    for n in DEPTHS {
        let base: Records = (0..n)
            .map(|i| (InvoiceId::new(format!("INV-{i}")), 1))
            .collect();
        baseline(&mut group, "records", n, base, |map, key| {
            if !map.contains_key(key) {
                map.insert(key.clone(), 1);
            }
            black_box(map.get(key));
        });
    }
    for n in DEPTHS {
        let base: BTreeMap<InvoiceId, u64> = (0..n)
            .map(|i| (InvoiceId::new(format!("INV-{i}")), 1))
            .collect();
        baseline(&mut group, "ordered_map", n, base, |map, key| {
            if !map.contains_key(key) {
                map.insert(key.clone(), 1);
            }
            black_box(map.get(key));
        });
    }
    // One decision recording `n` conditions: the cost per condition.
    for n in DEPTHS {
        // A deal in solution work, its review not yet convened.
        let base = History::new(Family::Reworks, 0).expect("the history builds");
        let mut steps = base.approve_with_conditions(n);
        let decision = steps.pop().expect("the review ends with its decision");
        let mut convened = base.clone();
        convened.run(&process, &steps).expect("accepted");
        group.throughput(Throughput::Elements(n as u64));
        group.bench_function(BenchmarkId::new("decision_with_conditions", n), |b| {
            b.iter_batched(
                || convened.deal.clone(),
                |mut deal| {
                    deal.execute(&process, &decision.command, &decision.actor, decision.at)
                        .expect("accepted");
                    deal
                },
                BatchSize::LargeInput,
            );
        });
    }
    group.finish();
}

/// The hashed map of `ltc_pipeline::Records`, with its fixed-seed hasher.
type Records = indexmap::IndexMap<InvoiceId, u64, foldhash::fast::FixedState>;

/// Times `op` on 10 new keys at a time on a copy of `base` (of `n` keys), the copy replaced once
/// it has grown by a tenth (dropped after the timed runs, as the deals are).
fn baseline<M: Clone>(
    group: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    name: &str,
    n: usize,
    base: M,
    op: impl Fn(&mut M, &InvoiceId),
) {
    group.throughput(Throughput::Elements(NEXT as u64));
    group.bench_function(BenchmarkId::new(name, n), |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            let mut copies = Copies::new(base.clone(), n, NEXT);
            for _ in 0..iters {
                let (map, added) = copies.take();
                let keys: Vec<InvoiceId> = (0..NEXT)
                    .map(|i| InvoiceId::new(format!("INV-{}", n + added + i)))
                    .collect();
                let start = Instant::now();
                for key in &keys {
                    op(map, key);
                }
                total += start.elapsed();
            }
            drop(copies);
            total
        });
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_millis(200))
        .measurement_time(Duration::from_millis(800));
    targets = history
}
criterion_main!(benches);
