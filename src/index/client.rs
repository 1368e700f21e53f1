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
use super::cache::{CacheHeaders, HttpCache};
use super::connect::{self, HostSlots};
use super::proxy::Proxies;
use super::security::{origin, shown, take_credentials, Origin, Transport, TrustPolicy};
use crate::error::{ResolverError, Result};
use crate::stop::{HookGuard, Stop, StopReason};

/// Redirects followed per request.
pub const MAX_REDIRECTS: usize = 5;
/// Attempts per request for connection errors, timeouts, 429 and 5xx.
pub const ATTEMPTS: usize = 3;
/// Pause before the second and third attempt.
pub const BACKOFF: [Duration; 2] = [Duration::from_millis(100), Duration::from_millis(300)];
/// Connections kept per host: as many as may be open ([`connect::PER_HOST`]).
const IDLE_PER_HOST: usize = connect::PER_HOST;

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
    /// The caching-related headers.
    pub cache: CacheHeaders,
    /// The body (at most the cap given; empty when written to a file).
    pub body: Vec<u8>,
    /// The body's share of [`budget::BODY_BYTES_IN_FLIGHT`], held as long
    /// as the response (keep it while parsing the body).
    pub reservation: Option<budget::Reservation>,
}

/// What one request attempt ended with.
enum Attempt {
    /// Any status; the body is read only for 2xx.
    Answer(Box<Response>),
    /// Worth another attempt (connection error, timeout, 429, 5xx).
    Retry(Retry),
}

/// Why an attempt is worth repeating.
struct Retry {
    why: String,
    /// The server's `Retry-After` (429, 503).
    wait: Option<Duration>,
    /// The connection failed (no HTTP answer at all).
    connection: bool,
}

