//! The HTTP cache of index responses (contract §6.7):
//! project pages, PEP 658 `.metadata` files and the byte ranges read from
//! wheels, kept under `index.cache_dir` so later plans (in this process or
//! another) skip the network while the server says the answer is fresh.
//!
//! This module is the policy and the store only: it is given response
//! headers and bodies and answers whether an entry is fresh, how to
//! revalidate it and whether an answer may be kept. The requests are made
//! by the cached client (`cached_client`), the layer above.
//!
//! Rules (RFC 9111, as a *shared* cache, since one `cache_dir` may serve
//! several workers):
//! - freshness from `s-maxage`, else `max-age` (less `Age`), else `Expires`;
//!   `immutable` without a lifetime counts as one year; no lifetime: stored
//!   only when it has a validator and always revalidated;
//! - a stale entry is revalidated with `If-None-Match` / `If-Modified-Since`;
//!   a 304 refreshes its freshness and the stored body is used;
//! - `no-store` is never stored, nor `private` (a shared cache); `no-cache`
//!   is stored but revalidated every time;
//! - 200 and 206 answers are stored, and a 404 or 410 only when its headers
//!   give it an explicit lifetime (`s-maxage`, `max-age`, `Expires`): an
//!   absence has no validator to revalidate it with;
//! - a request that carried credentials is stored only when the answer says
//!   `public`, `s-maxage` or `must-revalidate` (RFC 9111 §3.5);
//! - the key is the URL without credentials plus the request's `Accept` and
//!   `Range`, hashed (sha256) to a file name: `v1/<2 hex>/<64 hex>`;
//! - one file per entry: a magic line, a JSON header (the key, status,
//!   headers, freshness, body length and sha256) and the body. It is written
//!   to a temporary file in the same directory and renamed into place, so
//!   readers in other processes see the old entry or the new one; a file
//!   that is torn, foreign (other magic, other key) or whose body does not
//!   hash to the recorded sha256 is ignored (and replaced on the next store);
//! - bounded: when more than `max_bytes` are stored, the oldest entries (by
//!   modification time) are removed until at most 3/4 of it remain.
//!
//! Taken from uv's `uv-client` cache: cache-policy decisions made from the
//! response's `Cache-Control` and validators and stored next to the body in
//! the same file; revalidation with ETag / Last-Modified and a 304 that only
//! refreshes the policy; one file per URL (hashed), written atomically with a
//! temporary file and a rename. Unlike uv (a per-user, private cache), this
//! one is shared, so `private` answers are not stored; uv's rkyv/msgpack
//! serialisation is replaced by a JSON header plus a sha256 of the body.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use url::Url;

/// Default size bound of the cache, in MiB.
pub const DEFAULT_MAX_MB: u64 = 256;
/// Lifetime given to an `immutable` answer with no explicit lifetime.
const IMMUTABLE_LIFETIME: u64 = 365 * 24 * 3600;
const MAGIC: &[u8] = b"wheel-resolver-http-cache v1\n";
/// The largest header accepted when reading an entry.
const HEADER_CAP: usize = 64 * 1024;

/// The caching-related headers of a response.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CacheHeaders {
    /// `Cache-Control`.
    pub cache_control: Option<String>,
    /// `ETag`.
    pub etag: Option<String>,
    /// `Last-Modified`.
    pub last_modified: Option<String>,
    /// `Expires`.
    pub expires: Option<String>,
    /// `Age`.
    pub age: Option<String>,
    /// `Date`.
    pub date: Option<String>,
}

impl CacheHeaders {
    /// The headers of a ureq response.
    pub fn of<B>(resp: &ureq::http::Response<B>) -> Self {
        let h = |name: &str| {
            resp.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        Self {
            cache_control: h("cache-control"),
            etag: h("etag"),
            last_modified: h("last-modified"),
            expires: h("expires"),
            age: h("age"),
            date: h("date"),
        }
    }
}

/// What the cache keeps of an answer besides its body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    /// The URL that answered (after redirects), without credentials.
    pub url: String,
    /// The status code (200 and 206 are stored; 404 and 410 with an
    /// explicit lifetime).
    pub status: u16,
    /// `Content-Type`, if any.
    pub content_type: Option<String>,
    /// `Content-Range`, if any.
    pub content_range: Option<String>,
    /// The caching-related headers.
    pub headers: CacheHeaders,
}

