//! Index behaviour against static trees served by `python3 -m http.server`
//! (PEP 658 metadata, full-download fallback) and by
//! `scripts/index_test_server.py` (HTTP range reads, PEP 691 negotiation,
//! fault injection, redirects, deadlines). Loopback only.

use crate::common;

use common::servers::{
    app_input, builds, error_code, expansions, plan, read_log, test_server, write_tree,
    write_wheel, TreeFile,
};
use serde_json::json;

fn s(v: &str) -> String {
    v.to_owned()
}

fn build(name: &str, version: &str, reason: &str) -> (String, String, String) {
    (s(name), s(version), s(reason))
}

/// `dep` 1.0 and 2.0 (2.0 requires `sub>=1`), `sub` 1.0 and 1.5; the wheel
/// of dep 2.0 is `padding` bytes big with METADATA far from both ends.
fn dep_tree(root: &std::path::Path, pep658: bool, padding: usize) {
    let wheels = tempfile::tempdir().unwrap();
    let w = wheels.path();
    let dep1 = write_wheel(w, "dep-1.0-py3-none-any.whl", &[], 0);
    // With PEP 658 the wheel itself says something else: only the
    // .metadata file may be read.
    let inside: &[&str] = if pep658 {
        &["wheelonly>=1"]
    } else {
        &["sub>=1"]
    };
    let dep2 = write_wheel(w, "dep-2.0-py3-none-any.whl", inside, padding);
    let sub1 = write_wheel(w, "sub-1.0-py3-none-any.whl", &[], 0);
    let sub15 = write_wheel(w, "sub-1.5-py3-none-any.whl", &[], 0);
    let md = pep658.then(|| common::servers::metadata_text("dep", "2.0", &["sub>=1"]));
    write_tree(
        root,
        &[
            (
                "dep",
                vec![
                    TreeFile::plain(dep1),
                    TreeFile {
                        source: dep2,
                        yanked: false,
                        metadata: md,
                        requires_python: None,
                        sha256: None,
                    },
                ],
            ),
            ("sub", vec![TreeFile::plain(sub1), TreeFile::plain(sub15)]),
        ],
        true,
    );
}

fn expansion_config(input: &std::path::Path, index_url: &str) -> String {
    common::servers::config(
        input,
        json!({"index_url": index_url}),
        json!({"expansion": {"max_depth": 2, "max_jobs": 5}}),
    )
}

fn expected_expansions() -> Vec<(String, String, u64, Vec<String>)> {
    vec![
        (s("dep"), s("2.0"), 1, vec![s("app")]),
        (s("sub"), s("1.5"), 2, vec![s("dep")]),
    ]
}

#[test]
fn pep658_metadata_drives_expansion() {
    let tree = tempfile::tempdir().unwrap();
    dep_tree(tree.path(), true, 0);
    let Some(server) = common::servers::http_server(tree.path()) else {
        return;
    };
    let input = app_input(&["dep>=1"]);
    let plan = plan(&expansion_config(
        input.path(),
        &format!("{}/simple/", server.origin),
    ));
    assert_eq!(expansions(&plan), expected_expansions(), "{plan}");
    assert!(
        plan["missing_requirements"].as_array().unwrap().is_empty(),
        "{plan}"
    );
}

#[test]
fn range_reads_fetch_only_the_metadata() {
    let tree = tempfile::tempdir().unwrap();
    let padding = 2 * 1024 * 1024;
    dep_tree(tree.path(), false, padding);
    let log = tree.path().join("requests.log");
    let log_arg = log.display().to_string();
    let Some(server) = test_server(tree.path(), &["--ranges", "--log", &log_arg], false) else {
        return;
    };
    let input = app_input(&["dep>=1"]);
    let plan = plan(&expansion_config(
        input.path(),
        &format!("{}/simple/", server.origin),
    ));
    assert_eq!(expansions(&plan), expected_expansions(), "{plan}");
    let wheel_requests: Vec<_> = read_log(&log)
        .into_iter()
        .filter(|e| {
            e["path"]
                .as_str()
                .unwrap_or("")
                .ends_with("dep-2.0-py3-none-any.whl")
        })
        .collect();
    assert!(!wheel_requests.is_empty());
    let sent: u64 = wheel_requests
        .iter()
        .map(|e| e["bytes"].as_u64().unwrap())
        .sum();
    assert!(
        wheel_requests
            .iter()
            .all(|e| e["status"] == 206 && e["range"].is_string()),
        "{wheel_requests:?}"
    );
    assert!(
        sent < 512 * 1024,
        "{sent} bytes of a {} byte wheel were transferred: {wheel_requests:?}",
        2 * padding
    );
    eprintln!(
        "range reads: {} requests, {sent} bytes of a >{} byte wheel",
        wheel_requests.len(),
        2 * padding
    );
}

