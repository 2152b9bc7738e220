//! TLS to a real PostgreSQL: the cluster of `ltc_store::testing::TestServer::shared_tls()`
//! accepts TCP connections over TLS only, with a certificate for `localhost` and `127.0.0.1`
//! signed by an authority made for it. Each `sslmode` is tried against it as libpq reads it:
//! what connects, what is refused and why, and that the store's sessions are encrypted.
//!
//! The cluster is started once per test binary with the distribution's `initdb` and `pg_ctl`
//! (`LTC_TEST_POSTGRES_URL` is not used: the server's certificate must be the test's own). When
//! the server programs are missing the tests say so loudly and are skipped, unless `CI` is set:
//! then they fail.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use chrono::{TimeZone, Utc};
use ltc_pipeline::{Command, DealId, Envelope};
use ltc_store::testing::{other_authority, query, TestServer};
use ltc_store::{Options, Store, StoreError, TlsMode};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// A fresh database on the TLS server.
struct Target {
    /// The server's own URL for it: `127.0.0.1`, `verify-full`, the authority as `sslrootcert`.
    url: String,
    port: String,
    db: String,
    ca: PathBuf,
}

impl Target {
    /// The database on the TLS server, or `None` (said loudly) when no server can be had
    /// outside CI.
    fn new() -> Option<Target> {
        let server = match TestServer::shared_tls() {
            Ok(server) => server,
            Err(reason) if in_ci() => {
                panic!("CI is set and the TLS tests cannot run: {reason}")
            }
            Err(reason) => {
                skipped(reason);
                return None;
            }
        };
        let url = server.fresh_database().unwrap();
        // postgres://postgres@127.0.0.1:PORT/DB?sslmode=verify-full&sslrootcert=CA
        let rest = url.strip_prefix("postgres://postgres@127.0.0.1:").unwrap();
        let (port, rest) = rest.split_once('/').unwrap();
        let (db, query) = rest.split_once('?').unwrap();
        assert!(
            query.starts_with("sslmode=verify-full&sslrootcert="),
            "{url}"
        );
        Some(Target {
            port: port.to_owned(),
            db: db.to_owned(),
            ca: server.ca_file().unwrap().to_owned(),
            url,
        })
    }

    /// The database's URL by `host`, with `query` (`key=value&…`) after it.
    fn at(&self, host: &str, query: &str) -> String {
        format!(
            "postgres://postgres@{host}:{}/{}?{query}",
            self.port, self.db
        )
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
            "\n\n!!!!!!!! SKIPPED: the TLS tests did not run: {reason}.\n!!!!!!!! Install the \
             PostgreSQL server (initdb, pg_ctl); under CI (CI=true) this is a failure.\n"
        );
    });
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

fn capture() -> Envelope {
    let command = Command::CaptureLead {
        customer: "ACME".into(),
        source: "web".into(),
        estimate: None,
    };
    Envelope::new(
        "ops",
        Utc.with_ymd_and_hms(2026, 1, 5, 9, 0, 0).unwrap(),
        command,
    )
    .expecting(0)
}

/// Opens the store and executes a command: the store works over this connection.
async fn open_and_execute(url: &str, options: Options) -> Result<Store, StoreError> {
    let store = Store::open_with(url, options).await?;
    let deal = DealId::new("D-TLS");
    store.execute(&deal, &capture()).await?;
    assert_eq!(store.log(&deal).await?.len(), 1);
    Ok(store)
}

/// Runs `sql` through the administrator's connection (made as the store makes its own), off the
/// runtime's thread.
async fn rows(url: &str, sql: &str) -> Vec<Vec<Option<String>>> {
    let (url, sql) = (url.to_owned(), sql.to_owned());
    tokio::task::spawn_blocking(move || query(&url, &sql))
        .await
        .unwrap()
        .unwrap()
}

/// Whether the session of a connection made with `url` is encrypted, by the server's word.
async fn own_session_encrypted(url: &str) -> bool {
    let found = rows(
        url,
        "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
    )
    .await;
    found == [[Some("t".to_owned())]]
}

