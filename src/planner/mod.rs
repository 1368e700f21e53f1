//! The planner: from scanned wheels to build jobs (contract section 4).
//!
//! - [`decide`]: one reuse-or-rebuild decision per input release (4.2);
//! - [`requirements`]: each Requires-Dist of the inputs (4.3);
//! - [`expansion`]: bounded dependency expansion (4.4).

pub mod decide;
pub mod expansion;
pub mod known;
pub mod requirements;
pub mod select;

use std::borrow::Cow;
use std::collections::BTreeSet;

use pep440_rs::Version;
use pep508_rs::{MarkerEnvironment, PackageName, Requirement};
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use crate::config::Config;
use crate::error::Result;
use crate::index::PackageIndex;
use crate::plan::{BuildJob, BuildReason, Incompatible, ReuseEntry};
use crate::scan::ScannedWheel;
use crate::tags::SupportedTags;
use crate::wheel::RequiresDist;

/// A requirement together with where it came from. Borrowed from the scan
/// (or the requirements file) where it can be: planning clones no
/// requirement of the inputs.
#[derive(Debug, Clone)]
pub struct SourcedRequirement<'a> {
    /// The requirement.
    pub req: ReqRef<'a>,
    /// The normalised name of the project that requires it (`None` for a
    /// requirements file).
    pub parent: Option<Cow<'a, PackageName>>,
}

/// A requirement borrowed from the scan or the requirements file, or owned
/// (read from an index during expansion). Two words, where a
/// `Cow<RequiresDist>` would carry a whole `RequiresDist` inline: the
/// planner holds one per requirement of every input.
#[derive(Debug)]
pub enum ReqRef<'a> {
    /// Borrowed from the inputs.
    Borrowed(&'a RequiresDist),
    /// Owned, boxed.
    Owned(Box<RequiresDist>),
}

impl Clone for ReqRef<'_> {
    fn clone(&self) -> Self {
        match self {
            Self::Borrowed(r) => Self::Borrowed(r),
            Self::Owned(r) => Self::Owned(r.clone()),
        }
    }
}

impl std::ops::Deref for ReqRef<'_> {
    type Target = RequiresDist;

    fn deref(&self) -> &RequiresDist {
        match self {
            Self::Borrowed(r) => r,
            Self::Owned(r) => r,
        }
    }
}

/// Everything the planner reads.
pub struct PlanInputs<'a> {
    /// The validated config.
    pub config: &'a Config,
    /// Input wheels in scan order.
    pub wheels: &'a [ScannedWheel],
    /// The target's tags.
    pub tags: &'a SupportedTags,
    /// The target's marker environment.
    pub markers: &'a MarkerEnvironment,
    /// Configured indexes, or `None` (offline).
    pub index: Option<&'a dyn PackageIndex>,
    /// Requirements from a requirements file, planned after the wheels'.
    pub extra_requirements: &'a [RequiresDist],
    /// Constraints every chosen version must satisfy.
    pub constraints: &'a [Requirement],
}

/// What the planner decided.
#[derive(Debug, Default)]
pub struct PlanOutcome {
    /// Reused releases, scan order.
    pub reuse: Vec<ReuseEntry>,
    /// Build jobs in contract order (expansions last).
    pub to_build: Vec<BuildJob>,
    /// Indexes into `to_build` of the expansion jobs.
    pub expansion_jobs: Vec<usize>,
    /// Requirements as written that the plan does not satisfy.
    pub missing: Vec<String>,
    /// Non-fatal observations.
    pub warnings: Vec<String>,
}

/// The planner's working state.
pub(crate) struct State<'a> {
    pub inputs: &'a PlanInputs<'a>,
    /// Concrete versions reused or planned, per project.
    pub known: known::KnownVersions,
    /// Projects that have an input wheel.
    pub input_projects: HashSet<PackageName>,
    /// Projects with a build job (any version, `latest` included).
    pub planned: HashSet<PackageName>,
    /// For each planned dependency job: its index in `outcome.to_build`.
    pub job_of: HashMap<PackageName, HashMap<Version, usize>>,
    /// Requirements not (yet) satisfied, in order.
    pub missing: Vec<SourcedRequirement<'a>>,
    /// Requirement texts already recorded on each dependency job (by index).
    pub job_texts: HashMap<usize, HashSet<String>>,
    pub outcome: PlanOutcome,
}

impl<'a> State<'a> {
    fn new(inputs: &'a PlanInputs<'a>) -> Self {
        Self {
            inputs,
            known: known::KnownVersions::default(),
            input_projects: HashSet::default(),
            planned: HashSet::default(),
            job_of: HashMap::default(),
            missing: Vec::new(),
            job_texts: HashMap::default(),
            outcome: PlanOutcome::default(),
        }
    }

    /// A new build job for the target.
    pub fn job(
        &self,
        name: &PackageName,
        version: Option<&Version>,
        reason: BuildReason,
        depth: u32,
        parents: Vec<String>,
    ) -> BuildJob {
        let cfg = self.inputs.config;
        let (version, source_spec) = match version {
            Some(v) => (v.to_string(), format!("{name}=={v}")),
            None => ("latest".to_owned(), name.to_string()),
        };
        BuildJob {
            name: name.to_string(),
            version,
            python_tag: cfg.python.cp_tag(),
            platform_tag: cfg.platform.tag.clone(),
            source_spec,
            reason,
            depth,
            parents,
            incompatible: None,
            requirements: Vec::new(),
            override_: None,
            hints: Vec::new(),
        }
    }

