//! Hostile and broken indexes, archives and metadata (issue 11): every test
//! starts a misbehaving server on loopback (`scripts/index_test_server.py`,
//! through `common::servers`) and asserts a correct plan or a clean coded
//! error, in bounded time and, for the big pages, bounded peak memory
//! (measured in a child process: `VmHWM` of `/proc/self/status`).

use crate::common;

use std::path::Path;
use std::time::{Duration, Instant};

use common::servers::{app_input, builds, error_code, expansions, plan, test_server, write_wheel};
use serde_json::json;

const REASON: &str = "missing compatible wheel for requirement";

fn s(v: &str) -> String {
    v.to_owned()
}

/// Writes `simple/<project>/index.html` as given.
fn write_page(root: &Path, project: &str, html: &str) {
    let dir = root.join("simple").join(project);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("index.html"), html).unwrap();
}

/// A wheel copied under `files/` (and a `.metadata` beside it when given).
fn add_file(root: &Path, source: &Path, metadata: Option<&str>) {
    let files = root.join("files");
    std::fs::create_dir_all(&files).unwrap();
    let name = source.file_name().unwrap();
    std::fs::copy(source, files.join(name)).unwrap();
    if let Some(md) = metadata {
        let mut n = name.to_os_string();
        n.push(".metadata");
        std::fs::write(files.join(n), md).unwrap();
    }
}

/// The plan of an input requiring `requires` against the index at `origin`.
fn plan_against(origin: &str, requires: &[&str], extra: serde_json::Value) -> serde_json::Value {
    let input = app_input(requires);
    let mut top = json!({"fallback_latest": true});
    if let (Some(t), Some(more)) = (top.as_object_mut(), extra.as_object()) {
        for (k, v) in more {
            t.insert(k.clone(), v.clone());
        }
    }
    plan(&common::servers::config(
        input.path(),
        json!({"index_url": format!("{origin}/simple/")}),
        top,
    ))
}

/// What the plan says of `name` anywhere (builds, expansions, missing).
fn mentions(plan: &serde_json::Value, name: &str) -> bool {
    let quoted = format!("\"{name}");
    plan["to_build"].to_string().contains(&quoted)
        || plan["dependency_expansions"].to_string().contains(&quoted)
        || plan["missing_requirements"].to_string().contains(name)
}

// --- link hygiene ------------------------------------------------------------

#[test]
fn only_distribution_links_of_the_project_count() {
    let tree = tempfile::tempdir().unwrap();
    let wheels = tempfile::tempdir().unwrap();
    let good = write_wheel(wheels.path(), "needed-2.5-py3-none-any.whl", &[], 0);
    add_file(tree.path(), &good, None);
    let old = write_wheel(wheels.path(), "needed-1.0-py3-none-any.whl", &[], 0);
    add_file(tree.path(), &old, None);
    write_page(
        tree.path(),
        "needed",
        r##"<!DOCTYPE html><html><body>
<a href="../../files/needed-1.0-py3-none-any.whl">needed-1.0-py3-none-any.whl</a>
<a href="javascript:alert(1)">needed-98.0.tar.gz</a>
<a href="mailto:x@example.org">needed-97.0.tar.gz</a>
<a href="data:text/plain,needed-96.0.tar.gz">needed-96.0.tar.gz</a>
<a href="file:///tmp/needed-95.0.tar.gz">needed-95.0.tar.gz</a>
<a href="ftp://127.0.0.1/needed-94.0.tar.gz">needed-94.0.tar.gz</a>
<a href="">needed-93.0.tar.gz</a>
<a href="?page=2">needed-92.0.tar.gz</a>
<a href="../">needed-91.0.tar.gz</a>
<a href="   ">needed-90.0.tar.gz</a>
<a href="#needed-89.0.tar.gz">needed-89.0.tar.gz</a>
<a href="../../files/?f=needed-88.0.tar.gz">needed-88.0.tar.gz</a>
<a href="../../files/needed-2.5-py3-none-any.whl#sha256=00">needed-2.5-py3-none-any.whl</a>
</body></html>"##,
    );
    let Some(server) = test_server(tree.path(), &[], false) else {
        return;
    };
    let plan = plan_against(&server.origin, &["needed>=2"], json!({}));
    assert_eq!(
        builds(&plan)[1..],
        [(s("needed"), s("2.5"), s(REASON))],
        "{plan}"
    );
    let warnings = plan["warnings"].to_string();
    assert!(
        warnings.contains("11 links skipped") && warnings.contains("needed"),
        "{warnings}"
    );
}

