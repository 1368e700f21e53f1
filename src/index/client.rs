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
//! by `timeout_seconds`). The stop is also checked before every attempt,
//! while waiting for a connection slot (`connect`) and during back-off
//! pauses (every 20 ms). The agents themselves are built in `transport`.

use std::collections::HashMap;
use std::io::Read;
use std::sync::Arc;
use std::time::{Duration, Instant};

use ureq::tls::RootCerts;
use url::Url;

use super::budget;
use super::cache::{parse_http_date, CacheHeaders};
use super::connect::{self, HostSlots};
use super::proxy::Proxies;
use super::response::Response;
use super::security::{host_port, origin, shown, take_credentials, Origin, Transport, TrustPolicy};
use super::transport::Agents;
use crate::error::{index_error, ResolverError, Result};
use crate::stop::{HookGuard, Stop, StopReason};

/// Redirects followed per request.
pub const MAX_REDIRECTS: usize = 5;
/// Attempts per request for connection errors, timeouts, 429 and 5xx.
pub const ATTEMPTS: usize = 3;
/// Pause before the second and third attempt.
pub const BACKOFF: [Duration; 2] = [Duration::from_millis(100), Duration::from_millis(300)];

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
    fn connection(why: String) -> Retry {
        Retry {
            why,
            wait: None,
            connection: true,
        }
    }
}

/// What a step of an attempt gives: `Ok(Ok(value))` to go on, `Ok(Err(_))`
/// when the attempt is over but worth repeating, `Err` when the request
/// failed for good.
type Step<T> = Result<std::result::Result<T, Retry>>;

/// Where an attempt puts a 2xx body.
enum Sink<'s> {
    /// Into memory: the response's `body`.
    Memory,
    /// Into a file, truncated first (and again before each retry).
    File(&'s mut std::fs::File),
    /// Handed to a consumer as a reader: once, since a body partly read is
    /// not read again (no retry once it has started).
    Stream(&'s mut dyn FnMut(&mut dyn Read)),
}

impl Sink<'_> {
    /// The same sink, for one attempt.
    fn reborrow(&mut self) -> Sink<'_> {
        match self {
            Sink::Memory => Sink::Memory,
            Sink::File(file) => Sink::File(file),
            Sink::Stream(consume) => Sink::Stream(&mut **consume),
        }
    }
}

/// One attempt's request.
struct Request<'a> {
    url: &'a Url,
    transport: Transport,
    /// Credentials taken from the URL (else the origin's, if any).
    credentials: Option<&'a str>,
    headers: &'a [(&'a str, &'a str)],
    cap: u64,
    timeout: Duration,
}

