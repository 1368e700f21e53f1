//! From the files a project page lists to the project's versions: wheels by
//! their PEP 427 name, sdists by `{name}-{version}.tar.gz` / `.zip`.
//!
//! A [`Project`] keeps, per listed file, only what choosing needs, compactly:
//! one text arena per project holds the URLs (and the few distinct
//! Requires-Python values); each file is a fixed-size record of spans into
//! it, its version's index, its flags and its sha256 as 32 bytes. Wheel tags
//! are parsed again from the file name when asked for (they were checked
//! when the file was added). About 64 bytes plus the URL per file, where an
//! owned [`IndexFile`] and [`WheelFilename`] took about 1.6 KB.

use std::collections::BTreeMap;

use pep440_rs::Version;
use pep508_rs::PackageName;
use rustc_hash::{FxHashMap, FxHashSet};
use url::Url;

use super::simple_api::{for_each_file, IndexFile};
use crate::wheel::WheelFilename;

/// Source distribution suffixes pip accepts (`.tar.gz` and `.zip` are the
/// standard ones).
const SDIST_SUFFIXES: [&str; 7] = [
    ".tar.gz", ".zip", ".tar.bz2", ".tar.xz", ".tgz", ".tbz", ".tar",
];

/// The most distribution files (wheels and sdists of the project) one
/// project page may list; a page with more is `index_error`.
pub const MAX_FILES_PER_PAGE: usize = 200_000;

/// The fewest page bytes one counted link takes (`<a href=a-0.zip>`).
const MIN_LINK_BYTES: usize = 16;

/// What one distinct `Version` costs on the heap (its `Arc`, as measured
/// with 200,000 distinct versions: about 200 bytes).
const VERSION_HEAP: usize = 200;

/// Files with an invalid name named one by one in the warnings, per page;
/// the rest are counted.
const NAMED_INVALID: usize = 10;

/// One usable file of a project, owned (see [`FileRef::to_project_file`]):
/// what the tests and fuzz targets look at.
#[cfg(any(test, feature = "internals"))]
#[derive(Debug, Clone)]
pub struct ProjectFile {
    /// As the index lists it.
    pub file: IndexFile,
    /// The parsed name, for a wheel; `None` for an sdist.
    pub wheel: Option<WheelFilename>,
    /// Which configured index listed it (0: `index_url`, then the extra ones).
    pub origin: usize,
}

/// A byte range of a project's text arena.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Span {
    start: u32,
    len: u32,
}

const YANKED: u8 = 1;
const HAS_METADATA: u8 = 2;
const WHEEL: u8 = 4;
const HAS_SHA256: u8 = 8;

/// One file, compactly (64 bytes).
#[derive(Debug, Clone, Copy)]
struct Record {
    /// The absolute URL, without fragment.
    url: Span,
    /// The file name (most often a part of `url`).
    filename: Span,
    /// Requires-Python; empty: none.
    requires_python: Span,
    /// Index into `Project::versions`.
    version: u32,
    flags: u8,
    /// Which configured index listed it (0: `index_url`, then the extras).
    origin: u8,
    sha256: [u8; 32],
}

/// A project's files grouped by version.
#[derive(Debug, Clone, Default)]
pub struct Project {
    /// URLs, decoded file names and Requires-Python values.
    text: String,
    /// Every file, in page order (best-match: first index first).
    records: Vec<Record>,
    /// Distinct versions, ascending.
    versions: Vec<Version>,
    /// File indices grouped by version (ascending), page order within.
    by_version: Vec<u32>,
    /// `by_version[starts[i]..starts[i + 1]]` are the files of `versions[i]`.
    starts: Vec<u32>,
}

/// The files of one version.
#[derive(Debug, Clone, Copy)]
pub struct Files<'p> {
    project: &'p Project,
    indices: &'p [u32],
}

/// One file of a [`Project`], borrowed.
#[derive(Debug, Clone, Copy)]
pub struct FileRef<'p> {
    project: &'p Project,
    record: &'p Record,
}

