//! The HTTP client of one `compute_plan` call: blocking ureq agents (one
//! verifying, one for trusted HTTPS hosts), redirects checked hop by hop,
//! retries with backoff, size caps, per-request timeouts and the call's
//! [`Stop`] (its deadline and its cancel token).
//!
//! How fast a stop reaches a request: the deadline caps every attempt's
//! timeout, so a request never outlives the budget; a cancel shuts the
//! client's connections down (ureq's `Agent::shutdown`), so a request
//! blocked reading from a silent server fails at once and the call returns
//! `cancelled` (a TCP connect in progress is not interrupted: it is bounded
//! by `timeout_seconds`). The stop is also checked before every attempt and
//! during back-off pauses (every 20 ms).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use ureq::tls::{RootCerts, TlsConfig, TlsProvider};
use url::Url;

use super::budget;
use super::security::{origin, shown, take_credentials, Origin, Transport, TrustPolicy};
use crate::error::{ResolverError, Result};
use crate::stop::{HookGuard, Stop, StopReason};

/// Redirects followed per request.
pub const MAX_REDIRECTS: usize = 5;
/// Attempts per request for connection errors, timeouts, 429 and 5xx.
pub const ATTEMPTS: usize = 3;
/// Pause before the second and third attempt.
pub const BACKOFF: [Duration; 2] = [Duration::from_millis(100), Duration::from_millis(300)];
/// Connections kept per host (one per look-up thread).
const IDLE_PER_HOST: usize = 8;

/// A successful (2xx) response, read whole.
#[derive(Debug)]
pub struct Response {
    /// The URL that answered (after redirects), without credentials.
    pub url: Url,
    /// The status code.
    pub status: u16,
    /// `Content-Type`, if any.
    pub content_type: Option<String>,
    /// `Content-Range`, if any.
    pub content_range: Option<String>,
    /// `Location` of a redirect.
    pub location: Option<String>,
    /// The body (at most the cap given).
    pub body: Vec<u8>,
    /// The body's share of [`budget::BODY_BYTES_IN_FLIGHT`], held as long
    /// as the response (keep it while parsing the body).
    pub reservation: Option<budget::Reservation>,
}

/// What one request attempt ended with.
enum Attempt {
    /// Any status; the body is read only for 2xx.
    Answer(Response),
    /// Worth another attempt (connection error, timeout, 429, 5xx).
    Retry(String),
}

/// The blocking HTTP client shared by every look-up of one call.
pub struct Client {
    verified: ureq::Agent,
    unverified: ureq::Agent,
    policy: TrustPolicy,
    credentials: HashMap<Origin, String>,
    timeout: Duration,
    stop: Stop,
    /// Shuts both agents down when the call is cancelled; removed on drop.
    _on_cancel: Option<HookGuard>,
    bodies: Arc<budget::ByteBudget>,
}

impl Client {
    /// A client for `policy`, verifying certificates against `roots`,
    /// sending `credentials` (by origin), bounding each request by `timeout`
    /// and everything by `stop` (deadline and cancel).
    pub fn new(
        policy: TrustPolicy,
        roots: RootCerts,
        credentials: HashMap<Origin, String>,
        timeout: Duration,
        stop: Stop,
    ) -> Self {
        let verified = agent(roots, false);
        let unverified = agent(RootCerts::WebPki, true);
        let on_cancel = {
            let (v, u) = (verified.clone(), unverified.clone());
            stop.on_cancel(move || {
                v.clone().shutdown();
                u.clone().shutdown();
            })
        };
        Self {
            verified,
            unverified,
            policy,
            credentials,
            timeout,
            stop,
            _on_cancel: on_cancel,
            bodies: budget::ByteBudget::new(budget::BODY_BYTES_IN_FLIGHT),
        }
    }

    /// The trust policy.
    pub fn policy(&self) -> &TrustPolicy {
        &self.policy
    }

    /// GETs `url` following redirects. `Ok(None)`: 404 or 410. The body is
    /// capped at `cap` bytes (larger: `index_error`).
    pub fn get(&self, url: &Url, headers: &[(&str, &str)], cap: u64) -> Result<Option<Response>> {
        let mut url = url.clone();
        let mut credentials = take_credentials(&mut url);
        // Errors about a request that carried credentials show them as `****@`.
        let starred = |e: ResolverError, url: &Url, sent: bool| {
            let sent = sent || self.credentials.contains_key(&origin(url));
            if sent {
                with_credentials_shown(e, url)
            } else {
                e
            }
        };
        for _ in 0..=MAX_REDIRECTS {
            let sent = credentials.is_some();
            let answer = self
                .get_once(&url, credentials.as_deref(), headers, cap)
                .map_err(|e| starred(e, &url, sent))?;
            let index_error =
                |url: &Url, message: &str| starred(index_error(url, message), url, sent);
            match answer.status {
                200..=299 => return Ok(Some(answer)),
                301 | 302 | 303 | 307 | 308 => {
                    let Some(location) = answer.location else {
                        return Err(index_error(&url, "a redirect without a Location header"));
                    };
                    let mut next = url.join(&location).map_err(|e| {
                        index_error(&url, &format!("a redirect to a bad URL: {e}"))
                    })?;
                    let next_credentials = take_credentials(&mut next);
                    // Credentials stay with their origin.
                    credentials = next_credentials.or_else(|| {
                        (origin(&next) == origin(&url))
                            .then_some(credentials)
                            .flatten()
                    });
                    url = next;
                }
                404 | 410 => return Ok(None),
                401 => {
                    return Err(index_error(
                        &url,
                        "HTTP 401: the index wants credentials (user:password@ in the index URL) or refused the ones given",
                    ))
                }
                403 => {
                    return Err(index_error(
                        &url,
                        "HTTP 403: access forbidden (credentials missing or refused)",
                    ))
                }
                s => return Err(index_error(&url, &format!("unexpected HTTP status {s}"))),
            }
        }
        let sent = credentials.is_some();
        Err(starred(
            index_error(&url, &format!("more than {MAX_REDIRECTS} redirects")),
            &url,
            sent,
        ))
    }

