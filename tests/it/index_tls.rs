//! TLS and transport security (contract §6.2) against a real HTTPS
//! index on loopback with a self-signed certificate made by the openssl CLI.
//!
//! Loopback is exempt from the HTTPS requirement only for plain HTTP: a
//! certificate that does not verify is accepted only for `trusted_hosts`,
//! loopback or not.

use crate::common;

use std::process::Command;

use common::servers::{
    app_input, builds, error_code, plan, read_log, test_server, write_tree, write_wheel, TreeFile,
};
use serde_json::json;

/// A self-signed certificate for 127.0.0.1 and a `lib` 1.0 tree served over
/// HTTPS with it.
fn https_index() -> Option<(common::servers::Server, tempfile::TempDir)> {
    if !common::servers::require(
        common::servers::has_program("openssl", "version"),
        "openssl CLI",
    ) {
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
    plan(&common::servers::config(
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

/// A test CA, and a `lib` 1.0 tree served over HTTPS with a certificate for
/// 127.0.0.1 that the CA signed. Returns the server, the tree (which holds
/// `ca.pem`, and `cadir/` with a copy of it) and the CA file.
fn ca_signed_index() -> Option<(
    common::servers::Server,
    tempfile::TempDir,
    std::path::PathBuf,
)> {
    if !common::servers::require(
        common::servers::has_program("openssl", "version"),
        "openssl CLI",
    ) {
        return None;
    }
    let tree = tempfile::tempdir().unwrap();
    let p = |name: &str| tree.path().join(name);
    let openssl = |args: &[&str]| {
        let out = Command::new("openssl")
            .args(args)
            .current_dir(tree.path())
            .output()
            .expect("openssl");
        assert!(
            out.status.success(),
            "openssl {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    openssl(&[
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "2",
        "-subj",
        "/CN=wheel-resolver test CA",
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
    ]);
    openssl(&[
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-subj",
        "/CN=127.0.0.1",
        "-keyout",
        "server.key",
        "-out",
        "server.csr",
    ]);
    std::fs::write(p("ext.cnf"), "subjectAltName=IP:127.0.0.1\n").unwrap();
    openssl(&[
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-days",
        "2",
        "-extfile",
        "ext.cnf",
        "-out",
        "server.pem",
    ]);
    std::fs::create_dir(p("cadir")).unwrap();
    std::fs::copy(p("ca.pem"), p("cadir/test-ca.pem")).unwrap();
    let wheels = tempfile::tempdir().unwrap();
    let whl = write_wheel(wheels.path(), "lib-1.0-py3-none-any.whl", &[], 0);
    write_tree(tree.path(), &[("lib", vec![TreeFile::plain(whl)])], false);
    let (cert, key) = (p("server.pem"), p("server.key"));
    let server = test_server(
        tree.path(),
        &[
            "--cert",
            cert.to_str().unwrap(),
            "--key",
            key.to_str().unwrap(),
        ],
        true,
    )?;
    let ca = p("ca.pem");
    Some((server, tree, ca))
}

/// Plans `config` in a child process with `env` set, the trust-store and
/// proxy variables of this process removed.
fn plan_in_child(config: &str, env: &[(&str, &std::path::Path)]) -> serde_json::Value {
    let mut clear = vec!["SSL_CERT_FILE", "SSL_CERT_DIR"];
    clear.extend(common::child::PROXY_VARIABLES);
    common::child::child_plan(common::child::plan_child(config, &clear, env))
}

#[test]
fn a_ca_signed_certificate_is_trusted_through_the_store_or_ca_bundle() {
    let Some((server, tree, ca)) = ca_signed_index() else {
        return;
    };
    let url = format!("{}/simple/", server.origin);
    let input = app_input(&["lib>=1"]);
    let config = |index: serde_json::Value| {
        common::servers::config(input.path(), index, json!({"fallback_latest": true}))
    };
    let lib = (
        "lib".to_owned(),
        "1.0".to_owned(),
        "missing compatible wheel for requirement".to_owned(),
    );

    // The system store does not hold the test CA: refused, and the message
    // names index.ca_bundle before trusted_hosts.
    let refused = plan_in_child(&config(json!({"index_url": url})), &[]);
    assert_eq!(error_code(&refused), "insecure_index", "{refused}");
    let msg = refused["error"]["message"].as_str().unwrap();
    let (bundle_at, trusted_at) = (msg.find("index.ca_bundle"), msg.find("trusted_hosts"));
    assert!(
        bundle_at.is_some() && trusted_at.is_some() && bundle_at < trusted_at,
        "{msg}"
    );

    // index.ca_bundle.
    let ok = plan(&config(json!({"index_url": url, "ca_bundle": ca})));
    assert_eq!(builds(&ok).get(1), Some(&lib), "{ok}");

    // SSL_CERT_FILE, and SSL_CERT_DIR, in place of the system store.
    let ok = plan_in_child(
        &config(json!({"index_url": url})),
        &[("SSL_CERT_FILE", &ca)],
    );
    assert_eq!(builds(&ok).get(1), Some(&lib), "{ok}");
    let dir = tree.path().join("cadir");
    let ok = plan_in_child(
        &config(json!({"index_url": url})),
        &[("SSL_CERT_DIR", &dir)],
    );
    assert_eq!(builds(&ok).get(1), Some(&lib), "{ok}");

    // A bundle without the CA (the server's own leaf is no CA): refused.
    let wrong = tree.path().join("server.pem");
    let other = plan(&config(json!({"index_url": url, "ca_bundle": wrong})));
    assert_eq!(error_code(&other), "insecure_index", "{other}");
    // A file that is no PEM bundle names the field.
    let bad = plan(&config(
        json!({"index_url": url, "ca_bundle": tree.path().join("ext.cnf")}),
    ));
    assert_eq!(error_code(&bad), "invalid_config", "{bad}");
    assert!(bad.to_string().contains("index.ca_bundle"), "{bad}");
}

#[test]
fn https_goes_through_a_connect_proxy_unless_no_proxy_lists_the_host() {
    let Some((server, _tree, ca)) = ca_signed_index() else {
        return;
    };
    let Some((proxy, proxy_log, _dir)) = common::servers::forward_proxy(&[]) else {
        return;
    };
    let input = app_input(&["lib>=1"]);
    let config = common::servers::config(
        input.path(),
        json!({"index_url": format!("{}/simple/", server.origin), "ca_bundle": ca}),
        json!({"fallback_latest": true}),
    );
    let lib = (
        "lib".to_owned(),
        "1.0".to_owned(),
        "missing compatible wheel for requirement".to_owned(),
    );
    let proxy_url = std::path::PathBuf::from(format!("http://127.0.0.1:{}", proxy.port));
    // HTTPS_PROXY: tunnelled with CONNECT to the index, verified end to end.
    let ok = plan_in_child(&config, &[("HTTPS_PROXY", &proxy_url)]);
    assert_eq!(builds(&ok).get(1), Some(&lib), "{ok}");
    let through = read_log(&proxy_log);
    let target = format!("127.0.0.1:{}", server.port);
    assert!(!through.is_empty());
    assert!(
        through
            .iter()
            .all(|r| r["method"] == "CONNECT" && r["target"] == target.as_str()),
        "{through:?}"
    );
    std::fs::remove_file(&proxy_log).unwrap();
    // HTTP_PROXY is not for https:// URLs; NO_PROXY bypasses HTTPS_PROXY.
    let ok = plan_in_child(&config, &[("HTTP_PROXY", &proxy_url)]);
    assert_eq!(builds(&ok).get(1), Some(&lib), "{ok}");
    let no_proxy = std::path::PathBuf::from("localhost, 127.0.0.1");
    let ok = plan_in_child(
        &config,
        &[("https_proxy", &proxy_url), ("NO_PROXY", &no_proxy)],
    );
    assert_eq!(builds(&ok).get(1), Some(&lib), "{ok}");
    assert!(read_log(&proxy_log).is_empty());
    // A dead proxy is named, credentials redacted, not the index.
    let dead = std::path::PathBuf::from(format!(
        "http://user:hunter2@127.0.0.1:{}",
        common::servers::free_port()
    ));
    let refused = plan_in_child(&config, &[("HTTPS_PROXY", &dead)]);
    assert_eq!(error_code(&refused), "index_unreachable", "{refused}");
    let msg = refused["error"]["message"].as_str().unwrap();
    assert!(!refused.to_string().contains("hunter2"), "{refused}");
    assert!(
        msg.starts_with("package index unreachable: http://****@127.0.0.1:")
            && msg.contains("HTTPS_PROXY"),
        "{msg}"
    );
}
