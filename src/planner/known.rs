//! The versions reused or planned so far, per project, with look-ups that
//! stay cheap when one project has thousands of versions and thousands of
//! requirements on it (no scan of every version per requirement).

use std::collections::BTreeMap;
use std::ops::Bound;

use pep440_rs::{Operator, Version, VersionSpecifiers};
use pep508_rs::PackageName;
use rustc_hash::FxHashMap as HashMap;

use super::job::JobId;
use super::select::{pinned_version, satisfies};
use crate::requirement::Wants;

/// Reused and planned concrete versions per project (`latest` is not one),
/// each with the dependency build that later requirements it satisfies are
/// noted on (contract §4.3), if it is one.
#[derive(Debug, Default)]
pub struct KnownVersions {
    by_project: HashMap<PackageName, Versions>,
    /// Each distinct version value (by its exact parts) → its [`ValueId`].
    values: HashMap<Exact, ValueId>,
}

/// The known versions of one project: most have one (kept inline, no
/// tree to allocate and follow).
#[derive(Debug)]
enum Versions {
    One(Version, Known),
    Many(BTreeMap<Version, Known>),
}

/// What is kept with a known version.
#[derive(Debug, Clone, Copy)]
struct Known {
    /// The dependency build requirements it satisfies are noted on.
    job: Option<JobId>,
    /// Its exact value, numbered: versions written alike share one, so
    /// [`ContainsMemo`] keys on it without reading the version.
    value: ValueId,
}

/// The number of a distinct version value among the known versions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct ValueId(usize);

/// A known version that satisfies a requirement, and its dependency build.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Satisfied<'k> {
    /// The version.
    pub version: &'k Version,
    /// The dependency build of it that requirements are noted on; `None`
    /// for an input release or an expansion.
    pub job: Option<JobId>,
}

impl KnownVersions {
    /// Records `version` of `name`, with the dependency build requirements
    /// it satisfies are noted on (the first one recorded stays).
    pub fn insert(&mut self, name: &PackageName, version: Version, job: Option<JobId>) {
        let next = ValueId(self.values.len());
        let value = *self.values.entry(Exact(version.clone())).or_insert(next);
        let new = Known { job, value };
        let Some(known) = self.by_project.get_mut(name) else {
            self.by_project
                .insert(name.clone(), Versions::One(version, new));
            return;
        };
        match known {
            Versions::Many(set) => {
                set.entry(version).or_insert(new);
            }
            Versions::One(first, first_known) if *first != version => {
                *known = Versions::Many(BTreeMap::from([
                    (first.clone(), *first_known),
                    (version, new),
                ]));
            }
            Versions::One(..) => {}
        }
    }

    /// Makes room for `n` more projects.
    pub fn reserve(&mut self, n: usize) {
        self.by_project.reserve(n);
    }

    /// True when some version of `name` is known.
    pub fn knows(&self, name: &PackageName) -> bool {
        self.by_project.contains_key(name)
    }

