//! The fast path of reading a wheel's METADATA (issue 13): one positioned
//! read of the archive's last 64 KiB, the end record and central directory
//! parsed there, the METADATA entry inflated with a raw-deflate state and
//! buffers that one scanning thread reuses for every wheel, its CRC-32
//! checked. A second read happens only when the directory or the entry lies
//! outside the tail (the tail read touches the last 64 KiB of the archive:
//! the central directory, the end records, and whatever entries precede
//! them in those bytes, typically `*.dist-info/` files, which wheels store
//! last).
//!
//! Only the plain case is taken: one end record, no zip64, no encryption,
//! sizes and offsets that agree with each other, a stored or deflated
//! entry that inflates to exactly its declared size and CRC. Anything else
//! is [`Tail::Fallback`], and the caller reads the archive with the zip
//! crate, which gives the canonical error for a broken one. The caps are
//! the same: [`MAX_ZIP_ENTRIES`](super::archive::MAX_ZIP_ENTRIES),
//! [`MAX_CENTRAL_DIRECTORY`](super::archive::MAX_CENTRAL_DIRECTORY),
//! [`METADATA_CAP`].
//!
//! [`TailReader::read`] takes these steps, each of which may end it: the
//! end record, the central directory's METADATA entries, the entry chosen,
//! its local header, and its data inflated and checked.

use std::fs::File;
use std::ops::Range;
use std::os::unix::fs::FileExt;

use flate2::{Decompress, FlushDecompress, Status};
use memchr::memmem::Finder;
use pep508_rs::PackageName;

use super::archive::{check_directory_caps, find_metadata_entry, MetadataError, METADATA_CAP};
use super::records::{CentralEntry, EndOfCentralDirectory, LocalHeader, Zip64Locator};

/// How many bytes of the end of a wheel the first read takes.
pub const TAIL_BYTES: u64 = 64 * 1024;

/// The compression methods taken here (APPNOTE 4.4.5).
const STORED: u64 = 0;
const DEFLATED: u64 = 8;

/// What the fast path found.
#[derive(Debug)]
pub enum Tail<'b> {
    /// The METADATA bytes (borrowed from the reader's buffer).
    Metadata(&'b [u8]),
    /// The archive is fine and has no `*.dist-info/METADATA`.
    NoMetadata,
    /// Not the plain case: read the archive the general way.
    Fallback,
}

/// Why a step ends the fast path short of METADATA's bytes.
#[derive(Debug, PartialEq)]
enum Stop {
    /// [`Tail::NoMetadata`].
    NoMetadata,
    /// [`Tail::Fallback`].
    Fallback,
    /// A cap is exceeded: the error the general path gives too.
    Error(MetadataError),
}

impl From<MetadataError> for Stop {
    fn from(e: MetadataError) -> Self {
        Self::Error(e)
    }
}

/// One scanning thread's buffers and inflater.
pub struct TailReader {
    tail: Vec<u8>,
    extra: Vec<u8>,
    out: Vec<u8>,
    inflate: Decompress,
    /// The end-record signature's finder (a forward search: the reverse
    /// one has no vectorised prefilter), and where it found one.
    eocd: Finder<'static>,
    candidates: Vec<usize>,
    /// The directory's top-level `*.dist-info/METADATA` entries.
    entries: Vec<Entry>,
}

impl Default for TailReader {
    fn default() -> Self {
        Self {
            tail: Vec::new(),
            extra: Vec::new(),
            out: Vec::new(),
            inflate: Decompress::new(false),
            eocd: Finder::new(&EndOfCentralDirectory::SIGNATURE),
            candidates: Vec::new(),
            entries: Vec::new(),
        }
    }
}

/// A central-directory entry that may be METADATA.
#[derive(Debug, Clone)]
struct Entry {
    /// Where its name lies in the central directory.
    name: Range<usize>,
    record: CentralEntry,
}

