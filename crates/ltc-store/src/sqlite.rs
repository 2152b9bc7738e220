//! The SQLite backend: one file, write-ahead log, `synchronous = FULL` (a commit is on disk when
//! it returns). The writer owns one connection on a thread of its own and groups the writes
//! waiting for it into one transaction (`BEGIN IMMEDIATE`: SQLite's write lock, which writers in
//! other processes wait for); reads use a small pool of connections on the store's blocking
//! threads. A store opened read-only opens the file read-only and writes nothing, not even its
//! write-ahead log's index, so a file in a read-only folder reads.

use crate::options::Options;
use crate::rows::{
    count, digest, int, schema_need, CommandRow, Row, SchemaNeed, Stamp, Stamped, ORPHANS,
    SCHEMA_VERSION,
};
use crate::writer::{self, Job, Lost, Shared, Tx, Write};
use crate::{DealSummary, StoreError};
use chrono::{DateTime, SecondsFormat, Utc};
use ltc_pipeline::{CommandId, DealId};
use rusqlite::types::ValueRef;
use rusqlite::{params, Connection, OpenFlags, OptionalExtension};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::mpsc;

const SCHEMA: &str = "
CREATE TABLE ltc_deals (
    deal          TEXT PRIMARY KEY,
    version       INTEGER NOT NULL CHECK (version > 0),
    head          TEXT NOT NULL,
    opened_at     TEXT NOT NULL,
    last_event_at TEXT NOT NULL,
    edits         INTEGER NOT NULL DEFAULT 0
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

/// What version 1 lacks of version 2's deal rows.
const UPGRADE_1: &str = "ALTER TABLE ltc_deals ADD COLUMN edits INTEGER NOT NULL DEFAULT 0;";

/// What version 2 adds: the command ids each deal holds, subscribers' checkpoints, and the
/// triggers that count the edits and deletions of a deal's stored events behind the store.
const SCHEMA_2: &str = "
CREATE TABLE IF NOT EXISTS ltc_commands (
    deal          TEXT NOT NULL,
    command_id    TEXT NOT NULL,
    first_version INTEGER NOT NULL,
    last_version  INTEGER NOT NULL,
    digest        TEXT NOT NULL,
    PRIMARY KEY (deal, command_id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS ltc_checkpoints (
    name     TEXT PRIMARY KEY,
    position INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TRIGGER IF NOT EXISTS ltc_events_updated AFTER UPDATE ON ltc_events BEGIN
    UPDATE ltc_deals SET edits = edits + 1 WHERE deal IN (OLD.deal, NEW.deal);
END;
CREATE TRIGGER IF NOT EXISTS ltc_events_deleted AFTER DELETE ON ltc_events BEGIN
    UPDATE ltc_deals SET edits = edits + 1 WHERE deal = OLD.deal;
END;
";

fn err(e: rusqlite::Error) -> StoreError {
    StoreError::sqlite(e)
}

/// A write's failure: a row that is there already (an event at its version, a command id the
/// deal holds) means the deal moved on since it was read; anything else, the database failed.
fn lost(e: rusqlite::Error) -> Lost {
    if e.sqlite_error_code() == Some(rusqlite::ErrorCode::ConstraintViolation) {
        Lost::Race(DealId::new(""))
    } else {
        Lost::Failed(err(e))
    }
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

type SummaryRow = (String, i64, String, String, String, i64, Option<i64>);

fn summary_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<SummaryRow> {
    Ok((
        row.get(0)?,
        row.get(1)?,
        row.get(2)?,
        row.get(3)?,
        row.get(4)?,
        row.get(5)?,
        row.get(6)?,
    ))
}

fn to_stamped(
    (deal, version, head, opened, last, edits, stored): SummaryRow,
) -> Result<Stamped, StoreError> {
    Ok((
        DealSummary {
            head: digest(&deal, &head)?,
            opened_at: parse_time(&deal, &opened)?,
            last_event_at: parse_time(&deal, &last)?,
            version: count(version),
            deal: DealId::new(deal),
        },
        Stamp {
            edits,
            last: stored.map_or(0, count),
        },
    ))
}

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Row> {
    let record = match r.get_ref(3)? {
        ValueRef::Text(text) => std::str::from_utf8(text)
            .map(str::to_owned)
            .map_err(|e| format!("its text is not UTF-8: {e}")),
        other => Err(format!("it holds a value of type {}", other.data_type())),
    };
    Ok(Row {
        position: r.get(0)?,
        deal: r.get(1)?,
        version: r.get(2)?,
        record,
    })
}

const SUMMARY: &str = "SELECT d.deal, d.version, d.head, d.opened_at, d.last_event_at, d.edits, \
     (SELECT max(e.version) FROM ltc_events e WHERE e.deal = d.deal) FROM ltc_deals d";
const ROW: &str = "SELECT position, deal, version, record FROM ltc_events";

/// A store file as opened.
pub(crate) type Opened = crate::rows::Opened<Readers, Writer>;

/// The connections reads use, opened as they are needed and kept for the next read.
#[derive(Debug)]
pub(crate) struct Readers {
    path: PathBuf,
    read_only: bool,
    busy: Duration,
    size: usize,
    idle: Mutex<Vec<Connection>>,
}

impl Readers {
    fn connect(&self) -> Result<Connection, StoreError> {
        let conn = if self.read_only {
            open_read_only(&self.path)?
        } else {
            Connection::open_with_flags(
                &self.path,
                OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
            )
            .map_err(err)?
        };
        conn.busy_timeout(self.busy).map_err(err)?;
        Ok(conn)
    }

    /// Runs `op` on an idle connection (or a new one), then keeps the connection for the next.
    pub(crate) fn with<T>(
        &self,
        op: impl FnOnce(&Connection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let idle = self.idle.lock().map(|mut idle| idle.pop()).unwrap_or(None);
        let conn = match idle {
            Some(conn) => conn,
            None => self.connect()?,
        };
        let result = op(&conn);
        // A connection left in a transaction (a failed commit) would hold the write lock.
        if conn.is_autocommit() {
            if let Ok(mut idle) = self.idle.lock() {
                if idle.len() < self.size {
                    idle.push(conn);
                }
            }
        }
        result
    }
}

/// Opens a store file for reading only. In write-ahead-log mode SQLite reads through the log's
/// index, which it cannot create in a read-only folder: such a file is then opened as immutable
/// (no other process can be writing to it where nobody may create a file).
fn open_read_only(path: &Path) -> Result<Connection, StoreError> {
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags).map_err(err)?;
    match conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
        r.get::<_, i64>(0)
    }) {
        Ok(_) => Ok(conn),
        Err(e)
            if matches!(
                e.sqlite_error_code(),
                Some(rusqlite::ErrorCode::CannotOpen | rusqlite::ErrorCode::ReadOnly)
            ) =>
        {
            drop(conn);
            let uri = format!(
                "file:{}?immutable=1",
                path.display()
                    .to_string()
                    .replace('%', "%25")
                    .replace('?', "%3f")
                    .replace('#', "%23")
            );
            Connection::open_with_flags(uri, flags | OpenFlags::SQLITE_OPEN_URI).map_err(err)
        }
        Err(e) => Err(err(e)),
    }
}

/// Opens (or, unless read-only, creates) the store in the file at `path`.
pub(crate) fn open(path: &Path, options: &Options, standard: &str) -> Result<Opened, StoreError> {
    let shown = crate::error::esc(&path.display());
    if path.is_dir() {
        return Err(StoreError::Backend {
            backend: "sqlite",
            message: format!("`{shown}` is a folder, not a store file"),
        });
    }
    let empty = std::fs::metadata(path).map_or(true, |m| m.len() == 0);
    if options.read_only && empty {
        return Err(StoreError::NoStore {
            location: path.display().to_string(),
        });
    }
    let readers = Readers {
        path: path.to_path_buf(),
        read_only: options.read_only,
        busy: options.busy_timeout,
        size: options.pool_size.max(1),
        idle: Mutex::new(Vec::new()),
    };
    if options.read_only {
        let (definitions, last_position) = readers.with(|conn| {
            match schema_need(schema_version(conn)?)? {
                SchemaNeed::Create => return Err(not_a_store(conn, path)?),
                SchemaNeed::Upgrade(found) => return Err(crate::rows::needs_upgrade(found)),
                SchemaNeed::Ready => {}
            }
            Ok((definitions(conn)?, last_position(conn)?))
        })?;
        return Ok(Opened {
            readers,
            writer: None,
            definitions,
            last_position,
        });
    }
    let mut conn = Connection::open(path).map_err(err)?;
    conn.busy_timeout(options.busy_timeout).map_err(err)?;
    // A database of something else is refused, not given the store's tables and journal.
    if schema_version(&conn)?.is_none() {
        if let other @ StoreError::Backend { .. } = not_a_store(&conn, path)? {
            return Err(other);
        }
    }
    // WAL: readers do not block the writer; FULL: a commit is durable when it returns.
    wal(&conn, options.busy_timeout)?;
    conn.pragma_update(None, "synchronous", "FULL")
        .map_err(err)?;
    // A file with the schema is only read; an empty one gets it under the write lock.
    if schema_need(schema_version(&conn)?)? != SchemaNeed::Ready {
        let tx = conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(err)?;
        tx.execute_batch(
            "CREATE TABLE IF NOT EXISTS ltc_schema (
                 version     INTEGER PRIMARY KEY,
                 description TEXT NOT NULL
             )",
        )
        .map_err(err)?;
        match schema_need(schema_version(&tx)?)? {
            SchemaNeed::Ready => {}
            SchemaNeed::Create => {
                tx.execute_batch(SCHEMA).map_err(err)?;
                tx.execute_batch(SCHEMA_2).map_err(err)?;
                tx.execute(
                    "INSERT INTO ltc_processes (name, version, definition) \
                     VALUES ('standard', 1, ?1)",
                    params![standard],
                )
                .map_err(err)?;
                record_schema(&tx)?;
            }
            SchemaNeed::Upgrade(_) => {
                tx.execute_batch(UPGRADE_1).map_err(err)?;
                tx.execute_batch(SCHEMA_2).map_err(err)?;
                record_schema(&tx)?;
            }
        }
        tx.commit().map_err(err)?;
    }
    let opened = Opened {
        definitions: definitions(&conn)?,
        last_position: last_position(&conn)?,
        readers,
        writer: Some(Writer { conn }),
    };
    Ok(opened)
}

fn record_schema(tx: &Connection) -> Result<(), StoreError> {
    tx.execute(
        "INSERT INTO ltc_schema (version, description) VALUES (?1, ?2)",
        params![
            SCHEMA_VERSION,
            "deals, events, stream, processes, commands, checkpoints"
        ],
    )
    .map_err(err)?;
    Ok(())
}

/// Why a file without the store's schema is not a store: empty (`no_store`), or another
/// program's database.
fn not_a_store(conn: &Connection, path: &Path) -> Result<StoreError, StoreError> {
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
    Ok(match other {
        Some(table) => StoreError::Backend {
            backend: "sqlite",
            message: format!(
                "`{}` is a SQLite database of something else (it has a table `{}`), not a \
                 store: give the path of a store, or of a file that does not exist yet",
                crate::error::esc(&path.display()),
                crate::error::esc(&table)
            ),
        },
        None => StoreError::NoStore {
            location: path.display().to_string(),
        },
    })
}

/// Puts the database in WAL mode unless it is. Switching takes the database's exclusive lock,
/// which SQLite does not wait for with the busy timeout: two processes opening a new file at once
/// would see `database is locked`, so the switch is tried again for a while.
fn wal(conn: &Connection, busy: Duration) -> Result<(), StoreError> {
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
                if waited < busy
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

fn missing_table(e: &rusqlite::Error) -> bool {
    e.to_string().contains("no such table")
}

// ---- reads ---------------------------------------------------------------------------------

pub(crate) fn stamped(conn: &Connection, deal: &DealId) -> Result<Option<Stamped>, StoreError> {
    let mut stmt = conn
        .prepare_cached(&format!("{SUMMARY} WHERE d.deal = ?1"))
        .map_err(err)?;
    let found = stmt
        .query_row(params![deal.as_str()], summary_row)
        .optional()
        .map_err(err)?;
    found.map(to_stamped).transpose()
}

pub(crate) fn summary(conn: &Connection, deal: &DealId) -> Result<Option<DealSummary>, StoreError> {
    Ok(stamped(conn, deal)?.map(|(summary, _)| summary))
}

pub(crate) fn summaries(conn: &Connection) -> Result<Vec<DealSummary>, StoreError> {
    let mut stmt = conn
        .prepare_cached("SELECT deal, version, head, opened_at, last_event_at, 0, NULL FROM ltc_deals ORDER BY deal")
        .map_err(err)?;
    let rows = stmt
        .query_map([], summary_row)
        .map_err(err)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(err)?;
    rows.into_iter()
        .map(|r| to_stamped(r).map(|(summary, _)| summary))
        .collect()
}

pub(crate) fn rows(conn: &Connection, deal: &DealId, after: u64) -> Result<Vec<Row>, StoreError> {
    let mut stmt = conn
        .prepare_cached(&format!(
            "{ROW} WHERE deal = ?1 AND version > ?2 ORDER BY version"
        ))
        .map_err(err)?;
    let rows = stmt
        .query_map(params![deal.as_str(), int(after)?], row)
        .map_err(err)?;
    rows.collect::<Result<_, _>>().map_err(err)
}

pub(crate) fn stream(conn: &Connection, after: u64, limit: u64) -> Result<Vec<Row>, StoreError> {
    let mut stmt = conn
        .prepare_cached(&format!(
            "{ROW} WHERE position > ?1 ORDER BY position LIMIT ?2"
        ))
        .map_err(err)?;
    let rows = stmt
        .query_map(params![int(after)?, int(limit)?], row)
        .map_err(err)?;
    rows.collect::<Result<_, _>>().map_err(err)
}

pub(crate) fn last_position(conn: &Connection) -> Result<u64, StoreError> {
    conn.query_row("SELECT position FROM ltc_stream WHERE id = 1", [], |r| {
        r.get::<_, i64>(0)
    })
    .map(count)
    .map_err(err)
}

pub(crate) fn definitions(conn: &Connection) -> Result<Vec<(String, i64, String)>, StoreError> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT name, version, definition FROM ltc_processes ORDER BY name, version",
        )
        .map_err(err)?;
    let rows = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .map_err(err)?;
    rows.collect::<Result<_, _>>().map_err(err)
}

pub(crate) fn publish(
    conn: &Connection,
    name: &str,
    version: i64,
    json: &str,
) -> Result<Option<String>, StoreError> {
    conn.execute_batch("BEGIN IMMEDIATE").map_err(err)?;
    let result = (|| {
        let kept: Option<String> = conn
            .query_row(
                "SELECT definition FROM ltc_processes WHERE name = ?1 AND version = ?2",
                params![name, version],
                |r| r.get(0),
            )
            .optional()
            .map_err(err)?;
        if kept.is_none() {
            conn.execute(
                "INSERT INTO ltc_processes (name, version, definition) VALUES (?1, ?2, ?3)",
                params![name, version, json],
            )
            .map_err(err)?;
        }
        Ok(kept)
    })();
    match result {
        Ok(kept) => match conn.execute_batch("COMMIT") {
            Ok(()) => Ok(kept),
            Err(e) => {
                let _ = conn.execute_batch("ROLLBACK");
                Err(err(e))
            }
        },
        Err(e) => {
            let _ = conn.execute_batch("ROLLBACK");
            Err(e)
        }
    }
}

pub(crate) fn checkpoint(conn: &Connection, name: &str, position: i64) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO ltc_checkpoints (name, position) VALUES (?1, ?2) \
         ON CONFLICT (name) DO UPDATE SET position = excluded.position",
        params![name, position],
    )
    .map_err(err)?;
    Ok(())
}

