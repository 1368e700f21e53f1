//! Contract §4.2 and §4.2a: one decision per input `name==version`.

use rustc_hash::FxHashMap as HashMap;

use pep440_rs::Version;
use pep508_rs::PackageName;

use crate::pool;
use crate::scan::ScannedWheel;
use crate::tags::Incompatibility;
use crate::target::{parse_requires_python, Target};

/// What happens to an input release.
#[derive(Debug)]
pub enum Decision<'a> {
    /// Reused: the best reusable file.
    Reuse(&'a ScannedWheel),
    /// Rebuilt: why no file is reusable (the closest miss).
    Rebuild(Incompatibility),
    /// Every wheel declares a Requires-Python that excludes the target
    /// (the first such specifier); `reusable`: a file's tags would have
    /// been reusable.
    RequiresPython { spec: String, reusable: bool },
}

/// The decision for one input release.
#[derive(Debug)]
pub struct Release<'a> {
    /// Project (as its first file has it).
    pub name: &'a PackageName,
    /// Version (as its first file has it).
    pub version: &'a Version,
    /// Its files, in scan order.
    pub files: Vec<&'a ScannedWheel>,
    /// The decision.
    pub decision: Decision<'a>,
    /// The distinct Requires-Python values its files declare.
    pub requires_python: Vec<String>,
    /// Files whose Requires-Python is not a specifier set (ignored), with
    /// the value.
    pub unreadable_requires_python: Vec<(String, String)>,
}

/// Groups wheels by release (in order of each release's first file) and
/// decides each one. A file whose Requires-Python excludes the target is
/// not reused; when that is every file, the release is neither reused nor
/// rebuilt.
pub fn decide<'a>(wheels: &'a [ScannedWheel], target: &Target) -> Vec<Release<'a>> {
    // Releases in order of their first file. Files are sorted by name, so
    // a release's files are nearly always adjacent: the previous file's
    // release is tried first. Otherwise the release is looked up by name
    // alone (a PEP 440 version hashes slowly), then by version along the
    // chain of the name's releases.
    type Files<'w> = Vec<&'w ScannedWheel>;
    let mut releases: Vec<((&'a PackageName, &'a Version), Files<'a>)> =
        Vec::with_capacity(wheels.len());
    // The name's latest release, and each release's previous one of the same name.
    let mut latest: HashMap<&'a PackageName, usize> =
        HashMap::with_capacity_and_hasher(wheels.len(), Default::default());
    let mut same_name_before: Vec<Option<usize>> = Vec::with_capacity(wheels.len());
    for w in wheels {
        let key = (&w.filename.name, &w.filename.version);
        if let Some(last) = releases.last_mut().filter(|(k, _)| *k == key) {
            last.1.push(w);
            continue;
        }
        let mut at = latest.get(key.0).copied();
        while let Some(i) = at {
            if releases[i].0 .1 == key.1 {
                break;
            }
            at = same_name_before[i];
        }
        match at {
            Some(i) => releases[i].1.push(w),
            None => {
                same_name_before.push(latest.insert(key.0, releases.len()));
                releases.push((key, vec![w]));
            }
        }
    }
    drop(latest);
    // Each release is decided on its own: on every core for a large input.
    let decided = pool::map_chunks(&releases, 256, |(_, files)| decide_files(files, target));
    releases
        .into_iter()
        .zip(decided)
        .map(|((key, files), d)| Release {
            name: key.0,
            version: key.1,
            files,
            decision: d.decision,
            requires_python: d.requires_python,
            unreadable_requires_python: d.unreadable,
        })
        .collect()
}

/// What [`decide_files`] found for a release.
struct Decided<'a> {
    decision: Decision<'a>,
    requires_python: Vec<String>,
    unreadable: Vec<(String, String)>,
}

