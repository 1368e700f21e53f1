//! Known failures (contract §4.6): the events of the config's
//! `known_failures` and of `history_db`, per `name==version`.

use std::collections::{HashMap, HashSet};

use pep440_rs::Version;
use pep508_rs::PackageName;

use super::event::{Event, Source};
use super::{history, timestamp};
use crate::config::Config;
use crate::error::{ResolverError, Result};

/// Every event of the planned projects, grouped by release, oldest first.
#[derive(Debug, Default)]
pub struct KnownFailures {
    by_release: HashMap<(PackageName, Version), Vec<Event>>,
    /// Non-fatal observations about the data.
    pub warnings: Vec<String>,
}

impl KnownFailures {
    /// Loads the config's entries and the history rows of the projects in
    /// `wanted` (normalised names).
    pub fn load(config: &Config, wanted: &HashSet<String>) -> Result<Self> {
        let mut events = Vec::new();
        for (i, kf) in config.known_failures.iter().enumerate() {
            let field = |f: &str| format!("known_failures[{i}].{f}");
            let name: PackageName = kf.name.parse().map_err(|_| {
                ResolverError::config(
                    field("name"),
                    format!("`{}` is not a valid project name", kf.name),
                )
            })?;
            let version: Version = kf.version.parse().map_err(|_| {
                ResolverError::config(
                    field("version"),
                    format!("`{}` is not a PEP 440 version", kf.version),
                )
            })?;
            let at = match &kf.timestamp {
                None | Some(serde_json::Value::Null) => None,
                Some(t) => Some(timestamp::parse_json(t).ok_or_else(|| {
                    ResolverError::config(
                        field("timestamp"),
                        format!("`{t}` is neither an ISO 8601 date-time nor Unix seconds"),
                    )
                })?),
            };
            events.push(Event {
                name,
                version,
                status: kf.status.trim().to_owned(),
                timestamp: kf.timestamp.clone().filter(|t| !t.is_null()),
                at,
                detail: kf.detail.clone(),
                hint: kf.hint.clone().filter(|h| !h.is_null()),
                source: Source::Config { index: i },
            });
        }
        let mut warnings = Vec::new();
        if let Some(path) = &config.history_db {
            let read = history::read(path, wanted)?;
            if let Some((rowid, shown)) = read.unreadable_timestamps.first() {
                let n = read.unreadable_timestamps.len();
                warnings.push(format!(
                    "history_db {}: {n} event{} of planned projects ha{} no readable timestamp \
                     (first: row {rowid}, {shown}); such events count as older than every timestamped one",
                    path.display(),
                    if n == 1 { "" } else { "s" },
                    if n == 1 { "s" } else { "ve" },
                ));
            }
            events.extend(read.events);
        }
        let mut by_release: HashMap<(PackageName, Version), Vec<Event>> = HashMap::new();
        for e in events {
            by_release
                .entry((e.name.clone(), e.version.clone()))
                .or_default()
                .push(e);
        }
        for list in by_release.values_mut() {
            list.sort_by(Event::chronological);
        }
        Ok(Self {
            by_release,
            warnings,
        })
    }

    /// The events of `name==version`, oldest first.
    pub fn events(&self, name: &PackageName, version: &Version) -> &[Event] {
        self.by_release
            .get(&(name.clone(), version.clone()))
            .map_or(&[], Vec::as_slice)
    }
}

/// The most recent event that decides (bookkeeping events never do).
pub fn most_recent(events: &[Event]) -> Option<&Event> {
    events.iter().rev().find(|e| !e.is_bookkeeping())
}

/// The hints of `events`, oldest first, each once.
pub fn hints(events: &[Event]) -> Vec<serde_json::Value> {
    let mut out: Vec<serde_json::Value> = Vec::new();
    for h in events.iter().filter_map(|e| e.hint.as_ref()) {
        if !out.contains(h) {
            out.push(h.clone());
        }
    }
    out
}
