//! METADATA's text: the header fields the planner needs (Name, Version,
//! Requires-Python, Requires-Dist), parsed from a core-metadata document
//! however it was read.

use pep508_rs::PackageName;
use std::borrow::Cow;

use super::archive::MetadataError;
use crate::requirement::{Req, RequirementParser, RequiresDist};

/// What a wheel's METADATA says that the planner needs.
#[derive(Debug, Clone, Default)]
pub struct WheelMetadata {
    /// Requires-Dist, in file order.
    pub requires_dist: Vec<RequiresDist>,
    /// Requires-Python, as written (trimmed), when present and not empty.
    pub requires_python: Option<String>,
    /// The `Name` field as written; `None` when absent.
    pub name: Option<String>,
    /// The `Version` field as written; `None` when absent.
    pub version: Option<String>,
}

impl WheelMetadata {
    /// Checks that this metadata is that of `name` `version`: its `Name`
    /// (normalised) and `Version` (PEP 440) must match where present.
    /// `Err` says whose it is instead (`evil 6.6`).
    pub fn check_release(
        &self,
        name: &PackageName,
        version: &pep440_rs::Version,
    ) -> Result<(), String> {
        let name_ok = self
            .name
            .as_deref()
            .is_none_or(|n| n.parse::<PackageName>().ok().as_ref() == Some(name));
        let version_ok = self
            .version
            .as_deref()
            .is_none_or(|v| v.parse::<pep440_rs::Version>().ok().as_ref() == Some(version));
        if name_ok && version_ok {
            return Ok(());
        }
        Err(format!(
            "{} {}",
            self.name.as_deref().unwrap_or("?"),
            self.version.as_deref().unwrap_or("?")
        ))
    }
}

/// Which parsed Requires-Dist to keep (every one is parsed, so a bad one
/// is still an error; those not kept are never stored, nor their text
/// copied).
pub type Keep<'k> = &'k dyn Fn(&Req) -> bool;

/// Parses the header section of a core-metadata document (RFC 822 style,
/// continuation lines start with white space) and its Requires-Dist fields.
pub fn parse_metadata(text: &str) -> Result<WheelMetadata, MetadataError> {
    parse_metadata_with(text, &mut RequirementParser::default())
}

/// [`parse_metadata`] with a shared parser. Only Requires-Dist values are
/// copied out of the text (other fields are skipped without allocating).
pub fn parse_metadata_with(
    text: &str,
    parser: &mut RequirementParser,
) -> Result<WheelMetadata, MetadataError> {
    parse_metadata_keeping(text, parser, &|_| true)
}

/// The lines of `text` as [`str::lines`] splits them (at `\n`, a `\r`
/// just before it removed; no empty last line), found with `memchr`: a header
/// line is short, and `str::lines` costs more per line than the search.
fn lines(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = text;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let line = match memchr::memchr(b'\n', rest.as_bytes()) {
            Some(at) => {
                let line = &rest[..at];
                rest = &rest[at + 1..];
                line.strip_suffix('\r').unwrap_or(line)
            }
            None => std::mem::take(&mut rest),
        };
        Some(line)
    })
}

