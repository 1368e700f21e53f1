//! Plan behaviour beyond the parity cases: output shape, run ids, strict
//! mode, plan_path, bad wheels, METADATA limits.

use crate::common;

use common::wheelgen::{write_wheel, write_zip};
use serde_json::{json, Value};

fn plan(cfg: Value) -> Value {
    common::call_ffi(&cfg.to_string())
}

#[test]
fn plan_has_every_field_in_contract_order() {
    let input = common::parity_dir().join("02_pinned_missing_dep/input");
    let out = plan(json!({"input_dir": input, "target_python": "3.11", "run_id": "r1"}));
    let keys: Vec<&str> = out
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    for k in [
        "schema_version",
        "run_id",
        "python_version",
        "python_tag",
        "platform_tag",
        "upgrade_strategy",
        "plan",
        "reuse",
        "to_build",
        "dependency_expansions",
        "missing_requirements",
        "skipped",
        "warnings",
        "resolver",
    ] {
        assert!(keys.contains(&k), "missing {k}");
    }
    assert_eq!(out["schema_version"], 1);
    assert_eq!(out["run_id"], "r1");
    assert_eq!(out["python_tag"], "cp311");
    assert_eq!(out["upgrade_strategy"], "pinned");
    // plan: reuse nodes, then build nodes; every node has the target tags.
    let actions: Vec<&str> = out["plan"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["reuse", "build", "build"]);
    for n in out["plan"].as_array().unwrap() {
        assert_eq!(n["python_tag"], "cp311");
        assert_eq!(n["platform_tag"], "manylinux2014_s390x");
    }
    let dep = &out["to_build"][1];
    assert_eq!(dep["source_spec"], "dep==1.0.0");
    assert_eq!(dep["parents"], json!(["nativepkg"]));
    assert_eq!(out["to_build"][0]["incompatible"]["kind"], "platform");
    assert!(out["reuse"][0]["path"]
        .as_str()
        .unwrap()
        .ends_with("purepkg-1.0.0-py3-none-any.whl"));
    assert_eq!(out["resolver"]["version"], env!("CARGO_PKG_VERSION"));
}

#[test]
fn run_ids_are_random_hex() {
    let input = common::parity_dir().join("01_basic/input");
    let a = plan(json!({"input_dir": input, "target_python": "3.11"}));
    let b = plan(json!({"input_dir": input, "target_python": "3.11"}));
    let (a, b) = (a["run_id"].as_str().unwrap(), b["run_id"].as_str().unwrap());
    assert_eq!(a.len(), 32);
    assert!(a
        .bytes()
        .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
    assert_ne!(a, b);
}

#[test]
fn strict_mode_fails_on_missing_requirements_and_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let input = common::parity_dir().join("04_unpinned_unsatisfied_offline/input");
    let plan_path = tmp.path().join("plan.json");
    let out = plan(
        json!({"input_dir": input, "target_python": "3.11", "strict": true, "plan_path": plan_path}),
    );
    assert_eq!(out["error"]["code"], "unresolved_requirements", "{out}");
    assert!(out["error"]["message"]
        .as_str()
        .unwrap()
        .contains("lib>=2.0"));
    assert!(!plan_path.exists());
    assert_eq!(
        std::fs::read_dir(tmp.path()).unwrap().count(),
        0,
        "no temp files left"
    );
    // Not strict: the same input plans, and the plan file is written.
    let out = plan(
        json!({"input_dir": input, "target_python": "3.11", "plan_path": plan_path, "run_id": "x"}),
    );
    assert!(out.get("error").is_none(), "{out}");
    let written: Value =
        serde_json::from_str(&std::fs::read_to_string(&plan_path).unwrap()).unwrap();
    assert_eq!(written, out);
    assert_eq!(
        std::fs::read_dir(tmp.path()).unwrap().count(),
        1,
        "only plan.json"
    );
}

#[test]
fn plan_path_in_missing_directory_is_io_error() {
    let input = common::parity_dir().join("01_basic/input");
    let out = plan(
        json!({"input_dir": input, "target_python": "3.11", "plan_path": "/nonexistent-dir/x/plan.json"}),
    );
    assert_eq!(out["error"]["code"], "io_error");
    assert!(out["error"]["message"]
        .as_str()
        .unwrap()
        .contains("/nonexistent-dir/x/plan.json"));
}

#[test]
fn every_bad_wheel_is_named_in_one_error() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    write_wheel(d, "good-1.0-py3-none-any.whl", &[]);
    write_wheel(d, "badreq-1.0-py3-none-any.whl", &["lib>=>1"]);
    std::fs::write(
        d.join("trunc-1.0-py3-none-any.whl"),
        b"PK\x03\x04 truncated",
    )
    .unwrap();
    write_zip(
        d,
        "latin-1.0-py3-none-any.whl",
        &[(
            "latin-1.0.dist-info/METADATA",
            b"Name: latin\nSummary: caf\xe9\n",
        )],
    );
    write_wheel(d, "bad_version-x.y-py3-none-any.whl", &[]);
    let out = plan(json!({"input_dir": d, "target_python": "3.11"}));
    assert_eq!(out["error"]["code"], "invalid_wheel", "{out}");
    let details = out["error"]["details"].as_array().unwrap();
    let files: Vec<&str> = details
        .iter()
        .map(|d| d["file"].as_str().unwrap())
        .collect();
    assert_eq!(
        files,
        [
            "bad_version-x.y-py3-none-any.whl",
            "badreq-1.0-py3-none-any.whl",
            "latin-1.0-py3-none-any.whl",
            "trunc-1.0-py3-none-any.whl"
        ]
    );
    let msg = out["error"]["message"].as_str().unwrap();
    assert!(
        msg.starts_with("4 input files are not valid wheels"),
        "{msg}"
    );
    assert!(msg.contains("lib>=>1") && msg.contains("UTF-8"), "{msg}");
}

