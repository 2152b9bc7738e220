//! Test support: a database of each kind to run the one behavioural suite against.
//!
//! SQLite is a file in a temporary folder. PostgreSQL is a fresh database on the server of
//! `ltc_store::testing::TestServer::shared()`: `LTC_TEST_POSTGRES_URL` when it is set, or else a
//! throw-away cluster started once per test binary (as the `postgres` user when the tests run as
//! root, on 127.0.0.1 and a free port, stopped as soon as the test binary exits). When no server
//! can be had, the PostgreSQL tests say so loudly and are skipped, unless `CI` is set: then they
//! fail.
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use chrono::{DateTime, Duration, TimeZone, Utc};
use ltc_pipeline::strategies::{lead_to_cash, Step};
use ltc_pipeline::{Command, DealId, Envelope};
use ltc_store::blocking::Store;
use ltc_store::testing::TestServer;
use ltc_store::{BackendKind, StoreError};
use std::io::Write as _;
use std::sync::OnceLock;

/// A database for one test: its location, and the means to reach under the store's API.
pub struct Db {
    pub kind: BackendKind,
    pub location: String,
    _dir: Option<tempfile::TempDir>,
}

impl Db {
    /// A SQLite file in a fresh temporary folder.
    pub fn sqlite() -> Db {
        let dir = tempfile::tempdir().unwrap();
        let location = dir.path().join("ltc.db").to_str().unwrap().to_owned();
        Db {
            kind: BackendKind::Sqlite,
            location,
            _dir: Some(dir),
        }
    }

    /// A fresh PostgreSQL database, or `None` (said loudly) when no server can be had outside
    /// CI.
    pub fn postgres() -> Option<Db> {
        match TestServer::shared() {
            Ok(server) => Some(Db {
                kind: BackendKind::Postgres,
                location: server.fresh_database().unwrap(),
                _dir: None,
            }),
            Err(reason) if in_ci() => {
                panic!("CI is set and the PostgreSQL tests cannot run: {reason}")
            }
            Err(reason) => {
                skipped(reason);
                None
            }
        }
    }

    /// A connection to the store.
    pub fn open(&self) -> Store {
        Store::open(&self.location).unwrap()
    }

    /// Runs SQL on the database directly, beside the store: what an operator (or an attacker
    /// with database access) can do.
    pub fn sql(&self, sql: &str) {
        match self.kind {
            BackendKind::Sqlite => rusqlite::Connection::open(&self.location)
                .unwrap()
                .execute_batch(sql)
                .unwrap(),
            BackendKind::Postgres => {
                ltc_store::testing::admin(&self.location, &[sql.to_owned()]).unwrap()
            }
        }
    }
}

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0")
}

fn skipped(reason: &StoreError) {
    static SAID: OnceLock<()> = OnceLock::new();
    SAID.get_or_init(|| {
        // Straight to the process's stderr: the test harness does not capture it.
        let _ = writeln!(
            std::io::stderr(),
            "\n\n!!!!!!!! SKIPPED: the PostgreSQL tests did not run: {reason}.\n!!!!!!!! Install \
             the PostgreSQL server (initdb, pg_ctl) or set LTC_TEST_POSTGRES_URL; under CI \
             (CI=true) this is a failure.\n"
        );
    });
}

// ---- deals ---------------------------------------------------------------------------------

/// The valid lead-to-cash script (41 commands, one event each).
pub fn script() -> Vec<Step> {
    lead_to_cash()
}

/// Step `i` of the script as an envelope expecting version `i`.
pub fn envelope(step: &Step, expected: Option<u64>) -> Envelope {
    Envelope {
        expected_version: expected,
        ..Envelope::new(step.actor.clone(), step.at, step.command.clone())
    }
}

/// A capture for a new deal.
pub fn capture(customer: &str) -> Envelope {
    let command = Command::CaptureLead {
        customer: customer.into(),
        source: "web".into(),
        estimate: None,
    };
    Envelope::new("ops", day(0), command).expecting(0)
}

pub fn day(n: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 5, 9, 0, 0).unwrap() + Duration::days(n)
}

pub fn id(text: &str) -> DealId {
    DealId::new(text)
}
