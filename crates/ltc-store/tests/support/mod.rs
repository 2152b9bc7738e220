//! Test support: a database of each kind to run the one behavioural suite against.
//!
//! SQLite is a file in a temporary folder. PostgreSQL is `LTC_TEST_POSTGRES_URL` when it is set
//! (each test gets a fresh database on that server), or else a throw-away cluster started once
//! per test binary with the distribution's `initdb` and `pg_ctl` (as the `postgres` user when
//! the tests run as root), listening on 127.0.0.1 only on a free port, and stopped with
//! `pg_ctl stop -m immediate` (and its folder removed) as soon as the test binary exits. When no
//! server can be had, the PostgreSQL tests say so loudly and are skipped, unless `CI` is set:
//! then they fail.
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
use ltc_store::{BackendKind, Store};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command as Process, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
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
        match cluster() {
            Ok(cluster) => Some(Db {
                kind: BackendKind::Postgres,
                location: cluster.fresh_database(),
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
            BackendKind::Postgres => postgres::Client::connect(&self.location, postgres::NoTls)
                .unwrap()
                .batch_execute(sql)
                .unwrap(),
        }
    }
}

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0")
}

fn skipped(reason: &str) {
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

/// Where the PostgreSQL tests get their databases.
pub struct Cluster {
    /// A URL of the server, with `{db}` where the database name goes.
    template: String,
    admin: String,
    next: AtomicU32,
}

impl Cluster {
    /// Creates a database of its own for one test and returns its URL.
    pub fn fresh_database(&self) -> String {
        let n = self.next.fetch_add(1, Ordering::SeqCst);
        let name = format!("ltc_test_{}_{n}", std::process::id());
        let mut admin = postgres::Client::connect(&self.admin, postgres::NoTls).unwrap();
        // One statement at a time: a multi-statement string runs as one transaction block.
        admin
            .batch_execute(&format!("DROP DATABASE IF EXISTS {name}"))
            .unwrap();
        admin
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .unwrap();
        self.template.replace("{db}", &name)
    }
}

/// The cluster shared by the tests of this binary: started on first use.
pub fn cluster() -> Result<&'static Cluster, &'static str> {
    static CLUSTER: OnceLock<Result<Cluster, String>> = OnceLock::new();
    CLUSTER
        .get_or_init(|| match std::env::var("LTC_TEST_POSTGRES_URL") {
            Ok(url) if !url.is_empty() => external(&url),
            _ => start_cluster(),
        })
        .as_ref()
        .map_err(String::as_str)
}

/// A server given by URL: databases are created beside the one it names.
fn external(url: &str) -> Result<Cluster, String> {
    let (base, query) = url.split_once('?').unwrap_or((url, ""));
    let Some((server, _db)) = base.split_once("://").and_then(|(scheme, rest)| {
        rest.split_once('/')
            .map(|(s, d)| (format!("{scheme}://{s}"), d))
    }) else {
        return Err(format!(
            "LTC_TEST_POSTGRES_URL `{url}` is not a postgres://user@host:port/database URL"
        ));
    };
    let query = if query.is_empty() {
        String::new()
    } else {
        format!("?{query}")
    };
    let admin = format!("{server}/postgres{query}");
    postgres::Client::connect(&admin, postgres::NoTls)
        .map_err(|e| format!("LTC_TEST_POSTGRES_URL: cannot connect to {admin}: {e}"))?;
    Ok(Cluster {
        template: format!("{server}/{{db}}{query}"),
        admin,
        next: AtomicU32::new(0),
    })
}

/// The folder of the newest PostgreSQL server programs the distribution installed.
fn server_bin() -> Option<PathBuf> {
    let mut found: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| {
            let e = e.ok()?;
            let version = e.file_name().to_str()?.parse::<u32>().ok()?;
            let bin = e.path().join("bin");
            bin.join("initdb").exists().then_some((version, bin))
        })
        .collect();
    found.sort();
    found.pop().map(|(_, bin)| bin)
}

fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Uid:"))
                .map(|l| l.split_whitespace().nth(2) == Some("0"))
        })
        .unwrap_or(false)
}

