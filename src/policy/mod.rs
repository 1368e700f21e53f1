//! Build policy applied to the planned jobs: overrides (contract 4.5) and
//! known failures (4.6).
//!
//! Order: overrides first, then known failures, so a known failure is looked
//! up for the version the builder would actually build (the overridden one).

pub mod event;
pub mod history;
pub mod known_failures;
pub mod overrides;
pub mod timestamp;

use std::collections::HashSet;

use pep508_rs::{PackageName, Requirement};

use crate::config::Config;
use crate::error::Result;
use crate::plan::SkippedJob;
use crate::planner::PlanOutcome;
use known_failures::KnownFailures;

/// Applies overrides and known failures to `outcome`; returns the skipped
/// jobs. Warnings are appended to `outcome.warnings`.
pub fn apply(
    config: &Config,
    outcome: &mut PlanOutcome,
    constraints: &[Requirement],
) -> Result<Vec<SkippedJob>> {
    let warnings = overrides::apply(config, outcome, constraints)?;
    outcome.warnings.extend(warnings);

    if config.known_failures.is_empty() && config.history_db.is_none() {
        return Ok(Vec::new());
    }
    let wanted: HashSet<String> = outcome.to_build.iter().map(|j| j.name.clone()).collect();
    let known = KnownFailures::load(config, &wanted)?;
    outcome.warnings.extend(known.warnings.iter().cloned());

    let mut skipped = Vec::new();
    let mut keep = vec![true; outcome.to_build.len()];
    for (i, job) in outcome.to_build.iter_mut().enumerate() {
        if job.version == "latest" {
            continue;
        }
        let (Ok(name), Ok(version)) = (
            job.name.parse::<PackageName>(),
            job.version.parse::<pep440_rs::Version>(),
        ) else {
            continue;
        };
        let events = known.events(&name, &version);
        let hints = known_failures::hints(events);
        for h in hints {
            if !job.hints.contains(&h) {
                job.hints.push(h);
            }
        }
        if !config.skip_known_failures {
            continue;
        }
        if let Some(last) = known_failures::most_recent(events).filter(|e| e.is_failure()) {
            keep[i] = false;
            skipped.push(SkippedJob {
                name: job.name.clone(),
                version: job.version.clone(),
                status: last.status.clone(),
                timestamp: last.timestamp.clone(),
                detail: last.detail.clone(),
                reason: job.reason,
                source: last.source.as_str(),
                hints: job.hints.clone(),
            });
        }
    }
    retain_jobs(outcome, &keep);
    Ok(skipped)
}

/// Keeps the jobs whose `keep` flag is set, and re-points
/// `expansion_jobs` at the kept expansion jobs.
pub(crate) fn retain_jobs(outcome: &mut PlanOutcome, keep: &[bool]) {
    if keep.iter().all(|&k| k) {
        return;
    }
    let mut new_index = Vec::with_capacity(keep.len());
    let mut next = 0usize;
    for &k in keep {
        new_index.push(k.then_some(next));
        if k {
            next += 1;
        }
    }
    outcome.expansion_jobs = outcome
        .expansion_jobs
        .iter()
        .filter_map(|&i| new_index.get(i).copied().flatten())
        .collect();
    let mut flags = keep.iter();
    outcome
        .to_build
        .retain(|_| flags.next().copied().unwrap_or(true));
}
