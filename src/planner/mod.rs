//! The planner: from scanned wheels to the plan's jobs (contract §4).
//!
//! A call runs these stages over one [`State`], whose jobs live in one arena
//! ([`job::Jobs`]):
//! - [`decide`]: one reuse-or-rebuild decision per input release (4.2), and
//!   the inputs' Requires-Python (4.2a);
//! - [`requirements`]: each Requires-Dist of the inputs (4.3);
//! - [`expansion`]: bounded dependency expansion, level by level, of what is
//!   missing and of every release taken from an index (4.4);
//! - [`fetch`]: releases an index has a wheel of for the target (4.7).
//!
//! [`select::Chooser`] is the one candidate chooser all of them use.

pub mod build_graph;
pub mod decide;
pub mod expansion;
pub mod fetch;
pub mod job;
pub mod known;
pub mod requirements;
pub mod select;

use std::borrow::Cow;
use std::collections::BTreeSet;

use pep508_rs::{PackageName, Requirement};
use rustc_hash::FxHashSet as HashSet;

use crate::config::Config;
use crate::error::Result;
use crate::index::PackageIndex;
use crate::plan::{BuildReason, Incompatible};
use crate::pool;
use crate::scan::Scan;
use crate::target::{parse_requires_python, Target};
use crate::wheel::RequiresDist;
use decide::Decision;
use job::{Action, Job, Jobs, Skip};

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

/// A requirement borrowed from the scan or the requirements file, or shared
/// (read from an index during expansion). Two words, where a
/// `Cow<RequiresDist>` would carry a whole `RequiresDist` inline: the
/// planner holds one per requirement of every input.
#[derive(Debug, Clone)]
pub enum ReqRef<'a> {
    /// Borrowed from the inputs.
    Borrowed(&'a RequiresDist),
    /// Read from an index.
    Shared(std::sync::Arc<RequiresDist>),
}

impl std::ops::Deref for ReqRef<'_> {
    type Target = RequiresDist;

    fn deref(&self) -> &RequiresDist {
        match self {
            Self::Borrowed(r) => r,
            Self::Shared(r) => r,
        }
    }
}

/// Everything the planner reads.
pub struct PlanInputs<'a> {
    /// The validated config.
    pub config: &'a Config,
    /// The target (tags, markers, Python version).
    pub target: &'a Target,
    /// The scan of `input_dir`: the input wheels in scan order, and
    /// where they are.
    pub scan: &'a Scan,
    /// Configured indexes, or `None` (offline).
    pub index: Option<&'a dyn PackageIndex>,
    /// Requirements from a requirements file, planned after the wheels'.
    pub extra_requirements: &'a [RequiresDist],
    /// Constraints every chosen version must satisfy.
    pub constraints: &'a [Requirement],
}

/// What the planner decided.
#[derive(Debug, Default)]
pub struct PlanOutcome<'a> {
    /// Every release of the plan, in contract order.
    pub jobs: Jobs<'a>,
    /// Requirements as written that the plan does not satisfy.
    pub missing: Vec<String>,
    /// Non-fatal observations.
    pub warnings: Vec<String>,
    /// The build order, with `build_graph` (contract §4.11).
    pub build_order: Option<Vec<Vec<String>>>,
    /// The build jobs that cannot be carried out, with `build_graph`.
    pub unbuildable: Option<Vec<crate::plan::Unbuildable>>,
}

/// The planner's working state.
pub(crate) struct State<'a> {
    pub inputs: &'a PlanInputs<'a>,
    /// Concrete versions reused or planned, per project.
    pub known: known::KnownVersions,
    /// Projects with a dependency build or an expansion (any version,
    /// `latest` included). With the projects in `known` (which has every
    /// input release but those skipped for their Requires-Python), these
    /// are the projects the plan already has a job for.
    pub planned: HashSet<PackageName>,
    /// The jobs.
    pub jobs: Jobs<'a>,
    /// Requirements not (yet) satisfied, in order.
    pub missing: Vec<SourcedRequirement<'a>>,
    /// Non-fatal observations, in order.
    pub warnings: Vec<String>,
    /// Markers and Requires-Python that an unknown patch level could
    /// decide differently (each once).
    patch_notes: BTreeSet<String>,
}

