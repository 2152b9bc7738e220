//! One deal from lead to cash with the standard process.
#![forbid(unsafe_code)]

use ltc_pipeline::{strategies, Deal, DealId, Process};

fn main() {
    let process = Process::standard();
    let mut deal = Deal::new(DealId::new("D-1"));
    for step in strategies::lead_to_cash() {
        match deal.execute(&process, &step.command, &step.actor, step.at) {
            Ok(_) => println!(
                "{}  {:<5} {}",
                step.at.date_naive(),
                step.actor,
                step.command.name()
            ),
            Err(e) => {
                eprintln!("{}: {e}", e.code());
                std::process::exit(1);
            }
        }
    }
    println!("final stage: {:?}", deal.stage_kind());
}
