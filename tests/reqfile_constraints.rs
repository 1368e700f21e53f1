//! Config `constraints` (and `-c` in a requirements file): every version the
//! resolver chooses satisfies them; a constraint that rules out every
//! candidate leaves the requirement missing and is named in a warning.

mod policy_common;

use std::collections::HashMap;

use pep440_rs::Version;
use pep508_rs::PackageName;
use policy_common::{error, nv, pairs, plan, warnings, Fixture};
use serde_json::{json, Value};
use wheel_resolver::config::Config;
use wheel_resolver::index::{IndexVersion, PackageIndex};
use wheel_resolver::planner::{self, PlanInputs};
use wheel_resolver::wheel::RequiresDist;

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

/// An in-memory index: versions per project, no dependencies.
struct FakeIndex(HashMap<String, Vec<&'static str>>);

impl PackageIndex for FakeIndex {
    fn versions(&self, name: &PackageName) -> wheel_resolver::error::Result<Vec<IndexVersion>> {
        Ok(self
            .0
            .get(name.as_ref())
            .map(|vs| {
                vs.iter()
                    .map(|v| IndexVersion {
                        version: v.parse().expect("version"),
                        yanked: false,
                    })
                    .collect()
            })
            .unwrap_or_default())
    }
    fn requires_dist(
        &self,
        _: &PackageName,
        _: &Version,
    ) -> wheel_resolver::error::Result<Vec<RequiresDist>> {
        Ok(Vec::new())
    }
}

/// Runs the planner with `index` on the fixture's inputs and files.
fn plan_with_index(f: &Fixture, extra: Value) -> planner::PlanOutcome {
    let config = Config::from_json(&f.config(extra).to_string()).expect("config");
    let files = wheel_resolver::reqfile::load(&config).expect("files");
    let markers =
        wheel_resolver::markers::target_environment(config.python, &config.platform).unwrap();
    let applies = |r: &RequiresDist| r.requirement.evaluate_markers(&markers, &[]);
    let scan = wheel_resolver::scan::scan_dir(&config.input_dir, files.is_given(), &applies)
        .expect("scan");
    let tags = wheel_resolver::tags::SupportedTags::for_target(config.python, &config.platform);
    let index = FakeIndex(HashMap::from([
        ("lib".to_owned(), vec!["1.0", "2.0", "3.0"]),
        ("dep".to_owned(), vec!["1.0", "2.0", "3.0"]),
    ]));
    let inputs = PlanInputs {
        config: &config,
        wheels: &scan.wheels,
        tags: &tags,
        markers: &markers,
        index: Some(&index),
        extra_requirements: &files.requirements,
        constraints: &files.constraints,
    };
    planner::plan(&inputs).expect("plan")
}

fn built(o: &planner::PlanOutcome) -> Vec<(String, String)> {
    o.to_build
        .iter()
        .map(|j| (j.name.clone(), j.version.clone()))
        .collect()
}

#[test]
fn fallback_eager_and_expansion_choose_only_constrained_versions() {
    let f = Fixture::new();
    f.wheel("app-1.0-cp311-cp311-manylinux2014_x86_64.whl", &["lib>=1"]);
    let c = f.write("constraints.txt", "lib<3\n");
    for extra in [
        json!({"constraints": c, "fallback_latest": true}),
        json!({"constraints": c, "upgrade_strategy": "eager"}),
    ] {
        let mut extra = extra;
        extra["index"] = json!({"index_url": "https://unused.invalid/simple"});
        let o = plan_with_index(&f, extra);
        assert_eq!(built(&o), pairs(&[("app", "1.0"), ("lib", "2.0")]));
    }
    // Expansion (no fallback): the constraint also bounds the index choice.
    let f = Fixture::new();
    f.wheel("app-1.0-cp311-cp311-manylinux2014_x86_64.whl", &["dep>=1"]);
    let c = f.write("constraints.txt", "dep!=3.0\n");
    let o = plan_with_index(
        &f,
        json!({"constraints": c, "index": {"index_url": "https://unused.invalid/simple"}}),
    );
    assert_eq!(built(&o), pairs(&[("app", "1.0"), ("dep", "2.0")]));
}

#[test]
fn a_constraint_no_candidate_meets_leaves_the_requirement_missing_and_warns() {
    let f = Fixture::new();
    f.wheel(
        "app-1.0-cp311-cp311-manylinux2014_x86_64.whl",
        &["lib>=2", "dep>=1"],
    );
    let c = f.write("constraints.txt", "lib<2\ndep>5\n");
    let o = plan_with_index(
        &f,
        json!({"constraints": c, "fallback_latest": true,
               "index": {"index_url": "https://unused.invalid/simple"}}),
    );
    assert_eq!(built(&o), pairs(&[("app", "1.0")]));
    assert_eq!(o.missing, vec!["lib>=2".to_owned(), "dep>=1".to_owned()]);
    let w = o.warnings.join("\n");
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
