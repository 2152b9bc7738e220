//! A real PostgreSQL for tests and benchmarks (feature `testing`): the server named by
//! `LTC_TEST_POSTGRES_URL`, or a throw-away cluster started with the distribution's `initdb`
//! and `pg_ctl`.
//!
//! The cluster lives in a temporary folder, is run as the `postgres` user when the caller is
//! root (PostgreSQL refuses to run as root), listens on 127.0.0.1 only, on a free port, and is
//! stopped with `pg_ctl stop -m immediate` (its folder removed) when the [`TestServer`] is
//! dropped, or when the process that started it exits, however it exits.
//!
//! [`TestServer::start_tls`] starts a cluster that accepts TCP connections over TLS only, with a
//! certificate for `localhost` and `127.0.0.1` signed by a throw-away certificate authority
//! ([`TestServer::ca_file`]).
//!
//! ```no_run
//! use ltc_store::testing::TestServer;
//! let server = TestServer::start()?;
//! let store = ltc_store::blocking::Store::open(&server.fresh_database()?)?;
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
    /// The certificate authority (PEM) that signed the server's certificate, when it speaks TLS.
    ca: Option<PathBuf>,
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
            _ => start_cluster(false),
        }
    }

    /// A cluster started for the caller that accepts TCP connections over TLS only (a
    /// connection without it is refused by `pg_hba.conf`), with a certificate for `localhost`
    /// and `127.0.0.1` signed by a certificate authority made for it ([`ca_file`](Self::ca_file)).
    /// `LTC_TEST_POSTGRES_URL` is not used: the server's certificate must be this one.
    ///
    /// Its URLs ([`fresh_database`](Self::fresh_database)) name `127.0.0.1` with
    /// `sslmode=verify-full` and the authority as `sslrootcert`.
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), ltc_store::StoreError> {
    /// use ltc_store::testing::TestServer;
    /// let server = TestServer::start_tls()?;
    /// // postgres://postgres@127.0.0.1:PORT/ltc_test_…?sslmode=verify-full&sslrootcert=…/ca.pem
    /// let url = server.fresh_database()?;
    /// let store = ltc_store::Store::open(&url).await?;
    /// assert!(store.deals().await?.is_empty());
    /// assert!(server.ca_file().is_some());
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    /// [`StoreError::Backend`] saying why no server can be had: the server programs are not
    /// installed, the certificates cannot be made or written, the cluster would not start.
    pub fn start_tls() -> Result<TestServer, StoreError> {
        start_cluster(true)
    }

    /// One TLS server ([`start_tls`](Self::start_tls)) for the whole process, started on first
    /// use (and stopped when the process exits).
    ///
    /// ```no_run
    /// use ltc_store::testing::TestServer;
    /// let server = TestServer::shared_tls().map_err(Clone::clone)?;
    /// let url = server.fresh_database()?;
    /// assert!(url.contains("sslmode=verify-full"));
    /// # Ok::<(), ltc_store::StoreError>(())
    /// ```
    ///
    /// # Errors
    /// As [`start_tls`](Self::start_tls), the same answer every time.
    pub fn shared_tls() -> Result<&'static TestServer, &'static StoreError> {
        static SERVER: OnceLock<Result<TestServer, StoreError>> = OnceLock::new();
        SERVER.get_or_init(TestServer::start_tls).as_ref()
    }

    /// The certificate authority (a PEM file) that signed the server's certificate: for a
    /// server of [`start_tls`](Self::start_tls), `None` for the others.
    ///
    /// ```no_run
    /// use ltc_store::testing::TestServer;
    /// let server = TestServer::start_tls()?;
    /// let ca = server.ca_file().expect("a TLS server has its authority");
    /// let options = ltc_store::Options::default().ca_file(ca);
    /// # let _ = options;
    /// # Ok::<(), ltc_store::StoreError>(())
    /// ```
    pub fn ca_file(&self) -> Option<&Path> {
        self.ca.as_deref()
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
        // One statement at a time: a multi-statement string runs as one transaction block.
        admin(
            &self.admin,
            &[
                format!("DROP DATABASE IF EXISTS {name}"),
                format!("CREATE DATABASE {name}"),
            ],
        )?;
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
    self::admin(&admin, &[]).map_err(|e| {
        failed(format!(
            "LTC_TEST_POSTGRES_URL: cannot connect to {admin}: {e}"
        ))
    })?;
    Ok(TestServer {
        template: format!("{server}/{{db}}{query}"),
        admin,
        next: AtomicU32::new(0),
        cluster: None,
        ca: None,
    })
}

/// Runs `statements` one by one on the server at `url`, as its administrator. On a thread and a
/// runtime of its own, so that it can be called from anywhere (a test, a runtime's task). The
/// connection is made as the store makes its own (`sslmode` and `sslrootcert` honoured).
///
/// ```no_run
/// use ltc_store::testing::{admin, TestServer};
/// let url = TestServer::start()?.fresh_database()?;
/// admin(&url, &["CREATE TABLE notes (body text)".to_owned()])?;
/// # Ok::<(), ltc_store::StoreError>(())
/// ```
///
/// # Errors
/// [`StoreError::Backend`] when the server cannot be reached or refuses a statement.
pub fn admin(url: &str, statements: &[String]) -> Result<(), StoreError> {
    on_server(url, statements.to_vec()).map(drop)
}

/// Runs one query on the server at `url`, as [`admin`] runs statements, and returns its rows,
/// each value as the server's text (`None` for NULL).
///
/// ```no_run
/// use ltc_store::testing::{query, TestServer};
/// let server = TestServer::start_tls()?;
/// let rows = query(
///     &server.fresh_database()?,
///     "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
/// )?;
/// assert_eq!(rows, [[Some("t".to_owned())]]);
/// # Ok::<(), ltc_store::StoreError>(())
/// ```
///
/// # Errors
/// [`StoreError::Backend`] when the server cannot be reached or refuses the query.
pub fn query(url: &str, sql: &str) -> Result<Vec<Vec<Option<String>>>, StoreError> {
    on_server(url, vec![sql.to_owned()])
}

/// Runs `statements` one by one on a connection of its own, on a thread and a runtime of its
/// own; the rows of the last.
fn on_server(url: &str, statements: Vec<String>) -> Result<Vec<Vec<Option<String>>>, StoreError> {
    let url = url.to_owned();
    let run = move || -> Result<Vec<Vec<Option<String>>>, StoreError> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| failed(format!("a runtime could not start: {e}")))?;
        runtime.block_on(async move {
            let connect = crate::tls::connect(&url, &crate::Options::default())?;
            let client = crate::postgres::connect_one(&connect).await?;
            let mut rows = Vec::new();
            // One statement at a time: a multi-statement string runs as one transaction block.
            for sql in &statements {
                rows = client
                    .simple_query(sql)
                    .await
                    .map_err(|e| StoreError::postgres(&e))?
                    .into_iter()
                    .filter_map(|message| match message {
                        tokio_postgres::SimpleQueryMessage::Row(row) => Some(
                            (0..row.len())
                                .map(|i| row.get(i).map(str::to_owned))
                                .collect(),
                        ),
                        _ => None,
                    })
                    .collect();
            }
            Ok(rows)
        })
    };
    std::thread::spawn(run)
        .join()
        .unwrap_or_else(|_| Err(failed("the administrator's connection failed")))
}

