//! The configured indexes as one [`PackageIndex`]: `index_url` then
//! `extra_index_urls`, first-index or best-match, every project fetched at
//! most once per call, independent projects looked up concurrently.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use pep440_rs::Version;
use pep508_rs::PackageName;
use url::Url;

use super::budget::{ByteBudget, MAX_RETAINED_INDEX_BYTES, PARSE_BYTES_IN_FLIGHT};
use super::cached_client::CachedClient;
use super::files::{FileRef, Files, Project};
use super::metadata;
use super::package_index::{
    BuildSystemRead, CompatibleWheel, IndexVersion, PackageIndex, PagePython, ReleaseMetadata,
    SdistFile,
};
use super::sdist_reader;
use super::security::shown;
use super::simple_api::ACCEPT;
use crate::config::IndexStrategy;
use crate::error::{index_error, ResolverError, Result};
use crate::pool;
use crate::target::{parse_requires_python, Target};

/// The most bytes of one project page.
pub const PAGE_CAP: u64 = 64 * 1024 * 1024;

type Slot = Arc<Mutex<Option<Arc<Project>>>>;
type MetadataSlot = Arc<Mutex<Option<Option<Arc<ReleaseMetadata>>>>>;

/// The indexes of one call.
pub struct RemoteIndexes {
    client: CachedClient,
    /// Simple-API base URLs (ending in `/`), in the order asked.
    bases: Vec<Url>,
    strategy: IndexStrategy,
    target: Target,
    projects: Mutex<HashMap<PackageName, Slot>>,
    metadata: Mutex<HashMap<(PackageName, Version), MetadataSlot>>,
    /// Heap bytes the cached projects keep (capped).
    retained: AtomicUsize,
    /// What the pages being parsed may take ([`PARSE_BYTES_IN_FLIGHT`]).
    parses: Arc<ByteBudget>,
    warnings: Mutex<Vec<String>>,
    /// Where the build systems read from sdists are kept, if anywhere.
    sdist_cache: Option<std::path::PathBuf>,
    /// The build systems read in this call, by the sdist's URL and sha256.
    build_systems: Mutex<HashMap<SdistKey, BuildSystemRead>>,
}

/// An sdist as its build system is known by: its URL and sha256.
type SdistKey = (String, Option<String>);

