//! The PostgreSQL backend, on the async driver: events keyed by `(deal, version)` (the
//! uniqueness optimistic concurrency relies on, and the deal id first so that a partitioned or
//! distributed table shards by it), deal rows locked for the length of a write, and a stream
//! counter that gives every event a position in commit order.
//!
//! Reads use a pool of connections. The writer has a connection of its own and sends each
//! transaction's statements without waiting for one answer before the next (the driver pipelines
//! them): a group of commands costs two round trips (lock and read; write and commit) and one
//! durable commit, however many commands it holds.

use crate::options::Options;
use crate::rows::{
    count, digest, int, schema_need, CommandRow, Row, SchemaNeed, Stamp, Stamped, ORPHANS,
};
use crate::tls::{self, Connect};
use crate::writer::{self, Job, Lost, Shared, Tx, Write};
use crate::{DealSummary, StoreError};
use chrono::{DateTime, Utc};
use ltc_pipeline::{CommandId, DealId};
use std::collections::HashMap;
use std::sync::Arc;
use tokio::sync::mpsc;
use tokio_postgres::{Client, GenericClient, Statement};

/// Taken while the schema is created, so that two stores opened at once on an empty database
/// do not both create it.
const SCHEMA_LOCK: i64 = 0x6c74_635f_7363;

/// The channel commits are announced on, for subscriptions in other processes.
pub(crate) const CHANNEL: &str = "ltc_events";

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

/// What version 2 adds: the command ids each deal holds, subscribers' checkpoints, and the
/// count of edits and deletions of a deal's stored events behind the store, kept by a trigger.
const SCHEMA_2: &str = "
ALTER TABLE ltc_deals ADD COLUMN IF NOT EXISTS edits bigint NOT NULL DEFAULT 0;
CREATE OR REPLACE FUNCTION ltc_events_edited() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE ltc_deals SET edits = edits + 1 WHERE deal = OLD.deal;
    IF TG_OP = 'UPDATE' AND NEW.deal IS DISTINCT FROM OLD.deal THEN
        UPDATE ltc_deals SET edits = edits + 1 WHERE deal = NEW.deal;
    END IF;
    RETURN NULL;
END $$;
DROP TRIGGER IF EXISTS ltc_events_edited ON ltc_events;
CREATE TRIGGER ltc_events_edited AFTER UPDATE OR DELETE ON ltc_events
    FOR EACH ROW EXECUTE FUNCTION ltc_events_edited();
CREATE TABLE IF NOT EXISTS ltc_commands (
    deal          text NOT NULL,
    command_id    text NOT NULL,
    first_version bigint NOT NULL,
    last_version  bigint NOT NULL,
    digest        text NOT NULL,
    PRIMARY KEY (deal, command_id)
);
CREATE TABLE IF NOT EXISTS ltc_checkpoints (
    name     text PRIMARY KEY,
    position bigint NOT NULL
);
";

const SUMMARY: &str = "SELECT d.deal, d.version, d.head, d.opened_at, d.last_event_at, d.edits, \
     (SELECT max(e.version) FROM ltc_events e WHERE e.deal = d.deal) FROM ltc_deals d";
const ROW: &str = "SELECT position, deal, version, record FROM ltc_events";

fn err(e: tokio_postgres::Error) -> StoreError {
    StoreError::postgres(&e)
}

fn to_summary(row: &tokio_postgres::Row) -> Result<DealSummary, StoreError> {
    let deal: String = row.try_get(0).map_err(err)?;
    Ok(DealSummary {
        version: count(row.try_get(1).map_err(err)?),
        head: digest(&deal, &row.try_get::<_, String>(2).map_err(err)?)?,
        opened_at: row.try_get::<_, DateTime<Utc>>(3).map_err(err)?,
        last_event_at: row.try_get::<_, DateTime<Utc>>(4).map_err(err)?,
        deal: DealId::new(deal),
    })
}

fn to_stamped(row: &tokio_postgres::Row) -> Result<Stamped, StoreError> {
    Ok((
        to_summary(row)?,
        Stamp {
            edits: row.try_get(5).map_err(err)?,
            last: row
                .try_get::<_, Option<i64>>(6)
                .map_err(err)?
                .map_or(0, count),
        },
    ))
}