impl<'a> State<'a> {
    fn new(inputs: &'a PlanInputs<'a>) -> Self {
        Self {
            inputs,
            known: known::KnownVersions::default(),
            planned: HashSet::default(),
            jobs: Jobs::default(),
            missing: Vec::new(),
            warnings: Vec::new(),
            patch_notes: BTreeSet::new(),
        }
    }

    /// The candidate chooser, when an index is configured.
    pub fn chooser(&self) -> Option<select::Chooser<'a>> {
        Some(select::Chooser {
            target: self.inputs.target,
            index: self.inputs.index?,
            constraints: self.inputs.constraints,
        })
    }

    /// Does the target environment (no extras) select `req`? With a
    /// `MAJOR.MINOR` target, a marker that a later patch level would decide
    /// differently is noted for a warning.
    pub fn applies(&mut self, req: &RequiresDist) -> bool {
        let (applies, note) = applies_noting(self.inputs.target, req);
        self.patch_notes.extend(note);
        applies
    }

    /// True when every constraint on `name` accepts `version`.
    pub fn constraints_allow(&self, name: &PackageName, version: &pep440_rs::Version) -> bool {
        self.inputs
            .constraints
            .iter()
            .filter(|c| &c.name == name)
            .all(|c| select::satisfies(c, version))
    }
}

/// Runs the whole of contract §4 (offline, or against `inputs.index`).
pub fn plan<'a>(inputs: &'a PlanInputs<'a>) -> Result<PlanOutcome<'a>> {
    let mut state = State::new(inputs);
    let releases = decide::decide(&inputs.scan.wheels, inputs.target);
    let excluded = excluded_releases(&releases);

    // 4.3: the inputs' requirements (markers applied), then a requirements
    // file's. (The scan already dropped the wheels' requirements whose
    // marker is false for the target, except those a patch level could
    // decide; see `lib.rs`.) The inputs' are collected on a worker while
    // the input releases' jobs are made.
    let ((mut reqs, notes), ()) = pool::join(
        || {
            input_requirements(
                inputs.scan,
                inputs.target,
                &excluded,
                inputs.extra_requirements.len(),
            )
        },
        || decide_inputs(&mut state, releases),
    );
    state.patch_notes.extend(notes);
    for r in inputs.extra_requirements {
        if state.applies(r) {
            reqs.push(SourcedRequirement {
                req: ReqRef::Borrowed(r),
                parent: None,
            });
        }
    }
    requirements::resolve(&mut state, reqs)?;

    // 4.4: bounded expansion of what is missing and of what was chosen.
    expansion::expand(&mut state)?;

    // 4.7: fetch what an index has for the target instead of building it.
    fetch::fetch_compatible(&mut state)?;

    let mut warnings = state.warnings;
    warnings.extend(state.patch_notes);
    Ok(PlanOutcome {
        jobs: state.jobs,
        missing: state
            .missing
            .iter()
            .map(|m| m.req.text.to_string())
            .collect(),
        warnings,
        build_order: None,
        unbuildable: None,
    })
}

