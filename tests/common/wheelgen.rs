//! Writes small but real wheels for tests.
#![allow(dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};

/// Writes `dir/file_name` as a zip holding `entries` (path, bytes).
pub fn write_zip(dir: &Path, file_name: &str, entries: &[(&str, &[u8])]) -> PathBuf {
    let path = dir.join(file_name);
    let file = std::fs::File::create(&path).unwrap();
    let mut zip = zip::ZipWriter::new(file);
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, bytes) in entries {
        zip.start_file(*name, opts).unwrap();
        zip.write_all(bytes).unwrap();
    }
    zip.finish().unwrap();
    path
}

/// Writes a wheel named `file_name` whose METADATA lists `requires`.
pub fn write_wheel(dir: &Path, file_name: &str, requires: &[&str]) -> PathBuf {
    write_wheel_with(dir, file_name, requires, None)
}

/// [`write_wheel`] with a `Requires-Python` in METADATA when given.
pub fn write_wheel_with(
    dir: &Path,
    file_name: &str,
    requires: &[&str],
    requires_python: Option<&str>,
) -> PathBuf {
    let stem = file_name.trim_end_matches(".whl");
    let mut parts = stem.split('-');
    let name = parts.next().unwrap();
    let version = parts.next().unwrap();
    let mut md = format!("Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n");
    if let Some(rp) = requires_python {
        md.push_str(&format!("Requires-Python: {rp}\n"));
    }
    for r in requires {
        md.push_str(&format!("Requires-Dist: {r}\n"));
    }
    let info = format!("{name}-{version}.dist-info");
    write_zip(
        dir,
        file_name,
        &[
            (&format!("{name}/__init__.py"), b"" as &[u8]),
            (&format!("{info}/METADATA"), md.as_bytes()),
            (&format!("{info}/WHEEL"), b"Wheel-Version: 1.0\n"),
        ],
    )
}