/// The blocking HTTP client shared by every look-up of one call.
pub struct Client {
    agents: Agents,
    policy: TrustPolicy,
    credentials: HashMap<Origin, String>,
    timeout: Duration,
    stop: Stop,
    /// Shuts both agents down when the call is cancelled; removed on drop.
    _on_cancel: Option<HookGuard>,
    proxies: Proxies,
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
        let agents = Agents::new(roots);
        let on_cancel = agents.shut_down_on_cancel(&stop);
        Self {
            agents,
            policy,
            credentials,
            timeout,
            stop,
            _on_cancel: on_cancel,
            proxies: Proxies::default(),
            bodies: budget::ByteBudget::new(budget::BODY_BYTES_IN_FLIGHT),
            slots: HostSlots::new(connect::PER_HOST),
        }
    }

    /// The same client, sending requests through `proxies`.
    pub fn with_proxies(mut self, proxies: Proxies) -> Self {
        self.proxies = proxies;
        self
    }

    /// Does a request to `url` carry credentials?
    pub fn sends_credentials(&self, url: &Url) -> bool {
        !url.username().is_empty()
            || url.password().is_some()
            || self.credentials.contains_key(&origin(url))
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
        let answer = self.fetch_to(url, headers, cap, Sink::File(file))?;
        Ok(found(answer))
    }

    /// GETs `url` following redirects (this client keeps no cache: see
    /// `CachedClient`), the body read into memory. Every final status is
    /// an answer: a 2xx, a 304 (to a conditional request), and a 404 or 410
    /// (with an empty body: its headers say how long the absence may be
    /// cached); [`found`] says which of them found something.
    pub fn fetch(&self, url: &Url, headers: &[(&str, &str)], cap: u64) -> Result<Response> {
        self.fetch_to(url, headers, cap, Sink::Memory)
    }

    /// GETs `url` following redirects and hands a 2xx body to `consume` as
    /// a reader, which may stop early (the connection is then dropped, not
    /// reused). The reader gives at most `cap` bytes, and fails once the
    /// call is stopped; a failure of the transport while it is read fails
    /// the request (the consumer's result is dropped), and is not retried.
    /// `Ok(None)`: 404 or 410.
    pub fn read_with<T>(
        &self,
        url: &Url,
        headers: &[(&str, &str)],
        cap: u64,
        consume: impl FnOnce(&mut dyn Read) -> T,
    ) -> Result<Option<T>> {
        let mut consume = Some(consume);
        let mut out = None;
        let mut once = |body: &mut dyn Read| {
            if let Some(consume) = consume.take() {
                out = Some(consume(body));
            }
        };
        let Some(answer) = found(self.fetch_to(url, headers, cap, Sink::Stream(&mut once))?) else {
            return Ok(None);
        };
        out.map(Some).ok_or_else(|| {
            index_error(
                url,
                &format!("unexpected HTTP status {} (no body)", answer.status),
            )
        })
    }

    /// [`Client::fetch`] with the body going to `sink`.
    fn fetch_to(
        &self,
        url: &Url,
        headers: &[(&str, &str)],
        cap: u64,
        mut sink: Sink<'_>,
    ) -> Result<Response> {
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
                .get_once(&url, credentials.as_deref(), headers, cap, sink.reborrow())
                .map_err(|e| starred(e, &url, sent))?;
            let index_error =
                |url: &Url, message: &str| starred(index_error(url, message), url, sent);
            match answer.status {
                200..=299 | 304 | 404 | 410 => return Ok(answer),
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
        mut sink: Sink<'_>,
    ) -> Result<Response> {
        let transport = self.policy.transport(url)?;
        let mut last = String::new();
        let mut connection = false;
        let mut asked: Option<Duration> = None;
        for attempt in 0..ATTEMPTS {
            self.check(url, &last)?;
            if attempt > 0 {
                self.pause(url, attempt, asked.take(), &last)?;
            }
            let request = Request {
                url,
                transport,
                credentials,
                headers,
                cap,
                timeout: self.attempt_timeout(url, &last)?,
            };
            let answer = self.attempt(&request, sink.reborrow());
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
        Err(self.gave_up(url, &last, connection))
    }

    /// The pause before attempt number `attempt` (from 1): the back-off, or
    /// the server's `Retry-After` (`asked`) when longer. Fails when the time
    /// left cannot cover it.
    fn pause(&self, url: &Url, attempt: usize, asked: Option<Duration>, last: &str) -> Result<()> {
        let backoff = BACKOFF[(attempt - 1).min(BACKOFF.len() - 1)];
        let pause = match asked {
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
            return Err(self.out_of_time(url, last));
        }
        if self.stop.sleep(pause, "").is_err() {
            self.check(url, last)?;
        }
        Ok(())
    }

    /// An attempt's timeout: `timeout_seconds`, or the time left when less.
    fn attempt_timeout(&self, url: &Url, last: &str) -> Result<Duration> {
        match self.remaining() {
            Some(left) if left.is_zero() => Err(self.out_of_time(url, last)),
            Some(left) => Ok(left.min(self.timeout)),
            None => Ok(self.timeout),
        }
    }

    /// The error once every attempt failed (`last`: the last one's reason;
    /// `connection`: it never got an HTTP answer).
    fn gave_up(&self, url: &Url, last: &str, connection: bool) -> ResolverError {
        if let (true, Some(proxy)) = (connection, self.proxies.for_url(url)) {
            // The proxy is what could not be reached: name it, not the index.
            return ResolverError::IndexUnreachable {
                url: proxy.shown.clone(),
                message: format!(
                    "the proxy (from {}) for {} failed: {last} (after {ATTEMPTS} attempts); check the proxy, or list the index host in NO_PROXY",
                    proxy.var,
                    shown(url)
                ),
            };
        }
        ResolverError::IndexUnreachable {
            url: shown(url),
            message: format!("{last} (after {ATTEMPTS} attempts)"),
        }
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

    /// One attempt: a connection slot taken (see [`HostSlots`]), the request
    /// sent, the status looked at, a 2xx body read (into `sink`) before the
    /// slot is given back.
    fn attempt(&self, req: &Request<'_>, sink: Sink<'_>) -> Result<Attempt> {
        let Some((_slot, timeout)) = self.slots.acquire(req.url, req.timeout, &self.stop) else {
            return Ok(Attempt::Retry(Retry {
                why: format!(
                    "timed out waiting for one of the {} connections to the host",
                    connect::PER_HOST
                ),
                wait: None,
                connection: false,
            }));
        };
        let req = &Request { timeout, ..*req };
        let started = Instant::now();
        let mut resp = match self.send(req) {
            Ok(r) => r,
            Err(e) => return classify(req.url, e).map(Attempt::Retry),
        };
        let status = resp.status().as_u16();
        if let Some(retry) = retry_status(status, &resp) {
            drain(&mut resp);
            return Ok(Attempt::Retry(retry));
        }
        let content_type = header(&resp, "content-type");
        let content_range = header(&resp, "content-range");
        let location = header(&resp, "location");
        let cache = CacheHeaders::of(&resp);
        let read = match sink {
            _ if !(200..=299).contains(&status) => {
                drain(&mut resp);
                Ok((Vec::new(), None))
            }
            Sink::File(file) => write_body(&mut resp, req, file)?.map(|()| (Vec::new(), None)),
            Sink::Stream(consume) => {
                self.stream_body(&mut resp, req, consume)?;
                Ok((Vec::new(), None))
            }
            Sink::Memory => self
                .read_body(&mut resp, req, started)?
                .map(|(body, reservation)| (body, Some(reservation))),
        };
        let (body, reservation) = match read {
            Ok(read) => read,
            Err(retry) => return Ok(Attempt::Retry(retry)),
        };
        Ok(Attempt::Answer(Box::new(Response {
            url: req.url.clone(),
            status,
            content_type,
            content_range,
            location,
            cache,
            body,
            reservation,
        })))
    }

    /// Sends `req` (through the proxy for its URL, with its credentials or
    /// the origin's).
    fn send(&self, req: &Request<'_>) -> Result<ureq::http::Response<ureq::Body>, ureq::Error> {
        let mut r = self
            .agents
            .for_transport(req.transport)
            .get(req.url.as_str())
            .config()
            .timeout_global(Some(req.timeout))
            .proxy(self.proxies.for_url(req.url).map(|p| p.proxy.clone()))
            .build();
        for (k, v) in req.headers {
            r = r.header(*k, *v);
        }
        let credentials = req
            .credentials
            .or_else(|| self.credentials.get(&origin(req.url)).map(String::as_str));
        if let Some(auth) = credentials {
            r = r.header("Authorization", auth);
        }
        r.call()
    }

    /// Reads a 2xx body into memory, after taking room for it among the
    /// call's bodies in flight: its length when the server says it (and
    /// sends it as is), else the cap. Waiting counts against this request's
    /// time (it `started` then).
    fn read_body(
        &self,
        resp: &mut ureq::http::Response<ureq::Body>,
        req: &Request<'_>,
        started: Instant,
    ) -> Step<(Vec<u8>, budget::Reservation)> {
        let (url, cap) = (req.url, req.cap);
        let want = resp.body().content_length().unwrap_or(cap).min(cap);
        let Some(r) = self.bodies.reserve(want, Some(started + req.timeout)) else {
            return Ok(Err(Retry {
                why: format!(
                    "timed out waiting for room for the response ({} bytes of responses in flight at most)",
                    budget::BODY_BYTES_IN_FLIGHT
                ),
                wait: None,
                connection: false,
            }));
        };
        let limit = r.bytes();
        match resp.body_mut().with_config().limit(limit).read_to_vec() {
            Ok(b) => Ok(Ok((b, r))),
            Err(ureq::Error::BodyExceedsLimit(_)) => Err(index_error(
                url,
                &format!(
                    "the response is larger than the {limit}-byte cap{}",
                    if limit < cap {
                        " (its Content-Length)"
                    } else {
                        ""
                    }
                ),
            )),
            Err(e) => classify(url, e).map(Err),
        }
    }

    /// Hands a 2xx body to `consume` (see [`Client::read_with`]); the
    /// transport's failure while it read, if any, is the attempt's.
    fn stream_body(
        &self,
        resp: &mut ureq::http::Response<ureq::Body>,
        req: &Request<'_>,
        consume: &mut dyn FnMut(&mut dyn Read),
    ) -> Result<()> {
        let mut body = Streamed {
            inner: resp.body_mut().with_config().reader(),
            stop: &self.stop,
            url: req.url,
            cap: req.cap,
            left: req.cap,
            error: None,
        };
        consume(&mut body);
        body.error.map_or(Ok(()), Err)
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

/// A 2xx body as [`Client::read_with`] hands it on: at most `cap` bytes,
/// failing once the call is stopped, the first failure kept in `error`
/// (what the consumer makes of it is not trusted to say).
struct Streamed<'r, R> {
    inner: R,
    stop: &'r Stop,
    url: &'r Url,
    cap: u64,
    left: u64,
    error: Option<ResolverError>,
}

impl<R: Read> Streamed<'_, R> {
    fn read_inner(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.inner.read(buf).map_err(|e| {
            self.error
                .get_or_insert_with(|| ResolverError::IndexUnreachable {
                    url: shown(self.url),
                    message: format!("the response broke off: {e}"),
                });
            e
        })
    }
}

impl<R: Read> Read for Streamed<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        // A stop is reported by the request (the client checks it after
        // every attempt), not as the body's failure.
        if self.stop.reason().is_some() {
            return Err(std::io::Error::other("the call was stopped"));
        }
        if buf.is_empty() {
            return Ok(0);
        }
        if self.left == 0 {
            // One byte more tells a body that ends at the cap from one that
            // goes on past it.
            let mut probe = [0u8; 1];
            if self.read_inner(&mut probe)? == 0 {
                return Ok(0);
            }
            let cap = self.cap;
            self.error.get_or_insert_with(|| {
                index_error(
                    self.url,
                    &format!("the response is larger than the {cap}-byte cap"),
                )
            });
            return Err(std::io::Error::other("over the byte cap"));
        }
        let want = buf
            .len()
            .min(usize::try_from(self.left).unwrap_or(usize::MAX));
        let n = self.read_inner(&mut buf[..want])?;
        self.left -= n as u64;
        Ok(n)
    }
}

