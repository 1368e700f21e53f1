//! Contract-3 4.10: the release each requirement of a build environment is
//! satisfied by (one already in the plan, else the index's choice, fetched
//! or built), and the runtime requirements of every release in one.

use pep440_rs::Version;
use pep508_rs::{ExtraName, PackageName, Requirement};

use super::Graph;
use crate::error::Result;
use crate::index::CompatibleWheel;
use crate::plan::BuildReason;
use crate::planner::fetch::admits_wheel;
use crate::planner::job::{Action, Job, JobId};
use crate::planner::select::{satisfies, Choice};
use crate::requirement::Req;

/// What satisfies a requirement of a build environment.
#[derive(Debug, Clone)]
pub(super) enum Resolved {
    /// This release, with the extras asked for.
    Release(JobId, Vec<ExtraName>),
    /// Nothing (the requirement as written).
    Missing(String),
    /// Left out by `build_graph_max_jobs`.
    Bounded,
}

/// Is the job's release in the plan (reused, fetched or built)?
fn in_plan(job: &Job<'_>) -> bool {
    matches!(
        job.action,
        Action::Reuse { .. } | Action::Fetch(_) | Action::Build
    )
}

impl Graph<'_, '_> {
    /// The release satisfying `req`: the newest in the plan, else the one
    /// the chooser takes from the index (added, and queued when built).
    pub(super) fn resolve(&mut self, req: &Requirement, text: &str) -> Result<Resolved> {
        let mut extras = req.extras.clone();
        extras.sort();
        let best = self
            .jobs
            .iter()
            .filter(|(_, j)| j.name == req.name && in_plan(j))
            .filter_map(|(id, j)| Some((id, j.version.as_ref()?)))
            .filter(|(_, v)| satisfies(req, v))
            .max_by(|a, b| a.1.cmp(b.1));
        if let Some((id, _)) = best {
            return Ok(Resolved::Release(id, extras));
        }
        if self.added >= self.inputs.config.build_graph_max_jobs {
            self.bounded.insert(req.name.to_string());
            return Ok(Resolved::Bounded);
        }
        let wanted = Req::from_requirement(req.clone(), text);
        let version = match self
            .chooser
            .choose(&req.name, &[&wanted], &mut self.warnings)?
        {
            Choice::Chosen(v) => v,
            Choice::Nothing(why) => {
                self.warnings
                    .push(format!("`{text}` (a build requirement): {why}"));
                return Ok(Resolved::Missing(text.to_owned()));
            }
        };
        // One decision per release: one left out of the plan stays out.
        let same = self
            .jobs
            .iter()
            .find(|(_, j)| j.name == req.name && j.version.as_ref() == Some(&version))
            .map(|(id, j)| (id, in_plan(j)));
        match same {
            Some((id, true)) => return Ok(Resolved::Release(id, extras)),
            Some((_, false)) => return Ok(Resolved::Missing(text.to_owned())),
            None => {}
        }
        let id = self.add(&req.name, version)?;
        Ok(Resolved::Release(id, extras))
    }

    /// Adds `name==version` for build environments: fetched when the index
    /// has a wheel of it the target installs, else built (and queued).
    fn add(&mut self, name: &PackageName, version: Version) -> Result<JobId> {
        let wheel = self.installable_wheel(name, &version)?;
        let mut job = Job::build(
            name.clone(),
            Some(version),
            BuildReason::BuildRequirement,
            0,
            Vec::new(),
        );
        let built = wheel.is_none();
        if let Some(wheel) = wheel {
            job.action = Action::Fetch(wheel);
        }
        let id = self.jobs.push(job);
        self.added += 1;
        if built {
            self.queue.push_back(id);
        }
        Ok(id)
    }

    /// A non-yanked wheel of `name==version` the target installs (tags, and
    /// Requires-Python from the page, else the metadata).
    fn installable_wheel(
        &self,
        name: &PackageName,
        version: &Version,
    ) -> Result<Option<CompatibleWheel>> {
        let Some(wheel) = self.index.compatible_wheel(name, version)? else {
            return Ok(None);
        };
        let admitted = admits_wheel(self.index, self.inputs.target, name, Some(version), &wheel)?;
        Ok(admitted.then_some(wheel))
    }

    /// The runtime requirements of release `id` with `extras` that hold for
    /// the target, each resolved (once per release and extras).
    pub(super) fn runtime_of(&mut self, id: JobId, extras: &[ExtraName]) -> Result<Vec<Resolved>> {
        let key = (id, extras.to_vec());
        if let Some(done) = self.runtime.get(&key) {
            return Ok(done.clone());
        }
        let mut out = Vec::new();
        for text in self.requires_dist(id)? {
            let Ok(req) = text.parse::<Requirement>() else {
                continue;
            };
            if req.marker.evaluate(&self.inputs.target.markers, extras) {
                out.push(self.resolve(&req, &text)?);
            }
        }
        self.runtime.insert(key, out.clone());
        Ok(out)
    }

    /// Requires-Dist of release `id` as written: an input wheel's, else the
    /// index's metadata (none when neither has it).
    fn requires_dist(&self, id: JobId) -> Result<Vec<String>> {
        let job = self.jobs.get(id);
        let Some(version) = &job.version else {
            return Ok(Vec::new());
        };
        let input = self
            .inputs
            .scan
            .wheels
            .iter()
            .find(|w| w.filename.name == job.name && &w.filename.version == version);
        if let Some(wheel) = input {
            return Ok(wheel
                .requires_dist
                .iter()
                .map(|r| r.text.to_string())
                .collect());
        }
        Ok(self
            .index
            .metadata(&job.name, version)?
            .map(|m| m.requires_dist.iter().map(|r| r.text.to_string()).collect())
            .unwrap_or_default())
    }
}
