//! PEP 427 wheel file names as a typed value.
//!
//! `{distribution}-{version}(-{build tag})?-{python tag}-{abi tag}-{platform tag}.whl`,
//! where each tag may be a compressed set (`py2.py3`, `manylinux_2_17_s390x.manylinux2014_s390x`).

use std::fmt;
use std::str::FromStr;

use pep440_rs::Version;
use pep508_rs::PackageName;

/// A parsed wheel file name. The parts as written are slices of the one
/// copy of the name it keeps (a wheelhouse has one per wheel: one
/// allocation, not one per tag).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WheelFilename {
    /// The normalised project name.
    pub name: PackageName,
    /// The version.
    pub version: Version,
    /// The file name as given.
    text: Box<str>,
    /// Where the parts after the version lie in `text`.
    spans: Spans,
}

/// Byte ranges in the file name (it is shorter than 4 GiB: checked).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Spans {
    raw_name_end: u32,
    build_tag: Option<(u32, u32)>,
    python: (u32, u32),
    abi: (u32, u32),
    platform: (u32, u32),
}

/// Why a file name is not a wheel name; quotes the name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{filename}` is not a valid wheel file name: {reason}")]
pub struct WheelFilenameError {
    /// The file name as given.
    pub filename: String,
    /// What is wrong.
    pub reason: String,
}

impl WheelFilename {
    fn slice(&self, (start, end): (u32, u32)) -> &str {
        &self.text[start as usize..end as usize]
    }

    /// The file name as given.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The distribution part as written (`Foo_Bar`).
    pub fn raw_name(&self) -> &str {
        self.slice((0, self.spans.raw_name_end))
    }

    /// The optional build tag (`1`, `7abc`).
    pub fn build_tag(&self) -> Option<&str> {
        self.spans.build_tag.map(|span| self.slice(span))
    }

    /// The python tag set as written (`py2.py3`).
    pub fn python_tags(&self) -> &str {
        self.slice(self.spans.python)
    }

    /// The ABI tag set as written.
    pub fn abi_tags(&self) -> &str {
        self.slice(self.spans.abi)
    }

    /// The platform tag set as written
    /// (`manylinux_2_17_s390x.manylinux2014_s390x`).
    pub fn platform_tags(&self) -> &str {
        self.slice(self.spans.platform)
    }
}

impl FromStr for WheelFilename {
    type Err = WheelFilenameError;

    fn from_str(filename: &str) -> Result<Self, Self::Err> {
        let err = |reason: &str| WheelFilenameError {
            filename: filename.to_owned(),
            reason: reason.to_owned(),
        };
        let stem = filename
            .strip_suffix(".whl")
            .ok_or_else(|| err("it does not end in .whl"))?;
        if u32::try_from(filename.len()).is_err() {
            return Err(err("it is too long"));
        }
        // Five or six dash-separated parts (no list is allocated for them):
        // the first seven `split` yields, the last ones `None`.
        let mut split = stem.split('-');
        let parts: [Option<&str>; 7] = std::array::from_fn(|_| split.next());
        let (name, version, build, py, abi, plat) = match parts {
            [Some(n), Some(v), Some(p), Some(a), Some(pl), None, _] => (n, v, None, p, a, pl),
            [Some(n), Some(v), Some(b), Some(p), Some(a), Some(pl), None] => {
                (n, v, Some(b), p, a, pl)
            }
            _ => {
                return Err(err(
                    "expected name-version(-build)?-python-abi-platform.whl (5 or 6 dash-separated parts)",
                ))
            }
        };
        if name.is_empty() {
            return Err(err("the project name is empty"));
        }
        let package: PackageName = name
            .parse()
            .map_err(|_| err(&format!("`{name}` is not a valid project name")))?;
        let parsed: Version = version
            .parse()
            .map_err(|_| err(&format!("`{version}` is not a PEP 440 version")))?;
        if let Some(b) = build {
            if !b.bytes().next().is_some_and(|c| c.is_ascii_digit()) {
                return Err(err(&format!("build tag `{b}` must start with a digit")));
            }
            if !b
                .bytes()
                .all(|c| c.is_ascii_alphanumeric() || c == b'_' || c == b'.')
            {
                return Err(err(&format!(
                    "build tag `{b}` has characters outside [A-Za-z0-9_.]"
                )));
            }
        }
        let tag_set = |what: &str, set: &str| {
            if set
                .split('.')
                .any(|t| t.is_empty() || !t.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'_'))
            {
                return Err(err(&format!("{what} tag `{set}` is malformed")));
            }
            Ok(span_of(filename, set))
        };
        let spans = Spans {
            raw_name_end: span_of(filename, name).1,
            build_tag: build.map(|b| span_of(filename, b)),
            python: tag_set("python", py)?,
            abi: tag_set("abi", abi)?,
            platform: tag_set("platform", plat)?,
        };
        Ok(Self {
            name: package,
            version: parsed,
            text: filename.into(),
            spans,
        })
    }
}

