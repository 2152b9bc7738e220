//! The examples of the `ltc` workspace: `quickstart` (one deal from lead to cash and the team's
//! payout) and `gen_deals` (the seeded generator of `examples/data/deals.json`). The `ltc`
//! command is the `ltc-cli` crate.
#![forbid(unsafe_code)]
#![deny(missing_docs)]
