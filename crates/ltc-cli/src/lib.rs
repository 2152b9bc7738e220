//! The `ltc` command's subcommands as functions from one input document to one output document,
//! so that the binary stays a thin layer of arguments and files, and tests (and the checks of
//! `docs/cli.md`) call exactly what it runs.
//!
//! ```
//! let out = ltc_cli::commands::allocate(r#"{"amount": "100.00", "weights": ["1", "1", "1"]}"#)?;
//! let parts: serde_json::Value = serde_json::from_str(&out).unwrap();
//! assert_eq!(parts["parts"], serde_json::json!(["33.34", "33.33", "33.33"]));
//! # Ok::<(), ltc_cli::commands::Failure>(())
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod commands;
pub mod report;
pub mod show;
pub mod stored;
