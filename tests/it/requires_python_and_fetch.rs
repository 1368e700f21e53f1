//! The rules of contract §2.1, §4.2a, §4.3.1, §4.4 and §4.7 (plans a builder can carry out) against real
//! local indexes: Requires-Python from the page (a static PEP 503 tree, the
//! same tree negotiated as PEP 691 JSON, devpi) and from metadata
//! (pypiserver, which publishes none), `X.Y.Z` targets, expansion of every
//! release taken from an index, and fetch instead of build.

use crate::common;

use std::path::Path;

use common::servers::{
    app_input, builds, config, devpi, plan, pypiserver, test_server, write_tree, TreeFile,
};
use common::wheelgen::{write_wheel, write_wheel_with};
use serde_json::{json, Value};

fn index_at(url: &str) -> Value {
    json!({ "index_url": url })
}

fn warnings(plan: &Value) -> String {
    plan["warnings"]
        .as_array()
        .unwrap_or_else(|| panic!("not a plan: {plan}"))
        .iter()
        .map(|w| w.as_str().unwrap())
        .collect::<Vec<_>>()
        .join("\n")
}

fn triples(list: &Value, keys: [&str; 3]) -> Vec<[String; 3]> {
    list.as_array()
        .map(|a| {
            a.iter()
                .map(|e| keys.map(|k| e[k].as_str().unwrap_or_default().to_owned()))
                .collect()
        })
        .unwrap_or_default()
}

fn built(plan: &Value) -> Vec<(String, String)> {
    builds(plan).into_iter().map(|(n, v, _)| (n, v)).collect()
}

fn nv(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
        .collect()
}

/// lib 1.0, 1.5, 2.0; 2.0 requires Python >= 3.12. `page`: the index page
/// says so (the wheel's METADATA does not); otherwise only METADATA does.
fn lib_wheels(dir: &Path, page: bool) -> Vec<TreeFile> {
    ["1.0", "1.5", "2.0"]
        .iter()
        .map(|v| {
            let rp = (*v == "2.0").then_some(">=3.12");
            let file = format!("lib-{v}-py3-none-any.whl");
            let source = write_wheel_with(dir, &file, &[], if page { None } else { rp });
            match (page, rp) {
                (true, Some(rp)) => TreeFile::plain(source).requires_python(rp),
                _ => TreeFile::plain(source),
            }
        })
        .collect()
}

#[test]
fn requires_python_from_the_page_html_and_json() {
    for json_page in [false, true] {
        let tree = tempfile::tempdir().unwrap();
        let wheels = tempfile::tempdir().unwrap();
        write_tree(
            tree.path(),
            &[("lib", lib_wheels(wheels.path(), true))],
            json_page,
        );
        let args: &[&str] = if json_page { &["--negotiate"] } else { &[] };
        let Some(server) = test_server(tree.path(), args, false) else {
            return;
        };
        let input = app_input(&["lib>=1"]);
        let url = format!("{}/simple/", server.origin);
        let p = plan(&config(
            input.path(),
            index_at(&url),
            json!({"fallback_latest": true}),
        ));
        assert_eq!(
            built(&p),
            nv(&[("app", "1.0"), ("lib", "1.5")]),
            "json page: {json_page}: {p}"
        );
        // A 3.12 target may have 2.0.
        let p = plan(&config(
            input.path(),
            index_at(&url),
            json!({"fallback_latest": true, "target_python": "3.12"}),
        ));
        assert_eq!(built(&p)[1], ("lib".into(), "2.0".into()), "{p}");
    }
}

