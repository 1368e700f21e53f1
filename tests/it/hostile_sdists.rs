//! Hostile sdists (contract §4.9): bombs, lying
//! headers, a million members, huge or nested or misnamed `pyproject.toml`,
//! forged zip end records, archives cut short. Each must give its own error
//! quickly, never a panic, with bounded memory: the big ones are generated
//! as streams (one compressed chunk replayed), never held whole, and
//! `peak_memory_of_the_big_ones` measures the reader's peak RSS in a child
//! process (`VmHWM` of `/proc/self/status`) and prints it with the time.

use std::collections::VecDeque;
use std::io::{Cursor, Read, Write};
use std::time::Instant;

use flate2::{Compress, Compression, FlushCompress};
use tar::EntryType;
use wheel_resolver::internals::sdist::{
    build_system_tar_gz, build_system_zip, tar_gz, zip as sdist_zip, BuildSystem, SdistError,
    MAX_COMPRESSED_BYTES,
};

const MIB: u64 = 1024 * 1024;
const PYPROJECT: &[u8] =
    b"[build-system]\nrequires = [\"flit_core>=3.2\"]\nbuild-backend = \"flit_core.buildapi\"\n";
const EVIL: &[u8] = b"[build-system]\nrequires = [\"evil\"]\nbuild-backend = \"evil\"\n";

// --- generating archives -----------------------------------------------------

/// A reader that yields each part its number of times, in order.
struct Repeated {
    parts: VecDeque<(Vec<u8>, u64)>,
    at: usize,
}

impl Read for Repeated {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        loop {
            let Some((bytes, times)) = self.parts.front_mut() else {
                return Ok(0);
            };
            if *times == 0 || bytes.is_empty() {
                self.parts.pop_front();
                self.at = 0;
                continue;
            }
            let n = buf.len().min(bytes.len() - self.at);
            buf[..n].copy_from_slice(&bytes[self.at..self.at + n]);
            self.at += n;
            if self.at == bytes.len() {
                self.at = 0;
                *times -= 1;
            }
            return Ok(n);
        }
    }
}

/// Deflates all of `data`, ending with `flush`.
fn deflate(c: &mut Compress, mut data: &[u8], flush: FlushCompress) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len() / 4 + 4096);
    loop {
        if out.len() == out.capacity() {
            out.reserve(64 * 1024);
        }
        let before = c.total_in();
        c.compress_vec(data, &mut out, flush).unwrap();
        data = &data[(c.total_in() - before) as usize..];
        if data.is_empty() && out.len() < out.capacity() {
            return out;
        }
    }
}

/// A gzip stream of `head`, `chunk` `times` times, then `tail`. `chunk` is
/// deflated once and its blocks replayed: a full flush before and after it
/// leaves no reference across the chunk's bounds.
fn gzip_stream(head: &[u8], chunk: &[u8], times: u64, tail: &[u8], level: Compression) -> Repeated {
    let mut c = Compress::new(level, false);
    let head_z = deflate(&mut c, head, FlushCompress::Full);
    let chunk_z = deflate(&mut c, chunk, FlushCompress::Full);
    let mut tail_z = deflate(&mut c, tail, FlushCompress::Finish);
    let crc_of = |b: &[u8]| {
        let mut h = crc32fast::Hasher::new();
        h.update(b);
        h
    };
    let mut crc = crc_of(head);
    let chunk_crc = crc_of(chunk);
    for _ in 0..times {
        crc.combine(&chunk_crc);
    }
    crc.combine(&crc_of(tail));
    let total = head.len() as u64 + chunk.len() as u64 * times + tail.len() as u64;
    tail_z.extend_from_slice(&crc.finalize().to_le_bytes());
    tail_z.extend_from_slice(&(total as u32).to_le_bytes());
    let gzip_header = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];
    Repeated {
        parts: VecDeque::from([(gzip_header, 1), (head_z, 1), (chunk_z, times), (tail_z, 1)]),
        at: 0,
    }
}

/// A tar header for `name` (raw bytes, up to 100, written as they are).
fn header(name: &[u8], kind: EntryType, size: u64) -> Vec<u8> {
    let mut h = tar::Header::new_gnu();
    h.as_old_mut().name[..name.len()].copy_from_slice(name);
    h.set_size(size);
    h.set_mode(0o644);
    h.set_entry_type(kind);
    h.set_cksum();
    h.as_bytes().to_vec()
}

