//! Index transport against real servers on loopback (contract §6):
//! the HTTP cache, forward proxies (HTTPS_PROXY / HTTP_PROXY / NO_PROXY),
//! Retry-After, connection reuse and `resolver_fetch_wheels`.
//!
//! Proxy variables are set only in child processes (`common::child`: the
//! test binary run again for one test), never in the test process.

use crate::common;

use std::path::{Path, PathBuf};

use common::servers::{
    app_input, builds, error_code, plan, read_log, write_tree, write_wheel, TreeFile,
};
use serde_json::{json, Value};

/// A static index with `lib 1.0` (a py3 wheel whose METADATA requires
/// nothing) and its sha256, served by `index_test_server.py` with `args`
/// and a request log.
struct Index {
    server: common::servers::Server,
    _tree: tempfile::TempDir,
    log: PathBuf,
}

impl Index {
    fn start(args: &[&str]) -> Option<Self> {
        let tree = tempfile::tempdir().unwrap();
        let wheels = tempfile::tempdir().unwrap();
        let lib = write_wheel(wheels.path(), "lib-1.0-py3-none-any.whl", &[], 0);
        write_tree(
            tree.path(),
            &[("lib", vec![TreeFile::plain(lib).with_sha256()])],
            true,
        );
        let log = tree.path().join("requests.log");
        let mut all = vec!["--ranges", "--negotiate", "--log", log.to_str().unwrap()];
        all.extend_from_slice(args);
        let server = common::servers::test_server(tree.path(), &all, false)?;
        Some(Self {
            server,
            _tree: tree,
            log,
        })
    }

    fn url(&self) -> String {
        format!("{}/simple/", self.server.origin)
    }

    /// Requests logged so far (and forgets them).
    fn take_log(&self) -> Vec<Value> {
        let log = read_log(&self.log);
        let _ = std::fs::remove_file(&self.log);
        log
    }
}

fn lib_built() -> (String, String, String) {
    (
        "lib".to_owned(),
        "1.0".to_owned(),
        "missing compatible wheel for requirement".to_owned(),
    )
}

fn config(input: &Path, index: Value, extra: Value) -> String {
    let mut extra = extra;
    extra["fallback_latest"] = true.into();
    common::servers::config(input, index, extra)
}

/// Plans `config` in a child process with `env` set (and every proxy
/// variable of this process removed); [`child_result`] reads its plan.
fn plan_in_child(config: &str, env: &[(&str, &str)]) -> std::process::Child {
    common::child::plan_child(config, &common::child::PROXY_VARIABLES, env)
}

fn child_result(child: std::process::Child) -> Value {
    common::child::child_plan(child)
}

fn cache_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(subs) = std::fs::read_dir(dir.join("v1")) else {
        return out;
    };
    for sub in subs.flatten() {
        for f in std::fs::read_dir(sub.path()).unwrap().flatten() {
            out.push(f.path());
        }
    }
    out
}

#[test]
fn a_fresh_cache_answers_without_requests_and_a_stale_one_revalidates() {
    let Some(index) = Index::start(&[
        "--cache-control",
        "/simple/=max-age=600",
        "--cache-control",
        "/files/=max-age=31536000, immutable",
    ]) else {
        return;
    };
    let input = app_input(&["lib>=1"]);
    let cache = tempfile::tempdir().unwrap();
    // `cache_dir` alone puts the HTTP cache in <cache_dir>/index-cache.
    let cfg = config(
        input.path(),
        json!({"index_url": index.url()}),
        json!({"cache_dir": cache.path()}),
    );
    let cold = plan(&cfg);
    assert_eq!(builds(&cold).get(1), Some(&lib_built()), "{cold}");
    let first = index.take_log();
    assert!(!first.is_empty());
    let warm = plan(&cfg);
    assert_eq!(builds(&warm), builds(&cold), "{warm}");
    assert_eq!(
        index.take_log(),
        Vec::<Value>::new(),
        "a fresh cache makes no request"
    );
    let dir = cache.path().join("index-cache");
    assert!(!cache_files(&dir).is_empty());
    // Offline: with the server gone, a fresh cache still plans.
    drop(index);
    let offline = plan(&cfg);
    assert_eq!(builds(&offline), builds(&cold), "{offline}");

    // Stale pages (max-age=0) are revalidated: 304, and the plan is the same.
    let Some(stale) = Index::start(&["--cache-control", "/=max-age=0"]) else {
        return;
    };
    let cache = tempfile::tempdir().unwrap();
    let cfg = config(
        input.path(),
        json!({"index_url": stale.url(), "cache_dir": cache.path()}),
        json!({}),
    );
    let cold = plan(&cfg);
    let first = stale.take_log();
    let again = plan(&cfg);
    assert_eq!(builds(&again), builds(&cold), "{again}");
    let second = stale.take_log();
    assert_eq!(second.len(), first.len(), "{second:?}");
    assert!(
        second
            .iter()
            .all(|r| r["status"] == 304 && !r["if_none_match"].is_null()),
        "{second:?}"
    );
}

