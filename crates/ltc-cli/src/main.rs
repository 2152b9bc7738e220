//! `ltc`: JSON in, JSON out, over the lead-to-cash engine and the incentive crate.
//!
//! Each subcommand reads one JSON document from FILE, or from stdin when FILE is `-` or absent,
//! and writes one document to stdout. On bad input it writes nothing to stdout, one line
//! `error: CODE: what was wrong` to stderr, and exits with status 1 (2 for a usage error).
//! `ltc --help` lists the subcommands; `docs/cli.md` documents every document.
#![forbid(unsafe_code)]

use chrono::{DateTime, Utc};
use clap::error::ErrorKind;
use clap::{Args, Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use ltc_analytics::Filter;
use ltc_cli::commands::{self, Failure};
use ltc_cli::stored;
use ltc_pipeline::{PersonId, Role};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

/// The lead-to-cash engine and its incentive splits, JSON in and JSON out.
///
/// Every subcommand reads one JSON document from FILE (stdin when FILE is `-` or absent) and
/// writes one document to stdout. Errors are one line on stderr, `error: CODE: message`, with
/// exit status 1 (2 for a usage error). Decimals are JSON strings ("10.03"), dates
/// "YYYY-MM-DD", instants RFC 3339 UTC. Documents are UTF-8 (a leading byte-order mark is
/// skipped), at most 64 MiB unless --max-input-bytes says otherwise.
#[derive(Debug, Parser)]
#[command(
    name = "ltc",
    version,
    subcommand_required = true,
    after_help = "Examples:\n  ltc split examples/data/split.json\n  ltc statement examples/data/statement.json\n  ltc run examples/data/run.json\n  ltc report examples/data/deals.json\n  echo '{\"amount\": \"100.00\", \"weights\": [\"1\", \"2\"]}' | ltc allocate\n\nDeals in a store (--store, LTC_STORE, or ltc.db here):\n  ltc import examples/data/deals.json && ltc list\n  ltc exec D-1 < envelope.json\n  ltc show D-1\n  ltc report --stored --html pipeline.html\n\nThe documents are described in docs/cli.md."
)]
struct Cli {
    /// Where deals live: a SQLite file, or a PostgreSQL URL (`postgres://user@host/db`) or
    /// key=value string. Used by exec, show, list, export, import, process, `payout --deal`,
    /// `report --stored` and `verify --stored`.
    #[arg(
        long,
        global = true,
        env = "LTC_STORE",
        default_value = "ltc.db",
        value_name = "PATH_OR_URL"
    )]
    store: String,
    /// The most a subcommand reads from FILE or stdin: bytes, or with a unit (512KiB, 64MiB,
    /// 1GiB). Larger input is refused (`input_too_large`) before it is read whole.
    #[arg(
        long,
        global = true,
        env = "LTC_MAX_INPUT_BYTES",
        default_value = "64MiB",
        value_name = "BYTES",
        value_parser = commands::parse_byte_size
    )]
    max_input_bytes: u64,
    #[command(subcommand)]
    command: Sub,
}

/// An instant given as an option, read as the documents' instants are: RFC 3339, or refused
/// saying so.
fn instant(text: &str) -> Result<DateTime<Utc>, String> {
    ltc_pipeline::serde_strict::instant::parse(text)
}

/// The instant a subcommand reads the deals at.
#[derive(Debug, Args)]
struct Now {
    /// The instant to read the deals at (RFC 3339, e.g. 2026-09-30T17:00:00Z); default now.
    #[arg(long, value_name = "INSTANT", value_parser = instant)]
    now: Option<DateTime<Utc>>,
}

impl Now {
    fn get(&self) -> DateTime<Utc> {
        self.now.unwrap_or_else(Utc::now)
    }
}