    /// One request (no redirects followed), retried with backoff.
    fn get_once(
        &self,
        url: &Url,
        credentials: Option<&str>,
        headers: &[(&str, &str)],
        cap: u64,
    ) -> Result<Response> {
        let transport = self.policy.transport(url)?;
        let mut last = String::new();
        for attempt in 0..ATTEMPTS {
            self.check(url, &last)?;
            if attempt > 0 {
                let pause = BACKOFF[(attempt - 1).min(BACKOFF.len() - 1)];
                if self
                    .remaining()
                    .is_some_and(|left| left <= pause + Duration::from_millis(1))
                {
                    return Err(self.out_of_time(url, &last));
                }
                if self.stop.sleep(pause, "").is_err() {
                    self.check(url, &last)?;
                }
            }
            let timeout = match self.remaining() {
                Some(left) if left.is_zero() => return Err(self.out_of_time(url, &last)),
                Some(left) => left.min(self.timeout),
                None => self.timeout,
            };
            let answer = self.attempt(url, transport, credentials, headers, cap, timeout);
            // A failure caused by a cancel (connections shut down) or by the
            // budget running out is reported as that, not as the index's.
            self.check(url, &last)?;
            match answer? {
                Attempt::Answer(r) => return Ok(r),
                Attempt::Retry(why) => last = why,
            }
            if self
                .remaining()
                .is_some_and(|left| left < Duration::from_millis(10))
            {
                return Err(self.out_of_time(url, &last));
            }
        }
        Err(ResolverError::IndexUnreachable {
            url: shown(url),
            message: format!("{last} (after {ATTEMPTS} attempts)"),
        })
    }

