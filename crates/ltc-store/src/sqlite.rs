//! The SQLite backend: one file, write-ahead log, `synchronous = FULL` (a commit is on disk when
//! it returns), appends serialized by SQLite's write lock (`BEGIN IMMEDIATE`).

use crate::backend::{
    count, digest, int, needs_schema, Backend, NewRow, Put, Row, Tx, ORPHANS, SCHEMA_VERSION,
};
use crate::{DealSummary, StoreError};
use chrono::{DateTime, SecondsFormat, Utc};
use ltc_pipeline::DealId;
use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};
use std::path::Path;
use std::time::Duration;

/// How long a writer waits for another's write lock before the append fails.
const BUSY: Duration = Duration::from_secs(30);

const SCHEMA: &str = "
CREATE TABLE ltc_deals (
    deal          TEXT PRIMARY KEY,
    version       INTEGER NOT NULL CHECK (version > 0),
    head          TEXT NOT NULL,
    opened_at     TEXT NOT NULL,
    last_event_at TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE ltc_events (
    position INTEGER PRIMARY KEY,
    deal     TEXT NOT NULL,
    version  INTEGER NOT NULL CHECK (version > 0),
    record   TEXT NOT NULL,
    UNIQUE (deal, version)
);
CREATE TABLE ltc_stream (
    id       INTEGER PRIMARY KEY CHECK (id = 1),
    position INTEGER NOT NULL
);
INSERT INTO ltc_stream (id, position) VALUES (1, 0);
CREATE TABLE ltc_processes (
    name       TEXT NOT NULL,
    version    INTEGER NOT NULL,
    definition TEXT NOT NULL,
    PRIMARY KEY (name, version)
) WITHOUT ROWID;
";

pub(crate) struct Sqlite {
    conn: Connection,
}

fn err(e: rusqlite::Error) -> StoreError {
    StoreError::sqlite(e)
}

fn time(at: &DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

fn parse_time(deal: &str, text: &str) -> Result<DateTime<Utc>, StoreError> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| StoreError::Tampered {
            deal: DealId::new(deal),
            problem: format!(
                "the deal's row keeps the time `{}`: {e}",
                crate::error::esc(&text)
            ),
        })
}

fn summary(row: &rusqlite::Row<'_>) -> rusqlite::Result<(String, i64, String, String, String)> {
    Ok((
        row.get(0)?,
        row.get(1)?,
        row.get(2)?,
        row.get(3)?,
        row.get(4)?,
    ))
}

fn to_summary(
    (deal, version, head, opened, last): (String, i64, String, String, String),
) -> Result<DealSummary, StoreError> {
    Ok(DealSummary {
        head: digest(&deal, &head)?,
        opened_at: parse_time(&deal, &opened)?,
        last_event_at: parse_time(&deal, &last)?,
        version: count(version),
        deal: DealId::new(deal),
    })
}

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Row> {
    Ok(Row {
        position: r.get(0)?,
        deal: r.get(1)?,
        version: r.get(2)?,
        record: r.get(3)?,
    })
}

const SUMMARY: &str = "SELECT deal, version, head, opened_at, last_event_at FROM ltc_deals";
const ROW: &str = "SELECT position, deal, version, record FROM ltc_events";

impl Sqlite {
    pub(crate) fn open(path: &Path, standard: &str) -> Result<Self, StoreError> {
        let mut conn = Connection::open(path).map_err(err)?;
        conn.busy_timeout(BUSY).map_err(err)?;
        // A database of something else is refused, not given the store's tables and journal.
        if schema_version(&conn)?.is_none() {
            let other: Option<String> = conn
                .query_row(
                    "SELECT name FROM sqlite_master WHERE type = 'table' \
                     AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' \
                     AND name NOT LIKE 'ltc\\_%' ESCAPE '\\' LIMIT 1",
                    [],
                    |r| r.get(0),
                )
                .optional()
                .map_err(err)?;
            if let Some(table) = other {
                return Err(StoreError::Backend {
                    backend: "sqlite",
                    message: format!(
                        "`{}` is a SQLite database of something else (it has a table `{}`), not \
                         a store: give the path of a store, or of a file that does not exist yet",
                        crate::error::esc(&path.display()),
                        crate::error::esc(&table)
                    ),
                });
            }
        }
        // WAL: readers do not block the writer; FULL: a commit is durable when it returns.
        wal(&conn)?;
        conn.pragma_update(None, "synchronous", "FULL")
            .map_err(err)?;
        // A file with the schema is only read; an empty one gets it under the write lock.
        if needs_schema(schema_version(&conn)?)? {
            let tx = conn
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .map_err(err)?;
            tx.execute_batch(
                "CREATE TABLE IF NOT EXISTS ltc_schema (
                     version     INTEGER PRIMARY KEY,
                     description TEXT NOT NULL
                 )",
            )
            .map_err(err)?;
            if needs_schema(schema_version(&tx)?)? {
                tx.execute_batch(SCHEMA).map_err(err)?;
                tx.execute(
                    "INSERT INTO ltc_schema (version, description) VALUES (?1, ?2)",
                    params![SCHEMA_VERSION, "deals, events, stream, processes"],
                )
                .map_err(err)?;
                tx.execute(
                    "INSERT INTO ltc_processes (name, version, definition) \
                     VALUES ('standard', 1, ?1)",
                    params![standard],
                )
                .map_err(err)?;
            }
            tx.commit().map_err(err)?;
        }
        Ok(Self { conn })
    }
}

