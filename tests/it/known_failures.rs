//! Contract §4.6: known failures from the config and from the legacy SQLite
//! history, through the public API.

use crate::common;

use common::policy::{error, history_db, insert, nv, pairs, plan, run, warnings, Fixture};
use serde_json::{json, Value};

/// One incompatible input (`native_pkg 2.0`) and one reusable one.
fn fixture() -> Fixture {
    let f = Fixture::new();
    f.wheel("native_pkg-2.0-cp311-cp311-manylinux2014_x86_64.whl", &[])
        .wheel("purepkg-1.0.0-py3-none-any.whl", &[]);
    f
}

fn db_path(f: &Fixture) -> String {
    f.path("history.db").display().to_string()
}

#[test]
fn config_failure_is_skipped_with_its_status_timestamp_detail_and_hint() {
    let f = fixture();
    let p = plan(&f.config(json!({
        "skip_known_failures": true,
        "known_failures": [{
            "name": "Native.Pkg", "version": "2.0.0", "status": "failed",
            "timestamp": "2024-01-01T00:00:00Z", "detail": "gcc exploded",
            "hint": {"system_packages": ["libffi-devel"]}
        }]
    })));
    assert!(p["to_build"].as_array().unwrap().is_empty(), "{p}");
    assert_eq!(nv(&p["plan"]), pairs(&[("purepkg", "1.0.0")]));
    assert_eq!(
        p["skipped"],
        json!([{
            "name": "native-pkg", "version": "2.0", "status": "failed",
            "timestamp": "2024-01-01T00:00:00Z", "detail": "gcc exploded",
            "reason": "incompatible wheel", "source": "known_failures",
            "hints": [{"system_packages": ["libffi-devel"]}]
        }])
    );
}

#[test]
fn without_skip_the_job_stays_and_carries_the_hints() {
    let f = fixture();
    let p = plan(&f.config(json!({
        "known_failures": [
            {"name": "native-pkg", "version": "2.0", "status": "failed", "hint": "use clang"},
            {"name": "native-pkg", "version": "2.0", "status": "failed", "hint": "use clang"},
            {"name": "native-pkg", "version": "1.0", "status": "failed", "hint": "not this one"}
        ]
    })));
    assert_eq!(nv(&p["to_build"]), pairs(&[("native-pkg", "2.0")]));
    assert_eq!(p["to_build"][0]["hints"], json!(["use clang"]));
    assert_eq!(p["skipped"], json!([]));
}

#[test]
fn other_statuses_do_not_skip() {
    let f = fixture();
    for status in ["built", "failed_attempt", "retry", "reused"] {
        let p = plan(&f.config(json!({
            "skip_known_failures": true,
            "known_failures": [{"name": "native-pkg", "version": "2.0", "status": status}]
        })));
        assert_eq!(
            nv(&p["to_build"]),
            pairs(&[("native-pkg", "2.0")]),
            "{status}"
        );
    }
    for status in ["missing", "system_recipe_failed", "failed"] {
        let p = plan(&f.config(json!({
            "skip_known_failures": true,
            "known_failures": [{"name": "native-pkg", "version": "2.0", "status": status}]
        })));
        assert_eq!(p["skipped"][0]["status"], status, "{p}");
    }
}