/// `Cache-Control` directives that matter here.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct Directives {
    no_store: bool,
    no_cache: bool,
    private: bool,
    public: bool,
    must_revalidate: bool,
    immutable: bool,
    max_age: Option<u64>,
    s_maxage: Option<u64>,
}

fn directives(cache_control: Option<&str>) -> Directives {
    let mut d = Directives::default();
    for part in cache_control.unwrap_or_default().split(',') {
        let (name, value) = match part.split_once('=') {
            Some((n, v)) => (n.trim(), Some(v.trim().trim_matches('"'))),
            None => (part.trim(), None),
        };
        let secs = || value.and_then(|v| v.parse::<u64>().ok());
        match name.to_ascii_lowercase().as_str() {
            "no-store" => d.no_store = true,
            "no-cache" => d.no_cache = true,
            "private" => d.private = true,
            "public" => d.public = true,
            "must-revalidate" | "proxy-revalidate" => d.must_revalidate = true,
            "immutable" => d.immutable = true,
            // A malformed lifetime makes the answer stale (RFC 9111 §4.2.1).
            "max-age" => d.max_age = Some(secs().unwrap_or(0)),
            "s-maxage" => d.s_maxage = Some(secs().unwrap_or(0)),
            _ => {}
        }
    }
    d
}

/// Seconds since the Unix epoch.
fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// Until when (Unix seconds) an answer with `headers` received at `at` is
/// fresh; `None`: it may not be stored. `with_credentials`: the request
/// carried an `Authorization` header.
fn fresh_until(headers: &CacheHeaders, at: u64, with_credentials: bool) -> Option<u64> {
    freshness(headers, at, with_credentials).map(|f| f.until)
}

/// How long an answer may be kept, and on what grounds.
struct Freshness {
    /// Until when (Unix seconds) it is fresh.
    until: u64,
    /// The headers gave it a lifetime of its own (`s-maxage`, `max-age`,
    /// `Expires`), not `no-cache`: not only a validator or `immutable`.
    explicit: bool,
}

/// [`fresh_until`], with whether the lifetime was explicit.
fn freshness(headers: &CacheHeaders, at: u64, with_credentials: bool) -> Option<Freshness> {
    let d = directives(headers.cache_control.as_deref());
    if d.no_store || d.private {
        return None;
    }
    if with_credentials && !(d.public || d.s_maxage.is_some() || d.must_revalidate) {
        return None;
    }
    let age = headers
        .age
        .as_deref()
        .and_then(|a| a.trim().parse::<u64>().ok())
        .unwrap_or(0);
    let explicit = d.s_maxage.or(d.max_age).or_else(|| {
        let expires = parse_http_date(headers.expires.as_deref()?).unwrap_or(0);
        let date = headers
            .date
            .as_deref()
            .and_then(parse_http_date)
            .unwrap_or(at);
        Some(expires.saturating_sub(date))
    });
    let lifetime = match explicit {
        Some(l) => l,
        None if d.immutable => IMMUTABLE_LIFETIME,
        None if headers.etag.is_some() || headers.last_modified.is_some() => 0,
        None => return None,
    };
    if d.no_cache {
        return Some(Freshness {
            until: at,
            explicit: false,
        });
    }
    Some(Freshness {
        until: at + lifetime.saturating_sub(age),
        explicit: explicit.is_some(),
    })
}

/// Parses an HTTP-date in the preferred IMF-fixdate form (`Sun, 06 Nov 1994
/// 08:49:37 GMT`) to Unix seconds.
pub fn parse_http_date(text: &str) -> Option<u64> {
    let mut it = text.trim().split_ascii_whitespace();
    let _weekday = it.next()?;
    let day: u64 = it.next()?.parse().ok()?;
    let month = match it.next()?.to_ascii_lowercase().as_str() {
        "jan" => 1,
        "feb" => 2,
        "mar" => 3,
        "apr" => 4,
        "may" => 5,
        "jun" => 6,
        "jul" => 7,
        "aug" => 8,
        "sep" => 9,
        "oct" => 10,
        "nov" => 11,
        "dec" => 12,
        _ => return None,
    };
    let year: i64 = it.next()?.parse().ok()?;
    let mut hms = it.next()?.split(':').map(|p| p.parse::<u64>().ok());
    let (h, m, s) = (hms.next()??, hms.next()??, hms.next()??);
    if it.next()? != "GMT" || !(1..=31).contains(&day) || h > 23 || m > 59 || s > 60 {
        return None;
    }
    // Days from civil (Howard Hinnant's algorithm).
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    u64::try_from(days)
        .ok()
        .map(|d| d * 86_400 + h * 3600 + m * 60 + s)
}

