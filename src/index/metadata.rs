//! The core metadata of one release on an index: PEP 658/714 `.metadata`
//! when offered, else the wheel's own METADATA read by HTTP range requests
//! (or a capped full download when the server ignores ranges).

use pep508_rs::PackageName;
use url::Url;

use super::cached_client::CachedClient;
use super::files::{FileRef, Files};
use super::package_index::ReleaseMetadata;
use super::range_reader::RemoteFile;
use super::security::shown;
use crate::error::{index_error, Result};
use crate::tags::SupportedTags;
use crate::wheel::{parse_metadata, read_metadata, WheelMetadata, METADATA_CAP};

impl From<WheelMetadata> for ReleaseMetadata {
    fn from(m: WheelMetadata) -> Self {
        Self {
            requires_dist: m.requires_dist,
            requires_python: m.requires_python,
        }
    }
}

/// The most bytes transferred to read one wheel's METADATA.
pub const WHEEL_CAP: u64 = 64 * 1024 * 1024;

/// The core metadata of a release from its `files` (none: the index does
/// not list the version); `None` (and a note in `warnings` saying why) when
/// no file can tell.
pub fn release_metadata(
    client: &CachedClient,
    name: &PackageName,
    version: &pep440_rs::Version,
    files: Option<Files<'_>>,
    tags: &SupportedTags,
    warnings: &mut Vec<String>,
) -> Result<Option<ReleaseMetadata>> {
    // Only the chosen file is made owned: a version may list 100,000s.
    let Some(file) = files
        .and_then(|f| choose_wheel(f, tags))
        .map(FileRef::to_index_file)
    else {
        warnings.push(format!(
            "{name} {version}: the index has no wheel of it, so its requirements are unknown and were not expanded"
        ));
        return Ok(None);
    };
    if file.has_metadata {
        let url = metadata_url(&file.url);
        if let Some(resp) = client.get(&url, &[], METADATA_CAP)? {
            let text = std::str::from_utf8(&resp.body)
                .map_err(|_| index_error(&url, "the core metadata is not UTF-8"))?;
            let meta = parse_metadata(text)
                .map_err(|e| index_error(&url, &format!("invalid core metadata: {e}")))?;
            // Metadata of another release is never trusted: the wheel's own
            // METADATA is read instead (and checked likewise).
            match meta.check_release(name, version) {
                Ok(()) => return Ok(Some(meta.into())),
                Err(whose) => warnings.push(format!(
                    "{name} {version}: the index's metadata {} is that of {whose}, not of this release; not trusted",
                    shown(&url)
                )),
            }
        }
    }
    let url = &file.url;
    let Some(mut remote) = RemoteFile::open(client, url, WHEEL_CAP)? else {
        return Err(index_error(
            url,
            "the index lists this wheel but answers 404 for it",
        ));
    };
    match read_metadata(&mut remote, name) {
        Ok(Some(meta)) => match meta.check_release(name, version) {
            Ok(()) => Ok(Some(meta.into())),
            Err(whose) => {
                warnings.push(format!(
                    "{name} {version}: the METADATA in {} is that of {whose}, not of this release; not trusted, planned with no requirements",
                    shown(url)
                ));
                Ok(Some(ReleaseMetadata::default()))
            }
        },
        Ok(None) => {
            warnings.push(format!(
                "{name} {version}: {} has no *.dist-info/METADATA; planned with no requirements",
                shown(url)
            ));
            Ok(Some(ReleaseMetadata::default()))
        }
        Err(e) => Err(remote.take_error().unwrap_or_else(|| {
            index_error(url, &format!("cannot read the wheel's METADATA: {e}"))
        })),
    }
}

/// PEP 658: the metadata file is the file's URL with `.metadata` appended.
pub fn metadata_url(file_url: &Url) -> Url {
    let mut url = file_url.clone();
    let path = format!("{}.metadata", url.path());
    url.set_path(&path);
    url
}

/// The wheel whose metadata stands for the release: the most preferred
/// target-compatible one, else any (non-yanked first, then by file name).
fn choose_wheel<'p>(files: Files<'p>, tags: &SupportedTags) -> Option<FileRef<'p>> {
    files
        .iter()
        .filter_map(|f| {
            let w = f.wheel()?;
            let priority = tags
                .check(w.python_tags(), w.abi_tags(), w.platform_tags())
                .unwrap_or(usize::MAX);
            Some(((priority, f.yanked(), f.filename()), f))
        })
        .min_by(|a, b| a.0.cmp(&b.0))
        .map(|(_, f)| f)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::files::Project;
    use crate::index::simple_api::IndexFile;
    use crate::tags::{PythonVersion, TargetPlatform};

    fn pf(name: &str, yanked: bool) -> IndexFile {
        IndexFile {
            filename: name.into(),
            url: Url::parse(&format!("https://x/p/{name}#sha256=00")).unwrap(),
            yanked,
            has_metadata: false,
            requires_python: None,
            sha256: None,
        }
    }

    /// The file name `choose_wheel` takes from `files` (all of `a` 1.0).
    fn chosen(files: &[IndexFile], tags: &SupportedTags) -> Option<String> {
        let project = Project::from_files(&"a".parse().unwrap(), files.to_vec(), &mut Vec::new());
        let files = project.files(&"1.0".parse().unwrap())?;
        choose_wheel(files, tags).map(|f| f.filename().to_owned())
    }

    #[test]
    fn prefers_compatible_then_any_wheel() {
        let tags = SupportedTags::for_target(
            "3.11".parse::<PythonVersion>().unwrap(),
            &"manylinux2014_s390x".parse::<TargetPlatform>().unwrap(),
        );
        let files = [
            pf("a-1.0.tar.gz", false),
            pf("a-1.0-cp311-cp311-manylinux2014_x86_64.whl", false),
            pf("a-1.0-py3-none-any.whl", true),
            pf("a-1.0-cp311-cp311-manylinux2014_s390x.whl", false),
        ];
        assert_eq!(
            chosen(&files, &tags).as_deref(),
            Some("a-1.0-cp311-cp311-manylinux2014_s390x.whl")
        );
        assert_eq!(
            chosen(&files[..2], &tags).as_deref(),
            Some("a-1.0-cp311-cp311-manylinux2014_x86_64.whl")
        );
        assert_eq!(chosen(&files[..1], &tags), None);
    }

    #[test]
    fn metadata_url_appends() {
        let u = Url::parse("https://x/p/a-1.0-py3-none-any.whl?x=1").unwrap();
        assert_eq!(
            metadata_url(&u).as_str(),
            "https://x/p/a-1.0-py3-none-any.whl.metadata?x=1"
        );
    }
}
