//! The PostgreSQL backend: events keyed by `(deal, version)` (the uniqueness optimistic
//! concurrency relies on, and the deal id first so that a partitioned or distributed table
//! shards by it), a deal row locked for the length of an append, and a stream counter that gives
//! every event a position in commit order.

use crate::backend::{
    count, digest, int, needs_schema, Backend, NewRow, Put, Row, Tx, ORPHANS, SCHEMA_VERSION,
};
use crate::{DealSummary, StoreError};
use chrono::{DateTime, Utc};
use ltc_pipeline::DealId;
use postgres::{Client, NoTls, Statement};
use std::collections::{HashMap, HashSet};

/// Taken while the schema is created, so that two stores opened at once on an empty database
/// do not both create it.
const SCHEMA_LOCK: i64 = 0x6c74_635f_7363;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS ltc_deals (
    deal          text PRIMARY KEY,
    version       bigint NOT NULL CHECK (version > 0),
    head          text NOT NULL,
    opened_at     timestamptz NOT NULL,
    last_event_at timestamptz NOT NULL
);
CREATE TABLE IF NOT EXISTS ltc_events (
    deal     text NOT NULL,
    version  bigint NOT NULL CHECK (version > 0),
    position bigint NOT NULL,
    record   text NOT NULL,
    PRIMARY KEY (deal, version)
);
CREATE INDEX IF NOT EXISTS ltc_events_position ON ltc_events (position);
CREATE TABLE IF NOT EXISTS ltc_stream (
    id       int PRIMARY KEY CHECK (id = 1),
    position bigint NOT NULL
);
INSERT INTO ltc_stream (id, position) VALUES (1, 0) ON CONFLICT DO NOTHING;
CREATE TABLE IF NOT EXISTS ltc_processes (
    name       text NOT NULL,
    version    bigint NOT NULL,
    definition text NOT NULL,
    PRIMARY KEY (name, version)
);
";

const SUMMARY: &str = "SELECT deal, version, head, opened_at, last_event_at FROM ltc_deals";
const ROW: &str = "SELECT position, deal, version, record FROM ltc_events";

/// The statements every append and read uses, prepared once per connection.
struct Statements {
    lock: Statement,
    summary: Statement,
    update: Statement,
    insert_deal: Statement,
    insert: Statement,
    rows: Statement,
    stream: Statement,
}

pub(crate) struct Postgres {
    client: Client,
    st: Statements,
}

fn err(e: postgres::Error) -> StoreError {
    StoreError::postgres(&e)
}

fn to_summary(row: &postgres::Row) -> Result<DealSummary, StoreError> {
    let deal: String = row.try_get(0).map_err(err)?;
    Ok(DealSummary {
        version: count(row.try_get(1).map_err(err)?),
        head: digest(&deal, &row.try_get::<_, String>(2).map_err(err)?)?,
        opened_at: row.try_get::<_, DateTime<Utc>>(3).map_err(err)?,
        last_event_at: row.try_get::<_, DateTime<Utc>>(4).map_err(err)?,
        deal: DealId::new(deal),
    })
}

fn to_rows(rows: Vec<postgres::Row>) -> Result<Vec<Row>, StoreError> {
    rows.iter()
        .map(|r| {
            Ok(Row {
                position: r.try_get(0).map_err(err)?,
                deal: r.try_get(1).map_err(err)?,
                version: r.try_get(2).map_err(err)?,
                record: r.try_get(3).map_err(err)?,
            })
        })
        .collect()
}

impl Postgres {
    pub(crate) fn open(url: &str, standard: &str) -> Result<Self, StoreError> {
        let mut client = Client::connect(url, NoTls).map_err(err)?;
        // A database with the schema is only read (so a store opens on a read-only replica).
        if needs_schema(schema_version(&mut client)?)? {
            create_schema(&mut client, standard)?;
        }
        let st = Statements {
            lock: client
                .prepare(&format!(
                    "{SUMMARY} WHERE deal = ANY($1::text[]) ORDER BY deal FOR UPDATE"
                ))
                .map_err(err)?,
            summary: client
                .prepare(&format!("{SUMMARY} WHERE deal = $1"))
                .map_err(err)?,
            update: client
                .prepare(
                    "UPDATE ltc_deals AS d SET version = u.version, head = u.head, \
                     opened_at = u.opened_at, last_event_at = u.last_event_at \
                     FROM UNNEST($1::text[], $2::bigint[], $3::text[], $4::timestamptz[], \
                                 $5::timestamptz[], $6::bigint[]) \
                          AS u(deal, version, head, opened_at, last_event_at, prev) \
                     WHERE d.deal = u.deal AND d.version = u.prev RETURNING d.deal",
                )
                .map_err(err)?,
            insert_deal: client
                .prepare(
                    "INSERT INTO ltc_deals (deal, version, head, opened_at, last_event_at) \
                     SELECT * FROM UNNEST($1::text[], $2::bigint[], $3::text[], \
                                          $4::timestamptz[], $5::timestamptz[]) ORDER BY 1 \
                     ON CONFLICT (deal) DO NOTHING RETURNING deal",
                )
                .map_err(err)?,
            // The counter moved on and the events inserted in one statement: the counter's
            // row stays locked until the commit, which puts positions in commit order.
            insert: client
                .prepare(
                    "WITH counter AS (UPDATE ltc_stream SET position = position + $1 \
                                      WHERE id = 1 RETURNING position), \
                          inserted AS (INSERT INTO ltc_events (deal, version, position, record) \
                                       SELECT u.deal, u.version, c.position - $1 + u.n, u.record \
                                       FROM counter c, \
                                            UNNEST($2::text[], $3::bigint[], $4::text[]) \
                                            WITH ORDINALITY AS u(deal, version, record, n) \
                                       RETURNING 1) \
                     SELECT c.position - $1 + 1 FROM counter c",
                )
                .map_err(err)?,
            rows: client
                .prepare(&format!(
                    "{ROW} WHERE deal = $1 AND version > $2 ORDER BY version"
                ))
                .map_err(err)?,
            stream: client
                .prepare(&format!(
                    "{ROW} WHERE position > $1 ORDER BY position LIMIT $2"
                ))
                .map_err(err)?,
        };
        Ok(Self { client, st })
    }
}

