//! `<top>/pyproject.toml` out of a `.tar.gz` sdist, streamed: the gzip
//! stream is decompressed only until that member, and nothing is written
//! anywhere.
//!
//! The `tar` crate reads the archive in raw mode: GNU long-name and pax
//! headers come as members of their own, read here under
//! [`MAX_TAR_EXTENSION_BYTES`] (the crate itself would hold any size in
//! memory). A pax `size` that differs from the member's header is refused
//! rather than followed (only members over 8 GiB need one, and those are
//! over the decompression limit anyway).

use std::io::Read;

use flate2::read::GzDecoder;
use tar::EntryType;

use super::meter::{Meter, Metered};
use super::{
    member_kind, shown, Member, SdistError, MAX_COMPRESSED_BYTES, MAX_DECOMPRESSED_BYTES,
    MAX_MEMBERS, MAX_PYPROJECT_BYTES, MAX_TAR_EXTENSION_BYTES,
};

/// The bytes of the `<top>/pyproject.toml` of the `.tar.gz` that `reader`
/// streams; `Ok(None)` when the archive has none. `size` is the sdist's
/// size when known: no more compressed bytes than it (nor than
/// [`MAX_COMPRESSED_BYTES`]) are read.
pub fn read_pyproject<R: Read>(
    reader: R,
    size: Option<u64>,
) -> Result<Option<Vec<u8>>, SdistError> {
    let compressed_limit = size.map_or(MAX_COMPRESSED_BYTES, |s| s.min(MAX_COMPRESSED_BYTES));
    let compressed = Meter::new(compressed_limit);
    let decompressed = Meter::new(MAX_DECOMPRESSED_BYTES);
    let gz = GzDecoder::new(Metered::new(reader, compressed.clone()));
    let mut archive = tar::Archive::new(Metered::new(gz, decompressed.clone()));
    let found = scan(&mut archive, &decompressed);
    // A limit reached explains whatever the readers above it then reported.
    if compressed.tripped() {
        return Err(match size {
            Some(size) if size < MAX_COMPRESSED_BYTES => SdistError::OverSize { size },
            _ => SdistError::TooManyCompressedBytes,
        });
    }
    if decompressed.tripped() {
        return Err(SdistError::TooManyDecompressedBytes);
    }
    found
}

fn archive_error(e: std::io::Error) -> SdistError {
    SdistError::Archive {
        format: "tar.gz",
        detail: e.to_string(),
    }
}

/// What the extension headers before a member say about it.
#[derive(Default)]
struct Pending {
    /// Its path, from a GNU long-name or a pax `path`.
    path: Option<Vec<u8>>,
    /// Its size, from a pax `size`.
    size: Option<u64>,
}

/// Reads the members up to `<top>/pyproject.toml`.
fn scan<R: Read>(
    archive: &mut tar::Archive<R>,
    decompressed: &Meter,
) -> Result<Option<Vec<u8>>, SdistError> {
    let entries = archive.entries().map_err(archive_error)?.raw(true);
    let mut pending = Pending::default();
    for (count, entry) in entries.enumerate() {
        if count as u64 >= MAX_MEMBERS {
            return Err(SdistError::TooManyMembers);
        }
        let mut entry = entry.map_err(archive_error)?;
        let kind = entry.header().entry_type();
        match kind {
            EntryType::GNULongName => {
                let mut name = read_extension(&mut entry)?;
                while name.last() == Some(&0) {
                    name.pop();
                }
                pending.path = Some(name);
                continue;
            }
            EntryType::XHeader => {
                read_pax(&read_extension(&mut entry)?, &mut pending)?;
                continue;
            }
            // Headers of no concern here, which leave what is pending to
            // the member that follows.
            EntryType::GNULongLink | EntryType::XGlobalHeader => {
                read_extension(&mut entry)?;
                continue;
            }
            _ => {}
        }
        let Pending { path, size } = std::mem::take(&mut pending);
        if size.is_some_and(|s| s != entry.size()) {
            return Err(archive_error(std::io::Error::other(
                "a pax header gives a member size other than its tar header's",
            )));
        }
        let path = path.unwrap_or_else(|| entry.path_bytes().into_owned());
        match member_kind(&path) {
            Member::Other => {
                // Skipping a member decompresses it: refuse one the budget
                // cannot hold before decompressing any of it.
                if entry.size() > decompressed.left() {
                    return Err(SdistError::TooManyDecompressedBytes);
                }
            }
            Member::PyprojectDir => return Err(not_a_file(&path, "a directory")),
            Member::Pyproject => return read_member(entry, kind, &path).map(Some),
        }
    }
    Ok(None)
}

