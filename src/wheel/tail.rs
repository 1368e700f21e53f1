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
//! the same: [`MAX_ZIP_ENTRIES`], [`MAX_CENTRAL_DIRECTORY`], [`METADATA_CAP`].

use std::fs::File;
use std::os::unix::fs::FileExt;

use flate2::{Decompress, FlushDecompress, Status};
use pep508_rs::PackageName;

use super::metadata::{
    find_metadata_entry, too_many_entries, MetadataError, MAX_CENTRAL_DIRECTORY, MAX_ZIP_ENTRIES,
    METADATA_CAP,
};

/// How many bytes of the end of a wheel the first read takes.
pub const TAIL_BYTES: u64 = 64 * 1024;

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

/// One scanning thread's buffers and inflater.
pub struct TailReader {
    tail: Vec<u8>,
    extra: Vec<u8>,
    out: Vec<u8>,
    inflate: Decompress,
    /// The end-record signature's finder (a forward search: the reverse
    /// one has no vectorised prefilter), and where it found one.
    eocd: memchr::memmem::Finder<'static>,
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
            eocd: memchr::memmem::Finder::new(b"PK\x05\x06"),
            candidates: Vec::new(),
            entries: Vec::new(),
        }
    }
}

fn u16_at(b: &[u8], i: usize) -> u64 {
    u64::from(u16::from_le_bytes([b[i], b[i + 1]]))
}

fn u32_at(b: &[u8], i: usize) -> u64 {
    u64::from(u32::from_le_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]))
}

/// A central-directory entry that may be METADATA.
#[derive(Clone)]
struct Entry {
    /// Where its name lies in the central directory.
    name: std::ops::Range<usize>,
    method: u64,
    crc: u32,
    compressed: u64,
    size: u64,
    local: u64,
}

