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
//! use ltc_pipeline::*;
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
//! run(&mut deal, "ops", Command::capture_lead("ACME", "web", Some(Money::eur(80_000))), now)?;
//! let scores = [("budget", 4), ("decision_chain", 3), ("urgency", 5)];
//! run(&mut deal, "ana", Command::grade_lead(scores), now)?;
//! run(&mut deal, "ana", Command::QualifyLead {}, now)?;
//! for (person, role) in [("ana", Role::ar()), ("sam", Role::sr())] {
//!     run(&mut deal, "ops", Command::add_member(person, role, Decimal::ONE), now)?;
//! }
//!
//! // Opportunity approval: sales operations convenes, the panel votes, the convener records.
//! now += Duration::days(2);
//! let convene = Command::ConveneGate {
//!     gate: GateKind::OpportunityApproval,
//!     panel: vec![Seat::new("eve", "director")].into(),
//!     chair: None,
//!     materials: vec!["opportunity brief".into()].into(),
//! };
//! run(&mut deal, "ops", convene, now)?;
//! // A member of the deal's own team may not vote on it (four-eyes).
//! let vote = Command::cast_vote(Vote::Approve);
//! let refused = decide(&deal, &process, &vote, &"ana".into(), now).unwrap_err();
//! assert_eq!(refused.code(), "not_on_panel");
//! run(&mut deal, "eve", vote, now)?;
//! run(&mut deal, "ops", Command::record_decision("go"), now)?;
//! assert_eq!(deal.stage_kind(), Some(StageKind::SolutionWork));
//!
//! // The same meeting in one piece, with the materials the policy requires: `GateSession`.
//! let review = GateSession::new(GateKind::SolutionReview, "ops")
//!     .panel([("mia", "manager"), ("dan", "director")]);
//! for (actor, command) in review.steps(&process)? {
//!     run(&mut deal, actor.as_str(), command, now)?;
//! }
//! assert_eq!(deal.stage_kind(), Some(StageKind::Bid));
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
//!   [`Command`] has constructors for the long literals ([`Command::add_member`], ...);
//!   [`GateSession`] holds a whole gate meeting; [`Money::eur`] and [`Currency::EUR`] need no
//!   `Result`.
//! - Re-exported, so that a host need not depend on them at matching versions: [`Decimal`],
//!   [`DateTime`], [`Utc`], [`TimeZone`], [`Duration`], and the `chrono` and `rust_decimal` crates.
//! - [`serde_strict`]: the strict reading every input type follows (objects only, no unknown
//!   fields, exact decimals), for crates that build on this one.
//! - `strategies` (feature `proptest`): strategies for property tests against the engine, for
//!   the standard process or one's own.
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

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
mod json;
mod kinds;
mod money;
mod needs;
mod process;
pub mod records;
pub mod serde_strict;
mod session;
#[cfg(feature = "proptest")]
#[cfg_attr(docsrs, doc(cfg(feature = "proptest")))]
pub mod strategies;
mod team;

pub use command::{Command, Envelope};
pub use contract::{
    Amendment, CashKind, CashMovement, Contract, Invoice, Milestone, ProposedAmendment,
};
pub use deal::{Deal, Ending, Execution, Grade, SolutionPassage, Stage, Temperature};
pub use decide::decide;
pub use decide::migration::{preview, Preview, Verdict};
pub use error::Error;
pub use event::{Change, Event};
pub use format::{StoredEvent, FORMAT};
pub use gate::{
    Ballot, Closing, Condition, ConditionSpec, GateDecision, GateRecord, Meeting, Outcome, Seat,
    Tally, Vote,
};
pub use ids::{CommandId, ConditionId, DealId, InvoiceId, MilestoneId, PaymentId, PersonId, Role};
pub use kinds::{EndKind, Fact, GateKind, Phase, StageKind};
pub use money::{add as add_amounts, Currency, Money};
pub use needs::{Blocker, EscalationNeed, GateNeeds, RoleNeed, Votes};
pub use process::{
    Criterion, DecisionRule, Escalation, GatePolicy, Guard, LevelSeats, PanelSpec, Process,
    ProcessDefinition, ProcessRef, Processes, Scorecard,
};
pub use records::Records;

/// Free text in commands, events and the state (a customer's name, minutes, a comment, a reason):
/// shared, not copied, so an event and the state folded from it hold the same text, and a clone
/// is a reference count. Serialized as the plain string.
///
/// ```
/// use ltc_pipeline::Text;
/// let minutes: Text = "approved as presented".into();
/// assert_eq!(&*minutes, "approved as presented");
/// ```
pub type Text = std::sync::Arc<str>;
pub use session::GateSession;
pub use team::{Stint, Team};

// What a host needs to build commands and read events, at the versions this crate is built with:
// no need to depend on `chrono` and `rust_decimal` directly, nor to match their versions.
pub use chrono;
pub use chrono::{DateTime, Duration, TimeZone, Utc};
pub use rust_decimal;
pub use rust_decimal::Decimal;

/// The README's embedding example runs as a doc test, so the front page stays true.
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
struct ReadmeDoctests;

// The getting-started guide runs as doc tests of `ltc-store`, where every crate it uses is at hand.
