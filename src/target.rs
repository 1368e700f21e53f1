//! The target of a call, built once from the config and passed everywhere:
//! CPython version (with the patch level when the config gives one), platform,
//! supported tags and marker environment.
//!
//! With a `MAJOR.MINOR` target the patch level is unknown and taken as 0;
//! [`Target::marker_depends_on_patch`] and
//! [`Target::requires_python_depends_on_patch`] tell when an outcome would
//! differ for a later patch level, so the planner can warn about it.

use std::str::FromStr;

use pep440_rs::{Version, VersionSpecifiers};
use pep508_rs::MarkerEnvironment;

use crate::config::Config;
use crate::error::Result;
use crate::markers;
use crate::requirement::Req;
use crate::tags::{PythonVersion, SupportedTags, TargetPlatform};

/// The target CPython on Linux.
#[derive(Debug, Clone)]
pub struct Target {
    /// The CPython version as the config gives it.
    pub python: PythonVersion,
    /// The platform tag, parsed.
    pub platform: TargetPlatform,
    /// The tags the target installs, most specific first.
    pub tags: SupportedTags,
    /// The PEP 508 environment (patch level 0 when unknown).
    pub markers: MarkerEnvironment,
    /// `python_full_version` as a PEP 440 version, for Requires-Python.
    full_version: Version,
}

impl Target {
    /// The target of `config`.
    pub fn from_config(config: &Config) -> Result<Self> {
        Self::new(config.python, config.platform.clone())
    }

    /// The target CPython `python` on `platform`.
    pub fn new(python: PythonVersion, platform: TargetPlatform) -> Result<Self> {
        let markers = markers::target_environment(python, &platform)?;
        let tags = SupportedTags::for_target(python, &platform);
        let full_version = version_of(&python.full_version());
        Ok(Self {
            python,
            platform,
            tags,
            markers,
            full_version,
        })
    }

    /// Does the target environment (no extras) select `req`?
    pub fn applies(&self, req: &Req) -> bool {
        req.evaluate(&self.markers)
    }

    /// Does a plan keep `req` when scanning the inputs: the target selects
    /// it, or an unknown patch level could (the planner looks at those
    /// again, and warns). The one rule the scan is given (`lib.rs`), and
    /// what the benchmarks scan with.
    pub fn keeps(&self, req: &Req) -> bool {
        self.applies(req) || self.may_depend_on_patch(req)
    }

    /// Could `req`'s marker depend on the patch level? A cheap pre-check
    /// (the marker names a variable with a patch level), false when the
    /// patch is known.
    pub fn may_depend_on_patch(&self, req: &Req) -> bool {
        self.python.patch.is_none() && req.patch_variable
    }

    /// With a `MAJOR.MINOR` target: would `req`'s marker select differently
    /// for some later patch level than for `X.Y.0`? (False when the target
    /// gives its patch level.)
    pub fn marker_depends_on_patch(&self, req: &Req, text: &str) -> bool {
        if !self.may_depend_on_patch(req) {
            return false;
        }
        let here = self.applies(req);
        self.probe_patches(text).into_iter().any(|patch| {
            markers::environment(self.python, self.python.with_patch(patch), &self.platform)
                .is_ok_and(|env| req.evaluate(&env) != here)
        })
    }

    /// Does `requires_python` admit the target's version?
    pub fn admits(&self, requires_python: &VersionSpecifiers) -> bool {
        requires_python.contains(&self.full_version)
    }

    /// With a `MAJOR.MINOR` target: would `requires_python` decide
    /// differently for some later patch level than for `X.Y.0`?
    pub fn requires_python_depends_on_patch(&self, requires_python: &VersionSpecifiers) -> bool {
        if self.python.patch.is_some() {
            return false;
        }
        let here = self.admits(requires_python);
        let text = requires_python.to_string();
        self.probe_patches(&text).into_iter().any(|patch| {
            requires_python.contains(&version_of(&self.python.with_patch(patch))) != here
        })
    }

    /// Patch levels worth trying for `text`: 1, a large one, and each
    /// `X.Y.N` the text names, with its neighbours.
    fn probe_patches(&self, text: &str) -> Vec<u32> {
        let mut probes = vec![1, 9999];
        let prefix = format!("{}.{}.", self.python.major, self.python.minor);
        for (at, _) in text.match_indices(&prefix) {
            let before = text[..at].chars().next_back();
            if before.is_some_and(|c| c.is_ascii_digit() || c == '.') {
                continue;
            }
            let digits: String = text[at + prefix.len()..]
                .chars()
                .take_while(char::is_ascii_digit)
                .collect();
            if let Ok(n) = digits.parse::<u32>() {
                probes.extend([n.saturating_sub(1), n, n.saturating_add(1)]);
            }
        }
        probes.sort_unstable();
        probes.dedup();
        probes.retain(|&p| p != 0);
        probes
    }
}

/// `X.Y.Z` as a version (always valid: digits only).
fn version_of(text: &str) -> Version {
    Version::from_str(text).unwrap_or_else(|_| Version::new([0]))
}

/// Parses a Requires-Python value; `None` when it is not a PEP 440
/// specifier set (the caller warns).
pub fn parse_requires_python(text: &str) -> Option<VersionSpecifiers> {
    VersionSpecifiers::from_str(text.trim()).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(py: &str) -> Target {
        Target::new(py.parse().unwrap(), "manylinux2014_s390x".parse().unwrap()).unwrap()
    }

    fn req(s: &str) -> Req {
        Req::from_requirement(s.parse().unwrap(), s)
    }

    #[test]
    fn patch_level_decides_full_version_markers() {
        let r = req("a; python_full_version < '3.11.3'");
        let text = "a; python_full_version < '3.11.3'";
        assert!(target("3.11").applies(&r));
        assert!(!target("3.11.9").applies(&r));
        assert!(target("3.11.2").applies(&r));
        assert!(target("3.11").marker_depends_on_patch(&r, text));
        assert!(!target("3.11.9").marker_depends_on_patch(&r, text));
        let r = req("a; python_full_version > '3.11'");
        assert!(target("3.11").marker_depends_on_patch(&r, "python_full_version > '3.11'"));
        let r = req("a; python_full_version >= '3.10'");
        assert!(!target("3.11").marker_depends_on_patch(&r, "python_full_version >= '3.10'"));
        let r = req("a; python_version < '3.12'");
        assert!(!target("3.11").marker_depends_on_patch(&r, "python_version < '3.12'"));
    }

    #[test]
    fn requires_python_with_and_without_patch() {
        let rp = parse_requires_python(">=3.11.4").unwrap();
        assert!(!target("3.11").admits(&rp));
        assert!(target("3.11").requires_python_depends_on_patch(&rp));
        assert!(target("3.11.4").admits(&rp));
        assert!(!target("3.11.4").requires_python_depends_on_patch(&rp));
        let rp = parse_requires_python(">=3.8, <4").unwrap();
        assert!(target("3.11").admits(&rp));
        assert!(!target("3.11").requires_python_depends_on_patch(&rp));
        assert!(!target("3.9").admits(&parse_requires_python(">=3.12").unwrap()));
        assert!(parse_requires_python("not a spec").is_none());
    }
}
