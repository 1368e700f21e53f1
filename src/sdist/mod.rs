//! Reading an sdist's build system (contract §4.9) without
//! unpacking it: `<top>/pyproject.toml` out of a `.tar.gz` ([`tar_gz`],
//! streamed, decompressed only until that member) or a `.zip` ([`zip`],
//! through its central directory), then its `[build-system]` table
//! ([`build_system`]).
//!
//! Every limit of 4.9 is a constant here, and hitting one is its own
//! [`SdistError`] variant whose message names it. An sdist without a
//! top-level `pyproject.toml` is not an error: it builds with the PEP 517 /
//! PEP 518 defaults ([`BuildSystem::pep517_default`]). Markers of the
//! `requires` strings are not evaluated here: the caller filters them for
//! its target.
//!
//! The index reads an sdist through this (`index::sdist_reader`); the
//! build graph (`planner::build_graph`) turns an error into a warning
//! naming the job and `build_requires: null`.

pub mod build_system;
mod meter;
pub mod tar_gz;
pub mod zip;

use std::io::{Read, Seek};

pub use build_system::BuildSystem;

/// The most compressed bytes read from one sdist (besides never more than
/// its size).
pub const MAX_COMPRESSED_BYTES: u64 = 256 * 1024 * 1024;
/// The most bytes decompressed from a `.tar.gz` while looking for
/// `pyproject.toml` (tar headers included).
pub const MAX_DECOMPRESSED_BYTES: u64 = 512 * 1024 * 1024;
/// The most archive members scanned (tar headers, long-name and pax headers
/// included) or listed in a zip's central directory.
pub const MAX_MEMBERS: u64 = 100_000;
/// The largest `pyproject.toml` read.
pub const MAX_PYPROJECT_BYTES: u64 = 1024 * 1024;
/// The largest GNU long-name or pax extended header of a tar member (such
/// headers are held in memory while the member they describe is read).
pub const MAX_TAR_EXTENSION_BYTES: u64 = 64 * 1024;
/// The most bytes a `.zip` sdist's central directory may take (the same
/// as a wheel's).
pub const MAX_ZIP_DIRECTORY_BYTES: u64 = 32 * 1024 * 1024;

/// Why an sdist's build system could not be read. The caller keeps the job
/// buildable with nothing known of its build environment, and warns with
/// this message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SdistError {
    /// Not a `.tar.gz` nor a `.zip` (by its file name).
    #[error("{0} is neither a .tar.gz nor a .zip sdist")]
    UnsupportedFormat(String),
    /// The archive is not valid, or is cut short.
    #[error("not a readable {format} archive: {detail}")]
    Archive {
        /// `tar.gz` or `zip`.
        format: &'static str,
        /// What the archive reader said.
        detail: String,
    },
    /// The reader gave more bytes than the sdist's size.
    #[error("the sdist gives more than its size of {size} bytes")]
    OverSize {
        /// The size the index gave.
        size: u64,
    },
    /// [`MAX_COMPRESSED_BYTES`] read.
    #[error("more than the limit of {MAX_COMPRESSED_BYTES} compressed bytes (256 MiB) read before pyproject.toml")]
    TooManyCompressedBytes,
    /// [`MAX_DECOMPRESSED_BYTES`] decompressed.
    #[error("more than the limit of {MAX_DECOMPRESSED_BYTES} bytes (512 MiB) decompressed before pyproject.toml")]
    TooManyDecompressedBytes,
    /// [`MAX_MEMBERS`] scanned or listed.
    #[error("more than the limit of {MAX_MEMBERS} archive members before pyproject.toml")]
    TooManyMembers,
    /// The zip's central directory is over [`MAX_ZIP_DIRECTORY_BYTES`].
    #[error(
        "the zip central directory takes more than the limit of {MAX_ZIP_DIRECTORY_BYTES} bytes"
    )]
    CentralDirectoryTooLarge,
    /// A tar long-name or pax header is over [`MAX_TAR_EXTENSION_BYTES`].
    #[error("a tar long-name or pax header of {size} bytes is over the limit of {MAX_TAR_EXTENSION_BYTES} bytes")]
    ExtensionTooLarge {
        /// The header's size.
        size: u64,
    },
    /// `pyproject.toml` is over [`MAX_PYPROJECT_BYTES`].
    #[error(
        "pyproject.toml of {size} bytes is over the limit of {MAX_PYPROJECT_BYTES} bytes (1 MiB)"
    )]
    PyprojectTooLarge {
        /// Its size (as the archive gives it).
        size: u64,
    },
    /// The member `<top>/pyproject.toml` is not a regular file.
    #[error("{path} is {kind}, not a regular file")]
    NotAFile {
        /// The member's path (lossily decoded).
        path: String,
        /// `a symbolic link`, `a hard link`, `a directory`, `a special file`.
        kind: &'static str,
    },
    /// `pyproject.toml` is not UTF-8.
    #[error("pyproject.toml is not valid UTF-8")]
    NotUtf8,
    /// `pyproject.toml` is not TOML (this includes nesting deeper than the
    /// `toml` crate's recursion limit).
    #[error("pyproject.toml is not valid TOML: {0}")]
    InvalidToml(String),
    /// `[build-system]` holds a value of the wrong type.
    #[error("pyproject.toml: {0}")]
    InvalidBuildSystem(String),
}

