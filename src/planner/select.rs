//! Version arithmetic the planner needs (satisfaction, pins, best
//! candidate) and [`Chooser`], the one function that chooses among an
//! index's candidates for every caller (pins, ranges, eager, expansion).

use pep440_rs::{Operator, Version};
use pep508_rs::{PackageName, Requirement};

use crate::error::Result;
use crate::index::{IndexVersion, PackageIndex, PagePython};
use crate::requirement::{Req, Wants};
use crate::target::{parse_requires_python, Target};

/// Chooses among the versions an index offers (contract §4.3.1): not
/// yanked unless pinned exactly, a file the target can build or install,
/// Requires-Python admitting the target (the page's, else the release's
/// metadata), every requirement and constraint satisfied, final releases
/// unless a specifier names a pre-release or no final release qualifies.
pub struct Chooser<'c> {
    /// The target.
    pub target: &'c Target,
    /// The indexes.
    pub index: &'c dyn PackageIndex,
    /// Constraints every chosen version must satisfy.
    pub constraints: &'c [Requirement],
}

/// The outcome of choosing.
#[derive(Debug)]
pub enum Choice {
    /// The version chosen.
    Chosen(Version),
    /// Nothing qualifies; why, for a warning.
    Nothing(String),
}

impl Chooser<'_> {
    /// True when every constraint on `name` accepts `version`.
    pub fn constraints_allow(&self, name: &PackageName, version: &Version) -> bool {
        self.constraints
            .iter()
            .filter(|c| &c.name == name)
            .all(|c| satisfies(c, version))
    }

    /// The versions the page facts and `reqs` admit, most preferred first
    /// (before Requires-Python from metadata is consulted).
    fn ranked<'v>(
        &self,
        name: &PackageName,
        reqs: &[&Req],
        versions: &'v [IndexVersion],
    ) -> Vec<&'v IndexVersion> {
        let allow_pre = names_prerelease(reqs.iter().copied());
        let pinned_to = |v: &Version| reqs.iter().any(|r| pinned_version(r) == Some(v));
        let mut ok: Vec<&IndexVersion> = versions
            .iter()
            .filter(|v| !v.yanked || pinned_to(&v.version))
            .filter(|v| v.usable && !matches!(v.python, PagePython::Excludes(_)))
            .filter(|v| {
                reqs.iter().all(|r| satisfies(r, &v.version))
                    && self.constraints_allow(name, &v.version)
            })
            .collect();
        // Highest first; final releases before pre-releases unless allowed.
        ok.sort_by(|a, b| {
            let pre = |v: &IndexVersion| !allow_pre && v.version.any_prerelease();
            pre(a).cmp(&pre(b)).then_with(|| b.version.cmp(&a.version))
        });
        ok
    }

    /// The version the page facts alone would choose when its
    /// Requires-Python is still unknown (its metadata decides): what to
    /// read ahead, concurrently, before [`Chooser::choose`].
    pub fn needs_metadata(&self, name: &PackageName, reqs: &[&Req]) -> Result<Option<Version>> {
        let versions = self.index.versions(name)?;
        Ok(self
            .ranked(name, reqs, &versions)
            .first()
            .filter(|v| v.python == PagePython::Unknown)
            .map(|v| v.version.clone()))
    }

    /// Chooses the best version of `name` for `reqs`; `warnings` gets the
    /// Requires-Python notes of what was passed over.
    pub fn choose(
        &self,
        name: &PackageName,
        reqs: &[&Req],
        warnings: &mut Vec<String>,
    ) -> Result<Choice> {
        let versions = self.index.versions(name)?;
        let mut excluded_by_python: Vec<String> = Vec::new();
        for v in self.ranked(name, reqs, &versions) {
            if v.python == PagePython::Unknown {
                if let Some(rp) = self.metadata_requires_python(name, &v.version)? {
                    if let Some(spec) = parse_requires_python(&rp) {
                        if self.target.requires_python_depends_on_patch(&spec) {
                            warnings.push(format!(
                                "{name} {}: Requires-Python `{rp}` decides differently for a later patch level of {}; give target_python as X.Y.Z",
                                v.version, self.target.python
                            ));
                        }
                        if !self.target.admits(&spec) {
                            excluded_by_python.push(format!("{} (`{rp}`)", v.version));
                            continue;
                        }
                    }
                }
            }
            if !excluded_by_python.is_empty() {
                warnings.push(format!(
                    "{name}: passed over for Requires-Python excluding Python {}: {}",
                    self.target.python,
                    excluded_by_python.join(", ")
                ));
            }
            return Ok(Choice::Chosen(v.version.clone()));
        }
        Ok(Choice::Nothing(self.why_nothing(
            name,
            reqs,
            &versions,
            &excluded_by_python,
        )))
    }

    fn metadata_requires_python(
        &self,
        name: &PackageName,
        version: &Version,
    ) -> Result<Option<String>> {
        Ok(self
            .index
            .metadata(name, version)?
            .and_then(|m| m.requires_python.clone()))
    }

    fn why_nothing(
        &self,
        name: &PackageName,
        reqs: &[&Req],
        versions: &[IndexVersion],
        excluded_by_python: &[String],
    ) -> String {
        if versions.is_empty() {
            return "no configured index knows it".to_owned();
        }
        let wanted = |v: &IndexVersion| reqs.iter().all(|r| satisfies(r, &v.version));
        let live: Vec<&IndexVersion> = versions.iter().filter(|v| !v.yanked).collect();
        let page_excluded: Vec<String> = live
            .iter()
            .filter(|v| wanted(v))
            .filter_map(|v| match &v.python {
                PagePython::Excludes(rp) => Some(format!("{} (`{rp}`)", v.version)),
                _ => None,
            })
            .collect();
        if !page_excluded.is_empty() || !excluded_by_python.is_empty() {
            let mut all: Vec<String> = page_excluded;
            all.extend(excluded_by_python.iter().cloned());
            return format!(
                "every version that satisfies it requires a Python other than {}: {}",
                self.target.python,
                super::name_list(&all)
            );
        }
        if live.iter().any(|v| wanted(v)) && !live.iter().any(|v| wanted(v) && v.usable) {
            return "no version that satisfies it has an sdist or a wheel the target installs"
                .to_owned();
        }
        if let Some(conflict) = constraint_conflict(
            self.constraints,
            name,
            live.iter().map(|v| &v.version),
            |v| reqs.iter().all(|r| satisfies(r, v)),
        ) {
            return conflict;
        }
        "no version on the index satisfies every requirement on it".to_owned()
    }
}