impl TailReader {
    /// Reads the METADATA of `project`'s wheel `file` of `len` bytes.
    pub fn read(
        &mut self,
        file: &File,
        len: u64,
        project: &PackageName,
    ) -> Result<Tail<'_>, MetadataError> {
        match self.read_into_out(file, len, project) {
            Ok(()) => Ok(Tail::Metadata(&self.out)),
            Err(Stop::NoMetadata) => Ok(Tail::NoMetadata),
            Err(Stop::Fallback) => Ok(Tail::Fallback),
            Err(Stop::Error(e)) => Err(e),
        }
    }

    /// The steps of [`TailReader::read`], which leave METADATA in `out`.
    fn read_into_out(&mut self, file: &File, len: u64, project: &PackageName) -> Result<(), Stop> {
        let tail_start = len - len.min(TAIL_BYTES);
        self.tail.resize((len - tail_start) as usize, 0);
        if file.read_exact_at(&mut self.tail, tail_start).is_err() {
            return Err(Stop::Fallback);
        }
        let tail = &self.tail;
        let end = end_record(tail, tail_start, &self.eocd, &mut self.candidates)?;
        let (cd_offset, cd_size) = (end.directory_offset, end.directory_size);
        let wheel = Wheel {
            file,
            tail,
            tail_start,
        };
        let cd = wheel.bytes(&mut self.extra, cd_offset, cd_size)?;
        list_metadata_entries(cd, end.entries, &mut self.entries)?;
        let entry = choose_entry(cd, &self.entries, project)?;
        let data_at = data_offset(&wheel, &entry, cd_offset)?;
        let data = wheel.bytes(&mut self.extra, data_at, entry.compressed_size)?;
        inflate_and_check(data, &entry, &mut self.inflate, &mut self.out)
    }
}

/// The wheel being read: its file, and the last bytes of it already read.
struct Wheel<'a> {
    file: &'a File,
    tail: &'a [u8],
    /// Where `tail` starts in the file (it runs to the end).
    tail_start: u64,
}

impl<'a> Wheel<'a> {
    /// The `n` bytes at `offset`: in the tail when they start there, else
    /// read into `extra`.
    fn bytes<'b>(&self, extra: &'b mut Vec<u8>, offset: u64, n: u64) -> Result<&'b [u8], Stop>
    where
        'a: 'b,
    {
        if offset >= self.tail_start {
            let from = (offset - self.tail_start) as usize;
            return self.tail.get(from..from + n as usize).ok_or(Stop::Fallback);
        }
        extra.resize(n as usize, 0);
        match self.file.read_exact_at(extra, offset) {
            Ok(()) => Ok(extra),
            Err(_) => Err(Stop::Fallback),
        }
    }

    /// The local header at `offset`.
    fn local_header(&self, offset: u64) -> Result<LocalHeader, Stop> {
        let mut header = [0u8; LocalHeader::LEN];
        if offset >= self.tail_start {
            let from = (offset - self.tail_start) as usize;
            let bytes = self.tail.get(from..from + LocalHeader::LEN);
            header.copy_from_slice(bytes.ok_or(Stop::Fallback)?);
        } else if self.file.read_exact_at(&mut header, offset).is_err() {
            return Err(Stop::Fallback);
        }
        LocalHeader::parse(&header).ok_or(Stop::Fallback)
    }
}

/// The end record of the archive whose last bytes are `tail`, from
/// `tail_start` on. Every candidate there is checked against the caps (from
/// the end of the archive backwards), as the general path does; only a
/// single, plain one is taken.
fn end_record(
    tail: &[u8],
    tail_start: u64,
    finder: &Finder<'_>,
    candidates: &mut Vec<usize>,
) -> Result<EndOfCentralDirectory, Stop> {
    // Only where the whole record fits.
    let searched = &tail[..tail.len().saturating_sub(EndOfCentralDirectory::LEN - 4)];
    candidates.clear();
    candidates.extend(finder.find_iter(searched));
    for &at in candidates.iter().rev() {
        let end = EndOfCentralDirectory::parse(&tail[at..]).ok_or(Stop::Fallback)?;
        check_directory_caps(end.entries, end.directory_size)?;
        if Zip64Locator::precedes(tail, at) {
            return Err(Stop::Fallback);
        }
    }
    let [at] = candidates[..] else {
        return Err(Stop::Fallback);
    };
    let end = EndOfCentralDirectory::parse(&tail[at..]).ok_or(Stop::Fallback)?;
    let len = tail_start + tail.len() as u64;
    if !is_plain(&end, tail_start + at as u64, len) {
        return Err(Stop::Fallback);
    }
    Ok(end)
}

