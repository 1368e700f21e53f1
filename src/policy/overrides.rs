//! Overrides (contract §4.5): per-project build settings applied to the
//! planned builds.

use std::collections::HashMap;

use pep440_rs::Version;
use pep508_rs::{PackageName, Requirement};

use crate::config::Config;
use crate::error::{ResolverError, Result};
use crate::planner::job::{Action, JobId};
use crate::planner::PlanOutcome;

/// Applies the overrides to the build jobs of `outcome`; returns warnings.
pub fn apply(
    config: &Config,
    outcome: &mut PlanOutcome<'_>,
    constraints: &[Requirement],
) -> Result<Vec<String>> {
    let overrides = config.overrides_by_name()?;
    let mut warnings = Vec::new();
    if overrides.is_empty() {
        return Ok(warnings);
    }
    for (name, (key, ov)) in &overrides {
        let version = match &ov.version {
            Some(v) => Some(v.trim().parse::<Version>().map_err(|_| {
                ResolverError::config(
                    format!("overrides.{key}.version"),
                    format!("`{v}` is not a PEP 440 version"),
                )
            })?),
            None => None,
        };
        let mut applied = false;
        for job in outcome
            .jobs
            .iter_mut()
            .filter(|j| j.is_build() && &j.name == name)
        {
            applied = true;
            let mut copied = (*ov).clone();
            if let Some(v) = &version {
                if job.version.as_ref() != Some(v) {
                    let from = job.version_text();
                    job.version = Some(v.clone());
                    for r in &job.requirements {
                        if !crate::planner::select::satisfies(&r.requirement, v) {
                            warnings.push(format!(
                                "overrides.{key}.version: {name} {from} is built as {v}, \
                                 which does not satisfy `{}`",
                                r.text
                            ));
                        }
                    }
                }
                for c in constraints.iter().filter(|c| &c.name == name) {
                    if !crate::planner::select::satisfies(c, v) {
                        warnings.push(format!(
                            "overrides.{key}.version: {name} {v} does not satisfy the constraint `{c}`"
                        ));
                    }
                }
                copied.version = Some(v.to_string());
            }
            job.override_ = Some(copied);
        }
        if !applied {
            let elsewhere = |what: &str, pick: &dyn Fn(&Action) -> bool| {
                let versions: Vec<String> = outcome
                    .jobs
                    .iter()
                    .filter(|(_, j)| &j.name == name && pick(&j.action))
                    .map(|(_, j)| j.version_text())
                    .collect();
                (!versions.is_empty()).then(|| format!(" (it is {what}: {})", versions.join(", ")))
            };
            let why = elsewhere("reused", &|a| matches!(a, Action::Reuse { .. }))
                .or_else(|| elsewhere("fetched", &|a| matches!(a, Action::Fetch(_))))
                .unwrap_or_default();
            warnings.push(format!(
                "overrides.{key}: {name} is not planned for a build{why}; the override is not applied"
            ));
        }
    }
    merge_duplicates(outcome, &mut warnings);
    Ok(warnings)
}

/// Two jobs of one project that an override gave the same version become
/// one (the first; parents and requirements merged). Linear: one pass with
/// a map from `name==version` to the first job.
fn merge_duplicates(outcome: &mut PlanOutcome<'_>, warnings: &mut Vec<String>) {
    let mut first_of: HashMap<(PackageName, Option<Version>), JobId> = HashMap::new();
    let mut merges: Vec<(JobId, JobId)> = Vec::new();
    for (id, job) in outcome.jobs.iter().filter(|(_, j)| j.is_build()) {
        match first_of.entry((job.name.clone(), job.version.clone())) {
            std::collections::hash_map::Entry::Occupied(first) => merges.push((*first.get(), id)),
            std::collections::hash_map::Entry::Vacant(slot) => {
                slot.insert(id);
            }
        }
    }
    for (first, dup) in merges {
        let dup_job = outcome.jobs.get_mut(dup);
        let parents = std::mem::take(&mut dup_job.parents);
        let reqs = std::mem::take(&mut dup_job.requirements);
        dup_job.action = Action::Merged(first);
        let first_job = outcome.jobs.get_mut(first);
        for p in parents {
            first_job.add_parent(&p);
        }
        for r in reqs {
            first_job.add_requirement(r);
        }
        warnings.push(format!(
            "overrides: two build jobs of {} became {}=={}; they are built once",
            first_job.name,
            first_job.name,
            first_job.version_text()
        ));
    }
}