#[test]
fn requires_python_from_metadata_when_the_page_has_none() {
    let dir = tempfile::tempdir().unwrap();
    lib_wheels(dir.path(), false);
    let Some(server) = pypiserver(dir.path()) else {
        return;
    };
    let input = app_input(&["lib>=1"]);
    let url = format!("{}/simple/", server.origin);
    let p = plan(&config(
        input.path(),
        index_at(&url),
        json!({"fallback_latest": true}),
    ));
    assert_eq!(built(&p), nv(&[("app", "1.0"), ("lib", "1.5")]), "{p}");
    assert!(
        warnings(&p).contains("lib: passed over for Requires-Python excluding Python 3.11: 2.0"),
        "{p}"
    );
    // Another target Python that 2.0 excludes: 1.5 again.
    let p = plan(&config(
        input.path(),
        index_at(&url),
        json!({"fallback_latest": true, "target_python": "3.9"}),
    ));
    assert_eq!(built(&p), nv(&[("app", "1.0"), ("lib", "1.5")]), "{p}");
    // Only versions the target cannot install: missing, and said why.
    let input = app_input(&["lib>=2"]);
    let p = plan(&config(
        input.path(),
        index_at(&url),
        json!({"fallback_latest": true}),
    ));
    assert_eq!(built(&p), nv(&[("app", "1.0")]), "{p}");
    assert_eq!(p["missing_requirements"], json!(["lib>=2"]));
    assert!(
        warnings(&p).contains("lib>=2: every version that satisfies it requires a Python other than 3.11: 2.0 (`>=3.12`)"),
        "{p}"
    );
}

#[test]
fn requires_python_through_devpi_json() {
    let dir = tempfile::tempdir().unwrap();
    let files: Vec<_> = lib_wheels(dir.path(), false)
        .into_iter()
        .map(|f| f.source)
        .collect();
    let Some(server) = devpi(&files) else {
        return;
    };
    let input = app_input(&["lib>=1"]);
    let url = format!("{}/root/dev/+simple/", server.origin);
    let p = plan(&config(
        input.path(),
        index_at(&url),
        json!({"fallback_latest": true}),
    ));
    assert_eq!(built(&p), nv(&[("app", "1.0"), ("lib", "1.5")]), "{p}");
}

#[test]
fn a_pin_the_target_cannot_install_is_missing() {
    let dir = tempfile::tempdir().unwrap();
    lib_wheels(dir.path(), false);
    let Some(server) = pypiserver(dir.path()) else {
        return;
    };
    let url = format!("{}/simple/", server.origin);
    let input = app_input(&["lib==2.0", "other==1.0"]);
    let p = plan(&config(input.path(), index_at(&url), json!({})));
    // lib 2.0 is on the index and requires 3.12; other is not on the index
    // at all and is built as pinned, as the legacy planner does.
    assert_eq!(built(&p), nv(&[("app", "1.0"), ("other", "1.0")]), "{p}");
    assert_eq!(p["missing_requirements"], json!(["lib==2.0"]));
    assert!(warnings(&p).contains("lib==2.0: every version"), "{p}");
}

#[test]
fn an_input_release_excluded_by_requires_python_is_resolved_as_absent() {
    let dir = tempfile::tempdir().unwrap();
    lib_wheels(dir.path(), false);
    let Some(server) = pypiserver(dir.path()) else {
        return;
    };
    let url = format!("{}/simple/", server.origin);
    let input = app_input(&["lib>=1"]);
    write_wheel_with(
        input.path(),
        "lib-2.0-py3-none-any.whl",
        &[],
        Some(">=3.12"),
    );
    let p = plan(&config(
        input.path(),
        index_at(&url),
        json!({"fallback_latest": true}),
    ));
    assert_eq!(p["reuse"], json!([]), "{p}");
    assert_eq!(built(&p), nv(&[("app", "1.0"), ("lib", "1.5")]), "{p}");
    assert_eq!(
        triples(&p["skipped"], ["name", "version", "status"]),
        [["lib".to_owned(), "2.0".into(), "requires_python".into()]]
    );
    assert_eq!(p["skipped"][0]["source"], "input");
    assert_eq!(p["skipped"][0]["detail"], ">=3.12");
    assert!(p["skipped"][0].get("reason").is_none(), "{p}");
    assert!(warnings(&p).contains("lib 2.0: every wheel requires Python `>=3.12`"));
    // A 3.12 target reuses it.
    let p = plan(&config(
        input.path(),
        index_at(&url),
        json!({"fallback_latest": true, "target_python": "3.12"}),
    ));
    assert_eq!(p["reuse"][0]["name"], "lib", "{p}");
}

