//! Every parity case of `fixtures/parity/` through the C ABI, compared as
//! `fixtures/parity/README.md` says: the offline cases as they are, the
//! index cases (those that need a package index) each against a real
//! pypiserver serving the case's `index/` folder on a free loopback port
//! (`${INDEX_URL}` replaced by its simple-API URL). An index case without
//! `index/` (an unreachable index) runs as is.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use pep508_rs::{Requirement, VersionOrUrl};
use serde_json::Value;

use crate::common;

mod build_graph;

#[test]
fn offline_parity_cases() {
    let mut failures = Vec::new();
    let mut ran = 0;
    let mut pending = Vec::new();
    for case in cases() {
        let id = case.file_name().unwrap().to_string_lossy().into_owned();
        if needs_index(&case) {
            pending.push(id);
            continue;
        }
        let result = common::call_ffi(&case_config(&case, None));
        let diffs = compare(&case, &result);
        if !diffs.is_empty() {
            failures.push(format!("{id}:\n  {}", diffs.join("\n  ")));
        }
        ran += 1;
    }
    eprintln!(
        "offline parity: {ran} cases run, {} failed; index cases left to the index test: {}",
        failures.len(),
        pending.join(", ")
    );
    assert_eq!(ran, 29, "expected 29 offline cases");
    assert!(
        failures.is_empty(),
        "{} parity case(s) failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn index_parity_cases() {
    let cases: Vec<_> = cases().into_iter().filter(|c| needs_index(c)).collect();
    assert_eq!(cases.len(), 13, "expected 13 index cases");
    let mut failures = Vec::new();
    let mut ran = 0;
    for case in &cases {
        let id = case.file_name().unwrap().to_string_lossy().into_owned();
        let index_dir = case.join("index");
        let server = if index_dir.is_dir() {
            match common::servers::pypiserver(&index_dir) {
                Some(s) => Some(s),
                None => return, // skipped loudly (never under CI)
            }
        } else {
            None
        };
        let url = server.as_ref().map(|s| format!("{}/simple/", s.origin));
        let result = common::call_ffi(&case_config(case, url.as_deref()));
        let diffs = compare(case, &result);
        if !diffs.is_empty() {
            failures.push(format!("{id}:\n  {}", diffs.join("\n  ")));
        }
        ran += 1;
    }
    eprintln!("index parity: {ran} cases run, {} failed", failures.len());
    assert!(
        failures.is_empty(),
        "{} index parity case(s) failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Every case folder, sorted.
fn cases() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(common::parity_dir())
        .expect("fixtures/parity")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("case.json").is_file())
        .collect();
    v.sort();
    v
}

/// True when the case needs a package index.
fn needs_index(case: &Path) -> bool {
    std::fs::read_to_string(case.join("config.json"))
        .unwrap()
        .contains("${INDEX_URL}")
        || case.join("index").is_dir()
        || read_json(&case.join("config.json")).get("index").is_some()
}

fn read_json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// The config of a case with paths made absolute and `${INDEX_URL}` replaced.
pub(crate) fn case_config(case: &Path, index_url: Option<&str>) -> String {
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

fn req_key(s: &str) -> (String, BTreeSet<String>, String) {
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
fn compare(case: &Path, result: &Value) -> Vec<String> {
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
    // `fetch`: absent means empty (contract §4.7).
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