/// Where `part`, a slice of `whole` (shorter than 4 GiB), lies in it.
fn span_of(whole: &str, part: &str) -> (u32, u32) {
    let start = part.as_ptr() as usize - whole.as_ptr() as usize;
    (start as u32, (start + part.len()) as u32)
}

impl fmt::Display for WheelFilename {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.raw_name(), self.version)?;
        if let Some(b) = self.build_tag() {
            write!(f, "-{b}")?;
        }
        write!(
            f,
            "-{}-{}-{}.whl",
            self.python_tags(),
            self.abi_tags(),
            self.platform_tags()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_plain_and_compressed() {
        let w: WheelFilename =
            "numlib-1.26.4-cp311-cp311-manylinux_2_17_s390x.manylinux2014_s390x.whl"
                .parse()
                .unwrap();
        assert_eq!(w.name.as_ref(), "numlib");
        assert_eq!(w.version.to_string(), "1.26.4");
        assert_eq!(
            w.platform_tags(),
            "manylinux_2_17_s390x.manylinux2014_s390x"
        );
        let w: WheelFilename = "six-1.16.0-py2.py3-none-any.whl".parse().unwrap();
        assert_eq!(w.python_tags(), "py2.py3");
        assert_eq!(w.abi_tags(), "none");
        assert_eq!(w.build_tag(), None);
    }

    #[test]
    fn parses_build_tag_and_normalises_name() {
        let w: WheelFilename = "tagged2-2.0-7-cp311-cp311-manylinux2014_s390x.whl"
            .parse()
            .unwrap();
        assert_eq!(w.build_tag(), Some("7"));
        assert_eq!(w.raw_name(), "tagged2");
        assert_eq!(w.platform_tags(), "manylinux2014_s390x");
        assert_eq!(w.version.to_string(), "2.0");
        let w: WheelFilename = "Foo_Bar-1.0-py3-none-any.whl".parse().unwrap();
        assert_eq!(w.name.as_ref(), "foo-bar");
        assert_eq!(w.raw_name(), "Foo_Bar");
        assert_eq!(w.to_string(), "Foo_Bar-1.0-py3-none-any.whl");
    }

    #[test]
    fn rejects_malformed() {
        for bad in [
            "not-a-wheel.whl",
            "pkg-1.0-py3-none-any.zip",
            "pkg-1.0-py3-none.whl",
            "pkg-notaversion-py3-none-any.whl",
            "pkg-1.0-x-py3-none-any.whl",
            "pkg-1.0-1-2-py3-none-any.whl",
            "-1.0-py3-none-any.whl",
            "pkg-1.0-py3..py2-none-any.whl",
            "pkg-1.0-py3-none-.whl",
            ".whl",
            "p@kg-1.0-py3-none-any.whl",
        ] {
            let e = bad.parse::<WheelFilename>().unwrap_err();
            assert!(e.to_string().contains(bad), "{e}");
        }
    }
}