/// The path and size that a pax extended header gives the next member.
fn read_pax(header: &[u8], pending: &mut Pending) -> Result<(), SdistError> {
    for field in tar::PaxExtensions::new(header) {
        let field = field.map_err(archive_error)?;
        match field.key_bytes() {
            b"path" => pending.path = Some(field.value_bytes().to_vec()),
            b"size" => {
                let size = std::str::from_utf8(field.value_bytes())
                    .ok()
                    .and_then(|s| s.parse().ok());
                pending.size = Some(size.ok_or_else(|| {
                    archive_error(std::io::Error::other("a pax size is not a number"))
                })?);
            }
            _ => {}
        }
    }
    Ok(())
}

/// The contents of a long-name or pax header member, under its limit.
fn read_extension<R: Read>(entry: &mut tar::Entry<'_, R>) -> Result<Vec<u8>, SdistError> {
    let size = entry.size();
    if size > MAX_TAR_EXTENSION_BYTES {
        return Err(SdistError::ExtensionTooLarge { size });
    }
    read_exactly(entry, size)
}

/// `size` bytes of `entry` (no more than its limit was checked to allow);
/// fewer is an archive cut short.
fn read_exactly<R: Read>(entry: &mut tar::Entry<'_, R>, size: u64) -> Result<Vec<u8>, SdistError> {
    let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
    entry
        .take(size)
        .read_to_end(&mut bytes)
        .map_err(archive_error)?;
    if bytes.len() as u64 != size {
        return Err(archive_error(std::io::Error::from(
            std::io::ErrorKind::UnexpectedEof,
        )));
    }
    Ok(bytes)
}

fn not_a_file(path: &[u8], kind: &'static str) -> SdistError {
    SdistError::NotAFile {
        path: shown(path),
        kind,
    }
}