impl Project {
    /// The files of a project page (`body` answered with `content_type` at
    /// `page_url`) of `project`, read link by link. Only http(s) links
    /// whose URL names a wheel or sdist of this project count: the others
    /// are counted in one warning; a file of this project whose version is
    /// invalid is named in a warning. `Err`: the body is not a page, or it
    /// lists more than [`MAX_FILES_PER_PAGE`] files.
    pub fn from_page(
        project: &PackageName,
        body: &[u8],
        content_type: Option<&str>,
        page_url: &Url,
        warnings: &mut Vec<String>,
    ) -> Result<Self, String> {
        let mut builder = Builder::new(project);
        for_each_file(body, content_type, page_url, |f| builder.add(f))?;
        Ok(builder.finish(&crate::redact::redact_url(page_url.as_str()), warnings))
    }

    /// Groups `files` of `project` (as [`Project::from_page`] does).
    #[cfg(any(test, feature = "internals"))]
    pub fn from_files(
        project: &PackageName,
        files: impl IntoIterator<Item = IndexFile>,
        warnings: &mut Vec<String>,
    ) -> Self {
        let mut builder = Builder::new(project);
        builder.cap = usize::MAX;
        for f in files {
            let _ = builder.add(Some(f));
        }
        builder.finish("the given files", warnings)
    }

    /// Marks every file as listed by index number `origin` (0:
    /// `index_url`, then the extra indexes; at most 255).
    pub fn set_origin(&mut self, origin: usize) {
        let origin = u8::try_from(origin).unwrap_or(u8::MAX);
        for r in &mut self.records {
            r.origin = origin;
        }
    }

    /// Adds the files of another index (best-match), keeping the first of
    /// any file name seen twice. Linear in the files of both (hashed).
    pub fn merge(&mut self, other: Project) {
        if other.records.is_empty() {
            return;
        }
        let keep: Vec<bool> = {
            let mut seen: FxHashSet<&str> =
                self.records.iter().map(|r| self.str(r.filename)).collect();
            other
                .records
                .iter()
                .map(|r| seen.insert(other.str(r.filename)))
                .collect()
        };
        let offset = u32::try_from(self.text.len()).expect("arena below 4 GiB");
        self.text.push_str(&other.text);
        let shift = |s: Span| Span {
            start: s.start + offset,
            len: s.len,
        };
        // Version indices of both into the merged table.
        let mut all: BTreeMap<Version, u32> = BTreeMap::new();
        for v in self.versions.iter().chain(&other.versions) {
            all.entry(v.clone()).or_insert(0);
        }
        for (i, slot) in all.values_mut().enumerate() {
            *slot = i as u32;
        }
        let mine_map: Vec<u32> = self.versions.iter().map(|v| all[v]).collect();
        let theirs_map: Vec<u32> = other.versions.iter().map(|v| all[v]).collect();
        for r in &mut self.records {
            r.version = mine_map[r.version as usize];
        }
        for (r, keep) in other.records.iter().zip(keep) {
            if keep {
                self.records.push(Record {
                    url: shift(r.url),
                    filename: shift(r.filename),
                    requires_python: shift(r.requires_python),
                    version: theirs_map[r.version as usize],
                    ..*r
                });
            }
        }
        self.versions = all.into_keys().collect();
        self.index();
        self.shrink();
    }

    /// Every version with its files, ascending.
    pub fn versions(&self) -> impl DoubleEndedIterator<Item = (&Version, Files<'_>)> + '_ {
        self.versions
            .iter()
            .enumerate()
            .map(move |(i, v)| (v, self.files_at(i)))
    }

    /// The files of `version`; `None` when the project has no such version.
    pub fn files(&self, version: &Version) -> Option<Files<'_>> {
        let i = self.versions.binary_search(version).ok()?;
        Some(self.files_at(i))
    }

    /// The number of distinct versions.
    #[cfg(any(test, feature = "internals"))]
    pub fn version_count(&self) -> usize {
        self.versions.len()
    }

    /// The number of files.
    #[cfg(any(test, feature = "internals"))]
    pub fn len(&self) -> usize {
        self.records.len()
    }

    /// No file at all.
    #[cfg(any(test, feature = "internals"))]
    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    /// Bytes this project keeps on the heap (close to what the allocator
    /// holds for it: a distinct `Version` is counted at 208 bytes).
    pub fn heap_bytes(&self) -> usize {
        self.text.capacity()
            + self.records.capacity() * std::mem::size_of::<Record>()
            + self.versions.capacity() * (8 + VERSION_HEAP)
            + (self.by_version.capacity() + self.starts.capacity()) * 4
    }

