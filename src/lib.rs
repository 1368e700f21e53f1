//! Plans which Python wheels must be rebuilt for a target CPython and Linux
//! platform (IBM Z, `manylinux2014_s390x`, by default).
//!
//! The library is called in-process: from Rust through [`compute_plan`] /
//! [`compute_plan_json`], from C and Go through the C ABI in [`ffi`]
//! (`include/wheel_resolver.h`). The contract is `docs/contract.md`.
//!
//! Layout, in the order a call runs (private modules, named here to find
//! one's way): `config` (with `reqfile`) → `scan` (with `wheel`) → `tags`
//! and `markers` → `planner` (with `index`) → `policy` (overrides, known
//! failures) → `plan` → `output`; errors in `error`, credentials kept out
//! of messages by `redact`. Parallel work runs on the process-wide `pool`;
//! `stop` (the caller's [`CancelToken`] and the time budget) is checked
//! between stages, per scanned wheel and by every index request.

// The public surface: the entry points below, the types of the config,
// the plan and the errors, the cancel token, and the C ABI. Everything else
// is private; tests, benchmarks and fuzz targets reach it through the
// `internals` feature, which is not API.
pub mod config;
pub mod error;
pub mod ffi;
pub mod plan;

mod download;
mod index;
mod markers;
mod memory;
mod output;
mod planner;
mod policy;
mod pool;
mod redact;
mod reqfile;
mod requirement;
mod scan;
mod sdist;
mod stop;
mod tags;
mod target;
mod wheel;

pub use config::Config;
pub use download::{fetch_wheels, fetch_wheels_json, FetchReport, FileError, FileReport};
pub use error::{ErrorDetail, ResolverError, Result};
pub use plan::Plan;
pub use stop::CancelToken;

/// The crate's inner modules for its own tests, benchmarks and fuzz
/// targets (feature `internals`). Not API: anything here may change.
#[cfg(feature = "internals")]
#[doc(hidden)]
pub mod internals {
    macro_rules! expose {
        ($($module:ident),*) => {
            $(pub mod $module {
                pub use crate::$module::*;
            })*
        };
    }
    expose!(
        index,
        planner,
        pool,
        requirement,
        scan,
        sdist,
        stop,
        tags,
        target,
        wheel
    );
}

use crate::plan::{ResolverInfo, SCHEMA_VERSION};
use crate::planner::PlanInputs;
use crate::stop::Stop;
use crate::target::Target;

/// Computes a plan from a config JSON document (contract §2).
///
/// On success with `plan_path` set, the plan is also written there
/// atomically; on error nothing is written.
pub fn compute_plan(config_json: &str) -> Result<Plan> {
    plan_from_json(config_json, None, keep_plan)
}

/// [`compute_plan`] that `cancel` can stop: once it is cancelled (from any
/// thread) the call returns [`ResolverError::Cancelled`] within a fraction
/// of a second and writes nothing.
pub fn compute_plan_cancellable(config_json: &str, cancel: &CancelToken) -> Result<Plan> {
    plan_from_json(config_json, Some(cancel), keep_plan)
}

/// Computes a plan from a parsed config.
pub fn compute_plan_with(config: &Config) -> Result<Plan> {
    compute_plan_until(config, None, std::time::Instant::now(), keep_plan)
}

/// Parses `config_json` and computes its plan, the time budget counted
/// from the start (contract: "counted from the call's start").
fn plan_from_json<T>(
    config_json: &str,
    cancel: Option<&CancelToken>,
    finish: impl FnOnce(Plan, PlanDisposal) -> T,
) -> Result<T> {
    let started = std::time::Instant::now();
    let config = Config::from_json(config_json)?;
    compute_plan_until(&config, cancel, started, finish)
}

/// The `finish` of a call that returns the plan itself.
fn keep_plan(plan: Plan, _: PlanDisposal) -> Plan {
    plan
}

/// Computes a plan, stopping with `cancelled` when `cancel` is cancelled
/// and with `timeout` when `config.time_budget_ms` (counted from `started`)
/// runs out, whatever the stage, and returns `finish` of it. The scan is
/// freed on another thread meanwhile, and so is the plan if `finish` hands
/// it to the [`PlanDisposal`]: `finish` (the plan's JSON, say) need not
/// wait for either, but the call does.
fn compute_plan_until<T>(
    config: &Config,
    cancel: Option<&CancelToken>,
    started: std::time::Instant,
    finish: impl FnOnce(Plan, PlanDisposal) -> T,
) -> Result<T> {
    let stop = Stop::new(cancel.cloned(), started, config.time_budget_ms);
    stop.check("the start of the call")?;
    let target = Target::from_config(config)?;
    let requirements = reqfile::load(config, &target)?;
    // What a plan does not keep (`Target::keeps`) is dropped while scanning.
    let keep = |r: &requirement::Req| target.keeps(r);
    let mut scan = scan::scan_dir_until(&config.input_dir, requirements.is_given(), &keep, &stop)?;
    // The plan's warnings start with the scan's (the planner borrows the rest).
    let mut warnings = std::mem::take(&mut scan.warnings);
    stop.check("planning")?;
    let index = index::open(config, &target, &stop)?;
    let inputs = PlanInputs {
        config,
        target: &target,
        scan: &scan,
        index: index.as_deref(),
        extra_requirements: &requirements.requirements,
        constraints: &requirements.constraints,
    };
    // An error the planner met because the call was stopped (a request cut
    // short) is reported as the stop; so is a plan made meanwhile (a look-up
    // the planner tolerates failing would have made it incomplete).
    let mut outcome = planner::plan(&inputs).map_err(|e| stop.explain(e, "planning"))?;
    stop.check("planning")?;
    policy::apply(config, &mut outcome, &requirements.constraints)?;
    if config.build_graph {
        planner::build_graph::plan(&inputs, &mut outcome)
            .map_err(|e| stop.explain(e, "planning the build graph"))?;
        stop.check("planning the build graph")?;
    }
    if config.strict && !outcome.missing.is_empty() {
        return Err(strict_failure(&outcome.missing));
    }
    warnings.append(&mut outcome.warnings);
    if let Some(index) = &index {
        warnings.extend(index.warnings());
    }
    let plan = assemble_plan(config, outcome, warnings)?;
    // Nothing borrows the scan now: it is freed alongside the rest.
    finish_call(config, stop, scan, plan, finish)
}