/// The decision for a release of `files`.
fn decide_files<'a>(files: &[&'a ScannedWheel], target: &Target) -> Decided<'a> {
    let mut requires_python: Vec<String> = Vec::new();
    let mut unreadable = Vec::new();
    let mut excluded_by: Option<String> = None;
    // The files Requires-Python admits, listed once one is not admitted.
    let mut admitted: Option<Vec<&ScannedWheel>> = None;
    for (i, w) in files.iter().enumerate() {
        let Some(text) = &w.requires_python else {
            if let Some(a) = admitted.as_mut() {
                a.push(w);
            }
            continue;
        };
        if !requires_python.contains(text) {
            requires_python.push(text.clone());
        }
        let admits = match parse_requires_python(text) {
            Some(spec) => target.admits(&spec),
            None => {
                unreadable.push((w.file_name().to_owned(), text.clone()));
                true
            }
        };
        match (admits, admitted.as_mut()) {
            (true, Some(a)) => a.push(w),
            (true, None) => {}
            (false, _) => {
                excluded_by.get_or_insert_with(|| text.clone());
                admitted.get_or_insert_with(|| files[..i].to_vec());
            }
        }
    }
    let admitted = admitted.as_deref().unwrap_or(files);
    let decision = match (best_reusable(admitted, target), excluded_by) {
        (Ok(w), _) => Decision::Reuse(w),
        (Err(_), Some(spec)) if admitted.is_empty() => Decision::RequiresPython {
            spec,
            reusable: best_reusable(files, target).is_ok(),
        },
        (Err(why), _) => Decision::Rebuild(why),
    };
    Decided {
        decision,
        requires_python,
        unreadable,
    }
}

/// The best-ranked reusable file, or why none is (the closest miss).
fn best_reusable<'a>(
    files: &[&'a ScannedWheel],
    target: &Target,
) -> Result<&'a ScannedWheel, Incompatibility> {
    let mut best: Option<(usize, &ScannedWheel)> = None;
    let mut closest = Incompatibility::Python;
    for w in files {
        let f = &w.filename;
        match target
            .tags
            .check(f.python_tags(), f.abi_tags(), f.platform_tags())
        {
            Ok(prio) => {
                if best.is_none_or(|(p, _)| prio < p) {
                    best = Some((prio, w));
                }
            }
            Err(why) => closest = closest.max(why),
        }
    }
    best.map(|(_, w)| w).ok_or(closest)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wheel(file_name: &str) -> ScannedWheel {
        ScannedWheel {
            filename: file_name.parse().unwrap(),
            requires_dist: Vec::new(),
            requires_python: None,
        }
    }

    #[test]
    fn groups_files_by_release_in_order_of_the_first_file() {
        // Sorted by file name: a release's files need not be adjacent
        // (`Foo_Bar` sorts before `a`, `foo_bar` after), and `1.0.0` is
        // the release `1.0`.
        let wheels: Vec<ScannedWheel> = [
            "Foo_Bar-1.0-py3-none-any.whl",
            "Foo_Bar-2.0-cp311-cp311-manylinux2014_x86_64.whl",
            "a-1.0-py3-none-any.whl",
            "foo_bar-1.0.0-cp311-cp311-manylinux2014_s390x.whl",
            "foo_bar-2.0-cp311-cp311-manylinux2014_s390x.whl",
            "foo_bar-3.0-cp311-cp311-manylinux2014_x86_64.whl",
        ]
        .iter()
        .map(|f| wheel(f))
        .collect();
        let target = Target::new(
            "3.11".parse().unwrap(),
            "manylinux2014_s390x".parse().unwrap(),
        )
        .unwrap();
        let releases = decide(&wheels, &target);
        let got: Vec<(String, String, Vec<&str>)> = releases
            .iter()
            .map(|r| {
                (
                    r.name.to_string(),
                    r.version.to_string(),
                    r.files.iter().map(|w| w.file_name()).collect(),
                )
            })
            .collect();
        let want = [
            (
                "foo-bar",
                "1.0",
                vec![wheels[0].file_name(), wheels[3].file_name()],
            ),
            (
                "foo-bar",
                "2.0",
                vec![wheels[1].file_name(), wheels[4].file_name()],
            ),
            ("a", "1.0", vec![wheels[2].file_name()]),
            ("foo-bar", "3.0", vec![wheels[5].file_name()]),
        ];
        assert_eq!(got.len(), want.len());
        for ((name, version, files), (n, v, f)) in got.iter().zip(&want) {
            assert_eq!((name.as_str(), version.as_str(), files), (*n, *v, f));
        }
        // 2.0 is reused from its s390x file, found after the x86_64 one.
        assert!(
            matches!(releases[1].decision, Decision::Reuse(w) if w.file_name() == wheels[4].file_name())
        );
        assert!(matches!(releases[3].decision, Decision::Rebuild(_)));
    }
}