/// A program of the server's, run as the `postgres` user when the tests run as root
/// (PostgreSQL refuses to run as root).
fn as_server_user(program: &Path) -> Process {
    if is_root() {
        let mut command = Process::new("runuser");
        command.args(["-u", "postgres", "--"]).arg(program);
        command
    } else {
        Process::new(program)
    }
}

fn free_port() -> Result<u16, String> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    listener
        .local_addr()
        .map(|a| a.port())
        .map_err(|e| e.to_string())
}

fn start_cluster() -> Result<Cluster, String> {
    let bin = server_bin()
        .ok_or("no PostgreSQL server under /usr/lib/postgresql/*/bin (initdb is missing)")?;
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let base = std::env::temp_dir().join(format!("ltc-pg-{}-{nanos}", std::process::id()));
    std::fs::create_dir_all(&base).map_err(|e| format!("{}: {e}", base.display()))?;
    // The server's user writes the cluster here.
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(&base, std::fs::Permissions::from_mode(0o777))
        .map_err(|e| e.to_string())?;
    let data = base.join("data");
    let log = base.join("server.log");
    let quiet = |mut c: Process| {
        c.stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        c
    };
    let mut initdb = quiet(as_server_user(&bin.join("initdb")));
    initdb
        .arg("-D")
        .arg(&data)
        .args(["-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"]);
    let status = initdb.status().map_err(|e| format!("initdb: {e}"))?;
    if !status.success() {
        return Err(format!("initdb failed ({status})"));
    }
    let port = free_port()?;
    let options = format!(
        "-c listen_addresses=127.0.0.1 -p {port} -k {} -c max_connections=100",
        base.display()
    );
    let mut start = quiet(as_server_user(&bin.join("pg_ctl")));
    start
        .arg("-D")
        .arg(&data)
        .arg("-l")
        .arg(&log)
        .args(["-w", "-t", "60", "-o", &options, "start"]);
    let status = start.status().map_err(|e| format!("pg_ctl: {e}"))?;
    if !status.success() {
        let log = std::fs::read_to_string(&log).unwrap_or_default();
        return Err(format!("pg_ctl start failed ({status}): {log}"));
    }
    // Stopped (and removed) as soon as this test binary exits, however it exits.
    let runuser = if is_root() {
        "runuser -u postgres -- "
    } else {
        ""
    };
    let reaper = format!(
        "while kill -0 {pid} 2>/dev/null; do sleep 0.2; done; {runuser}{pg_ctl} -D {data} stop -m \
         immediate; rm -rf {base}",
        pid = std::process::id(),
        pg_ctl = bin.join("pg_ctl").display(),
        data = data.display(),
        base = base.display(),
    );
    quiet(Process::new("sh"))
        .args(["-c", &reaper])
        .spawn()
        .map_err(|e| format!("sh: {e}"))?;
    let server = format!("postgres://postgres@127.0.0.1:{port}");
    Ok(Cluster {
        template: format!("{server}/{{db}}"),
        admin: format!("{server}/postgres"),
        next: AtomicU32::new(0),
    })
}

// ---- deals ---------------------------------------------------------------------------------

/// The valid lead-to-cash script (41 commands, one event each).
pub fn script() -> Vec<Step> {
    lead_to_cash()
}

/// Step `i` of the script as an envelope expecting version `i`.
pub fn envelope(step: &Step, expected: Option<u64>) -> Envelope {
    Envelope {
        actor: step.actor.clone(),
        at: step.at,
        expected_version: expected,
        command: step.command.clone(),
    }
}

/// A capture for a new deal.
pub fn capture(customer: &str) -> Envelope {
    Envelope {
        actor: "ops".into(),
        at: day(0),
        expected_version: Some(0),
        command: Command::CaptureLead {
            customer: customer.into(),
            source: "web".into(),
            estimate: None,
        },
    }
}

pub fn day(n: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 5, 9, 0, 0).unwrap() + Duration::days(n)
}

pub fn id(text: &str) -> DealId {
    DealId::new(text)
}
