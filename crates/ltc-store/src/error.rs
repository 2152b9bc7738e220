//! The store's error type: what only a store can get wrong, and the engine's refusals wrapped.

use ltc_pipeline::{DealId, ProcessRef};

/// What went wrong in the store. Every message is one line; user text in it is escaped.
///
/// [`code`](Self::code) gives a stable snake_case code for each variant (and the engine's own
/// code for a wrapped refusal), for a host's API responses and the `ltc` command's
/// `error: CODE: message` line.
///
/// ```
/// use ltc_store::StoreError;
/// let conflict = StoreError::Conflict { deal: "D-1".into(), expected: 3, actual: 4 };
/// assert_eq!(conflict.code(), "conflict");
/// assert_eq!(
///     conflict.to_string(),
///     "deal `D-1` is at version 4, not at the expected version 3: reload it and decide again"
/// );
/// ```
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The deal moved on since the version a command was decided on: another append won. Nothing
    /// of the losing append (or of its batch) was written.
    #[error(
        "deal `{}` is at version {actual}, not at the expected version {expected}: reload it and \
         decide again",
        esc(deal)
    )]
    Conflict {
        /// The deal.
        deal: DealId,
        /// The version the append was decided on.
        expected: u64,
        /// The version the store holds.
        actual: u64,
    },
    /// An import brings a deal the store holds already; nothing of the import was written.
    /// Its code is `conflict`, as for any write that meets a deal further on than it expects.
    #[error(
        "the store already holds deal `{}` (at version {version}): an import brings deals it does \
         not hold",
        esc(deal)
    )]
    Held {
        /// The deal.
        deal: DealId,
        /// The version the store holds.
        version: u64,
    },
    /// The store holds no event of this deal.
    #[error("the store holds no deal `{}`", esc(deal))]
    UnknownDeal {
        /// The deal asked for.
        deal: DealId,
    },
    /// The engine refused: a command the rules do not allow, a stored log that does not replay,
    /// a process definition that does not validate, a process version the catalog lacks.
    #[error(transparent)]
    Engine(#[from] ltc_pipeline::Error),
    /// A stored log fails its integrity check: an edited, dropped, inserted or moved event, a
    /// head that is not the log's, a row that is not a stored event.
    #[error("the stored log of deal `{}` was tampered with: {problem}", esc(deal))]
    Tampered {
        /// The deal.
        deal: DealId,
        /// What does not hold, naming the event.
        problem: String,
    },
    /// Events handed to an append that do not continue the deal at the version given (another
    /// deal's event, a version out of sequence), or a log handed to an import that cannot be
    /// imported (empty, a deal twice).
    #[error("cannot write to deal `{}`: {problem}", esc(deal))]
    Misplaced {
        /// The deal.
        deal: DealId,
        /// What is wrong with the events.
        problem: String,
    },
    /// A different definition is already published under this name and version. Publish the
    /// change as a new version.
    #[error(
        "a different definition is already published as `{process}`: publish the change as a new \
         version"
    )]
    ProcessExists {
        /// The name and version.
        process: ProcessRef,
    },
    /// A command was sent under a `command_id` the deal already holds for another command:
    /// an id names one command. The same command sent again is answered, not refused.
    #[error(
        "deal `{}` holds command id `{}` for another command: choose a new id for a new command",
        esc(deal),
        esc(command_id)
    )]
    CommandIdReused {
        /// The deal.
        deal: DealId,
        /// The id.
        command_id: ltc_pipeline::CommandId,
    },
    /// A process definition kept in the store does not read or does not validate: it was
    /// edited in the database.
    #[error(
        "the stored definition of `{process}` does not read: {} (it was edited in the database)",
        esc(problem)
    )]
    CorruptDefinition {
        /// The name and version it is kept under.
        process: ProcessRef,
        /// What is wrong with it.
        problem: String,
    },
    /// There is no store where one was to be read: no file, an empty file, a database without
    /// the store's schema. Opening to read never creates one.
    #[error(
        "no store at `{}`: a store is created by opening it to write",
        esc(location)
    )]
    NoStore {
        /// Where.
        location: String,
    },
    /// A write to a store opened read-only.
    #[error("the store was opened read-only: open it to write")]
    ReadOnly,
    /// The store's writer or runtime is gone (the process is shutting down).
    #[error("the store is closed")]
    Closed,
    /// The database's schema is of a version this library does not read.
    #[error(
        "the store's schema is version {found}, this library reads version {supported}: use a \
         matching ltc-store"
    )]
    SchemaVersion {
        /// The version the database records.
        found: i64,
        /// The version this library writes.
        supported: i64,
    },
    /// The database failed: it cannot be opened or reached, a statement failed, a row could not
    /// be read. The message is the database's own.
    #[error("{backend}: {}", esc(message))]
    Backend {
        /// `sqlite` or `postgres`.
        backend: &'static str,
        /// The database's message.
        message: String,
    },
}

