//! Overrides (contract 4.5): per-project build settings applied to the
//! planned builds.

use std::collections::{BTreeMap, HashMap};

use pep440_rs::Version;
use pep508_rs::{PackageName, Requirement};

use crate::config::{Config, Override};
use crate::error::{ResolverError, Result};
use crate::planner::PlanOutcome;

/// The config's overrides keyed by normalised name (with the key as written).
pub fn normalized(config: &Config) -> Result<BTreeMap<PackageName, (&str, &Override)>> {
    let mut out: BTreeMap<PackageName, (&str, &Override)> = BTreeMap::new();
    for (key, ov) in &config.overrides {
        let name: PackageName = key.parse().map_err(|_| {
            ResolverError::config(format!("overrides.{key}"), "not a valid project name")
        })?;
        if let Some((other, _)) = out.get(&name) {
            return Err(ResolverError::config(
                format!("overrides.{key}"),
                format!("`{other}` and `{key}` are the same project ({name}); give one override"),
            ));
        }
        out.insert(name, (key.as_str(), ov));
    }
    Ok(out)
}

/// Applies the overrides to `outcome.to_build`; returns warnings.
pub fn apply(
    config: &Config,
    outcome: &mut PlanOutcome,
    constraints: &[Requirement],
) -> Result<Vec<String>> {
    let overrides = normalized(config)?;
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
            .to_build
            .iter_mut()
            .filter(|j| j.name == name.as_ref())
        {
            applied = true;
            let mut copied = (*ov).clone();
            if let Some(v) = &version {
                if job.version != v.to_string() {
                    let from = std::mem::replace(&mut job.version, v.to_string());
                    job.source_spec = format!("{name}=={v}");
                    for text in &job.requirements {
                        let unmet = text
                            .parse::<Requirement>()
                            .ok()
                            .is_some_and(|r| !crate::planner::select::satisfies(&r, v));
                        if unmet {
                            warnings.push(format!(
                                "overrides.{key}.version: {name} {from} is built as {v}, \
                                 which does not satisfy `{text}`"
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
            let reused = outcome
                .reuse
                .iter()
                .filter(|r| r.name == name.as_ref())
                .map(|r| r.version.as_str())
                .collect::<Vec<_>>();
            let why = if reused.is_empty() {
                String::new()
            } else {
                format!(" (it is reused: {})", reused.join(", "))
            };
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
/// a map from `name==version` to the first job's index.
fn merge_duplicates(outcome: &mut PlanOutcome, warnings: &mut Vec<String>) {
    let jobs = &mut outcome.to_build;
    let mut keep = vec![true; jobs.len()];
    let mut first_of: HashMap<(String, String), usize> = HashMap::with_capacity(jobs.len());
    let mut any = false;
    for j in 0..jobs.len() {
        let key = (jobs[j].name.clone(), jobs[j].version.clone());
        let Some(&i) = first_of.get(&key) else {
            first_of.insert(key, j);
            continue;
        };
        any = true;
        keep[j] = false;
        let dup = std::mem::take(&mut jobs[j].parents);
        let dup_reqs = std::mem::take(&mut jobs[j].requirements);
        let first = &mut jobs[i];
        for p in dup {
            if let Err(at) = first.parents.binary_search(&p) {
                first.parents.insert(at, p);
            }
        }
        for r in dup_reqs {
            if !first.requirements.contains(&r) {
                first.requirements.push(r);
            }
        }
        warnings.push(format!(
            "overrides: two build jobs of {} became {}; they are built once",
            first.name, first.source_spec
        ));
    }
    if any {
        super::retain_jobs(outcome, &keep);
    }
}