// --- unclosed <a> ------------------------------------------------------------

#[test]
fn an_unclosed_anchor_does_not_swallow_the_next() {
    let tree = tempfile::tempdir().unwrap();
    let wheels = tempfile::tempdir().unwrap();
    for f in ["needed-1.0-py3-none-any.whl", "needed-3.0-py3-none-any.whl"] {
        add_file(tree.path(), &write_wheel(wheels.path(), f, &[], 0), None);
    }
    write_page(
        tree.path(),
        "needed",
        r#"<html><body>
<a href="../../files/needed-1.0-py3-none-any.whl">needed-1.0-py3-none-any.whl<br/>
<a href="../../files/needed-3.0-py3-none-any.whl">needed-3.0-py3-none-any.whl</a><br/>
</body></html>"#,
    );
    let Some(server) = test_server(tree.path(), &[], false) else {
        return;
    };
    let plan = plan_against(&server.origin, &["needed>=2"], json!({}));
    assert_eq!(
        builds(&plan)[1..],
        [(s("needed"), s("3.0"), s(REASON))],
        "{plan}"
    );
}

// --- metadata that is not this release's -------------------------------------

/// `needed` 2.5 whose metadata (PEP 658 file or the wheel's only
/// dist-info) is `evil 6.6` requiring `backdoor`; `backdoor` 1.0 exists.
fn mismatch_tree(root: &Path, pep658: bool) {
    let wheels = tempfile::tempdir().unwrap();
    let w = wheels.path();
    let evil = common::servers::metadata_text("evil", "6.6", &["backdoor"]);
    let needed = if pep658 {
        write_wheel(w, "needed-2.5-py3-none-any.whl", &[], 0)
    } else {
        // The wheel's only dist-info is another project's.
        let path = w.join("needed-2.5-py3-none-any.whl");
        common_zip(
            &path,
            &[
                ("evil-6.6.dist-info/METADATA", evil.as_bytes()),
                ("evil-6.6.dist-info/WHEEL", b"Wheel-Version: 1.0\n"),
            ],
        );
        path
    };
    add_file(root, &needed, pep658.then_some(evil.as_str()));
    let backdoor = write_wheel(w, "backdoor-1.0-py3-none-any.whl", &[], 0);
    add_file(root, &backdoor, None);
    let meta = if pep658 {
        r#" data-core-metadata="true""#
    } else {
        ""
    };
    write_page(
        root,
        "needed",
        &format!(
            r#"<a href="../../files/needed-2.5-py3-none-any.whl"{meta}>needed-2.5-py3-none-any.whl</a>"#
        ),
    );
    write_page(
        root,
        "backdoor",
        r#"<a href="../../files/backdoor-1.0-py3-none-any.whl">backdoor-1.0-py3-none-any.whl</a>"#,
    );
}

fn common_zip(path: &Path, entries: &[(&str, &[u8])]) {
    use std::io::Write;
    let mut zip = zip::ZipWriter::new(std::fs::File::create(path).unwrap());
    let opts = zip::write::SimpleFileOptions::default();
    for (name, bytes) in entries {
        zip.start_file(*name, opts).unwrap();
        zip.write_all(bytes).unwrap();
    }
    zip.finish().unwrap();
}

fn assert_mismatch_not_trusted(pep658: bool) {
    let tree = tempfile::tempdir().unwrap();
    mismatch_tree(tree.path(), pep658);
    let Some(server) = test_server(tree.path(), &["--ranges"], false) else {
        return;
    };
    let plan = plan_against(
        &server.origin,
        &["needed>=2"],
        json!({"fallback_latest": false, "expansion": {"max_depth": 3, "max_jobs": 5}}),
    );
    assert!(plan.get("error").is_none(), "{plan}");
    assert!(!mentions(&plan, "backdoor"), "{plan}");
    assert_eq!(
        expansions(&plan),
        [(s("needed"), s("2.5"), 1, vec![s("app")])],
        "{plan}"
    );
    let warnings = plan["warnings"].to_string();
    assert!(
        warnings.contains("needed 2.5") && warnings.contains("evil 6.6"),
        "{warnings}"
    );
}

