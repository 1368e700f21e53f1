//! A `pyproject.toml` out of an sdist (issue 26): its encoding, TOML
//! (deep nesting included: the `toml` crate's recursion limit must hold)
//! and its `[build-system]` table.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wheel_resolver::internals::sdist::BuildSystem;

fuzz_target!(|data: &[u8]| {
    let _ = BuildSystem::from_pyproject(data);
});