#[test]
fn history_failure_is_skipped_and_its_metadata_hint_attached() {
    let f = fixture();
    history_db(
        &f.path("history.db"),
        &[
            (
                "native_pkg",
                "2.0",
                "built",
                json!("2023-06-01T00:00:00+00:00"),
                None,
                None,
            ),
            (
                "Native-Pkg",
                "2.0.0",
                "system_recipe_failed",
                json!("2024-03-01T12:00:00.123456+00:00"),
                Some("recipe step 2 failed"),
                Some(r#"{"hint": "install rust", "duration_seconds": 3}"#),
            ),
            // Legacy rows that can never match: version "unknown", name not a project.
            (
                "native-pkg",
                "unknown",
                "missing",
                json!("2025-01-01T00:00:00Z"),
                None,
                None,
            ),
            (
                "lib>=1 ; x",
                "unknown",
                "missing",
                json!("2025-01-01T00:00:00Z"),
                None,
                None,
            ),
        ],
    );
    let p = plan(&f.config(json!({"skip_known_failures": true, "history_db": db_path(&f)})));
    assert!(p["to_build"].as_array().unwrap().is_empty(), "{p}");
    let s = &p["skipped"][0];
    assert_eq!(s["name"], "native-pkg");
    assert_eq!(s["status"], "system_recipe_failed");
    assert_eq!(s["timestamp"], "2024-03-01T12:00:00.123456+00:00");
    assert_eq!(s["detail"], "recipe step 2 failed");
    assert_eq!(s["source"], "history_db");
    assert_eq!(s["hints"], json!(["install rust"]));
}

#[test]
fn the_most_recent_event_decides_across_sources_and_formats() {
    let f = fixture();
    // History: failed at 2024-01-01 (as Unix seconds); config: built later (ISO).
    history_db(
        &f.path("history.db"),
        &[(
            "native-pkg",
            "2.0",
            "failed",
            json!(1_704_067_200),
            None,
            None,
        )],
    );
    let cfg = |kf: Value| {
        f.config(
            json!({"skip_known_failures": true, "history_db": db_path(&f), "known_failures": kf}),
        )
    };
    let p = plan(&cfg(json!([
        {"name": "native-pkg", "version": "2.0", "status": "built", "timestamp": "2024-01-01T00:00:01Z"}
    ])));
    assert_eq!(
        nv(&p["to_build"]),
        pairs(&[("native-pkg", "2.0")]),
        "later build wins"
    );

    // Config built earlier than the history failure: the failure decides.
    let p = plan(&cfg(json!([
        {"name": "native-pkg", "version": "2.0", "status": "built", "timestamp": 1_704_067_199}
    ])));
    assert_eq!(p["skipped"][0]["source"], "history_db", "{p}");
    assert_eq!(p["skipped"][0]["timestamp"], "1704067200");

    // Same instant, different spellings: the config entry is the more recent.
    let p = plan(&cfg(json!([
        {"name": "native-pkg", "version": "2.0", "status": "built", "timestamp": "2024-01-01T01:00:00+01:00"}
    ])));
    assert_eq!(
        nv(&p["to_build"]),
        pairs(&[("native-pkg", "2.0")]),
        "tie: config wins"
    );

    // A config entry without a timestamp is older than any timestamped event.
    let p = plan(&cfg(
        json!([{"name": "native-pkg", "version": "2.0", "status": "built"}]),
    ));
    assert_eq!(p["skipped"][0]["status"], "failed", "{p}");
}

#[test]
fn within_one_source_later_rows_and_entries_win_ties() {
    let f = fixture();
    history_db(
        &f.path("history.db"),
        &[
            (
                "native-pkg",
                "2.0",
                "failed",
                json!("2024-01-01T00:00:00Z"),
                None,
                None,
            ),
            (
                "native-pkg",
                "2.0",
                "built",
                json!("2024-01-01T00:00:00Z"),
                None,
                None,
            ),
        ],
    );
    let p = plan(&f.config(json!({"skip_known_failures": true, "history_db": db_path(&f)})));
    assert_eq!(nv(&p["to_build"]), pairs(&[("native-pkg", "2.0")]));

    let p = plan(
        &f.config(json!({"skip_known_failures": true, "known_failures": [
            {"name": "native-pkg", "version": "2.0", "status": "built"},
            {"name": "native-pkg", "version": "2.0", "status": "failed"}
        ]})),
    );
    assert_eq!(p["skipped"][0]["status"], "failed");
}

#[test]
fn bookkeeping_events_never_decide() {
    let f = fixture();
    history_db(
        &f.path("history.db"),
        &[
            (
                "native-pkg",
                "2.0",
                "failed",
                json!("2024-01-01T00:00:00Z"),
                None,
                None,
            ),
            (
                "native-pkg",
                "2.0",
                "skipped_known_failure",
                json!("2024-02-01T00:00:00Z"),
                None,
                None,
            ),
        ],
    );
    let p = plan(&f.config(json!({"skip_known_failures": true, "history_db": db_path(&f)})));
    assert_eq!(p["skipped"][0]["status"], "failed", "{p}");
    assert_eq!(p["skipped"][0]["timestamp"], "2024-01-01T00:00:00Z");
}

#[test]
fn unreadable_history_timestamps_are_oldest_and_reported() {
    let f = fixture();
    history_db(
        &f.path("history.db"),
        &[
            (
                "native-pkg",
                "2.0",
                "built",
                json!("last tuesday"),
                None,
                None,
            ),
            (
                "native-pkg",
                "2.0",
                "failed",
                json!("2020-01-01T00:00:00Z"),
                None,
                None,
            ),
        ],
    );
    let p = plan(&f.config(json!({"skip_known_failures": true, "history_db": db_path(&f)})));
    assert_eq!(p["skipped"][0]["status"], "failed", "{p}");
    let w = warnings(&p);
    assert!(
        w.contains("no readable timestamp") && w.contains("last tuesday"),
        "{w}"
    );
}

#[test]
fn latest_jobs_never_match() {
    let f = Fixture::new();
    // app is incompatible and requires an unknown project: offline it is
    // expanded as `latest`.
    f.wheel("app-1.0-cp311-cp311-manylinux2014_x86_64.whl", &["dep"]);
    history_db(
        &f.path("history.db"),
        &[(
            "dep",
            "latest",
            "failed",
            json!("2024-01-01T00:00:00Z"),
            None,
            Some(r#"{"hint": "x"}"#),
        )],
    );
    let p = plan(&f.config(json!({"skip_known_failures": true, "history_db": db_path(&f)})));
    assert_eq!(
        nv(&p["to_build"]),
        pairs(&[("app", "1.0"), ("dep", "latest")])
    );
    assert!(p["to_build"][1].get("hints").is_none(), "{p}");
}

#[test]
fn skipping_keeps_dependency_expansions_consistent() {
    let f = Fixture::new();
    f.wheel("app-1.0-cp311-cp311-manylinux2014_x86_64.whl", &["dep"]);
    let p = plan(&f.config(json!({
        "skip_known_failures": true,
        "known_failures": [{"name": "app", "version": "1.0", "status": "failed"}]
    })));
    assert_eq!(nv(&p["to_build"]), pairs(&[("dep", "latest")]));
    assert_eq!(nv(&p["dependency_expansions"]), pairs(&[("dep", "latest")]));
    assert_eq!(
        p["dependency_expansions"][0]["reason"],
        "dependency expansion"
    );
    assert_eq!(nv(&p["plan"]), pairs(&[("dep", "latest")]));
    assert_eq!(nv(&p["skipped"]), pairs(&[("app", "1.0")]));
}

#[test]
fn strict_mode_a_skipped_job_is_not_missing_but_real_misses_still_fail() {
    let f = Fixture::new();
    f.wheel("app-1.0-py3-none-any.whl", &["lib==1.0"]);
    let kf = json!([{"name": "lib", "version": "1.0", "status": "failed"}]);
    let p = plan(&f.config(json!({
        "strict": true, "skip_known_failures": true, "known_failures": kf
    })));
    assert_eq!(nv(&p["skipped"]), pairs(&[("lib", "1.0")]));
    assert_eq!(p["skipped"][0]["reason"], "missing dependency");
    assert_eq!(p["missing_requirements"], json!([]));
    assert!(p["to_build"].as_array().unwrap().is_empty());

    let f2 = Fixture::new();
    f2.wheel("app-1.0-py3-none-any.whl", &["lib==1.0", "gone>=2"]);
    let e = error(&f2.config(json!({
        "strict": true, "skip_known_failures": true, "known_failures": kf,
        "expansion": {"max_depth": 0}
    })));
    assert_eq!(e["code"], "unresolved_requirements");
    let text = e.to_string();
    assert!(
        text.contains("gone>=2") && !text.contains("lib==1.0"),
        "{text}"
    );
}

#[test]
fn bad_known_failure_timestamp_is_invalid_config() {
    let f = fixture();
    let e = error(&f.config(json!({
        "known_failures": [
            {"name": "a", "version": "1", "status": "failed", "timestamp": "2024-01-01"},
            {"name": "b", "version": "1", "status": "failed", "timestamp": "soon"}
        ]
    })));
    assert_eq!(e["code"], "invalid_config");
    assert!(
        e["message"]
            .as_str()
            .unwrap()
            .contains("known_failures[1].timestamp"),
        "{e}"
    );
}

#[test]
fn missing_history_db_is_input_not_found_naming_it() {
    let f = fixture();
    let e = error(&f.config(json!({"history_db": db_path(&f)})));
    assert_eq!(e["code"], "input_not_found");
    assert!(e["message"].as_str().unwrap().contains("history.db"), "{e}");
    assert!(!f.path("history.db").exists(), "must not be created");
}

#[test]
fn unreadable_or_foreign_history_db_is_io_error_naming_it() {
    let f = fixture();
    let garbage = f.write("garbage.db", &"this is not sqlite\n".repeat(200));
    let e = error(&f.config(json!({"history_db": garbage})));
    assert_eq!(e["code"], "io_error", "{e}");
    assert!(e["message"].as_str().unwrap().contains("garbage.db"), "{e}");

    let other = f.path("other.db");
    rusqlite::Connection::open(&other)
        .unwrap()
        .execute_batch("CREATE TABLE something (x INTEGER)")
        .unwrap();
    let e = error(&f.config(json!({"history_db": other})));
    assert_eq!(e["code"], "io_error");
    let msg = e["message"].as_str().unwrap();
    assert!(
        msg.contains("other.db") && msg.contains("build_events"),
        "{msg}"
    );

    let partial = f.path("partial.db");
    rusqlite::Connection::open(&partial)
        .unwrap()
        .execute_batch(
            "CREATE TABLE build_events (id INTEGER PRIMARY KEY, name TEXT, version TEXT)",
        )
        .unwrap();
    let e = error(&f.config(json!({"history_db": partial})));
    let msg = e["message"].as_str().unwrap();
    assert!(msg.contains("status") && msg.contains("timestamp"), "{msg}");

    let e = error(&f.config(json!({"history_db": f.input()})));
    assert_eq!(e["code"], "io_error");
}

#[test]
fn history_db_is_never_modified() {
    let f = fixture();
    let path = f.path("history.db");
    history_db(
        &path,
        &[(
            "native-pkg",
            "2.0",
            "failed",
            json!("2024-01-01T00:00:00Z"),
            None,
            None,
        )],
    );
    let before = std::fs::read(&path).unwrap();
    let p = plan(&f.config(json!({"skip_known_failures": true, "history_db": path})));
    assert_eq!(p["skipped"].as_array().unwrap().len(), 1);
    assert_eq!(std::fs::read(&path).unwrap(), before);
    let names: Vec<String> = std::fs::read_dir(f.dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        !names.iter().any(|n| n.starts_with("history.db-")),
        "journal files: {names:?}"
    );
}

#[test]
fn a_writer_holding_the_write_lock_does_not_block_planning_and_is_not_blocked() {
    let f = fixture();
    let path = f.path("history.db");
    history_db(
        &path,
        &[(
            "native-pkg",
            "2.0",
            "failed",
            json!("2024-01-01T00:00:00Z"),
            None,
            None,
        )],
    );
    let writer = rusqlite::Connection::open(&path).unwrap();
    writer.busy_timeout(std::time::Duration::ZERO).unwrap();
    writer.execute_batch("BEGIN IMMEDIATE").unwrap();
    insert(
        &writer,
        &(
            "native-pkg",
            "2.0",
            "built",
            json!("2024-06-01T00:00:00Z"),
            None,
            None,
        ),
    );
    // The uncommitted `built` is invisible; planning neither waits nor fails.
    let started = std::time::Instant::now();
    let p = plan(&f.config(json!({"skip_known_failures": true, "history_db": path})));
    assert!(started.elapsed() < std::time::Duration::from_secs(4));
    assert_eq!(p["skipped"][0]["status"], "failed");
    // Planning left no lock behind: the writer commits at once.
    writer.execute_batch("COMMIT").unwrap();
    let p = plan(&f.config(json!({"skip_known_failures": true, "history_db": path})));
    assert_eq!(nv(&p["to_build"]), pairs(&[("native-pkg", "2.0")]));
}

#[test]
fn wal_database_with_an_open_write_transaction_is_read() {
    let f = fixture();
    let path = f.path("history.db");
    history_db(
        &path,
        &[(
            "native-pkg",
            "2.0",
            "failed",
            json!("2024-01-01T00:00:00Z"),
            None,
            None,
        )],
    );
    let writer = rusqlite::Connection::open(&path).unwrap();
    let mode: String = writer
        .query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    writer.busy_timeout(std::time::Duration::ZERO).unwrap();
    writer.execute_batch("BEGIN IMMEDIATE").unwrap();
    insert(
        &writer,
        &(
            "native-pkg",
            "2.0",
            "built",
            json!("2024-06-01T00:00:00Z"),
            None,
            None,
        ),
    );
    let p = plan(&f.config(json!({"skip_known_failures": true, "history_db": path})));
    assert_eq!(p["skipped"][0]["status"], "failed");
    writer.execute_batch("COMMIT").unwrap();
}

#[test]
fn concurrent_writer_commits_while_plans_run() {
    let f = fixture();
    let path = f.path("history.db");
    history_db(
        &path,
        &[(
            "native-pkg",
            "2.0",
            "failed",
            json!("2024-01-01T00:00:00Z"),
            None,
            None,
        )],
    );
    let cfg = f.config(json!({"skip_known_failures": true, "history_db": path}));
    let writer_path = path.clone();
    let writer = std::thread::spawn(move || {
        let conn = rusqlite::Connection::open(&writer_path).unwrap();
        // Legacy writers use Python's default 5 s busy timeout.
        conn.busy_timeout(std::time::Duration::from_secs(5))
            .unwrap();
        for i in 0..100 {
            insert(
                &conn,
                &(
                    "other",
                    "1.0",
                    "built",
                    json!(format!("2024-01-01T00:00:{:02}Z", i % 60)),
                    None,
                    None,
                ),
            );
        }
    });
    for _ in 0..20 {
        let p = run(&cfg);
        assert!(p.get("error").is_none(), "{p}");
        assert_eq!(p["skipped"][0]["status"], "failed");
    }
    writer.join().expect("writer never failed");
    let n: i64 = rusqlite::Connection::open(&path)
        .unwrap()
        .query_row("SELECT COUNT(*) FROM build_events", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 101);
}
