//! Connecting to PostgreSQL: the location read as libpq reads it (a URL or key=value pairs),
//! `sslmode` and `sslrootcert` honoured as libpq honours them, TLS through rustls.
//!
//! | `sslmode` | TLS | certificate checked |
//! |---|---|---|
//! | `disable` | never | - |
//! | `prefer` (default) | when the server offers it | no |
//! | `require` | always | no (as `verify-ca` when a root certificate is given) |
//! | `verify-ca` | always | signed by a trusted authority |
//! | `verify-full` | always | signed by a trusted authority, for the host connected to |
//!
//! The trusted authorities are the URL's `sslrootcert` file, else [`Options::ca_file`], else the
//! web's public authorities.

use crate::options::{Options, TlsMode};
use crate::StoreError;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{
    CertificateError, ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme,
};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tokio_postgres::config::SslMode;
use tokio_postgres_rustls::MakeRustlsConnect;

/// A location made ready to connect: the driver's configuration and its TLS.
#[derive(Clone)]
pub(crate) struct Connect {
    pub(crate) config: tokio_postgres::Config,
    pub(crate) tls: MakeRustlsConnect,
    pub(crate) mode: TlsMode,
}

impl std::fmt::Debug for Connect {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connect").field("tls", &self.mode).finish()
    }
}

fn bad(message: impl Into<String>) -> StoreError {
    StoreError::Backend {
        backend: "postgres",
        message: message.into(),
    }
}

/// Reads a location, takes out what the driver does not read itself (`sslmode` beyond
/// `require`, `sslrootcert`), and builds the TLS it asks for.
pub(crate) fn connect(location: &str, options: &Options) -> Result<Connect, StoreError> {
    let (rest, params) = split(location)?;
    let mut mode = options.tls;
    let mut root: Option<PathBuf> = options.ca_file.clone();
    for (key, value) in params {
        match key.as_str() {
            "sslmode" => {
                mode = match value.as_str() {
                    "disable" => TlsMode::Disable,
                    // libpq's `allow` tries without TLS first; TLS when offered is the closest.
                    "allow" | "prefer" => TlsMode::Prefer,
                    "require" => TlsMode::Require,
                    "verify-ca" => TlsMode::VerifyCa,
                    "verify-full" => TlsMode::VerifyFull,
                    other => {
                        return Err(bad(format!(
                            "sslmode `{}` is not one of disable, allow, prefer, require, \
                             verify-ca, verify-full",
                            crate::error::esc(&other)
                        )))
                    }
                }
            }
            "sslrootcert" => {
                root = Some(PathBuf::from(value));
            }
            _ => {}
        }
    }
    // libpq: `require` with a root certificate checks the chain, as `verify-ca`.
    if mode == TlsMode::Require && root.is_some() {
        mode = TlsMode::VerifyCa;
    }
    let mut config: tokio_postgres::Config = rest.parse().map_err(|e| {
        bad(format!(
            "the location does not read as a PostgreSQL one: {e}"
        ))
    })?;
    config.ssl_mode(match mode {
        TlsMode::Disable => SslMode::Disable,
        TlsMode::Prefer => SslMode::Prefer,
        TlsMode::Require | TlsMode::VerifyCa | TlsMode::VerifyFull => SslMode::Require,
    });
    if config.get_connect_timeout().is_none() {
        config.connect_timeout(options.connect_timeout);
    }
    if let Some(timeout) = options.statement_timeout {
        let mut given = config.get_options().unwrap_or("").to_owned();
        if !given.is_empty() {
            given.push(' ');
        }
        given.push_str(&format!("-c statement_timeout={}", timeout.as_millis()));
        config.options(given);
    }
    if config.get_application_name().is_none() {
        config.application_name("ltc-store");
    }
    let tls = MakeRustlsConnect::new(client_config(mode, root.as_deref())?);
    Ok(Connect { config, tls, mode })
}