pub(crate) fn checkpoint_of(conn: &Connection, name: &str) -> Result<Option<u64>, StoreError> {
    match conn
        .query_row(
            "SELECT position FROM ltc_checkpoints WHERE name = ?1",
            params![name],
            |r| r.get::<_, i64>(0),
        )
        .optional()
    {
        Ok(found) => Ok(found.map(count)),
        // A store of schema 1 opened read-only has no checkpoints.
        Err(e) if missing_table(&e) => Ok(None),
        Err(e) => Err(err(e)),
    }
}

/// What is wrong with the stream, by deal: positions past the last one the store gave, and
/// events stored without their deal's row.
pub(crate) fn stream_problems(
    conn: &Connection,
) -> Result<Vec<(String, crate::StreamProblem)>, StoreError> {
    let mut out = Vec::new();
    let mut stmt = conn
        .prepare(
            "SELECT deal, position FROM ltc_events \
             WHERE position > (SELECT position FROM ltc_stream WHERE id = 1) ORDER BY position",
        )
        .map_err(err)?;
    let past = stmt
        .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))
        .map_err(err)?;
    for found in past {
        let (deal, position) = found.map_err(err)?;
        out.push((deal, crate::StreamProblem::past(position)));
    }
    let mut stmt = conn.prepare(ORPHANS).map_err(err)?;
    let orphans = stmt.query_map([], |r| r.get::<_, String>(0)).map_err(err)?;
    for deal in orphans {
        out.push((deal.map_err(err)?, crate::StreamProblem::orphan()));
    }
    Ok(out)
}

