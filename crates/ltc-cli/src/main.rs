//! `ltc`: JSON in, JSON out, over the lead-to-cash engine and the incentive crate.
//!
//! Each subcommand reads one JSON document from FILE, or from stdin when FILE is `-` or absent,
//! and writes one document to stdout. On bad input it writes nothing to stdout, one line
//! `error: CODE: what was wrong` to stderr, and exits with status 1 (2 for a usage error).
//! `ltc --help` lists the subcommands; `docs/cli.md` documents every document.
#![forbid(unsafe_code)]

use clap::error::ErrorKind;
use clap::{Args, Parser, Subcommand};
use ltc_cli::commands::{self, Failure};
use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;

/// The lead-to-cash engine and its incentive splits, JSON in and JSON out.
///
/// Every subcommand reads one JSON document from FILE (stdin when FILE is `-` or absent) and
/// writes one document to stdout. Errors are one line on stderr, `error: CODE: message`, with
/// exit status 1 (2 for a usage error). Decimals are JSON strings ("10.03"), dates
/// "YYYY-MM-DD", instants RFC 3339 UTC.
#[derive(Debug, Parser)]
#[command(
    name = "ltc",
    version,
    subcommand_required = true,
    after_help = "Examples:\n  ltc split examples/data/split.json\n  ltc statement examples/data/statement.json\n  ltc run examples/data/run.json\n  ltc report examples/data/deals.json\n  echo '{\"amount\": \"100.00\", \"weights\": [\"1\", \"2\"]}' | ltc allocate\n\nThe documents are described in docs/cli.md."
)]
struct Cli {
    #[command(subcommand)]
    command: Sub,
}

/// The document a subcommand reads.
#[derive(Debug, Args)]
struct Input {
    /// The JSON document to read; stdin when absent or `-`.
    #[arg(value_name = "FILE")]
    file: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
enum Sub {
    /// Split an amount by weights, exactly (largest remainder).
    #[command(
        after_help = "Example:\n  echo '{\"amount\": \"100.00\", \"weights\": [\"1\", \"1\", \"1\"]}' | ltc allocate\n  prints {\"parts\": [\"33.34\", \"33.33\", \"33.33\"]}"
    )]
    Allocate(Input),
    /// Split a bonus pool across a team by role and contribution, with holdback.
    #[command(after_help = "Example:\n  ltc split examples/data/split.json")]
    Split(Input),
    /// Pay an earned pool in tranches as cash arrives, with holdback and clawback.
    #[command(after_help = "Example:\n  ltc payout examples/data/payout.json")]
    Payout(Input),
    /// A person's commission statement for a period: credits, tiers, draws, holdback,
    /// clawbacks, adjustments, the amount payable.
    #[command(
        after_help = "Examples:\n  ltc statement examples/data/statement.json\n  ltc statement --table examples/data/statement.json"
    )]
    Statement {
        /// Plain-text tables instead of JSON.
        #[arg(long)]
        table: bool,
        #[command(flatten)]
        input: Input,
    },
    /// Run timestamped commands against a deal under a process; prints the sealed events.
    #[command(after_help = "Example:\n  ltc run examples/data/run.json")]
    Run(Input),
    /// Draw a process definition's stage graph (Graphviz DOT, or Mermaid).
    #[command(
        after_help = "Examples:\n  ltc graph examples/data/graph.json | dot -Tsvg > process.svg\n  ltc graph --mermaid < examples/data/graph.json"
    )]
    Graph {
        /// Mermaid instead of Graphviz DOT.
        #[arg(long)]
        mermaid: bool,
        #[command(flatten)]
        input: Input,
    },
    /// Funnel, gate table, red and amber deals and what is due, over a set of deal logs.
    #[command(
        after_help = "Examples:\n  ltc report examples/data/deals.json\n  ltc report --json examples/data/deals.json"
    )]
    Report {
        /// JSON instead of tables.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        input: Input,
    },
    /// Check a stored log's hash chain; prints `ok <head>`.
    #[command(after_help = "Example:\n  ltc verify log.json")]
    Verify(Input),
    /// Preview moving a set of deals to another process version.
    #[command(
        after_help = "Example:\n  ltc migrate --preview preview.json\n\nA deal moves by its `migrate_process` command; this only previews."
    )]
    Migrate {
        /// Only preview (required: a deal moves by its `migrate_process` command).
        #[arg(long, required = true)]
        preview: bool,
        /// JSON instead of a table.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        input: Input,
    },
}

