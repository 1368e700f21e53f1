//! TLS and transport security (contract section 6) against a real HTTPS
//! index on loopback with a self-signed certificate made by the openssl CLI.
//!
//! Loopback is exempt from the HTTPS requirement only for plain HTTP: a
//! certificate that does not verify is accepted only for `trusted_hosts`,
//! loopback or not.

mod support;

use std::process::Command;

use serde_json::json;
use support::{
    app_input, builds, error_code, plan, read_log, test_server, write_tree, write_wheel, TreeFile,
};

/// A self-signed certificate for 127.0.0.1 and a `lib` 1.0 tree served over
/// HTTPS with it.
fn https_index() -> Option<(support::Server, tempfile::TempDir)> {
    if !support::require(support::has_program("openssl", "version"), "openssl CLI") {
        return None;
    }
    let tree = tempfile::tempdir().unwrap();
    let (cert, key) = (tree.path().join("cert.pem"), tree.path().join("key.pem"));
    let out = Command::new("openssl")
        .args([
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
        ])
        .args([
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
        ])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output()
        .expect("openssl");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let wheels = tempfile::tempdir().unwrap();
    let whl = write_wheel(wheels.path(), "lib-1.0-py3-none-any.whl", &[], 0);
    write_tree(tree.path(), &[("lib", vec![TreeFile::plain(whl)])], false);
    let log = tree.path().join("requests.log").display().to_string();
    let (cert, key) = (cert.display().to_string(), key.display().to_string());
    let server = test_server(
        tree.path(),
        &["--cert", &cert, "--key", &key, "--log", &log],
        true,
    )?;
    Some((server, tree))
}

fn run(index: serde_json::Value) -> serde_json::Value {
    let input = app_input(&["lib>=1"]);
    plan(&support::config(
        input.path(),
        index,
        json!({"fallback_latest": true}),
    ))
}

#[test]
fn self_signed_certificate_needs_a_trusted_host() {
    let Some((server, tree)) = https_index() else {
        return;
    };
    let url = format!("{}/simple/", server.origin);

    // Not trusted (loopback or not): refused.
    let refused = run(json!({"index_url": url}));
    assert_eq!(error_code(&refused), "insecure_index", "{refused}");
    let msg = refused["error"]["message"].as_str().unwrap();
    assert!(
        msg.contains("trusted_hosts") && msg.contains("certificate"),
        "{msg}"
    );
    assert!(read_log(&tree.path().join("requests.log")).is_empty());

    // Trusted as host:port, and as host alone: accepted.
    for trusted in [format!("127.0.0.1:{}", server.port), "127.0.0.1".to_owned()] {
        let ok = run(json!({"index_url": url, "trusted_hosts": [trusted]}));
        assert_eq!(
            builds(&ok)[1],
            (
                "lib".to_owned(),
                "1.0".to_owned(),
                "missing compatible wheel for requirement".to_owned()
            ),
            "{ok}"
        );
    }

    // Another port of the same host is not trusted.
    let other = run(json!({"index_url": url, "trusted_hosts": ["127.0.0.1:1"]}));
    assert_eq!(error_code(&other), "insecure_index", "{other}");
}

#[test]
fn plain_http_to_an_untrusted_host_is_refused_before_any_request() {
    let Some((server, tree)) = https_index() else {
        return;
    };
    // The first index is fine (and trusted); the extra one is plain HTTP to
    // a host that is neither loopback nor trusted: nothing is requested.
    let result = run(json!({
        "index_url": format!("{}/simple/", server.origin),
        "extra_index_urls": ["http://user:hunter2@packages.example.invalid/simple/"],
        "trusted_hosts": ["127.0.0.1"],
    }));
    assert_eq!(error_code(&result), "insecure_index", "{result}");
    let text = result.to_string();
    assert!(!text.contains("hunter2"), "{text}");
    assert!(text.contains("****@packages.example.invalid"), "{text}");
    assert!(read_log(&tree.path().join("requests.log")).is_empty());
}
