//! The client with the HTTP cache in front of it: a fresh stored answer is
//! used as it is, a stale one is revalidated with its validators (a 304
//! refreshes it), and new answers are offered to the cache. What may be
//! stored and for how long is the cache's decision ([`super::cache`]); the
//! requests are the client's ([`super::client`]).

use std::time::Instant;

use url::Url;

use super::cache::{Entry, HttpCache, Lookup};
use super::client::{found, Client};
use super::response::Response;
use crate::error::{index_error, Result};

/// A [`Client`] answering from an [`HttpCache`] when it can (without one,
/// every request goes to the network).
pub struct CachedClient {
    client: Client,
    cache: Option<HttpCache>,
}

impl CachedClient {
    /// `client` behind `cache`.
    pub fn new(client: Client, cache: Option<HttpCache>) -> Self {
        Self { client, cache }
    }

    /// The client itself, for a request the cache must not keep (an
    /// sdist streamed to its reader).
    pub fn uncached(&self) -> &Client {
        &self.client
    }

    /// The call's deadline (`time_budget_ms`), if any.
    pub fn deadline(&self) -> Option<Instant> {
        self.client.deadline()
    }

    /// GETs `url` following redirects. `Ok(None)`: 404 or 410. The body is
    /// capped at `cap` bytes (larger: `index_error`). Answered from the
    /// cache while it holds a fresh answer, revalidated when stale; 200 and
    /// 206 answers are stored when the cache's rules allow, and so is a
    /// 404 or 410 whose headers give it an explicit lifetime (RFC 9111:
    /// a warm plan need not ask again for a project no index has).
    pub fn get(&self, url: &Url, headers: &[(&str, &str)], cap: u64) -> Result<Option<Response>> {
        let answer = match &self.cache {
            Some(cache) => self.get_through(cache, url, headers, cap)?,
            None => self.client.fetch(url, headers, cap)?,
        };
        Ok(found(answer))
    }

    /// The answer to `url`, from `cache` when it holds a fresh one (or
    /// one the server says is not modified), else from the network, and
    /// offered to the cache (an absence too: whether it may be kept is the
    /// cache's rule).
    fn get_through(
        &self,
        cache: &HttpCache,
        url: &Url,
        headers: &[(&str, &str)],
        cap: u64,
    ) -> Result<Response> {
        let key = HttpCache::key(url, headers);
        let with_credentials = self.client.sends_credentials(url);
        let stale = match cache.lookup(&key, cap) {
            Lookup::Fresh(entry) => {
                let (answer, body) = entry.into_parts();
                if let Ok(r) = Response::from_stored(answer, body) {
                    cache.hit();
                    return Ok(r);
                }
                None
            }
            Lookup::Stale(entry) => Some(entry),
            Lookup::Miss => None,
        };
        let answer = self.revalidate(url, headers, cap, stale.as_ref())?;
        if answer.status == 304 {
            let Some(entry) = stale else {
                return Err(index_error(
                    url,
                    "HTTP 304 (not modified) to a request that was not conditional",
                ));
            };
            let (stored, body) = cache
                .refresh(&key, entry, &answer.cache, with_credentials)
                .into_parts();
            return Response::from_stored(stored, body)
                .map_err(|e| index_error(url, &format!("a cached answer is unusable: {e}")));
        }
        cache.store(&key, &answer.to_stored(), &answer.body, with_credentials);
        Ok(answer)
    }

    /// GETs `url` from the network, conditionally on `stale`'s validators
    /// when there is a stale entry (a 304 is then returned as an answer, as
    /// are a 404 and a 410).
    fn revalidate(
        &self,
        url: &Url,
        headers: &[(&str, &str)],
        cap: u64,
        stale: Option<&Entry>,
    ) -> Result<Response> {
        let Some(validators) = stale.map(Entry::validators) else {
            return self.client.fetch(url, headers, cap);
        };
        let mut conditional: Vec<(&str, &str)> = headers.to_vec();
        conditional.extend(validators.iter().map(|(k, v)| (*k, v.as_str())));
        self.client.fetch(url, &conditional, cap)
    }
}
