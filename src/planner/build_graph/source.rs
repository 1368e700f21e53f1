//! Contract-3 4.8 and 4.9: the sdist a build is made from, and the build
//! requirements its `pyproject.toml` declares for the target.

use pep508_rs::Requirement;

use crate::error::Result;
use crate::index::{PackageIndex, SdistFile};
use crate::plan::Source;
use crate::planner::job::Job;
use crate::target::Target;

/// The source of `job`: its override's `source_url`, else the sdist of its
/// `name==version` on the indexes; `None` when it has none (or no concrete
/// version).
pub(super) fn find(index: &dyn PackageIndex, job: &Job<'_>) -> Result<Option<SdistFile>> {
    if let Some(url) = job.override_.as_ref().and_then(|o| o.source_url.as_ref()) {
        let sha256 = job.override_.as_ref().and_then(|o| o.source_sha256.clone());
        return Ok(Some(override_source(url, sha256)));
    }
    match &job.version {
        Some(version) => index.sdist(&job.name, version),
        None => Ok(None),
    }
}

/// An override's source: its URL without credentials, the file name its
/// last path segment.
fn override_source(url: &str, sha256: Option<String>) -> SdistFile {
    let (url, file) = match url::Url::parse(url) {
        Ok(mut parsed) => {
            let _ = parsed.set_username("");
            let _ = parsed.set_password(None);
            let file = parsed
                .path_segments()
                .and_then(|mut s| s.next_back())
                .map(|s| {
                    percent_encoding::percent_decode_str(s)
                        .decode_utf8_lossy()
                        .into_owned()
                })
                .unwrap_or_default();
            (parsed.to_string(), file)
        }
        Err(_) => (url.to_owned(), String::new()),
    };
    SdistFile {
        file,
        url,
        sha256: sha256.map(|s| s.to_ascii_lowercase()),
        index: None,
    }
}

/// The plan's record of a source.
pub(super) fn to_plan(sdist: &SdistFile) -> Source {
    Source {
        file: sdist.file.clone(),
        url: sdist.url.clone(),
        sha256: sdist.sha256.clone(),
        index: sdist.index.clone(),
    }
}

/// The build requirements whose markers hold for the target (no extras),
/// as written and parsed; one that is not PEP 508 is named in `invalid`.
pub(super) fn applying(
    target: &Target,
    requires: &[String],
    invalid: &mut Vec<String>,
) -> Vec<(String, Requirement)> {
    let mut out = Vec::new();
    for text in requires {
        match text.parse::<Requirement>() {
            Ok(req) => {
                if req.marker.evaluate(&target.markers, &[]) {
                    out.push((text.clone(), req));
                }
            }
            Err(_) => invalid.push(text.clone()),
        }
    }
    out
}