fn provider() -> Arc<CryptoProvider> {
    // ring's provider: no post-quantum key exchange (which PostgreSQL servers do not offer), and
    // no C toolchain beyond the one SQLite needs.
    #[allow(deprecated)]
    let provider = rustls::crypto::ring::default_provider();
    Arc::new(provider)
}

fn client_config(mode: TlsMode, root: Option<&Path>) -> Result<ClientConfig, StoreError> {
    let provider = provider();
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| bad(format!("TLS cannot be set up: {e}")))?;
    let config = match mode {
        TlsMode::Disable | TlsMode::Prefer | TlsMode::Require => builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(Unchecked(
                provider.signature_verification_algorithms,
            )))
            .with_no_client_auth(),
        TlsMode::VerifyFull => builder
            .with_root_certificates(roots(root)?)
            .with_no_client_auth(),
        TlsMode::VerifyCa => {
            let inner = rustls::client::WebPkiServerVerifier::builder_with_provider(
                Arc::new(roots(root)?),
                provider,
            )
            .build()
            .map_err(|e| bad(format!("TLS cannot be set up: {e}")))?;
            builder
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(AnyName(inner)))
                .with_no_client_auth()
        }
    };
    Ok(config)
}

/// The authorities to trust: the PEM file given, else the web's public ones.
fn roots(file: Option<&Path>) -> Result<RootCertStore, StoreError> {
    let mut store = RootCertStore::empty();
    let Some(file) = file else {
        store.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        return Ok(store);
    };
    let shown = crate::error::esc(&file.display());
    let pem = std::fs::read(file).map_err(|e| {
        bad(format!(
            "the certificate authorities in `{shown}` cannot be read: {e}"
        ))
    })?;
    let mut added = 0;
    for cert in rustls_pemfile::certs(&mut pem.as_slice()) {
        let cert = cert.map_err(|e| {
            bad(format!(
                "`{shown}` holds a certificate that does not read: {e}"
            ))
        })?;
        store
            .add(cert)
            .map_err(|e| bad(format!("`{shown}` holds a certificate rustls refuses: {e}")))?;
        added += 1;
    }
    if added == 0 {
        return Err(bad(format!("`{shown}` holds no PEM certificate")));
    }
    Ok(store)
}

/// TLS without checking the server's certificate (`prefer`, `require`): the connection is
/// encrypted, the server not authenticated, as libpq does in these modes.
#[derive(Debug)]
struct Unchecked(WebPkiSupportedAlgorithms);

impl ServerCertVerifier for Unchecked {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.0)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.0)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_schemes()
    }
}

/// `verify-ca`: the chain must lead to a trusted authority; the name in the certificate is not
/// compared with the host.
#[derive(Debug)]
struct AnyName(Arc<rustls::client::WebPkiServerVerifier>);

impl ServerCertVerifier for AnyName {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        match self
            .0
            .verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
        {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_verify_schemes()
    }
}