#[test]
fn a_404_with_a_lifetime_is_cached_like_any_answer() {
    let Some(index) = Index::start(&[
        "--cache-control",
        "/simple/=max-age=600",
        "--cache-control",
        "/files/=max-age=31536000, immutable",
    ]) else {
        return;
    };
    let input = app_input(&["lib>=1", "nothere>=1"]);
    let cache = tempfile::tempdir().unwrap();
    let cfg = config(
        input.path(),
        json!({"index_url": index.url(), "cache_dir": cache.path()}),
        json!({}),
    );
    let cold = plan(&cfg);
    let asked = index.take_log();
    assert!(
        asked
            .iter()
            .any(|r| r["status"] == 404 && r["path"].as_str() == Some("/simple/nothere/")),
        "{asked:?}"
    );
    let warm = plan(&cfg);
    assert_eq!(builds(&warm), builds(&cold), "{warm}");
    assert_eq!(
        cold["missing_requirements"],
        json!(["nothere>=1"]),
        "{cold}"
    );
    assert_eq!(warm["missing_requirements"], cold["missing_requirements"]);
    assert_eq!(
        index.take_log(),
        Vec::<Value>::new(),
        "a fresh cache answers the 404 too"
    );
}

#[test]
fn no_store_private_and_credentials_are_not_cached() {
    let input = app_input(&["lib>=1"]);
    for (cc, auth) in [
        ("no-store", false),
        ("private, max-age=600", false),
        ("max-age=600", true),
    ] {
        let value = format!("/={cc}");
        let args: Vec<&str> = if auth {
            vec!["--cache-control", &value, "--auth", "u:pw"]
        } else {
            vec!["--cache-control", &value]
        };
        let Some(index) = Index::start(&args) else {
            return;
        };
        let url = if auth {
            index.url().replace("http://", "http://u:pw@")
        } else {
            index.url()
        };
        let cache = tempfile::tempdir().unwrap();
        let cfg = config(
            input.path(),
            json!({"index_url": url, "cache_dir": cache.path()}),
            json!({}),
        );
        let cold = plan(&cfg);
        assert_eq!(builds(&cold).get(1), Some(&lib_built()), "{cc}: {cold}");
        let first = index.take_log();
        plan(&cfg);
        let second = index.take_log();
        assert_eq!(second.len(), first.len(), "{cc} (auth {auth}): {second:?}");
        assert!(cache_files(cache.path()).is_empty(), "{cc}");
    }
    // With credentials, `public` allows it.
    let Some(index) = Index::start(&["--cache-control", "/=public, max-age=600", "--auth", "u:pw"])
    else {
        return;
    };
    let cache = tempfile::tempdir().unwrap();
    let cfg = config(
        input.path(),
        json!({"index_url": index.url().replace("http://", "http://u:pw@"), "cache_dir": cache.path()}),
        json!({}),
    );
    plan(&cfg);
    index.take_log();
    plan(&cfg);
    assert_eq!(index.take_log(), Vec::<Value>::new());
    // The credentials are in no cache file.
    for f in cache_files(cache.path()) {
        let bytes = std::fs::read(f).unwrap();
        assert!(!String::from_utf8_lossy(&bytes).contains("u:pw"));
    }
}

