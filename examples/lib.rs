//! Shared code of the example binaries.
#![forbid(unsafe_code)]
