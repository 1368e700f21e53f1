//! Which certificates index TLS is verified against (contract §6.2):
//! the operating system's trust store, as `rustls-native-certs` reads it
//! (on Linux the system CA bundle and directory, or `SSL_CERT_FILE` /
//! `SSL_CERT_DIR` when set, as OpenSSL, pip's `--cert` and uv's
//! `--native-tls` read them), or the PEM file `index.ca_bundle`.
//!
//! The system store is read once per process for each value of
//! `SSL_CERT_FILE` / `SSL_CERT_DIR` (reading and parsing it costs a few
//! milliseconds) and shared by later calls.

use std::collections::HashMap;
use std::ffi::OsString;
use std::path::Path;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use ureq::tls::{Certificate, PemItem, RootCerts};

use crate::error::{ResolverError, Result};

/// The roots to verify against, and a warning when the system store had
/// none (then the Mozilla roots bundled with the library are used).
pub fn roots(ca_bundle: Option<&Path>) -> Result<(RootCerts, Option<String>)> {
    if let Some(path) = ca_bundle {
        return Ok((RootCerts::new_with_certs(&bundle(path)?), None));
    }
    let certs = system_certs();
    if certs.is_empty() {
        return Ok((
            RootCerts::WebPki,
            Some(
                "no certificates in the system trust store (nor SSL_CERT_FILE / SSL_CERT_DIR); index TLS is verified against the Mozilla roots bundled with the library"
                    .to_owned(),
            ),
        ));
    }
    Ok((RootCerts::new_with_certs(&certs), None))
}

/// The certificates of a PEM file (`index.ca_bundle`).
fn bundle(path: &Path) -> Result<Vec<Certificate<'static>>> {
    let field = "index.ca_bundle";
    let bytes = std::fs::read(path).map_err(|e| {
        ResolverError::config(field, format!("cannot read {}: {e}", path.display()))
    })?;
    let mut certs = Vec::new();
    for item in ureq::tls::parse_pem(&bytes) {
        match item {
            Ok(PemItem::Certificate(c)) => certs.push(c),
            Ok(_) => {}
            Err(e) => {
                return Err(ResolverError::config(
                    field,
                    format!("{} is not a PEM certificate file: {e}", path.display()),
                ))
            }
        }
    }
    if certs.is_empty() {
        return Err(ResolverError::config(
            field,
            format!("{} holds no PEM certificate", path.display()),
        ));
    }
    Ok(certs)
}

type StoreKey = (Option<OsString>, Option<OsString>);

/// The system store for the current `SSL_CERT_FILE` / `SSL_CERT_DIR`.
fn system_certs() -> Arc<Vec<Certificate<'static>>> {
    static STORES: OnceLock<Mutex<HashMap<StoreKey, Arc<Vec<Certificate<'static>>>>>> =
        OnceLock::new();
    let key = (
        std::env::var_os("SSL_CERT_FILE"),
        std::env::var_os("SSL_CERT_DIR"),
    );
    let stores = STORES.get_or_init(Mutex::default);
    if let Some(certs) = stores
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .get(&key)
    {
        return certs.clone();
    }
    // Unreadable entries are skipped: what could be read is the store.
    let loaded = rustls_native_certs::load_native_certs();
    let certs: Arc<Vec<Certificate<'static>>> = Arc::new(
        loaded
            .certs
            .iter()
            .map(|der| Certificate::from_der(der.as_ref()).to_owned())
            .collect(),
    );
    stores
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .insert(key, certs.clone());
    certs
}