/// What is stored with each body.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct EntryHeader {
    key: String,
    url: String,
    status: u16,
    content_type: Option<String>,
    content_range: Option<String>,
    headers: CacheHeaders,
    stored_at: u64,
    fresh_until: u64,
    body_len: u64,
    body_sha256: String,
}

/// A stored answer.
pub struct Entry {
    header: EntryHeader,
    body: Vec<u8>,
}

impl Entry {
    /// Fresh now?
    pub fn is_fresh(&self) -> bool {
        now() < self.header.fresh_until
    }

    /// The conditional-request headers that revalidate it.
    pub fn validators(&self) -> Vec<(&'static str, String)> {
        let mut v = Vec::new();
        if let Some(etag) = &self.header.headers.etag {
            v.push(("If-None-Match", etag.clone()));
        }
        if let Some(lm) = &self.header.headers.last_modified {
            v.push(("If-Modified-Since", lm.clone()));
        }
        v
    }

    /// The stored answer and its body.
    pub fn into_parts(self) -> (Answer, Vec<u8>) {
        let h = self.header;
        let answer = Answer {
            url: h.url,
            status: h.status,
            content_type: h.content_type,
            content_range: h.content_range,
            headers: h.headers,
        };
        (answer, self.body)
    }
}

/// What the cache finds for a request.
pub enum Lookup {
    /// A fresh entry: answer with it.
    Fresh(Entry),
    /// A stale entry: revalidate it (see [`Entry::validators`]).
    Stale(Entry),
    /// Nothing usable.
    Miss,
}

/// Counts of what a cache did (for the benchmark and tests).
#[derive(Debug, Default)]
pub struct Stats {
    /// Answered from a fresh entry.
    pub hits: AtomicU64,
    /// Revalidated with a 304.
    pub revalidated: AtomicU64,
    /// Stored (new or replaced).
    pub stored: AtomicU64,
}

/// A cache directory.
pub struct HttpCache {
    dir: PathBuf,
    max_bytes: u64,
    written: AtomicU64,
    /// What this cache did.
    pub stats: Stats,
}

impl HttpCache {
    /// The cache under `dir` (created on first store), bounded to
    /// `max_bytes`.
    pub fn new(dir: PathBuf, max_bytes: u64) -> Self {
        Self {
            dir,
            max_bytes,
            written: AtomicU64::new(0),
            stats: Stats::default(),
        }
    }

    /// The cache key of a request: the URL without credentials, and the
    /// `Accept` and `Range` headers.
    pub fn key(url: &Url, headers: &[(&str, &str)]) -> String {
        let mut url = url.clone();
        let _ = url.set_username("");
        let _ = url.set_password(None);
        url.set_fragment(None);
        let header = |name: &str| {
            headers
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .map_or("", |(_, v)| *v)
        };
        format!(
            "{}\naccept: {}\nrange: {}",
            url,
            header("accept"),
            header("range")
        )
    }

    fn path(&self, key: &str) -> PathBuf {
        let hex = sha256_hex(key.as_bytes());
        self.dir.join("v1").join(&hex[..2]).join(hex)
    }

