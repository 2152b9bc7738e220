//! Shared code of the example binaries: the `ltc` subcommands as testable functions.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod cli;
pub mod report;
