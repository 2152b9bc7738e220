//! Contribution-weighted bonus splits for lead-to-cash teams, exact to the
//! minor unit.
//!
//! *Result first, then process*: a pool exists only because of a result (a
//! signed contract, or cash collected), and is then shared by role and, within
//! a role, by measured contribution, adjusted for the time each person was on
//! the team and how fully they took part. Money is exact: every split sums to
//! its pool, every amount is within one minor unit of its exact share, and
//! leftover minor units go by a stated, deterministic rule. Every amount
//! explains itself.
//!
//! The crate is pure: no I/O, no clock, no randomness. Inputs and outputs are
//! `serde` types with decimals as strings and dates as `"YYYY-MM-DD"`. They are
//! read exactly and strictly: a decimal a `Decimal` cannot hold exactly is
//! refused with its value named, never rounded; every struct is read from a
//! JSON object only, and unknown fields are refused at every depth. Decimal
//! sums, differences and products are exact too, or a typed error
//! ([`Error::Inexact`], [`Error::Overflow`]); error messages are one line.
//!
//! # Example
//!
//! ```
//! use chrono::NaiveDate;
//! use ltc_incentive::{split, Ledger, Member, SplitRequest, Window};
//! use rust_decimal_macros::dec;
//!
//! let d = |m, d| NaiveDate::from_ymd_opt(2026, m, d).unwrap();
//!
//! // The iron triangle: account, solution and fulfilment roles at 40:30:30,
//! // over the first half of 2026 (181 days), 15% held back.
//! let request = SplitRequest::new(dec!(100000.00), Window::new(d(1, 1), d(7, 1)))
//!     .role("AR", dec!(40))
//!     .role("SR", dec!(30))
//!     .role("FR", dec!(30))
//!     .holdback(dec!(0.15))
//!     .member(Member::new("ana", "AR", dec!(1)))
//!     .member(Member::new("dan", "AR", dec!(1)).joined(d(4, 1))) // 91 of 181 days
//!     .member(Member::new("bo", "SR", dec!(2)))
//!     .member(Member::new("cy", "FR", dec!(1)));
//!
//! let result = split(&request)?;
//! let ana = result.person("ana").unwrap();
//! assert_eq!(ana.amount, dec!(26617.65)); // 40000 x 181 / 272
//! assert_eq!(ana.held, dec!(3992.65));
//! assert_eq!(ana.payable, dec!(22625.00));
//! assert_eq!(result.amount_of("dan"), dec!(13382.35));
//! assert_eq!(result.amount_of("bo"), dec!(30000.00));
//!
//! // Why dan got what he got:
//! let line = &result.person("dan").unwrap().lines[0];
//! assert_eq!((line.days, line.window_days), (91, 181));
//! assert_eq!(line.role_share, dec!(0.4));
//! assert_eq!(line.amount, line.exact_share + line.adjustment);
//!
//! // Pay it: a ledger turns successive splits into tranches.
//! let mut ledger = Ledger::new();
//! let tranche = ledger.pay(d(7, 15), &result)?;
//! assert_eq!(tranche.person("cy").unwrap().payable, dec!(25500.00));
//! # Ok::<(), ltc_incentive::Error>(())
//! ```
//!
//! # Map
//!
//! - [`allocate`]: the primitive, an amount split by weights with the
//!   largest remainder rule.
//! - [`split`] / [`SplitRequest`] → [`Split`] of [`Payout`]s of [`Line`]s:
//!   the team split with holdback and explanations.
//! - [`PoolRule`] (contract or cash [`Basis`]) and [`Payment`]s: the earned
//!   pool.
//! - [`Ledger`], [`Tranche`], [`tranches`]: cumulative payouts, clawback,
//!   holdback release and forfeiture.
//! - [`Plan`] of [`PlanVersion`]s (quota, [`Tier`]s applied by a [`Method`], floor, [`Caps`],
//!   [`Draw`], guarantee, [`Holdback`]), [`WonDeal`]s crediting people by [`SplitShare`]s or a
//!   [`TeamSplit`], at signature or as [`Receipt`]s arrive, undone by [`Reversal`]s:
//!   [`statement`] of a [`StatementRequest`] gives each person's [`Statement`] for a
//!   [`Period`], its [`StatementLine`]s summing to what is payable; closed periods never
//!   change, later facts become dated adjustments ([`history`] gives every period).
//! - [`Error`]: every refusal, with a stable [`Error::code`]; [`Error::At`] names where in a
//!   document.
//! - With the `pipeline` feature, `from_deal`: a pipeline deal's team history, contract value
//!   and cash as a split request, pool rule and payments in one call, under `DealTerms`.
//! - With the `proptest` feature, `strategies` for property tests.
//!
//! The rules as formulas, a worked example and the guarantees are in
//! `docs/incentive.md`.
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod allocate;
mod arith;
mod bigint;
#[cfg(feature = "pipeline")]
mod bridge;
mod credit;
mod earn;
mod error;
pub mod exact;
mod json;
mod ledger;
mod plan;
mod split;
mod statement;
mod strict;

#[cfg(feature = "proptest")]
#[cfg_attr(docsrs, doc(cfg(feature = "proptest")))]
pub mod strategies;

pub use allocate::allocate;
#[cfg(feature = "pipeline")]
#[cfg_attr(docsrs, doc(cfg(feature = "pipeline")))]
pub use bridge::{from_deal, from_deal_until, DealPayout, DealTerms, MemberBasis, StintDays};
pub use earn::{Basis, Payment, PoolRule};
pub use error::Error;
pub use ledger::{
    tranches, Account, HoldbackAction, HoldbackMovement, Ledger, Tranche, TrancheLine,
};
pub use split::{split, Line, Lines, Member, Payout, Split, SplitRequest, VacantRoles, Window};

pub use credit::{
    Credit, CreditKind, Receipt, Reversal, SplitShare, SplitType, TeamSplit, WonDeal,
};
pub use plan::{Caps, CreditOn, Draw, DrawKind, Holdback, Method, Plan, PlanVersion, Tier};
pub use statement::{
    history, statement, Cause, Closed, DrawBalance, HoldbackBalance, ManualAdjustment, Period,
    PeriodShown, Statement, StatementLine, StatementRequest, Statements, TierEarnings,
};

// What a host needs to build requests and read results, at the versions this crate is built
// with: no need to depend on `chrono` and `rust_decimal` directly, nor to match their versions.
pub use chrono;
pub use chrono::NaiveDate;
pub use rust_decimal;
pub use rust_decimal::Decimal;

// The getting-started guide runs as doc tests of `ltc-store`, where the store, the engine and
// this crate are all at hand.
