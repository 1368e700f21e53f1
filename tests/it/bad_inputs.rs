//! The bad-input suite on real files: each case gets a clear coded error or a
//! documented warning; nothing crashes, hangs or reads outside `input_dir`.

use crate::common;

use std::os::unix::ffi::OsStrExt;
use std::path::Path;

use common::wheelgen::{write_wheel, write_zip};
use serde_json::{json, Value};

fn plan(dir: &Path) -> Value {
    common::call_ffi(
        &json!({"input_dir": dir, "target_python": "3.11", "run_id": "bad"}).to_string(),
    )
}

fn bad_files(out: &Value) -> Vec<String> {
    assert_eq!(out["error"]["code"], "invalid_wheel", "{out}");
    out["error"]["details"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["file"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn symlinks_inside_are_followed_outside_are_refused() {
    let outside = tempfile::tempdir().unwrap();
    let target = write_wheel(outside.path(), "secret-1.0-py3-none-any.whl", &[]);
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    std::fs::create_dir(d.join("store")).unwrap();
    let inner = write_wheel(&d.join("store"), "inner-1.0-py3-none-any.whl", &[]);
    std::os::unix::fs::symlink(&inner, d.join("inner-1.0-py3-none-any.whl")).unwrap();
    let out = plan(d);
    assert_eq!(out["reuse"][0]["name"], "inner", "{out}");

    std::os::unix::fs::symlink(&target, d.join("secret-1.0-py3-none-any.whl")).unwrap();
    std::os::unix::fs::symlink(d.join("nowhere"), d.join("dangling-1.0-py3-none-any.whl")).unwrap();
    let out = plan(d);
    assert_eq!(
        bad_files(&out),
        [
            "dangling-1.0-py3-none-any.whl",
            "secret-1.0-py3-none-any.whl"
        ]
    );
    let msg = out["error"]["message"].as_str().unwrap();
    assert!(msg.contains("outside input_dir"), "{msg}");
}

#[test]
fn fifos_and_devices_are_not_opened() {
    let tmp = tempfile::tempdir().unwrap();
    let fifo = tmp.path().join("pipe-1.0-py3-none-any.whl");
    let c = std::ffi::CString::new(fifo.as_os_str().as_bytes()).unwrap();
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    std::os::unix::fs::symlink("/dev/zero", tmp.path().join("zero-1.0-py3-none-any.whl")).unwrap();
    // Would block forever (FIFO) or read forever (/dev/zero) if opened as a file.
    let out = plan(tmp.path());
    assert_eq!(
        bad_files(&out),
        ["pipe-1.0-py3-none-any.whl", "zero-1.0-py3-none-any.whl"]
    );
}

#[test]
fn non_utf8_file_names_are_named_lossily() {
    let tmp = tempfile::tempdir().unwrap();
    let name = std::ffi::OsStr::from_bytes(b"caf\xe9-1.0-py3-none-any.whl");
    std::fs::write(tmp.path().join(name), b"x").unwrap();
    let out = plan(tmp.path());
    let files = bad_files(&out);
    assert_eq!(files.len(), 1);
    assert!(
        files[0].starts_with("caf") && files[0].contains('\u{fffd}'),
        "{files:?}"
    );
    assert!(out["error"]["message"].as_str().unwrap().contains("UTF-8"));
}

#[test]
fn unreadable_files_are_invalid_wheels() {
    if unsafe { libc::geteuid() } == 0 {
        eprintln!("SKIPPED unreadable_files_are_invalid_wheels: running as root, permissions do not apply");
        return;
    }
    use std::os::unix::fs::PermissionsExt;
    let tmp = tempfile::tempdir().unwrap();
    let p = write_wheel(tmp.path(), "locked-1.0-py3-none-any.whl", &[]);
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o000)).unwrap();
    assert_eq!(
        bad_files(&plan(tmp.path())),
        ["locked-1.0-py3-none-any.whl"]
    );
}

#[test]
fn corrupt_archives_of_every_kind() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let good = write_wheel(d, "good-1.0-py3-none-any.whl", &["dep>=1"]);
    let bytes = std::fs::read(&good).unwrap();
    std::fs::write(d.join("empty-1.0-py3-none-any.whl"), b"").unwrap();
    std::fs::write(
        d.join("half-1.0-py3-none-any.whl"),
        &bytes[..bytes.len() / 2],
    )
    .unwrap();
    std::fs::write(
        d.join("noeocd-1.0-py3-none-any.whl"),
        &bytes[..bytes.len() - 22],
    )
    .unwrap();
    let mut flipped = bytes.clone();
    // Corrupt the compressed METADATA payload: the CRC check must catch it.
    let at = flipped.windows(8).position(|w| w == b"METADATA").unwrap() + 20;
    for b in &mut flipped[at..at + 16] {
        *b ^= 0x5a;
    }
    std::fs::write(d.join("flipped-1.0-py3-none-any.whl"), &flipped).unwrap();
    std::fs::write(
        d.join("text-1.0-py3-none-any.whl"),
        b"this is not a zip archive at all",
    )
    .unwrap();
    let out = plan(d);
    let files = bad_files(&out);
    for f in ["empty", "half", "noeocd", "flipped", "text"] {
        assert!(
            files.iter().any(|x| x.starts_with(f)),
            "{f} not reported: {files:?}"
        );
    }
    assert!(!files.iter().any(|x| x.starts_with("good")));
}

#[test]
fn metadata_of_another_distribution_or_nested_is_not_taken() {
    let tmp = tempfile::tempdir().unwrap();
    write_zip(
        tmp.path(),
        "app-1.0-py3-none-any.whl",
        &[
            (
                "vendored/inner-2.0.dist-info/METADATA",
                b"Requires-Dist: evil\n" as &[u8],
            ),
            (
                "app-1.0.dist-info/METADATA",
                b"Name: app\nRequires-Dist: good\n",
            ),
        ],
    );
    let out = plan(tmp.path());
    assert_eq!(out["missing_requirements"], json!(["good"]), "{out}");
}

#[test]
fn tens_of_thousands_of_files() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    for i in 0..20_000 {
        std::fs::write(d.join(format!("note-{i}.txt")), b"").unwrap();
    }
    let proto = write_wheel(d, "p0-1.0-py3-none-any.whl", &["p1>=1"]);
    for i in 1..2_000 {
        std::fs::hard_link(&proto, d.join(format!("p{i}-1.0-py3-none-any.whl"))).unwrap();
    }
    let started = std::time::Instant::now();
    let out = plan(d);
    eprintln!(
        "22,000 directory entries, 2,000 wheels: {:?}",
        started.elapsed()
    );
    assert_eq!(
        out["reuse"].as_array().map(Vec::len),
        Some(2_000),
        "{}",
        out["error"]
    );
    // Every hard link has p0's METADATA (`p1>=1`), satisfied by p1 1.0.
    assert_eq!(out["missing_requirements"], json!([]));
}
