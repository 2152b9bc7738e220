//! placeholder
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod allocate;
mod error;
mod split;
mod wide;

pub use allocate::allocate;
pub use error::Error;
pub use split::{split, Line, Member, Payout, Split, SplitRequest, VacantRoles, Window};