/// Whether `end`, at `end_at` of an archive of `len` bytes, is the plain
/// case: one disk, the archive comment running to the end of the file, the
/// central directory right before the record.
fn is_plain(end: &EndOfCentralDirectory, end_at: u64, len: u64) -> bool {
    end.disk == 0
        && end.directory_disk == 0
        && end.disk_entries == end.entries
        && end_at + EndOfCentralDirectory::LEN as u64 + end.comment_len == len
        && end.directory_offset + end.directory_size == end_at
}

/// Lists into `entries` the top-level `*.dist-info/METADATA` entries of the
/// central directory `cd`, which must hold exactly `count` entries.
fn list_metadata_entries(cd: &[u8], count: u64, entries: &mut Vec<Entry>) -> Result<(), Stop> {
    entries.clear();
    let mut pos = 0usize;
    for _ in 0..count {
        let record = CentralEntry::parse(&cd[pos..]).ok_or(Stop::Fallback)?;
        let end = pos + record.total_len();
        if end > cd.len() {
            return Err(Stop::Fallback);
        }
        let name = pos + CentralEntry::LEN..pos + CentralEntry::LEN + record.name_len;
        if let Some(dir) = cd[name.clone()].strip_suffix(b".dist-info/METADATA") {
            if !dir.is_empty() && !dir.contains(&b'/') {
                entries.push(metadata_entry(&cd[name.clone()], name, record)?);
            }
        }
        pos = end;
    }
    if pos != cd.len() {
        return Err(Stop::Fallback);
    }
    Ok(())
}

/// The entry `record` named `name` (its bytes, at `at` in the directory),
/// if the fast path can read it: not encrypted, no size or offset in zip64
/// fields, a name that is text.
fn metadata_entry(name: &[u8], at: Range<usize>, record: CentralEntry) -> Result<Entry, Stop> {
    let fields = [record.compressed_size, record.size, record.local_offset];
    let encrypted = record.flags & 1 != 0;
    if encrypted || fields.contains(&0xFFFF_FFFF) || std::str::from_utf8(name).is_err() {
        return Err(Stop::Fallback);
    }
    Ok(Entry { name: at, record })
}

/// The entry of `entries` (names in `cd`) that is `project`'s METADATA,
/// refused when it declares more than [`METADATA_CAP`] bytes.
fn choose_entry(cd: &[u8], entries: &[Entry], project: &PackageName) -> Result<CentralEntry, Stop> {
    // (Each name was checked to be text when its entry was listed.)
    let name_of = |e: &Entry| std::str::from_utf8(&cd[e.name.clone()]).unwrap_or_default();
    let chosen =
        find_metadata_entry(entries.iter().map(name_of), project).ok_or(Stop::NoMetadata)?;
    let entry = entries.iter().find(|e| name_of(e) == chosen);
    let record = &entry.ok_or(Stop::Fallback)?.record;
    if record.size > METADATA_CAP {
        return Err(MetadataError::TooLarge(record.size).into());
    }
    if record.compressed_size > 2 * METADATA_CAP + 1024 {
        return Err(Stop::Fallback);
    }
    Ok(record.clone())
}

