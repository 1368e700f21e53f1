//! Version arithmetic the planner needs: satisfaction, pins, best candidate.

use pep440_rs::{Operator, Version, VersionSpecifiers};
use pep508_rs::{Requirement, VersionOrUrl};

/// The specifiers of a requirement (empty for a bare name or a URL).
pub fn specifiers(req: &Requirement) -> Option<&VersionSpecifiers> {
    match &req.version_or_url {
        Some(VersionOrUrl::VersionSpecifier(s)) => Some(s),
        _ => None,
    }
}

/// PEP 440 containment with pre-releases allowed (contract 4.3 step 1).
/// A bare name or a direct URL accepts every version.
pub fn satisfies(req: &Requirement, version: &Version) -> bool {
    specifiers(req).is_none_or(|s| s.contains(version))
}

/// The pinned version: a single `==V` without wildcard, or `===V`.
pub fn pinned_version(req: &Requirement) -> Option<&Version> {
    let specs = specifiers(req)?;
    let mut iter = specs.iter();
    let spec = iter.next()?;
    if iter.next().is_some() {
        return None;
    }
    match spec.operator() {
        Operator::Equal | Operator::ExactEqual => Some(spec.version()),
        _ => None,
    }
}

/// True when any specifier names a pre-release (which opts in to them).
pub fn names_prerelease<'a>(reqs: impl IntoIterator<Item = &'a Requirement>) -> bool {
    reqs.into_iter()
        .filter_map(specifiers)
        .any(|s| s.iter().any(|spec| spec.any_prerelease()))
}

/// The highest version among `candidates` accepted by `accept`: final
/// releases only, unless `allow_pre` or no final release is accepted.
pub fn best<'a>(
    candidates: impl IntoIterator<Item = &'a Version>,
    allow_pre: bool,
    accept: impl Fn(&Version) -> bool,
) -> Option<&'a Version> {
    let mut best_final: Option<&Version> = None;
    let mut best_any: Option<&Version> = None;
    for v in candidates {
        if !accept(v) {
            continue;
        }
        if best_any.is_none_or(|b| v > b) {
            best_any = Some(v);
        }
        if !v.any_prerelease() && best_final.is_none_or(|b| v > b) {
            best_final = Some(v);
        }
    }
    if allow_pre {
        best_any
    } else {
        best_final.or(best_any)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(s: &str) -> Requirement {
        s.parse().unwrap()
    }
    fn v(s: &str) -> Version {
        s.parse().unwrap()
    }

    #[test]
    fn pins() {
        assert_eq!(pinned_version(&r("a==1.0")), Some(&v("1.0")));
        assert_eq!(pinned_version(&r("a===1.0")), Some(&v("1.0")));
        assert_eq!(pinned_version(&r("a==1.2.*")), None);
        assert_eq!(pinned_version(&r("a==1.0,!=1.1")), None);
        assert_eq!(pinned_version(&r("a>=1")), None);
        assert_eq!(pinned_version(&r("a")), None);
    }

    #[test]
    fn satisfaction_allows_prereleases() {
        assert!(satisfies(&r("a>=1"), &v("2.0rc1")));
        assert!(satisfies(&r("a"), &v("0.1")));
        assert!(!satisfies(&r("a>=2"), &v("1.9")));
    }

    #[test]
    fn best_prefers_finals() {
        let c = [v("1.0"), v("2.0"), v("3.0rc1")];
        assert_eq!(best(&c, false, |_| true), Some(&v("2.0")));
        assert_eq!(best(&c, true, |_| true), Some(&v("3.0rc1")));
        assert_eq!(best(&c, false, |x| x > &v("2.5")), Some(&v("3.0rc1")));
        assert_eq!(best(&c, false, |x| x > &v("5")), None);
    }
}
