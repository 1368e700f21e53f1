//! Downloads a plan's `fetch` entries into a directory (contract
//! §8, `resolver_fetch_wheels`): the config's index settings (credentials by
//! origin, trust, `trusted_hosts`, proxies, timeouts, time budget), sha256
//! verified, each file written to a temporary file in the destination and
//! renamed into place, a few at a time, one report per file.
//!
//! Wheels are not put in the HTTP cache (they can be large and the cache is
//! bounded): the destination directory is their cache, since a file already
//! there with the index's sha256 is reported `present` and not fetched.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::Instant;

use serde::{Deserialize, Serialize};
use url::Url;

use crate::config::IndexConfig;
use crate::error::{ResolverError, Result};
use crate::index::client::Client;
use crate::redact::redact_url;
use crate::stop::{CancelToken, Stop};

/// Files downloaded at once.
pub const CONCURRENCY: usize = 4;
/// The largest file downloaded.
pub const FILE_CAP: u64 = 4 * 1024 * 1024 * 1024;

/// The request document.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Request {
    /// The plan's config (or just its `index`, `cache_dir` and
    /// `time_budget_ms`: other fields are ignored).
    config: RequestConfig,
    /// A plan document: its `fetch` list is downloaded.
    #[serde(default)]
    plan: Option<PlanFetch>,
    /// Or the fetch entries themselves.
    #[serde(default)]
    fetch: Option<Vec<Wanted>>,
    /// Where the files go (created when missing).
    dest_dir: PathBuf,
}

#[derive(Debug, Deserialize)]
struct RequestConfig {
    #[serde(default)]
    index: Option<IndexConfig>,
    #[serde(default)]
    cache_dir: Option<PathBuf>,
    #[serde(default)]
    time_budget_ms: Option<u64>,
}

#[derive(Debug, Deserialize)]
struct PlanFetch {
    #[serde(default)]
    fetch: Vec<Wanted>,
}

/// One fetch entry (the plan's fields; others are ignored).
#[derive(Debug, Clone, Deserialize)]
struct Wanted {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    version: Option<String>,
    file: String,
    url: String,
    #[serde(default)]
    sha256: Option<String>,
}

/// What happened to one file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileReport {
    /// The entry's project name, when given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The entry's version, when given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// The file name.
    pub file: String,
    /// Where it is (or would have been) in `dest_dir`.
    pub path: String,
    /// `downloaded`, `present` or `failed`.
    pub status: &'static str,
    /// Its size (0 when failed).
    pub bytes: u64,
    /// The sha256 of the file on disk (absent when failed).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    /// True when the index gave a sha256 and the file has it.
    pub verified: bool,
    /// Why it failed: `{code, message}` with a contract error code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<FileError>,
}

/// A per-file error.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileError {
    /// A contract error code (`index_error`, `index_unreachable`,
    /// `insecure_index`, `io_error`, `invalid_config`).
    pub code: &'static str,
    /// What went wrong (credentials redacted).
    pub message: String,
}

/// The result document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FetchReport {
    /// The destination directory.
    pub dest_dir: String,
    /// One report per distinct file, in the order of the fetch list.
    pub files: Vec<FileReport>,
    /// Files downloaded now.
    pub downloaded: usize,
    /// Files already there with the right sha256.
    pub present: usize,
    /// Files that failed.
    pub failed: usize,
}

/// Downloads what the request JSON asks for; the report, or an error for
/// the request as a whole (bad JSON or config, no destination).
pub fn fetch_wheels(request_json: &str, cancel: Option<&CancelToken>) -> Result<FetchReport> {
    let mut de = serde_json::Deserializer::from_str(request_json);
    let req: Request = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let field = if path == "." {
            "request".to_owned()
        } else {
            path
        };
        ResolverError::config(field, e.into_inner().to_string())
    })?;
    de.end()
        .map_err(|e| ResolverError::config("request", e.to_string()))?;
    let stop = Stop::new(cancel.cloned(), Instant::now(), req.config.time_budget_ms);
    let Some(index) = &req.config.index else {
        return Err(ResolverError::config(
            "config.index",
            "required: its URLs, trusted_hosts and timeouts say how files are downloaded",
        ));
    };
    crate::config::validate_index(index).map_err(|e| prefix_field(e, "config."))?;
    let wanted = match (req.fetch, req.plan) {
        (Some(_), Some(_)) => {
            return Err(ResolverError::config(
                "request",
                "give either `fetch` or `plan`, not both",
            ))
        }
        (Some(f), None) => f,
        (None, Some(p)) => p.fetch,
        (None, None) => {
            return Err(ResolverError::config(
                "request",
                "`fetch` (a list of fetch entries) or `plan` (a plan document) is required",
            ))
        }
    };
    if req.dest_dir.as_os_str().is_empty() {
        return Err(ResolverError::config("dest_dir", "must not be empty"));
    }
    std::fs::create_dir_all(&req.dest_dir).map_err(|e| ResolverError::io(&req.dest_dir, &e))?;
    let conn = crate::index::connect(index, req.config.cache_dir.as_deref(), &stop)
        .map_err(|e| prefix_field(e, "config."))?;

    let mut unique: Vec<Wanted> = Vec::new();
    for w in wanted {
        if !unique.iter().any(|u| u.file == w.file) {
            unique.push(w);
        }
    }
    let reports = run(&unique, |w| one(&conn.client, &req.dest_dir, w));
    // A cancelled (or expired) call is reported as such, not file by file.
    stop.check("downloading the fetch entries")?;
    let count = |s: &str| reports.iter().filter(|r| r.status == s).count();
    Ok(FetchReport {
        dest_dir: req.dest_dir.display().to_string(),
        downloaded: count("downloaded"),
        present: count("present"),
        failed: count("failed"),
        files: reports,
    })
}

