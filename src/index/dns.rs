//! Host name look-ups shared by every connection of the process: a small
//! cache in front of ureq's resolver, with one look-up in flight per host.
//!
//! ureq resolves the host of every request, before it even looks for an
//! idle connection, and each thread of the look-up pool asks at the same
//! moment: a cold plan used to send dozens of identical queries, and with a
//! resolver that drops one of them (glibc waits 5 s before asking again)
//! the whole plan stalled. Here the first request for a host asks, the
//! others wait for its answer, and the answer serves every request (and
//! every later call in the process) for [`TTL`].
//!
//! Failures are never kept: the requests waiting on a failed look-up share
//! its error, and the next attempt (see `client::ATTEMPTS`) asks again.
//! Addresses written as IP literals are not looked up and not counted.
//! Through a forward proxy ureq resolves the proxy's host, not the index's;
//! that look-up goes through this cache as well.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Condvar, LazyLock, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use ureq::config::Config;
use ureq::http::Uri;
use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::NextTimeout;

use super::stats;

/// How long a host's addresses are reused without asking again.
///
/// The system resolver does not say how long an answer is valid, so this is
/// a guess on the short side: 30 s covers a whole plan (a cold plan takes
/// a second or two, even against the public index) and consecutive calls of
/// a service, yet is no longer than the record lifetimes CDN-fronted indexes
/// publish (typically a minute or more), so a moved host is followed about
/// as soon as a caching DNS server would follow it.
pub const TTL: Duration = Duration::from_secs(30);

/// What the cache knows of one host.
enum Entry {
    /// Its addresses, valid until the instant given.
    Known(Box<ResolvedSocketAddrs>, Instant),
    /// Someone is asking; wait for this answer.
    Asking(Arc<Flight>),
}

/// One look-up in flight and the requests waiting for it.
#[derive(Default)]
struct Flight {
    answer: Mutex<Option<Result<ResolvedSocketAddrs, ureq::Error>>>,
    done: Condvar,
}

/// The process-wide cache, by `host:port` and IP family.
static CACHE: LazyLock<Mutex<HashMap<String, Entry>>> = LazyLock::new(Mutex::default);

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// ureq's [`DefaultResolver`] behind the process-wide cache; count look-ups
/// with [`stats::host`].
#[derive(Debug, Default)]
pub struct CachedResolver {
    inner: DefaultResolver,
}

impl Resolver for CachedResolver {
    fn resolve(
        &self,
        uri: &Uri,
        config: &Config,
        timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        let Some(host_port) = stats::key(uri) else {
            return self.inner.resolve(uri, config, timeout);
        };
        let host = uri.host().unwrap_or_default();
        if host.trim_matches(['[', ']']).parse::<IpAddr>().is_ok() {
            return self.inner.resolve(uri, config, timeout);
        }
        let key = format!("{host_port} {:?}", config.ip_family());
        let flight = {
            let mut cache = lock(&CACHE);
            match cache.get(&key) {
                Some(Entry::Known(addrs, until)) if Instant::now() < *until => {
                    return Ok((**addrs).clone())
                }
                Some(Entry::Asking(flight)) => Some(flight.clone()),
                _ => {
                    cache.insert(key.clone(), Entry::Asking(Arc::default()));
                    None
                }
            }
        };
        match flight {
            Some(flight) => wait(&flight, timeout),
            None => self.ask(&key, &host_port, uri, config, timeout),
        }
    }
}

impl CachedResolver {
    /// Performs the look-up this request was first to want, keeps a success
    /// for [`TTL`] and hands the answer to those waiting.
    fn ask(
        &self,
        key: &str,
        host_port: &str,
        uri: &Uri,
        config: &Config,
        timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        stats::record(host_port, stats::Event::Lookup);
        let mut asking = Asking { key, done: false };
        let answer = self.inner.resolve(uri, config, timeout);
        asking.finish(&answer);
        answer
    }
}

