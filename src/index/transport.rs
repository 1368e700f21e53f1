//! The ureq agents every request goes through, built in this one place:
//! one verifying certificates against the configured roots, one accepting
//! any certificate (HTTPS to `trusted_hosts` only). Neither follows
//! redirects nor turns a status into an error (the client does both), and
//! neither picks a proxy (the client does, per request).

use ureq::tls::{RootCerts, TlsConfig, TlsProvider};

use super::connect;
use super::dns::CachedResolver;
use super::security::Transport;
use crate::stop::{HookGuard, Stop};

/// The two agents of one client.
pub struct Agents {
    verified: ureq::Agent,
    unverified: ureq::Agent,
}

impl Agents {
    /// Agents verifying certificates against `roots` (and the one that
    /// does not verify).
    pub fn new(roots: RootCerts) -> Self {
        Self {
            verified: agent(roots, false),
            unverified: agent(RootCerts::WebPki, true),
        }
    }

    /// The agent for a request made over `transport`.
    pub fn for_transport(&self, transport: Transport) -> &ureq::Agent {
        match transport {
            Transport::Unverified => &self.unverified,
            Transport::Verified | Transport::Plain => &self.verified,
        }
    }

    /// Shuts both agents' connections down when `stop` is cancelled, so a
    /// request blocked reading fails at once; the hook goes with the guard.
    pub fn shut_down_on_cancel(&self, stop: &Stop) -> Option<HookGuard> {
        let (v, u) = (self.verified.clone(), self.unverified.clone());
        stop.on_cancel(move || {
            v.clone().shutdown();
            u.clone().shutdown();
        })
    }
}

/// An agent that never follows redirects itself and reports every status,
/// resolving through the process-wide DNS cache and counting connections.
fn agent(roots: RootCerts, accept_any_certificate: bool) -> ureq::Agent {
    let tls = TlsConfig::builder()
        .provider(TlsProvider::Rustls)
        .root_certs(roots)
        .disable_verification(accept_any_certificate)
        .build();
    let config = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .tls_config(tls)
        // As many kept per host as may be open at once; in all, enough for
        // an index and the host its files are on.
        .max_idle_connections_per_host(connect::PER_HOST)
        .max_idle_connections(2 * connect::PER_HOST)
        // Proxies are chosen per request (super::proxy), not by ureq.
        .proxy(None)
        .user_agent(format!("wheel-resolver/{}", env!("CARGO_PKG_VERSION")))
        .build();
    ureq::Agent::with_parts(
        config,
        connect::CountingConnector::default(),
        CachedResolver::default(),
    )
}