/// A tar member: its header and its data padded to a block.
fn member(name: &[u8], kind: EntryType, data: &[u8]) -> Vec<u8> {
    let mut out = header(name, kind, data.len() as u64);
    out.extend_from_slice(data);
    out.resize(out.len().next_multiple_of(512), 0);
    out
}

/// A whole `.tar.gz` of `members` (and the end-of-archive blocks).
fn tar_gz_of(members: &[Vec<u8>]) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), Compression::fast());
    for m in members {
        gz.write_all(m).unwrap();
    }
    gz.write_all(&[0; 1024]).unwrap();
    gz.finish().unwrap()
}

fn read_tar_gz(bytes: &[u8]) -> Result<BuildSystem, SdistError> {
    build_system_tar_gz(bytes, Some(bytes.len() as u64))
}

fn zip_of(build: impl FnOnce(&mut zip::ZipWriter<Cursor<Vec<u8>>>)) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    build(&mut w);
    w.finish().unwrap().into_inner()
}

/// Runs `f`, printing how long it took.
fn timed<T>(what: &str, f: impl FnOnce() -> T) -> T {
    let started = Instant::now();
    let out = f();
    println!("{what}: {:?}", started.elapsed());
    out
}

// --- the big streams (also run in a child by peak_memory_of_the_big_ones) ----

/// 1 GiB of zeros in 1,024 members of 1 MiB (about 1 MiB compressed):
/// stopped at 512 MiB decompressed.
fn gzip_bomb() -> Repeated {
    gzip_bomb_of(1024)
}

/// `times` members of 1 MiB of zeros, then pyproject.toml.
fn gzip_bomb_of(times: u64) -> Repeated {
    let mut chunk = header(b"pkg-1.0/zeros", EntryType::Regular, MIB);
    chunk.resize(chunk.len() + MIB as usize, 0);
    let tail = [
        member(b"pkg-1.0/pyproject.toml", EntryType::Regular, PYPROJECT),
        vec![0; 1024],
    ]
    .concat();
    gzip_stream(&[], &chunk, times, &tail, Compression::fast())
}

/// A member whose header claims 10 GiB (its data goes on for 16 MiB).
fn huge_header() -> Repeated {
    let head = header(b"pkg-1.0/big.bin", EntryType::Regular, 10 << 30);
    gzip_stream(&head, &[0; 64 * 1024], 256, &[], Compression::fast())
}

/// A million empty members.
fn million_members() -> Repeated {
    let chunk = header(b"pkg-1.0/f", EntryType::Regular, 0).repeat(1000);
    gzip_stream(&[], &chunk, 1000, &[0; 1024], Compression::fast())
}

/// 300 MiB of stored (uncompressed) deflate blocks, in members of 1 MiB.
fn stored_300_mib() -> Repeated {
    let mut chunk = header(b"pkg-1.0/zeros", EntryType::Regular, MIB);
    chunk.resize(chunk.len() + MIB as usize, 0);
    gzip_stream(&[], &chunk, 300, &[0; 1024], Compression::none())
}

/// A 100 MiB pyproject.toml.
fn huge_pyproject() -> Repeated {
    let head = header(b"pkg-1.0/pyproject.toml", EntryType::Regular, 100 * MIB);
    gzip_stream(
        &head,
        &[b'#'; 1024 * 1024],
        100,
        &[0; 1024],
        Compression::fast(),
    )
}

/// The big streams by name, with the error each must give.
fn big_case(name: &str) -> (Repeated, SdistError) {
    match name {
        "gzip_bomb" => (gzip_bomb(), SdistError::TooManyDecompressedBytes),
        "huge_header" => (huge_header(), SdistError::TooManyDecompressedBytes),
        "million_members" => (million_members(), SdistError::TooManyMembers),
        "stored_300_mib" => (stored_300_mib(), SdistError::TooManyCompressedBytes),
        "huge_pyproject" => (
            huge_pyproject(),
            SdistError::PyprojectTooLarge { size: 100 * MIB },
        ),
        _ => panic!("no case {name}"),
    }
}

const BIG_CASES: [&str; 5] = [
    "gzip_bomb",
    "huge_header",
    "million_members",
    "stored_300_mib",
    "huge_pyproject",
];

#[test]
fn the_bomb_generator_makes_a_valid_gzip_stream() {
    // Four members' worth, read whole (its CRC and length checked by the decoder).
    let mut bytes = Vec::new();
    flate2::read::GzDecoder::new(gzip_bomb_of(4))
        .read_to_end(&mut bytes)
        .unwrap();
    assert_eq!(bytes.len() as u64, 4 * (512 + MIB) + 512 + 512 + 1024);
    assert!(bytes[..4 * (512 + MIB as usize)]
        .chunks(512 + MIB as usize)
        .all(|m| m[512..].iter().all(|&b| b == 0)));
    let bs = build_system_tar_gz(gzip_bomb_of(4), None).unwrap();
    assert_eq!(bs.backend, "flit_core.buildapi");
}