#[test]
fn damaged_cache_files_are_ignored_and_processes_share_the_cache() {
    let Some(index) = Index::start(&["--cache-control", "/=max-age=600"]) else {
        return;
    };
    let input = app_input(&["lib>=1"]);
    let cache = tempfile::tempdir().unwrap();
    let cfg = config(
        input.path(),
        json!({"index_url": index.url(), "cache_dir": cache.path()}),
        json!({}),
    );
    // Two processes planning at once into an empty cache.
    let children = [plan_in_child(&cfg, &[]), plan_in_child(&cfg, &[])];
    for child in children {
        let p = child_result(child);
        assert_eq!(builds(&p).get(1), Some(&lib_built()), "{p}");
    }
    index.take_log();
    assert_eq!(builds(&plan(&cfg)).get(1), Some(&lib_built()));
    assert_eq!(index.take_log(), Vec::<Value>::new());

    // Torn, flipped and foreign files: ignored, fetched again, replaced.
    let files = cache_files(cache.path());
    assert!(!files.is_empty());
    for (i, f) in files.iter().enumerate() {
        let bytes = std::fs::read(f).unwrap();
        let damaged = match i % 3 {
            0 => bytes[..bytes.len() / 2].to_vec(),
            1 => {
                let mut b = bytes.clone();
                *b.last_mut().unwrap() ^= 0x55;
                b
            }
            _ => b"not a cache entry".to_vec(),
        };
        std::fs::write(f, damaged).unwrap();
    }
    let p = plan(&cfg);
    assert_eq!(builds(&p).get(1), Some(&lib_built()), "{p}");
    assert_eq!(index.take_log().len(), files.len());
    plan(&cfg);
    assert_eq!(index.take_log(), Vec::<Value>::new());
}

#[test]
fn connections_are_reused_within_a_plan() {
    let Some(index) = Index::start(&[]) else {
        return;
    };
    let input = app_input(&["lib>=1"]);
    let p = plan(&config(
        input.path(),
        json!({"index_url": index.url()}),
        json!({}),
    ));
    assert_eq!(builds(&p).get(1), Some(&lib_built()), "{p}");
    let log = index.take_log();
    let mut ports: Vec<u64> = log.iter().map(|r| r["port"].as_u64().unwrap()).collect();
    ports.sort_unstable();
    ports.dedup();
    assert!(log.len() >= 2, "{log:?}");
    assert!(
        ports.len() < log.len(),
        "one connection per request: {log:?}"
    );
}