/// The store's sessions on the database (other than the one asking), by the server's word:
/// whether each is encrypted, and its TLS version.
async fn store_sessions(target: &Target) -> Vec<(bool, String)> {
    let sql = format!(
        "SELECT s.ssl, coalesce(s.version, '') FROM pg_stat_activity a JOIN pg_stat_ssl s \
         USING (pid) WHERE a.datname = '{}' AND a.application_name = 'ltc-store' \
         AND a.pid <> pg_backend_pid()",
        target.db
    );
    rows(&target.url, &sql)
        .await
        .into_iter()
        .map(|row| {
            (
                row[0].as_deref() == Some("t"),
                row[1].clone().unwrap_or_default(),
            )
        })
        .collect()
}

/// The reason a connection was refused: a `backend` error, its message.
fn refusal(result: Result<Store, StoreError>) -> String {
    match result {
        Ok(_) => panic!("the connection was accepted"),
        Err(e) => {
            assert_eq!(e.code(), "backend", "{e}");
            e.to_string()
        }
    }
}

fn file_url(path: &Path) -> String {
    // The test's folders hold no character a URL must escape.
    let text = path.to_str().unwrap();
    assert!(!text.contains(['%', '&', '?', '#', ' ']), "{text}");
    text.to_owned()
}

/// `sslmode=verify-full&sslrootcert=<the server's authority>`, by IP address and by host name:
/// the store opens and executes a command, and its sessions (and the administrator's, made the
/// same way) are encrypted.
#[test]
fn verify_full_with_the_servers_authority_opens_the_store_over_tls() {
    let Some(target) = Target::new() else { return };
    runtime().block_on(async {
        let store = open_and_execute(&target.url, Options::default())
            .await
            .unwrap();
        assert!(own_session_encrypted(&target.url).await);
        let sessions = store_sessions(&target).await;
        assert!(!sessions.is_empty(), "the store's sessions are not seen");
        for (ssl, version) in &sessions {
            assert!(ssl, "a session of the store is not encrypted: {sessions:?}");
            assert!(version.starts_with("TLSv1."), "{sessions:?}");
        }
        drop(store);
        // The certificate names `localhost` too.
        let by_name = target.at(
            "localhost",
            &format!("sslmode=verify-full&sslrootcert={}", file_url(&target.ca)),
        );
        let store = Store::open(&by_name).await.unwrap();
        assert_eq!(store.deals().await.unwrap().len(), 1);
        assert!(own_session_encrypted(&by_name).await);
    });
}

/// The authority's file named in key=value pairs (its path quoted) and in a URL (its path
/// escaped), in a folder whose name holds a space: both read as libpq reads them.
#[test]
fn the_authority_is_found_from_either_form_of_location() {
    let Some(target) = Target::new() else { return };
    let dir = tempfile::tempdir().unwrap();
    let spaced = dir.path().join("the authority");
    std::fs::create_dir(&spaced).unwrap();
    let ca = spaced.join("ca.pem");
    std::fs::copy(&target.ca, &ca).unwrap();
    let ca = ca.to_str().unwrap();
    runtime().block_on(async {
        let pairs = format!(
            "host=localhost port={} user=postgres dbname={} sslmode=verify-full sslrootcert='{ca}'",
            target.port, target.db
        );
        open_and_execute(&pairs, Options::default()).await.unwrap();
        assert!(own_session_encrypted(&pairs).await);
        let url = target.at(
            "127.0.0.1",
            &format!("sslmode=verify-full&sslrootcert={}", ca.replace(' ', "%20")),
        );
        let store = Store::open(&url).await.unwrap();
        assert_eq!(store.deals().await.unwrap().len(), 1);
        assert!(own_session_encrypted(&url).await);
    });
}

/// `?sslmode=verify-full` with the authority given as `Options::ca_file` works as
/// `sslrootcert` does; without it (the web's public authorities) the server is refused. With no
/// `sslmode`, `Options::tls` decides.
#[test]
fn the_authority_given_as_an_option_is_trusted() {
    let Some(target) = Target::new() else { return };
    runtime().block_on(async {
        let url = target.at("127.0.0.1", "sslmode=verify-full");
        let store = open_and_execute(&url, Options::default().ca_file(&target.ca))
            .await
            .unwrap();
        let sessions = store_sessions(&target).await;
        assert!(!sessions.is_empty() && sessions.iter().all(|(ssl, _)| *ssl));
        drop(store);
        let refused = refusal(Store::open_with(&url, Options::default()).await);
        assert!(refused.contains("UnknownIssuer"), "{refused}");
        // No sslmode in the URL: the options' mode, with their authority.
        let bare = format!(
            "postgres://postgres@127.0.0.1:{}/{}",
            target.port, target.db
        );
        let options = Options::default()
            .tls(TlsMode::VerifyFull)
            .ca_file(&target.ca);
        let store = Store::open_with(&bare, options).await.unwrap();
        assert_eq!(store.deals().await.unwrap().len(), 1);
        let refused =
            refusal(Store::open_with(&bare, Options::default().tls(TlsMode::VerifyFull)).await);
        assert!(refused.contains("UnknownIssuer"), "{refused}");
    });
}

