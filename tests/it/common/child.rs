//! Plans in a child process: this test binary run again for one test, for
//! what must not happen in the test process, which every test shares
//! (environment variables such as the proxy variables or `SSL_CERT_FILE`)
//! or cannot be measured in it (a call's own peak RSS).

use serde_json::Value;

/// A command that runs this test binary again. When cross-testing the
/// binary runs under an emulator, named by `RESOLVER_TEST_EXEC` (e.g.
/// `qemu-s390x -L /usr/s390x-linux-gnu`, which `make test-rust-s390x` sets),
/// as cargo's runner does for the test itself.
pub fn this_test_binary() -> std::process::Command {
    let exe = std::env::current_exe().expect("the test binary's path");
    let runner = std::env::var("RESOLVER_TEST_EXEC").unwrap_or_default();
    let mut words = runner.split_whitespace();
    match words.next() {
        Some(program) => {
            let mut cmd = std::process::Command::new(program);
            cmd.args(words).arg(exe);
            cmd
        }
        None => std::process::Command::new(exe),
    }
}

/// The name the test harness gives test `name` of the module whose
/// `module_path!()` is `module_path` (the path without the crate's name),
/// as `--exact` matches it.
pub fn test_name(module_path: &str, name: &str) -> String {
    match module_path.split_once("::") {
        Some((_crate, module)) => format!("{module}::{name}"),
        None => name.to_owned(),
    }
}

/// Proxy variables, cleared in a child unless the test sets them.
pub const PROXY_VARIABLES: [&str; 8] = [
    "HTTPS_PROXY",
    "https_proxy",
    "HTTP_PROXY",
    "http_proxy",
    "ALL_PROXY",
    "all_proxy",
    "NO_PROXY",
    "no_proxy",
];

/// Starts this test binary again to plan `config` in a process of its own
/// (so environment variables never leak into other tests' threads): the
/// variables in `clear` are removed, then `env` is set. Read the result
/// with [`child_plan`].
pub fn plan_child<V: AsRef<std::ffi::OsStr>>(
    config: &str,
    clear: &[&str],
    env: &[(&str, V)],
) -> std::process::Child {
    let test = test_name(module_path!(), "plans_the_config_in_its_environment");
    let mut cmd = this_test_binary();
    cmd.args(["--exact", &test, "--nocapture"])
        .env("RESOLVER_TEST_CHILD_CONFIG", config)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    for var in clear {
        cmd.env_remove(var);
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.spawn().expect("re-run the test binary")
}

/// The plan a [`plan_child`] printed.
pub fn child_plan(child: std::process::Child) -> Value {
    let out = child.wait_with_output().expect("the child's output");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let line = stdout
        .lines()
        .find_map(|l| l.strip_prefix("PLAN "))
        .unwrap_or_else(|| {
            panic!(
                "no plan from the child: {stdout}\n{}",
                String::from_utf8_lossy(&out.stderr)
            )
        });
    serde_json::from_str(line).expect("the child's plan is JSON")
}

/// Not a test of its own: the child side of [`plan_child`], which plans the
/// config it was given and prints it (in the parent's own run of the
/// tests, it does nothing).
#[test]
fn plans_the_config_in_its_environment() {
    if let Ok(config) = std::env::var("RESOLVER_TEST_CHILD_CONFIG") {
        println!("PLAN {}", super::call_ffi(&config));
    }
}
