//! Reading a wheel's METADATA: the fast path of [`super::tail`] where it
//! applies, else the zip crate ([`super::archive`]); then its text parsed
//! ([`super::metadata`]). The same caps and the same result either way.

use pep508_rs::PackageName;
use std::io::{Read, Seek};

use super::archive::{read_with_zip, MetadataError};
use super::metadata::{parse_metadata_keeping, Keep, WheelMetadata};
use super::tail::{Tail, TailReader};
use crate::requirement::RequirementParser;

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

/// The METADATA of the wheel `file` (`len` bytes): the fast path of
/// [`super::tail`] (buffers and inflater reused by one scanning thread),
/// else the zip crate. The same caps and the same result either way.
/// Only the Requires-Dist that `keep` accepts are returned.
pub fn read_wheel_file(
    file: &std::fs::File,
    len: u64,
    project: &PackageName,
    parser: &mut RequirementParser,
    reader: &mut TailReader,
    keep: Keep<'_>,
) -> Result<Option<WheelMetadata>, MetadataError> {
    match reader.read(file, len, project)? {
        Tail::Metadata(bytes) => parse_bytes(bytes, parser, keep).map(Some),
        Tail::NoMetadata => Ok(None),
        Tail::Fallback => {
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
    match read_with_zip(reader, project)? {
        Some(bytes) => parse_bytes(&bytes, parser, keep).map(Some),
        None => Ok(None),
    }
}

/// METADATA's bytes, which must be UTF-8, parsed.
fn parse_bytes(
    bytes: &[u8],
    parser: &mut RequirementParser,
    keep: Keep<'_>,
) -> Result<WheelMetadata, MetadataError> {
    let text = std::str::from_utf8(bytes).map_err(|_| MetadataError::Encoding)?;
    parse_metadata_keeping(text, parser, keep)
}
