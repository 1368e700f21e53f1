//! Config `requirements`: pip's requirements-file format, planned like extra
//! Requires-Dist of the inputs, through the public API.

use crate::common;

use common::policy::{error, nv, pairs, plan, Fixture};
use serde_json::json;

#[test]
fn requirements_file_without_input_wheels_is_planned() {
    let f = Fixture::new();
    let req = f.write(
        "reqs/requirements.txt",
        "# top comment\n\
         \n\
         Foo_Bar==1.0   # inline comment\n\
         baz==2.0 ; sys_platform == 'win32'\n\
         qux==3.0 ; platform_machine == 's390x'\n\
         multi \\\n\
         ==4.0\n\
         -r more/other.txt\n\
         -c pins.txt\n",
    );
    f.write("reqs/more/other.txt", "nested==5.0\n");
    f.write("reqs/pins.txt", "# constraints\nbar-dep<9\n");
    let p = plan(&f.config(json!({"requirements": req})));
    assert_eq!(
        nv(&p["to_build"]),
        pairs(&[
            ("foo-bar", "1.0"),
            ("qux", "3.0"),
            ("multi", "4.0"),
            ("nested", "5.0")
        ])
    );
    let job = &p["to_build"][0];
    assert_eq!(job["reason"], "missing dependency");
    assert_eq!(job["parents"], json!([]));
    assert_eq!(job["depth"], 0);
    assert_eq!(job["requirements"], json!(["Foo_Bar==1.0"]));
    assert_eq!(p["missing_requirements"], json!([]));
    assert_eq!(p["reuse"], json!([]));
}

#[test]
fn without_a_requirements_file_an_empty_input_is_still_no_input() {
    let f = Fixture::new();
    let e = error(&f.config(json!({})));
    assert_eq!(e["code"], "no_input");
    // A constraints file alone is not an input either.
    let c = f.write("c.txt", "x<1\n");
    assert_eq!(
        error(&f.config(json!({"constraints": c})))["code"],
        "no_input"
    );
    // A missing input_dir stays input_not_found even with requirements.
    let r = f.write("r.txt", "x==1\n");
    let cfg = json!({"input_dir": f.path("nope"), "target_python": "3.11", "requirements": r});
    assert_eq!(error(&cfg)["code"], "input_not_found");
}

#[test]
fn requirements_combine_with_input_wheels() {
    let f = Fixture::new();
    f.wheel("lib-1.2.0-py3-none-any.whl", &[])
        .wheel("app-1.0-cp311-cp311-manylinux2014_x86_64.whl", &["lib>=1"]);
    let req = f.write("requirements.txt", "lib>=1.1\napp==1.0\ntool\n");
    let p = plan(&f.config(json!({"requirements": req})));
    // lib and app are satisfied by the inputs; `tool` is unknown offline and
    // is expanded as `latest` with no parent project.
    assert_eq!(nv(&p["reuse"]), pairs(&[("lib", "1.2.0")]));
    assert_eq!(
        nv(&p["to_build"]),
        pairs(&[("app", "1.0"), ("tool", "latest")])
    );
    let exp = &p["dependency_expansions"][0];
    assert_eq!(exp["name"], "tool");
    assert_eq!(exp["depth"], 1);
    assert_eq!(exp["parents"], json!([]));
    assert_eq!(p["missing_requirements"], json!(["tool"]));
}

#[test]
fn a_dependency_job_records_both_wheel_and_file_requirers() {
    let f = Fixture::new();
    f.wheel("app-1.0-py3-none-any.whl", &["lib==2.0"]);
    let req = f.write("requirements.txt", "lib==2.0\n");
    let p = plan(&f.config(json!({"requirements": req})));
    assert_eq!(nv(&p["to_build"]), pairs(&[("lib", "2.0")]));
    assert_eq!(p["to_build"][0]["parents"], json!(["app"]));
}