/// When the constraints (and not the requirements) rule out every
/// candidate: why, naming the candidates the requirements accept and the
/// constraints that exclude them.
pub fn constraint_conflict<'v>(
    constraints: &[Requirement],
    name: &PackageName,
    candidates: impl IntoIterator<Item = &'v Version>,
    accepted: impl Fn(&Version) -> bool,
) -> Option<String> {
    let mut wanted: Vec<&Version> = candidates.into_iter().filter(|v| accepted(v)).collect();
    if wanted.is_empty() {
        return None;
    }
    wanted.sort();
    wanted.dedup();
    let blocking: Vec<String> = constraints
        .iter()
        .filter(|c| &c.name == name && wanted.iter().any(|v| !satisfies(c, v)))
        .map(|c| format!("`{c}`"))
        .collect();
    if blocking.is_empty() {
        return None;
    }
    let shown: Vec<String> = wanted
        .iter()
        .rev()
        .take(5)
        .map(ToString::to_string)
        .collect();
    Some(format!(
        "excluded by the constraint{} {}: no candidate satisfies both (candidates: {}{})",
        if blocking.len() == 1 { "" } else { "s" },
        blocking.join(", "),
        shown.join(", "),
        if wanted.len() > 5 { ", …" } else { "" },
    ))
}

/// PEP 440 containment with pre-releases allowed (contract §4.3 step 1).
/// A bare name or a direct URL accepts every version.
pub fn satisfies<R: Wants + ?Sized>(req: &R, version: &Version) -> bool {
    req.specifiers().is_none_or(|s| s.contains(version))
}

/// The pinned version: a single `==V` without wildcard, or `===V`.
pub fn pinned_version<R: Wants + ?Sized>(req: &R) -> Option<&Version> {
    let specs = req.specifiers()?;
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
pub fn names_prerelease<'a>(reqs: impl IntoIterator<Item = &'a Req>) -> bool {
    reqs.into_iter()
        .filter_map(|r| r.specifiers())
        .any(|s| s.iter().any(|spec| spec.any_prerelease()))
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
}