fn sdist_key(sdist: &SdistFile) -> SdistKey {
    (sdist.url.clone(), sdist.sha256.clone())
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl RemoteIndexes {
    /// Indexes at `bases` (credentials already taken out) through `client`.
    pub fn new(
        client: CachedClient,
        bases: Vec<Url>,
        strategy: IndexStrategy,
        target: Target,
    ) -> Self {
        Self {
            client,
            bases,
            strategy,
            target,
            projects: Mutex::new(HashMap::new()),
            metadata: Mutex::new(HashMap::new()),
            retained: AtomicUsize::new(0),
            parses: ByteBudget::new(PARSE_BYTES_IN_FLIGHT),
            warnings: Mutex::new(Vec::new()),
            sdist_cache: None,
            build_systems: Mutex::new(HashMap::new()),
        }
    }

    /// Keeps the build systems read from sdists under `dir`.
    pub fn with_sdist_cache(mut self, dir: Option<std::path::PathBuf>) -> Self {
        self.sdist_cache = dir;
        self
    }

    /// Records a warning for the plan.
    pub fn note(&self, warning: String) {
        lock(&self.warnings).push(warning);
    }

    /// The files of `version` that choosing looks at: the non-yanked ones
    /// (every one when all are yanked) that are an sdist or a wheel the
    /// target installs.
    fn usable_files<'p>(&self, files: Files<'p>) -> Vec<FileRef<'p>> {
        let all_yanked = files.all_yanked();
        files
            .iter()
            .filter(|f| all_yanked || !f.yanked())
            .filter(|f| !f.is_wheel() || self.wheel_priority(f).is_some())
            .collect()
    }

    /// The tag priority of a wheel file (lower is more specific), or `None`
    /// when the target does not install it (or it is an sdist).
    fn wheel_priority(&self, f: &FileRef<'_>) -> Option<usize> {
        let w = f.wheel()?;
        self.target
            .tags
            .check(w.python_tags(), w.abi_tags(), w.platform_tags())
            .ok()
    }

    /// What the page's Requires-Python says of the target for `files`.
    fn page_python(&self, files: &[FileRef<'_>]) -> PagePython {
        let mut unknown = false;
        let mut excluded: Option<&str> = None;
        for f in files {
            match f.requires_python() {
                None => unknown = true,
                Some(text) => match parse_requires_python(text) {
                    Some(spec) if self.target.admits(&spec) => return PagePython::Admits,
                    Some(_) => {
                        excluded.get_or_insert(text);
                    }
                    None => unknown = true,
                },
            }
        }
        match excluded {
            Some(text) if !unknown => PagePython::Excludes(text.to_owned()),
            _ => PagePython::Unknown,
        }
    }

    fn fetch_metadata(
        &self,
        name: &PackageName,
        version: &Version,
    ) -> Result<Option<Arc<ReleaseMetadata>>> {
        let project = self.project(name)?;
        let mut warnings = Vec::new();
        let result = metadata::release_metadata(
            &self.client,
            name,
            version,
            project.files(version),
            &self.target.tags,
            &mut warnings,
        );
        lock(&self.warnings).extend(warnings);
        Ok(result?.map(Arc::new))
    }

    /// Runs `work` for every item on the process-wide pool (I/O-bound: up
    /// to [`pool::IO_WIDTH`] at once); the first failure stops handing out
    /// work, since the call fails anyway.
    fn concurrently<T: Sync>(
        &self,
        todo: &[T],
        work: impl Fn(&T) -> Result<()> + Sync,
    ) -> Result<()> {
        let width = todo.len().min(pool::IO_WIDTH);
        pool::try_map_with(todo.len(), width, || (), |_, i| work(&todo[i]))?;
        Ok(())
    }

    /// The project's files, fetched once per call.
    fn project(&self, name: &PackageName) -> Result<Arc<Project>> {
        let slot = lock(&self.projects)
            .entry(name.clone())
            .or_default()
            .clone();
        let mut guard = lock(&slot);
        if let Some(p) = guard.as_ref() {
            return Ok(p.clone());
        }
        let project = Arc::new(self.fetch_project(name)?);
        *guard = Some(project.clone());
        Ok(project)
    }

    fn fetch_project(&self, name: &PackageName) -> Result<Project> {
        let mut merged: Option<Project> = None;
        let mut warnings = Vec::new();
        for (origin, base) in self.bases.iter().enumerate() {
            let Some(mut found) = self.fetch_page(base, name, &mut warnings)? else {
                continue;
            };
            found.set_origin(origin);
            match (&mut merged, self.strategy) {
                (None, IndexStrategy::FirstIndex) => {
                    merged = Some(found);
                    break;
                }
                (None, IndexStrategy::BestMatch) => merged = Some(found),
                (Some(m), _) => m.merge(found),
            }
        }
        lock(&self.warnings).extend(warnings);
        Ok(merged.unwrap_or_default())
    }

    /// One index's page for `name`; `None` when that index does not know it.
    fn fetch_page(
        &self,
        base: &Url,
        name: &PackageName,
        warnings: &mut Vec<String>,
    ) -> Result<Option<Project>> {
        let url = base
            .join(&format!("{name}/"))
            .map_err(|e| index_error(base, &format!("cannot form the project URL: {e}")))?;
        let Some(resp) = self.client.get(&url, &[("Accept", ACCEPT)], PAGE_CAP)? else {
            return Ok(None);
        };
        // The body's reservation (bodies in flight) is held until it is
        // parsed and dropped, with the response; the parse reserves what
        // its result may take at most (parses in flight), until that is
        // counted in what the call keeps. Reservations are always taken in
        // that order and nobody waits while holding a parse reservation.
        let over_cap = || {
            index_error(
                &resp.url,
                &format!(
                    "the project pages read in this call list more files than fit in {MAX_RETAINED_INDEX_BYTES} bytes (the cap on what a call keeps of them)"
                ),
            )
        };
        let estimate = Project::estimate_heap_bytes(resp.body.len(), resp.url.as_str().len());
        // Parsing is local work that always ends: wait as long as the call
        // may last.
        let Some(parsing) = self.parses.reserve(estimate as u64, self.client.deadline()) else {
            return Err(ResolverError::Timeout(format!(
                "the time budget (time_budget_ms) ran out waiting to parse {} (other large pages in flight)",
                shown(&resp.url)
            )));
        };
        if self.retained.load(Ordering::Relaxed) > MAX_RETAINED_INDEX_BYTES {
            return Err(over_cap()); // the call fails anyway: parse no more
        }
        let project = Project::from_page(
            name,
            &resp.body,
            resp.content_type.as_deref(),
            &resp.url,
            warnings,
        )
        .map_err(|e| index_error(&resp.url, &e))?;
        let bytes = project.heap_bytes();
        let total = self.retained.fetch_add(bytes, Ordering::Relaxed) + bytes;
        if total > MAX_RETAINED_INDEX_BYTES {
            return Err(over_cap());
        }
        drop(parsing);
        drop(resp);
        Ok(Some(project))
    }
}