/// The PEM certificate of a certificate authority made on the spot, which signed nothing: to
/// trust instead of a server's own and see the server refused.
///
/// ```
/// let pem = ltc_store::testing::other_authority()?;
/// assert!(pem.starts_with("-----BEGIN CERTIFICATE-----"));
/// # Ok::<(), ltc_store::StoreError>(())
/// ```
///
/// # Errors
/// [`StoreError::Backend`] when the certificate cannot be made.
pub fn other_authority() -> Result<String, StoreError> {
    Ok(Authority::new("ltc test: another authority")?.pem)
}

/// A throw-away certificate authority: its certificate, and its key to sign with.
struct Authority {
    pem: String,
    issuer: rcgen::Issuer<'static, rcgen::KeyPair>,
}

fn refused_by_rcgen(e: rcgen::Error) -> StoreError {
    failed(format!("a test certificate cannot be made: {e}"))
}

impl Authority {
    fn new(name: &str) -> Result<Authority, StoreError> {
        use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair, KeyUsagePurpose};
        let mut params = CertificateParams::new(Vec::<String>::new()).map_err(refused_by_rcgen)?;
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.distinguished_name.push(DnType::CommonName, name);
        params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let key = KeyPair::generate().map_err(refused_by_rcgen)?;
        let pem = params.self_signed(&key).map_err(refused_by_rcgen)?.pem();
        Ok(Authority {
            pem,
            issuer: rcgen::Issuer::new(params, key),
        })
    }

    /// A server's certificate for `names` (host names or IP addresses) and its key, both PEM.
    fn issue(&self, names: &[&str]) -> Result<(String, String), StoreError> {
        use rcgen::{CertificateParams, DnType, ExtendedKeyUsagePurpose, KeyPair, KeyUsagePurpose};
        let names: Vec<String> = names.iter().map(|n| (*n).to_owned()).collect();
        let mut params = CertificateParams::new(names.clone()).map_err(refused_by_rcgen)?;
        if let Some(first) = names.first() {
            params
                .distinguished_name
                .push(DnType::CommonName, first.as_str());
        }
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        params.use_authority_key_identifier_extension = true;
        let key = KeyPair::generate().map_err(refused_by_rcgen)?;
        let cert = params
            .signed_by(&key, &self.issuer)
            .map_err(refused_by_rcgen)?;
        Ok((cert.pem(), key.serialize_pem()))
    }
}