/// The report as JSON, or the error envelope's JSON.
pub fn fetch_wheels_json(request_json: &str, cancel: Option<&CancelToken>) -> String {
    match fetch_wheels(request_json, cancel) {
        Ok(report) => serde_json::to_string(&report).unwrap_or_else(|e| {
            ResolverError::Internal(e.to_string())
                .to_envelope()
                .to_string()
        }),
        Err(e) => e.to_envelope().to_string(),
    }
}

fn prefix_field(e: ResolverError, prefix: &str) -> ResolverError {
    match e {
        ResolverError::InvalidConfig { field, message } => ResolverError::InvalidConfig {
            field: format!("{prefix}{field}"),
            message,
        },
        other => other,
    }
}

/// Runs `work` over `items`, [`CONCURRENCY`] at a time on the process-wide
/// pool; results in item order.
fn run<T: Sync, R: Send>(items: &[T], work: impl Fn(&T) -> R + Sync) -> Vec<R> {
    crate::pool::map_with(items.len(), CONCURRENCY, || (), |_, i| work(&items[i]))
}

/// A safe file name to write in `dest_dir`.
fn check_file_name(file: &str) -> std::result::Result<(), String> {
    let ok = !file.is_empty()
        && file.len() <= 255
        && !file.starts_with('.')
        && !file.contains(['/', '\\', '\0'])
        && file.to_ascii_lowercase().ends_with(".whl");
    if ok {
        Ok(())
    } else {
        Err(format!(
            "`{file}` is not a wheel file name that can be written in dest_dir"
        ))
    }
}

fn one(client: &Client, dest_dir: &Path, w: &Wanted) -> FileReport {
    let path = dest_dir.join(&w.file);
    let mut report = FileReport {
        name: w.name.clone(),
        version: w.version.clone(),
        file: w.file.clone(),
        path: path.display().to_string(),
        status: "failed",
        bytes: 0,
        sha256: None,
        verified: false,
        error: None,
    };
    match download(client, dest_dir, &path, w) {
        Ok((status, bytes, sha256, verified)) => {
            report.status = status;
            report.bytes = bytes;
            report.sha256 = Some(sha256);
            report.verified = verified;
        }
        Err(e) => {
            report.error = Some(FileError {
                code: e.code(),
                message: redact_url(&e.to_string()),
            })
        }
    }
    report
}

type Outcome = (&'static str, u64, String, bool);

fn download(client: &Client, dest_dir: &Path, path: &Path, w: &Wanted) -> Result<Outcome> {
    check_file_name(&w.file).map_err(|m| ResolverError::config("fetch.file", m))?;
    let expected = match &w.sha256 {
        Some(h) if h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()) => {
            Some(h.to_ascii_lowercase())
        }
        Some(h) => {
            return Err(ResolverError::config(
                "fetch.sha256",
                format!("`{h}` is not a sha256 (64 hex digits)"),
            ))
        }
        None => None,
    };
    let url = Url::parse(&w.url).map_err(|e| {
        ResolverError::config(
            "fetch.url",
            format!("`{}` is not a valid URL: {e}", redact_url(&w.url)),
        )
    })?;
    if let Some(want) = &expected {
        if let Ok((bytes, have)) = hash_file(path) {
            if &have == want {
                return Ok(("present", bytes, have, true));
            }
        }
    }
    let io = |e: std::io::Error| ResolverError::io(dest_dir, &e);
    let mut tmp = tempfile::Builder::new()
        .prefix(&format!(".{}.", w.file))
        .suffix(".part")
        .tempfile_in(dest_dir)
        .map_err(io)?;
    let found = client.get_into(
        &url,
        &[("Accept-Encoding", "identity")],
        FILE_CAP,
        tmp.as_file_mut(),
    )?;
    if found.is_none() {
        return Err(ResolverError::IndexError {
            url: redact_url(url.as_str()),
            message: "HTTP 404: the index lists this file but does not have it".into(),
        });
    }
    tmp.as_file().sync_all().map_err(io)?;
    let (bytes, have) = hash_file(tmp.path()).map_err(io)?;
    if let Some(want) = &expected {
        if &have != want {
            return Err(ResolverError::IndexError {
                url: redact_url(url.as_str()),
                message: format!(
                    "sha256 mismatch: the index lists {want}, the file downloaded has {have}; not kept"
                ),
            });
        }
    }
    tmp.persist(path)
        .map_err(|e| ResolverError::io(path, &e.error))?;
    Ok(("downloaded", bytes, have, expected.is_some()))
}

/// Size and sha256 (lower-case hex) of a file.
fn hash_file(path: &Path) -> std::io::Result<(u64, String)> {
    let mut f = File::open(path)?;
    let mut ctx = ring::digest::Context::new(&ring::digest::SHA256);
    let mut buf = vec![0u8; 256 * 1024];
    let mut total = 0u64;
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        total += n as u64;
        ctx.update(&buf[..n]);
    }
    Ok((total, crate::index::cache::hex(ctx.finish().as_ref())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_stay_in_dest_dir() {
        assert!(check_file_name("a-1.0-py3-none-any.whl").is_ok());
        for bad in [
            "",
            "../a-1.0-py3-none-any.whl",
            "x/a.whl",
            ".hidden.whl",
            "a.tar.gz",
            "a\\b.whl",
        ] {
            assert!(check_file_name(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn results_keep_item_order() {
        let items: Vec<u32> = (0..40).collect();
        let out = run(&items, |i| {
            std::thread::sleep(std::time::Duration::from_millis(u64::from(40 - i) % 7));
            i * 2
        });
        assert_eq!(out, items.iter().map(|i| i * 2).collect::<Vec<_>>());
    }
}
