//! Property tests over everything that parses untrusted bytes (run in CI on
//! stable; `fuzz/` has the coverage-guided cargo-fuzz targets for nightly).
//! Properties: never panic; valid inputs round-trip; errors are coded.

use crate::common;

use std::io::Cursor;

use proptest::prelude::*;
use wheel_resolver::config::Config;
use wheel_resolver::internals::wheel::{
    parse_metadata, read_metadata, RequiresDist, WheelFilename,
};

fn name() -> impl Strategy<Value = String> {
    "[A-Za-z][A-Za-z0-9_.]{0,12}[A-Za-z0-9]"
}
fn version() -> impl Strategy<Value = String> {
    prop_oneof![
        "[0-9]{1,3}(\\.[0-9]{1,3}){0,3}",
        "[0-9]{1,2}\\.[0-9]{1,2}(a|b|rc)[0-9]{1,2}",
        "[0-9]{1,2}\\.[0-9]{1,2}\\.post[0-9]",
        "[0-9]{1,2}!?[0-9]{1,2}\\.dev[0-9]",
    ]
}
/// Requirement texts from a few names, extras, specifier texts (some
/// invalid, some equal as values but not alike) and markers, so that a
/// parser sees the same parts again in other combinations.
fn requirement_text() -> impl Strategy<Value = String> {
    let names = prop::sample::select(vec![
        "a", "B_c", "d.e-f", "g1", "x", "a-", "x.whl", "a.tar.gz", "a..b", "9", "_a",
    ]);
    let extras = prop::sample::select(vec![
        "", "[x]", "[x, y]", " [t]", "[bad", "[x,y]", "[]", "[x,]", "[,x]", "[A_b.c]", "[1]",
        "[x]]", "[-x]", "[x,,y]",
    ]);
    let specs = prop::sample::select(vec![
        "",
        ">=1.0",
        " >=1.0",
        "~=1.0",
        "~=1.0.0",
        "==1.0.*",
        "==1.0.0.*",
        "(>=1,<2)",
        " (>=1, <2)",
        "!=2.0,>=1",
        ">=>1",
        "==",
        "1.0",
        ">=1.0 extra",
        "===foo",
        "<4 ",
        ">=1.0.0rc1",
        "@ https://x/y.whl",
    ]);
    let markers = prop::sample::select(vec![
        "",
        "; python_version < '3.8'",
        ";extra == 'test'",
        " ; python_full_version >= '3.11.1'",
        "; os_name == 'posix' and sys_platform != 'win32'",
        ";",
        "; bad marker",
        "; python_version <",
    ]);
    (names, extras, specs, markers).prop_map(|(n, e, s, m)| format!("{n}{e}{s}{m}"))
}

fn tag_set() -> impl Strategy<Value = String> {
    prop::collection::vec("[a-z0-9_]{1,20}", 1..4).prop_map(|v| v.join("."))
}