#[test]
fn pep658_metadata_of_another_release_is_not_trusted() {
    assert_mismatch_not_trusted(true);
}

#[test]
fn wheel_metadata_of_another_release_is_not_trusted() {
    assert_mismatch_not_trusted(false);
}

#[test]
fn an_input_wheel_with_another_releases_metadata_is_not_trusted() {
    let input = tempfile::tempdir().unwrap();
    common_zip(
        &input.path().join("app-1.0-py3-none-any.whl"),
        &[(
            "evil-6.6.dist-info/METADATA",
            common::servers::metadata_text("evil", "6.6", &["backdoor"]).as_bytes(),
        )],
    );
    let cfg = json!({
        "input_dir": input.path().display().to_string(),
        "target_python": "3.11",
        "target_platform_tag": "manylinux2014_s390x",
        "run_id": "adversarial",
    });
    let plan = plan(&cfg.to_string());
    assert!(plan.get("error").is_none(), "{plan}");
    assert!(!mentions(&plan, "backdoor"), "{plan}");
    let warnings = plan["warnings"].to_string();
    assert!(warnings.contains("evil 6.6"), "{warnings}");
}

// --- redaction ---------------------------------------------------------------

#[test]
fn refused_credentials_are_shown_as_stars() {
    let tree = tempfile::tempdir().unwrap();
    write_page(tree.path(), "needed", "<a href=\"x\">x</a>");
    let Some(server) = test_server(tree.path(), &["--auth", "alice:s3cret"], false) else {
        return;
    };
    let origin = server.origin.replace("http://", "http://alice:wrong-pw@");
    let result = plan_against(&origin, &["needed>=2"], json!({}));
    assert_eq!(error_code(&result), "index_error", "{result}");
    let message = result["error"]["message"].as_str().unwrap();
    assert!(message.contains("HTTP 401"), "{message}");
    assert!(!message.contains("wrong-pw"), "{message}");
    assert!(
        message.contains(&format!(
            "http://****@127.0.0.1:{}/simple/needed/",
            server.port
        )),
        "{message}"
    );
}

// --- central directory -------------------------------------------------------

/// A wheel `needed-2.5` whose central directory has `extra` more entries
/// than the cap allows, its METADATA requiring `sub`.
fn wheel_with_huge_directory(dir: &Path, name: &str, entries: usize) -> std::path::PathBuf {
    use std::io::Write;
    let path = dir.join(name);
    let stem = name.strip_suffix(".whl").unwrap();
    let mut parts = stem.split('-');
    let (dist, version) = (parts.next().unwrap(), parts.next().unwrap());
    let file = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
    let mut zip = zip::ZipWriter::new(file);
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Stored)
        .large_file(false);
    for i in 0..entries {
        zip.start_file(format!("d/{i:x}"), opts).unwrap();
    }
    zip.start_file(format!("{dist}-{version}.dist-info/METADATA"), opts)
        .unwrap();
    zip.write_all(common::servers::metadata_text(dist, version, &["sub"]).as_bytes())
        .unwrap();
    zip.finish().unwrap();
    path
}

const HUGE_DIRECTORY: usize = wheel_resolver::internals::wheel::MAX_ZIP_ENTRIES as usize + 1;

#[test]
fn an_input_wheel_with_a_huge_central_directory_is_refused() {
    let input = tempfile::tempdir().unwrap();
    wheel_with_huge_directory(input.path(), "app-1.0-py3-none-any.whl", HUGE_DIRECTORY);
    let cfg = json!({
        "input_dir": input.path().display().to_string(),
        "target_python": "3.11",
        "target_platform_tag": "manylinux2014_s390x",
        "run_id": "adversarial",
    });
    let start = Instant::now();
    let result = plan(&cfg.to_string());
    assert_eq!(error_code(&result), "invalid_wheel", "{result}");
    assert!(result.to_string().contains("central directory"), "{result}");
    assert!(start.elapsed() < Duration::from_secs(60));
}

