//! The zip records that reading METADATA looks at, each parsed from its
//! little-endian fields at their named offsets (APPNOTE 4.3): the end of
//! central directory record, the zip64 locator and end record, a central
//! directory entry and a local file header. A parse checks the signature
//! and the length and nothing else; what the fields must agree on is the
//! reader's business.

/// The `u16` at `at` of `b`, widened (`b` holds at least `at + 2` bytes).
fn u16_at(b: &[u8], at: usize) -> u64 {
    u64::from(u16::from_le_bytes([b[at], b[at + 1]]))
}

/// The `u32` at `at` of `b`, widened (`b` holds at least `at + 4` bytes).
fn u32_at(b: &[u8], at: usize) -> u64 {
    u64::from(u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]]))
}

/// The `u64` at `at` of `b` (`b` holds at least `at + 8` bytes).
fn u64_at(b: &[u8], at: usize) -> u64 {
    let mut bytes = [0u8; 8];
    bytes.copy_from_slice(&b[at..at + 8]);
    u64::from_le_bytes(bytes)
}

/// `b` when it holds at least `len` bytes and starts with `signature`.
fn record<'b>(b: &'b [u8], signature: &[u8; 4], len: usize) -> Option<&'b [u8]> {
    (b.len() >= len && b[..4] == *signature).then_some(b)
}

/// The end of central directory record. Its 16- and 32-bit fields are
/// widened; `0xFFFF` and `0xFFFF_FFFF` mean "in the zip64 record".
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct EndOfCentralDirectory {
    /// The number of this disk.
    pub disk: u64,
    /// The disk where the central directory starts.
    pub directory_disk: u64,
    /// The directory's entries on this disk.
    pub disk_entries: u64,
    /// The directory's entries in all.
    pub entries: u64,
    /// The directory's size in bytes.
    pub directory_size: u64,
    /// Where the directory starts, from the start of the archive.
    pub directory_offset: u64,
    /// The length of the archive comment that follows the record.
    pub comment_len: u64,
}

impl EndOfCentralDirectory {
    pub const SIGNATURE: [u8; 4] = *b"PK\x05\x06";
    /// The record's length without the comment.
    pub const LEN: usize = 22;

    /// The record at the start of `b`.
    pub fn parse(b: &[u8]) -> Option<Self> {
        let b = record(b, &Self::SIGNATURE, Self::LEN)?;
        Some(Self {
            disk: u16_at(b, 4),
            directory_disk: u16_at(b, 6),
            disk_entries: u16_at(b, 8),
            entries: u16_at(b, 10),
            directory_size: u32_at(b, 12),
            directory_offset: u32_at(b, 16),
            comment_len: u16_at(b, 20),
        })
    }
}

/// The zip64 end of central directory locator, which lies right before the
/// end of central directory record of a zip64 archive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Zip64Locator {
    /// Where the zip64 end record starts.
    pub end_offset: u64,
}

impl Zip64Locator {
    pub const SIGNATURE: [u8; 4] = *b"PK\x06\x07";
    pub const LEN: usize = 20;

    /// The record at the start of `b`.
    pub fn parse(b: &[u8]) -> Option<Self> {
        let b = record(b, &Self::SIGNATURE, Self::LEN)?;
        Some(Self {
            end_offset: u64_at(b, 8),
        })
    }

    /// Whether a locator's signature lies right before `end_at`, where an
    /// end of central directory record of `b` starts.
    pub fn precedes(b: &[u8], end_at: usize) -> bool {
        end_at >= Self::LEN && b[end_at - Self::LEN..end_at - Self::LEN + 4] == Self::SIGNATURE
    }
}

/// The zip64 end of central directory record (its fixed part).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Zip64End {
    /// The directory's entries in all.
    pub entries: u64,
    /// The directory's size in bytes.
    pub directory_size: u64,
}

impl Zip64End {
    pub const SIGNATURE: [u8; 4] = *b"PK\x06\x06";
    pub const LEN: usize = 56;

    /// The record at the start of `b`.
    pub fn parse(b: &[u8]) -> Option<Self> {
        let b = record(b, &Self::SIGNATURE, Self::LEN)?;
        Some(Self {
            entries: u64_at(b, 32),
            directory_size: u64_at(b, 40),
        })
    }
}

/// A central directory entry (its fixed part; the name, extra field and
/// comment follow it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CentralEntry {
    /// General purpose flags (bit 0: encrypted).
    pub flags: u64,
    /// The compression method (0 stored, 8 deflated).
    pub method: u64,
    pub crc: u32,
    pub compressed_size: u64,
    pub size: u64,
    pub name_len: usize,
    pub extra_len: usize,
    pub comment_len: usize,
    /// Where the entry's local header starts.
    pub local_offset: u64,
}

impl CentralEntry {
    pub const SIGNATURE: [u8; 4] = *b"PK\x01\x02";
    /// The fixed part's length: the name starts here.
    pub const LEN: usize = 46;

    /// The entry at the start of `b`.
    pub fn parse(b: &[u8]) -> Option<Self> {
        let b = record(b, &Self::SIGNATURE, Self::LEN)?;
        Some(Self {
            flags: u16_at(b, 8),
            method: u16_at(b, 10),
            crc: u32::from_le_bytes([b[16], b[17], b[18], b[19]]),
            compressed_size: u32_at(b, 20),
            size: u32_at(b, 24),
            name_len: u16_at(b, 28) as usize,
            extra_len: u16_at(b, 30) as usize,
            comment_len: u16_at(b, 32) as usize,
            local_offset: u32_at(b, 42),
        })
    }

    /// The entry's whole length: the fixed part, name, extra and comment.
    pub fn total_len(&self) -> usize {
        Self::LEN + self.name_len + self.extra_len + self.comment_len
    }
}