/// Each big stream gives its error, in a child process that prints its time
/// and peak RSS (the test binary's own few MiB included).
#[test]
fn peak_memory_of_the_big_ones() {
    if let Ok(name) = std::env::var("SDIST_HOSTILE_CHILD") {
        let (stream, want) = big_case(&name);
        let started = Instant::now();
        let got = build_system_tar_gz(stream, None);
        let took = started.elapsed();
        let status = std::fs::read_to_string("/proc/self/status").unwrap();
        let hwm = status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .map(str::trim)
            .unwrap_or("?");
        assert_eq!(got, Err(want));
        println!("\nCHILD {name}: {took:?}, peak RSS {hwm}");
        return;
    }
    for name in BIG_CASES {
        let test = crate::common::child::test_name(module_path!(), "peak_memory_of_the_big_ones");
        let out = crate::common::child::this_test_binary()
            .args([test.as_str(), "--exact", "--nocapture"])
            .env("SDIST_HOSTILE_CHILD", name)
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{name}: {stdout}");
        let line = stdout
            .lines()
            .find(|l| l.starts_with("CHILD "))
            .expect("the child's figures");
        println!("{line}");
        let kb: u64 = line
            .rsplit_once("peak RSS ")
            .and_then(|(_, v)| v.trim_end_matches(" kB").parse().ok())
            .expect("VmHWM in kB");
        // The test binary itself takes a few MiB; the reader adds buffers only.
        assert!(kb < 64 * 1024, "{line}");
    }
}

// --- the compressed budget ------------------------------------------------------

#[test]
fn a_stream_longer_than_its_size_is_refused() {
    let gz = tar_gz_of(&[
        member(b"pkg-1.0/a.txt", EntryType::Regular, &[7; 4096]),
        member(b"pkg-1.0/pyproject.toml", EntryType::Regular, PYPROJECT),
    ]);
    let size = gz.len() as u64 / 2;
    assert_eq!(
        build_system_tar_gz(&gz[..], Some(size)),
        Err(SdistError::OverSize { size })
    );
    // Exactly its size is fine, and so is a size over the cap.
    assert!(build_system_tar_gz(&gz[..], Some(gz.len() as u64)).is_ok());
    assert!(build_system_tar_gz(&gz[..], Some(MAX_COMPRESSED_BYTES * 4)).is_ok());
}

// --- what is not pyproject.toml ---------------------------------------------------

#[test]
fn links_directories_and_devices_named_pyproject_are_not_read() {
    let cases: [(&[u8], EntryType, &str); 6] = [
        (
            b"pkg-1.0/pyproject.toml",
            EntryType::Symlink,
            "a symbolic link",
        ),
        (b"pkg-1.0/pyproject.toml", EntryType::Link, "a hard link"),
        (
            b"pkg-1.0/pyproject.toml",
            EntryType::Directory,
            "a directory",
        ),
        (
            b"pkg-1.0/pyproject.toml/",
            EntryType::Directory,
            "a directory",
        ),
        (
            b"pkg-1.0/pyproject.toml/",
            EntryType::Regular,
            "a directory",
        ),
        (b"pkg-1.0/pyproject.toml", EntryType::Fifo, "a special file"),
    ];
    for (name, kind, what) in cases {
        let mut link = tar::Header::new_gnu();
        link.as_old_mut().name[..name.len()].copy_from_slice(name);
        link.set_entry_type(kind);
        link.set_size(0);
        link.set_link_name("/etc/passwd").unwrap();
        link.set_cksum();
        let gz = tar_gz_of(&[
            link.as_bytes().to_vec(),
            member(b"pkg-1.0/pyproject.toml", EntryType::Regular, EVIL),
        ]);
        let err = read_tar_gz(&gz).unwrap_err();
        assert!(
            matches!(&err, SdistError::NotAFile { kind, .. } if *kind == what),
            "{kind:?}: {err}"
        );
        assert!(err.to_string().contains("not a regular file"), "{err}");
    }
}

