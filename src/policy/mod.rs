//! Build policy applied to the planned jobs: overrides (contract §4.5) and
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

use pep508_rs::Requirement;

use crate::config::Config;
use crate::error::Result;
use crate::planner::job::{Action, Skip};
use crate::planner::PlanOutcome;
use known_failures::KnownFailures;

/// Applies overrides and known failures to the build jobs of `outcome`
/// (fetched, reused and skipped releases are left alone). Warnings are
/// appended to `outcome.warnings`.
pub fn apply(
    config: &Config,
    outcome: &mut PlanOutcome<'_>,
    constraints: &[Requirement],
) -> Result<()> {
    let warnings = overrides::apply(config, outcome, constraints)?;
    outcome.warnings.extend(warnings);

    if config.known_failures.is_empty() && config.history_db.is_none() {
        return Ok(());
    }
    let wanted: HashSet<String> = outcome
        .jobs
        .iter()
        .filter(|(_, j)| j.is_build())
        .map(|(_, j)| j.name.to_string())
        .collect();
    let known = KnownFailures::load(config, &wanted)?;
    outcome.warnings.extend(known.warnings.iter().cloned());

    for job in outcome.jobs.iter_mut() {
        if !job.is_build() {
            continue;
        }
        let Some(version) = &job.version else {
            continue;
        };
        let events = known.events(&job.name, version);
        for h in known_failures::hints(events) {
            if !job.hints.contains(&h) {
                job.hints.push(h);
            }
        }
        if !config.skip_known_failures {
            continue;
        }
        if let Some(last) = known_failures::most_recent(events).filter(|e| e.is_failure()) {
            job.action = Action::Skip(Skip {
                status: last.status.clone(),
                timestamp: last.timestamp.clone(),
                detail: last.detail.clone(),
                source: last.source.as_str(),
            });
        }
    }
    Ok(())
}
