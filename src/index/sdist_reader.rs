//! An sdist's build system read from an index (contract §4.9), never
//! unpacked to disk: a `.tar.gz` is streamed and decompressed only until
//! `<top>/pyproject.toml` (at most [`MAX_COMPRESSED_BYTES`]), the
//! connection then dropped; a `.zip` is read through its central directory
//! with range requests where the server honours them (from one that does
//! not, the whole file, capped, in memory). What was read (or why it could not be) is kept as a small JSON
//! file per sdist under the index cache, named by the sdist's sha256 (else
//! its URL's), so a warm plan reads no sdist again.

use std::path::Path;

use serde::{Deserialize, Serialize};
use url::Url;

use super::cached_client::CachedClient;
use super::package_index::{BuildSystemRead, SdistFile};
use super::range_reader::RemoteFile;
use crate::error::{ResolverError, Result};
use crate::sdist::{self, BuildSystem, SdistFormat, MAX_COMPRESSED_BYTES};

/// One cached read: the build system, or why it is unknown.
#[derive(Debug, Serialize, Deserialize)]
struct Stored {
    backend: Option<String>,
    requires: Option<Vec<String>>,
    error: Option<String>,
}

/// Reads the build system of `sdist` through `client`, from `cache` (a
/// directory) when it holds it, storing what was read there.
pub fn build_system(
    client: &CachedClient,
    cache: Option<&Path>,
    sdist: &SdistFile,
) -> Result<BuildSystemRead> {
    let path = cache.map(|dir| dir.join(format!("{}.json", cache_key(sdist))));
    if let Some(read) = path.as_deref().and_then(load) {
        return Ok(read);
    }
    let read = match read_remote(client, sdist) {
        Ok(read) => read,
        Err(e @ (ResolverError::Timeout(_) | ResolverError::Cancelled(_))) => return Err(e),
        // A network failure is not kept: the next plan tries again.
        Err(e) => return Ok(Err(e.to_string())),
    };
    if let Some(path) = &path {
        store(path, &read);
    }
    Ok(read)
}

/// The cache file's stem: the sdist's sha256, else the sha256 of its URL.
fn cache_key(sdist: &SdistFile) -> String {
    match &sdist.sha256 {
        Some(sha) => format!("sha256-{}", sha.to_ascii_lowercase()),
        None => {
            let digest = ring::digest::digest(&ring::digest::SHA256, sdist.url.as_bytes());
            format!("url-{}", super::cache::hex(digest.as_ref()))
        }
    }
}

fn load(path: &Path) -> Option<BuildSystemRead> {
    let bytes = std::fs::read(path).ok()?;
    let stored: Stored = serde_json::from_slice(&bytes).ok()?;
    match (stored.backend, stored.requires, stored.error) {
        (Some(backend), Some(requires), None) => Some(Ok(BuildSystem { backend, requires })),
        (None, None, Some(error)) => Some(Err(error)),
        _ => None,
    }
}

/// Stores `read` atomically (as a plan is written); a cache that cannot be
/// written is only a cache.
fn store(path: &Path, read: &BuildSystemRead) {
    let stored = match read {
        Ok(bs) => Stored {
            backend: Some(bs.backend.clone()),
            requires: Some(bs.requires.clone()),
            error: None,
        },
        Err(e) => Stored {
            backend: None,
            requires: None,
            error: Some(e.clone()),
        },
    };
    let Some(dir) = path.parent() else { return };
    let Ok(bytes) = serde_json::to_vec(&stored) else {
        return;
    };
    if std::fs::create_dir_all(dir).is_ok() {
        let _ = crate::output::write_atomic(path, &bytes);
    }
}

/// Reads the sdist from the network: a request error is an `Err`, an
/// archive that cannot be read an inner `Err`.
fn read_remote(client: &CachedClient, sdist: &SdistFile) -> Result<BuildSystemRead> {
    let format = match SdistFormat::of_filename(&sdist.file) {
        Ok(format) => format,
        Err(e) => return Ok(Err(e.to_string())),
    };
    let url = Url::parse(&sdist.url)
        .map_err(|e| ResolverError::Internal(format!("an sdist URL that is not one: {e}")))?;
    match format {
        SdistFormat::TarGz => read_tar_gz(client, &url),
        SdistFormat::Zip => {
            let Some(mut remote) = RemoteFile::open(client, &url, MAX_COMPRESSED_BYTES)? else {
                return Ok(Err(not_found()));
            };
            let read = sdist::build_system_zip(&mut remote);
            if let Some(e) = remote.take_error() {
                return Err(e);
            }
            Ok(read.map_err(|e| e.to_string()))
        }
    }
}

/// Streams a `.tar.gz` from the index, decompressing it only until its
/// `pyproject.toml`: the rest is never downloaded.
fn read_tar_gz(client: &CachedClient, url: &Url) -> Result<BuildSystemRead> {
    let headers = [("Accept-Encoding", "identity")];
    let read = client
        .uncached()
        .read_with(url, &headers, MAX_COMPRESSED_BYTES, |body| {
            sdist::build_system_tar_gz(body, None)
        });
    match read {
        Ok(Some(read)) => Ok(read.map_err(|e| e.to_string())),
        Ok(None) => Ok(Err(not_found())),
        Err(ResolverError::IndexError { message, .. }) if message.contains("cap") => {
            Ok(Err(sdist::SdistError::TooManyCompressedBytes.to_string()))
        }
        Err(e) => Err(e),
    }
}

fn not_found() -> String {
    "HTTP 404: the index lists this sdist but does not have it".to_owned()
}