fn read_input(input: &Input) -> Result<String, Failure> {
    let mut text = String::new();
    match input.file.as_deref() {
        None => std::io::stdin().read_to_string(&mut text).map(drop),
        Some(path) if path.as_os_str() == "-" => {
            std::io::stdin().read_to_string(&mut text).map(drop)
        }
        Some(path) => std::fs::read_to_string(path).map(|t| text = t),
    }
    .map_err(|e| {
        let from = input
            .file
            .as_deref()
            .filter(|p| p.as_os_str() != "-")
            .map_or_else(|| "stdin".to_owned(), |p| format!("`{}`", p.display()));
        Failure::new("io", format!("cannot read {from}: {e}"))
    })?;
    Ok(text)
}

fn execute(command: &Sub) -> Result<String, Failure> {
    match command {
        Sub::Allocate(input) => commands::allocate(&read_input(input)?),
        Sub::Split(input) => commands::split(&read_input(input)?),
        Sub::Payout(input) => commands::payout(&read_input(input)?),
        Sub::Statement { table, input } => commands::statement(&read_input(input)?, *table),
        Sub::Run(input) => commands::run(&read_input(input)?),
        Sub::Graph { mermaid, input } => commands::graph(&read_input(input)?, *mermaid),
        Sub::Report { json, input } => ltc_cli::report::run(&read_input(input)?, *json),
        Sub::Verify(input) => commands::verify(&read_input(input)?),
        Sub::Migrate { json, input, .. } => commands::migrate_preview(&read_input(input)?, *json),
    }
}

/// A usage error as one line: clap's message (with the lines a trailing colon introduces), its
/// tips, and the help to read.
fn usage_line(error: &clap::Error) -> String {
    if error.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand {
        return "a subcommand is required; see `ltc --help`".to_owned();
    }
    let text = error.render().to_string();
    let mut message = String::new();
    let mut tips = String::new();
    let mut help = "ltc".to_owned();
    // Inside a listing a message's trailing colon introduces, and how many items it has had.
    let mut listing: Option<usize> = None;
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        if let Some(usage) = line.strip_prefix("Usage: ") {
            // `Usage: ltc graph [OPTIONS] [FILE]`: the command whose help to read.
            let words = usage
                .split(' ')
                .take_while(|w| !w.starts_with(['[', '<', '-']));
            help = words.collect::<Vec<_>>().join(" ");
            listing = None;
        } else if let Some(tip) = line.strip_prefix("tip: ") {
            tips.push_str(&format!(" ({tip})"));
        } else if message.is_empty() {
            let first = line.trim_start_matches("error: ");
            listing = first.ends_with(':').then_some(0);
            message.push_str(first.trim_end_matches(':'));
        } else if let Some(items) = listing.as_mut() {
            message.push_str(if *items == 0 { ": " } else { ", " });
            message.push_str(line);
            *items += 1;
        }
    }
    commands::one_line(&format!("{message}{tips}; see `{help} --help`"))
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) => {
            // Help and the version are what was asked for: stdout, success.
            let mut stdout = std::io::stdout().lock();
            return match write!(stdout, "{}", e.render()) {
                Ok(()) => ExitCode::SUCCESS,
                Err(_) => ExitCode::FAILURE,
            };
        }
        Err(e) => {
            eprintln!("error: usage: {}", usage_line(&e));
            return ExitCode::from(2);
        }
    };
    match execute(&cli.command) {
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
