//! Every offline parity case in `fixtures/parity/`, through the C ABI.
//! (The index cases run in `tests/parity_index.rs` against a real local index.)

mod common;

#[test]
fn offline_parity_cases() {
    let mut failures = Vec::new();
    let mut ran = 0;
    let mut pending = Vec::new();
    for case in common::cases() {
        let id = case.file_name().unwrap().to_string_lossy().into_owned();
        if common::needs_index(&case) {
            pending.push(id);
            continue;
        }
        let result = common::call_ffi(&common::case_config(&case, None));
        let diffs = common::compare(&case, &result);
        if !diffs.is_empty() {
            failures.push(format!("{id}:\n  {}", diffs.join("\n  ")));
        }
        ran += 1;
    }
    eprintln!(
        "offline parity: {ran} cases run, {} failed; index cases left to the index test: {}",
        failures.len(),
        pending.join(", ")
    );
    assert_eq!(ran, 29, "expected 29 offline cases");
    assert!(
        failures.is_empty(),
        "{} parity case(s) failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
