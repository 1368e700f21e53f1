//! Contract §4.7: a release whose `name==version` has a wheel on an index
//! that the target installs is fetched instead of built.

use pep440_rs::Version;
use pep508_rs::PackageName;

use super::job::{Action, JobId};
use super::State;
use crate::error::Result;
use crate::index::{CompatibleWheel, PackageIndex};
use crate::target::{parse_requires_python, Target};

/// With `index.fetch_compatible_wheels`, turns every build job of a
/// concrete version whose project has no override `version` into a fetch
/// when an index lists a non-yanked wheel of it that the target installs
/// (tags of 4.2; Requires-Python from the page, else the metadata).
pub(crate) fn fetch_compatible(state: &mut State<'_>) -> Result<()> {
    let config = state.inputs.config;
    let (Some(index), Some(index_config)) = (state.inputs.index, &config.index) else {
        return Ok(());
    };
    if !index_config.fetch_compatible_wheels {
        return Ok(());
    }
    let pinned_by_override: Vec<PackageName> = config
        .overrides_by_name()?
        .into_iter()
        .filter(|(_, (_, ov))| ov.version.is_some())
        .map(|(name, _)| name)
        .collect();
    let candidates: Vec<(JobId, PackageName, Version)> = state
        .jobs
        .iter()
        .filter(|(_, j)| j.is_build() && !pinned_by_override.contains(&j.name))
        .filter_map(|(id, j)| Some((id, j.name.clone(), j.version.clone()?)))
        .collect();
    let mut names: Vec<PackageName> = candidates.iter().map(|(_, n, _)| n.clone()).collect();
    names.sort();
    names.dedup();
    index.prefetch(&names)?;

    let mut found: Vec<(JobId, CompatibleWheel)> = Vec::new();
    let mut ahead: Vec<(PackageName, Version)> = Vec::new();
    for (id, name, version) in candidates {
        if let Some(wheel) = index.compatible_wheel(&name, &version)? {
            if wheel.requires_python.is_none() {
                ahead.push((name, version));
            }
            found.push((id, wheel));
        }
    }
    // The page left Requires-Python open for these: their metadata decides.
    index.prefetch_metadata(&ahead)?;
    let target = state.inputs.target;
    for (id, wheel) in found {
        let job = state.jobs.get(id);
        if admits_wheel(index, target, &job.name, job.version.as_ref(), &wheel)? {
            state.jobs.get_mut(id).action = Action::Fetch(wheel);
        }
    }
    Ok(())
}

/// Whether the target may install `wheel` of `name==version` as far as
/// Requires-Python goes: the page's, else the release's metadata (read
/// only then); none known admits it.
pub(super) fn admits_wheel(
    index: &dyn PackageIndex,
    target: &Target,
    name: &PackageName,
    version: Option<&Version>,
    wheel: &CompatibleWheel,
) -> Result<bool> {
    let requires_python = match (&wheel.requires_python, version) {
        (Some(rp), _) => Some(rp.clone()),
        (None, Some(v)) => index
            .metadata(name, v)?
            .and_then(|m| m.requires_python.clone()),
        (None, None) => None,
    };
    Ok(requires_python
        .as_deref()
        .and_then(parse_requires_python)
        .is_none_or(|spec| target.admits(&spec)))
}