impl TailReader {
    /// Reads the METADATA of `project`'s wheel `file` of `len` bytes.
    pub fn read(
        &mut self,
        file: &File,
        len: u64,
        project: &PackageName,
    ) -> Result<Tail<'_>, MetadataError> {
        let tail_len = len.min(TAIL_BYTES);
        let tail_start = len - tail_len;
        self.tail.resize(tail_len as usize, 0);
        if file.read_exact_at(&mut self.tail, tail_start).is_err() {
            return Ok(Tail::Fallback);
        }
        let tail = &self.tail;
        // End records: every candidate is checked against the caps, as the
        // general path does; only a single, plain one is taken here.
        let searched = &tail[..tail.len().saturating_sub(18)];
        self.candidates.clear();
        self.candidates.extend(self.eocd.find_iter(searched));
        // Checked from the end of the archive backwards.
        let mut eocd = None;
        for &at in self.candidates.iter().rev() {
            let (entries, size) = (u16_at(tail, at + 10), u32_at(tail, at + 12));
            if entries > MAX_ZIP_ENTRIES {
                return Err(too_many_entries(entries));
            }
            if size > MAX_CENTRAL_DIRECTORY {
                return Err(MetadataError::Archive(format!(
                    "the zip central directory takes {size} bytes, more than the cap of {MAX_CENTRAL_DIRECTORY}"
                )));
            }
            if at >= 20 && tail[at - 20..at - 16] == *b"PK\x06\x07" {
                return Ok(Tail::Fallback); // zip64
            }
            eocd.get_or_insert(at);
        }
        let Some(at) = eocd.filter(|_| self.candidates.len() == 1) else {
            return Ok(Tail::Fallback);
        };
        let entries = u16_at(tail, at + 10);
        let (cd_size, cd_offset) = (u32_at(tail, at + 12), u32_at(tail, at + 16));
        let comment = u16_at(tail, at + 20);
        let eocd_pos = tail_start + at as u64;
        if u16_at(tail, at + 4) != 0
            || u16_at(tail, at + 6) != 0
            || u16_at(tail, at + 8) != entries
            || eocd_pos + 22 + comment != len
            || cd_offset + cd_size != eocd_pos
        {
            return Ok(Tail::Fallback);
        }
        let cd: &[u8] = if cd_offset >= tail_start {
            let from = (cd_offset - tail_start) as usize;
            &tail[from..from + cd_size as usize]
        } else {
            self.extra.resize(cd_size as usize, 0);
            if file.read_exact_at(&mut self.extra, cd_offset).is_err() {
                return Ok(Tail::Fallback);
            }
            &self.extra
        };
        // The directory's entries: the top-level `*.dist-info/METADATA` ones.
        self.entries.clear();
        let mut pos = 0usize;
        for _ in 0..entries {
            if pos + 46 > cd.len() || cd[pos..pos + 4] != *b"PK\x01\x02" {
                return Ok(Tail::Fallback);
            }
            let flags = u16_at(cd, pos + 8);
            let (n, x, c) = (
                u16_at(cd, pos + 28) as usize,
                u16_at(cd, pos + 30) as usize,
                u16_at(cd, pos + 32) as usize,
            );
            let end = pos + 46 + n + x + c;
            if end > cd.len() {
                return Ok(Tail::Fallback);
            }
            let name = &cd[pos + 46..pos + 46 + n];
            if let Some(dir) = name.strip_suffix(b".dist-info/METADATA") {
                if !dir.is_empty() && !dir.contains(&b'/') {
                    let (compressed, size, local) = (
                        u32_at(cd, pos + 20),
                        u32_at(cd, pos + 24),
                        u32_at(cd, pos + 42),
                    );
                    let zip64 = [compressed, size, local].contains(&0xFFFF_FFFF);
                    if flags & 1 != 0 || zip64 {
                        return Ok(Tail::Fallback); // encrypted, or sizes in zip64 fields
                    }
                    match std::str::from_utf8(name) {
                        Ok(_) => self.entries.push(Entry {
                            name: pos + 46..pos + 46 + n,
                            method: u16_at(cd, pos + 10),
                            crc: u32_at(cd, pos + 16) as u32,
                            compressed,
                            size,
                            local,
                        }),
                        Err(_) => return Ok(Tail::Fallback),
                    }
                }
            }
            pos = end;
        }
        if pos != cd.len() {
            return Ok(Tail::Fallback);
        }
        // (Each name was checked to be text when its entry was listed.)
        let name_of = |e: &Entry| std::str::from_utf8(&cd[e.name.clone()]).unwrap_or_default();
        let Some(chosen) = find_metadata_entry(self.entries.iter().map(name_of), project) else {
            return Ok(Tail::NoMetadata);
        };
        let Some(entry) = self.entries.iter().find(|e| name_of(e) == chosen).cloned() else {
            return Ok(Tail::Fallback);
        };
        if entry.size > METADATA_CAP {
            return Err(MetadataError::TooLarge(entry.size));
        }
        if entry.compressed > 2 * METADATA_CAP + 1024 {
            return Ok(Tail::Fallback);
        }
        // The local header says where the data starts.
        let mut header = [0u8; 30];
        if entry.local + 30 > cd_offset {
            return Ok(Tail::Fallback);
        }
        if entry.local >= tail_start {
            let from = (entry.local - tail_start) as usize;
            header.copy_from_slice(&self.tail[from..from + 30]);
        } else if file.read_exact_at(&mut header, entry.local).is_err() {
            return Ok(Tail::Fallback);
        }
        if header[..4] != *b"PK\x03\x04" {
            return Ok(Tail::Fallback);
        }
        let data_at = entry.local + 30 + u16_at(&header, 26) + u16_at(&header, 28);
        if data_at + entry.compressed > cd_offset {
            return Ok(Tail::Fallback);
        }
        let data: &[u8] = if data_at >= tail_start {
            let from = (data_at - tail_start) as usize;
            &self.tail[from..from + entry.compressed as usize]
        } else {
            self.extra.resize(entry.compressed as usize, 0);
            if file.read_exact_at(&mut self.extra, data_at).is_err() {
                return Ok(Tail::Fallback);
            }
            &self.extra
        };
        self.out.clear();
        match entry.method {
            0 if entry.compressed == entry.size => self.out.extend_from_slice(data),
            8 => {
                self.inflate.reset(false);
                // One byte of room more than declared: a lying size shows.
                self.out.reserve(entry.size as usize + 1);
                let status =
                    self.inflate
                        .decompress_vec(data, &mut self.out, FlushDecompress::Finish);
                if !matches!(status, Ok(Status::StreamEnd)) || self.out.len() as u64 != entry.size {
                    return Ok(Tail::Fallback);
                }
            }
            _ => return Ok(Tail::Fallback),
        }
        if crc32fast::hash(&self.out) != entry.crc {
            return Ok(Tail::Fallback);
        }
        Ok(Tail::Metadata(&self.out))
    }
}
