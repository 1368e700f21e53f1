//! A wheel as a zip archive: the caps on what is read from it, the errors
//! of reading its METADATA, which entry is the METADATA, and the general
//! reader (the zip crate), which takes any archive the fast path of
//! [`super::tail`] leaves to it. Nothing here parses METADATA's text.

use pep508_rs::PackageName;
use std::io::{Read, Seek};

use super::records::{EndOfCentralDirectory, Zip64End, Zip64Locator};
use crate::requirement::RequirementError;

/// The most METADATA bytes read from one wheel (also the zip-bomb guard).
pub const METADATA_CAP: u64 = 1024 * 1024;
/// The most entries a wheel's zip central directory may list (the largest
/// wheels on PyPI list some tens of thousands); more is a bad archive.
pub const MAX_ZIP_ENTRIES: u64 = 200_000;
/// The most bytes a wheel's zip central directory may take.
pub const MAX_CENTRAL_DIRECTORY: u64 = 32 * 1024 * 1024;

/// Why METADATA could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MetadataError {
    /// The archive is not a readable zip.
    Archive(String),
    /// The METADATA entry is larger than the cap.
    TooLarge(u64),
    /// METADATA is not UTF-8.
    Encoding,
    /// A Requires-Dist line is not PEP 508.
    Requirement(RequirementError),
}

impl From<RequirementError> for MetadataError {
    fn from(e: RequirementError) -> Self {
        Self::Requirement(e)
    }
}

impl std::fmt::Display for MetadataError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Archive(e) => write!(f, "not a readable zip archive: {e}"),
            Self::TooLarge(n) => write!(
                f,
                "METADATA is larger than the {METADATA_CAP}-byte cap ({n} bytes)"
            ),
            Self::Encoding => write!(f, "METADATA is not valid UTF-8"),
            Self::Requirement(e) => e.fmt(f),
        }
    }
}

/// A central directory of `n` entries, more than [`MAX_ZIP_ENTRIES`].
pub(crate) fn too_many_entries(n: u64) -> MetadataError {
    MetadataError::Archive(format!(
        "the zip central directory lists {n} entries, more than the cap of {MAX_ZIP_ENTRIES}"
    ))
}

/// Refuses a central directory said to list more than [`MAX_ZIP_ENTRIES`]
/// entries or to take more than [`MAX_CENTRAL_DIRECTORY`] bytes (the
/// entries are checked first).
pub(crate) fn check_directory_caps(entries: u64, size: u64) -> Result<(), MetadataError> {
    if entries > MAX_ZIP_ENTRIES {
        return Err(too_many_entries(entries));
    }
    if size > MAX_CENTRAL_DIRECTORY {
        return Err(MetadataError::Archive(format!(
            "the zip central directory takes {size} bytes, more than the cap of {MAX_CENTRAL_DIRECTORY}"
        )));
    }
    Ok(())
}

/// The METADATA entry of `project`'s wheel among the archive's entry
/// `names`: a top-level `*.dist-info/METADATA`; when there are several, the
/// first by name of those whose dist-info names `project` (of all of them
/// when none does). Allocates nothing unless there are several.
pub(crate) fn find_metadata_entry<'n>(
    names: impl Iterator<Item = &'n str> + Clone,
    project: &PackageName,
) -> Option<&'n str> {
    fn top_level_metadata(name: &str) -> bool {
        name.strip_suffix(".dist-info/METADATA")
            .is_some_and(|dir| !dir.is_empty() && !dir.contains('/'))
    }
    let candidates = names.filter(|n| top_level_metadata(n));
    let mut first_two = candidates.clone();
    let only = first_two.next()?;
    if first_two.next().is_none() {
        return Some(only);
    }
    // Prefer the dist-info of this very project.
    let ours = |n: &&str| {
        n.split_once('-')
            .and_then(|(name, _)| name.parse::<PackageName>().ok())
            .is_some_and(|name| &name == project)
    };
    candidates
        .clone()
        .filter(ours)
        .min()
        .or_else(|| candidates.min())
}