    /// The most heap a page of `body_len` bytes at a URL of `url_len` bytes
    /// can make [`Project::from_page`] build (and hold while building): a
    /// counted link takes at least [`MIN_LINK_BYTES`] of the page, and at
    /// most [`MAX_FILES_PER_PAGE`] count; each costs its record, version,
    /// look-up entries and URL (relative links grow by the page's URL).
    pub fn estimate_heap_bytes(body_len: usize, url_len: usize) -> usize {
        let files = (body_len / MIN_LINK_BYTES + 1).min(MAX_FILES_PER_PAGE);
        files * (std::mem::size_of::<Record>() + 4 + 8 + VERSION_HEAP + 32 + url_len) + body_len
    }

    /// True when every file of `version` is yanked (PEP 592).
    #[cfg(any(test, feature = "internals"))]
    pub fn is_yanked(files: &[ProjectFile]) -> bool {
        !files.is_empty() && files.iter().all(|f| f.file.yanked)
    }

    fn files_at(&self, i: usize) -> Files<'_> {
        let (a, b) = (self.starts[i] as usize, self.starts[i + 1] as usize);
        Files {
            project: self,
            indices: &self.by_version[a..b],
        }
    }

    fn str(&self, s: Span) -> &str {
        &self.text[s.start as usize..(s.start + s.len) as usize]
    }

    /// Groups the records by version (a counting sort: page order stays).
    fn index(&mut self) {
        let mut counts = vec![0u32; self.versions.len() + 1];
        for r in &self.records {
            counts[r.version as usize + 1] += 1;
        }
        for i in 1..counts.len() {
            counts[i] += counts[i - 1];
        }
        self.starts = counts.clone();
        let mut by_version = vec![0u32; self.records.len()];
        for (i, r) in self.records.iter().enumerate() {
            let slot = &mut counts[r.version as usize];
            by_version[*slot as usize] = i as u32;
            *slot += 1;
        }
        self.by_version = by_version;
    }

    fn shrink(&mut self) {
        self.text.shrink_to_fit();
        self.records.shrink_to_fit();
        self.versions.shrink_to_fit();
    }
}

impl<'p> Files<'p> {
    /// The files, in page order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = FileRef<'p>> + 'p {
        let project = self.project;
        self.indices.iter().map(move |&i| FileRef {
            project,
            record: &project.records[i as usize],
        })
    }

    /// How many.
    #[cfg(any(test, feature = "internals"))]
    pub fn len(&self) -> usize {
        self.indices.len()
    }

    /// None (never for a version of a project).
    pub fn is_empty(&self) -> bool {
        self.indices.is_empty()
    }

    /// True when every file is yanked (PEP 592): the version is yanked.
    pub fn all_yanked(&self) -> bool {
        !self.is_empty() && self.iter().all(|f| f.yanked())
    }

    /// The files as owned values.
    #[cfg(any(test, feature = "internals"))]
    pub fn to_project_files(self) -> Vec<ProjectFile> {
        self.iter().map(|f| f.to_project_file()).collect()
    }
}

