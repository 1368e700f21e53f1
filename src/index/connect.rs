//! Connections of one call's HTTP client: ureq's default connector chain
//! (proxies, TCP, rustls) with counting (see [`super::stats`]), and a bound
//! on the requests in flight per origin ([`HostSlots`]), so that the
//! look-up pool's threads share a few kept-alive connections instead of
//! each opening its own.

use std::collections::HashMap;
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use ureq::unversioned::transport::{ConnectionDetails, Connector, DefaultConnector, Transport};
use url::Url;

use super::security::{origin, Origin};
use super::stats;
use crate::stop::Stop;

/// Requests in flight per origin, hence connections open to it (and kept
/// idle between requests: the agent's `max_idle_connections_per_host`).
///
/// Between pip (10 per host) and uv (about 30 in a plan): a cold plan's
/// requests come in waves as wide as a dependency level, and a wave of W
/// requests takes about ceil(W / bound) round trips. In
/// `make bench-index-latency` (waves of 60, 25 ms per request) a cold plan
/// takes 341 ms with 10, 228 ms with 16 and 214 ms with one connection per
/// look-up thread (50, before the bound): past 16 more connections buy
/// little, and each costs a TCP and a TLS handshake. docs/network.md has
/// the figures.
pub const PER_HOST: usize = 16;

/// How often a request waiting for a slot checks its call's stop.
const POLL: Duration = Duration::from_millis(20);

/// ureq's [`DefaultConnector`], counting connections and TLS handshakes.
#[derive(Debug, Default)]
pub struct CountingConnector {
    inner: DefaultConnector,
}

impl Connector<()> for CountingConnector {
    type Out = Box<dyn Transport>;

    fn connect(
        &self,
        details: &ConnectionDetails,
        chained: Option<()>,
    ) -> Result<Option<Self::Out>, ureq::Error> {
        let out = self.inner.connect(details, chained)?;
        if let (Some(transport), Some(key)) = (&out, stats::key(details.uri)) {
            let tls = transport.is_tls();
            stats::record(&key, stats::Event::Connection { tls });
        }
        Ok(out)
    }
}

/// A counting semaphore per origin (scheme, host, port): at most `bound`
/// requests to one origin at a time.
#[derive(Debug)]
pub struct HostSlots {
    bound: usize,
    held: Mutex<HashMap<Origin, usize>>,
    freed: Condvar,
}

/// One request's slot, given back when dropped (once its body is read and
/// its connection back in the agent's idle pool).
#[derive(Debug)]
pub struct Slot<'a> {
    slots: &'a HostSlots,
    key: Origin,
}

impl HostSlots {
    /// At most `bound` (at least 1) requests per origin.
    pub fn new(bound: usize) -> Self {
        Self {
            bound: bound.max(1),
            held: Mutex::default(),
            freed: Condvar::new(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<Origin, usize>> {
        self.held.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Waits for a slot for `url`'s origin, at most `timeout` and only while
    /// `stop` lets the call go on. Returns the slot and what is left of
    /// `timeout` for the request itself; `None` when the wait ran out.
    pub fn acquire(
        &self,
        url: &Url,
        timeout: Duration,
        stop: &Stop,
    ) -> Option<(Slot<'_>, Duration)> {
        let started = Instant::now();
        let key = origin(url);
        let mut held = self.lock();
        loop {
            let count = match held.get_mut(&key) {
                Some(count) => count,
                None => held.entry(key.clone()).or_default(),
            };
            if *count < self.bound {
                *count += 1;
                let left = timeout.saturating_sub(started.elapsed());
                return Some((Slot { slots: self, key }, left));
            }
            let left = timeout.saturating_sub(started.elapsed());
            if left.is_zero() || stop.reason().is_some() {
                return None;
            }
            held = self
                .freed
                .wait_timeout(held, left.min(POLL))
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
    }
}

impl Drop for Slot<'_> {
    fn drop(&mut self) {
        let mut held = self.slots.lock();
        if let Some(count) = held.get_mut(&self.key) {
            *count = count.saturating_sub(1);
        }
        drop(held);
        self.slots.freed.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_slot_is_waited_for_and_given_back() {
        let slots = HostSlots::new(2);
        let stop = Stop::never();
        let a: Url = "https://Example.org/simple/a/".parse().unwrap();
        let b: Url = "https://example.org:443/simple/b/".parse().unwrap();
        let other: Url = "http://example.org/simple/".parse().unwrap();
        let short = Duration::from_millis(30);
        let first = slots.acquire(&a, short, &stop).expect("a free slot");
        let second = slots.acquire(&b, short, &stop).expect("a free slot");
        assert!(second.1 <= short);
        assert!(slots.acquire(&a, short, &stop).is_none(), "both taken");
        assert!(
            slots.acquire(&other, short, &stop).is_some(),
            "another origin"
        );
        drop(first);
        assert!(slots.acquire(&b, short, &stop).is_some(), "given back");
        std::thread::scope(|s| {
            let _held = slots.acquire(&a, short, &stop).expect("a free slot");
            s.spawn(|| {
                let waited = slots.acquire(&a, Duration::from_secs(5), &stop);
                assert!(waited.is_some(), "freed while waiting");
            });
            std::thread::sleep(Duration::from_millis(50));
            drop(second);
        });
    }
}
