//! `ltc report`: the funnel, the gate table, the red and amber deals and what is due, from a set of
//! deal event logs, as readable tables, as JSON, or as a page with charts (`--html FILE`).
//!
//! The input is one JSON document:
//!
//! ```json
//! {
//!   "now": "2026-09-30T17:00:00Z",
//!   "process": "standard",
//!   "settings": { "amber_share": "0.8", "owner_roles": ["AR"] },
//!   "filter": { "from": null, "until": null, "person": null, "role": null },
//!   "deals": [ [ { "format": 1, "deal": "D-001", "version": 1, "at": "...", "actor": "ops",
//!                  "change": { "type": "lead_captured", "...": "..." }, "hash": "..." } ] ]
//! }
//! ```
//!
//! Only `now` and `deals` are required; `process` is `"standard"` (the default) or a process
//! definition, as in `ltc run`, and `processes` other versions the logs run under; `deals` holds
//! one stored log per deal, each exactly as the library serializes [`StoredEvent`]s (its hash
//! chain is checked, then it is replayed). `settings` and `filter` are the library's
//! [`Settings`] and [`Filter`];
//! the filter selects the deals of the funnel and the gate table, the lights and the due list.
//! Errors come back as a [`Failure`]: the library's error code, or `malformed_json`.
//!
//! In the tables, every piece of user text (the process name, deal ids, customers, people, what
//! is due) goes through [`ltc_analytics::text::one_line`]: control characters, line separators
//! and bidi formatting characters are written as escapes (`\n`, `\u{202e}`), so that a name can
//! neither break a row nor reverse the figures after it on a terminal that lays out bidi text.

use crate::commands::{Failure, ProcessInput};
use chrono::{DateTime, Utc};
use ltc_analytics::text::one_line;
use ltc_analytics::{Durations, Filter, Report, Settings, Snapshot, Subject};
use ltc_pipeline::integrity;
use ltc_pipeline::{Event, StoredEvent};
use rust_decimal::Decimal;
use serde::Deserialize;
use std::fmt::Write as _;

/// The input document.
#[derive(Debug, Deserialize)]
#[serde(remote = "Self", deny_unknown_fields)]
struct Input {
    now: DateTime<Utc>,
    #[serde(default)]
    process: ProcessInput,
    #[serde(default)]
    processes: Vec<ProcessInput>,
    #[serde(default)]
    settings: Settings,
    #[serde(default)]
    filter: Filter,
    deals: Vec<Vec<StoredEvent>>,
}

crate::commands::objects_only!(Input);

/// The report of an input document: the library's [`Report`], over the logs it holds (each log's
/// hash chain checked first), as of its `now`, with its settings and filter.
///
/// # Errors
/// A [`Failure`] for input that does not parse (`malformed_json`), an unknown or invalid process,
/// a log whose chain is broken (`tampered`) or that does not replay, or bad settings (the
/// library's error codes).
pub fn report(input: &str) -> Result<Report, Failure> {
    let input: Input = crate::commands::parse(input)?;
    let fail = Failure::from;
    let mut inputs = vec![input.process];
    inputs.extend(input.processes);
    let processes = crate::commands::catalog(inputs)?;
    let Some(process) = processes.first() else {
        return Err(Failure::new("unknown_process", "no process is given"));
    };
    // Every log's chain is checked before its events are read.
    let mut logs: Vec<Vec<Event>> = Vec::with_capacity(input.deals.len());
    for log in &input.deals {
        integrity::verify(log).map_err(fail)?;
        logs.push(log.iter().map(|e| e.event.clone()).collect());
    }
    let snapshot = Snapshot::new(&logs, &processes, input.now).map_err(Failure::from)?;
    Report::new(
        &snapshot,
        process.definition().name.clone(),
        &input.settings,
        &input.filter,
    )
    .map_err(Failure::from)
}

/// Runs the report on a JSON input document: tables for people, or JSON when `json` is true.
///
/// # Errors
/// As [`report`].
pub fn run(input: &str, json: bool) -> Result<String, Failure> {
    format(&report(input)?, json)
}

/// A report for people (tables), or as JSON when `json` is true.
///
/// # Errors
/// Only if the report cannot be written as JSON.
pub fn format(report: &Report, json: bool) -> Result<String, Failure> {
    if json {
        let mut out = serde_json::to_string_pretty(report)?;
        out.push('\n');
        Ok(out)
    } else {
        Ok(render(report))
    }
}

