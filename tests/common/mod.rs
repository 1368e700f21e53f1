//! Shared by the integration tests (each includes it as `mod common;`):
//! running a plan through the C ABI ([`ffi`]), real wheels ([`wheelgen`]),
//! real index servers on loopback ([`servers`]), the policy and
//! requirements-file fixtures ([`policy`]), and the parity cases compared as
//! `fixtures/parity/README.md` says (here).
#![allow(dead_code)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use pep508_rs::{Requirement, VersionOrUrl};
use serde_json::Value;

pub mod build_graph;
pub mod ffi;
pub mod policy;
pub mod servers;
pub mod wheelgen;

/// The parity fixtures folder.
pub fn parity_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/parity")
}

/// Every case folder, sorted.
pub fn cases() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(parity_dir())
        .expect("fixtures/parity")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("case.json").is_file())
        .collect();
    v.sort();
    v
}

/// True when the case needs a package index.
pub fn needs_index(case: &Path) -> bool {
    std::fs::read_to_string(case.join("config.json"))
        .unwrap()
        .contains("${INDEX_URL}")
        || case.join("index").is_dir()
        || read_json(&case.join("config.json")).get("index").is_some()
}

pub fn read_json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// A command that runs this test binary again (for tests that need a child
/// process: its own environment, its own peak RSS). When cross-testing the
/// binary runs under an emulator, named by `RESOLVER_TEST_EXEC` (e.g.
/// `qemu-s390x -L /usr/s390x-linux-gnu`, which `make test-rust-s390x` sets),
/// as cargo's runner does for the test itself.
pub fn this_test_binary() -> std::process::Command {
    let exe = std::env::current_exe().expect("the test binary's path");
    let runner = std::env::var("RESOLVER_TEST_EXEC").unwrap_or_default();
    let mut words = runner.split_whitespace();
    match words.next() {
        Some(program) => {
            let mut cmd = std::process::Command::new(program);
            cmd.args(words).arg(exe);
            cmd
        }
        None => std::process::Command::new(exe),
    }
}

/// The test a child process runs (see [`plan_child`]): each test file that
/// plans in a child defines it as `common::plan_if_child()`.
pub const CHILD_TEST: &str = "child_plans_the_config_in_its_environment";

/// Proxy variables, cleared in a child unless the test sets them.
pub const PROXY_VARIABLES: [&str; 8] = [
    "HTTPS_PROXY",
    "https_proxy",
    "HTTP_PROXY",
    "http_proxy",
    "ALL_PROXY",
    "all_proxy",
    "NO_PROXY",
    "no_proxy",
];