#[test]
fn a_remote_wheel_with_a_huge_central_directory_is_refused() {
    let tree = tempfile::tempdir().unwrap();
    let wheels = tempfile::tempdir().unwrap();
    let whl =
        wheel_with_huge_directory(wheels.path(), "needed-2.5-py3-none-any.whl", HUGE_DIRECTORY);
    add_file(tree.path(), &whl, None);
    write_page(
        tree.path(),
        "needed",
        r#"<a href="../../files/needed-2.5-py3-none-any.whl">x</a>"#,
    );
    let Some(server) = test_server(tree.path(), &["--ranges"], false) else {
        return;
    };
    let result = plan_against(
        &server.origin,
        &["needed>=2"],
        json!({"fallback_latest": false, "expansion": {"max_depth": 2, "max_jobs": 5}}),
    );
    assert_eq!(error_code(&result), "index_error", "{result}");
    assert!(result.to_string().contains("central directory"), "{result}");
}

// --- memory ------------------------------------------------------------------

/// Runs `config` in a child process (this test binary re-run with
/// `ADVERSARIAL_CHILD` set) and returns its result and peak RSS in bytes.
fn plan_in_child(test: &str, config: &str) -> (serde_json::Value, u64) {
    let dir = tempfile::tempdir().unwrap();
    let cfg_path = dir.path().join("config.json");
    std::fs::write(&cfg_path, config).unwrap();
    let test = common::child::test_name(module_path!(), test);
    let out = common::child::this_test_binary()
        .args([test.as_str(), "--exact", "--nocapture", "--test-threads=1"])
        .env("ADVERSARIAL_CHILD", &cfg_path)
        .output()
        .expect("re-run the test binary");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "child failed: {stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let result = stdout
        .lines()
        .find_map(|l| l.split_once("RESULT ").map(|(_, r)| r))
        .expect("the child's result line");
    let hwm = stdout
        .lines()
        .find_map(|l| l.split_once("VMHWM ").map(|(_, r)| r))
        .and_then(|v| v.trim().parse::<u64>().ok())
        .expect("the child's VmHWM line");
    (serde_json::from_str(result).unwrap(), hwm)
}

/// In the child: plans the config and prints the result and `VmHWM`.
/// Returns true when this process is the child.
fn child_mode() -> bool {
    let Some(path) = std::env::var_os("ADVERSARIAL_CHILD") else {
        return false;
    };
    let config = std::fs::read_to_string(path).unwrap();
    let result = plan(&config);
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let kb: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmHWM in /proc/self/status");
    println!("\nRESULT {result}");
    println!("\nVMHWM {}", kb * 1024);
    true
}

const PEAK_LIMIT: u64 = 300 * 1024 * 1024;

/// A test server whose every project page lists `n` files (`--many`), over
/// an empty tree (returned: it must outlive the server).
fn many_files_server(n: usize) -> Option<(tempfile::TempDir, common::servers::Server)> {
    let tree = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(tree.path().join("simple")).unwrap();
    let many = format!("/simple/={n}");
    let server = test_server(tree.path(), &["--many", &many], false)?;
    Some((tree, server))
}

/// One page listing more files than the per-page cap: a clean
/// `index_error`, and the plan's peak memory stays bounded.
#[test]
fn a_page_with_too_many_files_is_refused_within_bounded_memory() {
    if child_mode() {
        return;
    }
    let n = wheel_resolver::internals::index::files::MAX_FILES_PER_PAGE + 1;
    let Some((_tree, server)) = many_files_server(n) else {
        return;
    };
    let input = app_input(&["big>=0"]);
    let cfg = common::servers::config(
        input.path(),
        json!({"index_url": format!("{}/simple/", server.origin)}),
        json!({"fallback_latest": true}),
    );
    let start = Instant::now();
    let (result, peak) = plan_in_child(
        "a_page_with_too_many_files_is_refused_within_bounded_memory",
        &cfg,
    );
    eprintln!(
        "{n} files: peak RSS {} MB in {:?}",
        peak >> 20,
        start.elapsed()
    );
    assert_eq!(error_code(&result), "index_error", "{result}");
    assert!(result.to_string().contains("files"), "{result}");
    assert!(peak < PEAK_LIMIT, "peak RSS {peak}");
}

