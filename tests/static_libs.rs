//! The native libraries a static link of `libwheel_resolver.a` needs are
//! pinned in the Makefile (`NATIVE_STATIC_LIBS`, used by `make test-c` and
//! documented as the link line). This test asks rustc for the real list and
//! fails when the two drift apart, e.g. after a dependency starts linking a
//! new system library.
//!
//! It runs `cargo rustc --lib --crate-type staticlib -- --print
//! native-static-libs` in the dev profile: the list comes from std and the
//! dependencies' link attributes, not from the profile, and the dev build of
//! the library is a separate unit (its own hash), so it neither invalidates
//! the `cargo test` build nor pays for a release (LTO) build. Cargo replays
//! the note from its message cache when the unit is fresh.

use std::path::Path;
use std::process::Command;

const NOTE: &str = "native-static-libs:";

fn makefile_libs(manifest_dir: &Path) -> Vec<String> {
    let makefile = std::fs::read_to_string(manifest_dir.join("Makefile")).expect("read Makefile");
    let line = makefile
        .lines()
        .find_map(|l| l.strip_prefix("NATIVE_STATIC_LIBS :="))
        .expect("the Makefile has a `NATIVE_STATIC_LIBS := ...` line");
    line.split_whitespace().map(str::to_owned).collect()
}

fn rustc_libs(manifest_dir: &Path) -> Vec<String> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let output = Command::new(cargo)
        .current_dir(manifest_dir)
        .args([
            "rustc",
            "--color",
            "never",
            "--lib",
            "--crate-type",
            "staticlib",
            "--",
            "--print",
            "native-static-libs",
        ])
        .output()
        .expect("run cargo rustc");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "cargo rustc failed ({}):\n{stderr}",
        output.status
    );
    let lines: Vec<&str> = stderr
        .lines()
        .filter_map(|l| l.split_once(NOTE).map(|(_, libs)| libs))
        .collect();
    assert_eq!(
        lines.len(),
        1,
        "expected exactly one `{NOTE}` note from cargo rustc, stderr was:\n{stderr}"
    );
    lines[0].split_whitespace().map(str::to_owned).collect()
}

#[test]
fn makefile_pins_the_native_static_libs_rustc_reports() {
    let manifest_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let pinned = makefile_libs(manifest_dir);
    let actual = rustc_libs(manifest_dir);
    // Order and duplicates can matter to the linker, so compare the lists as
    // printed, not just as sets.
    assert_eq!(
        pinned,
        actual,
        "NATIVE_STATIC_LIBS in the Makefile does not match rustc's native-static-libs; \
         set it to: NATIVE_STATIC_LIBS := {}",
        actual.join(" ")
    );
}