impl<'p> FileRef<'p> {
    /// The file name (the URL's last path segment, percent-decoded; PEP 691:
    /// the `filename` field).
    pub fn filename(&self) -> &'p str {
        self.project.str(self.record.filename)
    }

    /// The absolute URL as text, without fragment; credentials the page put
    /// in it, if any, are kept (for the request; show it redacted).
    pub fn url_str(&self) -> &'p str {
        self.project.str(self.record.url)
    }

    /// The absolute URL, without fragment (credentials kept, as
    /// [`FileRef::url_str`]).
    pub fn url(&self) -> Url {
        Url::parse(self.url_str()).expect("stored URLs were parsed when added")
    }

    /// The absolute URL without fragment and without credentials.
    pub fn public_url(&self) -> Url {
        let mut url = self.url();
        let _ = url.set_username("");
        let _ = url.set_password(None);
        url
    }

    /// Yanked (PEP 592).
    pub fn yanked(&self) -> bool {
        self.record.flags & YANKED != 0
    }

    /// The index serves `<url>.metadata` (PEP 658/714).
    pub fn has_metadata(&self) -> bool {
        self.record.flags & HAS_METADATA != 0
    }

    /// Requires-Python as the page gives it; `None` when absent.
    pub fn requires_python(&self) -> Option<&'p str> {
        let s = self.record.requires_python;
        (s.len > 0).then(|| self.project.str(s))
    }

    /// The sha256 digest, when the index gives one.
    pub fn sha256_bytes(&self) -> Option<&'p [u8; 32]> {
        (self.record.flags & HAS_SHA256 != 0).then_some(&self.record.sha256)
    }

    /// The sha256 as 64 lower-case hex digits, when the index gives one.
    pub fn sha256(&self) -> Option<String> {
        self.sha256_bytes()
            .map(|d| d.iter().map(|b| format!("{b:02x}")).collect())
    }

    /// The version (of the file name).
    #[cfg(any(test, feature = "internals"))]
    pub fn version(&self) -> &'p Version {
        &self.project.versions[self.record.version as usize]
    }

    /// A wheel (else an sdist).
    pub fn is_wheel(&self) -> bool {
        self.record.flags & WHEEL != 0
    }

    /// The parsed wheel name (tags included); `None` for an sdist.
    pub fn wheel(&self) -> Option<WheelFilename> {
        if !self.is_wheel() {
            return None;
        }
        self.filename().parse().ok()
    }

    /// The file as the page listed it, owned.
    pub fn to_index_file(self) -> IndexFile {
        IndexFile {
            filename: self.filename().to_owned(),
            url: self.url(),
            yanked: self.yanked(),
            has_metadata: self.has_metadata(),
            requires_python: self.requires_python().map(str::to_owned),
            sha256: self.sha256(),
        }
    }

    /// The file and its parsed wheel name, owned.
    #[cfg(any(test, feature = "internals"))]
    pub fn to_project_file(self) -> ProjectFile {
        ProjectFile {
            file: self.to_index_file(),
            wheel: self.wheel(),
            origin: self.origin(),
        }
    }

    /// Which configured index listed it (0: `index_url`, then the extras).
    pub fn origin(&self) -> usize {
        usize::from(self.record.origin)
    }
}

/// Builds a [`Project`] file by file.
struct Builder<'n> {
    name: &'n PackageName,
    project: Project,
    version_ids: FxHashMap<Version, u32>,
    requires_python: FxHashMap<String, Span>,
    cap: usize,
    /// Links that do not count (not http(s), no file name).
    skipped: usize,
    /// Files of this project with an invalid name: the first ones named.
    invalid: Vec<String>,
    invalid_count: usize,
}

impl<'n> Builder<'n> {
    fn new(name: &'n PackageName) -> Self {
        Self {
            name,
            project: Project::default(),
            version_ids: FxHashMap::default(),
            requires_python: FxHashMap::default(),
            cap: MAX_FILES_PER_PAGE,
            skipped: 0,
            invalid: Vec::new(),
            invalid_count: 0,
        }
    }

    fn push(&mut self, s: &str) -> Span {
        let start = u32::try_from(self.project.text.len()).unwrap_or(u32::MAX);
        self.project.text.push_str(s);
        Span {
            start,
            len: s.len() as u32,
        }
    }

    /// Adds one link of the page: a file of this project is recorded, a
    /// link that does not count or a file with an invalid name is noted,
    /// any other file is left out. `Err`: the page lists too much.
    fn add(&mut self, file: Option<IndexFile>) -> Result<(), String> {
        let Some(file) = file else {
            self.skipped += 1;
            return Ok(());
        };
        let Some((version, wheel)) = self.version_of(&file.filename) else {
            return Ok(());
        };
        self.check_room()?;
        let next = self.version_ids.len() as u32;
        let version = *self.version_ids.entry(version).or_insert(next);
        let url = self.push(file.url.as_str());
        let filename = match url_tail(file.url.as_str(), &file.filename) {
            Some(offset) => Span {
                start: url.start + offset,
                len: file.filename.len() as u32,
            },
            None => self.push(&file.filename),
        };
        let requires_python = self.requires_python_span(file.requires_python.as_deref());
        let mut flags = flags(&file, wheel);
        let sha256 = sha256_bytes(file.sha256.as_deref());
        if sha256.is_some() {
            flags |= HAS_SHA256;
        }
        self.project.records.push(Record {
            url,
            filename,
            requires_python,
            version,
            flags,
            origin: 0,
            sha256: sha256.unwrap_or([0; 32]),
        });
        Ok(())
    }

    /// The version of a file of this project and whether it is a wheel;
    /// `None` for a file that does not count (an invalid name is noted).
    fn version_of(&mut self, filename: &str) -> Option<(Version, bool)> {
        match classify(self.name, filename) {
            Kind::Wheel(v) => Some((v, true)),
            Kind::Sdist(v) => Some((v, false)),
            Kind::Invalid(why) => {
                self.invalid_count += 1;
                if self.invalid.len() < NAMED_INVALID {
                    self.invalid.push(format!(
                        "{}: index file `{filename}` skipped: {why}",
                        self.name
                    ));
                }
                None
            }
            Kind::Other => None,
        }
    }