/// The METADATA bytes of `project`'s wheel in `reader`, read with the zip
/// crate (the general path), under the same caps as the fast path.
/// `Ok(None)`: the archive is fine but has no `*.dist-info/METADATA`.
pub(crate) fn read_with_zip<R: Read + Seek>(
    reader: R,
    project: &PackageName,
) -> Result<Option<Vec<u8>>, MetadataError> {
    let mut reader = reader;
    check_central_directory(&mut reader)?;
    // What the zip reader may read while opening the archive: the central
    // directory and the records around it (a backstop should the end
    // records it finds differ from the ones checked above).
    let budget = std::rc::Rc::new(std::cell::Cell::new(MAX_CENTRAL_DIRECTORY + 1024 * 1024));
    let reader = Budgeted {
        inner: reader,
        left: budget.clone(),
    };
    let mut archive =
        zip::ZipArchive::new(reader).map_err(|e| MetadataError::Archive(e.to_string()))?;
    budget.set(u64::MAX); // the METADATA entry is capped on its own
    if archive.len() as u64 > MAX_ZIP_ENTRIES {
        return Err(too_many_entries(archive.len() as u64));
    }
    // Entry names that are not valid text cannot be a METADATA path; skip them.
    let names: Vec<_> = archive.file_names().filter_map(|n| n.ok()).collect();
    let chosen = find_metadata_entry(names.iter().map(|n| n.as_ref()), project);
    let Some(entry_name) = chosen.map(str::to_owned) else {
        return Ok(None);
    };
    let entry = archive
        .by_name(&entry_name)
        .map_err(|e| MetadataError::Archive(format!("{entry_name}: {e}")))?;
    if entry.size() > METADATA_CAP {
        return Err(MetadataError::TooLarge(entry.size()));
    }
    let mut bytes = Vec::with_capacity(entry.size() as usize);
    // The declared size may lie: never inflate more than the cap.
    entry
        .take(METADATA_CAP + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| MetadataError::Archive(format!("{entry_name}: {e}")))?;
    if bytes.len() as u64 > METADATA_CAP {
        return Err(MetadataError::TooLarge(bytes.len() as u64));
    }
    // The archive (central directory, buffers) is freed on return, before
    // the caller allocates the requirements that outlive the call.
    Ok(Some(bytes))
}

/// A reader that fails once it has read its budget.
struct Budgeted<R> {
    inner: R,
    left: std::rc::Rc<std::cell::Cell<u64>>,
}

impl<R: Read> Read for Budgeted<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let left = self.left.get();
        if left == 0 {
            return Err(std::io::Error::other(format!(
                "the zip central directory is larger than the cap of {MAX_CENTRAL_DIRECTORY} bytes"
            )));
        }
        let want = buf.len().min(usize::try_from(left).unwrap_or(usize::MAX));
        let n = self.inner.read(&mut buf[..want])?;
        self.left.set(left - n as u64);
        Ok(n)
    }
}

impl<R: Seek> Seek for Budgeted<R> {
    fn seek(&mut self, pos: std::io::SeekFrom) -> std::io::Result<u64> {
        self.inner.seek(pos)
    }
}

fn io_error(e: std::io::Error) -> MetadataError {
    MetadataError::Archive(e.to_string())
}

/// Reads the zip's end records (end of central directory, and the zip64
/// ones when present) and refuses a central directory of more than
/// [`MAX_ZIP_ENTRIES`] entries or [`MAX_CENTRAL_DIRECTORY`] bytes before
/// anything parses it. Records that cannot be found are left to the zip
/// reader to report.
fn check_central_directory<R: Read + Seek>(r: &mut R) -> Result<(), MetadataError> {
    use std::io::SeekFrom;
    let len = r.seek(SeekFrom::End(0)).map_err(io_error)?;
    // The last 64 KiB (what a remote read fetches first): the EOCD and the
    // zip64 locator, unless a comment of almost 64 KiB pushes them out (the
    // read budget above still bounds such an archive).
    let tail_len = len.min(64 * 1024);
    r.seek(SeekFrom::Start(len - tail_len)).map_err(io_error)?;
    let mut tail = vec![0u8; tail_len as usize];
    r.read_exact(&mut tail).map_err(io_error)?;
    // Every end-of-central-directory candidate in the tail, from the end.
    let candidates = (0..tail.len().saturating_sub(EndOfCentralDirectory::LEN - 1))
        .rev()
        .filter_map(|at| Some((at, EndOfCentralDirectory::parse(&tail[at..])?)));
    for (at, end) in candidates {
        // 0xFFFF and 0xFFFFFFFF mean "in the zip64 record".
        check_directory_caps(
            if end.entries == 0xFFFF {
                0
            } else {
                end.entries
            },
            if end.directory_size == 0xFFFF_FFFF {
                0
            } else {
                end.directory_size
            },
        )?;
        // A zip64 locator right before it points at the zip64 record.
        if Zip64Locator::precedes(&tail, at) {
            if let Some(locator) = Zip64Locator::parse(&tail[at - Zip64Locator::LEN..]) {
                check_zip64_end(r, locator.end_offset, len)?;
            }
        }
    }
    r.seek(SeekFrom::Start(0)).map_err(io_error)?;
    Ok(())
}