/// The archive formats of an sdist that are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SdistFormat {
    /// `.tar.gz`
    TarGz,
    /// `.zip`
    Zip,
}

impl SdistFormat {
    /// The format of the sdist file `name` (by its extension, ASCII case
    /// ignored); an error for any other format (`.tar.bz2`, `.tgz`, ...).
    pub fn of_filename(name: &str) -> Result<Self, SdistError> {
        let ends = |ext: &str| {
            name.len() > ext.len()
                && name
                    .get(name.len() - ext.len()..)
                    .is_some_and(|end| end.eq_ignore_ascii_case(ext))
        };
        if ends(".tar.gz") {
            Ok(Self::TarGz)
        } else if ends(".zip") {
            Ok(Self::Zip)
        } else {
            Err(SdistError::UnsupportedFormat(name.to_owned()))
        }
    }
}

/// The build system of the `.tar.gz` sdist that `reader` streams; `size`
/// is its size when known (the index's, or the file's), and no more bytes
/// than that (nor than [`MAX_COMPRESSED_BYTES`]) are read.
pub fn build_system_tar_gz<R: Read>(
    reader: R,
    size: Option<u64>,
) -> Result<BuildSystem, SdistError> {
    build_system_from(tar_gz::read_pyproject(reader, size)?.as_deref())
}

/// The build system of the `.zip` sdist in `reader`.
pub fn build_system_zip<R: Read + Seek>(reader: R) -> Result<BuildSystem, SdistError> {
    build_system_from(zip::read_pyproject(reader)?.as_deref())
}

/// The build system given the bytes of the sdist's `pyproject.toml`, or the
/// defaults when it has none.
pub fn build_system_from(pyproject: Option<&[u8]>) -> Result<BuildSystem, SdistError> {
    pyproject.map_or_else(
        || Ok(BuildSystem::pep517_default()),
        BuildSystem::from_pyproject,
    )
}

/// How a member's path relates to `<top>/pyproject.toml`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Member {
    /// Some other member.
    Other,
    /// `<top>/pyproject.toml`.
    Pyproject,
    /// `<top>/pyproject.toml/`: named as a directory.
    PyprojectDir,
}

/// Whether the archive path `path` is `<top>/pyproject.toml`: exactly two
/// `/`-separated components, the first a plain name (not empty, `.` or
/// `..`). Absolute paths, `./` prefixes, empty components and backslashes
/// never match.
fn member_kind(path: &[u8]) -> Member {
    let (path, dir) = match path.strip_suffix(b"/") {
        Some(p) => (p, true),
        None => (path, false),
    };
    // At the last `/`, so that `a/b/pyproject.toml` gives the top `a/b`,
    // which is then refused.
    let Some(at) = path.iter().rposition(|&b| b == b'/') else {
        return Member::Other;
    };
    let (top, name) = (&path[..at], &path[at + 1..]);
    let plain = !top.is_empty()
        && top != b"."
        && top != b".."
        && !top.contains(&b'/')
        && !top.contains(&b'\\');
    match (plain && name == b"pyproject.toml", dir) {
        (false, _) => Member::Other,
        (true, false) => Member::Pyproject,
        (true, true) => Member::PyprojectDir,
    }
}

/// A path for a message.
fn shown(path: &[u8]) -> String {
    String::from_utf8_lossy(path).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_top_level_pyproject_matches() {
        assert_eq!(member_kind(b"pkg-1.0/pyproject.toml"), Member::Pyproject);
        assert_eq!(
            member_kind(b"pkg-1.0/pyproject.toml/"),
            Member::PyprojectDir
        );
        for other in [
            &b"pyproject.toml"[..],
            b"../pyproject.toml",
            b"./pyproject.toml",
            b"./pkg/pyproject.toml",
            b"/pkg/pyproject.toml",
            b"/pyproject.toml",
            b"pkg//pyproject.toml",
            b"pkg/sub/pyproject.toml",
            b"pkg\\pyproject.toml",
            b"a\\b/pyproject.toml",
            b"pkg/pyproject.toml.orig",
            b"pkg/Pyproject.toml",
            b"/pyproject.toml/",
            b"",
        ] {
            assert_eq!(member_kind(other), Member::Other, "{}", shown(other));
        }
    }

    #[test]
    fn formats_by_file_name() {
        assert_eq!(
            SdistFormat::of_filename("numpy-2.4.6.tar.gz"),
            Ok(SdistFormat::TarGz)
        );
        assert_eq!(SdistFormat::of_filename("x-1.0.ZIP"), Ok(SdistFormat::Zip));
        for other in ["x-1.0.tar.bz2", "x-1.0.tgz", ".zip", "x-1.0.tar"] {
            assert!(matches!(
                SdistFormat::of_filename(other),
                Err(SdistError::UnsupportedFormat(_))
            ));
        }
    }
}