#[test]
fn zip_links_and_directories_named_pyproject_are_not_read() {
    let dir = zip_of(|w| {
        w.add_directory(
            "pkg-1.0/pyproject.toml",
            zip::write::SimpleFileOptions::default(),
        )
        .unwrap();
    });
    let link = zip_of(|w| {
        w.add_symlink(
            "pkg-1.0/pyproject.toml",
            "/etc/passwd",
            zip::write::SimpleFileOptions::default(),
        )
        .unwrap();
    });
    for (z, what) in [(dir, "a directory"), (link, "a symbolic link")] {
        let err = build_system_zip(Cursor::new(z)).unwrap_err();
        assert!(
            matches!(&err, SdistError::NotAFile { kind, .. } if *kind == what),
            "{err}"
        );
    }
}

#[test]
fn path_tricks_are_not_the_member() {
    let tricks: [&[u8]; 8] = [
        b"../pyproject.toml",
        b"/pkg-1.0/pyproject.toml",
        b"./pkg-1.0/pyproject.toml",
        b"pkg-1.0\\pyproject.toml",
        b"pkg-1.0//pyproject.toml",
        b"pkg-1.0/sub/pyproject.toml",
        b"pyproject.toml",
        b"./pyproject.toml",
    ];
    let members: Vec<_> = tricks
        .iter()
        .map(|t| member(t, EntryType::Regular, EVIL))
        .collect();
    assert_eq!(
        read_tar_gz(&tar_gz_of(&members)),
        Ok(BuildSystem::pep517_default())
    );
    // Nor through a GNU long name.
    let long = [
        member(
            b"././@LongLink",
            EntryType::GNULongName,
            b"../pyproject.toml\0",
        ),
        member(b"pkg-1.0/x", EntryType::Regular, EVIL),
    ];
    assert_eq!(
        read_tar_gz(&tar_gz_of(&long)),
        Ok(BuildSystem::pep517_default())
    );
    let z = zip_of(|w| {
        for t in tricks {
            let name = String::from_utf8(t.to_vec()).unwrap();
            w.start_file(name, zip::write::SimpleFileOptions::default())
                .unwrap();
            w.write_all(EVIL).unwrap();
        }
    });
    assert_eq!(
        build_system_zip(Cursor::new(z)),
        Ok(BuildSystem::pep517_default())
    );
}

// --- what is in pyproject.toml ------------------------------------------------

#[test]
fn non_utf8_and_deeply_nested_pyproject_are_errors() {
    let non_utf8 = b"[build-system]\nrequires = [\"caf\xe9\"]\n";
    let gz = tar_gz_of(&[member(
        b"pkg-1.0/pyproject.toml",
        EntryType::Regular,
        non_utf8,
    )]);
    assert_eq!(read_tar_gz(&gz), Err(SdistError::NotUtf8));
    for (open, close) in [("[", "]"), ("{a=", "}")] {
        let depth = 100_000;
        let text = format!(
            "[build-system]\nrequires = {}\"x\"{}\n",
            open.repeat(depth),
            close.repeat(depth)
        );
        let gz = tar_gz_of(&[member(
            b"pkg-1.0/pyproject.toml",
            EntryType::Regular,
            text.as_bytes(),
        )]);
        let err = timed("nested", || read_tar_gz(&gz)).unwrap_err();
        assert!(matches!(err, SdistError::InvalidToml(_)), "{err}");
        assert!(err.to_string().contains("recursion"), "{err}");
    }
}

#[test]
fn an_oversized_zip_pyproject_is_refused() {
    let z = zip_of(|w| {
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored);
        w.start_file("pkg-1.0/pyproject.toml", opts).unwrap();
        w.write_all(&vec![b'#'; 2 * MIB as usize]).unwrap();
    });
    assert_eq!(
        build_system_zip(Cursor::new(z)),
        Err(SdistError::PyprojectTooLarge { size: 2 * MIB })
    );
}

#[test]
fn an_oversized_long_name_header_is_refused() {
    let mut head = header(b"././@LongLink", EntryType::GNULongName, 10 << 30);
    head.resize(head.len() + 4096, b'a');
    let gz = tar_gz_of(&[head]);
    assert_eq!(
        read_tar_gz(&gz),
        Err(SdistError::ExtensionTooLarge { size: 10 << 30 })
    );
}

// --- zip central directories ----------------------------------------------------

/// An end-of-central-directory record (22 bytes, no comment).
fn eocd(entries: u16, size: u32, offset: u32) -> Vec<u8> {
    let mut r = b"PK\x05\x06".to_vec();
    r.extend_from_slice(&[0; 4]);
    r.extend_from_slice(&entries.to_le_bytes());
    r.extend_from_slice(&entries.to_le_bytes());
    r.extend_from_slice(&size.to_le_bytes());
    r.extend_from_slice(&offset.to_le_bytes());
    r.extend_from_slice(&[0; 2]);
    r
}

