//! Helpers for the policy and requirements-file tests: wheels written on the
//! fly into a temporary input directory, configs, and calls through the
//! C ABI ([`super::ffi`]).

use std::path::{Path, PathBuf};

use serde_json::{json, Value};

use super::{ffi, wheelgen};

/// A temporary work area with an `input/` directory.
pub struct Fixture {
    pub dir: tempfile::TempDir,
}

impl Fixture {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir(dir.path().join("input")).expect("input dir");
        Self { dir }
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    pub fn input(&self) -> PathBuf {
        self.path("input")
    }

    /// Writes `input/<file_name>` with a METADATA listing `requires`.
    pub fn wheel(&self, file_name: &str, requires: &[&str]) -> &Self {
        wheelgen::write_wheel(&self.input(), file_name, requires);
        self
    }

    /// Writes a text file relative to the fixture root; returns its path.
    pub fn write(&self, rel: &str, content: &str) -> PathBuf {
        let p = self.path(rel);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).expect("mkdir");
        }
        std::fs::write(&p, content).expect("write");
        p
    }

    /// A minimal config for this fixture, merged with `extra`.
    pub fn config(&self, extra: Value) -> Value {
        let mut cfg = json!({
            "input_dir": self.input().display().to_string(),
            "target_python": "3.11",
            "run_id": "test",
        });
        if let (Some(obj), Some(extra)) = (cfg.as_object_mut(), extra.as_object()) {
            for (k, v) in extra {
                obj.insert(k.clone(), v.clone());
            }
        }
        cfg
    }
}

/// Computes a plan through the C ABI; returns the plan or the error
/// envelope, as JSON.
pub fn run(cfg: &Value) -> Value {
    ffi::call(&cfg.to_string())
}

/// Like [`run`], but panics with the envelope when the call failed.
pub fn plan(cfg: &Value) -> Value {
    let v = run(cfg);
    assert!(v.get("error").is_none(), "unexpected error: {v}");
    v
}

/// Like [`run`], but panics when the call succeeded; returns the `error` object.
pub fn error(cfg: &Value) -> Value {
    let v = run(cfg);
    v.get("error")
        .cloned()
        .unwrap_or_else(|| panic!("expected an error, got a plan: {v}"))
}

/// `[[name, version], …]` of a list of plan entries.
pub fn nv(list: &Value) -> Vec<(String, String)> {
    list.as_array()
        .map(|a| {
            a.iter()
                .map(|e| {
                    (
                        e["name"].as_str().unwrap_or_default().to_owned(),
                        e["version"].as_str().unwrap_or_default().to_owned(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Pairs for assertions.
pub fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
    items
        .iter()
        .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
        .collect()
}

/// The warnings of a plan, joined.
pub fn warnings(plan: &Value) -> String {
    plan["warnings"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join("\n")
        })
        .unwrap_or_default()
}

/// One legacy row: (name, version, status, timestamp, detail, metadata_json).
pub type Row<'a> = (
    &'a str,
    &'a str,
    &'a str,
    Value,
    Option<&'a str>,
    Option<&'a str>,
);

/// Creates a history database with the legacy schema at `path` and inserts
/// `rows` of (name, version, status, timestamp, detail, metadata_json).
pub fn history_db(path: &Path, rows: &[Row<'_>]) {
    let conn = rusqlite::Connection::open(path).expect("create history db");
    conn.execute_batch(
        "CREATE TABLE build_events (id INTEGER PRIMARY KEY, name TEXT, version TEXT, \
         python_tag TEXT, platform_tag TEXT, status TEXT, timestamp TEXT, detail TEXT, \
         metadata_json TEXT)",
    )
    .expect("schema");
    for row in rows {
        insert(&conn, row);
    }
}

/// Inserts one legacy row.
pub fn insert(conn: &rusqlite::Connection, (name, version, status, ts, detail, meta): &Row<'_>) {
    let ts: rusqlite::types::Value = match ts {
        Value::String(s) => s.clone().into(),
        Value::Number(n) if n.is_i64() => n.as_i64().unwrap_or_default().into(),
        Value::Number(n) => n.as_f64().unwrap_or_default().into(),
        _ => rusqlite::types::Value::Null,
    };
    conn.execute(
        "INSERT INTO build_events (name, version, python_tag, platform_tag, status, timestamp, \
         detail, metadata_json) VALUES (?1, ?2, 'cp311', 'manylinux2014_s390x', ?3, ?4, ?5, ?6)",
        rusqlite::params![name, version, status, ts, detail, meta],
    )
    .expect("insert");
}