/// Takes the TLS parameters out of a location: the location without them, and them.
fn split(location: &str) -> Result<(String, Vec<(String, String)>), StoreError> {
    const TAKEN: [&str; 2] = ["sslmode", "sslrootcert"];
    let trimmed = location.trim();
    let lower = trimmed.to_ascii_lowercase();
    if lower.starts_with("postgres://") || lower.starts_with("postgresql://") {
        let Some((base, query)) = trimmed.split_once('?') else {
            return Ok((trimmed.to_owned(), Vec::new()));
        };
        let mut kept = Vec::new();
        let mut taken = Vec::new();
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            if TAKEN.contains(&key) {
                taken.push((key.to_owned(), percent_decode(value)?));
            } else {
                kept.push(pair);
            }
        }
        let rest = if kept.is_empty() {
            base.to_owned()
        } else {
            format!("{base}?{}", kept.join("&"))
        };
        return Ok((rest, taken));
    }
    // key=value pairs, a value quoted with single quotes when it holds spaces.
    let mut kept = Vec::new();
    let mut taken = Vec::new();
    let mut chars = trimmed.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        if chars.peek().is_none() {
            break;
        }
        let key: String =
            std::iter::from_fn(|| chars.next_if(|c| *c != '=' && !c.is_whitespace())).collect();
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        if chars.next() != Some('=') {
            return Err(bad(format!(
                "`{}` in the location has no value",
                crate::error::esc(&key)
            )));
        }
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        let mut raw = String::new();
        let mut value = String::new();
        if chars.peek() == Some(&'\'') {
            raw.push('\'');
            chars.next();
            loop {
                match chars.next() {
                    Some('\\') => {
                        let escaped = chars.next().unwrap_or('\\');
                        raw.push('\\');
                        raw.push(escaped);
                        value.push(escaped);
                    }
                    Some('\'') => {
                        raw.push('\'');
                        break;
                    }
                    Some(c) => {
                        raw.push(c);
                        value.push(c);
                    }
                    None => return Err(bad("a quoted value in the location is not closed")),
                }
            }
        } else {
            while let Some(c) = chars.next_if(|c| !c.is_whitespace()) {
                raw.push(c);
                value.push(c);
            }
        }
        if TAKEN.contains(&key.as_str()) {
            taken.push((key, value));
        } else {
            kept.push(format!("{key}={raw}"));
        }
    }
    Ok((kept.join(" "), taken))
}

fn percent_decode(text: &str) -> Result<String, StoreError> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b == b'%' {
            let hex = bytes
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or_else(|| bad("a `%` escape in the location is not two hex digits"))?;
            out.push(hex);
            i += 3;
        } else {
            out.push(b);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| bad("a value in the location is not UTF-8"))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    #[test]
    fn the_tls_parameters_are_taken_out_of_a_url() {
        let (rest, taken) =
            split("postgres://u@h:5/db?sslmode=verify-full&application_name=x&sslrootcert=%2Ftmp%2Fca.pem")
                .unwrap();
        assert_eq!(rest, "postgres://u@h:5/db?application_name=x");
        assert_eq!(
            taken,
            [
                ("sslmode".to_owned(), "verify-full".to_owned()),
                ("sslrootcert".to_owned(), "/tmp/ca.pem".to_owned())
            ]
        );
    }

    #[test]
    fn the_tls_parameters_are_taken_out_of_key_value_pairs() {
        let (rest, taken) =
            split("host=127.0.0.1 sslmode = require dbname='my db' sslrootcert='/a b/ca.pem'")
                .unwrap();
        assert_eq!(rest, "host=127.0.0.1 dbname='my db'");
        assert_eq!(
            taken[1],
            ("sslrootcert".to_owned(), "/a b/ca.pem".to_owned())
        );
        assert!(split("host=x dbname='open").is_err());
    }

    #[test]
    fn sslmode_is_read_as_libpq_reads_it() {
        let o = Options::default();
        let mode = |url: &str| connect(url, &o).map(|c| c.mode);
        assert_eq!(mode("postgres://h/db").unwrap(), TlsMode::Prefer);
        assert_eq!(
            mode("postgres://h/db?sslmode=disable").unwrap(),
            TlsMode::Disable
        );
        assert_eq!(
            mode("postgres://h/db?sslmode=require").unwrap(),
            TlsMode::Require
        );
        assert_eq!(
            mode("host=h sslmode=verify-full").unwrap(),
            TlsMode::VerifyFull
        );
        assert_eq!(
            mode("postgres://h/db?sslmode=verify-ca").unwrap(),
            TlsMode::VerifyCa
        );
        assert_eq!(
            mode("postgres://h/db?sslmode=bogus").unwrap_err().code(),
            "backend"
        );
        // A root certificate that cannot be read is said so at open.
        let err =
            mode("postgres://h/db?sslmode=require&sslrootcert=/nonexistent/ca.pem").unwrap_err();
        assert!(err.to_string().contains("/nonexistent/ca.pem"), "{err}");
    }
}