/// Writes a 2xx body into `file` (truncated first), at most the cap.
fn write_body(
    resp: &mut ureq::http::Response<ureq::Body>,
    req: &Request<'_>,
    file: &mut std::fs::File,
) -> Step<()> {
    use std::io::Seek as _;
    let mut write = |file: &mut std::fs::File| -> std::io::Result<u64> {
        file.set_len(0)?;
        file.rewind()?;
        let mut reader = resp.body_mut().with_config().limit(req.cap).reader();
        std::io::copy(&mut reader, file)
    };
    match write(file) {
        Ok(_) => Ok(Ok(())),
        Err(e) => match e.get_ref().and_then(|i| i.downcast_ref::<ureq::Error>()) {
            Some(ureq::Error::BodyExceedsLimit(_)) => Err(index_error(
                req.url,
                &format!("the response is larger than the {}-byte cap", req.cap),
            )),
            Some(_) => Ok(Err(Retry::connection(e.to_string()))),
            None if e.kind() == std::io::ErrorKind::Other
                || e.kind() == std::io::ErrorKind::TimedOut =>
            {
                Ok(Err(Retry::connection(e.to_string())))
            }
            None => Err(ResolverError::Io {
                path: "the download's temporary file".into(),
                message: e.to_string(),
            }),
        },
    }
}

