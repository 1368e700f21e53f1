//! What the transport did, per `host:port`, since the process started:
//! name look-ups, connections opened and TLS handshakes. For tests and
//! benchmarks only; a plan never shows them.
//!
//! Counts are cumulative and process-wide (the DNS cache is): to measure a
//! call, compare [`host`] (or [`total`]) before and after it. Through a
//! forward proxy the tunnel to the proxy counts under the proxy's
//! `host:port`, the connection inside it under the index's.

use std::collections::HashMap;
use std::sync::{LazyLock, Mutex, PoisonError};

use ureq::http::Uri;

/// Counts for one `host:port` (or for all of them).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HostStats {
    /// Name look-ups performed (not answered from the cache).
    pub lookups: u64,
    /// Connections opened (TCP, or a tunnel through a proxy).
    pub connections: u64,
    /// TLS handshakes performed.
    pub handshakes: u64,
}

impl HostStats {
    #[cfg(any(test, feature = "internals"))]
    /// The counts since `earlier`.
    pub fn since(self, earlier: HostStats) -> HostStats {
        HostStats {
            lookups: self.lookups.saturating_sub(earlier.lookups),
            connections: self.connections.saturating_sub(earlier.connections),
            handshakes: self.handshakes.saturating_sub(earlier.handshakes),
        }
    }
}

/// What happened.
#[derive(Debug, Clone, Copy)]
pub enum Event {
    /// A name look-up.
    Lookup,
    /// A connection opened, with a TLS handshake or not.
    Connection {
        /// A TLS handshake was performed on it.
        tls: bool,
    },
}

static COUNTS: LazyLock<Mutex<HashMap<String, HostStats>>> = LazyLock::new(Mutex::default);

/// Counts `event` for `host_port`.
pub fn record(host_port: &str, event: Event) {
    let mut counts = COUNTS.lock().unwrap_or_else(PoisonError::into_inner);
    let entry = counts.entry(host_port.to_owned()).or_default();
    match event {
        Event::Lookup => entry.lookups += 1,
        Event::Connection { tls } => {
            entry.connections += 1;
            entry.handshakes += u64::from(tls);
        }
    }
}

#[cfg(any(test, feature = "internals"))]
/// The counts for `host_port` (`localhost:8080`; the port always written).
pub fn host(host_port: &str) -> HostStats {
    let counts = COUNTS.lock().unwrap_or_else(PoisonError::into_inner);
    counts.get(host_port).copied().unwrap_or_default()
}

#[cfg(any(test, feature = "internals"))]
/// The counts over every host.
pub fn total() -> HostStats {
    let counts = COUNTS.lock().unwrap_or_else(PoisonError::into_inner);
    counts
        .values()
        .fold(HostStats::default(), |sum, s| HostStats {
            lookups: sum.lookups + s.lookups,
            connections: sum.connections + s.connections,
            handshakes: sum.handshakes + s.handshakes,
        })
}

#[cfg(any(test, feature = "internals"))]
/// Every `host:port` with its counts, sorted.
pub fn by_host() -> Vec<(String, HostStats)> {
    let counts = COUNTS.lock().unwrap_or_else(PoisonError::into_inner);
    let mut all: Vec<_> = counts.iter().map(|(h, s)| (h.clone(), *s)).collect();
    all.sort_by(|a, b| a.0.cmp(&b.0));
    all
}

/// `host:port` of a URI, the port filled in from the scheme.
pub fn key(uri: &Uri) -> Option<String> {
    let host = uri.host()?;
    let port = uri.port_u16().or(match uri.scheme_str() {
        Some("https") => Some(443),
        Some("http") => Some(80),
        _ => None,
    })?;
    Some(format!("{host}:{port}"))
}