/// The version `ltc_schema` records, if the table exists and holds one.
fn schema_version(client: &mut impl postgres::GenericClient) -> Result<Option<i64>, StoreError> {
    let exists: bool = client
        .query_one("SELECT to_regclass('ltc_schema') IS NOT NULL", &[])
        .and_then(|r| r.try_get(0))
        .map_err(err)?;
    if !exists {
        return Ok(None);
    }
    client
        .query_one("SELECT MAX(version) FROM ltc_schema", &[])
        .and_then(|r| r.try_get(0))
        .map_err(err)
}

/// Creates the schema, under a lock so that stores opened at once on an empty database do not
/// both create it; tables that exist already (an events table created partitioned, say) are
/// kept.
fn create_schema(client: &mut Client, standard: &str) -> Result<(), StoreError> {
    let mut tx = client.transaction().map_err(err)?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&SCHEMA_LOCK])
        .map_err(err)?;
    tx.batch_execute(
        "CREATE TABLE IF NOT EXISTS ltc_schema (
             version     bigint PRIMARY KEY,
             description text NOT NULL
         )",
    )
    .map_err(err)?;
    if needs_schema(schema_version(&mut tx)?)? {
        tx.batch_execute(SCHEMA).map_err(err)?;
        tx.execute(
            "INSERT INTO ltc_schema (version, description) VALUES ($1, $2)",
            &[&SCHEMA_VERSION, &"deals, events, stream, processes"],
        )
        .map_err(err)?;
        tx.execute(
            "INSERT INTO ltc_processes (name, version, definition) \
             VALUES ('standard', 1, $1) ON CONFLICT DO NOTHING",
            &[&standard],
        )
        .map_err(err)?;
    }
    tx.commit().map_err(err)
}

impl Backend for Postgres {
    fn name(&self) -> &'static str {
        "postgres"
    }

    fn begin(&mut self) -> Result<Box<dyn Tx + '_>, StoreError> {
        let tx = self.client.transaction().map_err(err)?;
        Ok(Box::new(PostgresTx { tx, st: &self.st }))
    }

    fn summary(&mut self, deal: &DealId) -> Result<Option<DealSummary>, StoreError> {
        let row = self
            .client
            .query_opt(&self.st.summary, &[&deal.as_str()])
            .map_err(err)?;
        row.as_ref().map(to_summary).transpose()
    }

    fn rows(&mut self, deal: &DealId, after: u64) -> Result<Vec<Row>, StoreError> {
        let rows = self
            .client
            .query(&self.st.rows, &[&deal.as_str(), &int(after)?])
            .map_err(err)?;
        to_rows(rows)
    }

    fn summaries(&mut self) -> Result<Vec<DealSummary>, StoreError> {
        let rows = self
            .client
            .query(&format!("{SUMMARY} ORDER BY deal"), &[])
            .map_err(err)?;
        rows.iter().map(to_summary).collect()
    }

    fn stream(&mut self, after: u64, limit: u64) -> Result<Vec<Row>, StoreError> {
        let rows = self
            .client
            .query(&self.st.stream, &[&int(after)?, &int(limit)?])
            .map_err(err)?;
        to_rows(rows)
    }

    fn all_rows(&mut self) -> Result<Vec<Row>, StoreError> {
        let rows = self
            .client
            .query(&format!("{ROW} ORDER BY deal, version"), &[])
            .map_err(err)?;
        to_rows(rows)
    }

    fn orphans(&mut self) -> Result<Vec<String>, StoreError> {
        let rows = self.client.query(ORPHANS, &[]).map_err(err)?;
        rows.iter().map(|r| r.try_get(0).map_err(err)).collect()
    }

    fn last_position(&mut self) -> Result<u64, StoreError> {
        self.client
            .query_one("SELECT position FROM ltc_stream WHERE id = 1", &[])
            .and_then(|r| r.try_get::<_, i64>(0))
            .map(count)
            .map_err(err)
    }

    fn definitions(&mut self) -> Result<Vec<(String, i64, String)>, StoreError> {
        let rows = self
            .client
            .query(
                "SELECT name, version, definition FROM ltc_processes ORDER BY name, version",
                &[],
            )
            .map_err(err)?;
        rows.iter()
            .map(|r| {
                Ok((
                    r.try_get(0).map_err(err)?,
                    r.try_get(1).map_err(err)?,
                    r.try_get(2).map_err(err)?,
                ))
            })
            .collect()
    }

    fn publish(
        &mut self,
        name: &str,
        version: i64,
        json: &str,
    ) -> Result<Option<String>, StoreError> {
        let inserted = self
            .client
            .execute(
                "INSERT INTO ltc_processes (name, version, definition) VALUES ($1, $2, $3) \
                 ON CONFLICT DO NOTHING",
                &[&name, &version, &json],
            )
            .map_err(err)?;
        if inserted == 1 {
            return Ok(None);
        }
        self.client
            .query_one(
                "SELECT definition FROM ltc_processes WHERE name = $1 AND version = $2",
                &[&name, &version],
            )
            .and_then(|r| r.try_get(0))
            .map(Some)
            .map_err(err)
    }
}

