//! placeholder
#![forbid(unsafe_code)]
mod command;
mod contract;
mod deal;
mod decide;
mod error;
mod event;
mod gate;
mod ids;
mod kinds;
mod money;
mod process;
mod team;
pub use command::{Command, Envelope};
pub use contract::*;
pub use deal::*;
pub use decide::decide;
pub use error::Error;
pub use event::{Change, Event};
pub use gate::*;
pub use ids::*;
pub use kinds::*;
pub use money::{Currency, Money};
pub use process::*;
pub use team::*;