proptest! {
    #![proptest_config(common::proptest_config(512))]

    #[test]
    fn wheel_names_never_panic(s in "\\PC{0,80}") {
        let _ = s.parse::<WheelFilename>();
        let _ = format!("{s}.whl").parse::<WheelFilename>();
    }

    #[test]
    fn valid_wheel_names_round_trip(n in name(), v in version(), build in proptest::option::of("[0-9][a-z0-9_]{0,4}"), py in tag_set(), abi in tag_set(), plat in tag_set()) {
        let file = match &build {
            Some(b) => format!("{n}-{v}-{b}-{py}-{abi}-{plat}.whl"),
            None => format!("{n}-{v}-{py}-{abi}-{plat}.whl"),
        };
        match file.parse::<WheelFilename>() {
            Ok(w) => {
                prop_assert_eq!(w.raw_name(), n);
                prop_assert_eq!(w.build_tag(), build.as_deref());
                prop_assert_eq!(w.python_tags(), py);
                prop_assert_eq!(w.abi_tags(), abi);
                prop_assert_eq!(w.platform_tags(), plat);
            }
            // A generated version may still be invalid PEP 440 (e.g. `1!2.dev3` forms); never a name error.
            Err(e) => prop_assert!(e.reason.contains("PEP 440"), "{}", e),
        }
    }

    #[test]
    fn metadata_text_never_panics(s in "\\PC{0,400}") {
        let _ = parse_metadata(&s);
        let _ = parse_metadata(&format!("Requires-Dist: {s}\n"));
    }

    #[test]
    fn requirements_never_panic(s in "[ -~]{0,80}") {
        let _ = RequiresDist::parse(&s);
    }

    /// One parser, warm with the names, specifiers and markers of earlier
    /// texts (as in a scan), agrees with a whole pep508_rs parse of every
    /// text: same requirement, and an error exactly when that fails.
    #[test]
    fn shared_parse_agrees_with_a_whole_parse(texts in prop::collection::vec(requirement_text(), 1..40)) {
        let mut parser = wheel_resolver::internals::wheel::RequirementParser::default();
        for text in &texts {
            // pep508_rs 0.9 panics on a few texts (the parser's guards refuse them).
            let whole = std::panic::catch_unwind(|| text.trim().parse::<pep508_rs::Requirement>())
                .unwrap_or_else(|_| Err("(".parse::<pep508_rs::Requirement>().unwrap_err()));
            let shared = parser.parse(text);
            match (&whole, &shared) {
                (Ok(w), Ok(s)) => prop_assert_eq!(
                    &s.requirement,
                    &wheel_resolver::internals::requirement::Req::from_requirement(w.clone(), text.trim()),
                    "{}", text
                ),
                (Err(_), Err(_)) => {}
                // The guards refuse a few texts pep508_rs 0.9 would panic on or accept.
                (Ok(_), Err(e)) => prop_assert!(e.to_string().contains("alphanumeric") || e.to_string().contains("non-ASCII"), "{}: {}", text, e),
                (Err(e), Ok(_)) => prop_assert!(false, "{} parsed, but pep508_rs says {}", text, e),
            }
        }
    }

    #[test]
    fn zip_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..2048)) {
        let project = "app".parse().unwrap();
        let _ = read_metadata(Cursor::new(&bytes), &project);
        let mut with_magic = b"PK\x05\x06".to_vec();
        with_magic.extend_from_slice(&bytes);
        let _ = read_metadata(Cursor::new(&with_magic), &project);
    }

    #[test]
    fn mutated_wheels_never_panic(flips in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..16), cut in any::<prop::sample::Index>()) {
        let tmp = tempfile::tempdir().unwrap();
        let path = common::wheelgen::write_wheel(tmp.path(), "app-1.0-py3-none-any.whl", &["lib>=1; python_version >= '3'"]);
        let mut bytes = std::fs::read(path).unwrap();
        for (at, b) in flips {
            let i = at.index(bytes.len());
            bytes[i] ^= b;
        }
        let project = "app".parse().unwrap();
        let _ = read_metadata(Cursor::new(&bytes), &project);
        let n = cut.index(bytes.len());
        let _ = read_metadata(Cursor::new(&bytes[..n]), &project);
    }

    /// The fast path (tail read, reused inflater) and the zip crate agree on
    /// every mutated or cut wheel: same metadata, or both refuse it.
    #[test]
    fn tail_reader_agrees_with_the_zip_crate(flips in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..6), cut in any::<prop::sample::Index>(), whole in any::<bool>()) {
        let tmp = tempfile::tempdir().unwrap();
        let path = common::wheelgen::write_wheel_with(tmp.path(), "app-1.0-py3-none-any.whl", &["lib>=1; python_version >= '3'", "b"], Some(">=3.8"));
        let mut bytes = std::fs::read(&path).unwrap();
        for (at, b) in flips {
            let i = at.index(bytes.len());
            bytes[i] ^= b;
        }
        if !whole {
            bytes.truncate(cut.index(bytes.len()));
        }
        std::fs::write(&path, &bytes).unwrap();
        let project = "app".parse().unwrap();
        let file = std::fs::File::open(&path).unwrap();
        let mut reader = wheel_resolver::internals::wheel::tail::TailReader::default();
        let mut parser = wheel_resolver::internals::wheel::RequirementParser::default();
        let fast = wheel_resolver::internals::wheel::read_wheel_file(&file, bytes.len() as u64, &project, &mut parser, &mut reader, &|_| true);
        let slow = read_metadata(Cursor::new(&bytes), &project);
        let key = |r: &Result<Option<wheel_resolver::internals::wheel::WheelMetadata>, wheel_resolver::internals::wheel::MetadataError>| match r {
            Ok(Some(m)) => Ok(Some((m.requires_dist.iter().map(|r| r.text.clone()).collect::<Vec<_>>(), m.requires_python.clone(), m.name.clone(), m.version.clone()))),
            Ok(None) => Ok(None),
            Err(_) => Err(()),
        };
        prop_assert_eq!(key(&fast), key(&slow), "fast {:?} slow {:?}", fast, slow);
    }

    #[test]
    fn config_text_never_panics(s in "\\PC{0,200}") {
        if let Err(e) = Config::from_json(&s) {
            prop_assert_eq!(e.code(), "invalid_config");
        }
    }

    #[test]
    fn config_values_are_coded(
        target_python in prop_oneof![Just(serde_json::json!("3.11")), any::<i64>().prop_map(serde_json::Value::from), "\\PC{0,8}".prop_map(serde_json::Value::from)],
        platform in prop_oneof![Just(serde_json::json!("manylinux2014_s390x")), "[a-z0-9_]{0,30}".prop_map(serde_json::Value::from)],
        depth in any::<i64>(),
        jobs in any::<i64>(),
        strategy in "[a-z-]{0,10}",
    ) {
        let cfg = serde_json::json!({
            "input_dir": "/nonexistent",
            "target_python": target_python,
            "target_platform_tag": platform,
            "upgrade_strategy": strategy,
            "expansion": {"max_depth": depth, "max_jobs": jobs},
        });
        let out: serde_json::Value = serde_json::from_str(&wheel_resolver::compute_plan_json(&cfg.to_string())).unwrap();
        let code = out["error"]["code"].as_str().unwrap_or("").to_owned();
        prop_assert!(code == "invalid_config" || code == "input_not_found", "{}", out);
    }
}
