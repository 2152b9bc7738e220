//! placeholder
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod allocate;
mod error;
mod wide;

pub use allocate::allocate;
pub use error::Error;