#[test]
fn patch_level_targets_and_warnings() {
    let input = tempfile::tempdir().unwrap();
    write_wheel(
        input.path(),
        "app-1.0-cp311-cp311-manylinux2014_x86_64.whl",
        &[
            "old>=1; python_full_version < '3.11.3'",
            "new>=1; python_full_version >= '3.11.3'",
            "plain>=1; python_version >= '3.8'",
        ],
    );
    write_wheel_with(
        input.path(),
        "pure-1.0-py3-none-any.whl",
        &[],
        Some(">=3.11.4"),
    );
    let run = |py: &str| {
        plan(
            &json!({
                "input_dir": input.path(),
                "target_python": py,
                "expansion": {"max_depth": 0},
            })
            .to_string(),
        )
    };
    let p = run("3.11.9");
    assert_eq!(p["python_version"], "3.11.9");
    assert_eq!(p["python_tag"], "cp311");
    assert_eq!(
        p["missing_requirements"],
        json!([
            "new>=1; python_full_version >= '3.11.3'",
            "plain>=1; python_version >= '3.8'"
        ]),
        "{p}"
    );
    assert_eq!(p["reuse"][0]["name"], "pure", "{p}");
    assert!(!warnings(&p).contains("patch level"), "{p}");

    let p = run("3.11");
    assert_eq!(p["python_version"], "3.11");
    assert_eq!(
        p["missing_requirements"],
        json!([
            "old>=1; python_full_version < '3.11.3'",
            "plain>=1; python_version >= '3.8'"
        ]),
        "{p}"
    );
    let w = warnings(&p);
    assert!(
        w.contains("`old>=1; python_full_version < '3.11.3'`: its marker is true for Python 3.11 (taken as 3.11.0) but differs for a later patch level"),
        "{w}"
    );
    assert!(
        w.contains("`new>=1; python_full_version >= '3.11.3'`: its marker is false"),
        "{w}"
    );
    assert!(
        w.contains("pure 1.0: Requires-Python `>=3.11.4` decides differently"),
        "{w}"
    );
    assert!(!w.contains("plain"), "{w}");
    assert_eq!(p["skipped"][0]["status"], "requires_python", "{p}");
}

/// app (input, x86_64) requires lib==1.0 and tool>=1; lib requires dep>=2
/// (dep 2.1 requires leaf); tool 1.0 requires nothing.
fn chain_index(dir: &Path) {
    write_wheel(dir, "lib-1.0-py3-none-any.whl", &["dep>=2"]);
    write_wheel(dir, "dep-2.0-py3-none-any.whl", &[]);
    write_wheel(dir, "dep-2.1-py3-none-any.whl", &["leaf"]);
    write_wheel(dir, "leaf-0.1-py3-none-any.whl", &[]);
    write_wheel(dir, "tool-1.0-py3-none-any.whl", &["dep>=2.1"]);
}