/// A 429 or 5xx: worth another attempt, after the server's `Retry-After`
/// (429, 503) when it gives one.
fn retry_status<B>(status: u16, resp: &ureq::http::Response<B>) -> Option<Retry> {
    if status != 429 && !(500..=599).contains(&status) {
        return None;
    }
    let wait = if status == 429 || status == 503 {
        header(resp, "retry-after").as_deref().and_then(retry_after)
    } else {
        None
    };
    Some(Retry {
        why: format!("HTTP {status}"),
        wait,
        connection: false,
    })
}

/// A header's value, when it is text.
fn header<B>(resp: &ureq::http::Response<B>, name: &str) -> Option<String> {
    resp.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// The most of a body that is not kept (a 404 page, a redirect, a 5xx)
/// read only so that its connection can be used again.
const DRAIN_CAP: u64 = 64 * 1024;

/// Reads and drops a body that is not kept, up to [`DRAIN_CAP`]: ureq puts
/// a connection back in its pool only once the body has been read, so an
/// unread 404 page would cost a new connection (and TLS handshake) for the
/// next request. A larger or broken body just closes the connection.
fn drain(resp: &mut ureq::http::Response<ureq::Body>) {
    let mut body = resp.body_mut().with_config().limit(DRAIN_CAP).reader();
    let _ = std::io::copy(&mut body, &mut std::io::sink());
}

/// `answer`, unless it says the resource is not there (404) or gone for
/// good (410).
pub fn found(answer: Response) -> Option<Response> {
    (!matches!(answer.status, 404 | 410)).then_some(answer)
}

/// Maps a transport error: certificate problems are `insecure_index`, the
/// rest are worth retrying or `index_error`.
fn classify(url: &Url, e: ureq::Error) -> Result<Retry> {
    if let Some(cert) = certificate_error(&e) {
        return Err(ResolverError::InsecureIndex {
            url: shown(url),
            message: format!(
                "the TLS certificate does not verify ({cert}) against the system trust store \
                 (SSL_CERT_FILE / SSL_CERT_DIR) or index.ca_bundle: give the CA that signed it in \
                 index.ca_bundle; or, to turn verification off for this host, add `{}` to index.trusted_hosts",
                host_port(url)
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
/// §6.3: credentials are shown as `****`, never dropped silently).
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

/// `Retry-After`: delay seconds or an HTTP-date.
fn retry_after(value: &str) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = parse_http_date(value)?;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .ok()?
        .as_secs();
    Some(Duration::from_secs(at.saturating_sub(now)))
}