#[derive(Debug, Subcommand)]
enum ProcessSub {
    /// Keep a process definition in the store under its name and version.
    #[command(
        after_help = "Example:\n  ltc process publish examples/data/standard-v2.json\n  prints `published standard@2` (or `unchanged standard@2` when it was)"
    )]
    Publish(Input),
    /// The process versions the store keeps.
    #[command(after_help = "Example:\n  ltc process list")]
    List,
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
    #[command(
        after_help = "Examples:\n  ltc payout examples/data/payout.json\n  ltc payout --deal D-1 terms.json      # a stored deal's team and cash, under these terms"
    )]
    Payout {
        /// Pay a stored deal: FILE then holds its terms, `{"terms": ..., "end": ...}`.
        #[arg(long, value_name = "DEAL")]
        deal: Option<String>,
        #[command(flatten)]
        input: Input,
    },
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
        after_help = "Examples:\n  ltc report examples/data/deals.json\n  ltc report --json examples/data/deals.json\n  ltc report --html report.html examples/data/deals.json\n  ltc report --stored --now 2026-09-30T17:00:00Z --person ana"
    )]
    Report {
        /// JSON instead of tables.
        #[arg(long)]
        json: bool,
        /// Write the report as one self-contained HTML page with charts to FILE (`-`: stdout),
        /// instead of tables.
        #[arg(long, value_name = "FILE", conflicts_with = "json")]
        html: Option<PathBuf>,
        /// Report over the deals in the store (--store) instead of a document's logs.
        #[arg(long, conflicts_with = "file")]
        stored: bool,
        /// With --stored: the instant the report is for (RFC 3339); default now.
        #[arg(long, value_name = "INSTANT", value_parser = instant)]
        now: Option<DateTime<Utc>>,
        /// With --stored: only deals this person held a stint on.
        #[arg(long, value_name = "PERSON")]
        person: Option<String>,
        /// With --stored: only deals where this role was staffed (with --person, in this role).
        #[arg(long, value_name = "ROLE")]
        role: Option<String>,
        /// With --stored: only leads captured at or after this instant.
        #[arg(long, value_name = "INSTANT", value_parser = instant)]
        from: Option<DateTime<Utc>>,
        /// With --stored: only leads captured before this instant.
        #[arg(long, value_name = "INSTANT", value_parser = instant)]
        until: Option<DateTime<Utc>>,
        #[command(flatten)]
        input: Input,
    },
    /// Check a stored log's hash chain; prints `ok <head>`. With --stored, the store's deals.
    #[command(
        after_help = "Examples:\n  ltc verify log.json\n  ltc verify --stored              # every deal: its chain, its kept head, a replay\n  ltc verify --stored --deal D-1"
    )]
    Verify {
        /// Check the deals in the store (--store) instead of a document's log.
        #[arg(long, conflicts_with = "file")]
        stored: bool,
        /// With --stored: only this deal; prints its head.
        #[arg(long, value_name = "DEAL")]
        deal: Option<String>,
        #[command(flatten)]
        input: Input,
    },
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
    /// Decide one command against a stored deal and append its events (the envelope on stdin).
    #[command(
        after_help = "Example:\n  echo '{\"actor\": \"ops\", \"at\": \"2026-03-02T09:00:00Z\", \"command\": {\"type\": \"capture_lead\", \"customer\": \"ACME\", \"source\": \"web\", \"estimate\": null}}' | ltc exec D-1\n\nThe envelope is exactly one of `run`'s `commands[]`; give `expected_version` to refuse a\ncommand decided on a deal that has moved on (`conflict`). A new deal starts with capture_lead."
    )]
    Exec {
        /// The deal's id.
        deal: String,
        /// The process a new deal opens under: NAME@VERSION, or NAME for its highest
        /// version in the store (default standard@1).
        #[arg(long, value_name = "PROCESS")]
        process: Option<String>,
        #[command(flatten)]
        input: Input,
    },
    /// One stored deal: stage, team, open gate and votes, contract, what is due.
    #[command(
        after_help = "Examples:\n  ltc show D-1\n  ltc show --json D-1     # the state, as `run` prints `final`"
    )]
    Show {
        /// The deal's id.
        deal: String,
        /// The state as JSON.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        now: Now,
    },
    /// The stored deals with their stage and traffic light.
    #[command(after_help = "Examples:\n  ltc list\n  ltc list --json --now 2026-09-30T17:00:00Z")]
    List {
        /// JSON instead of a table.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        now: Now,
    },
    /// A stored deal's log, as a JSON array of stored events.
    #[command(after_help = "Example:\n  ltc export D-1 > d-1.json && ltc verify d-1.json")]
    Export {
        /// The deal's id.
        deal: String,
    },
    /// Import deal logs into the store, every log checked before anything is written.
    #[command(
        after_help = "Examples:\n  ltc import d-1.json                    # one log, as `ltc export` prints it\n  ltc import examples/data/deals.json    # {\"deals\": [log, ...]}, as `ltc report` reads"
    )]
    Import(Input),
    /// Print the store's events as they commit: every one after --after, then live.
    #[command(
        after_help = "Examples:\n  ltc tail                  # from the first event, then as they commit\n  ltc tail --after 1200     # resume after the last position handled\n  ltc tail --count 10       # the first ten, then stop\n\nOne JSON object a line: {\"position\": N, \"event\": <stored event>}."
    )]
    Tail {
        /// The stream position to start after (0: the first event).
        #[arg(long, default_value_t = 0, value_name = "POSITION")]
        after: u64,
        /// Stop after this many events.
        #[arg(long, value_name = "N")]
        count: Option<u64>,
    },
    /// Publish or list process definitions in the store.
    #[command(
        subcommand,
        after_help = "Examples:\n  ltc process publish examples/data/standard-v2.json\n  ltc process list"
    )]
    Process(ProcessSub),
}

