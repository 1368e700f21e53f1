//! The index cases of `fixtures/parity/` (those that need a package index),
//! through the C ABI, each against a real pypiserver serving the case's
//! `index/` folder on a free loopback port (`${INDEX_URL}` replaced by its
//! simple-API URL). A case without `index/` (an unreachable index) runs as is.

mod common;

#[test]
fn index_parity_cases() {
    let cases: Vec<_> = common::cases()
        .into_iter()
        .filter(|c| common::needs_index(c))
        .collect();
    assert_eq!(cases.len(), 13, "expected 13 index cases");
    let mut failures = Vec::new();
    let mut ran = 0;
    for case in &cases {
        let id = case.file_name().unwrap().to_string_lossy().into_owned();
        let index_dir = case.join("index");
        let server = if index_dir.is_dir() {
            match common::servers::pypiserver(&index_dir) {
                Some(s) => Some(s),
                None => return, // skipped loudly (never under CI)
            }
        } else {
            None
        };
        let url = server.as_ref().map(|s| format!("{}/simple/", s.origin));
        let result = common::call_ffi(&common::case_config(case, url.as_deref()));
        let diffs = common::compare(case, &result);
        if !diffs.is_empty() {
            failures.push(format!("{id}:\n  {}", diffs.join("\n  ")));
        }
        ran += 1;
    }
    eprintln!("index parity: {ran} cases run, {} failed", failures.len());
    assert!(
        failures.is_empty(),
        "{} index parity case(s) failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
