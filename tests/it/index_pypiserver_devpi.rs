//! Against real index servers on loopback: pypiserver (PEP 503 HTML; with
//! htpasswd auth) and devpi-server (PEP 691 JSON).

use crate::common;

use std::io::{BufRead, BufReader, Write};

use common::servers::{app_input, builds, error_code, expansions, plan, write_wheel};
use serde_json::json;

fn t(name: &str, version: &str, reason: &str) -> (String, String, String) {
    (name.to_owned(), version.to_owned(), reason.to_owned())
}

/// `dep` 1.0 / 2.0 (2.0 requires `sub>=1` and, on Windows only, `winonly`)
/// and `sub` 1.0 / 1.5rc1 / 1.4, as wheels in a fresh folder.
fn packages() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write_wheel(d, "dep-1.0-py3-none-any.whl", &[], 0);
    write_wheel(
        d,
        "dep-2.0-py3-none-any.whl",
        &["sub>=1", "winonly; sys_platform == \"win32\""],
        100_000,
    );
    write_wheel(d, "sub-1.0-py3-none-any.whl", &[], 0);
    write_wheel(d, "sub-1.4-py3-none-any.whl", &[], 0);
    write_wheel(d, "sub-1.5rc1-py3-none-any.whl", &[], 0);
    dir
}

fn expansion_plan(index_url: &str) -> serde_json::Value {
    let input = app_input(&["dep>=1", "sub>=1.1"]);
    plan(&common::servers::config(
        input.path(),
        json!({"index_url": index_url}),
        json!({"expansion": {"max_depth": 2, "max_jobs": 5}}),
    ))
}

fn assert_expanded(plan: &serde_json::Value) {
    assert_eq!(
        expansions(plan),
        [
            (
                "dep".to_owned(),
                "2.0".to_owned(),
                1,
                vec!["app".to_owned()]
            ),
            (
                "sub".to_owned(),
                "1.4".to_owned(),
                1,
                vec!["app".to_owned()]
            ),
        ],
        "{plan}"
    );
    assert!(
        plan["missing_requirements"].as_array().unwrap().is_empty(),
        "{plan}"
    );
}

#[test]
fn pypiserver_html_index_and_range_reads() {
    let pkgs = packages();
    let Some(server) = common::servers::pypiserver(pkgs.path()) else {
        return;
    };
    let plan = expansion_plan(&format!("{}/simple/", server.origin));
    assert_expanded(&plan);
    // fallback_latest with a pre-release on the index: the final release wins.
    let input = app_input(&["Sub>=1"]);
    let fallback = common::servers::plan(&common::servers::config(
        input.path(),
        json!({"index_url": format!("{}/simple", server.origin)}),
        json!({"fallback_latest": true}),
    ));
    assert_eq!(
        builds(&fallback)[1],
        t("sub", "1.4", "missing compatible wheel for requirement"),
        "{fallback}"
    );
    // ... unless the specifier names a pre-release.
    let input = app_input(&["sub>=1.5rc1"]);
    let pre = common::servers::plan(&common::servers::config(
        input.path(),
        json!({"index_url": format!("{}/simple", server.origin)}),
        json!({"fallback_latest": true}),
    ));
    assert_eq!(
        builds(&pre)[1],
        t("sub", "1.5rc1", "missing compatible wheel for requirement"),
        "{pre}"
    );
}

#[test]
fn pypiserver_with_basic_auth() {
    let pkgs = packages();
    let Some(server) = common::servers::pypiserver_auth(pkgs.path(), "alice", "s3cr3t-pw") else {
        return;
    };
    let host = server.origin.trim_start_matches("http://");
    let with = |userinfo: &str| {
        let input = app_input(&["dep>=1"]);
        common::servers::plan(&common::servers::config(
            input.path(),
            json!({"index_url": format!("http://{userinfo}{host}/simple/")}),
            json!({"expansion": {"max_depth": 2, "max_jobs": 5}}),
        ))
    };
    // Right credentials: pages and wheels (range reads) are fetched with them.
    let ok = with("alice:s3cr3t-pw@");
    assert_eq!(
        expansions(&ok),
        [
            (
                "dep".to_owned(),
                "2.0".to_owned(),
                1,
                vec!["app".to_owned()]
            ),
            (
                "sub".to_owned(),
                "1.4".to_owned(),
                2,
                vec!["dep".to_owned()]
            ),
        ],
        "{ok}"
    );
    assert!(!ok.to_string().contains("s3cr3t-pw"));

    // None, or wrong ones: index_error, and the password is never shown.
    let none = with("");
    assert_eq!(error_code(&none), "index_error", "{none}");
    let wrong = with("alice:not-the-pw@");
    assert_eq!(error_code(&wrong), "index_error", "{wrong}");
    let text = wrong.to_string();
    assert!(!text.contains("not-the-pw"), "{text}");
    // pypiserver answers 401 without credentials and 403 for wrong ones.
    assert!(text.contains("HTTP 403"), "{text}");
    assert!(none.to_string().contains("HTTP 401"), "{none}");
}

/// The Content-Type devpi answers for a project page asked for with our
/// Accept header (to prove the JSON path is the one exercised).
fn content_type(origin: &str, path: &str) -> String {
    let addr = origin.trim_start_matches("http://");
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    let accept = wheel_resolver::internals::index::simple_api::ACCEPT;
    write!(
        s,
        "GET {path} HTTP/1.0\r\nHost: {addr}\r\nAccept: {accept}\r\n\r\n"
    )
    .unwrap();
    BufReader::new(s)
        .lines()
        .map_while(Result::ok)
        .take_while(|l| !l.is_empty())
        .find_map(|l| {
            l.to_ascii_lowercase()
                .strip_prefix("content-type:")
                .map(|v| v.trim().to_owned())
        })
        .unwrap_or_default()
}

#[test]
fn devpi_json_index() {
    let pkgs = packages();
    let mut files: Vec<_> = std::fs::read_dir(pkgs.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    let Some(server) = common::servers::devpi(&files) else {
        return;
    };
    assert_eq!(
        content_type(&server.origin, "/root/dev/+simple/dep/"),
        "application/vnd.pypi.simple.v1+json"
    );
    let plan = expansion_plan(&format!("{}/root/dev/+simple/", server.origin));
    assert_expanded(&plan);

    // eager: the index's best version for an unsatisfied range.
    let input = app_input(&["dep<2"]);
    let eager = common::servers::plan(&common::servers::config(
        input.path(),
        json!({"index_url": format!("{}/root/dev/+simple/", server.origin)}),
        json!({"upgrade_strategy": "eager"}),
    ));
    assert_eq!(
        builds(&eager)[1],
        t("dep", "1.0", "missing compatible wheel for requirement"),
        "{eager}"
    );
}