impl StoreError {
    /// A stable snake_case code: `conflict`, `unknown_deal`, `tampered`, `misplaced`,
    /// `process_exists`, `schema_version`, `backend`, `command_id_reused`,
    /// `corrupt_definition`, `no_store`, `read_only`, `closed`, or the engine's code for a
    /// refusal.
    pub fn code(&self) -> &'static str {
        match self {
            StoreError::Conflict { .. } | StoreError::Held { .. } => "conflict",
            StoreError::UnknownDeal { .. } => "unknown_deal",
            StoreError::Engine(e) => e.code(),
            StoreError::Tampered { .. } => "tampered",
            StoreError::Misplaced { .. } => "misplaced",
            StoreError::ProcessExists { .. } => "process_exists",
            StoreError::SchemaVersion { .. } => "schema_version",
            StoreError::Backend { .. } => "backend",
            StoreError::CommandIdReused { .. } => "command_id_reused",
            StoreError::CorruptDefinition { .. } => "corrupt_definition",
            StoreError::NoStore { .. } => "no_store",
            StoreError::ReadOnly => "read_only",
            StoreError::Closed => "closed",
        }
    }

    pub(crate) fn sqlite(error: impl std::fmt::Display) -> Self {
        StoreError::Backend {
            backend: "sqlite",
            message: error.to_string(),
        }
    }

    pub(crate) fn postgres(error: &tokio_postgres::Error) -> Self {
        // The server's own message (with its detail) is more useful than the client's summary.
        let message = match error.as_db_error() {
            Some(db) => match db.detail() {
                Some(detail) => format!("{} ({})", db.message(), detail),
                None => db.message().to_owned(),
            },
            // The client's summary ("error connecting to server"), then what caused it.
            None => match std::error::Error::source(error) {
                Some(cause) => format!("{error}: {cause}"),
                None => error.to_string(),
            },
        };
        StoreError::Backend {
            backend: "postgres",
            message,
        }
    }

    /// The tampering the engine's chain check reports, as the store's own.
    pub(crate) fn from_chain(deal: &DealId, error: ltc_pipeline::Error) -> Self {
        match error {
            ltc_pipeline::Error::Tampered { .. } => StoreError::Tampered {
                deal: deal.clone(),
                problem: error.to_string(),
            },
            other => StoreError::Engine(other),
        }
    }
}

/// User text in a one-line message: control characters escaped.
pub(crate) fn esc(value: &impl std::fmt::Display) -> String {
    value
        .to_string()
        .chars()
        .flat_map(|c| {
            let escape = c.is_control() || matches!(c, '\u{2028}' | '\u{2029}');
            let (plain, escaped) = if escape {
                (None, Some(c.escape_default()))
            } else {
                (Some(c), None)
            };
            plain.into_iter().chain(escaped.into_iter().flatten())
        })
        .collect()
}
