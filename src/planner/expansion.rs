//! Contract §4.4: bounded dependency expansion, as a
//! worklist processed level by level.
//!
//! Level `d` holds the requirements `d` steps from the inputs: level 1 what
//! the inputs require and nothing satisfies, level `d + 1` the requirements
//! of every release the plan took from an index at step `d` (pins and
//! ranges of 4.3 at step 1, the expansions of level `d`). Each level's
//! project pages, and then its metadata, are read concurrently before the
//! level is decided in normalised-name order.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use pep440_rs::Version;
use pep508_rs::PackageName;
use rustc_hash::FxHashMap as HashMap;

use super::job::{Job, JobId};
use super::select::{satisfies, Choice, Chooser};
use super::{name_list, sorted_names, ReqRef, SourcedRequirement, State};
use crate::error::Result;
use crate::plan::BuildReason;
use crate::requirement::Req;

/// The requirements naming one candidate project at one level (borrowed
/// from the level's frontier).
struct Candidate<'r> {
    name: &'r PackageName,
    reqs: Vec<&'r Req>,
    parents: BTreeSet<&'r PackageName>,
}

/// Expands level by level until nothing is left or a bound is reached.
pub(crate) fn expand(state: &mut State<'_>) -> Result<()> {
    let bounds = state.inputs.config.expansion.clone();
    if bounds.max_depth == 0 {
        return Ok(());
    }
    let mut jobs_left = bounds.max_jobs;
    let mut frontier: Vec<SourcedRequirement<'_>> = state.missing.clone();
    let mut depth = 1u32;
    loop {
        expand_level(state, &frontier, depth, &mut jobs_left)?;
        if state.inputs.index.is_none() {
            // Offline: the versions are unknown (`latest`), and so are their
            // requirements: expansion stops at depth 1.
            return Ok(());
        }
        let chosen: Vec<JobId> = state
            .jobs
            .iter()
            .filter(|(_, j)| j.step == depth && j.version.is_some() && j.is_build())
            .map(|(id, _)| id)
            .collect();
        if chosen.is_empty() {
            return Ok(());
        }
        // Every chosen release is examined, the last level's too: what the
        // bound keeps out is then missing, not only unnamed.
        frontier = requirements_of(state, &chosen)?;
        if depth >= bounds.max_depth {
            depth_bound_warning(state, &frontier, bounds.max_depth);
            return Ok(());
        }
        depth += 1;
    }
}

/// Names what `max_depth` keeps out of the plan: the projects the last
/// level's releases require and nothing planned satisfies (they stay in
/// `missing_requirements`).
fn depth_bound_warning(state: &mut State<'_>, left_out: &[SourcedRequirement<'_>], max_depth: u32) {
    if left_out.is_empty() {
        return;
    }
    let names = sorted_names(left_out.iter().map(|sr| &sr.req.requirement.name));
    let parents = sorted_names(left_out.iter().filter_map(|sr| sr.parent.as_deref()));
    state.warnings.push(format!(
        "dependency expansion stopped at expansion.max_depth = {max_depth}: not expanded: {} (required by {})",
        name_list(&names),
        name_list(&parents)
    ));
}

/// Plans one level: the frontier's projects that are neither an input nor
/// planned, in normalised-name order, within `jobs_left`.
fn expand_level<'a>(
    state: &mut State<'a>,
    frontier: &[SourcedRequirement<'a>],
    depth: u32,
    jobs_left: &mut u32,
) -> Result<()> {
    let max_jobs = state.inputs.config.expansion.max_jobs;
    let groups = candidates(state, frontier);
    if groups.is_empty() {
        return Ok(());
    }
    let chooser = state.chooser();
    if let Some(chooser) = &chooser {
        prefetch(chooser, &groups, *jobs_left as usize)?;
    }

    // Versions planned at this level, to drop the requirements they satisfy.
    let mut expanded: HashMap<PackageName, Version> = HashMap::default();
    let mut not_expanded: Vec<String> = Vec::new();
    for (key, cand) in groups {
        if *jobs_left == 0 {
            not_expanded.push(key.to_string());
            continue;
        }
        let version = match &chooser {
            None => {
                offline_constraint_warning(state, cand.name);
                None
            }
            Some(chooser) => match chooser.choose(cand.name, &cand.reqs, &mut state.warnings)? {
                Choice::Chosen(v) => Some(v),
                Choice::Nothing(why) => {
                    state.warnings.push(format!("{key}: not expanded: {why}"));
                    continue;
                }
            },
        };
        plan_expansion(state, &cand, version.clone(), depth);
        *jobs_left -= 1;
        if let Some(v) = version {
            state.known.insert(cand.name, v.clone(), None);
            expanded.insert(cand.name.clone(), v);
        }
    }
    if !expanded.is_empty() {
        state.missing.retain(|m| {
            let r = &m.req.requirement;
            !expanded.get(&r.name).is_some_and(|v| satisfies(r, v))
        });
    }
    if !not_expanded.is_empty() {
        state.warnings.push(format!(
            "dependency expansion stopped at expansion.max_jobs = {max_jobs}: not expanded: {}",
            name_list(&not_expanded)
        ));
    }
    Ok(())
}

