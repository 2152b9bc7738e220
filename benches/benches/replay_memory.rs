//! Group 2, memory: what a replay allocates per event, counted by a global allocator
//! (`stats_alloc`), beside the floor machine and beside deciding. Prints a table; times nothing.
//!
//! "Kept" is what is still allocated once the replayed deals are built (the state's own growth);
//! "freed" is what was allocated and given back during the replay (transient work).
#![allow(clippy::expect_used)] // Fixtures are built before counting starts; a broken fixture should stop the run.

use ltc_benches::{fixtures, floor};
use ltc_pipeline::{Deal, Process};
use stats_alloc::{Region, StatsAlloc, INSTRUMENTED_SYSTEM};
use std::alloc::System;
use std::hint::black_box;

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

const DEALS: usize = 1_000;

fn row(what: &str, events: usize, stats: stats_alloc::Stats) {
    let per = |x: f64| x / events as f64;
    let allocated = stats.bytes_allocated as f64 + stats.bytes_reallocated.max(0) as f64;
    let freed = stats.bytes_deallocated as f64;
    println!(
        "| {what} | {events} | {:.2} | {:.2} | {:.1} | {:.1} | {:.1} |",
        per((stats.allocations) as f64),
        per(stats.reallocations as f64),
        per(allocated),
        per(allocated - freed),
        per(freed),
    );
}

fn main() {
    let process = Process::standard();
    let steps = fixtures::script();
    let logs = fixtures::full_logs(DEALS).expect("the script is valid");
    let ids: Vec<_> = logs
        .iter()
        .map(|l| l.first().map(|e| e.deal.clone()).expect("a log"))
        .collect();
    let events: usize = logs.iter().map(Vec::len).sum();
    let floor_script = floor::translate(&process, &steps).expect("the floor models the script");
    let (_, floor_log) = floor::run(&floor_script).expect("the script is valid");
    let floor_logs: Vec<Vec<floor::Ev>> = (0..DEALS).map(|_| floor_log.clone()).collect();

    println!("| what | events | allocations / event | reallocations / event | bytes / event | kept bytes / event | freed bytes / event |");
    println!("| --- | ---: | ---: | ---: | ---: | ---: | ---: |");

    // Engine replay: the deals are kept, so what stays allocated is their state.
    let mut deals = Vec::with_capacity(DEALS);
    let region = Region::new(GLOBAL);
    for (id, log) in ids.iter().zip(&logs) {
        deals.push(Deal::replay(id.clone(), &process, log).expect("the log is valid"));
    }
    let stats = region.change();
    row("engine replay", events, stats);
    black_box(&deals);
    drop(deals);

    // The floor machine replaying the same deals.
    let mut floor_deals = Vec::with_capacity(DEALS);
    let region = Region::new(GLOBAL);
    for log in &floor_logs {
        floor_deals.push(floor::FloorDeal::replay(log).expect("the log is valid"));
    }
    row("floor replay", events, region.change());
    black_box(&floor_deals);
    drop(floor_deals);

    // Deciding: decide + apply of every command, the events dropped (a host would store them).
    let mut deals = Vec::with_capacity(DEALS);
    let region = Region::new(GLOBAL);
    for id in &ids {
        let mut deal = Deal::new(id.clone());
        for step in &steps {
            black_box(
                deal.execute(&process, &step.command, &step.actor, step.at)
                    .expect("the script is valid"),
            );
        }
        deals.push(deal);
    }
    row(
        "engine decide + apply",
        DEALS * steps.len(),
        region.change(),
    );
    black_box(&deals);
}