impl Retry {
    fn connection(why: String) -> Attempt {
        Attempt::Retry(Retry {
            why,
            wait: None,
            connection: true,
        })
    }
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
    proxies: Proxies,
    cache: Option<HttpCache>,
    bodies: Arc<budget::ByteBudget>,
    /// Requests in flight per origin, bounded by [`connect::PER_HOST`].
    slots: HostSlots,
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
            proxies: Proxies::default(),
            cache: None,
            bodies: budget::ByteBudget::new(budget::BODY_BYTES_IN_FLIGHT),
            slots: HostSlots::new(connect::PER_HOST),
        }
    }

    /// The same client, sending requests through `proxies`.
    pub fn with_proxies(mut self, proxies: Proxies) -> Self {
        self.proxies = proxies;
        self
    }

    /// The same client, keeping answers in `cache`.
    pub fn with_cache(mut self, cache: Option<HttpCache>) -> Self {
        self.cache = cache;
        self
    }

    /// The HTTP cache, if any.
    pub fn cache(&self) -> Option<&HttpCache> {
        self.cache.as_ref()
    }

    /// Does a request to `url` carry credentials?
    pub fn sends_credentials(&self, url: &Url) -> bool {
        !url.username().is_empty()
            || url.password().is_some()
            || self.credentials.contains_key(&origin(url))
    }

    /// The trust policy.
    pub fn policy(&self) -> &TrustPolicy {
        &self.policy
    }

    /// GETs `url` following redirects. `Ok(None)`: 404 or 410. The body is
    /// capped at `cap` bytes (larger: `index_error`). Answered from the HTTP
    /// cache when it holds a fresh answer (see [`super::cache`]).
    pub fn get(&self, url: &Url, headers: &[(&str, &str)], cap: u64) -> Result<Option<Response>> {
        match &self.cache {
            Some(cache) => super::cache::get_through(cache, self, url, headers, cap),
            None => self.fetch(url, headers, cap, None),
        }
    }

    /// GETs `url` following redirects into `file` (truncated first, and
    /// again before each retry); the returned response has an empty body.
    pub fn get_into(
        &self,
        url: &Url,
        headers: &[(&str, &str)],
        cap: u64,
        file: &mut std::fs::File,
    ) -> Result<Option<Response>> {
        self.fetch(url, headers, cap, Some(file))
    }

    /// GETs `url` following redirects, bypassing the cache. A 304 (to a
    /// conditional request) is returned as an answer.
    pub fn fetch(
        &self,
        url: &Url,
        headers: &[(&str, &str)],
        cap: u64,
        mut sink: Option<&mut std::fs::File>,
    ) -> Result<Option<Response>> {
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
                .get_once(
                    &url,
                    credentials.as_deref(),
                    headers,
                    cap,
                    sink.as_deref_mut(),
                )
                .map_err(|e| starred(e, &url, sent))?;
            let index_error =
                |url: &Url, message: &str| starred(index_error(url, message), url, sent);
            match answer.status {
                200..=299 | 304 => return Ok(Some(answer)),
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
        mut sink: Option<&mut std::fs::File>,
    ) -> Result<Response> {
        let transport = self.policy.transport(url)?;
        let mut last = String::new();
        let mut connection = false;
        let mut asked: Option<Duration> = None;
        for attempt in 0..ATTEMPTS {
            self.check(url, &last)?;
            if attempt > 0 {
                let backoff = BACKOFF[(attempt - 1).min(BACKOFF.len() - 1)];
                let pause = match asked.take() {
                    Some(wait) => {
                        self.may_wait(url, wait)?;
                        wait.max(backoff)
                    }
                    None => backoff,
                };
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
            let answer = self.attempt(
                url,
                transport,
                credentials,
                headers,
                cap,
                timeout,
                sink.as_deref_mut(),
            );
            // A failure caused by a cancel (connections shut down) or by the
            // budget running out is reported as that, not as the index's.
            self.check(url, &last)?;
            match answer? {
                Attempt::Answer(r) => return Ok(*r),
                Attempt::Retry(r) => {
                    last = r.why;
                    connection = r.connection;
                    asked = r.wait;
                }
            }
            if self
                .remaining()
                .is_some_and(|left| left < Duration::from_millis(10))
            {
                return Err(self.out_of_time(url, &last));
            }
        }
        if let (true, Some(proxy)) = (connection, self.proxies.for_url(url)) {
            // The proxy is what could not be reached: name it, not the index.
            return Err(ResolverError::IndexUnreachable {
                url: proxy.shown.clone(),
                message: format!(
                    "the proxy (from {}) for {} failed: {last} (after {ATTEMPTS} attempts); check the proxy, or list the index host in NO_PROXY",
                    proxy.var,
                    shown(url)
                ),
            });
        }
        Err(ResolverError::IndexUnreachable {
            url: shown(url),
            message: format!("{last} (after {ATTEMPTS} attempts)"),
        })
    }

    /// Fails at once when the server's `Retry-After` asks for a longer wait
    /// than `timeout_seconds` or the time left allow.
    fn may_wait(&self, url: &Url, wait: Duration) -> Result<()> {
        let secs = wait.as_secs_f64().ceil();
        let refuse = |why: String| ResolverError::IndexUnreachable {
            url: shown(url),
            message: format!(
                "the server asked to wait {secs} s before retrying (Retry-After), {why}"
            ),
        };
        if wait > self.timeout {
            return Err(refuse(format!(
                "longer than index.timeout_seconds ({} s)",
                self.timeout.as_secs_f64()
            )));
        }
        if let Some(left) = self.remaining() {
            if wait >= left {
                return Err(refuse(format!(
                    "longer than the time left in the budget (time_budget_ms: {} ms left)",
                    left.as_millis()
                )));
            }
        }
        Ok(())
    }

    // The request's parts, one by one: bundling them would only rename them.
    #[allow(clippy::too_many_arguments)]
    fn attempt(
        &self,
        url: &Url,
        transport: Transport,
        credentials: Option<&str>,
        headers: &[(&str, &str)],
        cap: u64,
        timeout: Duration,
        sink: Option<&mut std::fs::File>,
    ) -> Result<Attempt> {
        let agent = match transport {
            Transport::Unverified => &self.unverified,
            Transport::Verified | Transport::Plain => &self.verified,
        };
        let Some((_slot, timeout)) = self.slots.acquire(url, timeout, &self.stop) else {
            return Ok(Attempt::Retry(Retry {
                why: format!(
                    "timed out waiting for one of the {IDLE_PER_HOST} connections to the host"
                ),
                wait: None,
                connection: false,
            }));
        };
        let started = Instant::now();
        let mut req = agent
            .get(url.as_str())
            .config()
            .timeout_global(Some(timeout))
            .proxy(self.proxies.for_url(url).map(|p| p.proxy.clone()))
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
            let wait = if status == 429 || status == 503 {
                resp.headers()
                    .get("retry-after")
                    .and_then(|v| v.to_str().ok())
                    .and_then(retry_after)
            } else {
                None
            };
            return Ok(Attempt::Retry(Retry {
                why: format!("HTTP {status}"),
                wait,
                connection: false,
            }));
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
        let cache = CacheHeaders::of(&resp);
        let body = if let (true, Some(file)) = ((200..=299).contains(&status), sink) {
            use std::io::Seek as _;
            let mut write = |file: &mut std::fs::File| -> std::io::Result<u64> {
                file.set_len(0)?;
                file.rewind()?;
                let mut reader = resp.body_mut().with_config().limit(cap).reader();
                std::io::copy(&mut reader, file)
            };
            match write(file) {
                Ok(_) => Vec::new(),
                Err(e) => match e.get_ref().and_then(|i| i.downcast_ref::<ureq::Error>()) {
                    Some(ureq::Error::BodyExceedsLimit(_)) => {
                        return Err(index_error(
                            url,
                            &format!("the response is larger than the {cap}-byte cap"),
                        ))
                    }
                    Some(_) => return Ok(Retry::connection(e.to_string())),
                    None if e.kind() == std::io::ErrorKind::Other
                        || e.kind() == std::io::ErrorKind::TimedOut =>
                    {
                        return Ok(Retry::connection(e.to_string()))
                    }
                    None => {
                        return Err(ResolverError::Io {
                            path: "the download's temporary file".into(),
                            message: e.to_string(),
                        })
                    }
                },
            }
        } else if (200..=299).contains(&status) {
            // Room for the body among the call's bodies in flight: its
            // length when the server says it (and sends it as is), else the
            // cap. Waiting counts against this request's time.
            let want = resp.body().content_length().unwrap_or(cap).min(cap);
            let Some(r) = self.bodies.reserve(want, Some(started + timeout)) else {
                return Ok(Attempt::Retry(Retry {
                    why: format!(
                        "timed out waiting for room for the response ({} bytes of responses in flight at most)",
                        budget::BODY_BYTES_IN_FLIGHT
                    ),
                    wait: None,
                    connection: false,
                }));
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
        Ok(Attempt::Answer(Box::new(Response {
            url: url.clone(),
            status,
            content_type,
            content_range,
            location,
            cache,
            body,
            reservation,
        })))
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
        .max_idle_connections_per_host(IDLE_PER_HOST)
        .max_idle_connections(2 * IDLE_PER_HOST)
        // Proxies are chosen per request (super::proxy), not by ureq.
        .proxy(None)
        .user_agent(format!("wheel-resolver/{}", env!("CARGO_PKG_VERSION")))
        .build();
    ureq::Agent::with_parts(
        config,
        connect::CountingConnector::default(),
        super::dns::CachedResolver::default(),
    )
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
        ureq::Error::Timeout(t) => Ok(Retry::connection(format!("timed out ({t})"))),
        ureq::Error::Io(io) => Ok(Retry::connection(io.to_string())),
        ureq::Error::ConnectionFailed => Ok(Retry::connection("connection failed".into())),
        ureq::Error::HostNotFound => Ok(Retry::connection("host not found".into())),
        ureq::Error::BodyStalled => Ok(Retry::connection("the response stalled".into())),
        ureq::Error::Protocol(p) => Ok(Retry::connection(format!("HTTP protocol error: {p}"))),
        ureq::Error::Tls(t) => Ok(Retry::connection(format!("TLS error: {t}"))),
        ureq::Error::Rustls(t) => Ok(Retry::connection(format!("TLS error: {t}"))),
        ureq::Error::ConnectProxyFailed(why) => Ok(Retry::connection(format!(
            "the proxy refused CONNECT: {why}"
        ))),
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

/// `Retry-After`: delay seconds or an HTTP-date.
fn retry_after(value: &str) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = super::cache::parse_http_date(value)?;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .ok()?
        .as_secs();
    Some(Duration::from_secs(at.saturating_sub(now)))
}