#[test]
fn strict_fails_on_a_missing_file_requirement() {
    let f = Fixture::new();
    let req = f.write("requirements.txt", "lib>=1\n");
    let e = error(&f.config(json!({
        "requirements": req, "strict": true, "expansion": {"max_depth": 0}
    })));
    assert_eq!(e["code"], "unresolved_requirements");
    assert!(e["message"].as_str().unwrap().contains("lib>=1"));
}

#[test]
fn include_cycles_are_invalid_config_naming_file_and_line() {
    let f = Fixture::new();
    let a = f.write("a.txt", "x==1\n-r b.txt\n");
    f.write("b.txt", "\n\n--requirement=a.txt\n");
    let e = error(&f.config(json!({"requirements": a})));
    assert_eq!(e["code"], "invalid_config");
    let m = e["message"].as_str().unwrap();
    assert!(m.contains("b.txt:3") && m.contains("include cycle"), "{m}");
}

#[test]
fn a_file_included_twice_is_read_once() {
    let f = Fixture::new();
    let a = f.write("a.txt", "-r b.txt\n-r c.txt\n");
    f.write("b.txt", "-r common.txt\n");
    f.write("c.txt", "-r common.txt\n");
    f.write("common.txt", "x==1\n");
    let p = plan(&f.config(json!({"requirements": a})));
    assert_eq!(nv(&p["to_build"]), pairs(&[("x", "1")]));
    assert_eq!(p["to_build"][0]["requirements"], json!(["x==1"]));
}

#[test]
fn unsupported_options_are_rejected_naming_file_and_line() {
    let f = Fixture::new();
    for (content, line, needle) in [
        (
            "x==1\n--index-url https://example.org/simple\n",
            2,
            "--index-url",
        ),
        ("-i https://example.org/simple\n", 1, "-i"),
        (
            "\n--extra-index-url=https://example.org/simple\n",
            2,
            "--extra-index-url",
        ),
        ("-e ./src\n", 1, "-e"),
        ("# c\nx==1 \\\n    --hash=sha256:abcd\n", 2, "--hash"),
        ("--pre\n", 1, "--pre"),
        ("-f ./wheels\n", 1, "-f"),
    ] {
        let req = f.write("requirements.txt", content);
        let e = error(&f.config(json!({"requirements": req})));
        assert_eq!(e["code"], "invalid_config", "{content}");
        let m = e["message"].as_str().unwrap();
        assert!(
            m.contains(&format!("requirements.txt:{line}:")) && m.contains(needle),
            "{content:?}: {m}"
        );
        assert_eq!(e["details"][0]["field"], "requirements");
    }
}

#[test]
fn bad_lines_are_rejected_naming_file_and_line() {
    let f = Fixture::new();
    for (content, line) in [
        ("ok==1\nnot a requirement!!\n", 2),
        ("x @ https://example.org/x-1.0.tar.gz\n", 1),
        ("./local/path\n", 1),
        ("-r\n", 1),
        ("-r https://example.org/r.txt\n", 1),
    ] {
        let req = f.write("requirements.txt", content);
        let e = error(&f.config(json!({"requirements": req})));
        assert_eq!(e["code"], "invalid_config", "{content}");
        let m = e["message"].as_str().unwrap();
        assert!(
            m.contains(&format!("requirements.txt:{line}:")),
            "{content:?}: {m}"
        );
    }
}

#[test]
fn missing_files_are_input_not_found_naming_them() {
    let f = Fixture::new();
    let e = error(&f.config(json!({"requirements": f.path("absent.txt")})));
    assert_eq!(e["code"], "input_not_found");
    assert!(e["message"].as_str().unwrap().contains("absent.txt"));

    let req = f.write("requirements.txt", "x==1\n-r sub/gone.txt\n");
    let e = error(&f.config(json!({"requirements": req})));
    assert_eq!(e["code"], "input_not_found");
    let m = e["message"].as_str().unwrap();
    assert!(
        m.contains("gone.txt") && m.contains("requirements.txt:2"),
        "{m}"
    );

    let bin = f.path("binary.txt");
    std::fs::write(&bin, [0xff, 0xfe, 0x00, 0x41]).unwrap();
    let e = error(&f.config(json!({"requirements": bin})));
    assert_eq!(e["code"], "io_error");
}
