//! A real PostgreSQL for tests and benchmarks (feature `testing`): the server named by
//! `LTC_TEST_POSTGRES_URL`, or a throw-away cluster started with the distribution's `initdb`
//! and `pg_ctl`.
//!
//! The cluster lives in a temporary folder, is run as the `postgres` user when the caller is
//! root (PostgreSQL refuses to run as root), listens on 127.0.0.1 only, on a free port, and is
//! stopped with `pg_ctl stop -m immediate` (its folder removed) when the [`TestServer`] is
//! dropped, or when the process that started it exits, however it exits.
//!
//! ```no_run
//! use ltc_store::testing::TestServer;
//! use ltc_store::Store;
//! let server = TestServer::start()?;
//! let mut store = Store::open(&server.fresh_database()?)?;
//! assert!(store.deals()?.is_empty());
//! # Ok::<(), ltc_store::StoreError>(())
//! ```

use crate::StoreError;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::OnceLock;

/// A PostgreSQL server to create throw-away databases on.
#[derive(Debug)]
pub struct TestServer {
    /// A URL of the server, with `{db}` where the database name goes.
    template: String,
    admin: String,
    next: AtomicU32,
    /// The cluster this server started: stopped on drop.
    cluster: Option<Cluster>,
}

#[derive(Debug)]
struct Cluster {
    pg_ctl: PathBuf,
    data: PathBuf,
    base: PathBuf,
}

fn failed(message: impl Into<String>) -> StoreError {
    StoreError::Backend {
        backend: "postgres",
        message: message.into(),
    }
}

impl TestServer {
    /// The server named by `LTC_TEST_POSTGRES_URL` when it is set, or a cluster started for the
    /// caller.
    ///
    /// # Errors
    /// [`StoreError::Backend`] saying why no server can be had: the URL cannot be reached, the
    /// server programs are not installed, the cluster would not start.
    pub fn start() -> Result<TestServer, StoreError> {
        match std::env::var("LTC_TEST_POSTGRES_URL") {
            Ok(url) if !url.is_empty() => external(&url),
            _ => start_cluster(),
        }
    }

    /// One server for the whole process, started on first use (and stopped when the process
    /// exits).
    ///
    /// # Errors
    /// As [`start`](Self::start), the same answer every time.
    pub fn shared() -> Result<&'static TestServer, &'static StoreError> {
        static SERVER: OnceLock<Result<TestServer, StoreError>> = OnceLock::new();
        SERVER.get_or_init(TestServer::start).as_ref()
    }

    /// Creates an empty database of its own and returns its URL.
    ///
    /// # Errors
    /// [`StoreError::Backend`] when the server refuses.
    pub fn fresh_database(&self) -> Result<String, StoreError> {
        let n = self.next.fetch_add(1, Ordering::SeqCst);
        let name = format!("ltc_test_{}_{n}", std::process::id());
        let mut admin = postgres::Client::connect(&self.admin, postgres::NoTls)
            .map_err(|e| StoreError::postgres(&e))?;
        // One statement at a time: a multi-statement string runs as one transaction block.
        for sql in [
            format!("DROP DATABASE IF EXISTS {name}"),
            format!("CREATE DATABASE {name}"),
        ] {
            admin
                .batch_execute(&sql)
                .map_err(|e| StoreError::postgres(&e))?;
        }
        Ok(self.template.replace("{db}", &name))
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(cluster) = &self.cluster {
            let _ = quiet(as_server_user(&cluster.pg_ctl))
                .arg("-D")
                .arg(&cluster.data)
                .args(["stop", "-m", "immediate"])
                .status();
            let _ = std::fs::remove_dir_all(&cluster.base);
        }
    }
}