#[test]
fn full_download_when_ranges_are_ignored() {
    let tree = tempfile::tempdir().unwrap();
    dep_tree(tree.path(), false, 256 * 1024);
    let Some(server) = common::servers::http_server(tree.path()) else {
        return;
    };
    let input = app_input(&["dep>=1"]);
    let plan = plan(&expansion_config(
        input.path(),
        &format!("{}/simple/", server.origin),
    ));
    assert_eq!(expansions(&plan), expected_expansions(), "{plan}");
}

#[test]
fn pep691_json_is_negotiated() {
    let tree = tempfile::tempdir().unwrap();
    let wheels = tempfile::tempdir().unwrap();
    let w = wheels.path();
    write_tree(
        tree.path(),
        &[(
            "lib",
            vec![
                TreeFile::plain(write_wheel(w, "lib-1.0-py3-none-any.whl", &[], 0)),
                TreeFile::plain(write_wheel(w, "lib-2.0-py3-none-any.whl", &[], 0)),
            ],
        )],
        true,
    );
    // The HTML page lists only 1.0: choosing 2.0 proves the JSON was read.
    std::fs::write(
        tree.path().join("simple/lib/index.html"),
        "<a href=\"../../files/lib-1.0-py3-none-any.whl\">lib-1.0-py3-none-any.whl</a>",
    )
    .unwrap();
    let log = tree.path().join("requests.log");
    let log_arg = log.display().to_string();
    let Some(server) = test_server(tree.path(), &["--negotiate", "--log", &log_arg], false) else {
        return;
    };
    let input = app_input(&["lib>=1"]);
    let cfg = common::servers::config(
        input.path(),
        json!({"index_url": format!("{}/simple", server.origin)}),
        json!({"fallback_latest": true}),
    );
    let plan = plan(&cfg);
    assert_eq!(
        builds(&plan),
        [
            build("app", "1.0", "incompatible wheel"),
            build("lib", "2.0", "missing compatible wheel for requirement")
        ],
        "{plan}"
    );
    let page = read_log(&log)
        .into_iter()
        .find(|e| e["path"] == "/simple/lib/")
        .expect("the page was requested");
    assert!(page["accept"]
        .as_str()
        .unwrap()
        .starts_with("application/vnd.pypi.simple.v1+json"));
}

#[test]
fn yanked_and_invalid_files() {
    let tree = tempfile::tempdir().unwrap();
    let wheels = tempfile::tempdir().unwrap();
    let w = wheels.path();
    let sdist = w.join("lib-2.0.tar.gz");
    std::fs::write(&sdist, b"not really").unwrap();
    let bad = w.join("lib-notaversion.tar.gz");
    std::fs::write(&bad, b"x").unwrap();
    write_tree(
        tree.path(),
        &[(
            "lib",
            vec![
                TreeFile::plain(write_wheel(w, "lib-1.0-py3-none-any.whl", &[], 0)),
                // 2.0: one file yanked, the other not: still offered.
                TreeFile {
                    source: write_wheel(w, "lib-2.0-py3-none-any.whl", &[], 0),
                    yanked: true,
                    metadata: None,
                    requires_python: None,
                    sha256: None,
                },
                TreeFile::plain(sdist),
                // 3.0: every file yanked.
                TreeFile {
                    source: write_wheel(w, "lib-3.0-py3-none-any.whl", &[], 0),
                    yanked: true,
                    metadata: None,
                    requires_python: None,
                    sha256: None,
                },
                TreeFile::plain(bad),
            ],
        )],
        false,
    );
    let Some(server) = common::servers::http_server(tree.path()) else {
        return;
    };
    let input = app_input(&["lib>=1"]);
    let cfg = common::servers::config(
        input.path(),
        json!({"index_url": format!("{}/simple/", server.origin)}),
        json!({"fallback_latest": true}),
    );
    let plan = plan(&cfg);
    assert_eq!(
        builds(&plan)[1],
        build("lib", "2.0", "missing compatible wheel for requirement"),
        "{plan}"
    );
    let warnings = plan["warnings"].to_string();
    assert!(warnings.contains("lib-notaversion.tar.gz"), "{warnings}");
}

#[test]
fn sdist_only_release_expands_without_requirements() {
    let tree = tempfile::tempdir().unwrap();
    let files = tempfile::tempdir().unwrap();
    let sdist = files.path().join("dep-1.0.tar.gz");
    std::fs::write(&sdist, b"sdist").unwrap();
    write_tree(tree.path(), &[("dep", vec![TreeFile::plain(sdist)])], false);
    let Some(server) = common::servers::http_server(tree.path()) else {
        return;
    };
    let input = app_input(&["dep"]);
    let plan = plan(&expansion_config(
        input.path(),
        &format!("{}/simple/", server.origin),
    ));
    assert_eq!(
        expansions(&plan),
        [(s("dep"), s("1.0"), 1, vec![s("app")])],
        "{plan}"
    );
    assert!(
        plan["warnings"].to_string().contains("no wheel"),
        "{}",
        plan["warnings"]
    );
}