/// A page just under the cap: the plan is right, memory bounded.
#[test]
fn a_page_with_many_files_plans_within_bounded_memory() {
    if child_mode() {
        return;
    }
    let n = wheel_resolver::internals::index::files::MAX_FILES_PER_PAGE;
    let Some((_tree, server)) = many_files_server(n) else {
        return;
    };
    let input = app_input(&["big>=0"]);
    let cfg = common::servers::config(
        input.path(),
        json!({"index_url": format!("{}/simple/", server.origin)}),
        json!({"fallback_latest": true}),
    );
    let start = Instant::now();
    let (result, peak) = plan_in_child("a_page_with_many_files_plans_within_bounded_memory", &cfg);
    eprintln!(
        "{n} files: peak RSS {} MB in {:?}",
        peak >> 20,
        start.elapsed()
    );
    assert_eq!(
        builds(&result)[1..],
        [(s("big"), format!("0.{}", n - 1), s(REASON))],
        "{result}"
    );
    assert!(peak < PEAK_LIMIT, "peak RSS {peak}");
}

/// Two indexes (best-match) each listing `n` wheels of one version of
/// `big`, differing in their build tag (`0..n` on the first, `n..2n` on the
/// second), so that the merged project holds `2 n` files of one version;
/// the one the plan reads (`big-1.0-0-py3-none-any.whl`, the first by
/// name) is real. The right plan, and the peak memory stays bounded.
#[test]
fn two_indexes_with_many_files_of_one_version_plan_within_bounded_memory() {
    if child_mode() {
        return;
    }
    let n = wheel_resolver::internals::index::files::MAX_FILES_PER_PAGE;
    let tree = tempfile::tempdir().unwrap();
    let wheels = tempfile::tempdir().unwrap();
    let whl = write_wheel(wheels.path(), "big-1.0-0-py3-none-any.whl", &[], 0);
    add_file(tree.path(), &whl, None);
    std::fs::create_dir_all(tree.path().join("simple")).unwrap();
    let first = format!("/simple/=0,{n}");
    let second = format!("/simple/={n},{n}");
    let Some(one) = test_server(tree.path(), &["--many-wheels", &first], false) else {
        return;
    };
    let Some(two) = test_server(tree.path(), &["--many-wheels", &second], false) else {
        return;
    };
    let input = app_input(&["big>=0"]);
    let cfg = common::servers::config(
        input.path(),
        json!({
            "index_url": format!("{}/simple/", one.origin),
            "extra_index_urls": [format!("{}/simple/", two.origin)],
            "strategy": "best-match",
        }),
        json!({"fallback_latest": true, "expansion": {"max_depth": 2, "max_jobs": 5}}),
    );
    let start = Instant::now();
    let (result, peak) = plan_in_child(
        "two_indexes_with_many_files_of_one_version_plan_within_bounded_memory",
        &cfg,
    );
    eprintln!(
        "2 x {n} files of one version (best-match): peak RSS {} MB in {:?}",
        peak >> 20,
        start.elapsed()
    );
    assert_eq!(
        builds(&result)[1..],
        [(s("big"), s("1.0"), s(REASON))],
        "{result}"
    );
    assert!(
        !result["warnings"].to_string().contains("big 1.0"),
        "{result}"
    );
    assert!(peak < PEAK_LIMIT, "peak RSS {peak}");
}

/// GETs `path` from the test server and discards the answer.
fn warm(port: u16, path: &str) {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(s, "GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").unwrap();
    let mut sink = [0u8; 1 << 16];
    while s.read(&mut sink).is_ok_and(|n| n > 0) {}
}

