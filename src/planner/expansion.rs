//! Contract 4.4: bounded dependency expansion of projects that are required
//! but neither an input nor planned.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};

use rustc_hash::FxHashMap as HashMap;

use pep508_rs::{PackageName, Requirement};

use super::select::{best, names_prerelease, pinned_version, satisfies};
use super::{sorted_names, ReqRef, SourcedRequirement, State};
use crate::error::Result;
use crate::plan::BuildReason;

/// The requirements naming one candidate project at one depth (borrowed
/// from the level's frontier).
struct Candidate<'r> {
    name: &'r PackageName,
    reqs: Vec<&'r Requirement>,
    parents: BTreeSet<&'r PackageName>,
}

/// Expands breadth-first, level by level, names in normalised order.
pub(crate) fn expand(state: &mut State<'_>) -> Result<()> {
    let bounds = state.inputs.config.expansion.clone();
    if bounds.max_depth == 0 {
        return Ok(());
    }
    let index = state.inputs.index;
    let mut jobs_left = bounds.max_jobs;
    let mut frontier: Vec<SourcedRequirement<'_>> = state.missing.clone();
    let mut depth = 1u32;
    loop {
        // Normalised names order the same as their strings.
        let mut groups: BTreeMap<&PackageName, Candidate<'_>> = BTreeMap::new();
        for sr in &frontier {
            let name = &sr.req.requirement.name;
            if state.input_projects.contains(name) || state.planned.contains(name) {
                continue;
            }
            let c = groups.entry(name).or_insert_with(|| Candidate {
                name,
                reqs: Vec::new(),
                parents: BTreeSet::new(),
            });
            c.reqs.push(&sr.req.requirement);
            c.parents.extend(sr.parent.as_deref());
        }
        if groups.is_empty() {
            return Ok(());
        }
        if let Some(index) = index {
            let names: Vec<PackageName> = groups
                .values()
                .take(jobs_left as usize)
                .map(|c| c.name.clone())
                .collect();
            index.prefetch(&names)?;
        }

        let mut next: Vec<SourcedRequirement<'_>> = Vec::new();
        // Versions planned at this level, to drop the requirements they satisfy.
        let mut expanded: HashMap<PackageName, pep440_rs::Version> = HashMap::default();
        let mut not_expanded: Vec<String> = Vec::new();
        let mut leaves: Vec<String> = Vec::new();
        for (key, cand) in groups {
            let key = key.to_string();
            if jobs_left == 0 {
                not_expanded.push(key);
                continue;
            }
            let parents = sorted_names(cand.parents.iter().copied());
            let Some(index) = index else {
                // Offline: the version is unknown (`latest`), and so are its
                // requirements: expansion stops at depth 1.
                let constrained: Vec<String> = state
                    .inputs
                    .constraints
                    .iter()
                    .filter(|c| &c.name == cand.name && c.version_or_url.is_some())
                    .map(|c| format!("`{c}`"))
                    .collect();
                if !constrained.is_empty() {
                    state.outcome.warnings.push(format!(
                        "{key}: expanded offline as `latest`, which cannot be checked against the constraint{} {}",
                        if constrained.len() == 1 { "" } else { "s" },
                        constrained.join(", ")
                    ));
                }
                push_job(state, cand.name, None, depth, parents);
                jobs_left -= 1;
                continue;
            };
            let versions = index.versions(cand.name)?;
            let allow_pre = names_prerelease(cand.reqs.iter().copied());
            // Contract 6: a yanked release is chosen only when pinned exactly.
            let pinned_to =
                |v: &pep440_rs::Version| cand.reqs.iter().any(|r| pinned_version(r) == Some(v));
            let chosen = best(
                versions
                    .iter()
                    .filter(|v| !v.yanked || pinned_to(&v.version))
                    .map(|v| &v.version),
                allow_pre,
                |v| {
                    cand.reqs.iter().all(|r| satisfies(r, v))
                        && state.constraints_allow(cand.name, v)
                },
            )
            .cloned();
            let Some(version) = chosen else {
                let conflict = state.constraint_conflict(
                    "no version on the index satisfies every requirement on it and the constraints",
                    cand.name,
                    versions.iter().filter(|v| !v.yanked).map(|v| &v.version),
                    |v| cand.reqs.iter().all(|r| satisfies(r, v)),
                );
                let why = if versions.is_empty() {
                    "no configured index knows it".to_owned()
                } else if let Some(conflict) = conflict {
                    conflict
                } else {
                    "no version on the index satisfies every requirement on it".to_owned()
                };
                state
                    .outcome
                    .warnings
                    .push(format!("{key}: not expanded: {why}"));
                continue;
            };
            push_job(state, cand.name, Some(&version), depth, parents);
            jobs_left -= 1;
            state.known.insert(cand.name, version.clone());
            expanded.insert(cand.name.clone(), version.clone());
            if depth >= bounds.max_depth {
                leaves.push(key);
                continue;
            }
            for dep in index.requires_dist(cand.name, &version)? {
                if !state.applies(&dep.requirement) {
                    continue;
                }
                if state.known.satisfies(&dep.requirement) {
                    continue;
                }
                let sr = SourcedRequirement {
                    req: ReqRef::Owned(Box::new(dep)),
                    parent: Some(Cow::Owned(cand.name.clone())),
                };
                state.missing.push(sr.clone());
                next.push(sr);
            }
        }
        if !expanded.is_empty() {
            state.missing.retain(|m| {
                let r = &m.req.requirement;
                !expanded.get(&r.name).is_some_and(|v| satisfies(r, v))
            });
        }
        if !not_expanded.is_empty() {
            state.outcome.warnings.push(format!(
                "dependency expansion stopped at expansion.max_jobs = {}: not expanded: {}",
                bounds.max_jobs,
                super::name_list(&not_expanded)
            ));
        }
        if index.is_none() {
            return Ok(());
        }
        if !leaves.is_empty() {
            state.outcome.warnings.push(format!(
                "dependency expansion stopped at expansion.max_depth = {}: requirements of {} were not examined",
                bounds.max_depth,
                super::name_list(&leaves)
            ));
        }
        if next.is_empty() || depth >= bounds.max_depth {
            return Ok(());
        }
        frontier = next;
        depth += 1;
    }
}

fn push_job(
    state: &mut State<'_>,
    name: &PackageName,
    version: Option<&pep440_rs::Version>,
    depth: u32,
    parents: Vec<String>,
) {
    let job = state.job(
        name,
        version,
        BuildReason::DependencyExpansion,
        depth,
        parents,
    );
    state
        .outcome
        .expansion_jobs
        .push(state.outcome.to_build.len());
    state.outcome.to_build.push(job);
    state.planned.insert(name.clone());
}