/// Puts the database in WAL mode unless it is. Switching takes the database's exclusive lock,
/// which SQLite does not wait for with the busy timeout: two processes opening a new file at once
/// would see `database is locked`, so the switch is tried again for a while.
fn wal(conn: &Connection) -> Result<(), StoreError> {
    let mode: String = conn
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .map_err(err)?;
    if mode.eq_ignore_ascii_case("wal") {
        return Ok(());
    }
    let mut waited = Duration::ZERO;
    loop {
        match conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get::<_, String>(0)) {
            Ok(_) => return Ok(()),
            Err(e)
                if waited < BUSY
                    && matches!(
                        e.sqlite_error_code(),
                        Some(
                            rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked
                        )
                    ) =>
            {
                let pause = Duration::from_millis(20);
                std::thread::sleep(pause);
                waited += pause;
            }
            Err(e) => return Err(err(e)),
        }
    }
}

/// The version `ltc_schema` records, if the table exists and holds one.
fn schema_version(conn: &Connection) -> Result<Option<i64>, StoreError> {
    let exists: bool = conn
        .query_row(
            "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'ltc_schema')",
            [],
            |r| r.get(0),
        )
        .map_err(err)?;
    if !exists {
        return Ok(None);
    }
    conn.query_row("SELECT MAX(version) FROM ltc_schema", [], |r| r.get(0))
        .map_err(err)
}

impl Backend for Sqlite {
    fn name(&self) -> &'static str {
        "sqlite"
    }

    fn begin(&mut self) -> Result<Box<dyn Tx + '_>, StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(err)?;
        Ok(Box::new(SqliteTx { tx }))
    }

    fn summary(&mut self, deal: &DealId) -> Result<Option<DealSummary>, StoreError> {
        read_summary(&self.conn, deal)
    }

    fn rows(&mut self, deal: &DealId, after: u64) -> Result<Vec<Row>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(&format!(
                "{ROW} WHERE deal = ?1 AND version > ?2 ORDER BY version"
            ))
            .map_err(err)?;
        let rows = stmt
            .query_map(params![deal.as_str(), int(after)?], row)
            .map_err(err)?;
        rows.collect::<Result<_, _>>().map_err(err)
    }

    fn summaries(&mut self) -> Result<Vec<DealSummary>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(&format!("{SUMMARY} ORDER BY deal"))
            .map_err(err)?;
        let rows = stmt
            .query_map([], summary)
            .map_err(err)?
            .collect::<Result<Vec<_>, _>>()
            .map_err(err)?;
        rows.into_iter().map(to_summary).collect()
    }

    fn stream(&mut self, after: u64, limit: u64) -> Result<Vec<Row>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(&format!(
                "{ROW} WHERE position > ?1 ORDER BY position LIMIT ?2"
            ))
            .map_err(err)?;
        let rows = stmt
            .query_map(params![int(after)?, int(limit)?], row)
            .map_err(err)?;
        rows.collect::<Result<_, _>>().map_err(err)
    }

    fn all_rows(&mut self) -> Result<Vec<Row>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(&format!("{ROW} ORDER BY deal, version"))
            .map_err(err)?;
        let rows = stmt.query_map([], row).map_err(err)?;
        rows.collect::<Result<_, _>>().map_err(err)
    }

    fn orphans(&mut self) -> Result<Vec<String>, StoreError> {
        let mut stmt = self.conn.prepare_cached(ORPHANS).map_err(err)?;
        let rows = stmt.query_map([], |r| r.get(0)).map_err(err)?;
        rows.collect::<Result<_, _>>().map_err(err)
    }

    fn last_position(&mut self) -> Result<u64, StoreError> {
        self.conn
            .query_row("SELECT position FROM ltc_stream WHERE id = 1", [], |r| {
                r.get::<_, i64>(0)
            })
            .map(count)
            .map_err(err)
    }

    fn definitions(&mut self) -> Result<Vec<(String, i64, String)>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT name, version, definition FROM ltc_processes ORDER BY name, version",
            )
            .map_err(err)?;
        let rows = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .map_err(err)?;
        rows.collect::<Result<_, _>>().map_err(err)
    }

    fn publish(
        &mut self,
        name: &str,
        version: i64,
        json: &str,
    ) -> Result<Option<String>, StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(err)?;
        let kept: Option<String> = tx
            .query_row(
                "SELECT definition FROM ltc_processes WHERE name = ?1 AND version = ?2",
                params![name, version],
                |r| r.get(0),
            )
            .optional()
            .map_err(err)?;
        if kept.is_none() {
            tx.execute(
                "INSERT INTO ltc_processes (name, version, definition) VALUES (?1, ?2, ?3)",
                params![name, version, json],
            )
            .map_err(err)?;
        }
        tx.commit().map_err(err)?;
        Ok(kept)
    }
}

