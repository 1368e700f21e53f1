//! The jobs of a plan, in one arena addressed by [`JobId`].
//!
//! Every release the plan mentions is one [`Job`]: reused, fetched, built or
//! skipped is the job's [`Action`], not a list it sits in. The arena keeps
//! the contract's order (inputs in scan order, then dependency builds in
//! requirement order, then expansions level by level); the plan's lists are
//! produced from it only when the plan is written ([`Jobs::lists`]).

use std::cmp::Ordering;

use pep440_rs::Version;
use pep508_rs::PackageName;

use super::ReqRef;
use crate::config::Override;
use crate::index::CompatibleWheel;
use crate::plan::{
    BuildJob, BuildReason, BuildSource, FetchEntry, Incompatible, ReuseEntry, SkippedJob,
};

/// A job's position in the arena.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct JobId(u32);

impl JobId {
    /// Job `i` (for tests elsewhere in the crate).
    #[cfg(test)]
    pub(crate) fn for_test(i: usize) -> Self {
        Self(i as u32)
    }

    /// Its index in the arena.
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// Why a job is left out of the plan's builds.
#[derive(Debug, Clone, PartialEq)]
pub struct Skip {
    /// `requires_python`, or the status of the most recent known failure.
    pub status: String,
    /// The deciding event's timestamp, as recorded.
    pub timestamp: Option<serde_json::Value>,
    /// The specifier, or the event's detail.
    pub detail: Option<String>,
    /// `input`, `known_failures` or `history_db`.
    pub source: &'static str,
}

/// What happens to a job's release.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// An input wheel is reused (its path and file name).
    Reuse { path: String, file: String },
    /// Built from source.
    Build,
    /// Fetched from an index instead of built (contract §4.7).
    Fetch(CompatibleWheel),
    /// Left out (known failure, or Requires-Python excludes the target).
    Skip(Skip),
    /// Merged into another job of the same release (an override made two
    /// jobs one); not in the plan.
    Merged(JobId),
}

/// One release of the plan.
#[derive(Debug, Clone)]
pub struct Job<'a> {
    /// Normalised project name.
    pub name: PackageName,
    /// The version; `None` is an offline expansion's `latest`.
    pub version: Option<Version>,
    /// Why it would be built (`None` for a reusable input release).
    pub reason: Option<BuildReason>,
    /// The legacy `depth` field: 0, or an expansion's depth.
    pub depth: u32,
    /// Requirement steps from the inputs: 0 for an input release, 1 for
    /// what an input requires, and so on (contract §4.4).
    pub step: u32,
    /// Planned by dependency expansion (listed in `dependency_expansions`).
    pub expansion: bool,
    /// Sorted normalised names of the projects whose requirements led here.
    pub parents: Vec<String>,
    /// The requirements this job satisfies, as written, each once.
    pub requirements: Vec<ReqRef<'a>>,
    /// For an incompatible input: why no input file is reusable.
    pub incompatible: Option<Incompatible>,
    /// Override settings (contract §4.5), on build jobs.
    pub override_: Option<Override>,
    /// Hints from known failures (contract §4.6).
    pub hints: Vec<serde_json::Value>,
    /// Source and build environment, on build jobs with `build_graph`.
    pub build: Option<Box<BuildSource>>,
    /// What happens to it.
    pub action: Action,
}

impl<'a> Job<'a> {
    /// A build job of `name` (`version` `None`: `latest`).
    pub fn build(
        name: PackageName,
        version: Option<Version>,
        reason: BuildReason,
        step: u32,
        parents: Vec<String>,
    ) -> Self {
        Self {
            name,
            version,
            reason: Some(reason),
            depth: 0,
            step,
            expansion: false,
            parents,
            requirements: Vec::new(),
            incompatible: None,
            override_: None,
            hints: Vec::new(),
            build: None,
            action: Action::Build,
        }
    }

    /// Is it (still) to be built?
    pub fn is_build(&self) -> bool {
        matches!(self.action, Action::Build)
    }

    /// Adds `parent` to the sorted parents, once. Requirements come in scan
    /// order, so `parent` is nearly always the last one or after it: that
    /// is tried first (a project that thousands of wheels require would
    /// otherwise cost a binary search of its parents for each of them).
    pub fn add_parent(&mut self, parent: &str) {
        let at = match self.parents.last().map(|last| last.as_str().cmp(parent)) {
            None | Some(Ordering::Less) => self.parents.len(),
            Some(Ordering::Equal) => return,
            Some(Ordering::Greater) => {
                match self.parents.binary_search_by(|p| p.as_str().cmp(parent)) {
                    Ok(_) => return,
                    Err(at) => at,
                }
            }
        };
        self.parents.insert(at, parent.to_owned());
    }

    /// Records a requirement this job satisfies, once per text.
    pub fn add_requirement(&mut self, req: ReqRef<'a>) {
        if !self.requirements.iter().any(|r| r.text == req.text) {
            self.requirements.push(req);
        }
    }

    /// `latest` or the version.
    pub fn version_text(&self) -> String {
        self.version
            .as_ref()
            .map_or_else(|| "latest".to_owned(), ToString::to_string)
    }
}

/// The arena.
#[derive(Debug, Default)]
pub struct Jobs<'a> {
    jobs: Vec<Job<'a>>,
}

