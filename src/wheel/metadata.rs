//! Reading `*.dist-info/METADATA` out of a wheel: only the zip central
//! directory and that one entry, capped against oversized or lying entries.

use pep508_rs::PackageName;
use std::borrow::Cow;
use std::io::{Read, Seek};

use crate::requirement::{Req, RequirementError, RequirementParser, RequiresDist};

/// The most METADATA bytes read from one wheel (also the zip-bomb guard).
pub const METADATA_CAP: u64 = 1024 * 1024;
/// The most entries a wheel's zip central directory may list (the largest
/// wheels on PyPI list some tens of thousands); more is a bad archive.
pub const MAX_ZIP_ENTRIES: u64 = 200_000;
/// The most bytes a wheel's zip central directory may take.
pub const MAX_CENTRAL_DIRECTORY: u64 = 32 * 1024 * 1024;

/// What a wheel's METADATA says that the planner needs.
#[derive(Debug, Clone, Default)]
pub struct WheelMetadata {
    /// Requires-Dist, in file order.
    pub requires_dist: Vec<RequiresDist>,
    /// Requires-Python, as written (trimmed), when present and not empty.
    pub requires_python: Option<String>,
    /// The `Name` field as written; `None` when absent.
    pub name: Option<String>,
    /// The `Version` field as written; `None` when absent.
    pub version: Option<String>,
}

impl WheelMetadata {
    /// Checks that this metadata is that of `name` `version`: its `Name`
    /// (normalised) and `Version` (PEP 440) must match where present.
    /// `Err` says whose it is instead (`evil 6.6`).
    pub fn check_release(
        &self,
        name: &PackageName,
        version: &pep440_rs::Version,
    ) -> Result<(), String> {
        let name_ok = self
            .name
            .as_deref()
            .is_none_or(|n| n.parse::<PackageName>().ok().as_ref() == Some(name));
        let version_ok = self
            .version
            .as_deref()
            .is_none_or(|v| v.parse::<pep440_rs::Version>().ok().as_ref() == Some(version));
        if name_ok && version_ok {
            return Ok(());
        }
        Err(format!(
            "{} {}",
            self.name.as_deref().unwrap_or("?"),
            self.version.as_deref().unwrap_or("?")
        ))
    }
}

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

/// Reads the METADATA of the wheel in `reader`.
///
/// `Ok(None)`: the archive is fine but has no `*.dist-info/METADATA`.
/// The entry is preferably `{name}-{version}.dist-info/METADATA` for this
/// project; otherwise the only top-level `*.dist-info/METADATA`.
pub fn read_metadata<R: Read + Seek>(
    reader: R,
    project: &PackageName,
) -> Result<Option<WheelMetadata>, MetadataError> {
    read_metadata_with(reader, project, &mut RequirementParser::default())
}

/// Which parsed Requires-Dist to keep (every one is parsed, so a bad one
/// is still an error; those not kept are never stored, nor their text
/// copied).
pub type Keep<'k> = &'k dyn Fn(&Req) -> bool;

/// The METADATA of the wheel `file` (`len` bytes): the fast path of
/// [`super::tail`] (buffers and inflater reused by one scanning thread),
/// else the zip crate. The same caps and the same result either way.
/// Only the Requires-Dist that `keep` accepts are returned.
pub fn read_wheel_file(
    file: &std::fs::File,
    len: u64,
    project: &PackageName,
    parser: &mut RequirementParser,
    reader: &mut super::tail::TailReader,
    keep: Keep<'_>,
) -> Result<Option<WheelMetadata>, MetadataError> {
    match reader.read(file, len, project)? {
        super::tail::Tail::Metadata(bytes) => {
            let text = std::str::from_utf8(bytes).map_err(|_| MetadataError::Encoding)?;
            parse_metadata_keeping(text, parser, keep).map(Some)
        }
        super::tail::Tail::NoMetadata => Ok(None),
        super::tail::Tail::Fallback => {
            read_metadata_keeping(std::io::BufReader::new(file), project, parser, keep)
        }
    }
}

/// [`read_metadata`] with a parser shared across wheels, through the zip
/// crate (the general path).
pub fn read_metadata_with<R: Read + Seek>(
    reader: R,
    project: &PackageName,
    parser: &mut RequirementParser,
) -> Result<Option<WheelMetadata>, MetadataError> {
    read_metadata_keeping(reader, project, parser, &|_| true)
}

fn read_metadata_keeping<R: Read + Seek>(
    reader: R,
    project: &PackageName,
    parser: &mut RequirementParser,
    keep: Keep<'_>,
) -> Result<Option<WheelMetadata>, MetadataError> {
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
    let bytes = {
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
        bytes
        // The archive (central directory, buffers) is freed here, before the
        // requirements that outlive this call are allocated.
    };
    let text = std::str::from_utf8(&bytes).map_err(|_| MetadataError::Encoding)?;
    parse_metadata_keeping(text, parser, keep).map(Some)
}