// ---- the writer ----------------------------------------------------------------------------

/// The writer's connection: every write of the store goes through it.
pub(crate) struct Writer {
    conn: Connection,
}

/// Starts the writer on a thread of its own; the sender is where writes go.
pub(crate) fn start_writer(
    writer: Writer,
    shared: Arc<Shared>,
) -> Result<mpsc::UnboundedSender<Job>, StoreError> {
    writer::start("sqlite", writer, shared)
}

impl Writer {
    fn put(&self, put: &writer::Put) -> Result<bool, StoreError> {
        let s = &put.summary;
        let (deal, version) = (s.deal.as_str(), int(s.version)?);
        let (hash, opened, last) = (
            s.head.to_string(),
            time(&s.opened_at),
            time(&s.last_event_at),
        );
        let changed = match put.prev {
            Some(prev) => {
                let prev = int(prev)?;
                let (prev_head, edits) = (put.expect.0.to_string(), put.expect.1);
                self.conn
                    .prepare_cached(
                        "UPDATE ltc_deals SET version = ?2, head = ?3, opened_at = ?4, \
                         last_event_at = ?5 WHERE deal = ?1 AND version = ?6 AND head = ?7 \
                         AND edits = ?8 AND NOT EXISTS (SELECT 1 FROM ltc_events e \
                         WHERE e.deal = ?1 AND e.version > ?6)",
                    )
                    .and_then(|mut stmt| {
                        stmt.execute(params![
                            deal, version, hash, opened, last, prev, prev_head, edits
                        ])
                    })
            }
            None => self
                .conn
                .prepare_cached(
                    "INSERT INTO ltc_deals (deal, version, head, opened_at, last_event_at) \
                     VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (deal) DO NOTHING",
                )
                .and_then(|mut stmt| stmt.execute(params![deal, version, hash, opened, last])),
        }
        .map_err(err)?;
        Ok(changed == 1)
    }

