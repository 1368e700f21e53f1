//! PEP 427 wheel file names as a typed value.
//!
//! `{distribution}-{version}(-{build tag})?-{python tag}-{abi tag}-{platform tag}.whl`,
//! where each tag may be a compressed set (`py2.py3`, `manylinux_2_17_s390x.manylinux2014_s390x`).

use std::fmt;
use std::str::FromStr;

use pep440_rs::Version;
use pep508_rs::PackageName;

/// A parsed wheel file name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WheelFilename {
    /// The normalised project name.
    pub name: PackageName,
    /// The distribution part as written (`Foo_Bar`).
    pub raw_name: String,
    /// The version.
    pub version: Version,
    /// The optional build tag (`1`, `7abc`).
    pub build_tag: Option<String>,
    /// Python tags (`py2`, `py3`).
    pub python_tags: Vec<String>,
    /// ABI tags.
    pub abi_tags: Vec<String>,
    /// Platform tags.
    pub platform_tags: Vec<String>,
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
        let parts: Vec<&str> = stem.split('-').collect();
        let (name, version, build, py, abi, plat) = match parts.as_slice() {
            [n, v, p, a, pl] => (*n, *v, None, *p, *a, *pl),
            [n, v, b, p, a, pl] => (*n, *v, Some(*b), *p, *a, *pl),
            _ => {
                return Err(err(
                    "expected name-version(-build)?-python-abi-platform.whl (5 or 6 dash-separated parts)",
                ))
            }
        };
        if name.is_empty() {
            return Err(err("the project name is empty"));
        }
        let raw_name = name.to_owned();
        let name: PackageName = name
            .parse()
            .map_err(|_| err(&format!("`{name}` is not a valid project name")))?;
        let version: Version = version
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
        let tag_set = |what: &str, s: &str| -> Result<Vec<String>, WheelFilenameError> {
            let tags: Vec<String> = s.split('.').map(str::to_owned).collect();
            if tags
                .iter()
                .any(|t| t.is_empty() || !t.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'_'))
            {
                return Err(err(&format!("{what} tag `{s}` is malformed")));
            }
            Ok(tags)
        };
        Ok(Self {
            name,
            raw_name,
            version,
            build_tag: build.map(str::to_owned),
            python_tags: tag_set("python", py)?,
            abi_tags: tag_set("abi", abi)?,
            platform_tags: tag_set("platform", plat)?,
        })
    }
}

impl fmt::Display for WheelFilename {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.raw_name, self.version)?;
        if let Some(b) = &self.build_tag {
            write!(f, "-{b}")?;
        }
        write!(
            f,
            "-{}-{}-{}.whl",
            self.python_tags.join("."),
            self.abi_tags.join("."),
            self.platform_tags.join(".")
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
            w.platform_tags,
            vec!["manylinux_2_17_s390x", "manylinux2014_s390x"]
        );
        let w: WheelFilename = "six-1.16.0-py2.py3-none-any.whl".parse().unwrap();
        assert_eq!(w.python_tags, vec!["py2", "py3"]);
        assert_eq!(w.build_tag, None);
    }

    #[test]
    fn parses_build_tag_and_normalises_name() {
        let w: WheelFilename = "tagged2-2.0-7-cp311-cp311-manylinux2014_s390x.whl"
            .parse()
            .unwrap();
        assert_eq!(w.build_tag.as_deref(), Some("7"));
        assert_eq!(w.version.to_string(), "2.0");
        let w: WheelFilename = "Foo_Bar-1.0-py3-none-any.whl".parse().unwrap();
        assert_eq!(w.name.as_ref(), "foo-bar");
        assert_eq!(w.raw_name, "Foo_Bar");
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
