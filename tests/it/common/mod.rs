//! Shared by the integration tests: running a plan through the C ABI
//! ([`ffi`]), real wheels ([`wheelgen`]), real index servers on loopback
//! ([`servers`]), the policy and requirements-file fixtures ([`policy`]),
//! and a plan in a process of its own ([`child`]).

use std::path::{Path, PathBuf};

use serde_json::Value;

pub mod child;
pub mod ffi;
pub mod policy;
pub mod servers;
pub mod wheelgen;

/// The parity fixtures folder.
pub fn parity_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/parity")
}

/// Calls `resolver_compute_plan` through the C ABI and frees the result
/// with `resolver_free_string`.
pub fn call_ffi(config: &str) -> Value {
    ffi::call(config)
}

/// proptest's config for `cases` cases per property, with the regressions
/// file next to the test's source (`<module>.proptest-regressions`):
/// proptest's default would put it in a `proptest-regressions/` folder
/// beside `tests/it/`, the folder of this binary's `main.rs`.
pub fn proptest_config(cases: u32) -> proptest::test_runner::Config {
    proptest::test_runner::Config {
        cases,
        failure_persistence: Some(Box::new(
            proptest::test_runner::FileFailurePersistence::WithSource("proptest-regressions"),
        )),
        ..proptest::test_runner::Config::default()
    }
}
