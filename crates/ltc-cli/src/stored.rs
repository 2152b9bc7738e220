//! The subcommands that work deals in a store (`ltc-store`): `exec`, `show`, `list`, `export`,
//! `import`, `process publish` / `process list`, and `payout --deal`.
//!
//! Each is a function of an open [`Store`], its input document and the instant it runs at, so
//! that tests run exactly what the binary runs, on a real SQLite file.
//!
//! ```
//! use chrono::{TimeZone, Utc};
//! use ltc_store::Store;
//! # let dir = std::env::temp_dir().join(format!("ltc-cli-doc-{}", std::process::id()));
//! # std::fs::create_dir_all(&dir).unwrap();
//! # let path = dir.join("ltc.db");
//! let mut store = Store::open(path.to_str().unwrap()).unwrap();
//! let capture = r#"{"actor": "ops", "at": "2026-03-02T09:00:00Z",
//!     "command": {"type": "capture_lead", "customer": "ACME", "source": "web", "estimate": null}}"#;
//! let out = ltc_cli::stored::exec(&mut store, "D-1", capture, None)?;
//! assert!(out.contains("\"lead_captured\""));
//! let now = Utc.with_ymd_and_hms(2026, 3, 3, 9, 0, 0).unwrap();
//! let listed = ltc_cli::stored::list(&mut store, now, false)?;
//! assert!(listed.contains("D-1") && listed.contains("captured"), "{listed}");
//! # drop(store); std::fs::remove_dir_all(&dir).ok();
//! # Ok::<(), ltc_cli::commands::Failure>(())
//! ```

use crate::commands::{
    objects_only, one_line, paid, parse, pretty, CommandResult, Failure, HoldbackInput,
};
use chrono::{DateTime, NaiveDate, Utc};
use ltc_analytics::{deal_due, deal_light, Light, Settings};
use ltc_incentive::DealTerms;
use ltc_pipeline::{
    Deal, DealId, Envelope, Event, ProcessDefinition, ProcessRef, StageKind, StoredEvent,
};
use ltc_store::{Published, Store, StoreError};
use serde::{Deserialize, Serialize};
use std::fmt::Write as _;

impl From<StoreError> for Failure {
    fn from(e: StoreError) -> Self {
        Failure::new(e.code(), e.to_string())
    }
}

/// Reads `NAME@VERSION`, or `NAME` for the highest version of it the store keeps.
///
/// # Errors
/// `unknown_process` when the store keeps no such process; `usage` for a version that is not a
/// number.
pub fn process_ref(store: &mut Store, text: &str) -> Result<ProcessRef, Failure> {
    let catalog = store.processes()?;
    let found = match text.rsplit_once('@') {
        Some((name, version)) => {
            let version: u32 = version.parse().map_err(|_| {
                Failure::new(
                    "usage",
                    format!(
                        "`{}` is not NAME@VERSION: the version is a whole number",
                        one_line(text)
                    ),
                )
            })?;
            let wanted = ProcessRef::new(name, version);
            catalog.contains_key(&wanted).then_some(wanted)
        }
        None => catalog.keys().filter(|r| r.name == text).max().cloned(),
    };
    found.ok_or_else(|| {
        let known: Vec<String> = catalog.keys().map(ToString::to_string).collect();
        Failure::new(
            "unknown_process",
            format!(
                "the store keeps no process `{}` (it keeps {}); publish it with `ltc process publish FILE`",
                one_line(text),
                known.join(", ")
            ),
        )
    })
}

/// `ltc exec DEAL`: decides one envelope (as in `run`'s `commands[]`) against the stored deal and
/// appends its events; prints them as `run` prints an accepted command's. A deal the store does
/// not hold starts with `capture_lead`, under `process` (`NAME@VERSION` or `NAME`; default
/// `standard@1`).
///
/// # Errors
/// `malformed_json` for an envelope that does not read; the engine's code for a refusal;
/// `conflict` when the deal is not at the envelope's `expected_version`, or another writer
/// appended first. Nothing is written on an error.
pub fn exec(
    store: &mut Store,
    deal: &str,
    envelope: &str,
    process: Option<&str>,
) -> Result<String, Failure> {
    let envelope: Envelope = parse(envelope)?;
    if let Some(process) = process {
        let opening = process_ref(store, process)?;
        store.set_opening(opening);
    }
    let executed = store.execute(&DealId::new(deal), &envelope)?;
    pretty(&CommandResult::Accepted {
        command: envelope.command.name(),
        events: executed.appended.events,
    })
}

fn events(log: Vec<StoredEvent>) -> Vec<Event> {
    log.into_iter().map(|e| e.event).collect()
}