fn to_rows(rows: Vec<tokio_postgres::Row>) -> Result<Vec<Row>, StoreError> {
    rows.iter()
        .map(|r| {
            Ok(Row {
                position: r.try_get(0).map_err(err)?,
                deal: r.try_get(1).map_err(err)?,
                version: r.try_get(2).map_err(err)?,
                record: r.try_get::<_, String>(3).map_err(|e| e.to_string()),
            })
        })
        .collect()
}

/// A database as opened.
pub(crate) type Opened = crate::rows::Opened<Readers, Writer>;

/// The pool reads take their connections from.
#[derive(Clone)]
pub(crate) struct Readers {
    pool: deadpool_postgres::Pool,
    pub(crate) connect: Arc<Connect>,
}

impl std::fmt::Debug for Readers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Readers")
            .field("status", &self.pool.status())
            .finish()
    }
}

impl Readers {
    pub(crate) async fn get(&self) -> Result<deadpool_postgres::Client, StoreError> {
        self.pool.get().await.map_err(|e| match e {
            deadpool_postgres::PoolError::Backend(e) => err(e),
            other => StoreError::Backend {
                backend: "postgres",
                message: format!("no connection could be had: {other}"),
            },
        })
    }
}

/// Connects once, outside the pool, driving the connection on the current runtime.
pub(crate) async fn connect_one(connect: &Connect) -> Result<Client, StoreError> {
    let (client, connection) = connect
        .config
        .connect(connect.tls.clone())
        .await
        .map_err(err)?;
    tokio::spawn(async move {
        if let Err(e) = connection.await {
            tracing::debug!(error = %e, "a PostgreSQL connection ended");
        }
    });
    Ok(client)
}

/// Opens the database at `url`: checks (or creates, or brings up to date) its schema, builds the
/// pool, and connects the writer.
pub(crate) async fn open(
    url: &str,
    options: &Options,
    standard: &str,
) -> Result<Opened, StoreError> {
    let connect = Arc::new(tls::connect(url, options)?);
    let mut client = connect_one(&connect).await?;
    let found = schema_version(&client).await?;
    match (schema_need(found)?, options.read_only) {
        (SchemaNeed::Ready, _) => {}
        (SchemaNeed::Create, true) => {
            return Err(StoreError::NoStore {
                location: "the PostgreSQL database".into(),
            })
        }
        (SchemaNeed::Upgrade(found), true) => return Err(crate::rows::needs_upgrade(found)),
        (SchemaNeed::Create | SchemaNeed::Upgrade(_), false) => {
            create_schema(&mut client, standard).await?;
        }
    }
    let manager = deadpool_postgres::Manager::from_config(
        connect.config.clone(),
        connect.tls.clone(),
        deadpool_postgres::ManagerConfig {
            recycling_method: deadpool_postgres::RecyclingMethod::Fast,
        },
    );
    let pool = deadpool_postgres::Pool::builder(manager)
        .max_size(options.pool_size.max(1))
        .runtime(deadpool_postgres::Runtime::Tokio1)
        .create_timeout(Some(options.connect_timeout))
        .wait_timeout(Some(options.connect_timeout.saturating_mul(3)))
        .build()
        .map_err(|e| StoreError::Backend {
            backend: "postgres",
            message: format!("the pool could not be built: {e}"),
        })?;
    let definitions = definitions(&client).await?;
    let last_position = last_position(&client).await?;
    drop(client);
    let writer = (!options.read_only).then(|| Writer {
        connect: connect.clone(),
        client: None,
        in_tx: false,
    });
    Ok(Opened {
        readers: Readers { pool, connect },
        writer,
        definitions,
        last_position,
    })
}

/// The version `ltc_schema` records, if the table exists and holds one.
async fn schema_version(client: &impl GenericClient) -> Result<Option<i64>, StoreError> {
    let exists: bool = client
        .query_one("SELECT to_regclass('ltc_schema') IS NOT NULL", &[])
        .await
        .and_then(|r| r.try_get(0))
        .map_err(err)?;
    if !exists {
        return Ok(None);
    }
    client
        .query_one("SELECT MAX(version) FROM ltc_schema", &[])
        .await
        .and_then(|r| r.try_get(0))
        .map_err(err)
}