/// The report over every deal a store holds, as of `now`, under the processes it keeps, with the
/// default settings and `filter`. Each log is checked as it is read (its chain, the head kept
/// beside it, and a replay); `progress` is told how many deals have been read of how many.
///
/// ```
/// # let dir = std::env::temp_dir().join(format!("ltc-cli-report-doc-{}", std::process::id()));
/// # std::fs::create_dir_all(&dir).unwrap();
/// let store = ltc_store::blocking::Store::open(dir.join("ltc.db").to_str().unwrap()).unwrap();
/// let now = "2026-09-30T17:00:00Z".parse().unwrap();
/// let empty = ltc_cli::report::stored(&store, now, Default::default(), &mut |_, _| ())?;
/// assert_eq!(empty.funnel.deals, 0);
/// # drop(store); std::fs::remove_dir_all(&dir).ok();
/// # Ok::<(), ltc_cli::commands::Failure>(())
/// ```
///
/// # Errors
/// `tampered` or `invalid_event` for a stored log that does not verify or replay; a backend
/// error.
pub fn stored(
    store: &ltc_store::blocking::Store,
    now: DateTime<Utc>,
    filter: Filter,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<Report, Failure> {
    let deals = store.deals()?;
    let total = u64::try_from(deals.len()).unwrap_or(u64::MAX);
    let mut logs: Vec<Vec<Event>> = Vec::with_capacity(deals.len());
    for (done, summary) in deals.iter().enumerate() {
        // Its chain, the head kept beside it (a dropped tail), and a replay.
        let log = store.verify(&summary.deal)?.log;
        logs.push(log.into_iter().map(|e| e.event).collect());
        progress(u64::try_from(done + 1).unwrap_or(u64::MAX), total);
    }
    let catalog = store.processes()?;
    let mut names: Vec<&str> = catalog.keys().map(|r| r.name.as_str()).collect();
    names.dedup();
    let snapshot = Snapshot::new(&logs, &*catalog, now)?;
    Ok(Report::new(
        &snapshot,
        names.join(", "),
        &Settings::default(),
        &filter,
    )?)
}

/// The report as one self-contained HTML page ([`ltc_analytics::html::render`]).
///
/// # Errors
/// As [`report`].
pub fn html(input: &str) -> Result<String, Failure> {
    Ok(ltc_analytics::html::render(&report(input)?))
}

/// A ratio as a percentage with two places, or `-`.
fn percent(ratio: Option<Decimal>) -> String {
    ratio
        .and_then(|r| r.checked_mul(Decimal::ONE_HUNDRED))
        .map_or_else(|| "-".to_owned(), |p| format!("{:.2}%", p.round_dp(2)))
}

fn days(d: &Option<Durations>) -> String {
    d.as_ref().map_or_else(
        || "-".to_owned(),
        |d| format!("{} / {} / {}", d.mean.days, d.median.days, d.max.days),
    )
}

fn render(r: &Report) -> String {
    let mut out = String::new();
    let f = &r.funnel;
    let _ = writeln!(
        out,
        "Pipeline as of {} ({} process): {} deals\n",
        r.now.format("%Y-%m-%d %H:%M UTC"),
        one_line(&r.process),
        f.deals
    );

    let _ = writeln!(out, "Funnel");
    let _ = writeln!(
        out,
        "{:<28} {:>7} {:>5} {:>5} {:>11}",
        "stage", "reached", "open", "ended", "to next"
    );
    for row in &f.rows {
        let _ = writeln!(
            out,
            "{:<28} {:>7} {:>5} {:>5} {:>11}",
            row.stage.as_str(),
            row.reached,
            row.open,
            row.ended,
            percent(row.conversion)
        );
    }
    let _ = writeln!(
        out,
        "won {} of {} ended: win rate {}",
        f.won,
        f.ended,
        percent(f.win_rate)
    );
    for s in &f.won_sizes {
        let _ = writeln!(
            out,
            "won deal size in {}: {} deals, total {}, average {}, median {}",
            s.currency, s.deals, s.total, s.average, s.median
        );
    }

    let _ = writeln!(out, "\nGates");
    let _ = writeln!(
        out,
        "{:<21} {:>8} {:>8} {:>6} {:>6} {:>8} {:>9} {:>4} {:>9}  days to decide (mean / median / max)",
        "gate", "convened", "approved", "w/cond", "rework", "rejected", "withdrawn", "open", "1st pass",
    );
    for g in &r.gates {
        let o = &g.outcomes;
        let _ = writeln!(
            out,
            "{:<21} {:>8} {:>8} {:>6} {:>6} {:>8} {:>9} {:>4} {:>9}  {}",
            g.gate.as_str(),
            g.convened,
            o.approved,
            o.approved_with_conditions,
            o.rework,
            o.rejected,
            g.withdrawn,
            g.open,
            percent(g.first_attempt_pass_rate),
            days(&g.decision_time)
        );
    }

    let _ = writeln!(out, "\nRed and amber deals ({})", r.flagged.len());
    if !r.flagged.is_empty() {
        let _ = writeln!(
            out,
            "{:<8} {:<6} {:<16} {:<28} {:>14}  open gate: days (of SL)",
            "deal", "light", "customer", "stage", "days (of SL)"
        );
    }
    for l in &r.flagged {
        let mut stage = String::from("-");
        let mut gate = String::from("-");
        for reading in &l.readings {
            let sl = reading
                .service_level_days
                .map_or_else(|| "-".to_owned(), |d| d.to_string());
            let text = format!("{} ({sl})", reading.elapsed.days);
            match reading.subject {
                Subject::Stage(_) => stage = text,
                Subject::Gate(g) => gate = format!("{g}: {text}"),
            }
        }
        let _ = writeln!(
            out,
            "{:<8} {:<6} {:<16} {:<28} {:>14}  {}",
            one_line(l.deal.as_str()),
            l.light.as_str(),
            one_line(&l.customer),
            l.stage.as_str(),
            stage,
            gate
        );
    }

    let _ = writeln!(out, "\nDue ({})", r.due.len());
    if !r.due.is_empty() {
        let _ = writeln!(
            out,
            "{:<10} {:<8} {:<20} {:<16} what",
            "since", "deal", "kind", "who"
        );
    }
    for d in &r.due {
        let who: Vec<String> = d.who.iter().map(|p| one_line(p.as_str())).collect();
        let _ = writeln!(
            out,
            "{:<10} {:<8} {:<20} {:<16} {}",
            d.since.format("%Y-%m-%d"),
            one_line(d.deal.as_str()),
            d.kind.name(),
            who.join(","),
            one_line(&d.kind.to_string())
        );
    }
    out
}