#[test]
fn every_release_taken_from_an_index_is_expanded_within_the_bounds() {
    let dir = tempfile::tempdir().unwrap();
    chain_index(dir.path());
    let Some(server) = pypiserver(dir.path()) else {
        return;
    };
    let url = format!("{}/simple/", server.origin);
    let input = app_input(&["lib==1.0", "tool>=1"]);
    let run = |depth: u32, jobs: u32| {
        plan(&config(
            input.path(),
            index_at(&url),
            json!({"fallback_latest": true, "expansion": {"max_depth": depth, "max_jobs": jobs}}),
        ))
    };
    let p = run(4, 10);
    assert_eq!(
        builds(&p),
        vec![
            ("app".into(), "1.0".into(), "incompatible wheel".into()),
            ("lib".into(), "1.0".into(), "missing dependency".into()),
            (
                "tool".into(),
                "1.0".into(),
                "missing compatible wheel for requirement".into()
            ),
            ("dep".into(), "2.1".into(), "dependency expansion".into()),
            ("leaf".into(), "0.1".into(), "dependency expansion".into()),
        ],
        "{p}"
    );
    assert_eq!(
        common::servers::expansions(&p),
        vec![
            (
                "dep".into(),
                "2.1".into(),
                2,
                vec!["lib".into(), "tool".into()]
            ),
            ("leaf".into(), "0.1".into(), 3, vec!["dep".into()]),
        ]
    );
    assert_eq!(p["to_build"][1]["depth"], 0, "pins keep the legacy depth 0");
    assert_eq!(p["missing_requirements"], json!([]), "{p}");

    // max_depth 2: dep is planned and its requirements examined; leaf, which
    // the bound keeps out, is missing and named.
    let p = run(2, 10);
    assert_eq!(built(&p).len(), 4, "{p}");
    assert!(
        warnings(&p).contains("expansion.max_depth = 2: not expanded: leaf (required by dep)"),
        "{p}"
    );
    assert_eq!(p["missing_requirements"], json!(["leaf"]), "{p}");
    // max_depth 1: the pin and the range are planned, nothing of theirs.
    let p = run(1, 10);
    assert_eq!(built(&p).len(), 3, "{p}");
    assert!(
        warnings(&p).contains("expansion.max_depth = 1: not expanded: dep (required by lib, tool)"),
        "{p}"
    );
    assert_eq!(
        p["missing_requirements"],
        json!(["dep>=2", "dep>=2.1"]),
        "{p}"
    );
    // max_jobs 0: dep is named as not expanded and stays missing.
    let p = run(4, 0);
    assert_eq!(built(&p).len(), 3, "{p}");
    assert!(
        warnings(&p).contains("expansion.max_jobs = 0: not expanded: dep"),
        "{p}"
    );
    assert_eq!(
        p["missing_requirements"],
        json!(["dep>=2", "dep>=2.1"]),
        "{p}"
    );
}