    /// A known version of the project that satisfies `req` (PEP 440,
    /// pre-releases allowed): for a pin the first match, otherwise the
    /// highest.
    pub fn satisfying<R: Wants + ?Sized>(&self, req: &R) -> Option<Satisfied<'_>> {
        self.satisfying_by(req, |v, _| satisfies(req, v))
    }

    /// [`Self::satisfying`] with `test` deciding whether `req`'s
    /// specifiers admit a version (as [`satisfies`] does, or a memo of it
    /// keyed by the version's value number).
    fn satisfying_by<'k, R: Wants + ?Sized>(
        &'k self,
        req: &R,
        mut test: impl FnMut(&'k Version, ValueId) -> bool,
    ) -> Option<Satisfied<'k>> {
        fn found<'k>((version, known): (&'k Version, &'k Known)) -> Satisfied<'k> {
            Satisfied {
                version,
                job: known.job,
            }
        }
        let set = match self.by_project.get(req.project())? {
            Versions::One(version, known) => {
                return test(version, known.value).then_some(Satisfied {
                    version,
                    job: known.job,
                });
            }
            Versions::Many(set) => set,
        };
        if let Some(pin) = pinned_version(req) {
            // `==V` / `===V`: only V and its local versions (which sort
            // right after V) can match.
            let public = if pin.local().is_empty() {
                pin.clone()
            } else {
                pin.clone().without_local()
            };
            return set
                .range(&public..)
                .take_while(|(v, _)| same_public_version(v, pin))
                .find(|(v, k)| test(v, k.value))
                .map(found);
        }
        let (lower, upper) = bounds(req);
        set.range::<Version, _>((lower, upper))
            .rev()
            .find(|(v, k)| test(v, k.value))
            .map(found)
    }

    /// True when some known version satisfies `req`.
    pub fn satisfies<R: Wants + ?Sized>(&self, req: &R) -> bool {
        self.satisfying(req).is_some()
    }

    /// [`Self::satisfies`] with the answers of `contains` remembered in
    /// `memo`: a wheelhouse writes the same few specifier sets on
    /// thousands of projects at the same few versions.
    pub fn satisfies_remembering<'k, R: Wants + ?Sized>(
        &'k self,
        req: &'k R,
        memo: &mut ContainsMemo<'k>,
    ) -> bool {
        let Some(specs) = req.specifiers() else {
            return self.knows(req.project());
        };
        self.satisfying_by(req, |v, value| memo.contains(specs, v, value))
            .is_some()
    }
}

/// Remembered answers of `VersionSpecifiers::contains`, keyed by the
/// specifier set itself (its address: the parser shares one set among the
/// requirements that write it alike) and by the known version's value
/// number (two known versions share one when every part of them is the
/// same). The memo borrows the sets, so no set it has seen can be freed
/// and another take its address while it lives. The exact value, not
/// PEP 440 equality, is what a number stands for: `1.0` and `1.0.0` are
/// equal but `==1.0.1.*` and `===1.0` tell them apart.
#[derive(Debug, Default)]
pub struct ContainsMemo<'k> {
    answers: HashMap<(Same<'k>, ValueId), bool>,
}

impl<'k> ContainsMemo<'k> {
    /// `specs.contains(version)`, computed once per set and value;
    /// `value` is `version`'s number in the [`KnownVersions`] it is from.
    fn contains(
        &mut self,
        specs: &'k VersionSpecifiers,
        version: &Version,
        value: ValueId,
    ) -> bool {
        *self
            .answers
            .entry((Same(specs), value))
            .or_insert_with(|| specs.contains(version))
    }
}

/// A specifier set compared and hashed by its address.
#[derive(Debug, Clone, Copy)]
struct Same<'k>(&'k VersionSpecifiers);

impl PartialEq for Same<'_> {
    fn eq(&self, other: &Self) -> bool {
        std::ptr::eq(self.0, other.0)
    }
}

impl Eq for Same<'_> {}

impl std::hash::Hash for Same<'_> {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        std::ptr::hash(self.0, state);
    }
}

/// A version compared and hashed by every part it is made of (what
/// `contains` reads), not by PEP 440 equality.
#[derive(Debug, Clone)]
struct Exact(Version);

impl Exact {
    #[allow(clippy::type_complexity)]
    fn parts(
        &self,
    ) -> (
        u64,
        &[u64],
        Option<pep440_rs::Prerelease>,
        Option<u64>,
        Option<u64>,
        &[pep440_rs::LocalSegment],
        Option<u64>,
        Option<u64>,
    ) {
        let v = &self.0;
        (
            v.epoch(),
            v.release(),
            v.pre(),
            v.post(),
            v.dev(),
            v.local(),
            v.min(),
            v.max(),
        )
    }
}

impl PartialEq for Exact {
    fn eq(&self, other: &Self) -> bool {
        self.parts() == other.parts()
    }
}

impl Eq for Exact {}

