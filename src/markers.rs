//! The PEP 508 marker environment of the target (never the host's).

use pep508_rs::{MarkerEnvironment, MarkerEnvironmentBuilder};

use crate::error::{ResolverError, Result};
use crate::tags::{PythonVersion, TargetPlatform};

/// CPython `python` on Linux on `platform`'s architecture.
/// `python_full_version` and `implementation_version` are `X.Y.Z` when the
/// target gives the patch level, else `X.Y.0`.
pub fn target_environment(
    python: PythonVersion,
    platform: &TargetPlatform,
) -> Result<MarkerEnvironment> {
    environment(python, python.full_version(), platform)
}

/// The environment of `python` at full version `full` (`X.Y.Z`).
pub fn environment(
    python: PythonVersion,
    full: String,
    platform: &TargetPlatform,
) -> Result<MarkerEnvironment> {
    let version = python.minor_version();
    MarkerEnvironment::try_from(MarkerEnvironmentBuilder {
        implementation_name: "cpython",
        implementation_version: &full,
        os_name: "posix",
        platform_machine: platform.machine(),
        platform_python_implementation: "CPython",
        platform_release: "",
        platform_system: "Linux",
        platform_version: "",
        python_full_version: &full,
        python_version: &version,
        sys_platform: "linux",
    })
    .map_err(|e| ResolverError::config("target_python", e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use pep508_rs::Requirement;

    fn applies(req: &str, py: &str, plat: &str) -> bool {
        let env = target_environment(py.parse().unwrap(), &plat.parse().unwrap()).unwrap();
        req.parse::<Requirement>()
            .unwrap()
            .evaluate_markers(&env, &[])
    }

    #[test]
    fn evaluates_for_the_target() {
        let t = ("3.11", "manylinux2014_s390x");
        assert!(applies("a; sys_platform == 'linux'", t.0, t.1));
        assert!(!applies("a; sys_platform == 'win32'", t.0, t.1));
        assert!(applies("a; platform_machine == 's390x'", t.0, t.1));
        assert!(!applies("a; platform_machine == 'x86_64'", t.0, t.1));
        assert!(!applies("a; python_version < '3.8'", t.0, t.1));
        assert!(applies("a; python_version >= '3.11'", t.0, t.1));
        assert!(!applies("a; python_version >= '3.12'", t.0, t.1));
        assert!(!applies("a; extra == 'test'", t.0, t.1));
        assert!(applies(
            "a; implementation_name == 'cpython' and os_name == 'posix'",
            t.0,
            t.1
        ));
        assert!(applies("a; platform_system == 'Linux'", t.0, t.1));
        assert!(applies(
            "a; python_version >= '3.12'",
            "3.12",
            "manylinux_2_28_x86_64"
        ));
    }
}