    /// The stored answer for `key`, if a valid one is there.
    pub fn load(&self, key: &str) -> Option<Entry> {
        let mut file = std::fs::File::open(self.path(key)).ok()?;
        let mut magic = vec![0u8; MAGIC.len()];
        file.read_exact(&mut magic).ok()?;
        if magic != MAGIC {
            return None;
        }
        let mut len = [0u8; 4];
        file.read_exact(&mut len).ok()?;
        let len = u32::from_le_bytes(len) as usize;
        if len > HEADER_CAP {
            return None;
        }
        let mut header = vec![0u8; len];
        file.read_exact(&mut header).ok()?;
        let header: EntryHeader = serde_json::from_slice(&header).ok()?;
        if header.key != key {
            return None;
        }
        let mut body = Vec::with_capacity(usize::try_from(header.body_len).ok()?.min(1 << 26));
        file.take(header.body_len.saturating_add(1))
            .read_to_end(&mut body)
            .ok()?;
        if body.len() as u64 != header.body_len || sha256_hex(&body) != header.body_sha256 {
            return None;
        }
        Some(Entry { header, body })
    }

    /// The stored answer for `key` when its body fits in `cap` bytes:
    /// fresh, or stale (to revalidate).
    pub fn lookup(&self, key: &str, cap: u64) -> Lookup {
        match self.load(key).filter(|e| e.body.len() as u64 <= cap) {
            Some(e) if e.is_fresh() => Lookup::Fresh(e),
            Some(e) => Lookup::Stale(e),
            None => Lookup::Miss,
        }
    }

    /// Stores `answer` and its `body` (the answer to the request of `key`)
    /// when the rules allow: a 200 or 206 the headers let a shared cache
    /// keep, or a 404 or 410 whose headers also give it an explicit
    /// lifetime (never a heuristic one: an absence is not revalidated).
    /// Failures to write are ignored (the cache is an optimisation).
    pub fn store(&self, key: &str, answer: &Answer, body: &[u8], with_credentials: bool) {
        let at = now();
        let Some(freshness) = freshness(&answer.headers, at, with_credentials) else {
            return;
        };
        let storable = match answer.status {
            200 | 206 => true,
            404 | 410 => freshness.explicit,
            _ => false,
        };
        if !storable {
            return;
        }
        let fresh_until = freshness.until;
        let header = EntryHeader {
            key: key.to_owned(),
            url: answer.url.clone(),
            status: answer.status,
            content_type: answer.content_type.clone(),
            content_range: answer.content_range.clone(),
            headers: answer.headers.clone(),
            stored_at: at,
            fresh_until,
            body_len: body.len() as u64,
            body_sha256: sha256_hex(body),
        };
        self.write(key, &header, body);
    }

    /// A 304 answered the revalidation of `entry`: its freshness is taken
    /// from the 304's headers (RFC 9111 §4.3.4) and it is stored again.
    pub fn refresh(
        &self,
        key: &str,
        mut entry: Entry,
        fresh: &CacheHeaders,
        with_credentials: bool,
    ) -> Entry {
        let at = now();
        let h = &mut entry.header.headers;
        for (old, new) in [
            (&mut h.cache_control, &fresh.cache_control),
            (&mut h.etag, &fresh.etag),
            (&mut h.last_modified, &fresh.last_modified),
            (&mut h.expires, &fresh.expires),
            (&mut h.date, &fresh.date),
        ] {
            if new.is_some() {
                old.clone_from(new);
            }
        }
        h.age.clone_from(&fresh.age);
        self.stats.revalidated.fetch_add(1, Ordering::Relaxed);
        match fresh_until(&entry.header.headers, at, with_credentials) {
            Some(until) => {
                entry.header.fresh_until = until;
                entry.header.stored_at = at;
                self.write(key, &entry.header, &entry.body);
            }
            None => {
                let _ = std::fs::remove_file(self.path(key));
            }
        }
        entry
    }

    /// Counts a hit.
    pub fn hit(&self) {
        self.stats.hits.fetch_add(1, Ordering::Relaxed);
    }

