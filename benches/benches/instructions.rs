//! Fixed work for an instruction count, which a shared machine does not disturb: run under
//! `valgrind --tool=callgrind` with one argument, `decide` (the lead-to-cash script decided and
//! applied for 100 deals), `replay` (200 stored logs replayed) or `floor-decide` /
//! `floor-replay` (the floor machine doing the same), or `history FAMILY N` (100 runs of the
//! history group's next 10 items on a deal of `N` items of `FAMILY`, `invoices`, `milestones`,
//! `conditions`, `stints` or `reworks`, counted in `measured`). Times nothing; prints what it did.
//!
//! Count only the work itself, not the fixtures, with callgrind's `--toggle-collect`:
//!
//! ```text
//! cargo bench -p ltc-benches --bench instructions --no-run
//! valgrind --tool=callgrind --toggle-collect='*Deal::replay*' \
//!     target/release/deps/instructions-<hash> replay
//! valgrind --tool=callgrind --toggle-collect='*Deal>::execute*' \
//!     target/release/deps/instructions-<hash> decide
//! valgrind --tool=callgrind --toggle-collect='*measured*' \
//!     target/release/deps/instructions-<hash> history conditions 30000
//! ```
#![allow(clippy::expect_used)] // Fixtures are built before counting starts; a broken fixture should stop the run.

use ltc_benches::history::{Copies, Family, History};
use ltc_benches::{fixtures, floor};
use ltc_pipeline::strategies::Step;
use ltc_pipeline::{Deal, DealId, Process};
use std::hint::black_box;

const DECIDED: usize = 100;
const REPLAYED: usize = 200;

fn main() {
    let what = std::env::args().nth(1).unwrap_or_default();
    let process = Process::standard();
    let steps = fixtures::script();
    match what.as_str() {
        "decide" => {
            let id = DealId::new("D-0000001");
            for _ in 0..DECIDED {
                let mut deal = Deal::new(id.clone());
                for step in &steps {
                    let events = deal
                        .execute(&process, &step.command, &step.actor, step.at)
                        .expect("the script is valid");
                    black_box(events);
                }
                black_box(deal);
            }
            println!("decided {} commands", DECIDED * steps.len());
        }
        "replay" => {
            let logs = fixtures::full_logs(REPLAYED).expect("the script is valid");
            for log in &logs {
                let id = log.first().map(|e| e.deal.clone()).expect("a log");
                black_box(Deal::replay(id, &process, log).expect("the log is valid"));
            }
            println!(
                "replayed {} events",
                logs.iter().map(Vec::len).sum::<usize>()
            );
        }
        "floor-decide" | "floor-replay" => {
            let script = floor::translate(&process, &steps).expect("the floor models the script");
            if what == "floor-decide" {
                for _ in 0..DECIDED {
                    let mut deal = floor::FloorDeal::new();
                    for (actor, at, cmd) in &script {
                        black_box(deal.execute(*actor, *at, cmd).expect("the script is valid"));
                    }
                    black_box(deal);
                }
                println!("decided {} commands", DECIDED * script.len());
            } else {
                let (_, log) = floor::run(&script).expect("the script is valid");
                let logs: Vec<Vec<floor::Ev>> = (0..REPLAYED).map(|_| log.clone()).collect();
                for log in &logs {
                    black_box(floor::FloorDeal::replay(log).expect("the log is valid"));
                }
                println!("replayed {} events", REPLAYED * log.len());
            }
        }
        "history" => history(&process),
        // `cargo bench` runs every bench target with `--bench`: nothing to count then.
        _ => eprintln!("instructions: give decide, replay, floor-decide or floor-replay"),
    }
}

/// The steps run on the deal: the only work counted in `history` mode.
#[inline(never)]
fn measured(history: &mut History, process: &Process, steps: &[Step]) {
    history.run(process, black_box(steps)).expect("accepted");
}

fn history(process: &Process) {
    let mut args = std::env::args().skip(2);
    let name = args.next().unwrap_or_default();
    let n: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(10);
    let Some(family) = Family::ALL.into_iter().find(|f| f.name() == name) else {
        eprintln!("instructions history: give a family (invoices, milestones, conditions, stints, reworks) and a size");
        return;
    };
    const NEXT: usize = 10;
    const RUNS: usize = 100;
    let base = History::new(family, n).expect("the history builds");
    let mut copies = Copies::new(base, n, NEXT);
    let mut events = 0;
    for _ in 0..RUNS {
        let (current, _) = copies.take();
        let steps = current.next(NEXT);
        events += steps.len();
        measured(current, process, &steps);
    }
    drop(copies);
    println!("{events} events on a deal of {n} {name}");
}