/// Checks the caps against the zip64 end record at `offset` of the
/// archive of `len` bytes, when one lies there.
fn check_zip64_end<R: Read + Seek>(r: &mut R, offset: u64, len: u64) -> Result<(), MetadataError> {
    let fits = offset
        .checked_add(Zip64End::LEN as u64)
        .is_some_and(|end| end <= len);
    if !fits {
        return Ok(());
    }
    r.seek(std::io::SeekFrom::Start(offset)).map_err(io_error)?;
    let mut record = [0u8; Zip64End::LEN];
    r.read_exact(&mut record).map_err(io_error)?;
    match Zip64End::parse(&record) {
        Some(end) => check_directory_caps(end.entries, end.directory_size),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// The entry chosen is the first by name of the top-level
        /// `*.dist-info/METADATA` candidates, among this project's when
        /// there are several and some are this project's.
        #[test]
        fn metadata_entry_is_the_first_preferred_candidate(
            names in proptest::collection::vec(
                "(App|app|a_pp|other|x/app)(-1\\.0)?(\\.dist-info)?/(METADATA|RECORD)",
                0..6,
            )
        ) {
            let project: PackageName = "app".parse().unwrap();
            let top = |n: &&String| {
                n.strip_suffix(".dist-info/METADATA")
                    .is_some_and(|dir| !dir.is_empty() && !dir.contains('/'))
            };
            let mut candidates: Vec<&String> = names.iter().filter(top).collect();
            if candidates.len() > 1 {
                let ours: Vec<&String> = candidates
                    .iter()
                    .copied()
                    .filter(|n| {
                        n.split_once('-')
                            .and_then(|(name, _)| name.parse::<PackageName>().ok())
                            .is_some_and(|name| name == project)
                    })
                    .collect();
                if !ours.is_empty() {
                    candidates = ours;
                }
            }
            candidates.sort();
            let expected = candidates.first().map(|n| n.as_str());
            let chosen = find_metadata_entry(names.iter().map(String::as_str), &project);
            proptest::prop_assert_eq!(chosen, expected);
        }
    }

    #[test]
    fn end_records_claiming_a_huge_directory_are_refused() {
        use std::io::Cursor;
        let p: PackageName = "app".parse().unwrap();
        let eocd = |entries: u16, size: u32| {
            let mut b = b"PK\x05\x06".to_vec();
            b.extend([0u8; 4]);
            b.extend(entries.to_le_bytes());
            b.extend(entries.to_le_bytes());
            b.extend(size.to_le_bytes());
            b.extend([0u8; 6]);
            b
        };
        // Plain EOCD (at most 65,535 entries): too many bytes.
        let mut big = vec![0u8; 100];
        big.extend(eocd(3, u32::MAX - 1));
        let err = read_with_zip(Cursor::new(big), &p).unwrap_err();
        assert!(err.to_string().contains("bytes"), "{err}");
        // zip64: the record the locator points at claims 1.2 M entries.
        let mut z = b"PK\x06\x06".to_vec();
        z.extend([0u8; 28]);
        z.extend(1_200_000u64.to_le_bytes());
        z.extend(1_200_000u64.to_le_bytes());
        z.extend(0u64.to_le_bytes());
        let mut file = z;
        file.extend(b"PK\x06\x07");
        file.extend([0u8; 4]);
        file.extend(0u64.to_le_bytes());
        file.extend(1u32.to_le_bytes());
        file.extend(eocd(u16::MAX, u32::MAX));
        let err = read_with_zip(Cursor::new(file), &p).unwrap_err();
        assert!(err.to_string().contains("1200000 entries"), "{err}");
    }

    #[test]
    fn directory_caps_name_the_entries_first_then_the_bytes() {
        assert_eq!(
            check_directory_caps(MAX_ZIP_ENTRIES, MAX_CENTRAL_DIRECTORY),
            Ok(())
        );
        let both = check_directory_caps(MAX_ZIP_ENTRIES + 1, MAX_CENTRAL_DIRECTORY + 1);
        assert_eq!(both, Err(too_many_entries(MAX_ZIP_ENTRIES + 1)));
        let bytes = check_directory_caps(0, MAX_CENTRAL_DIRECTORY + 1).unwrap_err();
        assert_eq!(
            bytes.to_string(),
            "not a readable zip archive: the zip central directory takes 33554433 bytes, more than the cap of 33554432"
        );
    }

    #[test]
    fn picks_own_dist_info() {
        let names = [
            "x/METADATA",
            "other-1.0.dist-info/METADATA",
            "app-1.0.dist-info/METADATA",
            "a/b.dist-info/METADATA",
        ];
        let p: PackageName = "app".parse().unwrap();
        assert_eq!(
            find_metadata_entry(names.into_iter(), &p),
            Some("app-1.0.dist-info/METADATA")
        );
    }
}