/// [`parse_metadata_with`] keeping only the Requires-Dist that `keep`
/// accepts (the result's list is allocated once, at its final size).
pub fn parse_metadata_keeping(
    text: &str,
    parser: &mut RequirementParser,
    keep: Keep<'_>,
) -> Result<WheelMetadata, MetadataError> {
    let mut kept = parser.take_scratch();
    let mut requires_python = None;
    let (mut name, mut version) = (None, None);
    let mut add = |parser: &mut RequirementParser, value: &str| {
        let text = value.trim();
        let requirement = parser.parse_req(text)?;
        if keep(&requirement) {
            kept.push(RequiresDist {
                requirement,
                text: text.into(),
            });
        }
        Ok::<_, MetadataError>(())
    };
    // The Requires-Dist value being read (continuation lines are appended).
    let mut current: Option<Cow<'_, str>> = None;
    for line in lines(text) {
        if line.is_empty() {
            break; // end of headers; the body is the description
        }
        if line.starts_with([' ', '\t']) {
            if let Some(value) = current.as_mut() {
                let value = value.to_mut();
                value.push(' ');
                value.push_str(line.trim());
            }
            continue;
        }
        if let Some(value) = current.take() {
            add(parser, &value)?;
        }
        if let Some(colon) = memchr::memchr(b':', line.as_bytes()) {
            let (field, value) = (&line[..colon], &line[colon + 1..]);
            let field = field.trim();
            if field.eq_ignore_ascii_case("Requires-Dist") {
                current = Some(Cow::Borrowed(value.trim()));
            } else if field.eq_ignore_ascii_case("Name") && name.is_none() {
                name = Some(value.trim().to_owned());
            } else if field.eq_ignore_ascii_case("Version") && version.is_none() {
                version = Some(value.trim().to_owned());
            } else if field.eq_ignore_ascii_case("Requires-Python") && requires_python.is_none() {
                let value = value.trim();
                if !value.is_empty() {
                    requires_python = Some(value.to_owned());
                }
            }
        }
    }
    if let Some(value) = current.take() {
        add(parser, &value)?;
    }
    // Exactly as long as what was kept; the scratch list goes back.
    let mut requires_dist = Vec::with_capacity(kept.len());
    requires_dist.append(&mut kept);
    parser.put_scratch(kept);
    Ok(WheelMetadata {
        requires_dist,
        requires_python,
        name,
        version,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        #[test]
        fn lines_are_those_of_str_lines(text in "[a\r\n:]{0,12}") {
            let ours: Vec<&str> = lines(&text).collect();
            let std: Vec<&str> = text.lines().collect();
            proptest::prop_assert_eq!(ours, std);
        }
    }

    #[test]
    fn parses_requires_dist_with_continuations_and_body() {
        let md = "Metadata-Version: 2.1\nName: app\nRequires-Dist: lib>=1.0\nRequires-Dist: pytest;\n extra == \"test\"\nDescription-Content-Type: text/plain\n\nRequires-Dist: notme\n";
        let m = parse_metadata(md).unwrap();
        let names: Vec<String> = m
            .requires_dist
            .iter()
            .map(|r| r.requirement.name.to_string())
            .collect();
        assert_eq!(names, vec!["lib", "pytest"]);
        assert_eq!(m.requires_python, None);
        let m = parse_metadata("Name: a\nRequires-Python:  >=3.9, <4 \n\n").unwrap();
        assert_eq!(m.requires_python.as_deref(), Some(">=3.9, <4"));
    }

    #[test]
    fn name_and_version_must_be_the_releases() {
        let md = parse_metadata("Name: Foo.Bar\nVersion: 2.5.0\nRequires-Dist: x\n").unwrap();
        let foo: PackageName = "foo-bar".parse().unwrap();
        let v = |s: &str| s.parse::<pep440_rs::Version>().unwrap();
        assert_eq!(md.check_release(&foo, &v("2.5")), Ok(()));
        assert_eq!(
            md.check_release(&foo, &v("2.6")).unwrap_err(),
            "Foo.Bar 2.5.0"
        );
        let evil = parse_metadata("Name: evil\nVersion: 6.6\n").unwrap();
        assert_eq!(evil.check_release(&foo, &v("2.5")).unwrap_err(), "evil 6.6");
        let bad = parse_metadata("Name: foo-bar\nVersion: not a version\n").unwrap();
        assert!(bad.check_release(&foo, &v("2.5")).is_err());
        // Absent fields are not a mismatch.
        let none = parse_metadata("Requires-Dist: x\n").unwrap();
        assert_eq!(none.check_release(&foo, &v("2.5")), Ok(()));
    }

    #[test]
    fn bad_requirement_is_an_error() {
        let err = parse_metadata("Requires-Dist: lib>=>1\n").unwrap_err();
        assert!(err.to_string().contains("lib>=>1"), "{err}");
    }
}
