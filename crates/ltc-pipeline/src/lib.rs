//! A pure, event-sourced lead-to-cash pipeline: typed stages, review gates, the iron-triangle team
//! and contract execution, from the first lead to cash collected.
//!
//! The engine is two functions. [`decide`] reads a [`Deal`], a [`Process`], a [`Command`], who
//! sends it and when, and returns the [`Event`]s it produces or an [`Error`] saying what was wrong.
//! [`Deal::apply`] folds an event into the deal. A deal is only ever a fold of its events, so a
//! host stores the events and [`Deal::replay`]s them. Nothing here reads a clock, does I/O, or
//! draws a random number: time and ids come in as arguments.
//!
//! # Example
//!
//! ```
//! use chrono::{Duration, TimeZone, Utc};
//! use ltc_pipeline::*;
//! use rust_decimal::Decimal;
//!
//! let process = Process::standard();
//! let mut deal = Deal::new(DealId::new("D-42"));
//! let mut now = Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap();
//! let mut log = Vec::new();
//! let mut run = |deal: &mut Deal, actor: &str, command: Command, now| -> Result<(), Error> {
//!     log.extend(deal.execute(&process, &command, &actor.into(), now)?);
//!     Ok(())
//! };
//!
//! let estimate = Some(Money::new(Decimal::from(80_000), "EUR")?);
//! run(&mut deal, "ops", Command::CaptureLead { customer: "ACME".into(), source: "web".into(), estimate }, now)?;
//! let scores = [("budget", 4), ("decision_chain", 3), ("urgency", 5)]
//!     .into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
//! run(&mut deal, "ana", Command::GradeLead { scores }, now)?;
//! run(&mut deal, "ana", Command::QualifyLead {}, now)?;
//! for (person, role) in [("ana", Role::ar()), ("sam", Role::sr())] {
//!     run(&mut deal, "ops", Command::AddMember { person: person.into(), role, involvement: Decimal::ONE }, now)?;
//! }
//!
//! // Opportunity approval: sales operations convenes, the panel votes, the convener records.
//! now += Duration::days(2);
//! let convene = Command::ConveneGate {
//!     gate: GateKind::OpportunityApproval,
//!     panel: vec![Seat::new("eve", "director")],
//!     chair: None,
//!     materials: vec!["opportunity brief".into()],
//! };
//! run(&mut deal, "ops", convene, now)?;
//! // A member of the deal's own team may not vote on it (four-eyes).
//! let vote = Command::CastVote { vote: Vote::Approve, comment: None };
//! let refused = decide(&deal, &process, &vote, &"ana".into(), now).unwrap_err();
//! assert_eq!(refused.code(), "not_on_panel");
//! run(&mut deal, "eve", vote, now)?;
//! run(&mut deal, "ops", Command::RecordDecision { minutes: "go".into(), conditions: vec![] }, now)?;
//! assert_eq!(deal.stage_kind(), Some(StageKind::SolutionWork));
//!
//! // The state is a fold of the log.
//! assert_eq!(Deal::replay(DealId::new("D-42"), &process, &log)?, deal);
//! # Ok::<(), Error>(())
//! ```
//!
//! # Where to look
//!
//! - [`Process`] and [`ProcessDefinition`]: gate policies, roles, levels, thresholds, service
//!   levels, validated with a stage graph; [`Process::standard`] is built in, and renders with
//!   [`Process::to_mermaid`] and [`Process::to_dot`].
//! - [`Stage`]: where a deal stands, holding the decisions that let it in; [`StageKind`] is its
//!   label.
//! - [`Meeting`], [`GateDecision`], [`GateRecord`]: the gate as a decision meeting and its audit
//!   trail; [`Team`] and [`Stint`]: dated membership; [`Contract`]: invoices, cash, amendments.
//! - [`Envelope`]: a command with its actor, time and expected version (optimistic concurrency).
//! - [`analytics`]: days in stage, the funnel, gate figures, traffic lights, what is due, digests.
//! - `strategies` (feature `proptest`): strategies for property tests against the engine.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod analytics;
mod command;
mod contract;
mod deal;
mod decide;
mod error;
mod event;
mod format;
mod gate;
mod ids;
pub mod integrity;
mod kinds;
mod migration;
mod money;
mod process;
mod serde_strict;
#[cfg(feature = "proptest")]
pub mod strategies;
mod team;

pub use command::{Command, Envelope};
pub use contract::{
    Amendment, CashKind, CashMovement, Contract, Invoice, Milestone, ProposedAmendment,
};
pub use deal::{Deal, Ending, Execution, Grade, SolutionPassage, Stage, Temperature};
pub use decide::decide;
pub use error::Error;
pub use event::{Change, Event};
pub use format::{StoredEvent, FORMAT};
pub use gate::{
    Ballot, Closing, Condition, ConditionSpec, GateDecision, GateRecord, Meeting, Outcome, Seat,
    Tally, Vote,
};
pub use ids::{ConditionId, DealId, InvoiceId, MilestoneId, PaymentId, PersonId, Role};
pub use kinds::{EndKind, Fact, GateKind, Phase, StageKind};
pub use migration::{preview, Preview, Verdict};
pub use money::{Currency, Money};
pub use process::{
    Criterion, DecisionRule, Escalation, GatePolicy, Guard, LevelSeats, PanelSpec, Process,
    ProcessDefinition, ProcessRef, Processes, Scorecard,
};
pub use team::{Stint, Team};

/// The README's embedding example runs as a doc test, so the front page stays true.
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
struct ReadmeDoctests;