    fn write(&self, key: &str, header: &EntryHeader, body: &[u8]) {
        let path = self.path(key);
        let Some(dir) = path.parent() else { return };
        let Ok(header) = serde_json::to_vec(header) else {
            return;
        };
        let Ok(len) = u32::try_from(header.len()) else {
            return;
        };
        let written = (|| -> std::io::Result<()> {
            std::fs::create_dir_all(dir)?;
            let mut tmp = tempfile::Builder::new().prefix(".tmp-").tempfile_in(dir)?;
            let f = tmp.as_file_mut();
            f.write_all(MAGIC)?;
            f.write_all(&len.to_le_bytes())?;
            f.write_all(&header)?;
            f.write_all(body)?;
            tmp.persist(&path).map_err(|e| e.error)?;
            Ok(())
        })();
        if written.is_err() {
            return;
        }
        self.stats.stored.fetch_add(1, Ordering::Relaxed);
        let size = (MAGIC.len() + 4 + header.len() + body.len()) as u64;
        let total = self.written.fetch_add(size, Ordering::Relaxed) + size;
        // Look at the whole directory after every max/8 bytes written.
        if total >= self.max_bytes / 8 {
            self.written.store(0, Ordering::Relaxed);
            prune(&self.dir.join("v1"), self.max_bytes);
        }
    }
}

/// Removes the oldest entries under `dir` until at most 3/4 of `max_bytes`
/// remain, when more than `max_bytes` are stored. Temporary files older
/// than an hour (a writer that died) go too.
pub fn prune(dir: &Path, max_bytes: u64) {
    let mut entries = Vec::new();
    let mut total = 0u64;
    let Ok(subdirs) = std::fs::read_dir(dir) else {
        return;
    };
    for sub in subdirs.flatten() {
        let Ok(files) = std::fs::read_dir(sub.path()) else {
            continue;
        };
        for f in files.flatten() {
            let Ok(meta) = f.metadata() else { continue };
            let modified = meta.modified().unwrap_or(UNIX_EPOCH);
            if f.file_name().to_string_lossy().starts_with(".tmp-") {
                if modified.elapsed().unwrap_or_default() > Duration::from_secs(3600) {
                    let _ = std::fs::remove_file(f.path());
                }
                continue;
            }
            total += meta.len();
            entries.push((modified, meta.len(), f.path()));
        }
    }
    if total <= max_bytes {
        return;
    }
    entries.sort();
    for (_, len, path) in entries {
        if total <= max_bytes / 4 * 3 {
            break;
        }
        if std::fs::remove_file(&path).is_ok() {
            total -= len;
        }
    }
}

fn sha256_hex(bytes: &[u8]) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA256, bytes);
    hex(digest.as_ref())
}

