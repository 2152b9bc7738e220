//! The subcommands that work deals in a store (`ltc-store`): `exec`, `show`, `list`, `export`,
//! `import`, `process publish` / `process list`, `tail`, and `payout --deal`, over the store's
//! [blocking](ltc_store::blocking) handle.
//!
//! Each is a function of an open [`Store`], its input document and the instant it runs at, so
//! that tests run exactly what the binary runs, on a real SQLite file.
//!
//! ```
//! use chrono::{TimeZone, Utc};
//! use ltc_store::blocking::Store;
//! # let dir = std::env::temp_dir().join(format!("ltc-cli-doc-{}", std::process::id()));
//! # std::fs::create_dir_all(&dir).unwrap();
//! # let path = dir.join("ltc.db");
//! let store = Store::open(path.to_str().unwrap()).unwrap();
//! let capture = r#"{"actor": "ops", "at": "2026-03-02T09:00:00Z",
//!     "command": {"type": "capture_lead", "customer": "ACME", "source": "web", "estimate": null}}"#;
//! let envelope = ltc_cli::commands::parse(capture)?;
//! let out = ltc_cli::stored::exec(&store, "D-1", &envelope, None)?;
//! assert!(out.contains("\"lead_captured\""));
//! let now = Utc.with_ymd_and_hms(2026, 3, 3, 9, 0, 0).unwrap();
//! let listed = ltc_cli::stored::list(&store, now, false)?;
//! assert!(listed.contains("D-1") && listed.contains("captured"), "{listed}");
//! # drop(store); std::fs::remove_dir_all(&dir).ok();
//! # Ok::<(), ltc_cli::commands::Failure>(())
//! ```

use crate::commands::{
    objects_only, one_line, paid, parse, pretty, CommandResult, Failure, HoldbackInput,
};
use chrono::{DateTime, NaiveDate, Utc};
use ltc_analytics::{deal_due, deal_light, DealLight, Due, Light, Settings};
use ltc_incentive::DealTerms;
use ltc_pipeline::{
    Deal, DealId, Envelope, Event, GateNeeds, Process, ProcessDefinition, ProcessRef, StageKind,
    StoredEvent,
};
use ltc_store::blocking::Store;
use ltc_store::{Options, Published, StoreError};
use serde::{Deserialize, Serialize};
use std::fmt::Write as _;

impl From<StoreError> for Failure {
    fn from(e: StoreError) -> Self {
        Failure::new(e.code(), e.to_string())
    }
}

/// Opens the store at `location`: PostgreSQL for a URL or key=value string
/// ([`ltc_store::is_postgres`]),
/// else a SQLite file. A command that only reads passes `create: false`: the store is opened
/// read-only, so that it is never created nor written (a mistyped path, an empty file are
/// `no_store`; a store in a read-only folder reads).
///
/// # Errors
/// `bad_store` for an empty location, an in-memory database (it would keep nothing) or a folder;
/// `no_store` for a missing or empty file when `create` is false; the store's errors.
pub fn open(location: &str, create: bool) -> Result<Store, Failure> {
    let options = Options::default().read_only(!create);
    if location.trim().is_empty() {
        return Err(Failure::new(
            "bad_store",
            "the store location is empty: give --store PATH_OR_URL, or set LTC_STORE",
        ));
    }
    if ltc_store::is_postgres(location) {
        return Ok(Store::open_with(location, options)?);
    }
    if location == ":memory:" || location.starts_with("file:") {
        return Err(Failure::new(
            "bad_store",
            format!(
                "`{}` is not a file: a store must keep its deals; give a path",
                one_line(location)
            ),
        ));
    }
    let path = std::path::Path::new(location);
    if path.is_dir() {
        return Err(Failure::new(
            "bad_store",
            format!("`{}` is a folder, not a store file", one_line(location)),
        ));
    }
    if !create && std::fs::metadata(path).map_or(true, |m| m.len() == 0) {
        return Err(Failure::new(
            "no_store",
            format!(
                "no store at `{}`: `ltc exec` or `ltc import` creates one (or give --store)",
                one_line(location)
            ),
        ));
    }
    Ok(Store::open_with(location, options)?)
}

