//! Contract §4.3: each applicable requirement of the inputs, in order.

use pep440_rs::Version;
use pep508_rs::PackageName;
use rustc_hash::FxHashSet as HashSet;

use super::job::{Job, JobId};
use super::known::{ContainsMemo, KnownVersions};
use super::select::{constraint_conflict, pinned_version, satisfies, Choice, Chooser};
use super::{SourcedRequirement, State};
use crate::config::UpgradeStrategy;
use crate::error::Result;
use crate::plan::BuildReason;
use crate::pool;
use crate::requirement::Req;

/// Plans builds for `reqs` (markers already applied) or records them missing.
pub(crate) fn resolve<'a>(state: &mut State<'a>, reqs: Vec<SourcedRequirement<'a>>) -> Result<()> {
    let cfg = state.inputs.config;
    let chooser = state.chooser();
    // Ranges consult the index only with `eager` or `fallback_latest`; pins
    // whenever one is configured (for Requires-Python and their metadata).
    let ranges_from_index = cfg.upgrade_strategy == UpgradeStrategy::Eager || cfg.fallback_latest;
    // Which requirements an input release satisfies: looked up on every
    // core at once (a look-up is a few cache misses, and there are as many
    // as requirements). Until a dependency build adds a version to its
    // project, such a requirement is satisfied with nothing to note (an
    // input release is never a dependency build).
    let by_input = satisfied_by_known(&state.known, &reqs);
    // Projects with input releases that a dependency build adds a version
    // to (the others have no requirement satisfied by an input release).
    let mut grown: HashSet<PackageName> = HashSet::default();

    if let Some(chooser) = &chooser {
        prefetch(chooser, &reqs, &by_input, ranges_from_index)?;
    }
    for (sr, by_input) in reqs.into_iter().zip(by_input) {
        let req = &sr.req.requirement;
        // 1. Satisfied by an input release (nothing to note) or, in
        //    `resolve_one`, by a reused or already planned version.
        if by_input && (grown.is_empty() || !grown.contains(&req.name)) {
            continue;
        }
        resolve_one(state, chooser.as_ref(), ranges_from_index, &mut grown, sr)?;
    }
    Ok(())
}

/// Warms the index cache for every requirement the known versions cannot
/// satisfy (`by_input` false) and that asks the index, so the look-ups run
/// concurrently: first the project pages, then the metadata of the versions
/// whose page leaves Requires-Python open.
fn prefetch(
    chooser: &Chooser<'_>,
    reqs: &[SourcedRequirement<'_>],
    by_input: &[bool],
    ranges_from_index: bool,
) -> Result<()> {
    let asks_index = |r: &Req| ranges_from_index || pinned_version(r).is_some();
    let mut wanted: Vec<&Req> = reqs
        .iter()
        .zip(by_input)
        .filter(|(_, &known)| !known)
        .map(|(r, _)| &r.req.requirement)
        .filter(|r| asks_index(r))
        .collect();
    wanted.sort_by(|a, b| a.name.cmp(&b.name));
    let mut names: Vec<PackageName> = wanted.iter().map(|r| r.name.clone()).collect();
    names.dedup();
    chooser.index.prefetch(&names)?;
    let mut ahead = Vec::new();
    for r in &wanted {
        if let Some(v) = chooser.needs_metadata(&r.name, &[r])? {
            ahead.push((r.name.clone(), v));
        }
    }
    chooser.index.prefetch_metadata(&ahead)
}

/// Steps 1 to 4 for one requirement that an input release alone does not
/// settle: a known version, its pin, the index's best candidate, or missing.
fn resolve_one<'a>(
    state: &mut State<'a>,
    chooser: Option<&Chooser<'a>>,
    ranges_from_index: bool,
    grown: &mut HashSet<PackageName>,
    sr: SourcedRequirement<'a>,
) -> Result<()> {
    let req = &sr.req.requirement;
    // 1. Satisfied by a reused or already planned version.
    if let Some(found) = state.known.satisfying(req) {
        if let Some(id) = found.job {
            note_requirer(state, id, &sr);
        }
        return Ok(());
    }
    // 2. Pinned: build exactly that version.
    if let Some(version) = pinned_version(req).cloned() {
        return plan_pinned(state, chooser, grown, sr, version);
    }
    // 3. The best candidate from the index. The inputs' own versions are
    //    all in `known`, so step 1 has already tried them.
    let choice = match chooser {
        Some(chooser) if ranges_from_index => {
            chooser.choose(&req.name, &[req], &mut state.warnings)?
        }
        _ => Choice::Nothing(String::new()),
    };
    match choice {
        Choice::Chosen(version) => {
            note_growth(grown, &state.known, &req.name);
            plan_dependency(state, &sr, version, BuildReason::MissingCompatibleWheel)
        }
        // 4. Missing (saying why when the index has versions it passed over).
        Choice::Nothing(why) => {
            if worth_a_warning(&why) {
                state.warnings.push(format!("{}: {why}", sr.req.text));
            }
            state.missing.push(sr)
        }
    }
    Ok(())
}

