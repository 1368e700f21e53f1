//! `<top>/pyproject.toml` out of a `.zip` sdist, through its central
//! directory: the end records are checked against [`MAX_MEMBERS`] and
//! [`MAX_ZIP_DIRECTORY_BYTES`] before the `zip` crate parses anything (it
//! reads as many entries as the end record claims), and every read is
//! counted against [`MAX_COMPRESSED_BYTES`].

use std::io::{Read, Seek, SeekFrom};

use super::meter::{Meter, Metered};
use super::{
    member_kind, shown, Member, SdistError, MAX_COMPRESSED_BYTES, MAX_MEMBERS, MAX_PYPROJECT_BYTES,
    MAX_ZIP_DIRECTORY_BYTES,
};

/// The end-of-central-directory record's size without its comment, and the
/// most bytes from the end where it can start (a comment is at most 64 KiB).
const EOCD_LEN: usize = 22;
const EOCD_SEARCH: u64 = 64 * 1024 + EOCD_LEN as u64;

fn archive_error(detail: impl ToString) -> SdistError {
    SdistError::Archive {
        format: "zip",
        detail: detail.to_string(),
    }
}

/// The bytes of the `<top>/pyproject.toml` of the `.zip` in `reader`
/// (the first such entry of the central directory); `Ok(None)` when it
/// has none.
pub fn read_pyproject<R: Read + Seek>(reader: R) -> Result<Option<Vec<u8>>, SdistError> {
    let mut reader = reader;
    check_end_records(&mut reader)?;
    // While the zip crate opens the archive, it may read the central
    // directory and the records around it; a backstop should the end
    // records it settles on differ from the ones checked.
    let opening = MAX_ZIP_DIRECTORY_BYTES + 1024 * 1024;
    let meter = Meter::new(opening.min(MAX_COMPRESSED_BYTES));
    let opened = zip::ZipArchive::new(Metered::new(reader, meter.clone()));
    if meter.tripped() {
        return Err(SdistError::CentralDirectoryTooLarge);
    }
    let mut archive = opened.map_err(archive_error)?;
    if archive.len() as u64 > MAX_MEMBERS {
        return Err(SdistError::TooManyMembers);
    }
    meter.set_limit(MAX_COMPRESSED_BYTES);
    let found = archive
        .file_names_raw()
        .position(|name| member_kind(name) != Member::Other);
    let Some(index) = found else {
        return Ok(None);
    };
    let read = read_entry(&mut archive, index);
    if meter.tripped() {
        return Err(SdistError::TooManyCompressedBytes);
    }
    read.map(Some)
}