/// Reads `NAME@VERSION`, or `NAME` for the highest version of it the store keeps.
///
/// # Errors
/// `unknown_process` when the store keeps no such process; `usage` for a version that is not a
/// number.
pub fn process_ref(store: &Store, text: &str) -> Result<ProcessRef, Failure> {
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

/// `ltc exec DEAL`: decides one envelope (as in `run`'s `commands[]`, read with
/// [`parse`] before the store is opened) against the stored deal and
/// appends its events; prints them as `run` prints an accepted command's. A deal the store does
/// not hold starts with `capture_lead`, under `process` (`NAME@VERSION` or `NAME`; default
/// `standard@1`).
///
/// # Errors
/// The engine's code for a refusal;
/// `conflict` when the deal is not at the envelope's `expected_version`, or another writer
/// appended first. Nothing is written on an error.
pub fn exec(
    store: &Store,
    deal: &str,
    envelope: &Envelope,
    process: Option<&str>,
) -> Result<String, Failure> {
    let id = DealId::new(deal);
    if process.is_some() && store.summary(&id)?.is_some() {
        let runs = store
            .load(&id)?
            .process()
            .map_or_else(|| "no process".to_owned(), ToString::to_string);
        return Err(Failure::new(
            "usage",
            format!(
                "--process opens a new deal; deal `{}` runs under {runs} (a deal moves to \
                 another version by its `migrate_process` command)",
                one_line(deal)
            ),
        ));
    }
    let mut store = store.clone();
    if let Some(process) = process {
        let opening = process_ref(&store, process)?;
        store.set_opening(opening);
    }
    let executed = store.execute(&id, envelope)?;
    pretty(&CommandResult::Accepted {
        command: envelope.command.name(),
        events: executed.appended.events,
    })
}

fn events(log: Vec<StoredEvent>) -> Vec<Event> {
    log.into_iter().map(|e| e.event).collect()
}

/// `ltc show --json`: the state as `run` prints it as `final`, and while the deal waits for a
/// gate, what that gate needs.
#[derive(Debug, Serialize)]
pub struct Shown<'a> {
    /// The deal's state.
    #[serde(flatten)]
    pub deal: &'a Deal,
    /// What the gate the deal waits for needs ([`Deal::gate_needs`]); left out when it waits
    /// for none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub needs: Option<GateNeeds>,
}

/// `ltc show DEAL`: the stage, the team, the gate the deal waits for and what it needs (the open
/// gate with its votes), the contract and what is due at `now`; with `json`, a [`Shown`]: the
/// state exactly as `run` prints it as `final`, with `needs` beside it while it waits for a gate.
///
/// # Errors
/// `unknown_deal`; `invalid_event` or `tampered` for a stored log that does not replay or verify.
pub fn show(store: &Store, deal: &str, now: DateTime<Utc>, json: bool) -> Result<String, Failure> {
    let id = DealId::new(deal);
    let verified = store.verify(&id)?;
    // Under the version the deal runs under, as its next command is decided.
    let needs = match verified.deal.process() {
        Some(reference) => verified.deal.gate_needs(&store.process(reference)?)?,
        None => None,
    };
    if json {
        return pretty(&Shown {
            deal: &verified.deal,
            needs,
        });
    }
    let events = events(verified.log);
    let (light, due) = read_at(store, &verified.deal, &events, now)?;
    Ok(crate::show::deal(
        &verified.deal,
        needs.as_ref(),
        light.as_ref(),
        &due,
        now,
    ))
}

