//! Package indexes (contract section 6): what the planner asks of them.
//!
//! The planner only sees [`PackageIndex`]; with no index configured it gets
//! none and never touches the network.

use pep440_rs::Version;
use pep508_rs::PackageName;

use crate::config::Config;
use crate::error::{ResolverError, Result};
use crate::wheel::RequiresDist;

/// One version of a project an index offers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexVersion {
    /// The version.
    pub version: Version,
    /// True when every file of this version is yanked (PEP 592).
    pub yanked: bool,
}

/// What the planner needs from the configured indexes.
pub trait PackageIndex: Sync {
    /// Every version the indexes offer for `name` (merged per the index
    /// strategy). An empty list: no index knows the project.
    fn versions(&self, name: &PackageName) -> Result<Vec<IndexVersion>>;

    /// The Requires-Dist of `name==version`, as the index's metadata (PEP 658)
    /// or the wheel itself says.
    fn requires_dist(&self, name: &PackageName, version: &Version) -> Result<Vec<RequiresDist>>;

    /// Looks up many projects at once (concurrently), so later `versions`
    /// calls are answered from memory.
    fn prefetch(&self, names: &[PackageName]) -> Result<()> {
        for name in names {
            self.versions(name)?;
        }
        Ok(())
    }
}

/// Opens the configured indexes, or `None` when the config has no `index`
/// (then nothing touches the network). `deadline` bounds the whole call.
pub fn open(
    config: &Config,
    deadline: Option<std::time::Instant>,
) -> Result<Option<Box<dyn PackageIndex>>> {
    let _ = deadline;
    match &config.index {
        None => Ok(None),
        Some(_) => Err(ResolverError::Internal(
            "package index support is not built yet".into(),
        )),
    }
}
