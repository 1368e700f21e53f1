//! The build graph into the plan: each build's fields, the parents of the
//! releases added for build environments, the order and what cannot be
//! built.

use rustc_hash::FxHashMap as HashMap;

use super::order::{order, Builds};
use super::Graph;
use crate::plan::Unbuildable;
use crate::planner::job::JobId;

impl Graph<'_, '_> {
    /// The jobs in the plan's final order: those planned before the build
    /// graph, then the ones it added by normalised name and version.
    fn final_order(&self, first_added: usize) -> Vec<JobId> {
        let mut ids: Vec<JobId> = self.jobs.iter().map(|(id, _)| id).collect();
        ids[first_added..].sort_by(|&a, &b| {
            let (a, b) = (self.jobs.get(a), self.jobs.get(b));
            a.name.cmp(&b.name).then_with(|| a.version.cmp(&b.version))
        });
        ids
    }

    /// Writes every build's fields and the added releases' parents; returns
    /// the waves and the unbuildable builds (each also named in a warning).
    pub(super) fn finish(&mut self, first_added: usize) -> (Vec<Vec<String>>, Vec<Unbuildable>) {
        let builds: Vec<(JobId, String)> = self
            .final_order(first_added)
            .into_iter()
            .filter(|&id| self.jobs.get(id).is_build())
            .map(|id| (id, self.label(id)))
            .collect();
        let mut needs: HashMap<JobId, Vec<JobId>> = HashMap::default();
        let mut reasons: HashMap<JobId, String> = HashMap::default();
        for (id, _) in &builds {
            let Some(env) = self.envs.get(id) else {
                continue;
            };
            let env_builds = env
                .deps
                .iter()
                .copied()
                .filter(|&d| self.jobs.get(d).is_build())
                .collect();
            needs.insert(*id, env_builds);
            if let Some(reason) = &env.reason {
                reasons.insert(*id, reason.clone());
            }
        }
        self.write_fields(&builds, first_added);
        let (unbuildable, waves) = order(Builds {
            order: &builds,
            needs: &needs,
            reasons,
        });
        let waves = waves
            .into_iter()
            .map(|w| w.into_iter().map(|id| self.label(id)).collect())
            .collect();
        let unbuildable = unbuildable
            .into_iter()
            .map(|(id, reason)| {
                let job = self.jobs.get(id);
                self.warnings.push(format!(
                    "{} {}: cannot be built: {reason}",
                    job.name,
                    job.version_text()
                ));
                Unbuildable {
                    name: job.name.to_string(),
                    version: job.version_text(),
                    reason,
                }
            })
            .collect();
        (waves, unbuildable)
    }

    /// Each build's source fields and `build_deps`; each added release's
    /// parents (the builds whose environments need it).
    fn write_fields(&mut self, builds: &[(JobId, String)], first_added: usize) {
        for (id, _) in builds {
            let env = self.envs.remove(id).unwrap_or_default();
            let mut deps: Vec<String> = env.deps.iter().map(|&d| self.label(d)).collect();
            deps.sort();
            deps.dedup();
            let name = self.jobs.get(*id).name.to_string();
            for &dep in &env.deps {
                if dep.index() >= first_added {
                    self.jobs.get_mut(dep).add_parent(&name);
                }
            }
            let mut build = env.build;
            build.build_deps = deps;
            // `builds` holds build jobs only (see `finish`).
            self.jobs.get_mut(*id).build = Some(Box::new(build));
        }
    }
}