/// The light and what is due at `now`, for a deal whose last event is not after `now`; nothing
/// for one read at an instant before its last event (its state is the state after it).
fn read_at(
    store: &Store,
    deal: &Deal,
    events: &[Event],
    now: DateTime<Utc>,
) -> Result<(Option<DealLight>, Vec<Due>), Failure> {
    if deal.last_event_at().is_some_and(|last| last > now) {
        return Ok((None, Vec::new()));
    }
    let settings = Settings::default();
    let catalog = store.processes()?;
    Ok((
        deal_light(events, &*catalog, now, &settings)?,
        deal_due(events, &*catalog, now, &settings)?,
    ))
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
    /// The traffic light at `now` (open deals whose last event is not after `now`).
    pub light: Option<Light>,
    /// The version: the number of events stored.
    pub version: u64,
    /// The process version the deal runs under.
    pub process: Option<ProcessRef>,
    /// The head of its hash chain, to keep elsewhere and check with `ltc verify`.
    pub head: ltc_pipeline::integrity::Digest,
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
pub fn list(store: &Store, now: DateTime<Utc>, json: bool) -> Result<String, Failure> {
    let summaries = store.deals()?;
    let mut rows = Vec::with_capacity(summaries.len());
    for summary in summaries {
        let verified = store.verify(&summary.deal)?;
        let events = events(verified.log);
        let (light, _) = read_at(store, &verified.deal, &events, now)?;
        let deal = verified.deal;
        rows.push(Listed {
            customer: deal.customer().to_owned(),
            stage: deal.stage_kind(),
            light: light.map(|l| l.light),
            version: summary.version,
            process: deal.process().cloned(),
            head: verified.head,
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

/// `ltc verify --stored [--deal DEAL]`: every stored deal's log checked (its chain, the head
/// kept beside it, and a replay), or one deal's. Prints `ok N deals, M events`, or for one deal
/// `ok HEAD`.
///
/// # Errors
/// `tampered` (or the replay's code) naming the first deal that fails and how many fail.
pub fn verify(store: &Store, deal: Option<&str>) -> Result<String, Failure> {
    if let Some(deal) = deal {
        return Ok(format!("ok {}\n", store.verify(&DealId::new(deal))?.head));
    }
    let report = store.verify_all()?;
    match report.failures.first() {
        None => Ok(format!(
            "ok {} deals, {} events\n",
            report.deals, report.events
        )),
        Some((deal, error)) => Err(Failure::new(
            error.code(),
            format!(
                "{} of {} deals fail their check; the first, `{}`: {error}",
                report.failures.len(),
                report.deals,
                one_line(deal.as_str())
            ),
        )),
    }
}

/// `ltc export DEAL`: the deal's stored log as a JSON array of stored events, what `ltc verify`
/// checks and `ltc import` reads.
///
/// # Errors
/// `unknown_deal`, or `tampered` for a row that is not a stored event.
pub fn export(store: &Store, deal: &str) -> Result<String, Failure> {
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
    #[serde(
        default,
        rename = "now",
        deserialize_with = "ltc_pipeline::serde_strict::instant::option::deserialize"
    )]
    _now: Option<DateTime<Utc>>,
    #[serde(default, rename = "process")]
    _process: Option<crate::commands::ProcessInput>,
    #[serde(default, rename = "processes")]
    _processes: Vec<crate::commands::ProcessInput>,
    #[serde(default, rename = "settings")]
    _settings: Option<Settings>,
    #[serde(default, rename = "filter")]
    _filter: Option<ltc_analytics::Filter>,
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

/// `ltc import FILE`: whole logs (read with [`Logs::read`]), each checked (its chain, and a replay under the store's
/// processes) before anything is written, then all written in one transaction. `progress` is
/// told how many logs have been checked of how many.
///
/// # Errors
/// `tampered` or `invalid_event` naming the deal and the event of the first
/// log that does not check; `conflict` for a deal the store holds. Nothing is written then.
pub fn import(
    store: &Store,
    logs: Vec<Vec<StoredEvent>>,
    progress: impl FnMut(u64, u64) + Send + 'static,
) -> Result<String, Failure> {
    // Each log is checked (its chain, a replay) before anything is written; a process the
    // store does not keep is named with what to do.
    let imported = store.import_with(logs, progress).map_err(|e| match e {
        StoreError::Engine(e @ ltc_pipeline::Error::UnknownProcess { .. }) => Failure::new(
            e.code(),
            format!("{e}; publish it in the store first: `ltc process publish FILE`"),
        ),
        other => Failure::from(other),
    })?;
    pretty(&ImportOutput {
        deals: imported.deals,
        events: imported.events,
    })
}

/// `ltc tail`: every stream record after `after`, then each as it commits, one JSON object a
/// line (`{"position": N, "event": <stored event>}`), flushed as it is written; after `count`
/// records when it is given, else until the store fails or the output is closed.
///
/// # Errors
/// The store's errors; `io` when the output cannot be written (a closed pipe ends it quietly).
pub fn tail(
    store: &Store,
    after: u64,
    count: Option<u64>,
    out: &mut dyn std::io::Write,
) -> Result<(), Failure> {
    #[derive(serde::Serialize)]
    struct Line<'a> {
        position: u64,
        event: &'a StoredEvent,
    }
    if count == Some(0) {
        return Ok(());
    }
    for (written, record) in (1u64..).zip(store.subscribe(after)) {
        let record = record?;
        let line = serde_json::to_string(&Line {
            position: record.position,
            event: &record.event,
        })?;
        match writeln!(out, "{line}").and_then(|()| out.flush()) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => return Ok(()),
            Err(e) => return Err(Failure::new("io", e.to_string())),
        }
        if count.is_some_and(|n| written >= n) {
            break;
        }
    }
    Ok(())
}

/// `ltc process publish FILE`: keeps a process definition under its name and version.
/// Publishing the same definition again changes nothing; another definition under a published
/// name and version is refused.
///
/// # Errors
/// The definition's validation error; `process_exists` for another
/// definition under a published name and version.
pub fn publish(store: &Store, definition: ProcessDefinition) -> Result<String, Failure> {
    Ok(match store.publish(definition)? {
        Published::Added(reference) => format!("published {reference}\n"),
        Published::Unchanged(reference) => format!("unchanged {reference}\n"),
    })
}

/// `ltc process list`: the process versions the store keeps, one a line.
///
/// # Errors
/// A backend error.
pub fn processes(store: &Store) -> Result<String, Failure> {
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
    /// By default the day after the deal's last event.
    #[serde(default)]
    pub end: Option<NaiveDate>,
    /// Holdback releases and forfeitures, applied after the payments, in order.
    #[serde(default)]
    pub holdback: Vec<HoldbackInput>,
}

objects_only!(DealPayoutInput);

/// `ltc payout --deal DEAL`: the stored deal's team history, contract value and cash, paid as
/// tranches under the terms given, with holdback movements; the output of `ltc payout`.
///
/// # Errors
/// `unknown_deal`, `tampered`, `no_result` for a deal without a signed contract, or the
/// incentive crate's code.
pub fn payout(store: &Store, deal: &str, input: &DealPayoutInput) -> Result<String, Failure> {
    let deal = store.verify(&DealId::new(deal))?.deal;
    // The deal's own process version, as the store keeps it: the terms' roles must be its roles.
    let process = match deal.process() {
        Some(reference) => store.process(reference)?,
        None => Process::standard(),
    };
    let bridge = match input.end {
        Some(end) => ltc_incentive::from_deal_until(&deal, &process, &input.terms, end)?,
        None => ltc_incentive::from_deal(&deal, &process, &input.terms)?,
    };
    let tranches = bridge.tranches()?;
    let full_pool = bridge.rule.full_pool(bridge.request.scale)?;
    pretty(&paid(full_pool, tranches, &input.holdback)?)
}