pub(crate) fn too_many_entries(n: u64) -> MetadataError {
    MetadataError::Archive(format!(
        "the zip central directory lists {n} entries, more than the cap of {MAX_ZIP_ENTRIES}"
    ))
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

/// Reads the zip's end records (end of central directory, and the zip64
/// ones when present) and refuses a central directory of more than
/// [`MAX_ZIP_ENTRIES`] entries or [`MAX_CENTRAL_DIRECTORY`] bytes before
/// anything parses it. Records that cannot be found are left to the zip
/// reader to report.
fn check_central_directory<R: Read + Seek>(r: &mut R) -> Result<(), MetadataError> {
    use std::io::SeekFrom;
    let io = |e: std::io::Error| MetadataError::Archive(e.to_string());
    let len = r.seek(SeekFrom::End(0)).map_err(io)?;
    // The last 64 KiB (what a remote read fetches first): the EOCD and the
    // zip64 locator, unless a comment of almost 64 KiB pushes them out (the
    // read budget below still bounds such an archive).
    let tail_len = len.min(64 * 1024);
    r.seek(SeekFrom::Start(len - tail_len)).map_err(io)?;
    let mut tail = vec![0u8; tail_len as usize];
    r.read_exact(&mut tail).map_err(io)?;
    let u16_at = |b: &[u8], i: usize| u64::from(u16::from_le_bytes([b[i], b[i + 1]]));
    let u32_at =
        |b: &[u8], i: usize| u64::from(u32::from_le_bytes(b[i..i + 4].try_into().unwrap()));
    let u64_at = |b: &[u8], i: usize| u64::from_le_bytes(b[i..i + 8].try_into().unwrap());
    let check = |entries: u64, size: u64| {
        if entries > MAX_ZIP_ENTRIES {
            return Err(too_many_entries(entries));
        }
        if size > MAX_CENTRAL_DIRECTORY {
            return Err(MetadataError::Archive(format!(
                "the zip central directory takes {size} bytes, more than the cap of {MAX_CENTRAL_DIRECTORY}"
            )));
        }
        Ok(())
    };
    // Every end-of-central-directory candidate in the tail.
    let candidates = (0..tail.len().saturating_sub(21))
        .rev()
        .filter(|&i| tail[i..i + 4] == *b"PK\x05\x06");
    for at in candidates {
        // 0xFFFF and 0xFFFFFFFF mean "in the zip64 record".
        let (entries, size) = (u16_at(&tail, at + 10), u32_at(&tail, at + 12));
        check(
            if entries == 0xFFFF { 0 } else { entries },
            if size == 0xFFFF_FFFF { 0 } else { size },
        )?;
        // A zip64 locator right before it points at the zip64 record.
        if at >= 20 && tail[at - 20..at - 16] == *b"PK\x06\x07" {
            let offset = u64_at(&tail, at - 20 + 8);
            if offset.checked_add(56).is_some_and(|end| end <= len) {
                r.seek(SeekFrom::Start(offset)).map_err(io)?;
                let mut rec = [0u8; 56];
                r.read_exact(&mut rec).map_err(io)?;
                if rec[..4] == *b"PK\x06\x06" {
                    check(u64_at(&rec, 32), u64_at(&rec, 40))?;
                }
            }
        }
    }
    r.seek(SeekFrom::Start(0)).map_err(io)?;
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

/// Parses the header section of a core-metadata document (RFC 822 style,
/// continuation lines start with white space) and its Requires-Dist fields.
pub fn parse_metadata(text: &str) -> Result<WheelMetadata, MetadataError> {
    parse_metadata_with(text, &mut RequirementParser::default())
}

/// [`parse_metadata`] with a shared parser. Only Requires-Dist values are
/// copied out of the text (other fields are skipped without allocating).
pub fn parse_metadata_with(
    text: &str,
    parser: &mut RequirementParser,
) -> Result<WheelMetadata, MetadataError> {
    parse_metadata_keeping(text, parser, &|_| true)
}

/// The lines of `text` as [`str::lines`] splits them (at `\n`, a `\r`
/// just before it removed; no empty last line), found with `memchr`: a header
/// line is short, and `str::lines` costs more per line than the search.
fn lines(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = text;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let line = match memchr::memchr(b'\n', rest.as_bytes()) {
            Some(at) => {
                let line = &rest[..at];
                rest = &rest[at + 1..];
                line.strip_suffix('\r').unwrap_or(line)
            }
            None => std::mem::take(&mut rest),
        };
        Some(line)
    })
}