/// The `unresolved_requirements` error of a strict call with `missing`
/// requirements.
fn strict_failure(missing: &[String]) -> ResolverError {
    let n = missing.len();
    ResolverError::UnresolvedRequirements {
        message: format!(
            "strict mode: {n} requirement{} cannot be satisfied: {}",
            if n == 1 { "" } else { "s" },
            missing.join("; ")
        ),
        details: missing
            .iter()
            .map(|m| ErrorDetail {
                file: None,
                field: None,
                reason: m.clone(),
            })
            .collect(),
    }
}

/// The plan of `outcome` (its warnings already in `warnings`), without
/// its nodes yet (`Plan::rebuild_nodes`).
fn assemble_plan(
    config: &Config,
    outcome: planner::PlanOutcome<'_>,
    warnings: Vec<String>,
) -> Result<Plan> {
    let python_tag = config.python.cp_tag();
    let lists = outcome.jobs.into_lists(&python_tag, &config.platform.tag);
    Ok(Plan {
        schema_version: SCHEMA_VERSION,
        run_id: match &config.run_id {
            Some(id) => id.clone(),
            None => new_run_id()?,
        },
        python_version: config.python.to_string(),
        python_tag,
        platform_tag: config.platform.tag.clone(),
        upgrade_strategy: config.upgrade_strategy.as_str(),
        plan: Vec::new(),
        reuse: lists.reuse,
        fetch: lists.fetch,
        to_build: lists.to_build,
        dependency_expansions: lists.dependency_expansions,
        missing_requirements: outcome.missing,
        skipped: lists.skipped,
        build_order: outcome.build_order,
        unbuildable: outcome.unbuildable,
        warnings,
        resolver: ResolverInfo::current(),
    })
}

/// Completes `plan` (its nodes, the file at `plan_path`) and returns
/// `finish` of it, while another thread frees `scan` and then the plan,
/// if `finish` hands it over; returns once both are done.
fn finish_call<T>(
    config: &Config,
    stop: Stop,
    scan: scan::Scan,
    mut plan: Plan,
    finish: impl FnOnce(Plan, PlanDisposal) -> T,
) -> Result<T> {
    let (disposal, disposed) = PlanDisposal::new();
    let ((), result) = pool::join(
        move || {
            drop(scan);
            // And the plan, once `finish` is done with it (if it hands it
            // over: `recv` fails once `disposal` is dropped).
            drop(disposed.recv());
        },
        move || {
            plan.rebuild_nodes();
            // The last point where a stop is honoured: nothing is written
            // before it.
            stop.check("the end of the call")?;
            if let Some(path) = &config.plan_path {
                output::write_atomic(path, &plan_to_json(&plan)?)?;
            }
            Ok(finish(plan, disposal))
        },
    );
    result
}

/// Hands a plan `finish` is done with to the thread that frees the scan,
/// so that the result need not wait for the plan to be freed (the call
/// still does).
struct PlanDisposal(std::sync::mpsc::Sender<Plan>);

impl PlanDisposal {
    fn new() -> (Self, std::sync::mpsc::Receiver<Plan>) {
        let (send, receive) = std::sync::mpsc::channel();
        (Self(send), receive)
    }

    /// Frees `plan` there (here, should that thread be gone).
    fn dispose(self, plan: Plan) {
        drop(self.0.send(plan));
    }
}

/// Serialises a plan as pretty JSON with a trailing newline.
pub fn plan_to_json(plan: &Plan) -> Result<Vec<u8>> {
    let mut bytes = serde_json::to_vec_pretty(plan)
        .map_err(|e| ResolverError::Internal(format!("serialising the plan: {e}")))?;
    bytes.push(b'\n');
    Ok(bytes)
}

/// Computes a plan and returns its JSON, or the error envelope's JSON.
pub fn compute_plan_json(config_json: &str) -> String {
    result_json(plan_from_json(config_json, None, plan_json))
}

/// [`compute_plan_json`] that `cancel` can stop (see
/// [`compute_plan_cancellable`]).
pub fn compute_plan_json_cancellable(config_json: &str, cancel: &CancelToken) -> String {
    result_json(plan_from_json(config_json, Some(cancel), plan_json))
}

/// The plan's compact JSON (the C ABI's result), or the error envelope
/// should it not serialise.
fn plan_json(plan: Plan, disposal: PlanDisposal) -> String {
    let json = serde_json::to_string(&plan).unwrap_or_else(|e| {
        ResolverError::Internal(e.to_string())
            .to_envelope()
            .to_string()
    });
    disposal.dispose(plan);
    json
}

/// A plan's JSON, or the error envelope's.
fn result_json(result: Result<String>) -> String {
    result.unwrap_or_else(|e| e.to_envelope().to_string())
}

/// 32 random hex digits.
fn new_run_id() -> Result<String> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes)
        .map_err(|e| ResolverError::Internal(format!("no randomness for the run id: {e}")))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}
