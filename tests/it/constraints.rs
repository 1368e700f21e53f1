//! Config `constraints` (and `-c` in a requirements file): every version the
//! resolver chooses satisfies them; a constraint that rules out every
//! candidate leaves the requirement missing and is named in a warning.
//!
//! The tests that need an index run through the public API against a real
//! local index (`scripts/index_test_server.py` serving a static tree of
//! wheels built on the fly), loopback only.

use crate::common;

use common::policy::{error, nv, pairs, plan, warnings, Fixture};
use common::servers::{test_server, write_tree, write_wheel, Server, TreeFile};
use serde_json::{json, Value};

#[test]
fn a_pin_excluded_by_a_constraint_is_missing_and_the_constraint_named() {
    let f = Fixture::new();
    f.wheel("app-1.0-py3-none-any.whl", &["lib==1.0", "other==2.0"]);
    let c = f.write("constraints.txt", "lib>=1.5  # security floor\nother<3\n");
    let p = plan(&f.config(json!({"constraints": c, "expansion": {"max_depth": 0}})));
    assert_eq!(nv(&p["to_build"]), pairs(&[("other", "2.0")]));
    assert_eq!(p["missing_requirements"], json!(["lib==1.0"]));
    let w = warnings(&p);
    assert!(w.contains("lib==1.0") && w.contains("`lib>=1.5`"), "{w}");
}

#[test]
fn constraints_from_a_requirements_file_apply_and_false_markers_do_not() {
    let f = Fixture::new();
    let req = f.write("requirements.txt", "-c c.txt\nlib==1.0\ntool==2.0\n");
    f.write(
        "c.txt",
        "lib<1 ; sys_platform == 'linux'\ntool<2 ; sys_platform == 'win32'\n-r more.txt\n",
    );
    f.write("more.txt", "tool!=2.0 ; platform_machine == 'x86_64'\n");
    let p = plan(&f.config(json!({"requirements": req, "expansion": {"max_depth": 0}})));
    assert_eq!(nv(&p["to_build"]), pairs(&[("tool", "2.0")]));
    assert_eq!(p["missing_requirements"], json!(["lib==1.0"]));
    assert!(warnings(&p).contains("`lib<1"), "{}", warnings(&p));
}

#[test]
fn constraints_cannot_have_extras_or_options() {
    let f = Fixture::new();
    f.wheel("app-1.0-py3-none-any.whl", &[]);
    let c = f.write("constraints.txt", "ok<2\nlib[extra]<2\n");
    let e = error(&f.config(json!({"constraints": c})));
    assert_eq!(e["code"], "invalid_config");
    assert_eq!(e["details"][0]["field"], "constraints");
    assert!(
        e["message"]
            .as_str()
            .unwrap()
            .contains("constraints.txt:2:"),
        "{e}"
    );
    let c = f.write("constraints.txt", "--index-url https://x/simple\n");
    let e = error(&f.config(json!({"constraints": c})));
    assert!(
        e["message"]
            .as_str()
            .unwrap()
            .contains("constraints.txt:1:"),
        "{e}"
    );
}

#[test]
fn offline_expansion_of_a_constrained_project_says_it_cannot_check() {
    let f = Fixture::new();
    f.wheel("app-1.0-cp311-cp311-manylinux2014_x86_64.whl", &["dep"]);
    let c = f.write("constraints.txt", "dep<2\n");
    let p = plan(&f.config(json!({"constraints": c})));
    assert_eq!(nv(&p["dependency_expansions"]), pairs(&[("dep", "latest")]));
    assert!(warnings(&p).contains("`dep<2`"), "{}", warnings(&p));
}

/// A real local index offering `lib` and `dep` 1.0, 2.0 and 3.0 (pure
/// wheels without dependencies, built on the fly), served by
/// `scripts/index_test_server.py` with PEP 691 negotiation. The tree lives as
/// long as the returned directory. `None` when python3 is missing (not in CI).
fn index() -> Option<(Server, tempfile::TempDir)> {
    let tree = tempfile::tempdir().unwrap();
    let wheels = tempfile::tempdir().unwrap();
    let project = |name: &str| -> Vec<TreeFile> {
        ["1.0", "2.0", "3.0"]
            .iter()
            .map(|v| {
                let file = format!("{name}-{v}-py3-none-any.whl");
                TreeFile::plain(write_wheel(wheels.path(), &file, &[], 0))
            })
            .collect()
    };
    write_tree(
        tree.path(),
        &[("lib", project("lib")), ("dep", project("dep"))],
        true,
    );
    test_server(tree.path(), &["--negotiate"], false).map(|server| (server, tree))
}

/// `extra` with `index` pointing at the server's simple API.
fn with_index(server: &Server, mut extra: Value) -> Value {
    extra["index"] = json!({"index_url": format!("{}/simple/", server.origin)});
    extra
}

#[test]
fn fallback_eager_and_expansion_choose_only_constrained_versions() {
    let Some((server, _tree)) = index() else {
        return;
    };
    let f = Fixture::new();
    f.wheel("app-1.0-cp311-cp311-manylinux2014_x86_64.whl", &["lib>=1"]);
    let c = f.write("constraints.txt", "lib<3\n");
    for extra in [
        json!({"constraints": c, "fallback_latest": true}),
        json!({"constraints": c, "upgrade_strategy": "eager"}),
    ] {
        let p = plan(&f.config(with_index(&server, extra)));
        assert_eq!(
            nv(&p["to_build"]),
            pairs(&[("app", "1.0"), ("lib", "2.0")]),
            "{p}"
        );
    }
    // Expansion (no fallback): the constraint also bounds the index choice.
    let f = Fixture::new();
    f.wheel("app-1.0-cp311-cp311-manylinux2014_x86_64.whl", &["dep>=1"]);
    let c = f.write("constraints.txt", "dep!=3.0\n");
    let p = plan(&f.config(with_index(&server, json!({"constraints": c}))));
    assert_eq!(
        nv(&p["to_build"]),
        pairs(&[("app", "1.0"), ("dep", "2.0")]),
        "{p}"
    );
}

#[test]
fn a_constraint_no_candidate_meets_leaves_the_requirement_missing_and_warns() {
    let Some((server, _tree)) = index() else {
        return;
    };
    let f = Fixture::new();
    f.wheel(
        "app-1.0-cp311-cp311-manylinux2014_x86_64.whl",
        &["lib>=2", "dep>=1"],
    );
    let c = f.write("constraints.txt", "lib<2\ndep>5\n");
    let p = plan(&f.config(with_index(
        &server,
        json!({"constraints": c, "fallback_latest": true}),
    )));
    assert_eq!(nv(&p["to_build"]), pairs(&[("app", "1.0")]), "{p}");
    assert_eq!(p["missing_requirements"], json!(["lib>=2", "dep>=1"]));
    let w = warnings(&p);
    assert!(
        w.contains("lib>=2: excluded by the constraint `lib<2`"),
        "{w}"
    );
    assert!(w.contains("candidates: 3.0, 2.0"), "{w}");
    assert!(
        w.contains("dep: not expanded") && w.contains("`dep>5`"),
        "{w}"
    );
}
