//! Contract §4.5: overrides, through the public API.

use crate::common;

use common::policy::{error, nv, pairs, plan, warnings, Fixture};
use serde_json::json;

#[test]
fn override_replaces_the_version_and_is_copied_onto_the_job() {
    let f = Fixture::new();
    f.wheel("native_pkg-2.0-cp311-cp311-manylinux2014_x86_64.whl", &[])
        .wheel("purepkg-1.0.0-py3-none-any.whl", &[]);
    let p = plan(&f.config(json!({
        "overrides": {"Native.PKG": {
            "version": "2.1.0", "system_packages": ["openssl-devel"],
            "system_recipe": "openssl", "env": {"CFLAGS": "-O2"}, "notes": "needs openssl"
        }}
    })));
    let job = &p["to_build"][0];
    assert_eq!(job["name"], "native-pkg");
    assert_eq!(job["version"], "2.1.0");
    assert_eq!(job["source_spec"], "native-pkg==2.1.0");
    assert_eq!(
        job["override"],
        json!({"version": "2.1.0", "system_packages": ["openssl-devel"],
               "system_recipe": "openssl", "env": {"CFLAGS": "-O2"}, "notes": "needs openssl"})
    );
    assert_eq!(
        nv(&p["plan"]),
        pairs(&[("purepkg", "1.0.0"), ("native-pkg", "2.1.0")])
    );
    assert_eq!(p["warnings"], json!([]));
}

#[test]
fn override_without_version_keeps_the_version() {
    let f = Fixture::new();
    f.wheel("native_pkg-2.0-cp311-cp311-manylinux2014_x86_64.whl", &[]);
    let p = plan(&f.config(json!({"overrides": {"native_pkg": {"notes": "n"}}})));
    assert_eq!(p["to_build"][0]["version"], "2.0");
    assert_eq!(p["to_build"][0]["override"], json!({"notes": "n"}));
}

#[test]
fn override_for_an_unplanned_project_is_a_warning() {
    let f = Fixture::new();
    f.wheel("native_pkg-2.0-cp311-cp311-manylinux2014_x86_64.whl", &[])
        .wheel("purepkg-1.0.0-py3-none-any.whl", &[]);
    let p = plan(&f.config(json!({"overrides": {
        "ghost": {"version": "1.0"},
        "PurePkg": {"notes": "x"}
    }})));
    let w = warnings(&p);
    assert!(w.contains("overrides.ghost: ghost is not planned"), "{w}");
    assert!(
        w.contains("overrides.PurePkg: purepkg is not planned") && w.contains("reused: 1.0.0"),
        "{w}"
    );
    assert!(p["to_build"][0].get("override").is_none());
}

#[test]
fn two_spellings_of_one_project_are_invalid_config() {
    let f = Fixture::new();
    f.wheel("purepkg-1.0.0-py3-none-any.whl", &[]);
    let e = error(&f.config(json!({"overrides": {"Foo_Bar": {}, "foo.bar": {}}})));
    assert_eq!(e["code"], "invalid_config");
    let m = e["message"].as_str().unwrap();
    assert!(m.contains("Foo_Bar") && m.contains("foo.bar"), "{m}");
}

#[test]
fn known_failures_are_checked_for_the_overridden_version() {
    let f = Fixture::new();
    f.wheel("native_pkg-2.0-cp311-cp311-manylinux2014_x86_64.whl", &[]);
    let cfg = |failed: &str| {
        f.config(json!({
            "skip_known_failures": true,
            "overrides": {"native-pkg": {"version": "2.1"}},
            "known_failures": [{"name": "native-pkg", "version": failed, "status": "failed", "hint": "h"}]
        }))
    };
    let p = plan(&cfg("2.1"));
    assert_eq!(nv(&p["skipped"]), pairs(&[("native-pkg", "2.1")]));
    let p = plan(&cfg("2.0"));
    assert_eq!(nv(&p["to_build"]), pairs(&[("native-pkg", "2.1")]));
    assert!(p["to_build"][0].get("hints").is_none(), "{p}");
}

#[test]
fn override_that_breaks_a_requirement_or_constraint_warns() {
    let f = Fixture::new();
    f.wheel("app-1.0-py3-none-any.whl", &["lib==1.0"]);
    let c = f.write("constraints.txt", "lib<1.5\n");
    let p = plan(&f.config(json!({
        "constraints": c,
        "overrides": {"lib": {"version": "2.0"}}
    })));
    assert_eq!(nv(&p["to_build"]), pairs(&[("lib", "2.0")]));
    let w = warnings(&p);
    assert!(w.contains("does not satisfy `lib==1.0`"), "{w}");
    assert!(
        w.contains("does not satisfy the constraint `lib<1.5`"),
        "{w}"
    );
}

#[test]
fn jobs_that_an_override_makes_equal_are_built_once() {
    let f = Fixture::new();
    f.wheel("lib-1.0-cp311-cp311-manylinux2014_x86_64.whl", &[])
        .wheel("lib-2.0-cp311-cp311-manylinux2014_x86_64.whl", &[]);
    let p = plan(&f.config(json!({"overrides": {"lib": {"version": "3.0"}}})));
    assert_eq!(nv(&p["to_build"]), pairs(&[("lib", "3.0")]));
    assert!(warnings(&p).contains("built once"));
}

#[test]
fn override_gives_an_offline_expansion_a_version() {
    let f = Fixture::new();
    f.wheel("app-1.0-cp311-cp311-manylinux2014_x86_64.whl", &["dep>=1"]);
    let p = plan(&f.config(json!({"overrides": {"dep": {"version": "1.4"}}})));
    assert_eq!(nv(&p["to_build"]), pairs(&[("app", "1.0"), ("dep", "1.4")]));
    assert_eq!(nv(&p["dependency_expansions"]), pairs(&[("dep", "1.4")]));
    assert_eq!(p["dependency_expansions"][0]["source_spec"], "dep==1.4");
}