/// `verify-full` (and `verify-ca`) trusting another authority than the one that signed the
/// server's certificate: refused, the error naming the certificate problem.
#[test]
fn a_server_signed_by_another_authority_is_refused() {
    let Some(target) = Target::new() else { return };
    let dir = tempfile::tempdir().unwrap();
    let other = dir.path().join("other-ca.pem");
    std::fs::write(&other, other_authority().unwrap()).unwrap();
    runtime().block_on(async {
        for mode in ["verify-full", "verify-ca", "require"] {
            let url = target.at(
                "127.0.0.1",
                &format!("sslmode={mode}&sslrootcert={}", file_url(&other)),
            );
            let refused = refusal(Store::open(&url).await);
            assert!(
                refused.contains("invalid peer certificate") && refused.contains("UnknownIssuer"),
                "{mode}: {refused}"
            );
        }
        let url = target.at("127.0.0.1", "sslmode=verify-full");
        let refused = refusal(Store::open_with(&url, Options::default().ca_file(&other)).await);
        assert!(refused.contains("UnknownIssuer"), "{refused}");
    });
}

/// Connected by a host name the certificate does not name (the address given apart, as
/// `hostaddr`): `verify-full` refuses the server, `verify-ca` (the chain only) accepts it.
#[test]
fn verify_full_checks_the_host_name_and_verify_ca_does_not() {
    let Some(target) = Target::new() else { return };
    let root = format!("sslrootcert={}", file_url(&target.ca));
    runtime().block_on(async {
        let full = target.at(
            "db.ltc-test.invalid",
            &format!("hostaddr=127.0.0.1&sslmode=verify-full&{root}"),
        );
        let refused = refusal(Store::open(&full).await);
        assert!(
            refused.contains("invalid peer certificate")
                && refused.contains("not valid for name \"db.ltc-test.invalid\""),
            "{refused}"
        );
        let ca = target.at(
            "db.ltc-test.invalid",
            &format!("hostaddr=127.0.0.1&sslmode=verify-ca&{root}"),
        );
        open_and_execute(&ca, Options::default()).await.unwrap();
        assert!(own_session_encrypted(&ca).await);
    });
}

/// `sslmode=disable`: the server, which takes TCP connections over TLS only, refuses the
/// connection; so every connection the other tests made was encrypted.
#[test]
fn a_connection_without_tls_is_refused_by_the_server() {
    let Some(target) = Target::new() else { return };
    runtime().block_on(async {
        let url = target.at("127.0.0.1", "sslmode=disable");
        let refused = refusal(Store::open(&url).await);
        assert!(
            refused.contains("no pg_hba.conf entry") && refused.contains("no encryption"),
            "{refused}"
        );
        let refused = refusal(
            Store::open_with(
                &format!(
                    "postgres://postgres@127.0.0.1:{}/{}",
                    target.port, target.db
                ),
                Options::default().tls(TlsMode::Disable),
            )
            .await,
        );
        assert!(refused.contains("no encryption"), "{refused}");
    });
}

/// `sslmode=require` without an authority, and `prefer` (the default): TLS without checking
/// the certificate, as libpq does; the session is encrypted all the same.
#[test]
fn require_and_prefer_without_an_authority_encrypt_without_verifying() {
    let Some(target) = Target::new() else { return };
    runtime().block_on(async {
        let require = target.at("127.0.0.1", "sslmode=require");
        open_and_execute(&require, Options::default())
            .await
            .unwrap();
        assert!(own_session_encrypted(&require).await);
        let prefer = format!(
            "postgres://postgres@127.0.0.1:{}/{}",
            target.port, target.db
        );
        let store = Store::open(&prefer).await.unwrap();
        assert_eq!(store.deals().await.unwrap().len(), 1);
        assert!(own_session_encrypted(&prefer).await);
        let sessions = store_sessions(&target).await;
        assert!(!sessions.is_empty() && sessions.iter().all(|(ssl, _)| *ssl));
    });
}
