//! The build graph (contract §4.8–4.11): from what each build is made ([`source`]),
//! with what ([`environment`]) and in what order ([`order`]). Runs after
//! the rest of planning (overrides and known failures applied), only with
//! `build_graph`.
//!
//! Every build job is taken in `to_build` order from a queue (one with no
//! concrete version has no source): its source is found and read, each build requirement is
//! resolved to a release (which may add a fetch or a build, the latter
//! queued in turn), and the runtime closure of those releases is its build
//! environment. Releases added for build environments are then sorted by
//! normalised name and version after the runtime entries.

mod assemble;
mod environment;
mod order;
mod source;

use std::collections::{BTreeSet, VecDeque};

use pep508_rs::ExtraName;
use rustc_hash::FxHashMap as HashMap;

use super::job::{JobId, Jobs};
use super::select::Chooser;
use super::{name_list, PlanInputs, PlanOutcome};
use crate::error::Result;
use crate::index::{PackageIndex, SdistFile};
use crate::plan::BuildSource;
use environment::Resolved;

/// One build's environment as planned.
#[derive(Debug, Default)]
struct Env {
    build: BuildSource,
    /// Every release it installs.
    deps: BTreeSet<JobId>,
    /// Why it cannot be built, known from it alone.
    reason: Option<String>,
}

/// The build graph's working state.
struct Graph<'g, 'a> {
    inputs: &'g PlanInputs<'a>,
    index: &'g dyn PackageIndex,
    chooser: Chooser<'g>,
    jobs: &'g mut Jobs<'a>,
    warnings: Vec<String>,
    /// Builds still to plan.
    queue: VecDeque<JobId>,
    /// Releases added for build environments.
    added: u32,
    /// Projects `build_graph_max_jobs` left out.
    bounded: BTreeSet<String>,
    /// Resolved runtime requirements per release and extras.
    runtime: HashMap<(JobId, Vec<ExtraName>), Vec<Resolved>>,
    envs: HashMap<JobId, Env>,
    /// The sources of the queued builds, found and read ahead (taken out
    /// when the build is planned).
    sources: HashMap<JobId, Option<SdistFile>>,
}

/// Plans sources, build environments and the build order into `outcome`.
pub(crate) fn plan<'a>(inputs: &PlanInputs<'a>, outcome: &mut PlanOutcome<'a>) -> Result<()> {
    let Some(index) = inputs.index else {
        return Ok(());
    };
    let first_added = outcome.jobs.len();
    let queue = outcome
        .jobs
        .iter()
        .filter(|(_, j)| j.is_build())
        .map(|(id, _)| id)
        .collect();
    let mut graph = Graph {
        inputs,
        index,
        chooser: Chooser {
            target: inputs.target,
            index,
            constraints: inputs.constraints,
        },
        jobs: &mut outcome.jobs,
        warnings: Vec::new(),
        queue,
        added: 0,
        bounded: BTreeSet::new(),
        runtime: HashMap::default(),
        envs: HashMap::default(),
        sources: HashMap::default(),
    };
    while let Some(id) = graph.queue.pop_front() {
        if !graph.sources.contains_key(&id) {
            graph.read_ahead_from(id)?;
        }
        let env = graph.environment(id)?;
        graph.envs.insert(id, env);
    }
    if !graph.bounded.is_empty() {
        let names: Vec<String> = graph.bounded.iter().cloned().collect();
        graph.warnings.push(format!(
            "build environments stopped at build_graph_max_jobs = {}: not planned: {}",
            inputs.config.build_graph_max_jobs,
            name_list(&names)
        ));
    }
    let (order, unbuildable) = graph.finish(first_added);
    outcome.warnings.append(&mut graph.warnings);
    outcome.jobs.sort_tail(first_added);
    outcome.build_order = Some(order);
    outcome.unbuildable = Some(unbuildable);
    Ok(())
}

impl Graph<'_, '_> {
    /// The source, build requirements and environment of build `id`.
    fn environment(&mut self, id: JobId) -> Result<Env> {
        let mut env = Env::default();
        let sdist = match self.sources.remove(&id) {
            Some(found) => found,
            None => source::find(self.index, self.jobs.get(id))?,
        };
        let Some(sdist) = sdist else {
            env.reason = Some("no source".to_owned());
            return Ok(env);
        };
        env.build.source = Some(source::to_plan(&sdist));
        let system = match self.index.build_system(&sdist)? {
            Ok(system) => system,
            Err(why) => {
                let job = self.jobs.get(id);
                self.warnings.push(format!(
                    "{} {}: the build requirements of {} are unknown (build_requires is null): {why}",
                    job.name,
                    job.version_text(),
                    sdist.file
                ));
                return Ok(env);
            }
        };
        let mut invalid = Vec::new();
        let requires = source::applying(self.inputs.target, &system.requires, &mut invalid);
        env.build.build_backend = Some(system.backend);
        env.build.build_requires = Some(requires.iter().map(|(t, _)| t.clone()).collect());
        let mut missing: Vec<String> = invalid;
        let mut todo: Vec<(JobId, Vec<ExtraName>)> = Vec::new();
        for (text, req) in &requires {
            match self.resolve(req, text)? {
                Resolved::Release(dep, extras) => todo.push((dep, extras)),
                Resolved::Missing(text) => missing.push(text),
                Resolved::Bounded => {}
            }
        }
        self.closure(todo, &mut env.deps, &mut missing)?;
        if let Some(first) = missing.first() {
            env.reason = Some(format!("build requirement missing: {first}"));
        }
        Ok(env)
    }

    /// Reads the sources of `id` and of every build queued after it
    /// concurrently (the cold graph costs about the longest read, not their
    /// sum); each is then planned from memory in queue order, so the plan
    /// does not depend on which read finishes first.
    fn read_ahead_from(&mut self, id: JobId) -> Result<()> {
        let mut sdists = Vec::new();
        for next in std::iter::once(id).chain(self.queue.iter().copied()) {
            if self.sources.contains_key(&next) {
                continue;
            }
            let found = source::find(self.index, self.jobs.get(next))?;
            sdists.extend(found.clone());
            self.sources.insert(next, found);
        }
        self.index.prefetch_build_systems(&sdists)
    }

    /// Adds to `deps` the releases of `todo` and their runtime closure;
    /// requirements nothing satisfies go to `missing`.
    fn closure(
        &mut self,
        mut todo: Vec<(JobId, Vec<ExtraName>)>,
        deps: &mut BTreeSet<JobId>,
        missing: &mut Vec<String>,
    ) -> Result<()> {
        let mut seen: BTreeSet<(JobId, Vec<ExtraName>)> = BTreeSet::new();
        while let Some((id, extras)) = todo.pop() {
            if !seen.insert((id, extras.clone())) {
                continue;
            }
            deps.insert(id);
            for next in self.runtime_of(id, &extras)? {
                match next {
                    Resolved::Release(dep, extras) => todo.push((dep, extras)),
                    Resolved::Missing(text) => missing.push(text),
                    Resolved::Bounded => {}
                }
            }
        }
        Ok(())
    }

    /// `name==version` of a job.
    fn label(&self, id: JobId) -> String {
        let job = self.jobs.get(id);
        format!("{}=={}", job.name, job.version_text())
    }
}
