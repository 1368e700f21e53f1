//! Contract 4.3: each applicable requirement of the inputs, in order.

use pep440_rs::Version;
use pep508_rs::PackageName;

use super::select::{best, names_prerelease, pinned_version, satisfies};
use super::{SourcedRequirement, State};
use crate::config::UpgradeStrategy;
use crate::error::Result;
use crate::plan::BuildReason;

/// Plans builds for `reqs` (markers already applied) or records them missing.
pub(crate) fn resolve<'a>(state: &mut State<'a>, reqs: Vec<SourcedRequirement<'a>>) -> Result<()> {
    let cfg = state.inputs.config;
    let index = state
        .inputs
        .index
        .filter(|_| cfg.upgrade_strategy == UpgradeStrategy::Eager || cfg.fallback_latest);

    if let Some(index) = index {
        // Warm the index cache for every range the known versions cannot
        // satisfy, so the look-ups run concurrently.
        let mut names: Vec<PackageName> = reqs
            .iter()
            .map(|r| &r.req.requirement)
            .filter(|r| pinned_version(r).is_none() && satisfied_by_known(state, r).is_none())
            .map(|r| r.name.clone())
            .collect();
        names.sort();
        names.dedup();
        index.prefetch(&names)?;
    }

    for sr in reqs {
        let req = &sr.req.requirement;
        // 1. Satisfied by a reused or already planned version.
        if let Some(version) = satisfied_by_known(state, req) {
            note_requirer(state, &req.name, &version, &sr);
            continue;
        }
        // 2. Pinned: build exactly that version.
        if let Some(version) = pinned_version(req) {
            if state.constraints_allow(&req.name, version) {
                let version = version.clone();
                plan_dependency(state, &sr, version, BuildReason::MissingDependency);
            } else {
                let warning = state
                    .constraint_conflict(&sr.req.text, &req.name, [version], |_| true)
                    .unwrap_or_else(|| {
                        format!(
                            "{}: the pinned version is excluded by the constraints",
                            sr.req.text
                        )
                    });
                state.outcome.warnings.push(warning);
                state.missing.push(sr);
            }
            continue;
        }
        // 3. The highest satisfying candidate. The inputs' own versions are
        // all in `known`, so step 1 has already tried them: what is left to
        // try is the index.
        let mut candidates: Vec<Version> = Vec::new();
        if let Some(index) = index {
            candidates.extend(
                index
                    .versions(&req.name)?
                    .into_iter()
                    .filter(|v| !v.yanked)
                    .map(|v| v.version),
            );
        }
        let allow_pre = names_prerelease([req]);
        let chosen = best(&candidates, allow_pre, |v| {
            satisfies(req, v) && state.constraints_allow(&req.name, v)
        })
        .cloned();
        match chosen {
            Some(version) => {
                plan_dependency(state, &sr, version, BuildReason::MissingCompatibleWheel)
            }
            // 4. Missing (saying so when only the constraints are in the way).
            None => {
                if let Some(warning) =
                    state.constraint_conflict(&sr.req.text, &req.name, &candidates, |v| {
                        satisfies(req, v)
                    })
                {
                    state.outcome.warnings.push(warning);
                }
                state.missing.push(sr)
            }
        }
    }
    Ok(())
}

/// A reused or planned version of the project that satisfies `req`.
fn satisfied_by_known(state: &State<'_>, req: &pep508_rs::Requirement) -> Option<Version> {
    state.known.satisfying(req).cloned()
}

/// Records `sr`'s parent and text on the dependency job that satisfies it.
fn note_requirer(
    state: &mut State<'_>,
    name: &PackageName,
    version: &Version,
    sr: &SourcedRequirement<'_>,
) {
    let Some(&i) = state.job_of.get(name).and_then(|jobs| jobs.get(version)) else {
        return;
    };
    let job = &mut state.outcome.to_build[i];
    if let Some(parent) = &sr.parent {
        let parent: &str = parent.as_ref().as_ref();
        if let Err(at) = job.parents.binary_search_by(|p| p.as_str().cmp(parent)) {
            job.parents.insert(at, parent.to_owned());
        }
    }
    let texts = state.job_texts.entry(i).or_default();
    if !texts.contains(&sr.req.text) {
        texts.insert(sr.req.text.clone());
        job.requirements.push(sr.req.text.clone());
    }
}

fn plan_dependency(
    state: &mut State<'_>,
    sr: &SourcedRequirement<'_>,
    version: Version,
    reason: BuildReason,
) {
    let name = sr.req.requirement.name.clone();
    let parents = sr.parent.iter().map(|p| p.to_string()).collect();
    let mut job = state.job(&name, Some(&version), reason, 0, parents);
    job.requirements.push(sr.req.text.clone());
    let i = state.outcome.to_build.len();
    state
        .job_texts
        .entry(i)
        .or_default()
        .insert(sr.req.text.clone());
    state
        .job_of
        .entry(name.clone())
        .or_default()
        .insert(version.clone(), i);
    state.outcome.to_build.push(job);
    state.known.insert(&name, version);
    state.planned.insert(name);
}
