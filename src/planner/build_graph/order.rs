//! Contract-3 4.11: which builds cannot be carried out, and the waves the
//! others run in.

use rustc_hash::FxHashMap as HashMap;

use crate::planner::job::JobId;

/// The builds of a plan as the order needs them.
pub(super) struct Builds<'b> {
    /// Every build, in `to_build` order, with its `name==version`.
    pub order: &'b [(JobId, String)],
    /// The builds each build's environment installs.
    pub needs: &'b HashMap<JobId, Vec<JobId>>,
    /// The builds already known to be unbuildable, and why.
    pub reasons: HashMap<JobId, String>,
}

impl Builds<'_> {
    fn label(&self, id: JobId) -> &str {
        self.order
            .iter()
            .find(|(i, _)| *i == id)
            .map_or("", |(_, l)| l.as_str())
    }

    fn needs(&self, id: JobId) -> &[JobId] {
        self.needs.get(&id).map_or(&[], Vec::as_slice)
    }

    /// Marks the builds whose environment needs, through builds, itself.
    fn mark_cycles(&mut self) {
        for &(id, _) in self.order {
            if self.reasons.contains_key(&id) {
                continue;
            }
            if let Some(path) = self.cycle_through(id) {
                let labels: Vec<&str> = path.iter().map(|&p| self.label(p)).collect();
                let reason = format!("build cycle: {}", labels.join(" -> "));
                self.reasons.insert(id, reason);
            }
        }
    }

    /// The shortest path `id -> … -> id` through build environments.
    fn cycle_through(&self, id: JobId) -> Option<Vec<JobId>> {
        let mut from: HashMap<JobId, JobId> = HashMap::default();
        let mut queue = std::collections::VecDeque::from([id]);
        while let Some(at) = queue.pop_front() {
            for &next in self.needs(at) {
                if next == id {
                    let mut path = vec![id, at];
                    let mut cur = at;
                    while cur != id {
                        cur = from[&cur];
                        path.push(cur);
                    }
                    path.reverse();
                    return Some(path);
                }
                if let std::collections::hash_map::Entry::Vacant(e) = from.entry(next) {
                    e.insert(at);
                    queue.push_back(next);
                }
            }
        }
        None
    }

    /// Marks, until nothing changes, the builds whose environment needs an
    /// unbuildable build.
    fn propagate(&mut self) {
        loop {
            let mut changed = false;
            for &(id, _) in self.order {
                if self.reasons.contains_key(&id) {
                    continue;
                }
                let bad = self.needs(id).iter().find(|n| self.reasons.contains_key(n));
                if let Some(&bad) = bad {
                    let reason = format!("build requirement unbuildable: {}", self.label(bad));
                    self.reasons.insert(id, reason);
                    changed = true;
                }
            }
            if !changed {
                return;
            }
        }
    }
}

/// The unbuildable builds (in `to_build` order, with their reasons) and the
/// waves of the others.
pub(super) fn order(mut builds: Builds<'_>) -> (Vec<(JobId, String)>, Vec<Vec<JobId>>) {
    builds.mark_cycles();
    builds.propagate();
    let unbuildable: Vec<(JobId, String)> = builds
        .order
        .iter()
        .filter_map(|(id, _)| Some((*id, builds.reasons.get(id)?.clone())))
        .collect();
    let mut placed: HashMap<JobId, usize> = HashMap::default();
    let mut waves: Vec<Vec<JobId>> = Vec::new();
    loop {
        let wave: Vec<JobId> = builds
            .order
            .iter()
            .map(|(id, _)| *id)
            .filter(|id| !builds.reasons.contains_key(id) && !placed.contains_key(id))
            .filter(|id| builds.needs(*id).iter().all(|n| placed.contains_key(n)))
            .collect();
        if wave.is_empty() {
            break;
        }
        for &id in &wave {
            placed.insert(id, waves.len());
        }
        waves.push(wave);
    }
    (unbuildable, waves)
}
