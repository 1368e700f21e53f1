//! One recorded build outcome, from the config or the history database, and
//! the order that decides which one is the most recent.

use std::cmp::Ordering;

use pep440_rs::Version;
use pep508_rs::PackageName;

use super::timestamp::{self, Instant};

/// Statuses that make a job a known failure (contract §4.6).
pub const FAILURE_STATUSES: [&str; 3] = ["failed", "missing", "system_recipe_failed"];

/// Statuses that record what a run planned or skipped rather than how a
/// build ended; they never decide (the legacy planner records
/// `skipped_known_failure` for every skip, which would otherwise un-skip the
/// job on the next run).
pub const BOOKKEEPING_STATUSES: [&str; 3] = [
    "skipped_known_failure",
    "planned_dependency_expansion",
    "requeued_parent",
];

/// Where an event comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// `known_failures[index]` in the config.
    Config { index: usize },
    /// A `build_events` row of `history_db`.
    History { rowid: i64 },
}

impl Source {
    /// `known_failures` or `history_db`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Config { .. } => "known_failures",
            Self::History { .. } => "history_db",
        }
    }
}

/// One recorded event for `name==version`.
#[derive(Debug, Clone)]
pub struct Event {
    /// Project.
    pub name: PackageName,
    /// Version.
    pub version: Version,
    /// Status as recorded (trimmed).
    pub status: String,
    /// Timestamp as recorded.
    pub timestamp: Option<serde_json::Value>,
    /// The timestamp on the time line, when readable.
    pub at: Option<Instant>,
    /// Detail as recorded.
    pub detail: Option<String>,
    /// A non-null hint recorded with it.
    pub hint: Option<serde_json::Value>,
    /// Where it comes from.
    pub source: Source,
}

impl Event {
    /// True for `failed`, `missing`, `system_recipe_failed`.
    pub fn is_failure(&self) -> bool {
        FAILURE_STATUSES
            .iter()
            .any(|s| self.status.eq_ignore_ascii_case(s))
    }

    /// True for statuses that never decide.
    pub fn is_bookkeeping(&self) -> bool {
        BOOKKEEPING_STATUSES
            .iter()
            .any(|s| self.status.eq_ignore_ascii_case(s))
    }

    /// Chronological order: by timestamp (a missing or unreadable one is
    /// older than every readable one); at equal timestamps a config entry is
    /// more recent than a history row; then the later config entry or the
    /// higher history row id is more recent.
    pub fn chronological(&self, other: &Self) -> Ordering {
        timestamp::cmp_opt(self.at, other.at).then_with(|| match (self.source, other.source) {
            (Source::History { rowid: a }, Source::History { rowid: b }) => a.cmp(&b),
            (Source::Config { index: a }, Source::Config { index: b }) => a.cmp(&b),
            (Source::History { .. }, Source::Config { .. }) => Ordering::Less,
            (Source::Config { .. }, Source::History { .. }) => Ordering::Greater,
        })
    }
}

/// PEP 503 normalisation of a name as written, without validating it.
pub fn normalize_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut in_sep = false;
    for c in name.trim().chars() {
        if matches!(c, '-' | '_' | '.') {
            if !in_sep {
                out.push('-');
            }
            in_sep = true;
        } else {
            out.extend(c.to_lowercase());
            in_sep = false;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_like_pep503() {
        assert_eq!(normalize_name("Foo__Bar.-baz"), "foo-bar-baz");
        assert_eq!(normalize_name(" foo "), "foo");
    }
}