/// Starts this test binary again to plan `config` in a process of its own
/// (so environment variables never leak into other tests' threads): the
/// variables in `clear` are removed, then `env` is set. Read the result
/// with [`child_plan`].
pub fn plan_child<V: AsRef<std::ffi::OsStr>>(
    config: &str,
    clear: &[&str],
    env: &[(&str, V)],
) -> std::process::Child {
    let mut cmd = this_test_binary();
    cmd.args(["--exact", CHILD_TEST, "--nocapture"])
        .env("RESOLVER_TEST_CHILD_CONFIG", config)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    for var in clear {
        cmd.env_remove(var);
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.spawn().expect("re-run the test binary")
}

/// The plan a [`plan_child`] printed.
pub fn child_plan(child: std::process::Child) -> Value {
    let out = child.wait_with_output().expect("the child's output");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let line = stdout
        .lines()
        .find_map(|l| l.strip_prefix("PLAN "))
        .unwrap_or_else(|| {
            panic!(
                "no plan from the child: {stdout}\n{}",
                String::from_utf8_lossy(&out.stderr)
            )
        });
    serde_json::from_str(line).expect("the child's plan is JSON")
}

/// The child side of [`plan_child`]: plans the config it was given and
/// prints it (in the parent's own run of the test, it does nothing).
pub fn plan_if_child() {
    if let Ok(config) = std::env::var("RESOLVER_TEST_CHILD_CONFIG") {
        println!("PLAN {}", call_ffi(&config));
    }
}

/// Calls `resolver_compute_plan` through the C ABI and frees the result
/// with `resolver_free_string`.
pub fn call_ffi(config: &str) -> Value {
    ffi::call(config)
}

/// The config of a case with paths made absolute and `${INDEX_URL}` replaced.
pub fn case_config(case: &Path, index_url: Option<&str>) -> String {
    let mut text = std::fs::read_to_string(case.join("config.json")).unwrap();
    if let Some(url) = index_url {
        text = text.replace("${INDEX_URL}", url);
    }
    let mut cfg: Value = serde_json::from_str(&text).unwrap();
    let input = cfg["input_dir"].as_str().unwrap();
    cfg["input_dir"] = Value::String(case.join(input).display().to_string());
    cfg["run_id"] = Value::String("parity".into());
    cfg.to_string()
}

fn pairs(v: &Value, keys: &[&str]) -> Vec<Value> {
    v.as_array()
        .map(|a| {
            a.iter()
                .map(|e| Value::Array(keys.iter().map(|k| e[*k].clone()).collect()))
                .collect()
        })
        .unwrap_or_default()
}

pub(crate) fn req_key(s: &str) -> (String, BTreeSet<String>, String) {
    let r: Requirement = s
        .parse()
        .unwrap_or_else(|e| panic!("requirement `{s}`: {e}"));
    let specs = match &r.version_or_url {
        Some(VersionOrUrl::VersionSpecifier(s)) => s.iter().map(ToString::to_string).collect(),
        Some(VersionOrUrl::Url(u)) => [u.to_string()].into(),
        None => BTreeSet::new(),
    };
    (
        r.name.to_string(),
        specs,
        r.marker.try_to_string().unwrap_or_default(),
    )
}

/// Compares a result with a case's `expect`; returns the differences.
pub fn compare(case: &Path, result: &Value) -> Vec<String> {
    let expect = read_json(&case.join("case.json"))["expect"].clone();
    let mut diffs = Vec::new();
    let want_error = expect.get("error").and_then(Value::as_str);
    let got_error = result.get("error");
    match (want_error, got_error) {
        (Some(code), Some(err)) => {
            if err["code"] != code {
                diffs.push(format!("error code: want {code}, got {}", err["code"]));
            }
            let haystack = format!("{} {}", err["message"], err["details"]);
            for m in expect
                .get("error_mentions")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let m = m.as_str().unwrap();
                if !haystack.contains(m) {
                    diffs.push(format!("error does not mention `{m}`: {haystack}"));
                }
            }
            return diffs;
        }
        (Some(code), None) => {
            diffs.push(format!("want error {code}, got a plan"));
            return diffs;
        }
        (None, Some(err)) => {
            diffs.push(format!("want a plan, got error {err}"));
            return diffs;
        }
        (None, None) => {}
    }
    let empty = Value::Array(vec![]);
    let get = |k: &str| expect.get(k).cloned().unwrap_or(empty.clone());
    let got_reuse = pairs(&result["reuse"], &["name", "version"]);
    if Value::Array(got_reuse.clone()) != get("reuse") {
        diffs.push(format!("reuse: want {}, got {:?}", get("reuse"), got_reuse));
    }
    let got_build = pairs(&result["to_build"], &["name", "version", "reason"]);
    if Value::Array(got_build.clone()) != get("build") {
        diffs.push(format!("build: want {}, got {:?}", get("build"), got_build));
    }
    let got_exp = pairs(
        &result["dependency_expansions"],
        &["name", "version", "depth", "parents"],
    );
    if Value::Array(got_exp.clone()) != get("dependency_expansions") {
        diffs.push(format!(
            "dependency_expansions: want {}, got {:?}",
            get("dependency_expansions"),
            got_exp
        ));
    }
    let want_missing: Vec<_> = get("missing_requirements")
        .as_array()
        .unwrap()
        .iter()
        .map(|s| req_key(s.as_str().unwrap()))
        .collect();
    let got_missing: Vec<_> = result["missing_requirements"]
        .as_array()
        .map(|a| a.iter().map(|s| req_key(s.as_str().unwrap())).collect())
        .unwrap_or_default();
    if want_missing != got_missing {
        diffs.push(format!(
            "missing_requirements: want {want_missing:?}, got {got_missing:?}"
        ));
    }
    // `fetch`: absent means empty (contract-2 4.7).
    let got_fetch = pairs(&result["fetch"], &["name", "version", "file"]);
    if Value::Array(got_fetch.clone()) != get("fetch") {
        diffs.push(format!("fetch: want {}, got {:?}", get("fetch"), got_fetch));
    }
    // `skipped`: compared only where the case gives it.
    if let Some(want) = expect.get("skipped") {
        let got = pairs(&result["skipped"], &["name", "version", "status"]);
        if &Value::Array(got.clone()) != want {
            diffs.push(format!("skipped: want {want}, got {got:?}"));
        }
    }
    // `plan`: reuse, then fetch (action `fetch`), then build nodes.
    let nodes = |key: &str, action: &str| -> Vec<Value> {
        result[key]
            .as_array()
            .into_iter()
            .flatten()
            .map(|e| serde_json::json!([e["name"], e["version"], action]))
            .collect()
    };
    let mut want_nodes = nodes("reuse", "reuse");
    want_nodes.extend(nodes("fetch", "fetch"));
    want_nodes.extend(nodes("to_build", "build"));
    let got_nodes = pairs(&result["plan"], &["name", "version", "action"]);
    if got_nodes != want_nodes {
        diffs.push(format!(
            "plan nodes: want {want_nodes:?} (reuse, fetch, build), got {got_nodes:?}"
        ));
    }
    if let Some(n) = expect.get("warnings").and_then(Value::as_u64) {
        let got = result["warnings"].as_array().map_or(0, Vec::len) as u64;
        if got < n {
            diffs.push(format!("warnings: want at least {n}, got {got}"));
        }
    }
    build_graph::compare(&expect, result, &mut diffs);
    diffs
}