impl<'a> Jobs<'a> {
    /// Makes room for `n` more jobs.
    pub fn reserve(&mut self, n: usize) {
        self.jobs.reserve(n);
    }

    /// Adds a job at the end.
    pub fn push(&mut self, job: Job<'a>) -> JobId {
        let id = JobId(u32::try_from(self.jobs.len()).unwrap_or(u32::MAX));
        self.jobs.push(job);
        id
    }

    /// How many jobs there are.
    pub fn len(&self) -> usize {
        self.jobs.len()
    }

    /// True when there are none.
    #[cfg(any(test, feature = "internals"))]
    pub fn is_empty(&self) -> bool {
        self.jobs.is_empty()
    }

    /// Sorts the jobs from position `from` on by normalised name, then
    /// version (no [`JobId`] may refer to them afterwards).
    pub fn sort_tail(&mut self, from: usize) {
        if let Some(tail) = self.jobs.get_mut(from..) {
            tail.sort_by(|a, b| a.name.cmp(&b.name).then_with(|| a.version.cmp(&b.version)));
        }
    }

    /// The job `id`.
    pub fn get(&self, id: JobId) -> &Job<'a> {
        &self.jobs[id.index()]
    }

    /// The job `id`, mutably.
    pub fn get_mut(&mut self, id: JobId) -> &mut Job<'a> {
        &mut self.jobs[id.index()]
    }

    /// Every job with its id, in order.
    pub fn iter(&self) -> impl Iterator<Item = (JobId, &Job<'a>)> {
        self.jobs
            .iter()
            .enumerate()
            .map(|(i, j)| (JobId(i as u32), j))
    }

    /// Every job, mutably, in order.
    pub fn iter_mut(&mut self) -> impl Iterator<Item = &mut Job<'a>> {
        self.jobs.iter_mut()
    }

    /// The plan's lists, in arena order (what the jobs own is moved there).
    pub fn into_lists(self, python_tag: &str, platform_tag: &str) -> PlanLists {
        let mut out = PlanLists::default();
        for job in self.jobs {
            let version = job.version_text();
            match job.action {
                Action::Reuse { path, file } => out.reuse.push(ReuseEntry {
                    name: job.name.as_ref().to_owned(),
                    version,
                    path,
                    file,
                }),
                Action::Build => {
                    let expansion = job.expansion;
                    let build = into_build_job(job, version, python_tag, platform_tag);
                    if expansion {
                        out.dependency_expansions.push(build.clone());
                    }
                    out.to_build.push(build);
                }
                Action::Fetch(w) => out.fetch.push(FetchEntry {
                    name: job.name.as_ref().to_owned(),
                    version,
                    file: w.file,
                    url: w.url,
                    sha256: w.sha256,
                    index: w.index,
                    reason: job.reason.unwrap_or(BuildReason::IncompatibleWheel),
                    depth: job.depth,
                    parents: job.parents,
                }),
                Action::Skip(skip) => out.skipped.push(SkippedJob {
                    name: job.name.as_ref().to_owned(),
                    version,
                    status: skip.status,
                    timestamp: skip.timestamp,
                    detail: skip.detail,
                    reason: job.reason,
                    source: skip.source,
                    hints: job.hints,
                }),
                Action::Merged(_) => {}
            }
        }
        out
    }
}

/// The lists of `plan.json` that come from the jobs.
#[derive(Debug, Default)]
pub struct PlanLists {
    /// Reused releases.
    pub reuse: Vec<ReuseEntry>,
    /// Releases fetched from an index.
    pub fetch: Vec<FetchEntry>,
    /// Build jobs.
    pub to_build: Vec<BuildJob>,
    /// The expansion build jobs (also in `to_build`).
    pub dependency_expansions: Vec<BuildJob>,
    /// Skipped jobs.
    pub skipped: Vec<SkippedJob>,
}

fn into_build_job(job: Job<'_>, version: String, python_tag: &str, platform_tag: &str) -> BuildJob {
    let name = job.name.as_ref().to_owned();
    let source_spec = match &job.version {
        Some(_) => format!("{name}=={version}"),
        None => name.clone(),
    };
    BuildJob {
        name,
        version,
        python_tag: python_tag.to_owned(),
        platform_tag: platform_tag.to_owned(),
        source_spec,
        reason: job.reason.unwrap_or(BuildReason::IncompatibleWheel),
        depth: job.depth,
        parents: job.parents,
        incompatible: job.incompatible,
        requirements: job
            .requirements
            .iter()
            .map(|r| r.text.to_string())
            .collect(),
        override_: job.override_,
        hints: job.hints,
        build: job.build,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// Whatever the order they come in, the parents are sorted and
        /// each is there once.
        #[test]
        fn parents_are_sorted_and_distinct(names in proptest::collection::vec("[a-d]{0,2}", 0..24)) {
            let name: PackageName = "dep".parse().unwrap();
            let mut job = Job::build(name, None, BuildReason::MissingDependency, 1, Vec::new());
            for n in &names {
                job.add_parent(n);
            }
            let mut expected = names.clone();
            expected.sort();
            expected.dedup();
            proptest::prop_assert_eq!(&job.parents, &expected);
        }
    }
}