/// [`parse_metadata_with`] keeping only the Requires-Dist that `keep`
/// accepts (the result's list is allocated once, at its final size).
pub fn parse_metadata_keeping(
    text: &str,
    parser: &mut RequirementParser,
    keep: Keep<'_>,
) -> Result<WheelMetadata, MetadataError> {
    let mut kept = parser.take_scratch();
    let mut requires_python = None;
    let (mut name, mut version) = (None, None);
    let mut add = |parser: &mut RequirementParser, value: &str| {
        let text = value.trim();
        let requirement = parser.parse_req(text)?;
        if keep(&requirement) {
            kept.push(RequiresDist {
                requirement,
                text: text.into(),
            });
        }
        Ok::<_, MetadataError>(())
    };
    // The Requires-Dist value being read (continuation lines are appended).
    let mut current: Option<Cow<'_, str>> = None;
    for line in lines(text) {
        if line.is_empty() {
            break; // end of headers; the body is the description
        }
        if line.starts_with([' ', '\t']) {
            if let Some(value) = current.as_mut() {
                let value = value.to_mut();
                value.push(' ');
                value.push_str(line.trim());
            }
            continue;
        }
        if let Some(value) = current.take() {
            add(parser, &value)?;
        }
        if let Some(colon) = memchr::memchr(b':', line.as_bytes()) {
            let (field, value) = (&line[..colon], &line[colon + 1..]);
            let field = field.trim();
            if field.eq_ignore_ascii_case("Requires-Dist") {
                current = Some(Cow::Borrowed(value.trim()));
            } else if field.eq_ignore_ascii_case("Name") && name.is_none() {
                name = Some(value.trim().to_owned());
            } else if field.eq_ignore_ascii_case("Version") && version.is_none() {
                version = Some(value.trim().to_owned());
            } else if field.eq_ignore_ascii_case("Requires-Python") && requires_python.is_none() {
                let value = value.trim();
                if !value.is_empty() {
                    requires_python = Some(value.to_owned());
                }
            }
        }
    }
    if let Some(value) = current.take() {
        add(parser, &value)?;
    }
    // Exactly as long as what was kept; the scratch list goes back.
    let mut requires_dist = Vec::with_capacity(kept.len());
    requires_dist.append(&mut kept);
    parser.put_scratch(kept);
    Ok(WheelMetadata {
        requires_dist,
        requires_python,
        name,
        version,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        #[test]
        fn lines_are_those_of_str_lines(text in "[a\r\n:]{0,12}") {
            let ours: Vec<&str> = lines(&text).collect();
            let std: Vec<&str> = text.lines().collect();
            proptest::prop_assert_eq!(ours, std);
        }

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
    fn parses_requires_dist_with_continuations_and_body() {
        let md = "Metadata-Version: 2.1\nName: app\nRequires-Dist: lib>=1.0\nRequires-Dist: pytest;\n extra == \"test\"\nDescription-Content-Type: text/plain\n\nRequires-Dist: notme\n";
        let m = parse_metadata(md).unwrap();
        let names: Vec<String> = m
            .requires_dist
            .iter()
            .map(|r| r.requirement.name.to_string())
            .collect();
        assert_eq!(names, vec!["lib", "pytest"]);
        assert_eq!(m.requires_python, None);
        let m = parse_metadata("Name: a\nRequires-Python:  >=3.9, <4 \n\n").unwrap();
        assert_eq!(m.requires_python.as_deref(), Some(">=3.9, <4"));
    }

    #[test]
    fn name_and_version_must_be_the_releases() {
        let md = parse_metadata("Name: Foo.Bar\nVersion: 2.5.0\nRequires-Dist: x\n").unwrap();
        let foo: PackageName = "foo-bar".parse().unwrap();
        let v = |s: &str| s.parse::<pep440_rs::Version>().unwrap();
        assert_eq!(md.check_release(&foo, &v("2.5")), Ok(()));
        assert_eq!(
            md.check_release(&foo, &v("2.6")).unwrap_err(),
            "Foo.Bar 2.5.0"
        );
        let evil = parse_metadata("Name: evil\nVersion: 6.6\n").unwrap();
        assert_eq!(evil.check_release(&foo, &v("2.5")).unwrap_err(), "evil 6.6");
        let bad = parse_metadata("Name: foo-bar\nVersion: not a version\n").unwrap();
        assert!(bad.check_release(&foo, &v("2.5")).is_err());
        // Absent fields are not a mismatch.
        let none = parse_metadata("Requires-Dist: x\n").unwrap();
        assert_eq!(none.check_release(&foo, &v("2.5")), Ok(()));
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
        let err = read_metadata(Cursor::new(big), &p).unwrap_err();
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
        let err = read_metadata(Cursor::new(file), &p).unwrap_err();
        assert!(err.to_string().contains("1200000 entries"), "{err}");
    }

    #[test]
    fn bad_requirement_is_an_error() {
        let err = parse_metadata("Requires-Dist: lib>=>1\n").unwrap_err();
        assert!(err.to_string().contains("lib>=>1"), "{err}");
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