    fn attempt(
        &self,
        url: &Url,
        transport: Transport,
        credentials: Option<&str>,
        headers: &[(&str, &str)],
        cap: u64,
        timeout: Duration,
    ) -> Result<Attempt> {
        let agent = match transport {
            Transport::Unverified => &self.unverified,
            Transport::Verified | Transport::Plain => &self.verified,
        };
        let started = Instant::now();
        let mut req = agent
            .get(url.as_str())
            .config()
            .timeout_global(Some(timeout))
            .build();
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let credentials =
            credentials.or_else(|| self.credentials.get(&origin(url)).map(String::as_str));
        if let Some(auth) = credentials {
            req = req.header("Authorization", auth);
        }
        let mut resp = match req.call() {
            Ok(r) => r,
            Err(e) => return classify(url, e),
        };
        let status = resp.status().as_u16();
        if status == 429 || (500..=599).contains(&status) {
            return Ok(Attempt::Retry(format!("HTTP {status}")));
        }
        let header = |name: &str| {
            resp.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let content_type = header("content-type");
        let content_range = header("content-range");
        let location = header("location");
        let mut reservation = None;
        let body = if (200..=299).contains(&status) {
            // Room for the body among the call's bodies in flight: its
            // length when the server says it (and sends it as is), else the
            // cap. Waiting counts against this request's time.
            let want = resp.body().content_length().unwrap_or(cap).min(cap);
            let Some(r) = self.bodies.reserve(want, Some(started + timeout)) else {
                return Ok(Attempt::Retry(format!(
                    "timed out waiting for room for the response ({} bytes of responses in flight at most)",
                    budget::BODY_BYTES_IN_FLIGHT
                )));
            };
            let limit = r.bytes();
            reservation = Some(r);
            match resp.body_mut().with_config().limit(limit).read_to_vec() {
                Ok(b) => b,
                Err(ureq::Error::BodyExceedsLimit(_)) => {
                    return Err(index_error(
                        url,
                        &format!(
                            "the response is larger than the {limit}-byte cap{}",
                            if limit < cap {
                                " (its Content-Length)"
                            } else {
                                ""
                            }
                        ),
                    ))
                }
                Err(e) => return classify(url, e),
            }
        } else {
            Vec::new()
        };
        Ok(Attempt::Answer(Response {
            url: url.clone(),
            status,
            content_type,
            content_range,
            location,
            body,
            reservation,
        }))
    }

    /// The call's deadline (`time_budget_ms`), if any.
    pub fn deadline(&self) -> Option<Instant> {
        self.stop.deadline()
    }

    /// Time left before the deadline (`None`: no deadline).
    fn remaining(&self) -> Option<Duration> {
        self.stop.remaining()
    }

    /// `Ok` unless the call was cancelled or ran out of time.
    fn check(&self, url: &Url, last: &str) -> Result<()> {
        match self.stop.reason() {
            None => Ok(()),
            Some(StopReason::Timeout) => Err(self.out_of_time(url, last)),
            Some(reason) => Err(self
                .stop
                .error(reason, &format!("a request to {}", shown(url)))),
        }
    }

    /// The `timeout` error of a request that the time budget cut short.
    fn out_of_time(&self, url: &Url, last: &str) -> ResolverError {
        let mut err = self
            .stop
            .error(StopReason::Timeout, &format!("a request to {}", shown(url)));
        if !last.is_empty() {
            if let ResolverError::Timeout(message) = &mut err {
                message.push_str(&format!("; last attempt: {last}"));
            }
        }
        err
    }
}

/// An agent that never follows redirects itself and reports every status.
fn agent(roots: RootCerts, accept_any_certificate: bool) -> ureq::Agent {
    let tls = TlsConfig::builder()
        .provider(TlsProvider::Rustls)
        .root_certs(roots)
        .disable_verification(accept_any_certificate)
        .build();
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .tls_config(tls)
        .max_idle_connections_per_host(IDLE_PER_HOST)
        .user_agent(format!("wheel-resolver/{}", env!("CARGO_PKG_VERSION")))
        .build()
        .new_agent()
}

/// Maps a transport error: certificate problems are `insecure_index`, the
/// rest are worth retrying or `index_error`.
fn classify(url: &Url, e: ureq::Error) -> Result<Attempt> {
    if let Some(cert) = certificate_error(&e) {
        return Err(ResolverError::InsecureIndex {
            url: shown(url),
            message: format!(
                "the TLS certificate does not verify ({cert}) against the system trust store \
                 (SSL_CERT_FILE / SSL_CERT_DIR) or index.ca_bundle: give the CA that signed it in \
                 index.ca_bundle; or, to turn verification off for this host, add `{}` to index.trusted_hosts",
                super::security::host_port(url)
            ),
        });
    }
    match e {
        ureq::Error::Timeout(t) => Ok(Attempt::Retry(format!("timed out ({t})"))),
        ureq::Error::Io(io) => Ok(Attempt::Retry(io.to_string())),
        ureq::Error::ConnectionFailed => Ok(Attempt::Retry("connection failed".into())),
        ureq::Error::HostNotFound => Ok(Attempt::Retry("host not found".into())),
        ureq::Error::BodyStalled => Ok(Attempt::Retry("the response stalled".into())),
        ureq::Error::Protocol(p) => Ok(Attempt::Retry(format!("HTTP protocol error: {p}"))),
        ureq::Error::Tls(t) => Ok(Attempt::Retry(format!("TLS error: {t}"))),
        ureq::Error::Rustls(t) => Ok(Attempt::Retry(format!("TLS error: {t}"))),
        ureq::Error::Decompress(_, io) => Err(index_error(
            url,
            &format!("the compressed response is corrupt: {io}"),
        )),
        other => Err(index_error(url, &other.to_string())),
    }
}

fn certificate_error(e: &ureq::Error) -> Option<String> {
    let rustls_error = match e {
        ureq::Error::Rustls(r) => Some(r),
        ureq::Error::Io(io) => io.get_ref().and_then(|i| i.downcast_ref::<rustls::Error>()),
        _ => None,
    }?;
    match rustls_error {
        rustls::Error::InvalidCertificate(c) => Some(format!("{c:?}")),
        _ => None,
    }
}

/// `e` naming `url` with `****@` where the credentials were (contract
/// section 6: credentials are shown as `****`, never dropped silently).
fn with_credentials_shown(e: ResolverError, url: &Url) -> ResolverError {
    let mut marked = url.clone();
    if marked.set_username("****").is_err() {
        return e;
    }
    let (plain, starred) = (shown(url), shown(&marked));
    let fix = |u: String| if u == plain { starred.clone() } else { u };
    match e {
        ResolverError::IndexError { url, message } => ResolverError::IndexError {
            url: fix(url),
            message,
        },
        ResolverError::IndexUnreachable { url, message } => ResolverError::IndexUnreachable {
            url: fix(url),
            message,
        },
        ResolverError::InsecureIndex { url, message } => ResolverError::InsecureIndex {
            url: fix(url),
            message,
        },
        other => other,
    }
}

/// `index_error` for a URL.
pub fn index_error(url: &Url, message: &str) -> ResolverError {
    ResolverError::IndexError {
        url: shown(url),
        message: message.to_owned(),
    }
}