#[test]
fn fetch_lists_what_the_index_has_for_the_target() {
    let tree = tempfile::tempdir().unwrap();
    let wheels = tempfile::tempdir().unwrap();
    let w = wheels.path();
    write_tree(
        tree.path(),
        &[
            (
                "app",
                vec![
                    // Both install on the target; the cp311 one is more specific.
                    TreeFile::plain(write_wheel(w, "app-1.0-py3-none-any.whl", &[])).with_sha256(),
                    TreeFile::plain(write_wheel(
                        w,
                        "app-1.0-cp311-cp311-manylinux2014_s390x.whl",
                        &[],
                    ))
                    .with_sha256(),
                ],
            ),
            (
                "lib",
                vec![TreeFile::plain(write_wheel(
                    w,
                    "lib-1.0-py3-none-any.whl",
                    &["dep"],
                ))],
            ),
            (
                "dep",
                vec![TreeFile {
                    yanked: true,
                    ..TreeFile::plain(write_wheel(w, "dep-3.0-py3-none-any.whl", &[]))
                }
                .requires_python(">=3")],
            ),
            (
                "native",
                vec![TreeFile::plain(write_wheel(
                    w,
                    "native-2.0-cp311-cp311-manylinux2014_x86_64.whl",
                    &[],
                ))],
            ),
        ],
        true,
    );
    let Some(server) = test_server(tree.path(), &["--negotiate"], false) else {
        return;
    };
    let input = tempfile::tempdir().unwrap();
    write_wheel(
        input.path(),
        "app-1.0-cp311-cp311-manylinux2014_x86_64.whl",
        &["lib==1.0", "dep==3.0"],
    );
    write_wheel(
        input.path(),
        "native-2.0-cp311-cp311-manylinux2014_x86_64.whl",
        &[],
    );
    let url = format!("{}/simple/", server.origin);
    let with = |extra: Value| {
        let mut index = index_at(&url);
        index["fetch_compatible_wheels"] = true.into();
        plan(&config(input.path(), index, extra))
    };
    let p = with(json!({}));
    assert_eq!(
        triples(&p["fetch"], ["name", "version", "file"]),
        [
            [
                "app".to_owned(),
                "1.0".into(),
                "app-1.0-cp311-cp311-manylinux2014_s390x.whl".into()
            ],
            [
                "lib".into(),
                "1.0".into(),
                "lib-1.0-py3-none-any.whl".into()
            ],
        ],
        "{p}"
    );
    let app = &p["fetch"][0];
    assert_eq!(
        app["url"],
        format!(
            "{}/files/app-1.0-cp311-cp311-manylinux2014_s390x.whl",
            server.origin
        )
    );
    assert_eq!(app["sha256"].as_str().map(str::len), Some(64), "{p}");
    assert_eq!(app["index"], url.as_str());
    assert_eq!(app["reason"], "incompatible wheel");
    assert_eq!(p["fetch"][1]["reason"], "missing dependency");
    assert_eq!(p["fetch"][1]["parents"], json!(["app"]));
    assert!(
        p["fetch"][1].get("sha256").is_none(),
        "no hash on the page: {p}"
    );
    // native has only another platform's wheel; dep 3.0's only wheel is
    // yanked: both are built.
    assert_eq!(built(&p), nv(&[("native", "2.0"), ("dep", "3.0")]), "{p}");
    let actions: Vec<String> = p["plan"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            format!(
                "{} {}",
                n["name"].as_str().unwrap(),
                n["action"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(
        actions,
        ["app fetch", "lib fetch", "native build", "dep build"]
    );

    // An override version is built, never fetched; known failures apply to
    // builds only.
    let p = with(json!({
        "overrides": {"lib": {"version": "1.0", "notes": "patched"}},
        "skip_known_failures": true,
        "known_failures": [{"name": "app", "version": "1.0", "status": "failed"}],
    }));
    assert_eq!(
        triples(&p["fetch"], ["name", "version", "file"])
            .into_iter()
            .map(|t| t[0].clone())
            .collect::<Vec<_>>(),
        ["app"],
        "{p}"
    );
    assert_eq!(
        built(&p),
        nv(&[("native", "2.0"), ("lib", "1.0"), ("dep", "3.0")]),
        "{p}"
    );
    assert_eq!(p["skipped"], json!([]), "{p}");

    // Off (the default): no fetch key at all, the legacy shape.
    let p = plan(&config(input.path(), index_at(&url), json!({})));
    assert!(p.get("fetch").is_none(), "{p}");
    assert_eq!(built(&p).len(), 4, "{p}");
}

#[test]
fn fetch_urls_never_carry_credentials() {
    let dir = tempfile::tempdir().unwrap();
    write_wheel(dir.path(), "lib-1.0-py3-none-any.whl", &[]);
    let Some(server) = common::servers::pypiserver_auth(dir.path(), "alice", "s3cret") else {
        return;
    };
    let url = format!("http://alice:s3cret@127.0.0.1:{}/simple/", server.port);
    let input = app_input(&["lib==1.0"]);
    let p = plan(&config(
        input.path(),
        json!({"index_url": url, "fetch_compatible_wheels": true}),
        json!({}),
    ));
    assert_eq!(p["fetch"][0]["name"], "lib", "{p}");
    let text = p.to_string();
    assert!(
        !text.contains("s3cret") && !text.contains("alice"),
        "{text}"
    );
}
