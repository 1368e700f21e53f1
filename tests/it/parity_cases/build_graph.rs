//! The build-graph keys of a parity case's `expect` (contract §4.8–4.11, cases
//! 50–54), compared as `fixtures/parity/README.md` says, each only where
//! the case names it.

use std::collections::BTreeSet;

use pep508_rs::{PackageName, Requirement};
use serde_json::Value;

/// The `to_build` entry of `name==version`.
fn build<'r>(result: &'r Value, name: &Value, version: &Value) -> Option<&'r Value> {
    result["to_build"]
        .as_array()?
        .iter()
        .find(|b| &b["name"] == name && &b["version"] == version)
}

/// A requirement compared with its extras: name, extras, specifiers, marker.
fn requirement(s: &str) -> (String, BTreeSet<String>, (String, BTreeSet<String>, String)) {
    let r: Requirement = s
        .parse()
        .unwrap_or_else(|e| panic!("requirement `{s}`: {e}"));
    let extras = r.extras.iter().map(ToString::to_string).collect();
    (r.name.to_string(), extras, super::req_key(s))
}

fn requirements(v: &Value) -> Option<Vec<impl PartialEq + std::fmt::Debug>> {
    v.as_array().map(|a| {
        a.iter()
            .map(|s| requirement(s.as_str().unwrap_or_default()))
            .collect()
    })
}

/// `name==version` with the name normalised.
fn release(s: &str) -> String {
    match s.split_once("==") {
        Some((n, v)) => match n.parse::<PackageName>() {
            Ok(n) => format!("{n}=={v}"),
            Err(_) => s.to_owned(),
        },
        None => s.to_owned(),
    }
}

fn releases(v: &Value) -> Vec<String> {
    v.as_array()
        .into_iter()
        .flatten()
        .map(|s| release(s.as_str().unwrap_or_default()))
        .collect()
}

/// Appends to `diffs` how `result` differs from `expect` on the build-graph
/// keys.
pub fn compare(expect: &Value, result: &Value, diffs: &mut Vec<String>) {
    if let Some(want) = expect.get("source") {
        let got: Vec<Value> = result["to_build"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|b| serde_json::json!([b["name"], b["version"], b["source"]["file"]]))
            .collect();
        if &Value::Array(got.clone()) != want {
            diffs.push(format!("source: want {want}, got {got:?}"));
        }
    }
    for (key, field) in [
        ("build_requires", "build_requires"),
        ("build_backend", "build_backend"),
        ("build_deps", "build_deps"),
    ] {
        for entry in expect
            .get(key)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let (name, version, want) = (&entry[0], &entry[1], &entry[2]);
            let Some(job) = build(result, name, version) else {
                diffs.push(format!("{key}: no build {name} {version}"));
                continue;
            };
            let got = &job[field];
            let same = match key {
                "build_requires" => {
                    format!("{:?}", requirements(want)) == format!("{:?}", requirements(got))
                }
                "build_deps" => {
                    releases(want).into_iter().collect::<BTreeSet<_>>()
                        == releases(got).into_iter().collect::<BTreeSet<_>>()
                        && got.is_array()
                }
                _ => want == got,
            };
            if !same {
                diffs.push(format!("{key} of {name} {version}: want {want}, got {got}"));
            }
        }
    }
    if let Some(want) = expect.get("build_order") {
        let norm = |v: &Value| -> Vec<Vec<String>> {
            v.as_array().into_iter().flatten().map(releases).collect()
        };
        if norm(want) != norm(&result["build_order"]) || !result["build_order"].is_array() {
            diffs.push(format!(
                "build_order: want {want}, got {}",
                result["build_order"]
            ));
        }
    }
    if let Some(want) = expect.get("unbuildable").and_then(Value::as_array) {
        let got: Vec<&Value> = result["unbuildable"]
            .as_array()
            .into_iter()
            .flatten()
            .collect();
        let same = got.len() == want.len()
            && result["unbuildable"].is_array()
            && want.iter().zip(&got).all(|(w, g)| {
                w[0] == g["name"]
                    && w[1] == g["version"]
                    && g["reason"]
                        .as_str()
                        .is_some_and(|r| r.starts_with(w[2].as_str().unwrap_or_default()))
            });
        if !same {
            diffs.push(format!(
                "unbuildable: want {}, got {}",
                Value::Array(want.clone()),
                result["unbuildable"]
            ));
        }
    }
}