/// 4.2 and 4.2a: one job per input release.
fn decide_inputs<'a>(state: &mut State<'a>, releases: Vec<decide::Release<'a>>) {
    let inputs = state.inputs;
    let target = inputs.target;
    // One job and one known version per release, at most.
    state.jobs.reserve(releases.len());
    state.known.reserve(releases.len());
    for release in releases {
        for (file, text) in &release.unreadable_requires_python {
            state.warnings.push(format!(
                "{file}: Requires-Python `{text}` is not a PEP 440 specifier set; ignored"
            ));
        }
        for text in &release.requires_python {
            if parse_requires_python(text)
                .is_some_and(|spec| target.requires_python_depends_on_patch(&spec))
            {
                state.patch_notes.insert(format!(
                    "{} {}: Requires-Python `{text}` decides differently for a later patch level of {}; give target_python as X.Y.Z",
                    release.name, release.version, target.python
                ));
            }
        }
        let (name, version) = (release.name, release.version);
        let mut job = Job::build(
            name.clone(),
            Some(version.clone()),
            BuildReason::IncompatibleWheel,
            0,
            Vec::new(),
        );
        match release.decision {
            Decision::Reuse(wheel) => {
                job.reason = None;
                job.action = Action::Reuse {
                    path: inputs
                        .scan
                        .path(wheel)
                        .into_os_string()
                        .into_string()
                        .unwrap_or_else(|p| p.to_string_lossy().into_owned()),
                    file: wheel.file_name().to_owned(),
                };
            }
            Decision::Rebuild(why) => {
                job.incompatible = Some(Incompatible {
                    kind: why.as_str(),
                    files: release
                        .files
                        .iter()
                        .map(|w| w.file_name().to_owned())
                        .collect(),
                });
            }
            Decision::RequiresPython { spec, reusable } => {
                state.warnings.push(format!(
                    "{} {}: every wheel requires Python `{spec}`, which excludes {}; neither reused nor built",
                    release.name, release.version, target.python
                ));
                if reusable {
                    job.reason = None;
                }
                job.action = Action::Skip(Skip {
                    status: "requires_python".to_owned(),
                    timestamp: None,
                    detail: Some(spec),
                    source: "input",
                });
                state.jobs.push(job);
                continue;
            }
        }
        state.known.insert(name, version.clone(), None);
        state.jobs.push(job);
    }
}

/// The input releases skipped for their Requires-Python (4.2a), whose
/// requirements are not planned.
fn excluded_releases<'a>(releases: &[decide::Release<'a>]) -> Excluded<'a> {
    releases
        .iter()
        .filter(|r| matches!(r.decision, Decision::RequiresPython { .. }))
        .map(|r| (r.name, r.version))
        .collect()
}

/// Releases by name and version.
type Excluded<'a> = HashSet<(&'a PackageName, &'a pep440_rs::Version)>;

/// The input wheels' requirements to plan, in scan order, with room for
/// `more`: those of the releases not `excluded` that apply to the target
/// (the scan kept only those, and those a patch level could decide, which
/// are looked at again here); and the notes on the latter for the plan's
/// warnings.
fn input_requirements<'a>(
    scan: &'a Scan,
    target: &Target,
    excluded: &Excluded<'a>,
    more: usize,
) -> (Vec<SourcedRequirement<'a>>, Vec<String>) {
    let kept: usize = scan.wheels.iter().map(|w| w.requires_dist.len()).sum();
    let mut reqs = Vec::with_capacity(kept + more);
    let mut notes = Vec::new();
    for wheel in &scan.wheels {
        let parent = &wheel.filename.name;
        if !excluded.is_empty() && excluded.contains(&(parent, &wheel.filename.version)) {
            continue;
        }
        for r in &wheel.requires_dist {
            if target.may_depend_on_patch(&r.requirement) {
                let (applies, note) = applies_noting(target, r);
                notes.extend(note);
                if !applies {
                    continue;
                }
            }
            reqs.push(SourcedRequirement {
                req: ReqRef::Borrowed(r),
                parent: Some(Cow::Borrowed(parent)),
            });
        }
    }
    (reqs, notes)
}

/// Does the target environment (no extras) select `req`; and, with a
/// `MAJOR.MINOR` target, the warning when a later patch level would decide
/// it differently (for [`State::applies`] and the inputs' requirements).
fn applies_noting(target: &Target, req: &RequiresDist) -> (bool, Option<String>) {
    let applies = target.applies(&req.requirement);
    let note = target
        .marker_depends_on_patch(&req.requirement, &req.text)
        .then(|| {
            format!(
                "`{}`: its marker is {} for Python {} (taken as {}) but differs for a later patch level; give target_python as X.Y.Z",
                req.text,
                if applies { "true" } else { "false" },
                target.python,
                target.python.full_version()
            )
        });
    (applies, note)
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
