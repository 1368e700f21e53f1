//! Contract 4.2 and contract-2 4.2a: one decision per input `name==version`.

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
    // Releases in order of their first file. Looked up by name alone (a
    // PEP 440 version hashes slowly), then by version among the name's.
    type Files<'w> = Vec<&'w ScannedWheel>;
    let mut releases: Vec<((&'a PackageName, &'a Version), Files<'a>)> = Vec::new();
    let mut by_name: HashMap<&'a PackageName, Vec<usize>> = HashMap::default();
    for w in wheels {
        let (name, version) = (&w.filename.name, &w.filename.version);
        let indexes = by_name.entry(name).or_default();
        match indexes.iter().find(|&&i| releases[i].0 .1 == version) {
            Some(&i) => releases[i].1.push(w),
            None => {
                indexes.push(releases.len());
                releases.push(((name, version), vec![w]));
            }
        }
    }
    drop(by_name);
    // Each release is decided on its own: on every core for a large input.
    pool::map_chunks(&releases, 256, |(key, files)| {
        decide_release(*key, files.clone(), target)
    })
}

/// The decision for the release `key` of `files`.
fn decide_release<'a>(
    key: (&'a PackageName, &'a Version),
    files: Vec<&'a ScannedWheel>,
    target: &Target,
) -> Release<'a> {
    let mut requires_python: Vec<String> = Vec::new();
    let mut unreadable = Vec::new();
    let mut excluded_by: Option<String> = None;
    let mut admitted: Vec<&ScannedWheel> = Vec::new();
    for w in &files {
        let Some(text) = &w.requires_python else {
            admitted.push(w);
            continue;
        };
        if !requires_python.contains(text) {
            requires_python.push(text.clone());
        }
        match parse_requires_python(text) {
            Some(spec) if !target.admits(&spec) => {
                excluded_by.get_or_insert_with(|| text.clone());
            }
            Some(_) => admitted.push(w),
            None => {
                unreadable.push((w.file_name.clone(), text.clone()));
                admitted.push(w);
            }
        }
    }
    let decision = match (best_reusable(&admitted, target), excluded_by) {
        (Ok(w), _) => Decision::Reuse(w),
        (Err(_), Some(spec)) if admitted.is_empty() => Decision::RequiresPython {
            spec,
            reusable: best_reusable(&files, target).is_ok(),
        },
        (Err(why), _) => Decision::Rebuild(why),
    };
    Release {
        name: key.0,
        version: key.1,
        files,
        decision,
        requires_python,
        unreadable_requires_python: unreadable,
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
            .check(&f.python_tags, &f.abi_tags, &f.platform_tags)
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