    /// True when every constraint on `name` accepts `version`.
    pub fn constraints_allow(&self, name: &PackageName, version: &Version) -> bool {
        self.inputs
            .constraints
            .iter()
            .filter(|c| &c.name == name)
            .all(|c| select::satisfies(c, version))
    }

    /// When the constraints (and not the requirements) rule out every
    /// candidate: a warning naming the requirement `what`, the candidates
    /// the requirements accept, and the constraints that exclude them.
    pub fn constraint_conflict<'v>(
        &self,
        what: &str,
        name: &PackageName,
        candidates: impl IntoIterator<Item = &'v Version>,
        accepted: impl Fn(&Version) -> bool,
    ) -> Option<String> {
        let mut wanted: Vec<&Version> = candidates.into_iter().filter(|v| accepted(v)).collect();
        if wanted.is_empty() {
            return None;
        }
        wanted.sort();
        wanted.dedup();
        let blocking: Vec<String> = self
            .inputs
            .constraints
            .iter()
            .filter(|c| &c.name == name && wanted.iter().any(|v| !select::satisfies(c, v)))
            .map(|c| format!("`{c}`"))
            .collect();
        if blocking.is_empty() {
            return None;
        }
        let shown: Vec<String> = wanted
            .iter()
            .rev()
            .take(5)
            .map(ToString::to_string)
            .collect();
        Some(format!(
            "{what}: excluded by the constraint{} {}: no candidate satisfies both (candidates: {}{})",
            if blocking.len() == 1 { "" } else { "s" },
            blocking.join(", "),
            shown.join(", "),
            if wanted.len() > 5 { ", …" } else { "" },
        ))
    }

    /// Does the target environment (no extras) select this requirement?
    pub fn applies(&self, req: &Requirement) -> bool {
        req.evaluate_markers(self.inputs.markers, &[])
    }
}

/// Runs the whole of contract section 4 (offline, or against `inputs.index`).
pub fn plan(inputs: &PlanInputs<'_>) -> Result<PlanOutcome> {
    let mut state = State::new(inputs);

    // 4.2: reuse or rebuild, one decision per release.
    let releases = decide::decide(inputs.wheels, inputs.tags);
    let mut incompatible_jobs = Vec::new();
    for release in &releases {
        state.input_projects.insert(release.name.clone());
        state.known.insert(&release.name, release.version.clone());
        match release.decision {
            Ok(wheel) => state.outcome.reuse.push(ReuseEntry {
                name: release.name.to_string(),
                version: release.version.to_string(),
                path: wheel.path.display().to_string(),
                file: wheel.file_name.clone(),
            }),
            Err(why) => {
                let mut job = state.job(
                    &release.name,
                    Some(&release.version),
                    BuildReason::IncompatibleWheel,
                    0,
                    Vec::new(),
                );
                job.incompatible = Some(Incompatible {
                    kind: why.as_str(),
                    files: release.files.iter().map(|w| w.file_name.clone()).collect(),
                });
                state.planned.insert(release.name.clone());
                incompatible_jobs.push(job);
            }
        }
    }
    state.outcome.to_build = incompatible_jobs;

    // 4.3: the inputs' requirements (markers applied), then a requirements file's.
    // (The scan already dropped the wheels' requirements whose marker is
    // false for the target; see `scan::scan_dir`.)
    let mut reqs: Vec<SourcedRequirement<'_>> = Vec::new();
    for wheel in inputs.wheels {
        let parent = &wheel.filename.name;
        reqs.extend(wheel.requires_dist.iter().map(|r| SourcedRequirement {
            req: ReqRef::Borrowed(r),
            parent: Some(Cow::Borrowed(parent)),
        }));
    }
    reqs.extend(
        inputs
            .extra_requirements
            .iter()
            .filter(|r| state.applies(&r.requirement))
            .map(|r| SourcedRequirement {
                req: ReqRef::Borrowed(r),
                parent: None,
            }),
    );
    requirements::resolve(&mut state, reqs)?;

    // 4.4: bounded expansion of what is still missing.
    expansion::expand(&mut state)?;

    let mut outcome = state.outcome;
    outcome.missing = state.missing.iter().map(|m| m.req.text.clone()).collect();
    Ok(outcome)
}

/// `a, b, c`, or the first 20 and `and N more`, for warnings.
pub(crate) fn name_list(names: &[String]) -> String {
    const SHOWN: usize = 20;
    if names.len() <= SHOWN {
        return names.join(", ");
    }
    format!(
        "{}, and {} more",
        names[..SHOWN].join(", "),
        names.len() - SHOWN
    )
}

/// Sorted, de-duplicated names.
pub(crate) fn sorted_names<'n>(names: impl IntoIterator<Item = &'n PackageName>) -> Vec<String> {
    names
        .into_iter()
        .map(ToString::to_string)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect()
}