/// Creates the schema, or brings it to this version, under a lock so that stores opened at once
/// on an empty database do not both create it; tables that exist already (an events table
/// created partitioned, say) are kept.
async fn create_schema(client: &mut Client, standard: &str) -> Result<(), StoreError> {
    let tx = client.transaction().await.map_err(err)?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&SCHEMA_LOCK])
        .await
        .map_err(err)?;
    tx.batch_execute(
        "CREATE TABLE IF NOT EXISTS ltc_schema (
             version     bigint PRIMARY KEY,
             description text NOT NULL
         )",
    )
    .await
    .map_err(err)?;
    if schema_need(schema_version(&tx).await?)? == SchemaNeed::Ready {
        return tx.commit().await.map_err(err);
    }
    tx.batch_execute(SCHEMA).await.map_err(err)?;
    tx.batch_execute(SCHEMA_2).await.map_err(err)?;
    // Positions are unique; a table partitioned by deal (which a unique index must include)
    // keeps them unique through the counter alone, and `verify_all` checks them.
    let partitioned: bool = tx
        .query_one(
            "SELECT EXISTS (SELECT 1 FROM pg_partitioned_table p \
             JOIN pg_class c ON c.oid = p.partrelid WHERE c.relname = 'ltc_events')",
            &[],
        )
        .await
        .and_then(|r| r.try_get(0))
        .map_err(err)?;
    let index = if partitioned {
        "CREATE INDEX IF NOT EXISTS ltc_events_position ON ltc_events (position)"
    } else {
        "DROP INDEX IF EXISTS ltc_events_position; \
         CREATE UNIQUE INDEX IF NOT EXISTS ltc_events_position_unique ON ltc_events (position)"
    };
    tx.batch_execute(index).await.map_err(err)?;
    tx.execute(
        "INSERT INTO ltc_processes (name, version, definition) \
         VALUES ('standard', 1, $1) ON CONFLICT DO NOTHING",
        &[&standard],
    )
    .await
    .map_err(err)?;
    tx.execute(
        "INSERT INTO ltc_schema (version, description) VALUES ($1, $2)",
        &[
            &crate::rows::SCHEMA_VERSION,
            &"deals, events, stream, processes, commands, checkpoints",
        ],
    )
    .await
    .map_err(err)?;
    tx.commit().await.map_err(err)
}

// ---- reads ---------------------------------------------------------------------------------

pub(crate) async fn stamped(
    client: &deadpool_postgres::Client,
    deal: &DealId,
) -> Result<Option<Stamped>, StoreError> {
    let st = client
        .prepare_cached(&format!("{SUMMARY} WHERE d.deal = $1"))
        .await
        .map_err(err)?;
    let row = client
        .query_opt(&st, &[&deal.as_str()])
        .await
        .map_err(err)?;
    row.as_ref().map(to_stamped).transpose()
}

pub(crate) async fn summary(
    client: &deadpool_postgres::Client,
    deal: &DealId,
) -> Result<Option<DealSummary>, StoreError> {
    Ok(stamped(client, deal).await?.map(|(summary, _)| summary))
}

pub(crate) async fn summaries(
    client: &deadpool_postgres::Client,
) -> Result<Vec<DealSummary>, StoreError> {
    let st = client
        .prepare_cached(
            "SELECT deal, version, head, opened_at, last_event_at FROM ltc_deals ORDER BY deal",
        )
        .await
        .map_err(err)?;
    let rows = client.query(&st, &[]).await.map_err(err)?;
    rows.iter().map(to_summary).collect()
}

pub(crate) async fn rows(
    client: &deadpool_postgres::Client,
    deal: &DealId,
    after: u64,
) -> Result<Vec<Row>, StoreError> {
    let st = client
        .prepare_cached(&format!(
            "{ROW} WHERE deal = $1 AND version > $2 ORDER BY version"
        ))
        .await
        .map_err(err)?;
    let rows = client
        .query(&st, &[&deal.as_str(), &int(after)?])
        .await
        .map_err(err)?;
    to_rows(rows)
}

pub(crate) async fn stream(
    client: &deadpool_postgres::Client,
    after: u64,
    limit: u64,
) -> Result<Vec<Row>, StoreError> {
    let st = client
        .prepare_cached(&format!(
            "{ROW} WHERE position > $1 ORDER BY position LIMIT $2"
        ))
        .await
        .map_err(err)?;
    let rows = client
        .query(&st, &[&int(after)?, &int(limit)?])
        .await
        .map_err(err)?;
    to_rows(rows)
}

