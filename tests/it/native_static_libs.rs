//! The native libraries a static link of `libwheel_resolver.a` needs are
//! pinned in the Makefile (`NATIVE_STATIC_LIBS`, used by `make test-c` and
//! documented as the link line). This test asks rustc for the real list and
//! fails when the two drift apart, e.g. after a dependency starts linking a
//! new system library.
//!
//! It runs `cargo rustc --lib --crate-type staticlib -- --print
//! native-static-libs` for the target and in the profile this test was built
//! for (the dev profile in `cargo test`): the list comes from std and the
//! dependencies' link attributes, not from the profile, and the staticlib
//! build of the library is a separate unit (its own hash), so it neither
//! invalidates the `cargo test` build nor pays for a release (LTO) build.
//! Cargo replays the note from its message cache when the unit is fresh.
//!
//! Cross-compiled (`make test-rust-s390x`: built for s390x, run under
//! qemu-user on an x86_64 host) it asks about the target's own link line
//! (`--target s390x-unknown-linux-gnu --profile cross-test`), not the host's.

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

/// The target triple this test was compiled for, when it is not the host's
/// (a cross run under an emulator), as `cargo --target` names it.
fn cross_target() -> Option<String> {
    if !cfg!(all(target_os = "linux", target_env = "gnu")) {
        return None;
    }
    let target = format!("{}-unknown-linux-gnu", std::env::consts::ARCH);
    // rustc is a host program: it runs natively even under qemu-user.
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let out = Command::new(rustc)
        .arg("-vV")
        .output()
        .expect("run rustc -vV");
    let host = String::from_utf8_lossy(&out.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("host: ").map(str::to_owned))
        .expect("rustc -vV prints a host: line");
    (host != target).then_some(target)
}

/// The cargo profile this test binary was built in, from its path
/// (`target/[<triple>/]<profile dir>/deps/it-<hash>`; the dev
/// profile's folder is `debug`).
fn own_profile() -> String {
    let exe = std::env::current_exe().expect("current_exe");
    let dir = exe
        .parent()
        .and_then(Path::parent)
        .and_then(Path::file_name)
        .and_then(|d| d.to_str())
        .expect("the test binary lives in <target>/<profile>/deps");
    match dir {
        "debug" => "dev".to_owned(),
        other => other.to_owned(),
    }
}

/// Whether cargo sets `var` for the test it runs (the crate's manifest and
/// package metadata), as opposed to what configures cargo itself.
fn set_by_cargo_for_the_test(var: &str) -> bool {
    var.starts_with("CARGO_PKG_")
        || matches!(
            var,
            "CARGO_MANIFEST_DIR"
                | "CARGO_MANIFEST_PATH"
                | "CARGO_CRATE_NAME"
                | "CARGO_PRIMARY_PACKAGE"
                | "CARGO_TARGET_TMPDIR"
        )
}

fn rustc_libs(manifest_dir: &Path) -> Vec<String> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.current_dir(manifest_dir).args([
        "rustc",
        "--color",
        "never",
        "--lib",
        "--crate-type",
        "staticlib",
        "--profile",
        &own_profile(),
    ]);
    if let Some(target) = cross_target() {
        cmd.args(["--target", &target]);
    }
    // What cargo sets for the test it runs is not for this build: a build
    // script that watches one of them (ring's watches CARGO_MANIFEST_DIR)
    // would run again here, and again in the next `cargo test`, which then
    // rebuilds everything that depends on it.
    for (var, _) in std::env::vars_os() {
        if var.to_str().is_some_and(set_by_cargo_for_the_test) {
            cmd.env_remove(var);
        }
    }
    let output = cmd
        .args(["--", "--print", "native-static-libs"])
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