#[test]
fn a_huge_central_directory_is_refused_before_it_is_parsed() {
    // An end record claiming a 3.75 GiB central directory.
    let forged = eocd(10, 0xF000_0000, 0);
    assert_eq!(
        sdist_zip::read_pyproject(Cursor::new(forged)),
        Err(SdistError::CentralDirectoryTooLarge)
    );
    // A zip64 end record claiming ten million entries.
    let mut z64 = b"PK\x06\x06".to_vec();
    z64.extend_from_slice(&44u64.to_le_bytes());
    z64.extend_from_slice(&[45, 0, 45, 0]);
    z64.extend_from_slice(&[0; 8]);
    z64.extend_from_slice(&10_000_000u64.to_le_bytes());
    z64.extend_from_slice(&10_000_000u64.to_le_bytes());
    z64.extend_from_slice(&(46u64 * 10_000_000).to_le_bytes());
    z64.extend_from_slice(&0u64.to_le_bytes());
    let mut forged = z64;
    forged.extend_from_slice(b"PK\x06\x07");
    forged.extend_from_slice(&[0; 4]);
    forged.extend_from_slice(&0u64.to_le_bytes());
    forged.extend_from_slice(&1u32.to_le_bytes());
    forged.extend_from_slice(&eocd(0xFFFF, 0xFFFF_FFFF, 0xFFFF_FFFF));
    assert_eq!(
        sdist_zip::read_pyproject(Cursor::new(forged)),
        Err(SdistError::TooManyMembers)
    );
}

#[test]
fn a_zip_of_more_members_than_the_limit_is_refused() {
    let z = timed("write 100,001 zip entries", || {
        zip_of(|w| {
            let opts = zip::write::SimpleFileOptions::default()
                .compression_method(zip::CompressionMethod::Stored);
            for i in 0..100_001 {
                w.start_file(format!("p/{i:x}"), opts).unwrap();
            }
            w.start_file("p/pyproject.toml", opts).unwrap();
            w.write_all(PYPROJECT).unwrap();
        })
    });
    let got = timed("read it", || build_system_zip(Cursor::new(z)));
    assert_eq!(got, Err(SdistError::TooManyMembers));
}

// --- cut short and garbage -------------------------------------------------------

#[test]
fn an_archive_cut_anywhere_is_an_error_or_reads_what_came_before() {
    let gz = tar_gz_of(&[
        member(b"pkg-1.0/setup.py", EntryType::Regular, &[b'x'; 3000]),
        member(b"pkg-1.0/pyproject.toml", EntryType::Regular, PYPROJECT),
    ]);
    let whole = read_tar_gz(&gz).unwrap();
    for cut in 0..gz.len() {
        match build_system_tar_gz(&gz[..cut], None) {
            Ok(bs) => assert_eq!(bs, whole, "cut at {cut}"),
            Err(SdistError::Archive {
                format: "tar.gz", ..
            }) => {}
            Err(e) => panic!("cut at {cut}: {e}"),
        }
    }
    // Cut before the member's end, it is an error.
    assert!(matches!(
        build_system_tar_gz(&gz[..gz.len() / 2], None),
        Err(SdistError::Archive { .. })
    ));
    let z = zip_of(|w| {
        w.start_file(
            "pkg-1.0/pyproject.toml",
            zip::write::SimpleFileOptions::default(),
        )
        .unwrap();
        w.write_all(PYPROJECT).unwrap();
    });
    for cut in 0..z.len() {
        let got = build_system_zip(Cursor::new(&z[..cut]));
        assert!(
            matches!(got, Err(SdistError::Archive { format: "zip", .. })),
            "cut at {cut}: {got:?}"
        );
    }
}

#[test]
fn garbage_is_an_archive_error() {
    for bytes in [&b""[..], b"not a gzip stream", &[0x1f, 0x8b, 8, 0]] {
        assert!(matches!(
            tar_gz::read_pyproject(bytes, None),
            Err(SdistError::Archive { .. })
        ));
    }
    // A gzip stream of something other than tar.
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), Compression::fast());
    gz.write_all(&[b'z'; 5000]).unwrap();
    let gz = gz.finish().unwrap();
    assert!(matches!(
        tar_gz::read_pyproject(&gz[..], None),
        Err(SdistError::Archive { .. })
    ));
}