pub(crate) async fn last_position(client: &impl GenericClient) -> Result<u64, StoreError> {
    client
        .query_one("SELECT position FROM ltc_stream WHERE id = 1", &[])
        .await
        .and_then(|r| r.try_get::<_, i64>(0))
        .map(count)
        .map_err(err)
}

pub(crate) async fn definitions(
    client: &impl GenericClient,
) -> Result<Vec<(String, i64, String)>, StoreError> {
    let rows = client
        .query(
            "SELECT name, version, definition FROM ltc_processes ORDER BY name, version",
            &[],
        )
        .await
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

/// [`last_position`] on a pooled connection.
pub(crate) async fn pooled_last_position(
    client: &deadpool_postgres::Client,
) -> Result<u64, StoreError> {
    last_position(&***client).await
}

/// [`definitions`] on a pooled connection.
pub(crate) async fn pooled_definitions(
    client: &deadpool_postgres::Client,
) -> Result<Vec<(String, i64, String)>, StoreError> {
    definitions(&***client).await
}

pub(crate) async fn publish(
    client: &deadpool_postgres::Client,
    name: &str,
    version: i64,
    json: &str,
) -> Result<Option<String>, StoreError> {
    let inserted = client
        .execute(
            "INSERT INTO ltc_processes (name, version, definition) VALUES ($1, $2, $3) \
             ON CONFLICT DO NOTHING",
            &[&name, &version, &json],
        )
        .await
        .map_err(err)?;
    if inserted == 1 {
        return Ok(None);
    }
    client
        .query_one(
            "SELECT definition FROM ltc_processes WHERE name = $1 AND version = $2",
            &[&name, &version],
        )
        .await
        .and_then(|r| r.try_get(0))
        .map(Some)
        .map_err(err)
}

pub(crate) async fn checkpoint(
    client: &deadpool_postgres::Client,
    name: &str,
    position: i64,
) -> Result<(), StoreError> {
    client
        .execute(
            "INSERT INTO ltc_checkpoints (name, position) VALUES ($1, $2) \
             ON CONFLICT (name) DO UPDATE SET position = excluded.position",
            &[&name, &position],
        )
        .await
        .map_err(err)?;
    Ok(())
}

pub(crate) async fn checkpoint_of(
    client: &deadpool_postgres::Client,
    name: &str,
) -> Result<Option<u64>, StoreError> {
    let exists: bool = client
        .query_one("SELECT to_regclass('ltc_checkpoints') IS NOT NULL", &[])
        .await
        .and_then(|r| r.try_get(0))
        .map_err(err)?;
    if !exists {
        return Ok(None);
    }
    let row = client
        .query_opt(
            "SELECT position FROM ltc_checkpoints WHERE name = $1",
            &[&name],
        )
        .await
        .map_err(err)?;
    row.map(|r| r.try_get::<_, i64>(0).map(count).map_err(err))
        .transpose()
}

/// What is wrong with the stream, by deal: positions two events share, positions past the last
/// one the store gave, events stored without their deal's row.
pub(crate) async fn stream_problems(
    client: &deadpool_postgres::Client,
) -> Result<Vec<(String, crate::StreamProblem)>, StoreError> {
    let mut out = Vec::new();
    let shared = client
        .query(
            "SELECT e.deal, e.position FROM ltc_events e JOIN \
             (SELECT position FROM ltc_events GROUP BY position HAVING count(*) > 1) d \
             ON d.position = e.position ORDER BY e.position, e.deal",
            &[],
        )
        .await
        .map_err(err)?;
    for r in shared {
        let (deal, position): (String, i64) =
            (r.try_get(0).map_err(err)?, r.try_get(1).map_err(err)?);
        out.push((deal, crate::StreamProblem::shared(position)));
    }
    let past = client
        .query(
            "SELECT deal, position FROM ltc_events \
             WHERE position > (SELECT position FROM ltc_stream WHERE id = 1) ORDER BY position",
            &[],
        )
        .await
        .map_err(err)?;
    for r in past {
        let (deal, position): (String, i64) =
            (r.try_get(0).map_err(err)?, r.try_get(1).map_err(err)?);
        out.push((deal, crate::StreamProblem::past(position)));
    }
    let orphans = client.query(ORPHANS, &[]).await.map_err(err)?;
    for r in orphans {
        out.push((r.try_get(0).map_err(err)?, crate::StreamProblem::orphan()));
    }
    Ok(out)
}

// ---- the writer ----------------------------------------------------------------------------

/// The statements every write uses, prepared once per connection.
struct Statements {
    lock: Statement,
    commands: Statement,
    rows: Statement,
    update: Statement,
    insert_deal: Statement,
    insert: Statement,
    insert_commands: Statement,
}

/// The writer's connection: every write of the store goes through it.
pub(crate) struct Writer {
    connect: Arc<Connect>,
    client: Option<(Client, Statements)>,
    /// A transaction is open on `client`: it is never replaced meanwhile (on a new connection
    /// the rest of the transaction would commit statement by statement).
    in_tx: bool,
}

/// Starts the writer on a thread of its own; the sender is where writes go.
pub(crate) fn start_writer(
    writer: Writer,
    shared: Arc<Shared>,
) -> Result<mpsc::UnboundedSender<Job>, StoreError> {
    writer::start("postgres", writer, shared)
}

async fn prepare(client: &Client) -> Result<Statements, StoreError> {
    let lock_sql =
        format!("{SUMMARY} WHERE d.deal = ANY($1::text[]) ORDER BY d.deal FOR UPDATE OF d");
    let rows_sql = format!("{ROW} WHERE deal = $1 AND version > $2 ORDER BY version");
    let (lock, commands, rows, update, insert_deal, insert, insert_commands) =
        futures_util::try_join!(
            client.prepare(&lock_sql),
            client.prepare(
                "SELECT deal, command_id, first_version, last_version, digest FROM ltc_commands \
             WHERE (deal, command_id) IN (SELECT * FROM UNNEST($1::text[], $2::text[]))"
            ),
            client.prepare(&rows_sql),
            // Every row updated, or the transaction fails: the division by zero aborts it before
            // its commit arrives, which the rows locked make impossible but which is checked.
            client.prepare(
                "WITH u AS (UPDATE ltc_deals AS d SET version = u.version, head = u.head, \
                         opened_at = u.opened_at, last_event_at = u.last_event_at \
                         FROM UNNEST($1::text[], $2::bigint[], $3::text[], $4::timestamptz[], \
                                     $5::timestamptz[], $6::bigint[], $8::text[], $9::bigint[]) \
                              AS u(deal, version, head, opened_at, last_event_at, prev, \
                                   prev_head, edits) \
                         WHERE d.deal = u.deal AND d.version = u.prev \
                           AND d.head = u.prev_head AND d.edits = u.edits \
                           AND NOT EXISTS (SELECT 1 FROM ltc_events e \
                                           WHERE e.deal = d.deal AND e.version > u.prev) \
                         RETURNING 1) \
             SELECT 1 / (CASE WHEN count(*) = $7 THEN 1 ELSE 0 END) FROM u"
            ),
            // A new deal created by another connection meanwhile is a unique violation: the
            // transaction fails and is tried again.
            client.prepare(
                "INSERT INTO ltc_deals (deal, version, head, opened_at, last_event_at) \
             SELECT * FROM UNNEST($1::text[], $2::bigint[], $3::text[], \
                                  $4::timestamptz[], $5::timestamptz[]) ORDER BY 1"
            ),
            // The counter moved on and the events inserted in one statement: the counter's row
            // stays locked until the commit, which puts positions in commit order; the commit is
            // announced to other processes' subscriptions.
            client.prepare(
                "WITH counter AS (UPDATE ltc_stream SET position = position + $1 \
                              WHERE id = 1 RETURNING position), \
                  inserted AS (INSERT INTO ltc_events (deal, version, position, record) \
                               SELECT u.deal, u.version, c.position - $1 + u.n, u.record \
                               FROM counter c, \
                                    UNNEST($2::text[], $3::bigint[], $4::text[]) \
                                    WITH ORDINALITY AS u(deal, version, record, n) \
                               RETURNING 1) \
             SELECT c.position - $1 + 1, pg_notify('ltc_events', c.position::text) FROM counter c"
            ),
            client.prepare(
                "INSERT INTO ltc_commands (deal, command_id, first_version, last_version, digest) \
             SELECT * FROM UNNEST($1::text[], $2::text[], $3::bigint[], $4::bigint[], $5::text[])"
            ),
        )
        .map_err(err)?;
    Ok(Statements {
        lock,
        commands,
        rows,
        update,
        insert_deal,
        insert,
        insert_commands,
    })
}

impl Writer {
    /// The connection, connected (again, after a failure) when needed.
    async fn client(&mut self) -> Result<&(Client, Statements), StoreError> {
        if self.client.as_ref().is_some_and(|(c, _)| c.is_closed()) {
            self.client = None;
            if self.in_tx {
                // The transaction died with its connection: nothing of it was written.
                self.in_tx = false;
                return Err(StoreError::Backend {
                    backend: "postgres",
                    message: "the connection was lost in the middle of a write; nothing of it \
                              was written"
                        .into(),
                });
            }
        }
        if self.client.is_none() {
            let client = connect_one(&self.connect).await?;
            let statements = prepare(&client).await?;
            self.client = Some((client, statements));
        }
        self.client.as_ref().ok_or(StoreError::Closed)
    }
}

/// Whether a write failed because a row moved on since it was read: a row that is there already
/// (a new deal's, an event at its version, a command id the deal holds), or a deal's row that no
/// longer keeps the version, head and edit count expected (the division by zero).
fn is_race(e: &tokio_postgres::Error) -> bool {
    use tokio_postgres::error::SqlState;
    e.as_db_error().is_some_and(|db| {
        // A partition or a shard names itself after its table (`ltc_events_3`).
        (db.code() == &SqlState::UNIQUE_VIOLATION
            && db.table().is_some_and(|t| {
                ["ltc_deals", "ltc_events", "ltc_commands"]
                    .iter()
                    .any(|name| t.starts_with(name))
            }))
            || db.code() == &SqlState::DIVISION_BY_ZERO
            || db.code() == &SqlState::T_R_DEADLOCK_DETECTED
            || db.code() == &SqlState::T_R_SERIALIZATION_FAILURE
            || db.code() == &SqlState::LOCK_NOT_AVAILABLE
    })
}

impl Tx for Writer {
    async fn begin(
        &mut self,
        deals: &[DealId],
        keys: &[(DealId, CommandId)],
    ) -> Result<(Vec<Option<Stamped>>, Vec<CommandRow>), StoreError> {
        let (client, st) = self.client().await?;
        let ids: Vec<&str> = deals.iter().map(DealId::as_str).collect();
        let key_deals: Vec<&str> = keys.iter().map(|(d, _)| d.as_str()).collect();
        let key_ids: Vec<&str> = keys.iter().map(|(_, c)| c.as_str()).collect();
        // One round trip: the transaction, the rows locked in id order, the command ids.
        let begun = client.batch_execute("BEGIN");
        let lock_params: [&(dyn tokio_postgres::types::ToSql + Sync); 1] = [&ids];
        let locked = client.query(&st.lock, &lock_params);
        let commands = async {
            if keys.is_empty() {
                Ok(Vec::new())
            } else {
                client.query(&st.commands, &[&key_deals, &key_ids]).await
            }
        };
        let (begun, locked, commands) = futures_util::join!(begun, locked, commands);
        let opened = begun.is_ok();
        let result = (|| {
            begun.map_err(err)?;
            let mut found: HashMap<String, Stamped> = locked
                .map_err(err)?
                .iter()
                .map(|r| to_stamped(r).map(|s| (s.0.deal.as_str().to_owned(), s)))
                .collect::<Result<_, _>>()?;
            let summaries = deals.iter().map(|d| found.remove(d.as_str())).collect();
            let commands = commands
                .map_err(err)?
                .iter()
                .map(|r| {
                    Ok(CommandRow {
                        deal: DealId::new(r.try_get::<_, String>(0).map_err(err)?),
                        command_id: r.try_get(1).map_err(err)?,
                        first: count(r.try_get(2).map_err(err)?),
                        last: count(r.try_get(3).map_err(err)?),
                        digest: r.try_get(4).map_err(err)?,
                    })
                })
                .collect::<Result<Vec<_>, StoreError>>()?;
            Ok((summaries, commands))
        })();
        self.in_tx = opened;
        if result.is_err() {
            self.rollback().await;
        }
        result
    }

    async fn rows(&mut self, wanted: &[(DealId, u64)]) -> Result<Vec<Vec<Row>>, StoreError> {
        if wanted.is_empty() {
            return Ok(Vec::new());
        }
        let (client, st) = self.client().await?;
        let afters = wanted
            .iter()
            .map(|(_, after)| int(*after))
            .collect::<Result<Vec<_>, _>>()?;
        let deals: Vec<&str> = wanted.iter().map(|(deal, _)| deal.as_str()).collect();
        let params: Vec<[&(dyn tokio_postgres::types::ToSql + Sync); 2]> = deals
            .iter()
            .zip(&afters)
            .map(|(deal, after)| {
                [
                    deal as &(dyn tokio_postgres::types::ToSql + Sync),
                    after as _,
                ]
            })
            .collect();
        let queries = params.iter().map(|p| client.query(&st.rows, p));
        let results = futures_util::future::join_all(queries).await;
        results
            .into_iter()
            .map(|r| r.map_err(err).and_then(to_rows))
            .collect()
    }

    async fn write(&mut self, write: &Write, begun: bool) -> Result<u64, Lost> {
        let written = self.write_pipelined(write, begun).await;
        // The transaction ended with its commit (or, a statement having failed, rolled back
        // with it); when the commit was never sent, it is rolled back here.
        if written.is_err() && self.in_tx {
            self.rollback().await;
        }
        self.in_tx = false;
        written
    }

    async fn rollback(&mut self) {
        self.in_tx = false;
        if let Some((client, _)) = &self.client {
            if client.batch_execute("ROLLBACK").await.is_err() {
                // The connection is gone or broken: connect again for the next transaction.
                self.client = None;
            }
        }
    }

    async fn definitions(&mut self) -> Result<Vec<(String, i64, String)>, StoreError> {
        let (client, _) = self.client().await?;
        definitions(client).await
    }
}

impl Writer {
    async fn write_pipelined(&mut self, write: &Write, begun: bool) -> Result<u64, Lost> {
        if !begun {
            self.in_tx = false;
        }
        let (client, st) = self.client().await.map_err(Lost::Failed)?;
        let int_ = |v: u64| int(v).map_err(Lost::Failed);
        // The deals' rows: updates and inserts apart.
        let (updates, inserts): (Vec<&writer::Put>, Vec<&writer::Put>) =
            write.puts.iter().partition(|p| p.prev.is_some());
        type Columns<'p> = (
            Vec<&'p str>,
            Vec<i64>,
            Vec<String>,
            Vec<DateTime<Utc>>,
            Vec<DateTime<Utc>>,
        );
        fn columns<'p>(puts: &[&'p writer::Put]) -> Result<Columns<'p>, Lost> {
            let int_ = |v: u64| int(v).map_err(Lost::Failed);
            let deals: Vec<&str> = puts.iter().map(|p| p.summary.deal.as_str()).collect();
            let versions = puts
                .iter()
                .map(|p| int_(p.summary.version))
                .collect::<Result<Vec<i64>, _>>()?;
            let heads: Vec<String> = puts.iter().map(|p| p.summary.head.to_string()).collect();
            let opened: Vec<DateTime<Utc>> = puts.iter().map(|p| p.summary.opened_at).collect();
            let last: Vec<DateTime<Utc>> = puts.iter().map(|p| p.summary.last_event_at).collect();
            Ok((deals, versions, heads, opened, last))
        }
        let (u_deals, u_versions, u_heads, u_opened, u_last) = columns(&updates)?;
        let u_prev = updates
            .iter()
            .map(|p| int_(p.prev.unwrap_or(0)))
            .collect::<Result<Vec<i64>, _>>()?;
        let u_count = int_(updates.len() as u64)?;
        let u_prev_heads: Vec<String> = updates.iter().map(|p| p.expect.0.to_string()).collect();
        let u_edits: Vec<i64> = updates.iter().map(|p| p.expect.1).collect();
        let (i_deals, i_versions, i_heads, i_opened, i_last) = columns(&inserts)?;
        let n = int_(write.rows.len() as u64)?;
        let e_deals: Vec<&str> = write.rows.iter().map(|r| r.deal.as_str()).collect();
        let e_versions = write
            .rows
            .iter()
            .map(|r| int_(r.version))
            .collect::<Result<Vec<i64>, _>>()?;
        let e_records: Vec<&str> = write.rows.iter().map(|r| r.record.as_str()).collect();
        let c_deals: Vec<&str> = write.commands.iter().map(|c| c.deal.as_str()).collect();
        let c_ids: Vec<&str> = write
            .commands
            .iter()
            .map(|c| c.command_id.as_str())
            .collect();
        let c_first = write
            .commands
            .iter()
            .map(|c| int_(c.first))
            .collect::<Result<Vec<i64>, _>>()?;
        let c_last = write
            .commands
            .iter()
            .map(|c| int_(c.last))
            .collect::<Result<Vec<i64>, _>>()?;
        let c_digests: Vec<&str> = write.commands.iter().map(|c| c.digest.as_str()).collect();
        // One round trip: every statement, then the commit. A statement that fails aborts the
        // transaction, and the commit that follows it rolls back.
        let update = async {
            if updates.is_empty() {
                return Ok(());
            }
            client
                .query(
                    &st.update,
                    &[
                        &u_deals,
                        &u_versions,
                        &u_heads,
                        &u_opened,
                        &u_last,
                        &u_prev,
                        &u_count,
                        &u_prev_heads,
                        &u_edits,
                    ],
                )
                .await
                .map(drop)
        };
        let insert_deal = async {
            if inserts.is_empty() {
                return Ok(());
            }
            client
                .query(
                    &st.insert_deal,
                    &[&i_deals, &i_versions, &i_heads, &i_opened, &i_last],
                )
                .await
                .map(drop)
        };
        let insert = async {
            if write.rows.is_empty() {
                return Ok(None);
            }
            client
                .query_one(&st.insert, &[&n, &e_deals, &e_versions, &e_records])
                .await
                .and_then(|r| r.try_get::<_, i64>(0))
                .map(Some)
        };
        let commands = async {
            if write.commands.is_empty() {
                return Ok(());
            }
            client
                .query(
                    &st.insert_commands,
                    &[&c_deals, &c_ids, &c_first, &c_last, &c_digests],
                )
                .await
                .map(drop)
        };
        let begin = async {
            if begun {
                Ok(())
            } else {
                client.batch_execute("BEGIN").await
            }
        };
        let commit = client.batch_execute("COMMIT");
        let (begin, update, insert_deal, insert, commands, commit) =
            futures_util::join!(begin, update, insert_deal, insert, commands, commit);
        begin.map_err(|e| Lost::Failed(err(e)))?;
        let (first, insert) = match insert {
            Ok(first) => (first.map_or(0, count), None),
            Err(e) => (0, Some(e)),
        };
        if let Some(failed) = [update.err(), insert_deal.err(), insert, commands.err()]
            .into_iter()
            .flatten()
            .next()
        {
            return Err(if is_race(&failed) {
                let deal = write
                    .puts
                    .first()
                    .map_or_else(|| DealId::new(""), |p| p.summary.deal.clone());
                Lost::Race(deal)
            } else {
                Lost::Failed(err(failed))
            });
        }
        commit.map_err(|e| Lost::Failed(err(e)))?;
        Ok(first)
    }
}

