//! pip requirements and constraints files (config `requirements`, `constraints`).
//!
//! Understood: one PEP 508 requirement per line, blank lines, `#` comments
//! (at the start of a line or after white space), line continuations with
//! a trailing `\`, environment markers, `-r`/`--requirement` and
//! `-c`/`--constraint` includes (relative to the including file; an include
//! cycle is an error, a file included twice is read once). Every other pip
//! option (`-i`, `--index-url`, `--extra-index-url`, `-f`, `-e`, `--hash`,
//! `--pre`, …) and direct URL or path requirements are rejected with
//! `invalid_config` naming the file and line: indexes come from the config
//! only, and a planned rebuild cannot honour hashes or editables.
//! In a constraints file, `-r` and `-c` both include more constraints.

mod lines;

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use pep508_rs::{MarkerEnvironment, Requirement, VersionOrUrl};

use crate::config::Config;
use crate::error::{ResolverError, Result};
use crate::target::Target;
use crate::wheel::RequiresDist;
use lines::Line;

/// What the requirements and constraints files say.
#[derive(Debug, Default)]
pub struct RequirementFiles {
    /// Requirements planned like extra Requires-Dist, in file order.
    pub requirements: Vec<RequiresDist>,
    /// Constraints every chosen version must satisfy (those whose marker is
    /// false for the target are left out).
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

/// Why a requirements or constraints file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ReqFileError {
    /// The file does not exist.
    #[error("{field}: {path}: {message}")]
    NotFound {
        field: &'static str,
        path: PathBuf,
        message: String,
    },
    /// The file exists but cannot be read.
    #[error("{field}: {path}: {message}")]
    Read {
        field: &'static str,
        path: PathBuf,
        message: String,
    },
    /// A line is not acceptable.
    #[error("{field}: {file}:{line}: {message}")]
    Line {
        field: &'static str,
        file: String,
        line: usize,
        message: String,
    },
}

impl From<ReqFileError> for ResolverError {
    fn from(e: ReqFileError) -> Self {
        match e {
            ReqFileError::NotFound {
                field,
                path,
                message,
            } => Self::InputNotFound {
                path: path.display().to_string(),
                message: format!("{field}: {message}"),
            },
            ReqFileError::Read {
                field,
                path,
                message,
            } => Self::Io {
                path: path.display().to_string(),
                message: format!("{field}: {message}"),
            },
            ReqFileError::Line {
                field,
                file,
                line,
                message,
            } => Self::InvalidConfig {
                field: field.to_owned(),
                message: format!("{file}:{line}: {message}"),
            },
        }
    }
}

/// Whether a file's lines are requirements or constraints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Kind {
    Requirements,
    Constraints,
}

/// Loads the files named in the config.
pub fn load(config: &Config, target: &Target) -> Result<RequirementFiles> {
    let mut out = RequirementFiles {
        requirements_given: config.requirements.is_some(),
        ..RequirementFiles::default()
    };
    if config.requirements.is_none() && config.constraints.is_none() {
        return Ok(out);
    }
    for (field, path, kind) in [
        ("requirements", &config.requirements, Kind::Requirements),
        ("constraints", &config.constraints, Kind::Constraints),
    ] {
        if let Some(path) = path {
            let mut loader = Loader {
                field,
                env: &target.markers,
                out: &mut out,
                read: HashSet::new(),
                stack: Vec::new(),
            };
            loader.file(path, kind, None)?;
        }
    }
    Ok(out)
}

struct Loader<'a> {
    /// The config field the chain of files started from.
    field: &'static str,
    env: &'a MarkerEnvironment,
    out: &'a mut RequirementFiles,
    /// Files already read, per kind (canonical paths).
    read: HashSet<(PathBuf, Kind)>,
    /// The chain of files being read (canonical paths), for cycle detection.
    stack: Vec<PathBuf>,
}

