//! The SQLite backend: one file, write-ahead log, `synchronous = FULL` (a commit is on disk when
//! it returns), appends serialized by SQLite's write lock (`BEGIN IMMEDIATE`).

use crate::backend::{
    count, digest, int, needs_schema, Backend, HeadRow, NewRow, Row, Tx, ORPHANS, SCHEMA_VERSION,
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
        // WAL: readers do not block the writer; FULL: a commit is durable when it returns.
        let _mode: String = conn
            .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
            .map_err(err)?;
        conn.pragma_update(None, "synchronous", "FULL")
            .map_err(err)?;
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
        let found: Option<i64> = tx
            .query_row("SELECT MAX(version) FROM ltc_schema", [], |r| r.get(0))
            .map_err(err)?;
        if needs_schema(found)? {
            tx.execute_batch(SCHEMA).map_err(err)?;
            tx.execute(
                "INSERT INTO ltc_schema (version, description) VALUES (?1, ?2)",
                params![SCHEMA_VERSION, "deals, events, stream, processes"],
            )
            .map_err(err)?;
            tx.execute(
                "INSERT INTO ltc_processes (name, version, definition) VALUES ('standard', 1, ?1)",
                params![standard],
            )
            .map_err(err)?;
        }
        tx.commit().map_err(err)?;
        Ok(Self { conn })
    }
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

impl Tx for SqliteTx<'_> {
    fn lock(&mut self, deal: &DealId) -> Result<Option<DealSummary>, StoreError> {
        // `BEGIN IMMEDIATE` took the database's write lock: nobody else appends until commit.
        read_summary(&self.tx, deal)
    }

    fn put(&mut self, prev: Option<u64>, head: HeadRow<'_>) -> Result<bool, StoreError> {
        let s = head.summary;
        let (deal, version) = (head.deal.as_str(), int(s.version)?);
        let (hash, opened, last) = (
            s.head.to_string(),
            time(&s.opened_at),
            time(&s.last_event_at),
        );
        let changed = match prev {
            Some(prev) => self
                .tx
                .prepare_cached(
                    "UPDATE ltc_deals SET version = ?2, head = ?3, opened_at = ?4, \
                     last_event_at = ?5 WHERE deal = ?1 AND version = ?6",
                )
                .and_then(|mut stmt| {
                    stmt.execute(params![
                        deal,
                        version,
                        hash,
                        opened,
                        last,
                        int(prev).unwrap_or(-1)
                    ])
                }),
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

    fn reserve(&mut self, n: u64) -> Result<i64, StoreError> {
        let mut stmt = self
            .tx
            .prepare_cached(
                "UPDATE ltc_stream SET position = position + ?1 WHERE id = 1 RETURNING position",
            )
            .map_err(err)?;
        let n = int(n)?;
        let last: i64 = stmt.query_row(params![n], |r| r.get(0)).map_err(err)?;
        Ok(last - n + 1)
    }

    fn insert(&mut self, rows: &[NewRow<'_>]) -> Result<(), StoreError> {
        let mut stmt = self
            .tx
            .prepare_cached(
                "INSERT INTO ltc_events (position, deal, version, record) VALUES (?1, ?2, ?3, ?4)",
            )
            .map_err(err)?;
        for row in rows {
            let event = &row.stored.event;
            stmt.execute(params![
                row.position,
                event.deal.as_str(),
                int(event.version)?,
                row.record
            ])
            .map_err(err)?;
        }
        Ok(())
    }

    fn commit(self: Box<Self>) -> Result<(), StoreError> {
        self.tx.commit().map_err(err)
    }
}
