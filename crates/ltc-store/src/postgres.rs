//! The PostgreSQL backend: events keyed by `(deal, version)` (the uniqueness optimistic
//! concurrency relies on, and the deal id first so that a partitioned or distributed table
//! shards by it), a deal row locked for the length of an append, and a stream counter that gives
//! every event a position in commit order.

use crate::backend::{
    count, digest, int, needs_schema, Backend, HeadRow, NewRow, Row, Tx, ORPHANS, SCHEMA_VERSION,
};
use crate::{DealSummary, StoreError};
use chrono::{DateTime, Utc};
use ltc_pipeline::DealId;
use postgres::{Client, NoTls, Statement};

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
    reserve: Statement,
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
        let found: Option<i64> = tx
            .query_one("SELECT MAX(version) FROM ltc_schema", &[])
            .and_then(|r| r.try_get(0))
            .map_err(err)?;
        if needs_schema(found)? {
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
        tx.commit().map_err(err)?;
        let st = Statements {
            lock: client
                .prepare(&format!("{SUMMARY} WHERE deal = $1 FOR UPDATE"))
                .map_err(err)?,
            summary: client
                .prepare(&format!("{SUMMARY} WHERE deal = $1"))
                .map_err(err)?,
            update: client
                .prepare(
                    "UPDATE ltc_deals SET version = $2, head = $3, opened_at = $4, \
                     last_event_at = $5 WHERE deal = $1 AND version = $6",
                )
                .map_err(err)?,
            insert_deal: client
                .prepare(
                    "INSERT INTO ltc_deals (deal, version, head, opened_at, last_event_at) \
                     VALUES ($1, $2, $3, $4, $5) ON CONFLICT (deal) DO NOTHING",
                )
                .map_err(err)?,
            reserve: client
                .prepare(
                    "UPDATE ltc_stream SET position = position + $1 WHERE id = 1 \
                     RETURNING position",
                )
                .map_err(err)?,
            insert: client
                .prepare(
                    "INSERT INTO ltc_events (deal, version, position, record) \
                     SELECT * FROM UNNEST($1::text[], $2::bigint[], $3::bigint[], $4::text[])",
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
    fn lock(&mut self, deal: &DealId) -> Result<Option<DealSummary>, StoreError> {
        let row = self
            .tx
            .query_opt(&self.st.lock, &[&deal.as_str()])
            .map_err(err)?;
        row.as_ref().map(to_summary).transpose()
    }

    fn put(&mut self, prev: Option<u64>, head: HeadRow<'_>) -> Result<bool, StoreError> {
        let s = head.summary;
        let (deal, version, hash) = (head.deal.as_str(), int(s.version)?, s.head.to_string());
        let changed = match prev {
            Some(prev) => self.tx.execute(
                &self.st.update,
                &[
                    &deal,
                    &version,
                    &hash,
                    &s.opened_at,
                    &s.last_event_at,
                    &int(prev)?,
                ],
            ),
            None => self.tx.execute(
                &self.st.insert_deal,
                &[&deal, &version, &hash, &s.opened_at, &s.last_event_at],
            ),
        }
        .map_err(err)?;
        Ok(changed == 1)
    }

    fn reserve(&mut self, n: u64) -> Result<i64, StoreError> {
        let n = int(n)?;
        let last: i64 = self
            .tx
            .query_one(&self.st.reserve, &[&n])
            .and_then(|r| r.try_get(0))
            .map_err(err)?;
        Ok(last - n + 1)
    }

    fn insert(&mut self, rows: &[NewRow<'_>]) -> Result<(), StoreError> {
        let deals: Vec<&str> = rows.iter().map(|r| r.stored.event.deal.as_str()).collect();
        let versions = rows
            .iter()
            .map(|r| int(r.stored.event.version))
            .collect::<Result<Vec<i64>, _>>()?;
        let positions: Vec<i64> = rows.iter().map(|r| r.position).collect();
        let records: Vec<&str> = rows.iter().map(|r| r.record.as_str()).collect();
        self.tx
            .execute(&self.st.insert, &[&deals, &versions, &positions, &records])
            .map_err(err)?;
        Ok(())
    }

    fn commit(self: Box<Self>) -> Result<(), StoreError> {
        self.tx.commit().map_err(err)
    }
}
