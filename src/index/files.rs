//! From the files a project page lists to the project's versions: wheels by
//! their PEP 427 name, sdists by `{name}-{version}.tar.gz` / `.zip`.

use std::collections::BTreeMap;

use pep440_rs::Version;
use pep508_rs::PackageName;

use super::simple_api::IndexFile;
use crate::wheel::WheelFilename;

/// Source distribution suffixes pip accepts (`.tar.gz` and `.zip` are the
/// standard ones).
const SDIST_SUFFIXES: [&str; 7] = [
    ".tar.gz", ".zip", ".tar.bz2", ".tar.xz", ".tgz", ".tbz", ".tar",
];

/// One usable file of a project.
#[derive(Debug, Clone)]
pub struct ProjectFile {
    /// As the index lists it.
    pub file: IndexFile,
    /// The parsed name, for a wheel; `None` for an sdist.
    pub wheel: Option<WheelFilename>,
    /// Which configured index listed it (0: `index_url`, then the extra ones).
    pub origin: usize,
}

/// A project's files grouped by version.
#[derive(Debug, Clone, Default)]
pub struct Project {
    /// Files per version, in page order.
    pub versions: BTreeMap<Version, Vec<ProjectFile>>,
}

impl Project {
    /// Groups `files` of `project`. Files that are neither a wheel nor an
    /// sdist are ignored; a wheel or sdist name whose version is invalid (or
    /// that names another project) is skipped with a warning.
    pub fn from_files(
        project: &PackageName,
        files: impl IntoIterator<Item = IndexFile>,
        warnings: &mut Vec<String>,
    ) -> Self {
        let mut versions: BTreeMap<Version, Vec<ProjectFile>> = BTreeMap::new();
        for file in files {
            match classify(project, &file.filename) {
                Kind::Wheel(w) => {
                    let version = w.version.clone();
                    versions.entry(version).or_default().push(ProjectFile {
                        file,
                        wheel: Some(*w),
                        origin: 0,
                    });
                }
                Kind::Sdist(version) => versions.entry(version).or_default().push(ProjectFile {
                    file,
                    wheel: None,
                    origin: 0,
                }),
                Kind::Invalid(why) => warnings.push(format!(
                    "{project}: index file `{}` skipped: {why}",
                    file.filename
                )),
                Kind::Other => {}
            }
        }
        Self { versions }
    }

    /// Marks every file as listed by index number `origin`.
    pub fn set_origin(&mut self, origin: usize) {
        for f in self.versions.values_mut().flatten() {
            f.origin = origin;
        }
    }

    /// Adds the files of another index (best-match), keeping the first of
    /// any file name seen twice.
    pub fn merge(&mut self, other: Project) {
        for (version, files) in other.versions {
            let mine = self.versions.entry(version).or_default();
            for f in files {
                if !mine.iter().any(|m| m.file.filename == f.file.filename) {
                    mine.push(f);
                }
            }
        }
    }

    /// True when every file of `version` is yanked (PEP 592).
    pub fn is_yanked(files: &[ProjectFile]) -> bool {
        !files.is_empty() && files.iter().all(|f| f.file.yanked)
    }
}

/// What a file name is.
#[derive(Debug)]
enum Kind {
    Wheel(Box<WheelFilename>),
    Sdist(Version),
    Invalid(String),
    Other,
}

fn classify(project: &PackageName, filename: &str) -> Kind {
    if filename.ends_with(".whl") {
        return match filename.parse::<WheelFilename>() {
            Ok(w) if &w.name == project => Kind::Wheel(Box::new(w)),
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
        let versions: Vec<String> = proj.versions.keys().map(ToString::to_string).collect();
        assert_eq!(versions, ["1.0", "2.0rc1"]);
        assert_eq!(proj.versions.values().next().unwrap().len(), 2);
        assert_eq!(warnings.len(), 3, "{warnings:?}");
        assert!(warnings[0].contains("foo_bar-bad-py3-none-any.whl"));
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
        let yanked: Vec<bool> = proj
            .versions
            .values()
            .map(|v| Project::is_yanked(v))
            .collect();
        assert_eq!(yanked, [false, true]);
    }

    #[test]
    fn merge_keeps_first_copy() {
        let p: PackageName = "a".parse().unwrap();
        let mut w = Vec::new();
        let mut one = Project::from_files(&p, [f("a-1.0.tar.gz", false)], &mut w);
        let two = Project::from_files(
            &p,
            [f("a-1.0.tar.gz", true), f("a-3.0.tar.gz", false)],
            &mut w,
        );
        one.merge(two);
        assert_eq!(one.versions.len(), 2);
        assert!(!Project::is_yanked(one.versions.values().next().unwrap()));
    }
}