/// Step 2: a build of exactly the pinned `version`, unless the constraints
/// exclude it; if the index lists it, only when it can be built for the
/// target.
fn plan_pinned<'a>(
    state: &mut State<'a>,
    chooser: Option<&Chooser<'a>>,
    grown: &mut HashSet<PackageName>,
    sr: SourcedRequirement<'a>,
    version: Version,
) -> Result<()> {
    let req = &sr.req.requirement;
    if !state.constraints_allow(&req.name, &version) {
        let why = constraint_conflict(state.inputs.constraints, &req.name, [&version], |_| true)
            .unwrap_or_else(|| "the pinned version is excluded by the constraints".into());
        state.warnings.push(format!("{}: {why}", sr.req.text));
        state.missing.push(sr);
        return Ok(());
    }
    match chooser {
        Some(chooser) if index_lists(chooser, req)? => {
            match chooser.choose(&req.name, &[req], &mut state.warnings)? {
                Choice::Chosen(v) => {
                    note_growth(grown, &state.known, &req.name);
                    plan_dependency(state, &sr, v, BuildReason::MissingDependency)
                }
                Choice::Nothing(why) => {
                    state.warnings.push(format!("{}: {why}", sr.req.text));
                    state.missing.push(sr);
                }
            }
        }
        _ => {
            note_growth(grown, &state.known, &req.name);
            plan_dependency(state, &sr, version, BuildReason::MissingDependency)
        }
    }
    Ok(())
}

/// Before a dependency build of `name` is recorded in `known`: when the
/// project already has versions there, requirements that one of them
/// satisfied may now be satisfied by the new one.
fn note_growth(grown: &mut HashSet<PackageName>, known: &KnownVersions, name: &PackageName) {
    if known.knows(name) {
        grown.insert(name.clone());
    }
}

/// For each of `reqs`, whether a version in `known` satisfies it, looked
/// up in parallel (each thread remembering the specifier sets' answers).
fn satisfied_by_known(known: &KnownVersions, reqs: &[SourcedRequirement<'_>]) -> Vec<bool> {
    pool::map_chunks_with(reqs, 2048, ContainsMemo::default, |memo, sr| {
        known.satisfies_remembering(&sr.req.requirement, memo)
    })
}

/// Does the index list a version `req` (a pin) accepts?
fn index_lists(chooser: &Chooser<'_>, req: &Req) -> Result<bool> {
    Ok(chooser
        .index
        .versions(&req.name)?
        .iter()
        .any(|v| satisfies(req, &v.version)))
}

/// Plain "nothing satisfies it" is what `missing_requirements` already
/// says; other reasons (constraints, Requires-Python, no usable file) are
/// worth a warning.
fn worth_a_warning(why: &str) -> bool {
    !why.is_empty()
        && why != "no configured index knows it"
        && why != "no version on the index satisfies every requirement on it"
}

/// Records `sr`'s parent and text on the dependency job `id` that satisfies it.
fn note_requirer<'a>(state: &mut State<'a>, id: JobId, sr: &SourcedRequirement<'a>) {
    let job = state.jobs.get_mut(id);
    if let Some(parent) = &sr.parent {
        job.add_parent(parent.as_ref().as_ref());
    }
    job.add_requirement(sr.req.clone());
}

fn plan_dependency<'a>(
    state: &mut State<'a>,
    sr: &SourcedRequirement<'a>,
    version: Version,
    reason: BuildReason,
) {
    let name = sr.req.requirement.name.clone();
    let parents = sr.parent.iter().map(|p| p.to_string()).collect();
    let mut job = Job::build(name.clone(), Some(version.clone()), reason, 1, parents);
    job.add_requirement(sr.req.clone());
    let id = state.jobs.push(job);
    state.known.insert(&name, version, Some(id));
    state.planned.insert(name);
}
