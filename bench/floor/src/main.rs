//! The floor of `make bench`: the minimal program that does only the
//! unavoidable work of a scan, to measure the resolver against.
//!
//! For every `*.whl` in a directory (sorted by name bytes, as the resolver
//! sorts), on 2 threads: one `pread` of the last 64 KiB, the
//! end-of-central-directory record and the central directory parsed by
//! hand, the top-level `*.dist-info/METADATA` inflated with one reused
//! raw-deflate state of the resolver's own inflater (flate2 on zlib-rs; a
//! second `pread` only when the directory or the entry lies outside the
//! tail), and its `Requires-Dist` lines counted.
//! Prints `{"wheels": N, "requires_dist": M, "maxrss_kb": VmHWM}`.
//!
//! Usage: metadata-floor DIR [THREADS]

use std::fs::File;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

use flate2::{Decompress, FlushDecompress, Status};

const TAIL: u64 = 64 * 1024;
const METADATA_CAP: usize = 1 << 20;

fn main() {
    let mut args = std::env::args().skip(1);
    let dir = PathBuf::from(args.next().expect("usage: metadata-floor DIR [THREADS]"));
    let threads: usize = args.next().and_then(|t| t.parse().ok()).unwrap_or(2);
    let mut names: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("read_dir")
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().as_encoded_bytes().ends_with(b".whl"))
        .map(|e| e.path())
        .collect();
    // By the file name's bytes, as the resolver sorts (all are in `dir`):
    // `PathBuf`'s own order compares component by component, which at
    // 10,000 wheels took about 10 ms of this program's time.
    names.sort_unstable_by(|a, b| {
        a.as_os_str()
            .as_encoded_bytes()
            .cmp(b.as_os_str().as_encoded_bytes())
    });
    let chunk = names.len().div_ceil(threads.max(1)).max(1);
    let counts: Vec<(usize, usize)> = std::thread::scope(|s| {
        let handles: Vec<_> = names
            .chunks(chunk)
            .map(|part| s.spawn(move || scan(part)))
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("thread"))
            .collect()
    });
    let wheels: usize = counts.iter().map(|c| c.0).sum();
    let reqs: usize = counts.iter().map(|c| c.1).sum();
    println!(
        "{{\"wheels\": {wheels}, \"requires_dist\": {reqs}, \"maxrss_kb\": {}}}",
        vmhwm_kb()
    );
}

/// Scans `paths` with one inflater and one set of buffers.
fn scan(paths: &[PathBuf]) -> (usize, usize) {
    let mut state = Decompress::new(false);
    let mut tail = vec![0u8; TAIL as usize];
    let mut extra = Vec::new();
    let mut out = Vec::with_capacity(64 * 1024);
    let (mut wheels, mut reqs) = (0, 0);
    for p in paths {
        match metadata(p, &mut state, &mut tail, &mut extra, &mut out) {
            Some(text) => {
                wheels += 1;
                reqs += count_requires_dist(text);
            }
            None => eprintln!("{}: no METADATA", p.display()),
        }
    }
    (wheels, reqs)
}

fn u16le(b: &[u8], at: usize) -> usize {
    u16::from_le_bytes([b[at], b[at + 1]]) as usize
}

fn u32le(b: &[u8], at: usize) -> u64 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]]) as u64
}

/// The METADATA text of the wheel at `path`.
fn metadata<'o>(
    path: &Path,
    state: &mut Decompress,
    tail: &mut [u8],
    extra: &mut Vec<u8>,
    out: &'o mut Vec<u8>,
) -> Option<&'o str> {
    let file = File::open(path).ok()?;
    let size = file.metadata().ok()?.len();
    let tail_len = size.min(TAIL) as usize;
    let tail_start = size - tail_len as u64;
    let tail = &mut tail[..tail_len];
    file.read_exact_at(tail, tail_start).ok()?;
    // End of central directory: the last signature PK\5\6 with room for 22 bytes.
    let eocd = (0..=tail_len.checked_sub(22)?)
        .rev()
        .find(|&i| tail[i..i + 4] == [0x50, 0x4b, 0x05, 0x06])?;
    let cd_size = u32le(tail, eocd + 12);
    let cd_offset = u32le(tail, eocd + 16);
    let cd: &[u8] = if cd_offset >= tail_start {
        let at = (cd_offset - tail_start) as usize;
        tail.get(at..at + cd_size as usize)?
    } else {
        extra.resize(cd_size as usize, 0);
        file.read_exact_at(extra, cd_offset).ok()?;
        extra
    };
    // Central directory entries: find */*.dist-info/METADATA (top level).
    let mut at = 0;
    let mut found = None;
    while at + 46 <= cd.len() && cd[at..at + 4] == [0x50, 0x4b, 0x01, 0x02] {
        let method = u16le(cd, at + 10);
        let csize = u32le(cd, at + 20);
        let usize_ = u32le(cd, at + 24);
        let (n, x, c) = (u16le(cd, at + 28), u16le(cd, at + 30), u16le(cd, at + 32));
        let local = u32le(cd, at + 42);
        let name = cd.get(at + 46..at + 46 + n)?;
        if let Some(dir) = name.strip_suffix(b".dist-info/METADATA") {
            if !dir.is_empty() && !dir.contains(&b'/') {
                found = Some((method, csize, usize_, local));
                break;
            }
        }
        at += 46 + n + x + c;
    }
    let (method, csize, usize_, local) = found?;
    if usize_ as usize > METADATA_CAP {
        return None;
    }
    // The local header's name and extra lengths give where the data starts.
    let mut header = [0u8; 30];
    let data_at = if local >= tail_start && (local - tail_start) as usize + 30 <= tail_len {
        let l = (local - tail_start) as usize;
        local + 30 + (u16le(tail, l + 26) + u16le(tail, l + 28)) as u64
    } else {
        file.read_exact_at(&mut header, local).ok()?;
        local + 30 + (u16le(&header, 26) + u16le(&header, 28)) as u64
    };
    let compressed: &[u8] = if data_at >= tail_start && data_at + csize <= size {
        let at = (data_at - tail_start) as usize;
        &tail[at..at + csize as usize]
    } else {
        extra.resize(csize as usize, 0);
        file.read_exact_at(extra, data_at).ok()?;
        extra
    };
    out.clear();
    match method {
        0 => out.extend_from_slice(compressed),
        8 => {
            state.reset(false);
            out.reserve(usize_ as usize);
            let status = state.decompress_vec(compressed, out, FlushDecompress::Finish);
            if !matches!(status, Ok(Status::StreamEnd)) || out.len() != usize_ as usize {
                return None;
            }
        }
        _ => return None,
    }
    std::str::from_utf8(out).ok()
}

/// `Requires-Dist` lines of the header section.
fn count_requires_dist(text: &str) -> usize {
    text.lines()
        .take_while(|l| !l.is_empty())
        .filter(|l| l.len() > 14 && l.as_bytes()[..14].eq_ignore_ascii_case(b"requires-dist:"))
        .count()
}

/// VmHWM of this process in kB (ru_maxrss would include what the parent's
/// fork copied before exec); -1 if unknown.
fn vmhwm_kb() -> i64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(-1)
}