#[test]
fn metadata_over_the_cap_is_rejected_without_inflating_it() {
    let tmp = tempfile::tempdir().unwrap();
    // 8 MiB of one byte deflates to a few KiB: a small zip bomb.
    let mut md = b"Name: bomb\nVersion: 1.0\n".to_vec();
    md.resize(8 * 1024 * 1024, b'a');
    write_zip(
        tmp.path(),
        "bomb-1.0-py3-none-any.whl",
        &[("bomb-1.0.dist-info/METADATA", &md)],
    );
    let size = std::fs::metadata(tmp.path().join("bomb-1.0-py3-none-any.whl"))
        .unwrap()
        .len();
    assert!(size < 100_000, "{size}");
    let out = plan(json!({"input_dir": tmp.path(), "target_python": "3.11"}));
    assert_eq!(out["error"]["code"], "invalid_wheel");
    assert!(
        out["error"]["message"].as_str().unwrap().contains("cap"),
        "{out}"
    );
}

#[test]
fn non_wheels_and_wheel_named_directories_are_handled() {
    let tmp = tempfile::tempdir().unwrap();
    write_wheel(tmp.path(), "ok-1.0-py3-none-any.whl", &[]);
    std::fs::write(tmp.path().join("README.txt"), "ignored").unwrap();
    std::fs::create_dir(tmp.path().join("dir-1.0-py3-none-any.whl")).unwrap();
    std::fs::create_dir(tmp.path().join("sub")).unwrap();
    write_wheel(&tmp.path().join("sub"), "nested-1.0-py3-none-any.whl", &[]);
    let out = plan(json!({"input_dir": tmp.path(), "target_python": "3.11"}));
    assert_eq!(out["reuse"].as_array().unwrap().len(), 1, "{out}");
    assert!(out["warnings"][0]
        .as_str()
        .unwrap()
        .contains("dir-1.0-py3-none-any.whl"));
}

#[test]
fn markers_are_evaluated_for_the_target_platform() {
    let tmp = tempfile::tempdir().unwrap();
    write_wheel(
        tmp.path(),
        "app-1.0-cp311-cp311-manylinux2014_x86_64.whl",
        &[
            "zos-only; platform_machine == 's390x'",
            "x86-only; platform_machine == 'x86_64'",
            "new; python_version >= '3.12'",
        ],
    );
    let out = plan(
        json!({"input_dir": tmp.path(), "target_python": "3.11", "expansion": {"max_jobs": 10}}),
    );
    assert_eq!(
        out["missing_requirements"],
        json!(["zos-only; platform_machine == 's390x'"])
    );
    let out = plan(
        json!({"input_dir": tmp.path(), "target_python": "3.12", "target_platform_tag": "manylinux2014_x86_64"}),
    );
    assert_eq!(
        out["missing_requirements"],
        json!([
            "x86-only; platform_machine == 'x86_64'",
            "new; python_version >= '3.12'"
        ])
    );
}

#[test]
fn a_later_requirement_is_satisfied_by_an_earlier_dependency_build() {
    let tmp = tempfile::tempdir().unwrap();
    write_wheel(tmp.path(), "a-1.0-py3-none-any.whl", &["lib==2.0"]);
    write_wheel(
        tmp.path(),
        "b-1.0-py3-none-any.whl",
        &["lib>=1.5", "lib==3.0"],
    );
    let out = plan(json!({"input_dir": tmp.path(), "target_python": "3.11"}));
    let builds: Vec<(String, String, Value)> = out["to_build"]
        .as_array()
        .unwrap()
        .iter()
        .map(|j| {
            (
                j["name"].as_str().unwrap().into(),
                j["version"].as_str().unwrap().into(),
                j["parents"].clone(),
            )
        })
        .collect();
    assert_eq!(
        builds,
        vec![
            ("lib".into(), "2.0".into(), json!(["a", "b"])),
            ("lib".into(), "3.0".into(), json!(["b"]))
        ]
    );
    assert_eq!(out["missing_requirements"], json!([]));
}

#[test]
fn expansion_bound_is_reported() {
    let input = common::parity_dir().join("07_expansion_breadth_bound/input");
    let out =
        plan(json!({"input_dir": input, "target_python": "3.11", "expansion": {"max_jobs": 2}}));
    let w = out["warnings"].as_array().unwrap();
    assert!(
        w.iter()
            .any(|w| w.as_str().unwrap().contains("max_jobs")
                && w.as_str().unwrap().contains("zeta")),
        "{w:?}"
    );
}

#[test]
fn reuse_paths_are_absolute_for_a_relative_input_dir() {
    // `cargo test` runs in the package root, so this relative path resolves.
    let out = plan(json!({"input_dir": "fixtures/parity/01_basic/input", "target_python": "3.11"}));
    let path = out["reuse"][0]["path"].as_str().unwrap();
    assert!(path.starts_with('/'), "{path}");
    assert!(std::path::Path::new(path).is_file(), "{path}");
}