impl std::hash::Hash for Exact {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.parts().hash(state);
    }
}

/// `v` and `pin` are the same public version (equal but for a local label:
/// `1.0+abc` and `1.0`). Local versions of V sort right after V.
fn same_public_version(v: &Version, pin: &Version) -> bool {
    public(v) == public(pin)
}

/// The version without its local label.
fn public(v: &Version) -> std::borrow::Cow<'_, Version> {
    if v.local().is_empty() {
        std::borrow::Cow::Borrowed(v)
    } else {
        std::borrow::Cow::Owned(v.clone().without_local())
    }
}

/// A version range outside of which no version can satisfy `req`: the
/// tightest lower bound of its `>=`, `>`, `~=`, `==` and `===` clauses and the
/// tightest upper bound of its `<` clauses. (`<=V` and `==V` also admit
/// `V+local`, which sorts above `V`, so they give no upper bound here.)
fn bounds<R: Wants + ?Sized>(req: &R) -> (Bound<&Version>, Bound<&Version>) {
    let mut lower: Bound<&Version> = Bound::Unbounded;
    let mut upper: Bound<&Version> = Bound::Unbounded;
    let Some(specs) = req.specifiers() else {
        return (lower, upper);
    };
    for spec in specs.iter() {
        let v = spec.version();
        let tighter_lower = !matches!(lower, Bound::Included(l) if l >= v);
        let tighter_upper = !matches!(upper, Bound::Excluded(u) if u <= v);
        match spec.operator() {
            Operator::GreaterThanEqual
            | Operator::GreaterThan
            | Operator::TildeEqual
            | Operator::Equal
            | Operator::ExactEqual
                if tighter_lower =>
            {
                lower = Bound::Included(v);
            }
            Operator::LessThan if tighter_upper => upper = Bound::Excluded(v),
            _ => {}
        }
    }
    // An empty or inverted window: nothing can satisfy; keep it valid for `range`.
    if let (Bound::Included(l), Bound::Excluded(u)) = (lower, upper) {
        if l >= u {
            return (Bound::Included(l), Bound::Included(l));
        }
    }
    (lower, upper)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn known(versions: &[&str]) -> KnownVersions {
        let mut k = KnownVersions::default();
        let name: PackageName = "lib".parse().unwrap();
        for v in versions {
            k.insert(&name, v.parse().unwrap(), None);
        }
        k
    }

    fn find(k: &KnownVersions, req: &str) -> Option<String> {
        k.satisfying(&req.parse::<pep508_rs::Requirement>().unwrap())
            .map(|s| s.version.to_string())
    }

    #[test]
    fn the_first_build_recorded_for_a_version_stays() {
        let name: PackageName = "lib".parse().unwrap();
        let req: pep508_rs::Requirement = "lib>=1".parse().unwrap();
        let job = |i: usize| Some(crate::planner::job::JobId::for_test(i));
        let mut k = KnownVersions::default();
        k.insert(&name, "1.0".parse().unwrap(), job(1));
        k.insert(&name, "1.0.0".parse().unwrap(), job(2));
        assert_eq!(k.satisfying(&req).unwrap().job, job(1));
        k.insert(&name, "2.0".parse().unwrap(), job(3));
        k.insert(&name, "1.0".parse().unwrap(), job(4));
        assert_eq!(k.satisfying(&req).unwrap().job, job(3));
        let pin: pep508_rs::Requirement = "lib==1.0".parse().unwrap();
        assert_eq!(k.satisfying(&pin).unwrap().job, job(1));
    }

    #[test]
    fn the_memo_tells_equal_versions_written_differently_apart() {
        // PEP 440 equal, but `===` and `==X.Y.Z.*` (as pep440_rs reads it)
        // tell them apart: a memo keyed by equality would answer wrongly.
        let versions: Vec<Version> = ["1.0", "1.0.0", "1.0+a", "1.0.0+a"]
            .iter()
            .map(|v| v.parse().unwrap())
            .collect();
        let sets: Vec<VersionSpecifiers> = ["===1.0", "==1.0.1.*", ">1.0", "<=1.0.0"]
            .iter()
            .map(|s| s.parse().unwrap())
            .collect();
        // Each version twice, on two projects: the same value shares one
        // number, and the four values have four.
        let mut k = KnownVersions::default();
        for (i, v) in versions.iter().enumerate() {
            for copy in 0..2 {
                let name: PackageName = format!("p{i}-{copy}").parse().unwrap();
                k.insert(&name, v.clone(), None);
            }
        }
        assert_eq!(k.values.len(), versions.len());
        // (set, version, requirement on one of its projects), asked of a
        // fresh memo in one order and in the reverse one (the memo borrows
        // the requirements, so they are made first).
        let mut cases = Vec::new();
        for specs in &sets {
            for (i, version) in versions.iter().enumerate() {
                for copy in 0..2 {
                    let req: pep508_rs::Requirement =
                        format!("p{i}-{copy}{specs}").parse().unwrap();
                    cases.push((specs, version, req));
                }
            }
        }
        for forward in [true, false] {
            let mut memo = ContainsMemo::default();
            let ordered: Box<dyn Iterator<Item = _>> = if forward {
                Box::new(cases.iter())
            } else {
                Box::new(cases.iter().rev())
            };
            for (specs, version, req) in ordered {
                assert_eq!(
                    k.satisfies_remembering(req, &mut memo),
                    specs.contains(version),
                    "{specs} {version}"
                );
            }
        }
        let k = known(&["1.0.0"]);
        let req: pep508_rs::Requirement = "lib===1.0".parse().unwrap();
        let mut memo = ContainsMemo::default();
        assert!(!k.satisfies_remembering(&req, &mut memo));
        let bare: pep508_rs::Requirement = "lib".parse().unwrap();
        assert!(k.satisfies_remembering(&bare, &mut memo));
    }

    #[test]
    fn agrees_with_a_full_scan() {
        let k = known(&[
            "0.9",
            "1.0",
            "1.0+local",
            "1.0.post1",
            "1.1rc1",
            "1.5",
            "2.0",
            "2.0.1",
            "3.0.dev1",
        ]);
        assert_eq!(find(&k, "lib==1.0").as_deref(), Some("1.0"));
        assert_eq!(find(&k, "lib==1.0+local").as_deref(), Some("1.0+local"));
        assert_eq!(find(&k, "lib==1.0.0").as_deref(), Some("1.0"));
        assert_eq!(find(&k, "lib==1.0.1").as_deref(), None);
        assert_eq!(find(&k, "lib===1.0").as_deref(), Some("1.0"));
        assert_eq!(find(&k, "lib==1.*").as_deref(), Some("1.5"));
        assert_eq!(find(&k, "lib>=1.1,<2").as_deref(), Some("1.5"));
        // PEP 440: `>1.0` excludes 1.0's post and local releases, `<1.1` 1.1's pre-releases.
        assert_eq!(find(&k, "lib>1.0,<1.1").as_deref(), None);
        assert_eq!(
            find(&k, "lib>=1.0.post1,<1.1").as_deref(),
            Some("1.0.post1")
        );
        assert_eq!(find(&k, "lib<=1.0").as_deref(), Some("1.0+local"));
        assert_eq!(find(&k, "lib~=2.0").as_deref(), Some("2.0.1"));
        assert_eq!(find(&k, "lib>=3").as_deref(), None);
        assert_eq!(find(&k, "lib>=3.0.dev0").as_deref(), Some("3.0.dev1"));
        assert_eq!(find(&k, "lib>=2,<1").as_deref(), None);
        assert_eq!(find(&k, "lib!=2.0.1").as_deref(), Some("3.0.dev1"));
        assert_eq!(find(&k, "lib").as_deref(), Some("3.0.dev1"));
        assert_eq!(find(&k, "other>=0").as_deref(), None);
    }
}