struct PostgresTx<'c> {
    tx: postgres::Transaction<'c>,
    st: &'c Statements,
}

impl Tx for PostgresTx<'_> {
    fn lock(&mut self, deals: &[DealId]) -> Result<Vec<Option<DealSummary>>, StoreError> {
        // One statement; rows locked in id order, as every append locks them.
        let ids: Vec<&str> = deals.iter().map(DealId::as_str).collect();
        let rows = self.tx.query(&self.st.lock, &[&ids]).map_err(err)?;
        let mut found: HashMap<String, DealSummary> = rows
            .iter()
            .map(|r| to_summary(r).map(|s| (s.deal.as_str().to_owned(), s)))
            .collect::<Result<_, _>>()?;
        Ok(deals.iter().map(|d| found.remove(d.as_str())).collect())
    }

    fn put(&mut self, rows: &[Put<'_>]) -> Result<Vec<bool>, StoreError> {
        let mut written = HashSet::new();
        for (statement, updates) in [(&self.st.update, true), (&self.st.insert_deal, false)] {
            let chosen: Vec<&Put<'_>> = rows
                .iter()
                .filter(|r| r.prev.is_some() == updates)
                .collect();
            if chosen.is_empty() {
                continue;
            }
            let deals: Vec<&str> = chosen.iter().map(|r| r.summary.deal.as_str()).collect();
            let versions = chosen
                .iter()
                .map(|r| int(r.summary.version))
                .collect::<Result<Vec<i64>, _>>()?;
            let heads: Vec<String> = chosen.iter().map(|r| r.summary.head.to_string()).collect();
            let opened: Vec<DateTime<Utc>> = chosen.iter().map(|r| r.summary.opened_at).collect();
            let last: Vec<DateTime<Utc>> = chosen.iter().map(|r| r.summary.last_event_at).collect();
            let prev = chosen
                .iter()
                .map(|r| int(r.prev.unwrap_or(0)))
                .collect::<Result<Vec<i64>, _>>()?;
            let result = if updates {
                self.tx.query(
                    statement,
                    &[&deals, &versions, &heads, &opened, &last, &prev],
                )
            } else {
                self.tx
                    .query(statement, &[&deals, &versions, &heads, &opened, &last])
            };
            for row in result.map_err(err)? {
                written.insert(row.try_get::<_, String>(0).map_err(err)?);
            }
        }
        Ok(rows
            .iter()
            .map(|r| written.contains(r.summary.deal.as_str()))
            .collect())
    }

    fn insert(&mut self, rows: &[NewRow<'_>]) -> Result<i64, StoreError> {
        let n = int(rows.len() as u64)?;
        let deals: Vec<&str> = rows.iter().map(|r| r.stored.event.deal.as_str()).collect();
        let versions = rows
            .iter()
            .map(|r| int(r.stored.event.version))
            .collect::<Result<Vec<i64>, _>>()?;
        let records: Vec<&str> = rows.iter().map(|r| r.record.as_str()).collect();
        self.tx
            .query_one(&self.st.insert, &[&n, &deals, &versions, &records])
            .and_then(|r| r.try_get(0))
            .map_err(err)
    }

    fn commit(self: Box<Self>) -> Result<(), StoreError> {
        self.tx.commit().map_err(err)
    }
}