/// Listens for commits announced by any writer of the database, and moves `committed` on: what
/// wakes subscriptions to other processes' events at once. Ends when the store is dropped.
pub(crate) async fn listen(connect: Arc<Connect>, shared: std::sync::Weak<Shared>) {
    use futures_util::StreamExt;
    let mut backoff = std::time::Duration::from_millis(100);
    loop {
        let connected = connect.config.connect(connect.tls.clone()).await;
        if let Ok((client, mut connection)) = connected {
            let (send, mut notes) = mpsc::unbounded_channel();
            let driver = tokio::spawn(async move {
                let mut messages =
                    futures_util::stream::poll_fn(move |cx| connection.poll_message(cx));
                while let Some(Ok(message)) = messages.next().await {
                    if let tokio_postgres::AsyncMessage::Notification(n) = message {
                        if send.send(n.payload().to_owned()).is_err() {
                            break;
                        }
                    }
                }
            });
            if client
                .batch_execute(&format!("LISTEN {CHANNEL}"))
                .await
                .is_ok()
            {
                backoff = std::time::Duration::from_millis(100);
                while let Some(payload) = notes.recv().await {
                    let Some(shared) = shared.upgrade() else {
                        driver.abort();
                        return;
                    };
                    if let Ok(position) = payload.parse::<u64>() {
                        shared.committed.send_if_modified(|c| {
                            let moved = position > *c;
                            *c = (*c).max(position);
                            moved
                        });
                    }
                }
            }
            driver.abort();
        }
        if shared.strong_count() == 0 {
            return;
        }
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(std::time::Duration::from_secs(5));
    }
}
