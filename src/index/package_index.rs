//! What the planner asks of the configured indexes ([`PackageIndex`]) and
//! the facts they answer with: versions, core metadata, compatible wheels.

use std::sync::Arc;

use pep440_rs::Version;
use pep508_rs::PackageName;

use crate::error::Result;
use crate::sdist::BuildSystem;
use crate::wheel::RequiresDist;

/// One version of a project an index offers, with the facts the candidate
/// chooser needs (contract §4.3.1). The facts are taken over the files
/// that can be used: not yanked (all files when every one is yanked), and
/// either an sdist or a wheel the target installs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexVersion {
    /// The version.
    pub version: Version,
    /// True when every file of this version is yanked (PEP 592).
    pub yanked: bool,
    /// True when some file can be built (an sdist) or fetched (a wheel the
    /// target installs).
    pub usable: bool,
    /// What the page's Requires-Python says of the target.
    pub python: PagePython,
}

/// What a project page's Requires-Python (PEP 691 `requires-python`, PEP 503
/// `data-requires-python`) says of the target for one version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PagePython {
    /// Some usable file admits the target.
    Admits,
    /// Every usable file declares a Requires-Python that excludes the
    /// target (the first such specifier).
    Excludes(String),
    /// Some usable file declares none: the release's metadata decides.
    Unknown,
}

/// What a release's core metadata says that planning needs.
#[derive(Debug, Clone, Default)]
pub struct ReleaseMetadata {
    /// Requires-Dist, in file order (markers not yet evaluated).
    pub requires_dist: Vec<RequiresDist>,
    /// Requires-Python, as written.
    pub requires_python: Option<String>,
}

/// A wheel on an index that the target installs (contract §4.7).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompatibleWheel {
    /// Its file name.
    pub file: String,
    /// Absolute URL, without credentials.
    pub url: String,
    /// The index's sha256 of the file, when it gives one.
    pub sha256: Option<String>,
    /// The simple-API base URL of the index that listed it (no credentials).
    pub index: String,
    /// Its Requires-Python as the page gives it.
    pub requires_python: Option<String>,
}

/// An sdist of a release: on an index, or an override's (contract §4.8).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SdistFile {
    /// Its file name.
    pub file: String,
    /// Absolute URL, without credentials.
    pub url: String,
    /// The sha256 of the file, when the index (or the override) gives one.
    pub sha256: Option<String>,
    /// The simple-API base URL of the index that listed it (no
    /// credentials); `None` for an override's source.
    pub index: Option<String>,
}

/// What reading an sdist's build system gave: the build system, or why it
/// is unknown (for a warning naming the job).
pub type BuildSystemRead = std::result::Result<BuildSystem, String>;

/// What the planner needs from the configured indexes.
pub trait PackageIndex: Sync {
    /// Every version the indexes offer for `name` (merged per the index
    /// strategy), ascending. An empty list: no index knows the project.
    fn versions(&self, name: &PackageName) -> Result<Vec<IndexVersion>>;

    /// The core metadata of `name==version`, as the index's metadata (PEP
    /// 658) or the wheel itself says; read at most once per call. `None`:
    /// it cannot be read (a warning says why).
    fn metadata(
        &self,
        name: &PackageName,
        version: &Version,
    ) -> Result<Option<Arc<ReleaseMetadata>>>;

    /// The most specific non-yanked wheel of `name==version` the target
    /// installs, if the indexes list one.
    fn compatible_wheel(
        &self,
        name: &PackageName,
        version: &Version,
    ) -> Result<Option<CompatibleWheel>>;

    /// The sdist of `name==version` a build uses (contract §4.8): not
    /// yanked, a `.tar.gz` before a `.zip` before any other format, the
    /// first listed among equals. `None`: the indexes list none.
    fn sdist(&self, _name: &PackageName, _version: &Version) -> Result<Option<SdistFile>> {
        Ok(None)
    }

    /// The build system of `sdist` (contract §4.9), read without unpacking
    /// it and cached by its sha256 (else its URL). An `Err` only when the
    /// call is stopped; an sdist that cannot be read is an inner `Err`.
    fn build_system(&self, sdist: &SdistFile) -> Result<BuildSystemRead> {
        Ok(Err(format!("{}: sdists are not read here", sdist.file)))
    }

    /// Reads the build systems of many sdists at once (concurrently), so
    /// later `build_system` calls are answered from memory. An `Err` only
    /// when the call is stopped.
    fn prefetch_build_systems(&self, _sdists: &[SdistFile]) -> Result<()> {
        Ok(())
    }

    /// Looks up many projects at once (concurrently), so later `versions`
    /// calls are answered from memory.
    fn prefetch(&self, names: &[PackageName]) -> Result<()> {
        for name in names {
            self.versions(name)?;
        }
        Ok(())
    }

    /// Reads the metadata of many releases at once (concurrently), so later
    /// `metadata` calls are answered from memory.
    fn prefetch_metadata(&self, releases: &[(PackageName, Version)]) -> Result<()> {
        for (name, version) in releases {
            self.metadata(name, version)?;
        }
        Ok(())
    }

    /// Non-fatal observations made so far (skipped files, releases without
    /// usable metadata), sorted; the caller adds them to `plan.warnings`.
    fn warnings(&self) -> Vec<String> {
        Vec::new()
    }
}