/// A local file header (its fixed part; the name and extra field follow,
/// then the entry's data).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LocalHeader {
    pub name_len: u64,
    pub extra_len: u64,
}

impl LocalHeader {
    pub const SIGNATURE: [u8; 4] = *b"PK\x03\x04";
    pub const LEN: usize = 30;

    /// The header at the start of `b`.
    pub fn parse(b: &[u8]) -> Option<Self> {
        let b = record(b, &Self::SIGNATURE, Self::LEN)?;
        Some(Self {
            name_len: u16_at(b, 26),
            extra_len: u16_at(b, 28),
        })
    }

    /// How far the entry's data lies from the header's start.
    pub fn data_offset(&self) -> u64 {
        Self::LEN as u64 + self.name_len + self.extra_len
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// An end of central directory record with these fields (in
    /// [`EndOfCentralDirectory`]'s order) and no comment bytes.
    pub(crate) fn end_record(fields: [u64; 7]) -> Vec<u8> {
        let [disk, directory_disk, disk_entries, entries, size, offset, comment] = fields;
        let mut b = EndOfCentralDirectory::SIGNATURE.to_vec();
        for v in [disk, directory_disk, disk_entries, entries] {
            b.extend((v as u16).to_le_bytes());
        }
        b.extend((size as u32).to_le_bytes());
        b.extend((offset as u32).to_le_bytes());
        b.extend((comment as u16).to_le_bytes());
        b
    }

    #[test]
    fn end_record_parses_its_fields() {
        let b = end_record([0, 0, 3, 3, 0xFFFF_FFFF, 1234, 7]);
        assert_eq!(b.len(), EndOfCentralDirectory::LEN);
        let end = EndOfCentralDirectory::parse(&b).unwrap();
        assert_eq!(
            end,
            EndOfCentralDirectory {
                disk: 0,
                directory_disk: 0,
                disk_entries: 3,
                entries: 3,
                directory_size: 0xFFFF_FFFF,
                directory_offset: 1234,
                comment_len: 7,
            }
        );
    }

    #[test]
    fn records_refuse_a_short_buffer_or_another_signature() {
        let b = end_record([0, 0, 1, 1, 46, 0, 0]);
        assert!(EndOfCentralDirectory::parse(&b[..21]).is_none());
        let mut other = b.clone();
        other[3] = 0x07;
        assert!(EndOfCentralDirectory::parse(&other).is_none());
        assert!(CentralEntry::parse(&[0u8; 46]).is_none());
        assert!(CentralEntry::parse(b"PK\x01\x02").is_none());
        assert!(LocalHeader::parse(&b"PK\x03\x04".repeat(8)[..29]).is_none());
        assert!(Zip64Locator::parse(&[0u8; 20]).is_none());
        assert!(Zip64End::parse(&b"PK\x06\x06".repeat(13)[..52]).is_none());
    }

    #[test]
    fn central_entry_parses_its_fields() {
        let mut b = CentralEntry::SIGNATURE.to_vec();
        b.extend([20, 0, 20, 0]); // made by, needed
        b.extend(1u16.to_le_bytes()); // flags
        b.extend(8u16.to_le_bytes()); // method
        b.extend([0u8; 4]); // time, date
        b.extend(0xDEAD_BEEFu32.to_le_bytes());
        b.extend(100u32.to_le_bytes());
        b.extend(300u32.to_le_bytes());
        b.extend(5u16.to_le_bytes()); // name
        b.extend(2u16.to_le_bytes()); // extra
        b.extend(1u16.to_le_bytes()); // comment
        b.extend([0u8; 8]); // disk, internal and external attributes
        b.extend(77u32.to_le_bytes());
        assert_eq!(b.len(), CentralEntry::LEN);
        let e = CentralEntry::parse(&b).unwrap();
        assert_eq!((e.flags, e.method, e.crc), (1, 8, 0xDEAD_BEEF));
        assert_eq!((e.compressed_size, e.size, e.local_offset), (100, 300, 77));
        assert_eq!((e.name_len, e.extra_len, e.comment_len), (5, 2, 1));
        assert_eq!(e.total_len(), 46 + 8);
    }

    #[test]
    fn local_header_says_where_the_data_starts() {
        let mut b = LocalHeader::SIGNATURE.to_vec();
        b.extend([0u8; 22]);
        b.extend(9u16.to_le_bytes());
        b.extend(4u16.to_le_bytes());
        let h = LocalHeader::parse(&b).unwrap();
        assert_eq!(h.data_offset(), 30 + 9 + 4);
    }

    #[test]
    fn zip64_records_parse_and_the_locator_is_found_before_the_end_record() {
        let mut locator = Zip64Locator::SIGNATURE.to_vec();
        locator.extend([0u8; 4]);
        locator.extend(0x1_0000_0000u64.to_le_bytes());
        locator.extend(1u32.to_le_bytes());
        let end_at = locator.len();
        let mut tail = locator.clone();
        tail.extend(end_record([0; 7]));
        assert!(Zip64Locator::precedes(&tail, end_at));
        assert!(!Zip64Locator::precedes(&tail, end_at - 1));
        assert!(!Zip64Locator::precedes(&tail[1..], end_at - 1));
        let l = Zip64Locator::parse(&locator).unwrap();
        assert_eq!(l.end_offset, 0x1_0000_0000);
        let mut end = Zip64End::SIGNATURE.to_vec();
        end.extend([0u8; 28]);
        end.extend(1_200_000u64.to_le_bytes()); // entries
        end.extend(99u64.to_le_bytes()); // directory size
        end.extend(0u64.to_le_bytes()); // directory offset
        let e = Zip64End::parse(&end).unwrap();
        assert_eq!((e.entries, e.directory_size), (1_200_000, 99));
    }
}