/// A progress bar on stderr when it is a terminal; nothing when piped.
fn progress(what: &'static str) -> impl FnMut(u64, u64) + Send + 'static {
    let bar = ProgressBar::new(0);
    bar.set_style(
        ProgressStyle::with_template("{msg} {bar:40} {pos}/{len}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar.set_message(what);
    move |done, total| {
        bar.set_length(total);
        bar.set_position(done);
        if done == total {
            bar.finish_and_clear();
        }
    }
}

/// Usage rules clap cannot state: `--stored` is a flag, always set (to false by default), so
/// clap's `requires = "stored"` would always be met; the options that read the store (`report --now`,
/// `--person`, `--role`, `--from`, `--until`; `verify --deal`) need `--stored` given, and a range
/// must not end before it starts.
fn check(cli: &Cli) -> Result<(), clap::Error> {
    if let Sub::Verify {
        stored: false,
        deal: Some(_),
        ..
    } = &cli.command
    {
        return Err(usage_error(
            "verify",
            "--deal reads the store: give --stored".to_owned(),
        ));
    }
    if let Sub::Report {
        from: Some(from),
        until: Some(until),
        ..
    } = &cli.command
    {
        if until < from {
            return Err(usage_error(
                "report",
                format!("--until {until} is before --from {from}: the range selects nothing"),
            ));
        }
    }
    if let Sub::Report {
        stored: false,
        now,
        person,
        role,
        from,
        until,
        ..
    } = &cli.command
    {
        let given = [
            ("--now", now.is_some()),
            ("--person", person.is_some()),
            ("--role", role.is_some()),
            ("--from", from.is_some()),
            ("--until", until.is_some()),
        ];
        if let Some((flag, _)) = given.iter().find(|(_, set)| *set) {
            return Err(usage_error(
                "report",
                format!("{flag} reads the store: give --stored, or put it in the document"),
            ));
        }
    }
    Ok(())
}

/// A usage error of subcommand `sub`, rendered as clap renders its own.
fn usage_error(sub: &str, message: String) -> clap::Error {
    let mut command = <Cli as clap::CommandFactory>::command();
    let found = command.find_subcommand_mut(sub).map(std::mem::take);
    let mut command = found.unwrap_or(command).bin_name(format!("ltc {sub}"));
    command.error(ErrorKind::MissingRequiredArgument, message)
}

/// Writes a page to `path`, or returns it for stdout when `path` is `-`.
fn write_page(path: &std::path::Path, page: String) -> Result<String, Failure> {
    if path.as_os_str() == "-" {
        return Ok(page);
    }
    std::fs::write(path, page)
        .map_err(|e| Failure::new("io", format!("cannot write `{}`: {e}", path.display())))?;
    Ok(String::new())
}

fn execute(cli: &Cli) -> Result<String, Failure> {
    let store = cli.store.as_str();
    // The document of a subcommand, read (and refused when too large) before any store is
    // opened: a refused input leaves the store as it was.
    let read_input =
        |input: &Input| commands::read_input(input.file.as_deref(), cli.max_input_bytes);
    match &cli.command {
        Sub::Allocate(input) => commands::allocate(&read_input(input)?),
        Sub::Split(input) => commands::split(&read_input(input)?),
        Sub::Payout { deal: None, input } => commands::payout(&read_input(input)?),
        Sub::Payout {
            deal: Some(deal),
            input,
        } => {
            let terms = commands::parse(&read_input(input)?)?;
            stored::payout(&stored::open(store, false)?, deal, &terms)
        }
        Sub::Statement { table, input } => commands::statement(&read_input(input)?, *table),
        Sub::Run(input) => commands::run(&read_input(input)?),
        Sub::Graph { mermaid, input } => commands::graph(&read_input(input)?, *mermaid),
        Sub::Report {
            json,
            html,
            stored: true,
            now,
            person,
            role,
            from,
            until,
            ..
        } => {
            let filter = Filter {
                from: *from,
                until: *until,
                person: person.as_deref().map(PersonId::new),
                role: role.as_deref().map(Role::new),
            };
            let now = now.unwrap_or_else(Utc::now);
            let report = ltc_cli::report::stored(
                &stored::open(store, false)?,
                now,
                filter,
                &mut progress("reading deals"),
            )?;
            match html {
                Some(path) => write_page(path, ltc_analytics::html::render(&report)),
                None => ltc_cli::report::format(&report, *json),
            }
        }
        Sub::Report {
            html: Some(path),
            input,
            ..
        } => write_page(path, ltc_cli::report::html(&read_input(input)?)?),
        Sub::Report { json, input, .. } => ltc_cli::report::run(&read_input(input)?, *json),
        Sub::Verify {
            stored: true, deal, ..
        } => stored::verify(&stored::open(store, false)?, deal.as_deref()),
        Sub::Verify { input, .. } => commands::verify(&read_input(input)?),
        Sub::Migrate { json, input, .. } => commands::migrate_preview(&read_input(input)?, *json),
        Sub::Exec {
            deal,
            process,
            input,
        } => {
            let envelope = commands::parse(&read_input(input)?)?;
            stored::exec(
                &stored::open(store, true)?,
                deal,
                &envelope,
                process.as_deref(),
            )
        }
        Sub::Show { deal, json, now } => {
            stored::show(&stored::open(store, false)?, deal, now.get(), *json)
        }
        Sub::List { json, now } => stored::list(&stored::open(store, false)?, now.get(), *json),
        Sub::Export { deal } => stored::export(&stored::open(store, false)?, deal),
        Sub::Import(input) => {
            let logs = stored::Logs::read(&read_input(input)?)?;
            stored::import(&stored::open(store, true)?, logs, progress("checking logs"))
        }
        Sub::Process(ProcessSub::Publish(input)) => {
            let definition = commands::parse(&read_input(input)?)?;
            stored::publish(&stored::open(store, true)?, definition)
        }
        Sub::Process(ProcessSub::List) => stored::processes(&stored::open(store, false)?),
        Sub::Tail { after, count } => {
            let store = stored::open(store, false)?;
            stored::tail(&store, *after, *count, &mut std::io::stdout().lock())?;
            Ok(String::new())
        }
    }
}

/// A usage error as one line: clap's message (with the lines a trailing colon introduces), its
/// tips, and the help to read.
fn usage_line(error: &clap::Error) -> String {
    let text = error.render().to_string();
    if error.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand {
        // The help of the command that lacks its subcommand: `Usage: ltc process <COMMAND>`.
        let command = text
            .lines()
            .find_map(|l| l.trim().strip_prefix("Usage: "))
            .map(|usage| {
                let words = usage
                    .split(' ')
                    .take_while(|w| !w.starts_with(['[', '<', '-']));
                words.collect::<Vec<_>>().join(" ")
            })
            .unwrap_or_else(|| "ltc".to_owned());
        return format!("a subcommand is required; see `{command} --help`");
    }
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
    if let Err(e) = check(&cli) {
        eprintln!("error: usage: {}", usage_line(&e));
        return ExitCode::from(2);
    }
    match execute(&cli) {
        Ok(output) => {
            let mut stdout = std::io::stdout().lock();
            if let Err(e) = stdout
                .write_all(output.as_bytes())
                .and_then(|()| stdout.flush())
            {
                let done = if matches!(cli.command, Sub::Exec { .. } | Sub::Import(_)) {
                    "the store was written, but "
                } else {
                    ""
                };
                let e = commands::one_line(&e.to_string());
                eprintln!("error: io: {done}the output could not be written: {e}");
                return ExitCode::FAILURE;
            }
            ExitCode::SUCCESS
        }
        Err(failure) => {
            eprintln!("error: {failure}");
            // A usage mistake found only when the store is read (`--process` on a deal that
            // exists) is still a usage mistake.
            if failure.code == "usage" {
                ExitCode::from(2)
            } else {
                ExitCode::FAILURE
            }
        }
    }
}