/// A server given by URL: databases are created beside the one it names.
fn external(url: &str) -> Result<TestServer, StoreError> {
    let (base, query) = url.split_once('?').unwrap_or((url, ""));
    let Some((server, _db)) = base.split_once("://").and_then(|(scheme, rest)| {
        rest.split_once('/')
            .map(|(s, d)| (format!("{scheme}://{s}"), d))
    }) else {
        return Err(failed(format!(
            "LTC_TEST_POSTGRES_URL `{url}` is not a postgres://user@host:port/database URL"
        )));
    };
    let query = if query.is_empty() {
        String::new()
    } else {
        format!("?{query}")
    };
    let admin = format!("{server}/postgres{query}");
    postgres::Client::connect(&admin, postgres::NoTls).map_err(|e| {
        failed(format!(
            "LTC_TEST_POSTGRES_URL: cannot connect to {admin}: {e}"
        ))
    })?;
    Ok(TestServer {
        template: format!("{server}/{{db}}{query}"),
        admin,
        next: AtomicU32::new(0),
        cluster: None,
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

/// A program of the server's, run as the `postgres` user when the caller is root.
fn as_server_user(program: &Path) -> Command {
    if is_root() {
        let mut command = Command::new("runuser");
        command.args(["-u", "postgres", "--"]).arg(program);
        command
    } else {
        Command::new(program)
    }
}

/// No standard streams: a server that inherited a pipe would keep its reader waiting.
fn quiet(mut command: Command) -> Command {
    command
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    command
}

fn free_port() -> Result<u16, StoreError> {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|e| failed(format!("no free port on 127.0.0.1: {e}")))
}

fn start_cluster() -> Result<TestServer, StoreError> {
    let bin = server_bin().ok_or_else(|| {
        failed("no PostgreSQL server under /usr/lib/postgresql/*/bin (initdb is missing)")
    })?;
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let base = std::env::temp_dir().join(format!("ltc-pg-{}-{nanos}", std::process::id()));
    let io = |e: std::io::Error| failed(format!("{}: {e}", base.display()));
    std::fs::create_dir_all(&base).map_err(io)?;
    // The server's user writes the cluster here.
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(&base, std::fs::Permissions::from_mode(0o777)).map_err(io)?;
    let data = base.join("data");
    let log = base.join("server.log");
    let status = quiet(as_server_user(&bin.join("initdb")))
        .arg("-D")
        .arg(&data)
        .args(["-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"])
        .status()
        .map_err(|e| failed(format!("initdb: {e}")))?;
    if !status.success() {
        return Err(failed(format!("initdb failed ({status})")));
    }
    let pg_ctl = bin.join("pg_ctl");
    let port = free_port()?;
    let options = format!(
        "-c listen_addresses=127.0.0.1 -p {port} -k {} -c max_connections=100",
        base.display()
    );
    let status = quiet(as_server_user(&pg_ctl))
        .arg("-D")
        .arg(&data)
        .arg("-l")
        .arg(&log)
        .args(["-w", "-t", "60", "-o", &options, "start"])
        .status()
        .map_err(|e| failed(format!("pg_ctl: {e}")))?;
    if !status.success() {
        let log = std::fs::read_to_string(&log).unwrap_or_default();
        return Err(failed(format!("pg_ctl start failed ({status}): {log}")));
    }
    // Stopped (and removed) as soon as this process exits, however it exits.
    let runuser = if is_root() {
        "runuser -u postgres -- "
    } else {
        ""
    };
    let reaper = format!(
        "while kill -0 {pid} 2>/dev/null; do sleep 0.2; done; {runuser}'{pg_ctl}' -D '{data}' \
         stop -m immediate; rm -rf '{base}'",
        pid = std::process::id(),
        pg_ctl = pg_ctl.display(),
        data = data.display(),
        base = base.display(),
    );
    quiet(Command::new("sh"))
        .args(["-c", &reaper])
        .spawn()
        .map_err(|e| failed(format!("sh: {e}")))?;
    let server = format!("postgres://postgres@127.0.0.1:{port}");
    Ok(TestServer {
        template: format!("{server}/{{db}}"),
        admin: format!("{server}/postgres"),
        next: AtomicU32::new(0),
        cluster: Some(Cluster { pg_ctl, data, base }),
    })
}
