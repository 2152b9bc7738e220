//! The event store behind HTTP: commands in, deals and the live event stream out.
//!
//! ```text
//! cargo run --example service -- --store ltc.db --tokens examples/data/tokens.json \
//!     --listen 127.0.0.1:8080
//! ```
//!
//! `--store` is a SQLite file (created if missing) or a `postgres://` URL (also read from
//! `LTC_STORE`). It prints where it listens, and stops on Ctrl-C (or SIGTERM): open event streams
//! end, requests in flight are answered. See `examples/service/README.md`.
#![forbid(unsafe_code)]

use clap::Parser;
use ltc_examples::service::{serve, Config, Tokens};
use std::net::SocketAddr;
use std::process::ExitCode;

/// An HTTP service over the lead-to-cash event store.
#[derive(Debug, Parser)]
#[command(name = "service")]
struct Args {
    /// The store: a SQLite file (created if missing) or a postgres:// URL.
    #[arg(long, env = "LTC_STORE")]
    store: String,
    /// The token table: a JSON file {"tokens": {"<token>": "<person id>", ...}}.
    #[arg(long)]
    tokens: std::path::PathBuf,
    /// The address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// The largest request body read, in bytes.
    #[arg(long, default_value_t = Config::default().body_limit)]
    body_limit: usize,
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    match run(args).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn run(args: Args) -> Result<(), String> {
    let tokens = Tokens::load(&args.tokens).map_err(|e| e.to_string())?;
    if tokens.is_empty() {
        return Err(format!(
            "{}: the table holds no token: every request would be refused",
            args.tokens.display()
        ));
    }
    let store = ltc_store::Store::open(&args.store)
        .await
        .map_err(|e| format!("{}: {e}", e.code()))?;
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", args.listen))?;
    let addr = listener
        .local_addr()
        .map_err(|e| format!("cannot listen on {}: {e}", args.listen))?;
    // Never the URL itself: it may carry a password.
    let kind = match store.kind() {
        ltc_store::BackendKind::Sqlite => format!("SQLite file {}", args.store),
        ltc_store::BackendKind::Postgres => "PostgreSQL".to_owned(),
    };
    println!(
        "listening on http://{addr} (store: {kind}; {} tokens)",
        tokens.len()
    );
    let config = Config {
        body_limit: args.body_limit,
        ..Config::default()
    };
    serve(listener, store, tokens, config, shutdown())
        .await
        .map_err(|e| format!("the service stopped: {e}"))?;
    println!("stopped");
    Ok(())
}

/// Resolves on Ctrl-C, or on SIGTERM where there are signals.
async fn shutdown() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
    eprintln!("shutting down: open event streams end, requests in flight are answered");
}