/// `count` projects `p<i>` with one wheel `1.<i>` each, their pages padded
/// to about `bytes` by the test server (`--pad` junk anchors or
/// `--pad-text` plain text); planned in a child: (result, peak RSS).
fn plan_padded_pages(
    test: &str,
    count: usize,
    pad: &str,
    bytes: usize,
) -> Option<(serde_json::Value, u64)> {
    let tree = tempfile::tempdir().unwrap();
    let wheels = tempfile::tempdir().unwrap();
    let mut requires = Vec::new();
    for i in 0..count {
        let name = format!("p{i}");
        let whl = write_wheel(
            wheels.path(),
            &format!("{name}-1.{i}-py3-none-any.whl"),
            &[],
            0,
        );
        add_file(tree.path(), &whl, None);
        write_page(
            tree.path(),
            &name,
            &format!(
                "<html><body><a href=\"../../files/{name}-1.{i}-py3-none-any.whl\">x</a></body></html>"
            ),
        );
        requires.push(format!("{name}>=1"));
    }
    let pad_arg = format!("/simple/={bytes}");
    let server = test_server(tree.path(), &[pad, &pad_arg], false)?;
    // The server builds each page once: build them all now, so that the
    // plan's requests really are in flight together.
    for i in 0..count {
        warm(server.port, &format!("/simple/p{i}/"));
    }
    let refs: Vec<&str> = requires.iter().map(String::as_str).collect();
    let input = app_input(&refs);
    let cfg = common::servers::config(
        input.path(),
        json!({"index_url": format!("{}/simple/", server.origin), "timeout_seconds": 120}),
        json!({"fallback_latest": true}),
    );
    let start = Instant::now();
    let (result, peak) = plan_in_child(test, &cfg);
    eprintln!(
        "{count} x {} MiB pages ({pad}): peak RSS {} MB in {:?}",
        bytes >> 20,
        peak >> 20,
        start.elapsed()
    );
    let want: Vec<_> = (0..count)
        .map(|i| (format!("p{i}"), format!("1.{i}"), s(REASON)))
        .collect();
    assert_eq!(builds(&result)[1..], want[..], "{result}");
    Some((result, peak))
}

/// One 60 MiB page of junk anchors (about 700,000 `?page=<i>` links)
/// around one real file: the right plan, bounded memory.
#[test]
fn a_large_page_of_junk_anchors_plans_within_bounded_memory() {
    if child_mode() {
        return;
    }
    let Some((result, peak)) = plan_padded_pages(
        "a_large_page_of_junk_anchors_plans_within_bounded_memory",
        1,
        "--pad",
        60 << 20,
    ) else {
        return;
    };
    assert!(
        result["warnings"].to_string().contains("links skipped"),
        "{result}"
    );
    assert!(peak < PEAK_LIMIT, "peak RSS {peak}");
}

/// Eight concurrent project pages of 60 MiB each (text around one real
/// file): the right plan, and the bodies in flight are bounded.
#[test]
fn concurrent_large_pages_stay_within_bounded_memory() {
    if child_mode() {
        return;
    }
    let Some((_, peak)) = plan_padded_pages(
        "concurrent_large_pages_stay_within_bounded_memory",
        8,
        "--pad-text",
        60 << 20,
    ) else {
        return;
    };
    assert!(peak < PEAK_LIMIT, "peak RSS {peak}");
}

/// Many projects each at the per-page cap: what the call keeps of them is
/// capped too (`MAX_RETAINED_INDEX_BYTES`), a clean `index_error` within
/// bounded memory rather than growing with every page.
#[test]
fn what_a_call_keeps_of_many_large_pages_is_capped() {
    if child_mode() {
        return;
    }
    let n = wheel_resolver::internals::index::files::MAX_FILES_PER_PAGE;
    let Some((_tree, server)) = many_files_server(n) else {
        return;
    };
    let input = app_input(&["big0>=0", "big1>=0", "big2>=0", "big3>=0", "big4>=0"]);
    let cfg = common::servers::config(
        input.path(),
        json!({"index_url": format!("{}/simple/", server.origin)}),
        json!({"fallback_latest": true}),
    );
    let start = Instant::now();
    let (result, peak) = plan_in_child("what_a_call_keeps_of_many_large_pages_is_capped", &cfg);
    eprintln!(
        "5 x {n} files: peak RSS {} MB in {:?}",
        peak >> 20,
        start.elapsed()
    );
    assert_eq!(error_code(&result), "index_error", "{result}");
    assert!(result.to_string().contains("fit in"), "{result}");
    assert!(peak < PEAK_LIMIT, "peak RSS {peak}");
}
