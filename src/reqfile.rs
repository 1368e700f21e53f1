//! pip requirements and constraints files (config `requirements`, `constraints`).

use pep508_rs::Requirement;

use crate::config::Config;
use crate::error::Result;
use crate::wheel::RequiresDist;

/// What the requirements and constraints files say.
#[derive(Debug, Default)]
pub struct RequirementFiles {
    /// Requirements planned like extra Requires-Dist, in file order.
    pub requirements: Vec<RequiresDist>,
    /// Constraints every chosen version must satisfy.
    pub constraints: Vec<Requirement>,
    /// True when a requirements file was configured (then no wheels is fine).
    pub requirements_given: bool,
}

impl RequirementFiles {
    /// True when a requirements file was configured.
    pub fn is_given(&self) -> bool {
        self.requirements_given
    }
}

/// Loads the files named in the config.
pub fn load(config: &Config) -> Result<RequirementFiles> {
    let _ = config;
    Ok(RequirementFiles::default())
}