/// `ltc show DEAL`: the stage, the team, the open gate and its votes, the contract and what is
/// due at `now`; with `json`, the state exactly as `run` prints it as `final`.
///
/// # Errors
/// `unknown_deal`; `invalid_event` or `tampered` for a stored log that does not replay or verify.
pub fn show(
    store: &mut Store,
    deal: &str,
    now: DateTime<Utc>,
    json: bool,
) -> Result<String, Failure> {
    let id = DealId::new(deal);
    let verified = store.verify(&id)?;
    if json {
        return pretty(&verified.deal);
    }
    let events = events(store.log(&id)?);
    let settings = Settings::default();
    let catalog = store.processes()?;
    let light = deal_light(&events, catalog, now, &settings)?;
    let due = deal_due(&events, catalog, now, &settings)?;
    Ok(crate::show::deal(&verified.deal, light.as_ref(), &due, now))
}

/// One row of `ltc list --json`.
#[derive(Debug, Serialize)]
pub struct Listed {
    /// The deal.
    pub deal: DealId,
    /// The customer.
    pub customer: String,
    /// The stage now.
    pub stage: Option<StageKind>,
    /// The traffic light at `now` (open deals only).
    pub light: Option<Light>,
    /// The version: the number of events stored.
    pub version: u64,
    /// The process version the deal runs under.
    pub process: Option<ProcessRef>,
    /// When the lead was captured.
    pub opened_at: DateTime<Utc>,
    /// When its last event happened.
    pub last_event_at: DateTime<Utc>,
}

/// `ltc list`: every stored deal with its stage and light at `now`, by id; a table, or with
/// `json` an array of [`Listed`].
///
/// # Errors
/// As [`show`], for any deal.
pub fn list(store: &mut Store, now: DateTime<Utc>, json: bool) -> Result<String, Failure> {
    let settings = Settings::default();
    let summaries = store.deals()?;
    let mut logs = store.logs()?;
    let catalog = store.processes()?;
    let mut rows = Vec::with_capacity(summaries.len());
    for summary in summaries {
        let events = events(logs.remove(&summary.deal).unwrap_or_default());
        let deal = Deal::replay(summary.deal.clone(), catalog, &events)?;
        let light = deal_light(&events, catalog, now, &settings)?;
        rows.push(Listed {
            customer: deal.customer().to_owned(),
            stage: deal.stage_kind(),
            light: light.map(|l| l.light),
            version: summary.version,
            process: deal.process().cloned(),
            opened_at: summary.opened_at,
            last_event_at: summary.last_event_at,
            deal: summary.deal,
        });
    }
    if json {
        return pretty(&rows);
    }
    let mut out = format!(
        "{:<16} {:<20} {:<22} {:<6} {:>7}  {}\n",
        "deal", "customer", "stage", "light", "version", "last event"
    );
    for row in &rows {
        let _ = writeln!(
            out,
            "{:<16} {:<20} {:<22} {:<6} {:>7}  {}",
            one_line(row.deal.as_str()),
            one_line(&row.customer),
            row.stage.map_or_else(|| "-".to_owned(), |s| s.to_string()),
            row.light.map_or("-", Light::as_str),
            row.version,
            row.last_event_at.format("%Y-%m-%d %H:%M"),
        );
    }
    let _ = writeln!(out, "{} deals", rows.len());
    Ok(out)
}

/// `ltc export DEAL`: the deal's stored log as a JSON array of stored events, what `ltc verify`
/// checks and `ltc import` reads.
///
/// # Errors
/// `unknown_deal`, or `tampered` for a row that is not a stored event.
pub fn export(store: &mut Store, deal: &str) -> Result<String, Failure> {
    pretty(&store.log(&DealId::new(deal))?)
}

/// The logs an import reads: one log (as `ltc export` prints it), a list of logs, or a document
/// with its logs under `deals` (as `ltc report` reads them).
#[derive(Debug)]
pub enum Logs {
    /// One deal's log.
    One(Vec<StoredEvent>),
    /// Several deals' logs.
    Many(Vec<Vec<StoredEvent>>),
}

/// An import document of the `{"deals": [...]}` form: `ltc report`'s input, whose other fields
/// (the instant, the processes, settings and filter) an import has no use for. The processes a
/// log runs under must be published in the store first.
#[derive(Debug, Deserialize)]
#[serde(remote = "Self", deny_unknown_fields)]
struct DealsDocument {
    deals: Vec<Vec<StoredEvent>>,
    #[serde(default, rename = "now")]
    _now: Option<serde::de::IgnoredAny>,
    #[serde(default, rename = "process")]
    _process: Option<serde::de::IgnoredAny>,
    #[serde(default, rename = "processes")]
    _processes: Option<serde::de::IgnoredAny>,
    #[serde(default, rename = "settings")]
    _settings: Option<serde::de::IgnoredAny>,
    #[serde(default, rename = "filter")]
    _filter: Option<serde::de::IgnoredAny>,
}

