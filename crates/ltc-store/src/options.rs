//! How a store is opened: its pool, its cache, its timeouts, TLS, and whether it may write.

use std::path::PathBuf;
use std::time::Duration;

/// How a store connects to PostgreSQL over TLS, beside what the URL's `sslmode` says (which
/// wins when it is given: `disable`, `prefer`, `require`, `verify-ca`, `verify-full`, as libpq
/// reads them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TlsMode {
    /// No TLS.
    Disable,
    /// TLS when the server offers it, without checking its certificate (libpq's default).
    #[default]
    Prefer,
    /// TLS always; the certificate is not checked (encryption without authentication), unless
    /// certificate authorities are given (`sslrootcert`, [`Options::ca_file`]): then as
    /// [`VerifyCa`](Self::VerifyCa), as libpq does.
    Require,
    /// TLS always, with a certificate signed by a trusted authority.
    VerifyCa,
    /// TLS always, with a certificate signed by a trusted authority for the host connected to.
    VerifyFull,
}

/// Options for [`Store::open_with`](crate::Store::open_with). Built from
/// [`Options::default`] and its setters.
///
/// ```
/// use std::time::Duration;
/// use ltc_store::Options;
/// let options = Options::default()
///     .pool_size(16)
///     .cache_deals(50_000)
///     .statement_timeout(Duration::from_secs(5))
///     .read_only(true);
/// assert_eq!(options.pool_size, 16);
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Options {
    /// Connections for reads (PostgreSQL) or read connections (SQLite); the writer has one of
    /// its own. Default 8.
    pub pool_size: usize,
    /// How many deals' verified states the store keeps, least recently used dropped first; 0
    /// keeps none (every command replays its deal). Default 10,000.
    pub cache_deals: usize,
    /// How many times a write that lost a race (a new deal created by two stores at once) is
    /// decided and tried again before it is a conflict. Default 8.
    pub retries: u32,
    /// How many waiting writes one transaction takes at most. Default 256.
    pub max_group: usize,
    /// How long connecting to PostgreSQL may take. Default 10 s.
    pub connect_timeout: Duration,
    /// How long one statement may run on PostgreSQL (`statement_timeout`); `None`: the
    /// server's setting. Default none.
    pub statement_timeout: Option<Duration>,
    /// How long a SQLite writer waits for another process's write lock. Default 30 s.
    pub busy_timeout: Duration,
    /// How often a SQLite subscription looks for events other processes committed. Default
    /// 200 ms.
    pub poll_interval: Duration,
    /// TLS to PostgreSQL when the URL names no `sslmode`. Default [`TlsMode::Prefer`].
    pub tls: TlsMode,
    /// Certificate authorities (PEM) to trust for TLS, beside the URL's `sslrootcert`; without
    /// either, the web's public authorities.
    pub ca_file: Option<PathBuf>,
    /// Open for reading only: nothing is created or written (a SQLite file is opened
    /// read-only, its folder may be read-only), and a location with no store is
    /// [`StoreError::NoStore`](crate::StoreError::NoStore).
    pub read_only: bool,
    /// Threads of the store's own runtime. Default 2.
    pub workers: usize,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            pool_size: 8,
            cache_deals: 10_000,
            retries: 8,
            max_group: 256,
            connect_timeout: Duration::from_secs(10),
            statement_timeout: None,
            busy_timeout: Duration::from_secs(30),
            poll_interval: Duration::from_millis(200),
            tls: TlsMode::default(),
            ca_file: None,
            read_only: false,
            workers: 2,
        }
    }
}

impl Options {
    /// Sets [`pool_size`](Self::pool_size).
    #[must_use]
    pub fn pool_size(mut self, size: usize) -> Self {
        self.pool_size = size.max(1);
        self
    }

    /// Sets [`cache_deals`](Self::cache_deals).
    #[must_use]
    pub fn cache_deals(mut self, deals: usize) -> Self {
        self.cache_deals = deals;
        self
    }

    /// Sets [`retries`](Self::retries).
    #[must_use]
    pub fn retries(mut self, retries: u32) -> Self {
        self.retries = retries;
        self
    }

    /// Sets [`max_group`](Self::max_group).
    #[must_use]
    pub fn max_group(mut self, jobs: usize) -> Self {
        self.max_group = jobs.max(1);
        self
    }

    /// Sets [`connect_timeout`](Self::connect_timeout).
    #[must_use]
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Sets [`statement_timeout`](Self::statement_timeout).
    #[must_use]
    pub fn statement_timeout(mut self, timeout: Duration) -> Self {
        self.statement_timeout = Some(timeout);
        self
    }

    /// Sets [`busy_timeout`](Self::busy_timeout).
    #[must_use]
    pub fn busy_timeout(mut self, timeout: Duration) -> Self {
        self.busy_timeout = timeout;
        self
    }

    /// Sets [`poll_interval`](Self::poll_interval).
    #[must_use]
    pub fn poll_interval(mut self, interval: Duration) -> Self {
        self.poll_interval = interval;
        self
    }

    /// Sets [`tls`](Self::tls).
    #[must_use]
    pub fn tls(mut self, mode: TlsMode) -> Self {
        self.tls = mode;
        self
    }

    /// Sets [`ca_file`](Self::ca_file).
    #[must_use]
    pub fn ca_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.ca_file = Some(path.into());
        self
    }

    /// Sets [`read_only`](Self::read_only).
    #[must_use]
    pub fn read_only(mut self, read_only: bool) -> Self {
        self.read_only = read_only;
        self
    }

    /// Sets [`workers`](Self::workers).
    #[must_use]
    pub fn workers(mut self, workers: usize) -> Self {
        self.workers = workers.max(1);
        self
    }

    pub(crate) fn worker_threads(&self) -> usize {
        self.workers.max(1)
    }
}
