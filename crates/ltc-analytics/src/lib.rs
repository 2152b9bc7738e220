//! Pipeline analytics and service levels: what managers and sellers look at, over the event logs
//! of [`ltc_pipeline`] deals.
//!
//! Pure functions over stored event logs and a `now` passed in by the caller. Nothing here reads a
//! clock or does I/O: the same logs and the same `now` always give the same figures.
//!
//! Every figure is **as of `now`**: a log is replayed up to its first event dated after `now`, so a
//! host can ask what the pipeline looked like on any past day. Durations are exact to the second
//! ([`Elapsed::seconds`]) and shown in days rounded to two places ([`Elapsed::days`]); ratios and
//! money are exact [`Decimal`](rust_decimal::Decimal)s, rounded only where a division needs it (see `docs/analytics.md`).
//!
//! - One deal: [`deal_figures`] (days in each stage, cycle length, age in stage), [`deal_light`]
//!   (green, amber or red against the service levels) and [`deal_due`] (what is due).
//! - A set of deals: [`Snapshot`] replays them once, then gives the [`Funnel`], the
//!   [`GateFigures`], [`PersonFigures`], the lights, what is [`Due`], a person's daily
//!   [`Digest`] and the [`Enablement`] figures, each over the deals a [`Filter`] selects.
//!
//! # Example
//!
//! ```
//! use chrono::{Duration, TimeZone, Utc};
//! use ltc_analytics::{self as analytics, Filter, Light, Settings, Snapshot};
//! use ltc_pipeline::{Command, Deal, DealId, Process, StageKind};
//!
//! let process = Process::standard();
//! let mut deal = Deal::new(DealId::new("D-1"));
//! let start = Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap();
//! let capture = Command::CaptureLead { customer: "ACME".into(), source: "web".into(), estimate: None };
//! let log = deal.execute(&process, &capture, &"ops".into(), start)?;
//!
//! // Six days later the lead is still ungraded: amber (past 80% of the 7-day service level).
//! let now = start + Duration::days(6);
//! let figures = analytics::deal_figures(&log, &process, now)?;
//! assert_eq!(figures.stage, StageKind::Captured);
//! assert_eq!(figures.cycle.days.to_string(), "6.00");
//! let light = analytics::deal_light(&log, &process, now, &Settings::default())?;
//! assert_eq!(light.map(|l| l.light), Some(Light::Amber));
//!
//! let logs = vec![log];
//! let snapshot = Snapshot::new(&logs, &process, now)?;
//! let funnel = snapshot.funnel(&Filter::default())?;
//! assert_eq!(funnel.deals, 1);
//! # Ok::<(), ltc_analytics::Error>(())
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

// The modules are layered, each using only those before it (no import circle): error, text;
// elapsed, happening, levels; replay; deal, filter; figures, service; stages, digest; snapshot; report;
// html. `tests/modules.rs` checks it.
mod deal;
mod digest;
mod elapsed;
mod error;
mod figures;
mod filter;
mod happening;
pub mod html;
mod levels;
mod replay;
mod report;
mod service;
mod snapshot;
mod stages;
pub mod text;

pub use deal::{deal_figures, DealFigures, EndFigure, StageTime, StageVisit};
pub use digest::{Digest, DigestDue, Happened};
pub use elapsed::{Durations, Elapsed};
pub use error::Error;
pub use figures::{
    Cohort, Enablement, Funnel, FunnelRow, GateFigures, OutcomeCounts, PersonFigures, SizeFigures,
    Total, FUNNEL_STAGES,
};
pub use filter::Filter;
pub use happening::{Happening, HappeningKind, What};
pub use levels::ServiceLevels;
pub use report::Report;
pub use service::{
    deal_due, deal_light, DealLight, Due, DueKind, Light, Reading, Settings, Subject,
};
pub use snapshot::Snapshot;
pub use stages::{StageDays, StagePoint};