/// A one-project tree (`lib` 1.0) served by the test server with `args`.
fn lib_server(args: &[&str]) -> Option<(common::servers::Server, tempfile::TempDir)> {
    let tree = tempfile::tempdir().unwrap();
    let wheels = tempfile::tempdir().unwrap();
    let whl = write_wheel(wheels.path(), "lib-1.0-py3-none-any.whl", &[], 0);
    write_tree(tree.path(), &[("lib", vec![TreeFile::plain(whl)])], true);
    let mut all: Vec<String> = args.iter().map(|a| (*a).to_owned()).collect();
    all.push("--log".into());
    all.push(tree.path().join("requests.log").display().to_string());
    let refs: Vec<&str> = all.iter().map(String::as_str).collect();
    test_server(tree.path(), &refs, false).map(|srv| (srv, tree))
}

fn lib_plan(
    origin: &str,
    path: &str,
    extra_index: serde_json::Value,
    top: serde_json::Value,
) -> serde_json::Value {
    let input = app_input(&["lib>=1"]);
    let mut index = json!({"index_url": format!("{origin}{path}")});
    if let (Some(i), Some(more)) = (index.as_object_mut(), extra_index.as_object()) {
        for (k, v) in more {
            i.insert(k.clone(), v.clone());
        }
    }
    let mut extra = json!({"fallback_latest": true});
    if let (Some(e), Some(more)) = (extra.as_object_mut(), top.as_object()) {
        for (k, v) in more {
            e.insert(k.clone(), v.clone());
        }
    }
    plan(&common::servers::config(input.path(), index, extra))
}

#[test]
fn server_errors_are_retried_then_unreachable() {
    let Some((server, tree)) = lib_server(&["--status", "/simple/=503"]) else {
        return;
    };
    let result = lib_plan(&server.origin, "/simple/", json!({}), json!({}));
    assert_eq!(error_code(&result), "index_unreachable");
    let msg = result["error"]["message"].as_str().unwrap();
    assert!(
        msg.contains("503") && msg.contains(&server.port.to_string()),
        "{msg}"
    );
    let attempts = read_log(&tree.path().join("requests.log")).len();
    assert_eq!(attempts, 3, "three attempts");
}

#[test]
fn a_flaky_index_recovers_within_the_retries() {
    let Some((server, _tree)) = lib_server(&["--flaky", "/simple/=2"]) else {
        return;
    };
    let result = lib_plan(&server.origin, "/simple/", json!({}), json!({}));
    assert_eq!(
        builds(&result)[1],
        build("lib", "1.0", "missing compatible wheel for requirement"),
        "{result}"
    );
}

#[test]
fn forbidden_and_malformed_are_index_errors() {
    let Some((server, _tree)) = lib_server(&["--status", "/simple/=403"]) else {
        return;
    };
    let result = lib_plan(&server.origin, "/simple/", json!({}), json!({}));
    assert_eq!(error_code(&result), "index_error", "{result}");

    let Some((server, tree)) = lib_server(&["--negotiate"]) else {
        return;
    };
    std::fs::write(
        tree.path().join("simple/lib/index.json"),
        "{\"files\": [oops",
    )
    .unwrap();
    let result = lib_plan(&server.origin, "/simple/", json!({}), json!({}));
    assert_eq!(error_code(&result), "index_error", "{result}");
    assert!(result["error"]["message"]
        .as_str()
        .unwrap()
        .contains("JSON"));
}

#[test]
fn redirects_are_followed_within_limits() {
    let Some((server, _tree)) = lib_server(&["--redirect", "/old/=/simple/"]) else {
        return;
    };
    let result = lib_plan(&server.origin, "/old/", json!({}), json!({}));
    assert_eq!(builds(&result).len(), 2, "{result}");

    let Some((server, _tree)) = lib_server(&["--redirect", "/loop/=/loop/"]) else {
        return;
    };
    let result = lib_plan(&server.origin, "/loop/", json!({}), json!({}));
    assert_eq!(error_code(&result), "index_error", "{result}");
    assert!(result["error"]["message"]
        .as_str()
        .unwrap()
        .contains("redirects"));
}