objects_only!(DealsDocument);

impl Logs {
    /// Reads an import document.
    ///
    /// # Errors
    /// `malformed_json`, naming the path of a bad value.
    pub fn read(input: &str) -> Result<Vec<Vec<StoredEvent>>, Failure> {
        let trimmed = input.trim_start();
        if trimmed.starts_with('{') {
            return Ok(parse::<DealsDocument>(input)?.deals);
        }
        // `[]`, `[{...}, ...]` (one log) or `[[...], ...]` (several): the first element tells.
        let inner = trimmed.strip_prefix('[').unwrap_or(trimmed).trim_start();
        if inner.starts_with('[') {
            parse::<Vec<Vec<StoredEvent>>>(input)
        } else {
            let one: Vec<StoredEvent> = parse(input)?;
            Ok(if one.is_empty() {
                Vec::new()
            } else {
                vec![one]
            })
        }
    }
}

/// What `ltc import` wrote.
#[derive(Debug, Serialize)]
struct ImportOutput {
    deals: u64,
    events: u64,
}

/// `ltc import FILE`: whole logs, each checked (its chain, and a replay under the store's
/// processes) before anything is written, then all written in one transaction. `progress` is
/// told how many logs have been checked of how many.
///
/// # Errors
/// `malformed_json`; `tampered` or `invalid_event` naming the deal and the event of the first
/// log that does not check; `conflict` for a deal the store holds. Nothing is written then.
pub fn import(
    store: &mut Store,
    input: &str,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<String, Failure> {
    let logs = Logs::read(input)?;
    let total = u64::try_from(logs.len()).unwrap_or(u64::MAX);
    // Checked here one by one, so that a long import shows where it is; the store checks again
    // inside its transaction.
    let catalog = store.processes()?;
    for (done, log) in logs.iter().enumerate() {
        ltc_pipeline::integrity::verify(log)?;
        if let Some(first) = log.first() {
            let events: Vec<Event> = log.iter().map(|e| e.event.clone()).collect();
            Deal::replay(first.event.deal.clone(), catalog, &events)?;
        }
        progress(u64::try_from(done + 1).unwrap_or(u64::MAX), total);
    }
    let imported = store.import(logs)?;
    pretty(&ImportOutput {
        deals: imported.deals,
        events: imported.events,
    })
}

/// `ltc process publish FILE`: keeps a process definition under its name and version.
/// Publishing the same definition again changes nothing; another definition under a published
/// name and version is refused.
///
/// # Errors
/// `malformed_json` or the definition's validation error; `process_exists` for another
/// definition under a published name and version.
pub fn publish(store: &mut Store, input: &str) -> Result<String, Failure> {
    let definition: ProcessDefinition = parse(input)?;
    Ok(match store.publish(definition)? {
        Published::Added(reference) => format!("published {reference}\n"),
        Published::Unchanged(reference) => format!("unchanged {reference}\n"),
    })
}

/// `ltc process list`: the process versions the store keeps, one a line.
///
/// # Errors
/// A backend error.
pub fn processes(store: &mut Store) -> Result<String, Failure> {
    let mut out = String::new();
    for reference in store.processes()?.keys() {
        let _ = writeln!(out, "{reference}");
    }
    Ok(out)
}

/// Input of `ltc payout --deal DEAL`: the deal's incentive terms, the end of its window, and
/// holdback movements as in `ltc payout`.
#[derive(Debug, Deserialize)]
#[serde(remote = "Self", deny_unknown_fields)]
pub struct DealPayoutInput {
    /// How the pool is earned and split.
    pub terms: DealTerms,
    /// The end of the window (exclusive): team time is counted from the lead's capture to it.
    pub end: NaiveDate,
    /// Holdback releases and forfeitures, applied after the payments, in order.
    #[serde(default)]
    pub holdback: Vec<HoldbackInput>,
}

objects_only!(DealPayoutInput);

/// `ltc payout --deal DEAL`: the stored deal's team history, contract value and cash, paid as
/// tranches under the terms given, with holdback movements; the output of `ltc payout`.
///
/// # Errors
/// `unknown_deal`, `no_result` for a deal without a signed contract, `malformed_json`, or the
/// incentive crate's code.
pub fn payout(store: &mut Store, deal: &str, input: &str) -> Result<String, Failure> {
    let input: DealPayoutInput = parse(input)?;
    let deal = store.load(&DealId::new(deal))?;
    let bridge = ltc_incentive::from_deal(&deal, &input.terms, input.end)?;
    let tranches = bridge.tranches()?;
    let full_pool = bridge.rule.full_pool(bridge.request.scale)?;
    pretty(&paid(full_pool, tranches, &input.holdback)?)
}
