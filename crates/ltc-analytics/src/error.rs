//! The crate's error type.

use ltc_pipeline::DealId;
use rust_decimal::Decimal;

/// Everything the analytics refuse, each with a stable snake_case [`code`](Error::code).
///
/// ```
/// use ltc_analytics::{Error, Settings};
/// use rust_decimal::Decimal;
/// let bad = Settings { amber_share: Decimal::TWO, ..Settings::default() };
/// let err = bad.validate().unwrap_err();
/// assert_eq!(err.code(), "invalid_amber_share");
/// assert_eq!(err.to_string(), "the amber share must be above 0 and at most 1, not 2");
/// let core: Error = ltc_pipeline::Error::NotOpened.into();
/// assert_eq!(core.code(), "not_opened");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A refusal of the pipeline crate, with its own code: a log that does not replay
    /// (`invalid_event`), a process version the catalog lacks (`unknown_process`), a sum that
    /// would not be exact (`inexact`), ...
    #[error(transparent)]
    Core(#[from] ltc_pipeline::Error),
    /// A deal asked about at an instant before its first event.
    #[error("the deal has no event at or before the instant asked for")]
    NotOpened,
    /// Two logs of the same deal in one set.
    #[error("two logs are of the same deal `{}`", .deal.as_str().escape_debug())]
    DuplicateDeal {
        /// The deal.
        deal: DealId,
    },
    /// An amber share outside (0, 1].
    #[error("the amber share must be above 0 and at most 1, not {share}")]
    InvalidAmberShare {
        /// The share given.
        share: Decimal,
    },
    /// A count, a sum or a length of time too large to hold.
    #[error("a figure is too large to hold")]
    Overflow,
}

impl Error {
    /// The stable snake_case code: the core's for [`Error::Core`].
    pub fn code(&self) -> &'static str {
        match self {
            Error::Core(e) => e.code(),
            Error::NotOpened => "not_opened",
            Error::DuplicateDeal { .. } => "duplicate_id",
            Error::InvalidAmberShare { .. } => "invalid_amber_share",
            Error::Overflow => "overflow",
        }
    }
}
