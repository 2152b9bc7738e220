//! Fixtures and baselines for the `ltc` benchmarks (see `docs/benchmarks.md`).
//!
//! The benches themselves live in `benches/`; this library holds what they share, so that each
//! baseline is unit-tested against the engine it is compared with:
//!
//! - [`fixtures`]: the lead-to-cash script, stored event logs with distinct deal ids, split
//!   requests and allocation weights, all deterministic.
//! - [`history`]: deals with a long history of one kind, and their next commands.
//! - [`floor`]: a hand-written minimal enum state machine of the same stages with the same money
//!   checks, the floor for deciding and replaying.
//! - [`naive`]: the naive `f64` allocation (the speed floor, which loses cents) and the count-only
//!   pass over events (the floor for analytics).
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod fixtures;
pub mod floor;
pub mod history;
pub mod naive;