    fn write_now(&self, write: &Write) -> Result<u64, Lost> {
        for put in &write.puts {
            if !self.put(put).map_err(Lost::Failed)? {
                return Err(Lost::Race(put.summary.deal.clone()));
            }
        }
        let first = if write.rows.is_empty() {
            0
        } else {
            let n = int(write.rows.len() as u64).map_err(Lost::Failed)?;
            let last: i64 = self
                .conn
                .prepare_cached(
                    "UPDATE ltc_stream SET position = position + ?1 WHERE id = 1 RETURNING position",
                )
                .and_then(|mut stmt| stmt.query_row(params![n], |r| r.get(0)))
                .map_err(|e| Lost::Failed(err(e)))?;
            let first = last - n + 1;
            let mut stmt = self
                .conn
                .prepare_cached(
                    "INSERT INTO ltc_events (position, deal, version, record) VALUES (?1, ?2, ?3, ?4)",
                )
                .map_err(|e| Lost::Failed(err(e)))?;
            for (position, row) in (first..).zip(&write.rows) {
                let version = int(row.version).map_err(Lost::Failed)?;
                stmt.execute(params![position, row.deal.as_str(), version, row.record])
                    .map_err(lost)?;
            }
            count(first)
        };
        if !write.commands.is_empty() {
            let mut stmt = self
                .conn
                .prepare_cached(
                    "INSERT INTO ltc_commands (deal, command_id, first_version, last_version, digest) \
                     VALUES (?1, ?2, ?3, ?4, ?5)",
                )
                .map_err(|e| Lost::Failed(err(e)))?;
            for c in &write.commands {
                let (first, last) = (
                    int(c.first).map_err(Lost::Failed)?,
                    int(c.last).map_err(Lost::Failed)?,
                );
                stmt.execute(params![
                    c.deal.as_str(),
                    c.command_id,
                    first,
                    last,
                    c.digest
                ])
                .map_err(lost)?;
            }
        }
        self.conn
            .execute_batch("COMMIT")
            .map_err(|e| Lost::Failed(err(e)))?;
        Ok(first)
    }
}