/// Lower-case hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(cc: &str) -> CacheHeaders {
        CacheHeaders {
            cache_control: Some(cc.into()),
            ..Default::default()
        }
    }

    #[test]
    fn freshness_rules() {
        assert_eq!(fresh_until(&h("max-age=600"), 1000, false), Some(1600));
        assert_eq!(
            fresh_until(&h("max-age=600, s-maxage=60"), 1000, false),
            Some(1060)
        );
        assert_eq!(
            fresh_until(&h("max-age=31536000, immutable"), 0, false),
            Some(31_536_000)
        );
        assert_eq!(
            fresh_until(&h("immutable"), 0, false),
            Some(IMMUTABLE_LIFETIME)
        );
        assert_eq!(fresh_until(&h("no-store, max-age=60"), 0, false), None);
        assert_eq!(fresh_until(&h("private, max-age=60"), 0, false), None);
        assert_eq!(fresh_until(&h("no-cache, max-age=60"), 5, false), Some(5));
        // Credentials: only when the server allows a shared cache to.
        assert_eq!(fresh_until(&h("max-age=60"), 0, true), None);
        assert_eq!(fresh_until(&h("public, max-age=60"), 0, true), Some(60));
        assert_eq!(fresh_until(&h("s-maxage=60"), 0, true), Some(60));
        let mut aged = h("max-age=600");
        aged.age = Some("100".into());
        assert_eq!(fresh_until(&aged, 0, false), Some(500));
        // No lifetime: only with a validator, stale at once.
        assert_eq!(fresh_until(&CacheHeaders::default(), 7, false), None);
        let etag = CacheHeaders {
            etag: Some("\"x\"".into()),
            ..Default::default()
        };
        assert_eq!(fresh_until(&etag, 7, false), Some(7));
        let expires = CacheHeaders {
            expires: Some("Sun, 06 Nov 1994 08:50:37 GMT".into()),
            date: Some("Sun, 06 Nov 1994 08:49:37 GMT".into()),
            ..Default::default()
        };
        assert_eq!(fresh_until(&expires, 10, false), Some(70));
    }

    #[test]
    fn http_dates() {
        assert_eq!(
            parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"),
            Some(784_111_777)
        );
        assert_eq!(parse_http_date("Thu, 01 Jan 1970 00:00:00 GMT"), Some(0));
        assert_eq!(parse_http_date("yesterday"), None);
        assert_eq!(parse_http_date("Sun, 06 Nov 1994 08:49:37 CET"), None);
    }

    #[test]
    fn entries_round_trip_and_damage_is_ignored() {
        let dir = tempfile::tempdir().unwrap();
        let cache = HttpCache::new(dir.path().to_path_buf(), 1 << 20);
        let url = Url::parse("https://u:p@x/simple/a/").unwrap();
        let key = HttpCache::key(&url, &[("Accept", "text/html")]);
        assert!(!key.contains("u:p"), "{key}");
        let answer = Answer {
            url: "https://x/simple/a/".into(),
            status: 200,
            content_type: Some("text/html".into()),
            content_range: None,
            headers: h("max-age=600"),
        };
        cache.store(&key, &answer, b"<html/>", false);
        let e = cache.load(&key).unwrap();
        assert!(e.is_fresh());
        assert_eq!(e.into_parts(), (answer, b"<html/>".to_vec()));
        // Another key never reads this entry.
        assert!(cache.load("other").is_none());
        // A torn file (cut short) and a flipped byte are ignored.
        let path = cache.path(&key);
        let bytes = std::fs::read(&path).unwrap();
        std::fs::write(&path, &bytes[..bytes.len() - 2]).unwrap();
        assert!(cache.load(&key).is_none());
        let mut flipped = bytes.clone();
        *flipped.last_mut().unwrap() ^= 1;
        std::fs::write(&path, &flipped).unwrap();
        assert!(cache.load(&key).is_none());
        std::fs::write(&path, b"garbage").unwrap();
        assert!(cache.load(&key).is_none());
    }

    #[test]
    fn an_absence_is_stored_only_with_an_explicit_lifetime() {
        let dir = tempfile::tempdir().unwrap();
        let cache = HttpCache::new(dir.path().to_path_buf(), 1 << 20);
        let answer = |status: u16, headers: CacheHeaders| Answer {
            url: "https://x/simple/nothere/".into(),
            status,
            content_type: None,
            content_range: None,
            headers,
        };
        let with_etag = CacheHeaders {
            etag: Some("\"e\"".into()),
            ..CacheHeaders::default()
        };
        let cases = [
            (404, h("max-age=600"), true),
            (410, h("public, s-maxage=60"), true),
            (404, h("max-age=600, no-cache"), false),
            (404, h("no-store, max-age=600"), false),
            (404, CacheHeaders::default(), false),
            (404, with_etag, false),
            (500, h("max-age=600"), false),
        ];
        for (i, (status, headers, stored)) in cases.into_iter().enumerate() {
            let key = format!("k{i}");
            cache.store(&key, &answer(status, headers.clone()), b"", false);
            match cache.lookup(&key, 1 << 20) {
                Lookup::Fresh(e) => {
                    assert!(stored, "{status} {headers:?} stored");
                    assert_eq!(e.into_parts().0.status, status);
                }
                Lookup::Miss => assert!(!stored, "{status} {headers:?} not stored"),
                Lookup::Stale(_) => panic!("{status} {headers:?} stored stale"),
            }
        }
    }

    #[test]
    fn prune_removes_oldest_first() {
        let dir = tempfile::tempdir().unwrap();
        let sub = dir.path().join("v1").join("ab");
        std::fs::create_dir_all(&sub).unwrap();
        for i in 0..4 {
            let p = sub.join(format!("f{i}"));
            std::fs::write(&p, vec![0u8; 100]).unwrap();
            let t = UNIX_EPOCH + Duration::from_secs(1_000_000 + i);
            std::fs::File::options()
                .write(true)
                .open(&p)
                .unwrap()
                .set_modified(t)
                .unwrap();
        }
        prune(&dir.path().join("v1"), 300);
        let mut left: Vec<_> = std::fs::read_dir(&sub)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        left.sort();
        assert_eq!(left, ["f2", "f3"]);
    }
}