/// The look-up a request performs for others: whatever happens to that
/// request (even a panic in the resolver), its entry leaves the `Asking`
/// state and those waiting are woken.
struct Asking<'a> {
    key: &'a str,
    done: bool,
}

impl Asking<'_> {
    /// Keeps a success for [`TTL`], forgets a failure, and hands the answer
    /// to those waiting.
    fn finish(&mut self, answer: &Result<ResolvedSocketAddrs, ureq::Error>) {
        self.done = true;
        let flight = {
            let mut cache = lock(&CACHE);
            let flight = match cache.remove(self.key) {
                Some(Entry::Asking(flight)) => Some(flight),
                _ => None,
            };
            if let Ok(addrs) = answer {
                let until = Instant::now() + TTL;
                cache.insert(
                    self.key.to_owned(),
                    Entry::Known(Box::new(addrs.clone()), until),
                );
            }
            flight
        };
        if let Some(flight) = flight {
            *lock(&flight.answer) = Some(match answer {
                Ok(addrs) => Ok(addrs.clone()),
                Err(e) => Err(copy(e)),
            });
            flight.done.notify_all();
        }
    }
}

impl Drop for Asking<'_> {
    fn drop(&mut self) {
        if !self.done {
            self.finish(&Err(ureq::Error::HostNotFound));
        }
    }
}

/// Waits (at most `timeout`) for the look-up another request is performing.
fn wait(flight: &Flight, timeout: NextTimeout) -> Result<ResolvedSocketAddrs, ureq::Error> {
    let until = Instant::now().checked_add(*timeout.after);
    let mut answer = lock(&flight.answer);
    loop {
        if let Some(a) = answer.as_ref() {
            return match a {
                Ok(addrs) => Ok(addrs.clone()),
                Err(e) => Err(copy(e)),
            };
        }
        let left = match until {
            Some(until) => until.saturating_duration_since(Instant::now()),
            None => Duration::from_secs(3600),
        };
        if left.is_zero() {
            return Err(ureq::Error::Timeout(timeout.reason));
        }
        answer = flight
            .done
            .wait_timeout(answer, left)
            .unwrap_or_else(PoisonError::into_inner)
            .0;
    }
}

/// The same failure for another request (`ureq::Error` is not `Clone`).
fn copy(e: &ureq::Error) -> ureq::Error {
    match e {
        ureq::Error::HostNotFound => ureq::Error::HostNotFound,
        ureq::Error::Timeout(t) => ureq::Error::Timeout(*t),
        ureq::Error::Io(io) => ureq::Error::Io(std::io::Error::new(io.kind(), io.to_string())),
        other => ureq::Error::Io(std::io::Error::other(other.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn timeout() -> NextTimeout {
        NextTimeout {
            after: ureq::unversioned::transport::time::Duration::Exact(Duration::from_secs(5)),
            reason: ureq::Timeout::Resolve,
            per_read: None,
            per_write: None,
        }
    }

    #[test]
    fn concurrent_requests_for_a_host_share_one_lookup() {
        // A port of its own, so that other tests' counts stay apart.
        let uri: Uri = "http://localhost:65011/".parse().unwrap();
        let before = stats::host("localhost:65011");
        let resolver = CachedResolver::default();
        let config = Config::default();
        std::thread::scope(|s| {
            for _ in 0..8 {
                s.spawn(|| {
                    let addrs = resolver.resolve(&uri, &config, timeout()).unwrap();
                    assert!(!addrs.is_empty());
                });
            }
        });
        resolver.resolve(&uri, &config, timeout()).unwrap();
        assert_eq!(stats::host("localhost:65011").since(before).lookups, 1);
    }

    #[test]
    fn ip_literals_are_neither_cached_nor_counted() {
        let uri: Uri = "http://127.0.0.1:65012/".parse().unwrap();
        let addrs = CachedResolver::default()
            .resolve(&uri, &Config::default(), timeout())
            .unwrap();
        assert_eq!(addrs[0].port(), 65012);
        assert_eq!(stats::host("127.0.0.1:65012"), stats::HostStats::default());
    }
}