/// Where `entry`'s data starts, as its local header says; header and data
/// must lie before the central directory at `cd_offset`.
fn data_offset(wheel: &Wheel<'_>, entry: &CentralEntry, cd_offset: u64) -> Result<u64, Stop> {
    if entry.local_offset + LocalHeader::LEN as u64 > cd_offset {
        return Err(Stop::Fallback);
    }
    let header = wheel.local_header(entry.local_offset)?;
    let data_at = entry.local_offset + header.data_offset();
    if data_at + entry.compressed_size > cd_offset {
        return Err(Stop::Fallback);
    }
    Ok(data_at)
}

/// Puts `entry`'s `data`, stored or inflated, into `out`: it must come to
/// exactly the declared size and CRC-32.
fn inflate_and_check(
    data: &[u8],
    entry: &CentralEntry,
    inflate: &mut Decompress,
    out: &mut Vec<u8>,
) -> Result<(), Stop> {
    out.clear();
    match entry.method {
        STORED if entry.compressed_size == entry.size => out.extend_from_slice(data),
        DEFLATED => {
            inflate.reset(false);
            // One byte of room more than declared: a lying size shows.
            out.reserve(entry.size as usize + 1);
            let status = inflate.decompress_vec(data, out, FlushDecompress::Finish);
            if !matches!(status, Ok(Status::StreamEnd)) || out.len() as u64 != entry.size {
                return Err(Stop::Fallback);
            }
        }
        _ => return Err(Stop::Fallback),
    }
    if crc32fast::hash(out) != entry.crc {
        return Err(Stop::Fallback);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wheel::records::tests::end_record as end_bytes;
    use std::io::Write;

    /// A member of a hand-built archive: its name, method, CRC-32, sizes
    /// and flags as the central directory states them, and its data.
    struct Member {
        name: Vec<u8>,
        method: u64,
        crc: u32,
        size: u64,
        flags: u16,
        data: Vec<u8>,
    }

    /// `content` stored (`deflate` false) or deflated, stated truthfully.
    fn member(name: &str, content: &[u8], deflate: bool) -> Member {
        let data = if deflate {
            let mut e =
                flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
            e.write_all(content).unwrap();
            e.finish().unwrap()
        } else {
            content.to_vec()
        };
        Member {
            name: name.as_bytes().to_vec(),
            method: if deflate { DEFLATED } else { STORED },
            crc: crc32fast::hash(content),
            size: content.len() as u64,
            flags: 0,
            data,
        }
    }

    fn central(m: &Member, local: u64) -> Vec<u8> {
        let mut b = CentralEntry::SIGNATURE.to_vec();
        b.extend([20, 0, 20, 0]);
        b.extend(m.flags.to_le_bytes());
        b.extend((m.method as u16).to_le_bytes());
        b.extend([0u8; 4]);
        b.extend(m.crc.to_le_bytes());
        b.extend((m.data.len() as u32).to_le_bytes());
        b.extend((m.size as u32).to_le_bytes());
        b.extend((m.name.len() as u16).to_le_bytes());
        b.extend([0u8; 12]); // extra, comment, disk, attributes
        b.extend((local as u32).to_le_bytes());
        b.extend(&m.name);
        b
    }

    fn local(m: &Member) -> Vec<u8> {
        let mut b = LocalHeader::SIGNATURE.to_vec();
        b.extend([0u8; 22]);
        b.extend((m.name.len() as u16).to_le_bytes());
        b.extend(0u16.to_le_bytes());
        b.extend(&m.name);
        b
    }

    /// A whole archive of `members`, and where its central directory starts.
    fn archive(members: &[Member]) -> (Vec<u8>, u64) {
        let (mut b, mut cd) = (Vec::new(), Vec::new());
        for m in members {
            cd.extend(central(m, b.len() as u64));
            b.extend(local(m));
            b.extend(&m.data);
        }
        let (n, offset) = (members.len() as u64, b.len() as u64);
        b.extend(&cd);
        b.extend(end_bytes([0, 0, n, n, cd.len() as u64, offset, 0]));
        (b, offset)
    }

    fn file_of(bytes: &[u8]) -> File {
        let mut f = tempfile::tempfile().unwrap();
        f.write_all(bytes).unwrap();
        f
    }

    fn project() -> PackageName {
        "app".parse().unwrap()
    }

    fn end_of(tail: &[u8], tail_start: u64) -> Result<EndOfCentralDirectory, Stop> {
        let finder = Finder::new(&EndOfCentralDirectory::SIGNATURE);
        end_record(tail, tail_start, &finder, &mut Vec::new())
    }

    #[test]
    fn a_single_plain_end_record_is_taken() {
        let metadata = member("app-1.0.dist-info/METADATA", b"Name: app\n", false);
        let (bytes, cd_offset) = archive(&[metadata]);
        let end = end_of(&bytes, 0).unwrap();
        assert_eq!((end.entries, end.directory_offset), (1, cd_offset));
        // The same from a tail that starts further in.
        assert_eq!(end_of(&bytes[10..], 10), Ok(end));
        // An archive comment, counted in the record.
        let mut commented = bytes[..bytes.len() - 2].to_vec();
        commented.extend(3u16.to_le_bytes());
        commented.extend(b"abc");
        assert!(end_of(&commented, 0).is_ok());
    }

    #[test]
    fn end_records_not_plain_are_left_to_the_zip_crate() {
        let (bytes, cd_offset) = archive(&[member("a.txt", b"a", false)]);
        let cd_size = bytes.len() as u64 - 22 - cd_offset;
        let cases = [
            end_bytes([1, 0, 1, 1, cd_size, cd_offset, 0]), // another disk
            end_bytes([0, 1, 1, 1, cd_size, cd_offset, 0]),
            end_bytes([0, 0, 2, 1, cd_size, cd_offset, 0]), // counts differ
            end_bytes([0, 0, 1, 1, cd_size, cd_offset, 5]), // comment missing
            end_bytes([0, 0, 1, 1, cd_size - 1, cd_offset, 0]), // a gap
            end_bytes([0, 0, 1, 1, cd_size, cd_offset + 1, 0]),
        ];
        for end in cases {
            let mut b = bytes[..bytes.len() - 22].to_vec();
            b.extend(end);
            assert_eq!(end_of(&b, 0), Err(Stop::Fallback));
        }
        // None, or a truncated one.
        assert_eq!(end_of(&bytes[..bytes.len() - 22], 0), Err(Stop::Fallback));
        assert_eq!(end_of(&bytes[..bytes.len() - 1], 0), Err(Stop::Fallback));
        // Two.
        let mut two = bytes.clone();
        two.extend(&bytes[bytes.len() - 22..]);
        assert_eq!(end_of(&two, 0), Err(Stop::Fallback));
        // zip64: a locator right before it.
        let mut zip64 = bytes[..bytes.len() - 22].to_vec();
        zip64.extend(Zip64Locator::SIGNATURE);
        zip64.extend([0u8; 16]);
        zip64.extend(end_bytes([0, 0, 1, 1, cd_size + 20, cd_offset, 0]));
        assert_eq!(end_of(&zip64, 0), Err(Stop::Fallback));
    }

    #[test]
    fn every_end_record_is_checked_against_the_caps() {
        let expected = Err(Stop::Error(
            check_directory_caps(0, u64::from(u32::MAX - 1)).unwrap_err(),
        ));
        let mut huge = vec![0u8; 100];
        huge.extend(end_bytes([0, 0, 3, 3, u64::from(u32::MAX - 1), 0, 0]));
        assert_eq!(end_of(&huge, 0), expected);
        // Before a plain one, and behind a zip64 locator.
        let (plain, _) = archive(&[member("a.txt", b"a", false)]);
        let mut two = huge[..huge.len() - 22].to_vec();
        two.extend(Zip64Locator::SIGNATURE);
        two.extend([0u8; 16]);
        two.extend(&huge[huge.len() - 22..]);
        two.extend(&plain);
        assert_eq!(end_of(&two, 0), expected);
    }

    /// The central directory of `members` (all at local offset 0).
    fn directory(members: &[Member]) -> Vec<u8> {
        members.iter().flat_map(|m| central(m, 0)).collect()
    }

    fn listed(cd: &[u8], count: u64) -> Result<Vec<String>, Stop> {
        let mut entries = Vec::new();
        list_metadata_entries(cd, count, &mut entries)?;
        let name = |e: &Entry| String::from_utf8_lossy(&cd[e.name.clone()]).into_owned();
        Ok(entries.iter().map(name).collect())
    }

    #[test]
    fn the_directory_lists_its_top_level_metadata_entries() {
        let mut record = member("app-1.0.dist-info/RECORD", b"r", false);
        record.flags = 1; // encrypted, but not METADATA
        let cd = directory(&[
            record,
            member("app-1.0.dist-info/METADATA", b"m", true),
            member("x/app-1.0.dist-info/METADATA", b"m", false),
            member(".dist-info/METADATA", b"m", false),
        ]);
        assert_eq!(
            listed(&cd, 4),
            Ok(vec!["app-1.0.dist-info/METADATA".into()])
        );
        // More entries or fewer than the end record counts.
        assert_eq!(listed(&cd, 5), Err(Stop::Fallback));
        assert_eq!(listed(&cd, 3), Err(Stop::Fallback));
        // Cut inside an entry's name, or one with another signature.
        assert_eq!(listed(&cd[..cd.len() - 1], 4), Err(Stop::Fallback));
        let mut other = cd.clone();
        other[3] = 0x03;
        assert_eq!(listed(&other, 4), Err(Stop::Fallback));
    }

    #[test]
    fn metadata_entries_the_fast_path_cannot_read_are_left_to_the_zip_crate() {
        let metadata = || member("app-1.0.dist-info/METADATA", b"m", false);
        let mut encrypted = metadata();
        encrypted.flags = 1;
        let mut zip64 = metadata();
        zip64.size = 0xFFFF_FFFF;
        let mut not_text = metadata();
        not_text.name[0] = 0xFF;
        for m in [encrypted, zip64, not_text] {
            assert_eq!(listed(&directory(&[m]), 1), Err(Stop::Fallback));
        }
    }

    fn chosen(members: &[Member]) -> Result<CentralEntry, Stop> {
        let cd = directory(members);
        let mut entries = Vec::new();
        list_metadata_entries(&cd, members.len() as u64, &mut entries)?;
        choose_entry(&cd, &entries, &project())
    }

    #[test]
    fn the_chosen_entry_is_the_projects_metadata_within_the_cap() {
        let other = member("other-1.0.dist-info/METADATA", b"other", false);
        let ours = member("app-1.0.dist-info/METADATA", b"ours", false);
        let crc = ours.crc;
        assert_eq!(chosen(&[other, ours]).map(|e| e.crc), Ok(crc));
        assert_eq!(chosen(&[]), Err(Stop::NoMetadata));
        let readme = member("app-1.0.dist-info/README", b"r", false);
        assert_eq!(chosen(&[readme]), Err(Stop::NoMetadata));
        let mut huge = member("app-1.0.dist-info/METADATA", b"m", false);
        huge.size = METADATA_CAP + 1;
        let too_large = MetadataError::TooLarge(METADATA_CAP + 1);
        assert_eq!(chosen(&[huge]), Err(Stop::Error(too_large)));
        // Declared within the cap, but far too much to inflate from.
        let mut bomb = member("app-1.0.dist-info/METADATA", b"m", true);
        bomb.data = vec![0; (2 * METADATA_CAP + 1025) as usize];
        assert_eq!(chosen(&[bomb]), Err(Stop::Fallback));
    }

    #[test]
    fn the_local_header_says_where_the_data_starts() {
        let metadata = member("app-1.0.dist-info/METADATA", b"Name: app\n", false);
        let (bytes, cd_offset) = archive(&[metadata]);
        let file = file_of(&bytes);
        let cd = &bytes[cd_offset as usize..];
        let entry = CentralEntry::parse(cd).unwrap();
        let data_at = 30 + "app-1.0.dist-info/METADATA".len() as u64;
        for tail_start in [0, 1, cd_offset] {
            let wheel = Wheel {
                file: &file,
                tail: &bytes[tail_start as usize..],
                tail_start,
            };
            assert_eq!(data_offset(&wheel, &entry, cd_offset), Ok(data_at));
            // The data must end before the directory.
            assert_eq!(
                data_offset(&wheel, &entry, cd_offset - 1),
                Err(Stop::Fallback)
            );
            // So must the header.
            let mut late = entry.clone();
            late.local_offset = cd_offset - 29;
            assert_eq!(data_offset(&wheel, &late, cd_offset), Err(Stop::Fallback));
        }
        let mut other = bytes.clone();
        other[2] = 0x05;
        let wheel = Wheel {
            file: &file,
            tail: &other,
            tail_start: 0,
        };
        assert_eq!(data_offset(&wheel, &entry, cd_offset), Err(Stop::Fallback));
    }

    fn inflated(m: &Member) -> Result<Vec<u8>, Stop> {
        let cd = central(m, 0);
        let entry = CentralEntry::parse(&cd).unwrap();
        let mut out = Vec::new();
        inflate_and_check(&m.data, &entry, &mut Decompress::new(false), &mut out)?;
        Ok(out)
    }

    #[test]
    fn entries_inflate_to_their_declared_size_and_crc() {
        let text = b"Name: app\nRequires-Dist: lib\n".repeat(10);
        for deflate in [false, true] {
            let ok = member("m", &text, deflate);
            assert_eq!(inflated(&ok), Ok(text.clone()));
            let mut crc = member("m", &text, deflate);
            crc.crc ^= 1;
            let mut longer = member("m", &text, deflate);
            longer.size += 1;
            let mut shorter = member("m", &text, deflate);
            shorter.size -= 1;
            for bad in [crc, longer, shorter] {
                assert_eq!(inflated(&bad), Err(Stop::Fallback));
            }
        }
        let mut broken = member("m", &text, true);
        broken.data.truncate(broken.data.len() / 2);
        let mut bzip2 = member("m", &text, false);
        bzip2.method = 12;
        for bad in [broken, bzip2] {
            assert_eq!(inflated(&bad), Err(Stop::Fallback));
        }
    }

    fn read(bytes: &[u8]) -> Result<Option<Vec<u8>>, Stop> {
        let mut reader = TailReader::default();
        match reader.read(&file_of(bytes), bytes.len() as u64, &project()) {
            Ok(Tail::Metadata(m)) => Ok(Some(m.to_vec())),
            Ok(Tail::NoMetadata) => Ok(None),
            Ok(Tail::Fallback) => Err(Stop::Fallback),
            Err(e) => Err(Stop::Error(e)),
        }
    }

    #[test]
    fn read_takes_every_step() {
        let text = b"Name: app\nVersion: 1.0\n".to_vec();
        let metadata = member("app-1.0.dist-info/METADATA", &text, true);
        let (bytes, _) = archive(&[member("app/__init__.py", b"", false), metadata]);
        assert_eq!(read(&bytes), Ok(Some(text.clone())));
        let (none, _) = archive(&[member("app/__init__.py", b"", false)]);
        assert_eq!(read(&none), Ok(None));
        assert_eq!(read(b"not a zip"), Err(Stop::Fallback));
        // METADATA, and the directory, outside the tail (names long enough
        // to make the directory larger than it): read on their own.
        let mut members = vec![member("app-1.0.dist-info/METADATA", &text, false)];
        for i in 0..2 {
            let name = format!("app/{i}{}", "x".repeat(40_000));
            members.push(member(&name, b"", false));
        }
        let (big, cd_offset) = archive(&members);
        assert!(cd_offset < big.len() as u64 - TAIL_BYTES);
        assert_eq!(read(&big), Ok(Some(text)));
    }
}