#[test]
fn requests_go_through_the_proxy_unless_no_proxy_says_otherwise() {
    let Some(index) = Index::start(&[]) else {
        return;
    };
    let Some((proxy, proxy_log, _dir)) = common::servers::forward_proxy(&["--auth", "pu:ppw"])
    else {
        return;
    };
    let input = app_input(&["lib>=1"]);
    let cfg = config(input.path(), json!({"index_url": index.url()}), json!({}));
    let proxy_url = format!("http://pu:ppw@127.0.0.1:{}", proxy.port);

    // HTTP_PROXY (either case) for an http:// index.
    for var in ["HTTP_PROXY", "http_proxy", "ALL_PROXY"] {
        let p = child_result(plan_in_child(&cfg, &[(var, &proxy_url)]));
        assert_eq!(builds(&p).get(1), Some(&lib_built()), "{var}: {p}");
        let through = read_log(&proxy_log);
        let _ = std::fs::remove_file(&proxy_log);
        let served = index.take_log();
        // ureq tunnels with CONNECT and keeps the tunnel for later requests.
        let target = format!("127.0.0.1:{}", index.server.port);
        assert!(
            !through.is_empty() && through.len() <= served.len(),
            "{var}: {through:?}"
        );
        assert!(
            through.iter().all(|r| r["target"] == target.as_str()),
            "{through:?}"
        );
        assert!(through.iter().all(|r| r["auth"] == true), "{through:?}");
    }
    // HTTPS_PROXY is for https:// URLs only.
    child_result(plan_in_child(&cfg, &[("HTTPS_PROXY", &proxy_url)]));
    assert!(read_log(&proxy_log).is_empty());
    assert!(!index.take_log().is_empty());
    // NO_PROXY: direct.
    for no_proxy in ["127.0.0.1", "localhost,127.0.0.0/8", "*"] {
        let p = child_result(plan_in_child(
            &cfg,
            &[("HTTP_PROXY", &proxy_url), ("no_proxy", no_proxy)],
        ));
        assert_eq!(builds(&p).get(1), Some(&lib_built()), "{p}");
        assert!(read_log(&proxy_log).is_empty(), "{no_proxy}");
        assert!(!index.take_log().is_empty());
    }

    // A proxy that refuses connections is named (credentials redacted),
    // not the index.
    let dead = format!(
        "http://pu:secret@127.0.0.1:{}",
        common::servers::free_port()
    );
    let p = child_result(plan_in_child(&cfg, &[("HTTP_PROXY", &dead)]));
    assert_eq!(error_code(&p), "index_unreachable", "{p}");
    let text = p.to_string();
    assert!(!text.contains("secret"), "{text}");
    assert!(
        p["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("package index unreachable: http://****@127.0.0.1:"),
        "{text}"
    );
    assert!(text.contains("HTTP_PROXY"), "{text}");
}

#[test]
fn a_proxy_url_without_a_scheme_is_http() {
    // (HTTPS through the proxy, CONNECT to a TLS index: `index_tls`.)
    let Some(index) = Index::start(&[]) else {
        return;
    };
    let Some((proxy, proxy_log, _dir)) = common::servers::forward_proxy(&[]) else {
        return;
    };
    let input = app_input(&["lib>=1"]);
    let cfg = config(input.path(), json!({"index_url": index.url()}), json!({}));
    let p = child_result(plan_in_child(
        &cfg,
        &[("http_proxy", &format!("127.0.0.1:{}", proxy.port))],
    ));
    assert_eq!(builds(&p).get(1), Some(&lib_built()), "{p}");
    let through = read_log(&proxy_log);
    assert!(!through.is_empty());
    assert!(
        through
            .iter()
            .all(|r| r["method"] == "CONNECT" || r["method"] == "GET"),
        "{through:?}"
    );
}

#[test]
fn retry_after_is_honoured_within_the_timeout() {
    let Some(index) = Index::start(&["--retry-after", "/simple/lib/=1:1"]) else {
        return;
    };
    let input = app_input(&["lib>=1"]);
    let cfg = config(input.path(), json!({"index_url": index.url()}), json!({}));
    let started = std::time::Instant::now();
    let p = plan(&cfg);
    assert_eq!(builds(&p).get(1), Some(&lib_built()), "{p}");
    // It waited (no timing bound asserted beyond "it waited at all").
    assert!(started.elapsed() >= std::time::Duration::from_millis(900));
    let statuses: Vec<_> = index
        .take_log()
        .iter()
        .filter(|r| r["path"] == "/simple/lib/")
        .map(|r| r["status"].as_u64().unwrap())
        .collect();
    assert_eq!(statuses, [503, 200]);

    // A wait longer than timeout_seconds fails at once, saying so.
    let Some(index) = Index::start(&["--retry-after", "/simple/lib/=1:120"]) else {
        return;
    };
    let cfg = config(
        input.path(),
        json!({"index_url": index.url(), "timeout_seconds": 5}),
        json!({}),
    );
    let p = plan(&cfg);
    assert_eq!(error_code(&p), "index_unreachable", "{p}");
    let msg = p["error"]["message"].as_str().unwrap();
    assert!(msg.contains("asked to wait 120 s"), "{msg}");
    assert!(msg.contains("timeout_seconds"), "{msg}");
    // And one longer than the time budget, as an HTTP-date.
    let Some(index) = Index::start(&[
        "--retry-after",
        "/simple/lib/=1:Fri, 31 Dec 2100 23:59:59 GMT",
    ]) else {
        return;
    };
    let cfg = config(
        input.path(),
        json!({"index_url": index.url(), "timeout_seconds": 1e12}),
        json!({"time_budget_ms": 20000}),
    );
    let p = plan(&cfg);
    assert_eq!(error_code(&p), "index_unreachable", "{p}");
    assert!(p.to_string().contains("time_budget_ms"), "{p}");
}

fn fetch_wheels(request: &Value) -> Value {
    let c = std::ffi::CString::new(request.to_string()).unwrap();
    unsafe {
        let out = wheel_resolver::ffi::resolver_fetch_wheels(c.as_ptr());
        assert!(!out.is_null());
        let text = std::ffi::CStr::from_ptr(out).to_str().unwrap().to_owned();
        wheel_resolver::ffi::resolver_free_string(out);
        serde_json::from_str(&text).unwrap()
    }
}

#[test]
fn fetch_wheels_downloads_verifies_and_reports_each_file() {
    let Some(index) = Index::start(&["--auth", "u:pw"]) else {
        return;
    };
    let input = app_input(&["lib>=1"]);
    let url = index.url().replace("http://", "http://u:pw@");
    let cfg: Value = serde_json::from_str(&config(
        input.path(),
        json!({"index_url": url, "fetch_compatible_wheels": true}),
        json!({}),
    ))
    .unwrap();
    let p = plan(&cfg.to_string());
    let fetch = p["fetch"]
        .as_array()
        .unwrap_or_else(|| panic!("{p}"))
        .clone();
    assert_eq!(fetch.len(), 1, "{p}");
    let sha = fetch[0]["sha256"].as_str().unwrap().to_owned();
    let dest = tempfile::tempdir().unwrap();
    let dest_dir = dest.path().join("wheels");

    let report = fetch_wheels(&json!({"config": cfg, "plan": p, "dest_dir": dest_dir}));
    assert_eq!(report["downloaded"], 1, "{report}");
    let file = &report["files"][0];
    assert_eq!(file["status"], "downloaded", "{report}");
    assert_eq!(file["sha256"], sha.as_str());
    assert_eq!(file["verified"], true);
    let path = dest_dir.join("lib-1.0-py3-none-any.whl");
    assert_eq!(file["path"], path.display().to_string());
    assert_eq!(
        file["bytes"].as_u64().unwrap(),
        std::fs::metadata(&path).unwrap().len()
    );
    // The credentials, not "pw" alone: a random temporary path may hold those letters.
    assert!(!report.to_string().contains("u:pw@"), "{report}");
    // Only the wheel is in dest_dir (no temporary file left).
    assert_eq!(std::fs::read_dir(&dest_dir).unwrap().count(), 1);

    // Again: present, no request for the file.
    index.take_log();
    let again = fetch_wheels(&json!({"config": cfg, "fetch": fetch, "dest_dir": dest_dir}));
    assert_eq!(again["files"][0]["status"], "present", "{again}");
    assert!(index.take_log().is_empty());

    // A damaged copy is replaced.
    std::fs::write(&path, b"damaged").unwrap();
    let fixed = fetch_wheels(&json!({"config": cfg, "fetch": fetch, "dest_dir": dest_dir}));
    assert_eq!(fixed["files"][0]["status"], "downloaded", "{fixed}");
    assert_eq!(fixed["files"][0]["sha256"], sha.as_str());

    // A wrong sha256, a missing file, a bad name and an untrusted plain-HTTP
    // host fail one by one; the others still download.
    let mut wrong = fetch[0].clone();
    wrong["file"] = "lib-1.0-py3-none-any-copy.whl".into();
    wrong["sha256"] = "0".repeat(64).into();
    let mut missing = fetch[0].clone();
    missing["file"] = "gone-1.0-py3-none-any.whl".into();
    missing["url"] = format!("{}/files/gone-1.0-py3-none-any.whl", index.server.origin).into();
    let mut escape = fetch[0].clone();
    escape["file"] = "../escape.whl".into();
    let mut insecure = fetch[0].clone();
    insecure["file"] = "far-1.0-py3-none-any.whl".into();
    insecure["url"] = "http://index.example/files/far-1.0-py3-none-any.whl".into();
    let other = tempfile::tempdir().unwrap();
    let mixed = fetch_wheels(&json!({
        "config": cfg,
        "fetch": [wrong, fetch[0], missing, escape, insecure],
        "dest_dir": other.path(),
    }));
    let statuses: Vec<(&str, &str)> = mixed["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["status"].as_str().unwrap(),
                f["error"]["code"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        statuses,
        [
            ("failed", "index_error"),
            ("downloaded", ""),
            ("failed", "index_error"),
            ("failed", "invalid_config"),
            ("failed", "insecure_index"),
        ],
        "{mixed}"
    );
    assert_eq!(
        (mixed["downloaded"].as_u64(), mixed["failed"].as_u64()),
        (Some(1), Some(4))
    );
    assert!(mixed["files"][0]["error"]["message"]
        .as_str()
        .unwrap()
        .contains("sha256 mismatch"));
    let mut names: Vec<_> = std::fs::read_dir(other.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(names, ["lib-1.0-py3-none-any.whl"]);
    assert!(!mixed.to_string().contains("u:pw"));

    // Request errors are envelopes.
    for (bad, field) in [
        (
            json!({"config": {}, "fetch": [], "dest_dir": "x"}),
            "config.index",
        ),
        (json!({"config": cfg, "dest_dir": "x"}), "request"),
        (
            json!({"config": cfg, "fetch": [], "dest_dir": ""}),
            "dest_dir",
        ),
        (
            json!({"config": cfg, "fetch": [], "dest_dir": "x", "extra": 1}),
            "request",
        ),
    ] {
        let out = fetch_wheels(&bad);
        assert_eq!(error_code(&out), "invalid_config", "{out}");
        assert!(
            out["error"]["details"][0]["field"].as_str().is_some(),
            "{field}: {out}"
        );
    }
    unsafe {
        let out = wheel_resolver::ffi::resolver_fetch_wheels(std::ptr::null());
        let text = std::ffi::CStr::from_ptr(out).to_str().unwrap().to_owned();
        wheel_resolver::ffi::resolver_free_string(out);
        assert!(text.contains("invalid_config"), "{text}");
    }
}