/// The bytes of the `pyproject.toml` member, which must be a regular file
/// within [`MAX_PYPROJECT_BYTES`].
fn read_member<R: Read>(
    mut entry: tar::Entry<'_, R>,
    kind: EntryType,
    path: &[u8],
) -> Result<Vec<u8>, SdistError> {
    match kind {
        EntryType::Regular | EntryType::Continuous => {}
        EntryType::Symlink => return Err(not_a_file(path, "a symbolic link")),
        EntryType::Link => return Err(not_a_file(path, "a hard link")),
        EntryType::Directory => return Err(not_a_file(path, "a directory")),
        _ => return Err(not_a_file(path, "a special file")),
    }
    let size = entry.size();
    if size > MAX_PYPROJECT_BYTES {
        return Err(SdistError::PyprojectTooLarge { size });
    }
    read_exactly(&mut entry, size)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sdist::{build_system_tar_gz, BuildSystem};
    use flate2::{write::GzEncoder, Compression};

    const PYPROJECT: &[u8] =
        b"[build-system]\nrequires = [\"scikit-build-core\", \"numpy>=2\"]\nbuild-backend = \"scikit_build_core.build\"\n";

    fn regular(len: usize) -> tar::Header {
        let mut h = tar::Header::new_gnu();
        h.set_size(len as u64);
        h.set_mode(0o644);
        h.set_entry_type(EntryType::Regular);
        h
    }

    fn tar_gz(members: &[(&str, &[u8])]) -> Vec<u8> {
        let mut b = tar::Builder::new(GzEncoder::new(Vec::new(), Compression::fast()));
        for (path, data) in members {
            b.append_data(&mut regular(data.len()), path, *data)
                .unwrap();
        }
        b.into_inner().unwrap().finish().unwrap()
    }

    #[test]
    fn reads_backend_and_requires() {
        let gz = tar_gz(&[
            ("pkg-1.0/setup.py", b"raise SystemExit"),
            ("pkg-1.0/pyproject.toml", PYPROJECT),
        ]);
        let bs = build_system_tar_gz(&gz[..], Some(gz.len() as u64)).unwrap();
        assert_eq!(bs.backend, "scikit_build_core.build");
        assert_eq!(bs.requires, ["scikit-build-core", "numpy>=2"]);
    }

    #[test]
    fn no_pyproject_gives_the_defaults() {
        let gz = tar_gz(&[
            ("pkg-1.0/setup.py", b""),
            ("pkg-1.0/sub/pyproject.toml", PYPROJECT),
            ("pyproject.toml", PYPROJECT),
        ]);
        assert_eq!(read_pyproject(&gz[..], None), Ok(None));
        let bs = build_system_tar_gz(&gz[..], None).unwrap();
        assert_eq!(bs, BuildSystem::pep517_default());
    }

    #[test]
    fn pyproject_without_table_gives_the_defaults() {
        let gz = tar_gz(&[(
            "pkg-1.0/pyproject.toml",
            b"[tool.black]\nline-length = 99\n",
        )]);
        let bs = build_system_tar_gz(&gz[..], None).unwrap();
        assert_eq!(bs, BuildSystem::pep517_default());
    }

    #[test]
    fn pyproject_at_the_end_of_a_big_archive() {
        // 1,000 members of 8 KiB that do not compress away, then pyproject.toml.
        let mut state = 0x2545_f491_u32;
        let mut noise = vec![0u8; 8192];
        let mut b = tar::Builder::new(GzEncoder::new(Vec::new(), Compression::fast()));
        for i in 0..1000 {
            for byte in noise.iter_mut() {
                state ^= state << 13;
                state ^= state >> 17;
                state ^= state << 5;
                *byte = state as u8;
            }
            let path = format!("pkg-1.0/src/file{i}.c");
            b.append_data(&mut regular(noise.len()), &path, &noise[..])
                .unwrap();
        }
        let path = "pkg-1.0/pyproject.toml";
        b.append_data(&mut regular(PYPROJECT.len()), path, PYPROJECT)
            .unwrap();
        let gz = b.into_inner().unwrap().finish().unwrap();
        assert!(gz.len() > 8 * 1000 * 1000, "{}", gz.len());
        let found = read_pyproject(&gz[..], Some(gz.len() as u64)).unwrap();
        assert_eq!(found.as_deref(), Some(PYPROJECT));
    }

    #[test]
    fn a_long_top_directory_is_found_through_its_long_name_header() {
        let top = "p".repeat(150);
        let path = format!("{top}/pyproject.toml");
        let gz = tar_gz(&[(&path, PYPROJECT)]);
        let found = read_pyproject(&gz[..], None).unwrap();
        assert_eq!(found.as_deref(), Some(PYPROJECT));
    }

    #[test]
    fn a_pax_path_names_the_member() {
        let record = |key: &str, value: &str| {
            // "<len> key=value\n", the length counting itself.
            let body = format!(" {key}={value}\n");
            let mut len = body.len() + 1;
            while format!("{len}{body}").len() != len {
                len += 1;
            }
            format!("{len}{body}")
        };
        let pax = record("path", "pkg-1.0/pyproject.toml");
        let mut b = tar::Builder::new(GzEncoder::new(Vec::new(), Compression::fast()));
        let mut h = tar::Header::new_ustar();
        h.set_path("pax_header").unwrap();
        h.set_size(pax.len() as u64);
        h.set_entry_type(EntryType::XHeader);
        h.set_cksum();
        b.append(&h, pax.as_bytes()).unwrap();
        let mut h = regular(PYPROJECT.len());
        h.set_path("pkg-1.0/other.txt").unwrap();
        h.set_cksum();
        b.append(&h, PYPROJECT).unwrap();
        let gz = b.into_inner().unwrap().finish().unwrap();
        let found = read_pyproject(&gz[..], None).unwrap();
        assert_eq!(found.as_deref(), Some(PYPROJECT));
    }

    #[test]
    fn the_first_top_level_pyproject_is_read() {
        let gz = tar_gz(&[
            ("a-1.0/pyproject.toml", PYPROJECT),
            ("b-1.0/pyproject.toml", b"not toml ["),
        ]);
        let bs = build_system_tar_gz(&gz[..], None).unwrap();
        assert_eq!(bs.backend, "scikit_build_core.build");
    }
}