/// The files of a TLS cluster, written to its folder: the authority (readable by all), the
/// server's certificate and key (the server's user's, the key readable by it alone: PostgreSQL
/// refuses a key others can read).
struct TlsFiles {
    ca: PathBuf,
    cert: PathBuf,
    key: PathBuf,
}

fn write_tls_files(base: &Path, data: &Path) -> Result<TlsFiles, StoreError> {
    use std::os::unix::fs::{MetadataExt as _, PermissionsExt as _};
    let authority = Authority::new("ltc test authority")?;
    let (cert_pem, key_pem) = authority.issue(&["localhost", "127.0.0.1"])?;
    let files = TlsFiles {
        ca: base.join("ca.pem"),
        cert: base.join("server.crt"),
        key: base.join("server.key"),
    };
    let io = |path: &Path| {
        let shown = path.display().to_string();
        move |e: std::io::Error| failed(format!("{shown}: {e}"))
    };
    std::fs::write(&files.ca, &authority.pem).map_err(io(&files.ca))?;
    std::fs::write(&files.cert, cert_pem).map_err(io(&files.cert))?;
    // The key is the server's alone before it holds anything.
    std::fs::write(&files.key, "").map_err(io(&files.key))?;
    std::fs::set_permissions(&files.key, std::fs::Permissions::from_mode(0o600))
        .map_err(io(&files.key))?;
    std::fs::write(&files.key, key_pem).map_err(io(&files.key))?;
    // initdb made the data folder as the server's user.
    let owner = std::fs::metadata(data).map_err(io(data))?;
    for file in [&files.cert, &files.key] {
        std::os::unix::fs::chown(file, Some(owner.uid()), Some(owner.gid())).map_err(io(file))?;
    }
    // TCP over TLS only: a connection without it finds no line and is refused.
    let hba = data.join("pg_hba.conf");
    std::fs::write(
        &hba,
        "local all all trust\n\
         hostssl all all 127.0.0.1/32 trust\n\
         hostssl all all ::1/128 trust\n",
    )
    .map_err(io(&hba))?;
    Ok(files)
}

/// A value for a URL's query: all but the unreserved characters and `/` escaped.
fn url_value(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
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

fn start_cluster(tls: bool) -> Result<TestServer, StoreError> {
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
    let tls = if tls {
        Some(write_tls_files(&base, &data)?)
    } else {
        None
    };
    let pg_ctl = bin.join("pg_ctl");
    let port = free_port()?;
    let mut options = format!(
        "-c listen_addresses=127.0.0.1 -p {port} -k {} -c max_connections=100",
        base.display()
    );
    if let Some(files) = &tls {
        // pg_ctl hands the options to a shell: the paths quoted.
        options.push_str(&format!(
            " -c ssl=on -c ssl_cert_file='{}' -c ssl_key_file='{}'",
            files.cert.display(),
            files.key.display()
        ));
    }
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
    let query = match &tls {
        Some(files) => format!(
            "?sslmode=verify-full&sslrootcert={}",
            url_value(&files.ca.display().to_string())
        ),
        None => String::new(),
    };
    Ok(TestServer {
        template: format!("{server}/{{db}}{query}"),
        admin: format!("{server}/postgres{query}"),
        next: AtomicU32::new(0),
        cluster: Some(Cluster { pg_ctl, data, base }),
        ca: tls.map(|files| files.ca),
    })
}