    /// `Err` when one more file does not fit: the cap per page, or the
    /// arena's u32 spans.
    fn check_room(&self) -> Result<(), String> {
        if self.project.records.len() >= self.cap {
            return Err(format!(
                "the page lists more than {} distribution files of `{}` (the cap per project page)",
                self.cap, self.name
            ));
        }
        // Spans are u32: a page is capped far below 4 GiB, but say no
        // rather than wrap.
        if self.project.text.len() > (u32::MAX as usize) / 2 {
            return Err("the page's links are too long".into());
        }
        Ok(())
    }

    /// The span of a Requires-Python value (each distinct one is stored
    /// once); empty for none.
    fn requires_python_span(&mut self, value: Option<&str>) -> Span {
        let Some(rp) = value else {
            return Span::default();
        };
        if let Some(span) = self.requires_python.get(rp) {
            return *span;
        }
        let span = self.push(rp);
        self.requires_python.insert(rp.to_owned(), span);
        span
    }

    fn finish(self, page: &str, warnings: &mut Vec<String>) -> Project {
        let Builder {
            name,
            mut project,
            version_ids,
            skipped,
            invalid,
            invalid_count,
            ..
        } = self;
        // Versions ascending; records renumbered.
        let mut versions: Vec<(Version, u32)> = version_ids.into_iter().collect();
        versions.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        let mut rank = vec![0u32; versions.len()];
        for (i, (_, id)) in versions.iter().enumerate() {
            rank[*id as usize] = i as u32;
        }
        for r in &mut project.records {
            r.version = rank[r.version as usize];
        }
        project.versions = versions.into_iter().map(|(v, _)| v).collect();
        project.index();
        project.shrink();
        warnings.extend(invalid);
        if invalid_count > NAMED_INVALID {
            warnings.push(format!(
                "{name}: {} more index files with an invalid name skipped ({page})",
                invalid_count - NAMED_INVALID
            ));
        }
        if skipped > 0 {
            warnings.push(format!(
                "{name}: {skipped} links skipped on {page}: not an http(s) link to a file"
            ));
        }
        project
    }
}

/// The flags of a file as listed (all but [`HAS_SHA256`]).
fn flags(file: &IndexFile, wheel: bool) -> u8 {
    let mut flags = 0;
    if file.yanked {
        flags |= YANKED;
    }
    if file.has_metadata {
        flags |= HAS_METADATA;
    }
    if wheel {
        flags |= WHEEL;
    }
    flags
}

/// A sha256 given as 64 hex digits, as its 32 bytes; `None` otherwise.
fn sha256_bytes(hex: Option<&str>) -> Option<[u8; 32]> {
    let hex = hex.filter(|h| h.len() == 64)?;
    let mut sha256 = [0u8; 32];
    let ok = hex
        .as_bytes()
        .chunks(2)
        .zip(sha256.iter_mut())
        .all(|(pair, out)| {
            std::str::from_utf8(pair)
                .ok()
                .and_then(|p| u8::from_str_radix(p, 16).ok())
                .map(|b| *out = b)
                .is_some()
        });
    ok.then_some(sha256)
}

/// Where `filename` sits at the end of `url`'s path, when it is spelt there
/// exactly (no percent-encoding): its byte offset in `url`.
fn url_tail(url: &str, filename: &str) -> Option<u32> {
    let path_end = url.find(['?', '#']).unwrap_or(url.len());
    let path = &url[..path_end];
    path.ends_with(filename)
        .then(|| (path_end - filename.len()) as u32)
        .filter(|&at| at > 0 && url.as_bytes()[at as usize - 1] == b'/')
}

/// What a file name is.
#[derive(Debug)]
enum Kind {
    Wheel(Version),
    Sdist(Version),
    Invalid(String),
    Other,
}

