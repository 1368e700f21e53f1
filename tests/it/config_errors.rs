//! Bad config is an `invalid_config` error naming the field; bad input paths
//! and bytes get their own codes; nothing crashes.

use crate::common;

use serde_json::{json, Value};

fn base() -> Value {
    let input = common::parity_dir().join("01_basic/input");
    json!({"input_dir": input, "target_python": "3.11"})
}

fn with(mut cfg: Value, patch: Value) -> String {
    for (k, v) in patch.as_object().unwrap() {
        cfg[k] = v.clone();
    }
    cfg.to_string()
}

fn error_of(config: &str) -> (String, String) {
    let out = common::call_ffi(config);
    let err = out
        .get("error")
        .unwrap_or_else(|| panic!("expected an error for {config}, got a plan"));
    (
        err["code"].as_str().unwrap().to_owned(),
        format!("{} {}", err["message"], err["details"]),
    )
}

#[test]
fn invalid_configs_name_the_field() {
    let cases: Vec<(Value, &str)> = vec![
        (json!({"bogus": 1}), "bogus"),
        (json!({"target_python": 311}), "target_python"),
        (json!({"target_python": "3"}), "target_python"),
        (json!({"target_python": "2.7"}), "target_python"),
        (json!({"target_python": "3.11.2.1"}), "target_python"),
        (json!({"target_python": "3.11."}), "target_python"),
        (
            json!({"target_platform_tag": "win_amd64"}),
            "target_platform_tag",
        ),
        (
            json!({"target_platform_tag": "manylinux2014_sparc"}),
            "target_platform_tag",
        ),
        (
            json!({"target_platform_tag": "musllinux_x_s390x"}),
            "target_platform_tag",
        ),
        (json!({"upgrade_strategy": "latest"}), "upgrade_strategy"),
        (
            json!({"expansion": {"max_depth": -1}}),
            "expansion.max_depth",
        ),
        (json!({"expansion": {"max_jobs": -3}}), "expansion.max_jobs"),
        (
            json!({"expansion": {"max_jobs": 1.5}}),
            "expansion.max_jobs",
        ),
        (json!({"expansion": {"breadth": 2}}), "breadth"),
        (json!({"fallback_latest": "yes"}), "fallback_latest"),
        (
            json!({"index": {"index_url": "ftp://example/simple"}}),
            "index.index_url",
        ),
        (
            json!({"index": {"index_url": "https://u:secret@example/simple", "strategy": "random"}}),
            "index.strategy",
        ),
        (
            json!({"index": {"index_url": "https://example/simple", "timeout_seconds": 0}}),
            "index.timeout_seconds",
        ),
        (
            json!({"index": {"index_url": "https://example/simple", "extra_index_urls": ["nope"]}}),
            "index.extra_index_urls[0]",
        ),
        (
            json!({"index": {"index_url": "https://example/simple", "trusted_hosts": ["a/b"]}}),
            "index.trusted_hosts[0]",
        ),
        (
            json!({"index": {"index_url": "https://example/simple", "tls": false}}),
            "tls",
        ),
        (
            json!({"overrides": {"numpy": {"version": "not a version"}}}),
            "overrides.numpy.version",
        ),
        (json!({"overrides": {"numpy": {"colour": "red"}}}), "colour"),
        (
            json!({"overrides": {"numpy": {"env": {"A": 1}}}}),
            "overrides.numpy.env.A",
        ),
        (
            json!({"known_failures": [{"name": "x", "version": "1.0"}]}),
            "status",
        ),
        (
            json!({"known_failures": [{"name": "x", "version": "??", "status": "failed"}]}),
            "known_failures[0].version",
        ),
        (json!({"run_id": "has space"}), "run_id"),
        (json!({"run_id": ""}), "run_id"),
        (json!({"strict": null}), "strict"),
        (json!({"input_dir": ""}), "input_dir"),
        (json!({"plan_path": ""}), "plan_path"),
    ];
    for (patch, field) in cases {
        let cfg = with(base(), patch.clone());
        let (code, text) = error_of(&cfg);
        assert_eq!(code, "invalid_config", "{patch}: {text}");
        assert!(
            text.contains(field),
            "{patch}: error does not name `{field}`: {text}"
        );
        assert!(!text.contains("secret"), "credentials leaked: {text}");
    }
}

#[test]
fn required_fields_and_bad_documents() {
    for (doc, needle) in [
        (r#"{"target_python": "3.11"}"#, "input_dir"),
        (r#"{"input_dir": "/x"}"#, "target_python"),
        ("not json", "config"),
        ("", "config"),
        ("[]", "config"),
        (
            r#"{"input_dir": "/x", "target_python": "3.11"} trailing"#,
            "config",
        ),
    ] {
        let (code, text) = error_of(doc);
        assert_eq!(code, "invalid_config", "{doc}");
        assert!(text.contains(needle), "{doc}: {text}");
    }
}

#[test]
fn null_and_non_utf8_input_get_envelopes() {
    unsafe {
        let out = wheel_resolver::ffi::resolver_compute_plan(std::ptr::null());
        let text = std::ffi::CStr::from_ptr(out).to_str().unwrap().to_owned();
        wheel_resolver::ffi::resolver_free_string(out);
        assert!(text.contains("\"invalid_config\""), "{text}");
        let bad = b"{\"input_dir\": \"\xff\xfe\"}\0";
        let out = wheel_resolver::ffi::resolver_compute_plan(bad.as_ptr().cast());
        let text = std::ffi::CStr::from_ptr(out).to_str().unwrap().to_owned();
        wheel_resolver::ffi::resolver_free_string(out);
        assert!(
            text.contains("\"invalid_config\"") && text.contains("UTF-8"),
            "{text}"
        );
        wheel_resolver::ffi::resolver_free_string(std::ptr::null_mut());
        let v = std::ffi::CStr::from_ptr(wheel_resolver::ffi::resolver_version())
            .to_str()
            .unwrap();
        assert_eq!(v, env!("CARGO_PKG_VERSION"));
    }
}

#[test]
fn missing_input_dir_is_input_not_found() {
    let cfg = with(base(), json!({"input_dir": "/definitely/not/here"}));
    let (code, text) = error_of(&cfg);
    assert_eq!(code, "input_not_found");
    assert!(text.contains("/definitely/not/here"), "{text}");
    let file = common::parity_dir().join("01_basic/case.json");
    let (code, _) = error_of(&with(base(), json!({ "input_dir": file })));
    assert_eq!(code, "input_not_found");
}
