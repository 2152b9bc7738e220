//! The examples of the `ltc` workspace: `quickstart` (one deal from lead to cash and the team's
//! payout), `gen_deals` (the seeded generator of `examples/data/deals.json`) and `service` (an
//! HTTP service over the event store: [`service`]). The `ltc` command is the `ltc-cli` crate.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod service;