fn read_summary(conn: &Connection, deal: &DealId) -> Result<Option<DealSummary>, StoreError> {
    let mut stmt = conn
        .prepare_cached(&format!("{SUMMARY} WHERE deal = ?1"))
        .map_err(err)?;
    let found = stmt
        .query_row(params![deal.as_str()], summary)
        .optional()
        .map_err(err)?;
    found.map(to_summary).transpose()
}

struct SqliteTx<'c> {
    tx: rusqlite::Transaction<'c>,
}

impl SqliteTx<'_> {
    fn put_one(&mut self, row: &Put<'_>) -> Result<bool, StoreError> {
        let s = row.summary;
        let (deal, version) = (s.deal.as_str(), int(s.version)?);
        let (hash, opened, last) = (
            s.head.to_string(),
            time(&s.opened_at),
            time(&s.last_event_at),
        );
        let changed = match row.prev {
            Some(prev) => {
                let prev = int(prev)?;
                self.tx
                    .prepare_cached(
                        "UPDATE ltc_deals SET version = ?2, head = ?3, opened_at = ?4, \
                         last_event_at = ?5 WHERE deal = ?1 AND version = ?6",
                    )
                    .and_then(|mut stmt| {
                        stmt.execute(params![deal, version, hash, opened, last, prev])
                    })
            }
            None => self
                .tx
                .prepare_cached(
                    "INSERT INTO ltc_deals (deal, version, head, opened_at, last_event_at) \
                     VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (deal) DO NOTHING",
                )
                .and_then(|mut stmt| stmt.execute(params![deal, version, hash, opened, last])),
        }
        .map_err(err)?;
        Ok(changed == 1)
    }
}

impl Tx for SqliteTx<'_> {
    fn lock(&mut self, deals: &[DealId]) -> Result<Vec<Option<DealSummary>>, StoreError> {
        // `BEGIN IMMEDIATE` took the database's write lock: nobody else appends until commit.
        deals
            .iter()
            .map(|deal| read_summary(&self.tx, deal))
            .collect()
    }

    fn put(&mut self, rows: &[Put<'_>]) -> Result<Vec<bool>, StoreError> {
        rows.iter().map(|row| self.put_one(row)).collect()
    }

    fn insert(&mut self, rows: &[NewRow<'_>]) -> Result<i64, StoreError> {
        let n = int(rows.len() as u64)?;
        let last: i64 = self
            .tx
            .prepare_cached(
                "UPDATE ltc_stream SET position = position + ?1 WHERE id = 1 RETURNING position",
            )
            .and_then(|mut stmt| stmt.query_row(params![n], |r| r.get(0)))
            .map_err(err)?;
        let first = last - n + 1;
        let mut stmt = self
            .tx
            .prepare_cached(
                "INSERT INTO ltc_events (position, deal, version, record) VALUES (?1, ?2, ?3, ?4)",
            )
            .map_err(err)?;
        for (position, row) in (first..).zip(rows) {
            let event = &row.stored.event;
            stmt.execute(params![
                position,
                event.deal.as_str(),
                int(event.version)?,
                row.record
            ])
            .map_err(err)?;
        }
        Ok(first)
    }

    fn commit(self: Box<Self>) -> Result<(), StoreError> {
        self.tx.commit().map_err(err)
    }
}
