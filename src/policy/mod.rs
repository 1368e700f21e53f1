//! Build policy applied to the planned jobs: overrides (contract 4.5) and
//! known failures (4.6).

use crate::config::Config;
use crate::error::Result;
use crate::plan::SkippedJob;
use crate::planner::PlanOutcome;

/// Applies overrides and known failures to `outcome`; returns the skipped jobs.
pub fn apply(config: &Config, outcome: &mut PlanOutcome) -> Result<Vec<SkippedJob>> {
    let _ = (config, outcome);
    Ok(Vec::new())
}