impl PackageIndex for RemoteIndexes {
    fn versions(&self, name: &PackageName) -> Result<Vec<IndexVersion>> {
        let project = self.project(name)?;
        Ok(project
            .versions()
            .map(|(version, files)| {
                let usable = self.usable_files(files);
                IndexVersion {
                    version: version.clone(),
                    yanked: files.all_yanked(),
                    usable: !usable.is_empty(),
                    python: self.page_python(&usable),
                }
            })
            .collect())
    }

    fn metadata(
        &self,
        name: &PackageName,
        version: &Version,
    ) -> Result<Option<Arc<ReleaseMetadata>>> {
        let slot = lock(&self.metadata)
            .entry((name.clone(), version.clone()))
            .or_default()
            .clone();
        let mut guard = lock(&slot);
        if let Some(m) = guard.as_ref() {
            return Ok(m.clone());
        }
        let m = self.fetch_metadata(name, version)?;
        *guard = Some(m.clone());
        Ok(m)
    }

    fn compatible_wheel(
        &self,
        name: &PackageName,
        version: &Version,
    ) -> Result<Option<CompatibleWheel>> {
        let project = self.project(name)?;
        let Some(files) = project.files(version) else {
            return Ok(None);
        };
        let best = files
            .iter()
            .filter(|f| !f.yanked())
            .filter_map(|f| Some((self.wheel_priority(&f)?, f)))
            .filter(|(_, f)| {
                // A wheel whose page Requires-Python excludes the target is
                // not one it installs.
                !matches!(self.page_python(&[*f]), PagePython::Excludes(_))
            })
            .min_by(|a, b| (a.0, a.1.filename()).cmp(&(b.0, b.1.filename())));
        Ok(best.map(|(_, f)| CompatibleWheel {
            file: f.filename().to_owned(),
            url: f.public_url().to_string(),
            sha256: f.sha256(),
            index: self
                .bases
                .get(f.origin())
                .map(ToString::to_string)
                .unwrap_or_default(),
            requires_python: f.requires_python().map(str::to_owned),
        }))
    }

    fn sdist(&self, name: &PackageName, version: &Version) -> Result<Option<SdistFile>> {
        let project = self.project(name)?;
        let Some(files) = project.files(version) else {
            return Ok(None);
        };
        let rank = |f: &FileRef<'_>| match crate::sdist::SdistFormat::of_filename(f.filename()) {
            Ok(crate::sdist::SdistFormat::TarGz) => 0,
            Ok(crate::sdist::SdistFormat::Zip) => 1,
            Err(_) => 2,
        };
        let best = files
            .iter()
            .filter(|f| !f.is_wheel() && !f.yanked())
            .min_by_key(|f| rank(f));
        Ok(best.map(|f| SdistFile {
            file: f.filename().to_owned(),
            url: f.public_url().to_string(),
            sha256: f.sha256(),
            index: self.bases.get(f.origin()).map(ToString::to_string),
        }))
    }

    fn build_system(&self, sdist: &SdistFile) -> Result<BuildSystemRead> {
        let key = sdist_key(sdist);
        if let Some(read) = lock(&self.build_systems).get(&key) {
            return Ok(read.clone());
        }
        let read = sdist_reader::build_system(&self.client, self.sdist_cache.as_deref(), sdist)?;
        lock(&self.build_systems).insert(key, read.clone());
        Ok(read)
    }

    fn prefetch_build_systems(&self, sdists: &[SdistFile]) -> Result<()> {
        let mut todo: Vec<&SdistFile> = {
            let known = lock(&self.build_systems);
            sdists
                .iter()
                .filter(|s| !known.contains_key(&sdist_key(s)))
                .collect()
        };
        todo.sort_by(|a, b| (&a.url, &a.sha256).cmp(&(&b.url, &b.sha256)));
        todo.dedup_by(|a, b| (&a.url, &a.sha256) == (&b.url, &b.sha256));
        self.concurrently(&todo, |sdist| self.build_system(sdist).map(|_| ()))
    }

    fn prefetch(&self, names: &[PackageName]) -> Result<()> {
        let mut todo: Vec<&PackageName> = names.iter().collect();
        todo.sort();
        todo.dedup();
        self.concurrently(&todo, |name| self.project(name).map(|_| ()))
    }

    fn prefetch_metadata(&self, releases: &[(PackageName, Version)]) -> Result<()> {
        let mut todo: Vec<&(PackageName, Version)> = releases.iter().collect();
        todo.sort();
        todo.dedup();
        self.concurrently(&todo, |(name, version)| {
            self.metadata(name, version).map(|_| ())
        })
    }

    fn warnings(&self) -> Vec<String> {
        let mut w = lock(&self.warnings).clone();
        w.sort();
        w.dedup();
        w
    }
}