/// The bytes of entry `index`, which must be a regular file within
/// [`MAX_PYPROJECT_BYTES`]; its declared size is not trusted.
fn read_entry<R: Read + Seek>(
    archive: &mut zip::ZipArchive<R>,
    index: usize,
) -> Result<Vec<u8>, SdistError> {
    let entry = archive.by_index(index).map_err(archive_error)?;
    let path = entry.name_raw();
    let not_a_file = |kind| SdistError::NotAFile {
        path: shown(path),
        kind,
    };
    if entry.is_dir() {
        return Err(not_a_file("a directory"));
    }
    if entry.is_symlink() {
        return Err(not_a_file("a symbolic link"));
    }
    if entry.size() > MAX_PYPROJECT_BYTES {
        return Err(SdistError::PyprojectTooLarge { size: entry.size() });
    }
    let mut bytes = Vec::with_capacity(usize::try_from(entry.size()).unwrap_or(0));
    entry
        .take(MAX_PYPROJECT_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(archive_error)?;
    if bytes.len() as u64 > MAX_PYPROJECT_BYTES {
        return Err(SdistError::PyprojectTooLarge {
            size: bytes.len() as u64,
        });
    }
    Ok(bytes)
}

/// A little-endian integer of up to 8 bytes.
fn le(bytes: &[u8]) -> u64 {
    bytes.iter().rev().fold(0, |n, &b| (n << 8) | u64::from(b))
}

/// Refuses a central directory that an end record (any candidate in the
/// last 64 KiB, and the zip64 record a locator before it points at) says
/// lists more than [`MAX_MEMBERS`] entries or takes more than
/// [`MAX_ZIP_DIRECTORY_BYTES`] bytes. Records that cannot be found are left
/// to the zip crate to report.
fn check_end_records<R: Read + Seek>(r: &mut R) -> Result<(), SdistError> {
    let len = r.seek(SeekFrom::End(0)).map_err(archive_error)?;
    let tail_len = len.min(EOCD_SEARCH);
    r.seek(SeekFrom::Start(len - tail_len))
        .map_err(archive_error)?;
    let mut tail = vec![0u8; usize::try_from(tail_len).unwrap_or(0)];
    r.read_exact(&mut tail).map_err(archive_error)?;
    let check = |entries: u64, size: u64| {
        if entries > MAX_MEMBERS {
            return Err(SdistError::TooManyMembers);
        }
        if size > MAX_ZIP_DIRECTORY_BYTES {
            return Err(SdistError::CentralDirectoryTooLarge);
        }
        Ok(())
    };
    let candidates = (0..tail.len().saturating_sub(EOCD_LEN - 1))
        .rev()
        .filter(|&at| tail[at..].starts_with(b"PK\x05\x06"));
    for at in candidates {
        let (entries, size) = (le(&tail[at + 10..at + 12]), le(&tail[at + 12..at + 16]));
        // All ones means "in the zip64 record".
        check(
            if entries == 0xFFFF { 0 } else { entries },
            if size == 0xFFFF_FFFF { 0 } else { size },
        )?;
        if at >= 20 && tail[at - 20..].starts_with(b"PK\x06\x07") {
            let offset = le(&tail[at - 12..at - 4]);
            if offset.checked_add(56).is_some_and(|end| end <= len) {
                r.seek(SeekFrom::Start(offset)).map_err(archive_error)?;
                let mut record = [0u8; 56];
                r.read_exact(&mut record).map_err(archive_error)?;
                if record.starts_with(b"PK\x06\x06") {
                    check(le(&record[32..40]), le(&record[40..48]))?;
                }
            }
        }
    }
    r.seek(SeekFrom::Start(0)).map_err(archive_error)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sdist::{build_system_zip, BuildSystem};
    use std::io::{Cursor, Write};

    const PYPROJECT: &[u8] =
        b"[build-system]\nrequires = [\"hatchling\"]\nbuild-backend = \"hatchling.build\"\n";

    fn zip_of(members: &[(&str, &[u8])]) -> Vec<u8> {
        let mut w = ::zip::ZipWriter::new(Cursor::new(Vec::new()));
        let opts = ::zip::write::SimpleFileOptions::default();
        for (path, data) in members {
            w.start_file(*path, opts).unwrap();
            w.write_all(data).unwrap();
        }
        w.finish().unwrap().into_inner()
    }

    #[test]
    fn reads_backend_and_requires() {
        let z = zip_of(&[
            ("pkg-1.0/setup.py", b""),
            ("pkg-1.0/pyproject.toml", PYPROJECT),
        ]);
        let bs = build_system_zip(Cursor::new(z)).unwrap();
        assert_eq!(bs.backend, "hatchling.build");
        assert_eq!(bs.requires, ["hatchling"]);
    }

    #[test]
    fn no_top_level_pyproject_gives_the_defaults() {
        let z = zip_of(&[
            ("pkg-1.0/setup.py", b""),
            ("pkg-1.0/sub/pyproject.toml", PYPROJECT),
            ("../pyproject.toml", PYPROJECT),
            ("pyproject.toml", PYPROJECT),
        ]);
        assert_eq!(read_pyproject(Cursor::new(&z)), Ok(None));
        let bs = build_system_zip(Cursor::new(z)).unwrap();
        assert_eq!(bs, BuildSystem::pep517_default());
    }

    #[test]
    fn pyproject_at_the_end_of_a_big_archive() {
        let names: Vec<String> = (0..20_000).map(|i| format!("pkg-1.0/src/f{i}.c")).collect();
        let mut members: Vec<(&str, &[u8])> =
            names.iter().map(|n| (n.as_str(), &b"int x;"[..])).collect();
        members.push(("pkg-1.0/pyproject.toml", PYPROJECT));
        let z = zip_of(&members);
        let found = read_pyproject(Cursor::new(z)).unwrap();
        assert_eq!(found.as_deref(), Some(PYPROJECT));
    }

    #[test]
    fn an_empty_file_is_not_a_zip() {
        assert!(matches!(
            read_pyproject(Cursor::new(Vec::new())),
            Err(SdistError::Archive { format: "zip", .. })
        ));
    }
}
