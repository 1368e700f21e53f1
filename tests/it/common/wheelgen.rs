//! Writes small but real wheels for tests.

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
    let (name, version) = name_and_version(file_name);
    let md = metadata_text(name, version, requires, requires_python);
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

/// `{name}-{version}` of a wheel file name.
fn name_and_version(file_name: &str) -> (&str, &str) {
    let stem = file_name.strip_suffix(".whl").expect("a .whl name");
    let mut parts = stem.split('-');
    (parts.next().unwrap(), parts.next().unwrap())
}

/// The METADATA text the writers put in a wheel.
pub fn metadata_text(
    name: &str,
    version: &str,
    requires: &[&str],
    requires_python: Option<&str>,
) -> String {
    let mut md = format!("Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n");
    if let Some(rp) = requires_python {
        md.push_str(&format!("Requires-Python: {rp}\n"));
    }
    for r in requires {
        md.push_str(&format!("Requires-Dist: {r}\n"));
    }
    md
}

/// A wheel whose entries are all stored (not compressed), with `padding`
/// bytes of incompressible data before METADATA and as many after it (so
/// METADATA sits far from both ends: for the range-read tests).
pub fn write_wheel_padded(
    dir: &Path,
    file_name: &str,
    requires: &[&str],
    padding: usize,
) -> PathBuf {
    use zip::write::SimpleFileOptions;
    let (dist, version) = name_and_version(file_name);
    let path = dir.join(file_name);
    let file = std::fs::File::create(&path).unwrap();
    let mut zip = zip::ZipWriter::new(file);
    let opts = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    if padding > 0 {
        zip.start_file(format!("{dist}/blob.bin"), opts).unwrap();
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        let blob: Vec<u8> = (0..padding)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x as u8
            })
            .collect();
        zip.write_all(&blob).unwrap();
    }
    let info = format!("{dist}-{version}.dist-info");
    zip.start_file(format!("{info}/METADATA"), opts).unwrap();
    zip.write_all(metadata_text(dist, version, requires, None).as_bytes())
        .unwrap();
    if padding > 0 {
        zip.start_file(format!("{dist}/tail.bin"), opts).unwrap();
        zip.write_all(&vec![7u8; padding]).unwrap();
    }
    zip.start_file(format!("{info}/WHEEL"), opts).unwrap();
    zip.write_all(b"Wheel-Version: 1.0\nRoot-Is-Purelib: true\n")
        .unwrap();
    zip.start_file(format!("{info}/RECORD"), opts).unwrap();
    zip.finish().unwrap();
    path
}
