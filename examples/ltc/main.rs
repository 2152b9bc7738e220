//! `ltc`: JSON in, JSON out, over the lead-to-cash engine and the incentive crate.
//!
//! ```text
//! ltc <allocate|split|payout|run|graph [--mermaid]|report [--json]|verify|migrate --preview [--json]> [FILE]
//! ```
//!
//! Reads one JSON document from FILE, or from stdin when FILE is `-` or absent, and writes one
//! document to stdout. On bad input it writes nothing to stdout, one line `error: CODE: what was
//! wrong` to stderr, and exits with status 1 (2 for a usage error). See `docs/cli.md`.
#![forbid(unsafe_code)]

use ltc_examples::cli::{self, Failure};
use std::io::{Read, Write};
use std::process::ExitCode;

const USAGE: &str = "ltc <allocate|split|payout|run|graph [--mermaid]|report [--json]|verify|migrate --preview [--json]> [FILE|-]";

/// A subcommand: its input document to its output document.
type Handler = Box<dyn Fn(&str) -> Result<String, Failure>>;

fn read_input(file: Option<&str>) -> Result<String, Failure> {
    let mut input = String::new();
    match file {
        None | Some("-") => std::io::stdin()
            .read_to_string(&mut input)
            .map_err(|e| Failure::new("io", format!("cannot read stdin: {e}")))?,
        Some(path) => {
            input = std::fs::read_to_string(path)
                .map_err(|e| Failure::new("io", format!("cannot read `{path}`: {e}")))?;
            0
        }
    };
    Ok(input)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let flags: Vec<&str> = args
        .iter()
        .map(String::as_str)
        .filter(|a| a.starts_with("--"))
        .collect();
    let positional: Vec<&str> = args
        .iter()
        .map(String::as_str)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let (Some(subcommand), file, None) = (
        positional.first().copied(),
        positional.get(1).copied(),
        positional.get(2),
    ) else {
        eprintln!("error: usage: {USAGE}");
        return ExitCode::from(2);
    };
    let allowed: &[&str] = match subcommand {
        "graph" => &["--mermaid"],
        "report" => &["--json"],
        "migrate" => &["--preview", "--json"],
        _ => &[],
    };
    if let Some(flag) = flags.iter().find(|f| !allowed.contains(f)) {
        eprintln!(
            "error: usage: unknown option `{}` for `{}`; {USAGE}",
            cli::one_line(flag),
            cli::one_line(subcommand)
        );
        return ExitCode::from(2);
    }
    let mermaid = flags.contains(&"--mermaid");
    let json = flags.contains(&"--json");
    if subcommand == "migrate" && !flags.contains(&"--preview") {
        eprintln!(
            "error: usage: `migrate` only previews (--preview); a deal moves by its \
             `migrate_process` command; {USAGE}"
        );
        return ExitCode::from(2);
    }
    let handler: Handler = match subcommand {
        "allocate" => Box::new(cli::allocate),
        "split" => Box::new(cli::split),
        "payout" => Box::new(cli::payout),
        "run" => Box::new(cli::run),
        "graph" => Box::new(move |input| cli::graph(input, mermaid)),
        "report" => Box::new(move |input| ltc_examples::report::run(input, json)),
        "verify" => Box::new(cli::verify),
        "migrate" => Box::new(move |input| cli::migrate_preview(input, json)),
        other => {
            eprintln!(
                "error: usage: unknown subcommand `{}`; {USAGE}",
                cli::one_line(other)
            );
            return ExitCode::from(2);
        }
    };
    let result = read_input(file).and_then(|input| handler(&input));
    match result {
        Ok(output) => {
            let mut stdout = std::io::stdout().lock();
            if stdout.write_all(output.as_bytes()).is_err() {
                return ExitCode::FAILURE;
            }
            ExitCode::SUCCESS
        }
        Err(failure) => {
            eprintln!("error: {failure}");
            ExitCode::FAILURE
        }
    }
}