/// The frontier's requirements grouped by project, leaving out projects
/// already known or planned. Normalised names order the same as their
/// strings.
fn candidates<'r>(
    state: &State<'_>,
    frontier: &'r [SourcedRequirement<'_>],
) -> BTreeMap<&'r PackageName, Candidate<'r>> {
    let mut groups: BTreeMap<&PackageName, Candidate<'_>> = BTreeMap::new();
    for sr in frontier {
        let name = &sr.req.requirement.name;
        if state.known.knows(name) || state.planned.contains(name) {
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
    groups
}

/// Reads the project pages of the first `jobs_left` candidates (as many as
/// can be planned) concurrently, then the metadata their choice needs.
fn prefetch(
    chooser: &Chooser<'_>,
    groups: &BTreeMap<&PackageName, Candidate<'_>>,
    jobs_left: usize,
) -> Result<()> {
    let names: Vec<PackageName> = groups
        .values()
        .take(jobs_left)
        .map(|c| c.name.clone())
        .collect();
    chooser.index.prefetch(&names)?;
    let mut ahead = Vec::new();
    for c in groups.values().take(jobs_left) {
        if let Some(v) = chooser.needs_metadata(c.name, &c.reqs)? {
            ahead.push((c.name.clone(), v));
        }
    }
    chooser.index.prefetch_metadata(&ahead)
}

/// Records the expansion build of `cand` at `version` (`None`: offline,
/// `latest`) at level `depth`.
fn plan_expansion(
    state: &mut State<'_>,
    cand: &Candidate<'_>,
    version: Option<Version>,
    depth: u32,
) {
    let parents = sorted_names(cand.parents.iter().copied());
    let mut job = Job::build(
        cand.name.clone(),
        version,
        BuildReason::DependencyExpansion,
        depth,
        parents,
    );
    job.depth = depth;
    job.expansion = true;
    state.jobs.push(job);
    state.planned.insert(cand.name.clone());
}

/// Offline, an expansion is `latest`, which no constraint can be checked
/// against: say so.
fn offline_constraint_warning(state: &mut State<'_>, name: &PackageName) {
    let constrained: Vec<String> = state
        .inputs
        .constraints
        .iter()
        .filter(|c| &c.name == name && c.version_or_url.is_some())
        .map(|c| format!("`{c}`"))
        .collect();
    if !constrained.is_empty() {
        state.warnings.push(format!(
            "{name}: expanded offline as `latest`, which cannot be checked against the constraint{} {}",
            if constrained.len() == 1 { "" } else { "s" },
            constrained.join(", ")
        ));
    }
}

/// The next level: the requirements of `chosen` (markers applied) that no
/// known version satisfies, each also recorded as missing. Their metadata
/// is read concurrently first.
fn requirements_of<'a>(
    state: &mut State<'a>,
    chosen: &[JobId],
) -> Result<Vec<SourcedRequirement<'a>>> {
    let Some(index) = state.inputs.index else {
        return Ok(Vec::new());
    };
    let releases: Vec<(PackageName, Version)> = chosen
        .iter()
        .filter_map(|&id| {
            let job = state.jobs.get(id);
            Some((job.name.clone(), job.version.clone()?))
        })
        .collect();
    index.prefetch_metadata(&releases)?;
    let mut next = Vec::new();
    for (name, version) in releases {
        // `None`: unreadable; the index has already said why in a warning.
        let Some(meta) = index.metadata(&name, &version)? else {
            continue;
        };
        for dep in &meta.requires_dist {
            if !state.applies(dep) || state.known.satisfies(&dep.requirement) {
                continue;
            }
            let sr = SourcedRequirement {
                req: ReqRef::Shared(Arc::new(dep.clone())),
                parent: Some(Cow::Owned(name.clone())),
            };
            state.missing.push(sr.clone());
            next.push(sr);
        }
    }
    Ok(next)
}