impl Loader<'_> {
    /// Reads one file of `kind` (`from`: the file and line that include it),
    /// each include where it appears; a file already read is skipped.
    fn file(
        &mut self,
        path: &Path,
        kind: Kind,
        from: Option<(&str, usize)>,
    ) -> Result<(), ReqFileError> {
        let what = match kind {
            Kind::Requirements => "requirements file",
            Kind::Constraints => "constraints file",
        };
        let origin = from.map_or_else(String::new, |(f, l)| format!(" (included from {f}:{l})"));
        let bytes = self.read_bytes(path, what, &origin)?;
        let canonical = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_owned());
        let shown = path.display().to_string();
        self.check_cycle(&canonical, from, &shown)?;
        if !self.read.insert((canonical.clone(), kind)) {
            return Ok(()); // already read through another include
        }
        let text = std::str::from_utf8(&bytes).map_err(|e| ReqFileError::Read {
            field: self.field,
            path: path.to_owned(),
            message: format!("{what}{origin} is not UTF-8: {e}"),
        })?;
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        self.stack.push(canonical);
        let base = path.parent().unwrap_or(Path::new("")).to_owned();
        for line in lines::logical_lines(text) {
            self.line(&line, kind, &base, &shown)?;
        }
        self.stack.pop();
        Ok(())
    }

    /// The file's bytes; `what` and `origin` name it in the error.
    fn read_bytes(&self, path: &Path, what: &str, origin: &str) -> Result<Vec<u8>, ReqFileError> {
        std::fs::read(path).map_err(|e| {
            let message = format!("{what}{origin}: {e}");
            if e.kind() == std::io::ErrorKind::NotFound {
                ReqFileError::NotFound {
                    field: self.field,
                    path: path.to_owned(),
                    message,
                }
            } else {
                ReqFileError::Read {
                    field: self.field,
                    path: path.to_owned(),
                    message,
                }
            }
        })
    }

    /// An error when `canonical` is already in the chain of files being
    /// read, at the include that reached it again.
    fn check_cycle(
        &self,
        canonical: &Path,
        from: Option<(&str, usize)>,
        shown: &str,
    ) -> Result<(), ReqFileError> {
        if !self.stack.iter().any(|p| p == canonical) {
            return Ok(());
        }
        let (file, line) = from.unwrap_or((shown, 0));
        let mut chain: Vec<String> = self.stack.iter().map(|p| p.display().to_string()).collect();
        chain.push(canonical.display().to_string());
        Err(ReqFileError::Line {
            field: self.field,
            file: file.to_owned(),
            line,
            message: format!("include cycle: {}", chain.join(" -> ")),
        })
    }

    /// One logical line of a file of `kind` shown as `shown`, whose
    /// includes are relative to `base`: an include, or a requirement.
    fn line(
        &mut self,
        line: &Line,
        kind: Kind,
        base: &Path,
        shown: &str,
    ) -> Result<(), ReqFileError> {
        let field = self.field;
        let bad = |message: String| ReqFileError::Line {
            field,
            file: shown.to_owned(),
            line: line.number,
            message,
        };
        if !line.text.starts_with('-') {
            return self.requirement(line, kind, bad);
        }
        let (option, value) = lines::split_option(&line.text);
        let include_kind = match option {
            "-r" | "--requirement" => kind,
            "-c" | "--constraint" => Kind::Constraints,
            _ => return Err(bad(unsupported_option(option))),
        };
        if value.is_empty() {
            return Err(bad(format!("`{option}` needs a file name")));
        }
        if value.contains("://") || value.starts_with("file:") {
            return Err(bad(format!(
                "`{option} {value}`: only local files can be included"
            )));
        }
        self.file(&base.join(value), include_kind, Some((shown, line.number)))
    }

    /// A requirement line of a file of `kind`: kept as a requirement, or
    /// as a constraint when its markers apply to the target. `bad` makes
    /// the error at this line.
    fn requirement(
        &mut self,
        line: &Line,
        kind: Kind,
        bad: impl Fn(String) -> ReqFileError,
    ) -> Result<(), ReqFileError> {
        if let Some(option) = lines::trailing_option(&line.text) {
            let option = option.split('=').next().unwrap_or(option);
            return Err(bad(unsupported_option(option)));
        }
        let requirement: Requirement = line.text.parse().map_err(|e: pep508_rs::Pep508Error| {
            bad(format!(
                "`{}` is not a PEP 508 requirement: {}",
                line.text, e.message
            ))
        })?;
        if let Some(VersionOrUrl::Url(_)) = &requirement.version_or_url {
            return Err(bad(format!(
                "`{}`: direct URL references are not supported; name a version instead",
                line.text
            )));
        }
        match kind {
            Kind::Requirements => self
                .out
                .requirements
                .push(RequiresDist::from_requirement(requirement, &line.text)),
            Kind::Constraints => {
                if !requirement.extras.is_empty() {
                    return Err(bad(format!(
                        "`{}`: constraints cannot have extras",
                        line.text
                    )));
                }
                if requirement.evaluate_markers(self.env, &[]) {
                    self.out.constraints.push(requirement);
                }
            }
        }
        Ok(())
    }
}

fn unsupported_option(option: &str) -> String {
    let why = match option {
        "-i" | "--index-url" | "--extra-index-url" | "--no-index" | "-f" | "--find-links"
        | "--trusted-host" => "package indexes come from the config's `index` field only",
        "-e" | "--editable" => "editable requirements cannot be planned as wheel builds",
        "--hash" | "--require-hashes" => {
            "hashes pin published artifacts, which a rebuild cannot reproduce; remove them"
        }
        _ => "only -r/--requirement and -c/--constraint are supported",
    };
    format!("pip option `{option}` is not supported: {why}")
}
