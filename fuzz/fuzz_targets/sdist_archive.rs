//! An sdist's bytes (from an index, issue 26): as a `.tar.gz` (the gzip
//! layer), the same bytes gzipped here (so that mutations reach the tar
//! layer: long-name and pax headers, member kinds, paths), and as a
//! `.zip` (end records, central directory, the entry); then whatever
//! `pyproject.toml` was found through `[build-system]`.
#![no_main]

use std::io::{Cursor, Write};

use libfuzzer_sys::fuzz_target;
use wheel_resolver::internals::sdist::{build_system_from, tar_gz, zip};

fuzz_target!(|data: &[u8]| {
    if let Ok(found) = tar_gz::read_pyproject(data, Some(data.len() as u64)) {
        let _ = build_system_from(found.as_deref());
    }
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::none());
    if gz.write_all(data).is_ok() {
        if let Ok(gz) = gz.finish() {
            if let Ok(found) = tar_gz::read_pyproject(&gz[..], None) {
                let _ = build_system_from(found.as_deref());
            }
        }
    }
    if let Ok(found) = zip::read_pyproject(Cursor::new(data)) {
        let _ = build_system_from(found.as_deref());
    }
});