#[test]
fn the_time_budget_bounds_the_call() {
    let Some((server, _tree)) = lib_server(&["--delay", "/simple/=5"]) else {
        return;
    };
    let started = std::time::Instant::now();
    let result = lib_plan(
        &server.origin,
        "/simple/",
        json!({}),
        json!({"time_budget_ms": 700}),
    );
    let took = started.elapsed();
    // An exhausted budget is `timeout` wherever it runs out, index work included.
    assert_eq!(error_code(&result), "timeout", "{result}");
    assert!(
        result["error"]["message"]
            .as_str()
            .unwrap()
            .contains("time budget"),
        "{result}"
    );
    assert!(took < std::time::Duration::from_secs(3), "took {took:?}");
}

#[test]
fn timeout_seconds_bounds_each_request() {
    let Some((server, _tree)) = lib_server(&["--delay", "/simple/=5"]) else {
        return;
    };
    let started = std::time::Instant::now();
    let result = lib_plan(
        &server.origin,
        "/simple/",
        json!({"timeout_seconds": 0.3}),
        json!({}),
    );
    let took = started.elapsed();
    assert_eq!(error_code(&result), "index_unreachable", "{result}");
    assert!(
        result["error"]["message"]
            .as_str()
            .unwrap()
            .contains("timed out"),
        "{result}"
    );
    assert!(took < std::time::Duration::from_secs(4), "took {took:?}");
}

#[test]
fn first_index_and_best_match() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let wheels = tempfile::tempdir().unwrap();
    let w = wheels.path();
    write_tree(
        a.path(),
        &[(
            "lib",
            vec![TreeFile::plain(write_wheel(
                w,
                "lib-1.0-py3-none-any.whl",
                &[],
                0,
            ))],
        )],
        false,
    );
    write_tree(
        b.path(),
        &[
            (
                "lib",
                vec![TreeFile::plain(write_wheel(
                    w,
                    "lib-2.0-py3-none-any.whl",
                    &[],
                    0,
                ))],
            ),
            (
                "only-b",
                vec![TreeFile::plain(write_wheel(
                    w,
                    "only_b-3.0-py3-none-any.whl",
                    &[],
                    0,
                ))],
            ),
        ],
        false,
    );
    let (Some(sa), Some(sb)) = (
        common::servers::http_server(a.path()),
        common::servers::http_server(b.path()),
    ) else {
        return;
    };
    let input = app_input(&["lib>=1", "Only_B>=1"]);
    let run = |strategy: &str| {
        plan(&common::servers::config(
            input.path(),
            json!({
                "index_url": format!("{}/simple/", sa.origin),
                "extra_index_urls": [format!("{}/simple/", sb.origin)],
                "strategy": strategy,
            }),
            json!({"fallback_latest": true}),
        ))
    };
    let reason = "missing compatible wheel for requirement";
    let first = run("first-index");
    assert_eq!(
        builds(&first)[1..],
        [build("lib", "1.0", reason), build("only-b", "3.0", reason)],
        "{first}"
    );
    let best = run("best-match");
    assert_eq!(
        builds(&best)[1..],
        [build("lib", "2.0", reason), build("only-b", "3.0", reason)],
        "{best}"
    );
}

#[test]
fn a_yanked_release_is_expanded_only_when_pinned() {
    let tree = tempfile::tempdir().unwrap();
    let wheels = tempfile::tempdir().unwrap();
    let w = wheels.path();
    let yanked = |source| TreeFile {
        source,
        yanked: true,
        metadata: None,
        requires_python: None,
        sha256: None,
    };
    write_tree(
        tree.path(),
        &[
            (
                "dep",
                vec![TreeFile::plain(write_wheel(
                    w,
                    "dep-1.0-py3-none-any.whl",
                    &["lib==3.0", "other>=1"],
                    0,
                ))],
            ),
            (
                "lib",
                vec![
                    TreeFile::plain(write_wheel(w, "lib-1.0-py3-none-any.whl", &[], 0)),
                    yanked(write_wheel(w, "lib-3.0-py3-none-any.whl", &[], 0)),
                ],
            ),
            (
                "other",
                vec![
                    TreeFile::plain(write_wheel(w, "other-1.0-py3-none-any.whl", &[], 0)),
                    yanked(write_wheel(w, "other-2.0-py3-none-any.whl", &[], 0)),
                ],
            ),
        ],
        false,
    );
    let Some(server) = common::servers::http_server(tree.path()) else {
        return;
    };
    let input = app_input(&["dep"]);
    let plan = plan(&expansion_config(
        input.path(),
        &format!("{}/simple/", server.origin),
    ));
    assert_eq!(
        expansions(&plan),
        [
            (s("dep"), s("1.0"), 1, vec![s("app")]),
            (s("lib"), s("3.0"), 2, vec![s("dep")]),
            (s("other"), s("1.0"), 2, vec![s("dep")]),
        ],
        "{plan}"
    );
}
