//! Contract 4.2: one reuse-or-rebuild decision per `name==version`.

use rustc_hash::FxHashMap as HashMap;

use pep440_rs::Version;
use pep508_rs::PackageName;

use crate::scan::ScannedWheel;
use crate::tags::{Incompatibility, SupportedTags};

/// The decision for one input release.
#[derive(Debug)]
pub struct Release<'a> {
    /// Project.
    pub name: PackageName,
    /// Version.
    pub version: Version,
    /// Its files, in scan order.
    pub files: Vec<&'a ScannedWheel>,
    /// `Ok(best reusable file)` or why none is reusable (the closest miss).
    pub decision: Result<&'a ScannedWheel, Incompatibility>,
}

/// Groups wheels by release (in order of each release's first file) and
/// decides each one.
pub fn decide<'a>(wheels: &'a [ScannedWheel], tags: &SupportedTags) -> Vec<Release<'a>> {
    let mut order: Vec<(PackageName, Version)> = Vec::new();
    let mut groups: HashMap<(PackageName, Version), Vec<&'a ScannedWheel>> = HashMap::default();
    for w in wheels {
        let key = (w.filename.name.clone(), w.filename.version.clone());
        groups
            .entry(key.clone())
            .or_insert_with(|| {
                order.push(key);
                Vec::new()
            })
            .push(w);
    }
    order
        .into_iter()
        .map(|key| {
            let files = groups.remove(&key).unwrap_or_default();
            let mut best: Option<(usize, &ScannedWheel)> = None;
            let mut closest = Incompatibility::Python;
            for w in &files {
                let f = &w.filename;
                match tags.check(&f.python_tags, &f.abi_tags, &f.platform_tags) {
                    Ok(prio) => {
                        if best.is_none_or(|(p, _)| prio < p) {
                            best = Some((prio, w));
                        }
                    }
                    Err(why) => closest = closest.max(why),
                }
            }
            Release {
                name: key.0,
                version: key.1,
                files,
                decision: best.map(|(_, w)| w).ok_or(closest),
            }
        })
        .collect()
}