fn classify(project: &PackageName, filename: &str) -> Kind {
    if filename.ends_with(".whl") {
        return match filename.parse::<WheelFilename>() {
            Ok(w) if &w.name == project => Kind::Wheel(w.version),
            Ok(w) => Kind::Invalid(format!("it is a wheel of `{}`", w.name)),
            Err(e) => Kind::Invalid(e.reason),
        };
    }
    let lower = filename.to_ascii_lowercase();
    let Some(stem) = SDIST_SUFFIXES
        .iter()
        .find(|s| lower.ends_with(*s))
        .map(|s| &filename[..filename.len() - s.len()])
    else {
        return Kind::Other;
    };
    // `{name}-{version}`: the name may itself contain dashes, so try every
    // split whose name part normalises to the project's name.
    let mut named = false;
    for (i, _) in stem.match_indices('-') {
        let (name, version) = (&stem[..i], &stem[i + 1..]);
        if name.parse::<PackageName>().ok().as_ref() != Some(project) {
            continue;
        }
        named = true;
        if let Ok(v) = version.parse::<Version>() {
            return Kind::Sdist(v);
        }
    }
    if named {
        Kind::Invalid("its version is not a PEP 440 version".into())
    } else {
        Kind::Invalid("not `{name}-{version}` of this project".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use url::Url;

    fn f(name: &str, yanked: bool) -> IndexFile {
        IndexFile {
            filename: name.into(),
            url: Url::parse(&format!("https://x/{name}")).unwrap(),
            yanked,
            has_metadata: false,
            requires_python: None,
            sha256: None,
        }
    }

    fn yanked_per_version(p: &Project) -> Vec<bool> {
        p.versions().map(|(_, files)| files.all_yanked()).collect()
    }

    #[test]
    fn groups_wheels_and_sdists() {
        let p: PackageName = "foo-bar".parse().unwrap();
        let mut warnings = Vec::new();
        let proj = Project::from_files(
            &p,
            [
                f("foo_bar-1.0-py3-none-any.whl", false),
                f("Foo.Bar-1.0.tar.gz", true),
                f("foo-bar-2.0rc1.zip", false),
                f("foo_bar-bad-py3-none-any.whl", false),
                f("foo-bar-notaversion.tar.gz", false),
                f("other-1.0-py3-none-any.whl", false),
                f("foo_bar-1.0.win32.exe", false),
                f("foo_bar-1.0-py2.7.egg", false),
            ],
            &mut warnings,
        );
        let versions: Vec<String> = proj.versions().map(|(v, _)| v.to_string()).collect();
        assert_eq!(versions, ["1.0", "2.0rc1"]);
        assert_eq!(proj.versions().next().unwrap().1.len(), 2);
        assert_eq!(warnings.len(), 3, "{warnings:?}");
        assert!(warnings[0].contains("foo_bar-bad-py3-none-any.whl"));
    }

    #[test]
    fn accessors_give_back_what_was_listed() {
        let p: PackageName = "a".parse().unwrap();
        let hash = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
        let files = [
            IndexFile {
                filename: "a-1.0-cp311-abi3-manylinux2014_s390x.whl".into(),
                url: Url::parse("https://u:p@h/x/a-1.0-cp311-abi3-manylinux2014_s390x.whl?q=1")
                    .unwrap(),
                yanked: true,
                has_metadata: true,
                requires_python: Some(">=3.8".into()),
                sha256: Some(hash.into()),
            },
            IndexFile {
                filename: "a-1.0+local.tar.gz".into(),
                url: Url::parse("https://h/x/a-1.0%2Blocal.tar.gz").unwrap(),
                yanked: false,
                has_metadata: false,
                requires_python: Some(">=3.8".into()),
                sha256: None,
            },
        ];
        let proj = Project::from_files(&p, files.clone(), &mut Vec::new());
        assert_eq!(proj.len(), 2);
        assert_eq!(proj.version_count(), 2);
        let back: Vec<IndexFile> = proj
            .versions()
            .flat_map(|(_, fs)| fs.iter().map(|f| f.to_index_file()).collect::<Vec<_>>())
            .collect();
        assert_eq!(back, [files[0].clone(), files[1].clone()]);
        let v: Version = "1.0".parse().unwrap();
        let one = proj.files(&v).unwrap().iter().next().unwrap();
        let wheel = one.wheel().unwrap();
        assert_eq!(wheel.abi_tags(), "abi3");
        assert_eq!(wheel.platform_tags(), "manylinux2014_s390x");
        assert_eq!(one.sha256().as_deref(), Some(hash));
        assert_eq!(
            one.public_url().as_str(),
            "https://h/x/a-1.0-cp311-abi3-manylinux2014_s390x.whl?q=1"
        );
        assert_eq!(one.version(), &v);
        assert!(proj.files(&"9".parse().unwrap()).is_none());
        let pf = proj.files(&v).unwrap().to_project_files();
        assert_eq!(pf[0].wheel.as_ref(), Some(&wheel));
    }

    #[test]
    fn yanked_only_when_every_file_is() {
        let p: PackageName = "a".parse().unwrap();
        let mut w = Vec::new();
        let proj = Project::from_files(
            &p,
            [
                f("a-1.0.tar.gz", true),
                f("a-1.0-py3-none-any.whl", false),
                f("a-2.0.tar.gz", true),
                f("a-2.0-py3-none-any.whl", true),
            ],
            &mut w,
        );
        assert_eq!(yanked_per_version(&proj), [false, true]);
    }

    #[test]
    fn merge_keeps_first_copy() {
        let p: PackageName = "a".parse().unwrap();
        let mut w = Vec::new();
        let mut one = Project::from_files(&p, [f("a-1.0.tar.gz", false)], &mut w);
        let two = Project::from_files(
            &p,
            [
                f("a-3.0.tar.gz", false),
                f("a-1.0.tar.gz", true),
                f("a-0.5.tar.gz", true),
                f("a-3.0.tar.gz", true),
            ],
            &mut w,
        );
        one.merge(two);
        let versions: Vec<String> = one.versions().map(|(v, _)| v.to_string()).collect();
        assert_eq!(versions, ["0.5", "1.0", "3.0"]);
        assert_eq!(yanked_per_version(&one), [true, false, false]);
        assert_eq!(one.len(), 3);
        let names: Vec<&str> = one
            .versions()
            .flat_map(|(_, fs)| fs.iter().map(|f| f.filename()).collect::<Vec<_>>())
            .collect();
        assert_eq!(names, ["a-0.5.tar.gz", "a-1.0.tar.gz", "a-3.0.tar.gz"]);
    }

    /// Issue 11: merging scanned a version's files once per file added
    /// (20,000 files of one version: 5.8 s in a release build). Now hashed:
    /// 2 × 40,000 files well under a second even unoptimised.
    #[test]
    fn merge_is_not_quadratic() {
        let p: PackageName = "a".parse().unwrap();
        let n = 40_000;
        let make = |offset: usize| {
            Project::from_files(
                &p,
                (0..n).map(|i| f(&format!("a-1.0-{}-py3-none-any.whl", i + offset), false)),
                &mut Vec::new(),
            )
        };
        let (mut one, two) = (make(0), make(n / 2));
        let start = std::time::Instant::now();
        one.merge(two);
        let took = start.elapsed();
        assert_eq!(one.len(), n + n / 2);
        assert!(took < std::time::Duration::from_secs(3), "{took:?}");
    }

    #[test]
    fn the_page_cap_is_an_error() {
        let p: PackageName = "a".parse().unwrap();
        let page = Url::parse("https://x/simple/a/").unwrap();
        let mut body = String::new();
        for i in 0..=MAX_FILES_PER_PAGE {
            body.push_str(&format!("<a href=a-{i}.zip>\n"));
        }
        let err =
            Project::from_page(&p, body.as_bytes(), None, &page, &mut Vec::new()).unwrap_err();
        assert!(err.contains("more than 200000"), "{err}");
    }

    #[test]
    fn skipped_links_are_counted_and_invalid_names_bounded() {
        let p: PackageName = "a".parse().unwrap();
        let page = Url::parse("https://x/simple/a/").unwrap();
        let mut body = String::from(
            "<a href='javascript:x'>a-9.zip</a><a href='?page=2'>a-9.zip</a><a name=top>a-9.zip</a><a href=a-1.zip>x</a>",
        );
        for i in 0..25 {
            body.push_str(&format!("<a href=a-bad{i}!.zip>x</a>"));
        }
        let mut warnings = Vec::new();
        let proj = Project::from_page(&p, body.as_bytes(), Some("text/html"), &page, &mut warnings)
            .unwrap();
        assert_eq!(proj.len(), 1);
        assert_eq!(warnings.len(), NAMED_INVALID + 2, "{warnings:?}");
        assert!(
            warnings.iter().any(|w| w.contains("15 more")),
            "{warnings:?}"
        );
        assert!(
            warnings.iter().any(|w| w.contains("2 links skipped")),
            "{warnings:?}"
        );
    }
}
