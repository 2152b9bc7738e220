//! The peer of the store benchmark (`benches/benches/store.rs`): drives the same lead-to-cash
//! script through `postgres-es`, cqrs-es's PostgreSQL event repository, with `WRITERS`
//! concurrent writers, each driving `DEALS` deals, and prints what it measured on one line.
//! `MODE` is `command` (one `persist`, one transaction, per command, as cqrs-es does) or `deal`
//! (a deal's 41 events in one `persist`).
//!
//! `cargo run --release --manifest-path benches/peer/Cargo.toml -- URL WRITERS DEALS MODE`
#![forbid(unsafe_code)]
#![deny(missing_docs)]

use cqrs_es::event_sink::EventSink;
use cqrs_es::persist::{PersistedEventRepository, SerializedEvent};
use cqrs_es::{Aggregate, DomainEvent};
use ltc_pipeline::{Deal, DealId, Event, Process};
use postgres_es::PostgresEventRepository;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The aggregate type postgres-es files the events under; the engine decides, not this.
#[derive(Default, Serialize, Deserialize)]
struct PeerDeal;

/// A lead-to-cash event as the peer stores it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct PeerEvent(Event);

impl DomainEvent for PeerEvent {
    fn event_type(&self) -> String {
        "ltc_event".into()
    }
    fn event_version(&self) -> String {
        "1".into()
    }
}

/// The peer's commands are never handled: the events are decided by the engine.
#[derive(Debug)]
struct Never;

impl std::fmt::Display for Never {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("never")
    }
}

impl std::error::Error for Never {}

impl Aggregate for PeerDeal {
    const TYPE: &'static str = "deal";
    type Command = ();
    type Event = PeerEvent;
    type Error = Never;
    type Services = ();

    async fn handle(&mut self, _: (), _: &(), _: &EventSink<Self>) -> Result<(), Never> {
        Ok(())
    }

    fn apply(&mut self, _: PeerEvent) {}
}

/// The table postgres-es documents (`db/init.sql`), events only (no snapshots are used).
const SCHEMA: &str = "CREATE TABLE IF NOT EXISTS events (
    aggregate_type text NOT NULL,
    aggregate_id   text NOT NULL,
    sequence       bigint CHECK (sequence >= 0) NOT NULL,
    event_type     text NOT NULL,
    event_version  text NOT NULL,
    payload        json NOT NULL,
    metadata       json NOT NULL,
    PRIMARY KEY (aggregate_type, aggregate_id, sequence)
)";

fn main() -> Result<(), String> {
    let args: Vec<String> = std::env::args().collect();
    let [_, url, writers, deals, mode] = args.as_slice() else {
        return Err("usage: ltc-peer-postgres-es URL WRITERS DEALS command|deal".into());
    };
    let per_deal = match mode.as_str() {
        "command" => false,
        "deal" => true,
        other => return Err(format!("MODE is command or deal, not {other}")),
    };
    let writers: usize = writers.parse().map_err(|e| format!("WRITERS: {e}"))?;
    let deals: usize = deals.parse().map_err(|e| format!("DEALS: {e}"))?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    runtime.block_on(async move {
        let pool = postgres_es::default_postgress_pool(url).await;
        sqlx_execute(&pool, SCHEMA).await?;
        let repo = Arc::new(PostgresEventRepository::new(pool));
        let start = Instant::now();
        let tasks: Vec<_> = (0..writers)
            .map(|w| {
                let repo = Arc::clone(&repo);
                tokio::spawn(async move { write(&repo, w, deals, per_deal).await })
            })
            .collect();
        let mut latencies = Vec::new();
        for task in tasks {
            latencies.extend(task.await.map_err(|e| e.to_string())??);
        }
        let elapsed = start.elapsed();
        latencies.sort();
        let at = |q: f64| {
            let i = ((latencies.len() as f64 * q) as usize).min(latencies.len().saturating_sub(1));
            latencies.get(i).copied().unwrap_or_default().as_micros()
        };
        let commands = writers * deals * ltc_pipeline::strategies::lead_to_cash().len();
        println!(
            "commands={} deals={} seconds={:.6} p50_us={} p99_us={}",
            commands,
            writers * deals,
            elapsed.as_secs_f64(),
            at(0.50),
            at(0.99)
        );
        Ok(())
    })
}

async fn sqlx_execute(pool: &sqlx::Pool<sqlx::Postgres>, sql: &str) -> Result<(), String> {
    sqlx::query(sql)
        .execute(pool)
        .await
        .map(|_| ())
        .map_err(|e| e.to_string())
}

/// One writer: its deals lead to cash, each command decided, then persisted on its own (or a
/// deal's events together).
async fn write(
    repo: &PostgresEventRepository,
    writer: usize,
    deals: usize,
    per_deal: bool,
) -> Result<Vec<Duration>, String> {
    let process = Process::standard();
    let script = ltc_pipeline::strategies::lead_to_cash();
    let mut latencies = Vec::with_capacity(deals * script.len());
    for i in 0..deals {
        let mut deal = Deal::new(DealId::new(format!("P{writer}-{i}")));
        let mut pending = Vec::new();
        for step in &script {
            let events = deal
                .execute(&process, &step.command, &step.actor, step.at)
                .map_err(|e| e.to_string())?;
            let serialized = events
                .into_iter()
                .map(|e| {
                    let payload = serde_json::to_value(&e).map_err(|e| e.to_string())?;
                    Ok(SerializedEvent::new(
                        e.deal.to_string(),
                        e.version as usize,
                        PeerDeal::TYPE.into(),
                        "ltc_event".into(),
                        "1".into(),
                        payload,
                        serde_json::json!({}),
                    ))
                })
                .collect::<Result<Vec<_>, String>>()?;
            pending.extend(serialized);
            if !per_deal {
                latencies.push(persist(repo, std::mem::take(&mut pending)).await?);
            }
        }
        if !pending.is_empty() {
            latencies.push(persist(repo, pending).await?);
        }
    }
    Ok(latencies)
}

async fn persist(
    repo: &PostgresEventRepository,
    events: Vec<SerializedEvent>,
) -> Result<Duration, String> {
    let began = Instant::now();
    repo.persist::<PeerDeal>(&events, None)
        .await
        .map_err(|e| e.to_string())?;
    Ok(began.elapsed())
}