impl Tx for Writer {
    async fn begin(
        &mut self,
        deals: &[DealId],
        keys: &[(DealId, CommandId)],
    ) -> Result<(Vec<Option<Stamped>>, Vec<CommandRow>), StoreError> {
        // The database's write lock: nobody else writes until the commit.
        self.conn.execute_batch("BEGIN IMMEDIATE").map_err(err)?;
        let found = deals
            .iter()
            .map(|deal| stamped(&self.conn, deal))
            .collect::<Result<Vec<_>, _>>()
            .and_then(|summaries| Ok((summaries, self.commands(keys)?)));
        if found.is_err() {
            let _ = self.conn.execute_batch("ROLLBACK");
        }
        found
    }

    async fn rows(&mut self, wanted: &[(DealId, u64)]) -> Result<Vec<Vec<Row>>, StoreError> {
        wanted
            .iter()
            .map(|(deal, after)| rows(&self.conn, deal, *after))
            .collect()
    }

    async fn write(&mut self, write: &Write, begun: bool) -> Result<u64, Lost> {
        if !begun {
            self.conn
                .execute_batch("BEGIN IMMEDIATE")
                .map_err(|e| Lost::Failed(err(e)))?;
        }
        let written = self.write_now(write);
        if written.is_err() {
            let _ = self.conn.execute_batch("ROLLBACK");
        }
        written
    }

    async fn rollback(&mut self) {
        if !self.conn.is_autocommit() {
            let _ = self.conn.execute_batch("ROLLBACK");
        }
    }

    async fn definitions(&mut self) -> Result<Vec<(String, i64, String)>, StoreError> {
        definitions(&self.conn)
    }
}

impl Writer {
    fn commands(&self, keys: &[(DealId, CommandId)]) -> Result<Vec<CommandRow>, StoreError> {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT first_version, last_version, digest FROM ltc_commands \
                 WHERE deal = ?1 AND command_id = ?2",
            )
            .map_err(err)?;
        let mut out = Vec::new();
        for (deal, id) in keys {
            let found = stmt
                .query_row(params![deal.as_str(), id.as_str()], |r| {
                    Ok((
                        r.get::<_, i64>(0)?,
                        r.get::<_, i64>(1)?,
                        r.get::<_, String>(2)?,
                    ))
                })
                .optional()
                .map_err(err)?;
            if let Some((first, last, digest)) = found {
                out.push(CommandRow {
                    deal: deal.clone(),
                    command_id: id.as_str().to_owned(),
                    first: count(first),
                    last: count(last),
                    digest,
                });
            }
        }
        Ok(out)
    }
}
