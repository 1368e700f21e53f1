//! Requires-Dist as the planner keeps them: [`Req`], a compact PEP 508
//! requirement (the name, shared specifiers, the marker), and
//! [`RequiresDist`], that with the text as written; [`RequirementParser`]
//! makes them, parsing with pep508_rs and sharing what repeats.
//!
//! A wheelhouse has some hundred thousand requirements on some thousand
//! projects with a few dozen distinct specifier sets and markers. A parsed
//! `pep508_rs::Requirement` takes 216 bytes inline plus a heap block for
//! the name, one for the specifier list and one per version in it; a
//! [`RequiresDist`] takes 64 bytes and two heap blocks (its name and its
//! text), the specifiers being shared with every other requirement that
//! writes them the same way and the marker an interned id.

use std::str::FromStr;
use std::sync::Arc;

use pep440_rs::VersionSpecifiers;
use pep508_rs::{ExtraName, MarkerEnvironment, MarkerTree, PackageName, Requirement, VersionOrUrl};
use rustc_hash::FxHashMap as HashMap;

/// A Requires-Dist value that is not a valid PEP 508 requirement.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Requires-Dist `{line}` is not a valid PEP 508 requirement: {reason}")]
pub struct RequirementError {
    /// The value as written (trimmed).
    pub line: String,
    /// What is wrong with it.
    pub reason: String,
}

/// Marker variables whose value has a patch level (`X.Y.Z`): a marker on
/// them may decide differently for two patch levels of one `X.Y`.
pub const PATCH_VARIABLES: [&str; 2] = ["python_full_version", "implementation_version"];

/// What the planner asks of a requirement, whether a compact [`Req`] or a
/// whole `pep508_rs::Requirement` (a constraint).
pub trait Wants {
    /// The normalised project name.
    fn project(&self) -> &PackageName;
    /// Its version specifiers; `None` for a bare name or a direct URL
    /// (which accept every version).
    fn specifiers(&self) -> Option<&VersionSpecifiers>;
}

impl<T: Wants + ?Sized> Wants for &T {
    fn project(&self) -> &PackageName {
        (**self).project()
    }

    fn specifiers(&self) -> Option<&VersionSpecifiers> {
        (**self).specifiers()
    }
}

impl Wants for Requirement {
    fn project(&self) -> &PackageName {
        &self.name
    }

    fn specifiers(&self) -> Option<&VersionSpecifiers> {
        match &self.version_or_url {
            Some(VersionOrUrl::VersionSpecifier(s)) => Some(s),
            _ => None,
        }
    }
}

/// A PEP 508 requirement as the planner keeps it: what decides which
/// versions satisfy it and whether it applies. (The extras and a direct
/// URL are not planned: the text as written keeps them for the plan.)
#[derive(Debug, Clone, PartialEq)]
pub struct Req {
    /// The normalised project name. (Not shared: a look-up in a table of
    /// some thousand shared names costs a cache miss per requirement, more
    /// than the copy of a short name.)
    pub name: PackageName,
    /// The version specifiers (shared); `None` for a bare name or a
    /// direct URL, which accept every version.
    pub specifiers: Option<Arc<VersionSpecifiers>>,
    /// The environment marker (`true` when there is none).
    pub marker: MarkerTree,
    /// The marker names a variable with a patch level
    /// ([`PATCH_VARIABLES`]).
    pub patch_variable: bool,
}

impl Req {
    /// The compact form of a whole parse of `text` (nothing shared).
    pub fn from_requirement(requirement: Requirement, text: &str) -> Self {
        // From the text: pep508_rs writes `python_version` markers back as
        // `python_full_version`.
        let patch_variable = !requirement.marker.is_true()
            && mentions_patch_variable(split_marker(text).map_or(text, |(_, marker)| marker));
        let specifiers = match requirement.version_or_url {
            Some(VersionOrUrl::VersionSpecifier(s)) => Some(Arc::new(s)),
            _ => None,
        };
        Self {
            name: requirement.name,
            specifiers,
            marker: requirement.marker,
            patch_variable,
        }
    }

    /// Does `env` (no extras) select it?
    pub fn evaluate(&self, env: &MarkerEnvironment) -> bool {
        self.marker.evaluate(env, &[])
    }
}

impl Wants for Req {
    fn project(&self) -> &PackageName {
        &self.name
    }

    fn specifiers(&self) -> Option<&VersionSpecifiers> {
        self.specifiers.as_deref()
    }
}

/// Does marker text name a variable with a patch level?
pub fn mentions_patch_variable(marker_text: &str) -> bool {
    PATCH_VARIABLES.iter().any(|v| marker_text.contains(v))
}

/// One Requires-Dist: parsed, and as written (for `missing_requirements`).
#[derive(Debug, Clone)]
pub struct RequiresDist {
    /// The requirement.
    pub requirement: Req,
    /// The field value as written (trimmed).
    pub text: Box<str>,
}

impl RequiresDist {
    /// Parses one requirement string.
    #[cfg(any(test, feature = "internals"))]
    pub fn parse(text: &str) -> Result<Self, RequirementError> {
        RequirementParser::default().parse(text)
    }

    /// From a whole parse and its text.
    pub fn from_requirement(requirement: Requirement, text: &str) -> Self {
        Self {
            requirement: Req::from_requirement(requirement, text),
            text: text.into(),
        }
    }
}

/// Parses Requires-Dist values with pep508_rs, parsing each distinct
/// marker text once (a wheelhouse repeats the same few markers thousands
/// of times, and the marker is most of the cost of a PEP 508 parse), and
/// parsing each distinct specifier text once, its set shared by the
/// requirements that write it alike. The result is that of a whole parse.
#[derive(Debug, Default)]
pub struct RequirementParser {
    /// Marker text → the parsed marker, and whether it names a patch variable.
    markers: HashMap<Box<str>, (MarkerTree, bool)>,
    /// Specifier text as written → the parsed set.
    specifiers: HashMap<Box<str>, Arc<VersionSpecifiers>>,
    /// A list to collect one document's requirements in, reused.
    scratch: Vec<RequiresDist>,
}

impl RequirementParser {
    /// Parses one requirement string.
    #[cfg(any(test, feature = "internals"))]
    pub fn parse(&mut self, text: &str) -> Result<RequiresDist, RequirementError> {
        let text = text.trim();
        Ok(RequiresDist {
            requirement: self.parse_req(text)?,
            text: text.into(),
        })
    }

    /// Parses one requirement string (trimmed), without keeping its text:
    /// a caller that drops most requirements by their marker copies the
    /// text of those it keeps only.
    pub fn parse_req(&mut self, text: &str) -> Result<Req, RequirementError> {
        let text = text.trim();
        let error = |reason: String| RequirementError {
            line: text.to_owned(),
            reason,
        };
        guard_names(text).map_err(error)?;
        guard_marker_text(text).map_err(error)?;
        // pep508_rs 0.9 has `expect`s on paths its own lexer should rule out;
        // the guards rule out the ones known (found by the property tests
        // and the fuzzers), and a panic from any other is still an error,
        // not a crash.
        let whole = |text: &str| {
            catch_parse(|| text.parse::<Requirement>())
                .map_err(error)?
                .map_err(|e| error(e.message.to_string()))
        };
        let requirement = match split_marker(text) {
            Some((head, marker_text)) => {
                let (marker, patch_variable) = match self.markers.get(marker_text) {
                    Some(cached) => cached.clone(),
                    None => {
                        let tree = catch_parse(|| MarkerTree::from_str(marker_text))
                            .map_err(error)?
                            .map_err(|e| error(e.message.to_string()))?;
                        let parsed = (tree, mentions_patch_variable(marker_text));
                        self.markers.insert(marker_text.into(), parsed.clone());
                        parsed
                    }
                };
                let (name, specifiers) = self.head(head, &whole)?;
                Req {
                    name,
                    specifiers,
                    marker,
                    patch_variable,
                }
            }
            // No marker (and no direct URL): all of it is the head.
            None if memchr::memchr2(b';', b'@', text.as_bytes()).is_none() => {
                let (name, specifiers) = self.head(text, &whole)?;
                Req {
                    name,
                    specifiers,
                    marker: MarkerTree::TRUE,
                    patch_variable: false,
                }
            }
            // A direct URL (no specifiers to share), or a malformed marker.
            None => Req::from_requirement(whole(text)?, text),
        };
        Ok(requirement)
    }

    /// The reusable list (empty), for one document's requirements.
    pub(crate) fn take_scratch(&mut self) -> Vec<RequiresDist> {
        std::mem::take(&mut self.scratch)
    }

    /// Gives the list back (emptied) for the next document.
    pub(crate) fn put_scratch(&mut self, mut list: Vec<RequiresDist>) {
        list.clear();
        self.scratch = list;
    }

    /// The name and specifiers of `head` (`name [extras] specifiers`, no
    /// marker, no direct URL). When its specifier text has been seen
    /// before, only `name [extras]` is parsed and the parsed set is shared:
    /// the PEP 508 grammar reads the specifiers after the name and extras
    /// whatever they are, so a text that parsed once parses the same after
    /// any name. A plain name, with or without tightly written extras
    /// ([`bare_name`]), is then read by `PackageName` alone, as pep508_rs
    /// reads it; so is one with no specifiers that cannot look like an
    /// archive. Otherwise (or should the short parse
    /// fail, to report the same error) the whole head is parsed.
    fn head(
        &mut self,
        head: &str,
        whole: &dyn Fn(&str) -> Result<Requirement, RequirementError>,
    ) -> Result<(PackageName, Option<Arc<VersionSpecifiers>>), RequirementError> {
        let (name_part, written) = split_head(head);
        // `name` or `name[extras]` written tightly, with a name and extras
        // pep508_rs accepts: the bare name. (The planner keeps no extras,
        // and they cannot change how the specifiers parse.)
        let plain_name = bare_name(name_part);
        if written.is_empty() {
            // With no specifiers pep508_rs first refuses a name that
            // looks like an archive (`x.whl`), which needs a `.`.
            if let Some(name) = plain_name.filter(|n| !n.contains('.')) {
                if let Ok(name) = PackageName::from_str(name) {
                    return Ok((name, None));
                }
            }
        } else if let Some(shared) = self.specifiers.get(written) {
            if let Some(name) = plain_name {
                if let Ok(name) = PackageName::from_str(name) {
                    return Ok((name, Some(shared.clone())));
                }
            } else if let Ok(r) = whole(name_part) {
                if r.version_or_url.is_none() && r.marker.is_true() {
                    return Ok((r.name, Some(shared.clone())));
                }
            }
        }
        let requirement = whole(head)?;
        let specifiers = match requirement.version_or_url {
            Some(VersionOrUrl::VersionSpecifier(parsed)) => Some(self.specifiers(written, parsed)),
            _ => None,
        };
        Ok((requirement.name, specifiers))
    }

    /// The one parsed set for specifier text `written` (the text, not the
    /// parsed value, is the key: `~=1.0` and `~=1.0.0` are equal as
    /// values but admit different versions).
    fn specifiers(&mut self, written: &str, parsed: VersionSpecifiers) -> Arc<VersionSpecifiers> {
        if let Some(shared) = self.specifiers.get(written) {
            return shared.clone();
        }
        let shared = Arc::new(parsed);
        self.specifiers.insert(written.into(), shared.clone());
        shared
    }
}

/// A requirement head `name [extras] specifiers` split into its
/// `name [extras]` part and its specifier part, for a head that pep508_rs
/// has accepted (so a name is a run of `[A-Za-z0-9._-]` and extras end at
/// the first `]`). Every character after the extras is part of the
/// specifiers, so two heads with the same specifier text have the same
/// specifiers. Unclosed extras leave no specifier part.
fn split_head(head: &str) -> (&str, &str) {
    let rest = head.trim_start();
    let mut end = rest.find(|c: char| !is_name_char(c)).unwrap_or(rest.len());
    let after_name = &rest[end..];
    if after_name.trim_start().starts_with('[') {
        end = match after_name.find(']') {
            Some(close) => end + close + 1,
            None => rest.len(),
        };
    }
    (rest[..end].trim_end(), rest[end..].trim())
}

/// A character of a PEP 508 project or extra name.
fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_')
}

/// The project name of a `name` or `name[extra,...]` written with no
/// spaces, when pep508_rs reads it as that name and extras: the name's
/// characters are those of a PEP 508 name, and every extra is a valid,
/// non-empty [`ExtraName`] (`[]` has none). `None` for any other shape,
/// which is then parsed whole.
fn bare_name(name_part: &str) -> Option<&str> {
    let (name, extras) = match name_part.split_once('[') {
        None => (name_part, ""),
        Some((name, rest)) => (name, rest.strip_suffix(']')?),
    };
    let extra_ok = |e: &str| !e.is_empty() && ExtraName::from_str(e).is_ok();
    (name.chars().all(is_name_char) && (extras.is_empty() || extras.split(',').all(extra_ok)))
        .then_some(name)
}

/// `name[extras] specifiers ; marker` → (`name[extras] specifiers`, `marker`)
/// when that split is certain: no direct URL (whose text may hold `;`), and a
/// non-empty marker. Otherwise `None`, and the whole text is parsed at once.
fn split_marker(text: &str) -> Option<(&str, &str)> {
    let bytes = text.as_bytes();
    if memchr::memchr(b'@', bytes).is_some() {
        return None;
    }
    let semi = memchr::memchr(b';', bytes)?;
    let (head, marker) = (text[..semi].trim_end(), text[semi + 1..].trim());
    (!head.is_empty() && !marker.is_empty()).then_some((head, marker))
}

/// Runs a pep508_rs parse, turning a panic inside it into an error.
fn catch_parse<T>(parse: impl FnOnce() -> T) -> Result<T, String> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(parse))
        .map_err(|_| "the PEP 508 parser failed on it".to_owned())
}

/// Rejects a project or extra name that ends in `.`, `-` or `_` before the
/// next delimiter (pep508_rs 0.9 panics on `9. ` and `a[b.]`).
fn guard_names(text: &str) -> Result<(), String> {
    let check = |run: &str, what: &str| match run.chars().last() {
        Some(c @ ('.' | '-' | '_')) => Err(format!(
            "{what} `{run}` must end with an alphanumeric character, not '{c}'"
        )),
        _ => Ok(()),
    };
    let rest = text.trim_start();
    let end = rest.find(|c| !is_name_char(c)).unwrap_or(rest.len());
    check(&rest[..end], "project name")?;
    let rest = rest[end..].trim_start();
    if let Some(extras) = rest.strip_prefix('[') {
        let extras = extras.split(']').next().unwrap_or(extras);
        for extra in extras.split(',') {
            let extra = extra.trim();
            let end = extra.find(|c| !is_name_char(c)).unwrap_or(extra.len());
            check(&extra[..end], "extra name")?;
        }
    }
    Ok(())
}

/// Rejects non-ASCII text in the marker part (after `;`) where pep508_rs 0.9
/// could read it as the next `and`/`or` word: it counts that word in chars
/// but slices it in bytes, and panics mid-character (found by the fuzz
/// targets: `a ; extra == "x" ԭ`). Allowed: non-ASCII inside a quoted string
/// that follows an operator (`==`, `in`, ...), `;`, `(`, `and` or `or`.
fn guard_marker_text(text: &str) -> Result<(), String> {
    let Some(semi) = memchr::memchr(b';', text.as_bytes()) else {
        return Ok(());
    };
    let marker = &text[semi + 1..];
    if marker.is_ascii() {
        return Ok(());
    }
    let reject = || Err("non-ASCII text outside a quoted marker value".to_owned());
    let mut rest = marker;
    let mut before = &text[..=semi]; // what precedes `rest`
    while let Some(c) = rest.chars().next() {
        if c == '"' || c == '\'' {
            let body = &rest[1..];
            let Some(end) = body.find(c) else {
                return if body.is_ascii() { Ok(()) } else { reject() };
            };
            let prev = before.trim_end();
            let value_position = prev.ends_with(['=', '<', '>', ';', '('])
                || [" in", " and", " or"]
                    .iter()
                    .any(|w| format!(" {prev}").ends_with(w));
            if !body[..end].is_ascii() && !value_position {
                return reject();
            }
            before = "\"";
            rest = &body[end + 1..];
            continue;
        }
        if !c.is_ascii() {
            return reject();
        }
        let len = c.len_utf8();
        before = &text[..text.len() - rest.len() + len];
        rest = &rest[len..];
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_the_parser_would_panic_on_are_errors() {
        for bad in [
            "9.",
            "9. ",
            "S9.;python_version>'3'",
            "a_ >=1",
            "a[b.]",
            "a[ok, b- ]",
            "a-[x]",
        ] {
            let err = RequiresDist::parse(bad).unwrap_err();
            assert!(err.to_string().contains("alphanumeric"), "{bad}: {err}");
        }
        for good in ["a.b-c_d>=1", "a [x,y] >=1", "a[x]", "a ; extra == 'x'"] {
            assert!(RequiresDist::parse(good).is_ok(), "{good}");
        }
    }

    #[test]
    fn cached_marker_parse_equals_a_whole_parse() {
        let mut parser = RequirementParser::default();
        let texts = [
            "a>=1; python_version < '3.8'",
            "b ; python_version < '3.8'",
            "c[x,y] ~=1.2 ; extra == 'test' and sys_platform != 'win32'",
            "d==1.0.*;platform_machine=='s390x'",
            "e (>=1,<2) ; os_name == 'posix' or python_full_version >= '3.11.1'",
            "f @ https://example.com/f.whl ; python_version >= '3'",
            "g",
            "h>=2",
            "a>=1; python_version < '3.8'",
        ];
        for _ in 0..2 {
            for text in texts {
                let whole: Requirement = text.parse().unwrap();
                let cached = parser.parse(text).unwrap();
                assert_eq!(
                    cached.requirement,
                    Req::from_requirement(whole, text),
                    "{text}"
                );
                assert_eq!(&*cached.text, text);
            }
        }
        for bad in [
            "a>=1;",
            "a>=1; python_version <",
            "; python_version < '3'",
            "a>=>1; extra == 'x'",
        ] {
            assert!(parser.parse(bad).is_err(), "{bad}");
            assert_eq!(
                parser.parse(bad).is_err(),
                bad.parse::<Requirement>().is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn shares_names_and_specifiers_written_alike_only() {
        let mut parser = RequirementParser::default();
        let a = parser
            .parse("Lib ~=1.0 ; extra == 'x'")
            .unwrap()
            .requirement;
        let b = parser.parse("lib~=1.0").unwrap().requirement;
        let c = parser.parse("other ~=1.0.0").unwrap().requirement;
        let d = parser.parse("lib[x] ~=1.0").unwrap().requirement;
        assert_eq!(a.name, b.name);
        assert!(Arc::ptr_eq(
            a.specifiers.as_ref().unwrap(),
            b.specifiers.as_ref().unwrap()
        ));
        assert!(Arc::ptr_eq(
            a.specifiers.as_ref().unwrap(),
            d.specifiers.as_ref().unwrap()
        ));
        // Equal as values, not alike: `~=1.0` admits 1.5, `~=1.0.0` does not.
        assert!(!Arc::ptr_eq(
            a.specifiers.as_ref().unwrap(),
            c.specifiers.as_ref().unwrap()
        ));
        let v: pep440_rs::Version = "1.5".parse().unwrap();
        assert!(a.specifiers.as_ref().unwrap().contains(&v));
        assert!(!c.specifiers.as_ref().unwrap().contains(&v));
    }

    #[test]
    fn notes_markers_on_patch_variables() {
        let mut parser = RequirementParser::default();
        for (text, patch) in [
            ("a; python_full_version < '3.11.3'", true),
            ("a; implementation_version >= '3'", true),
            ("a; python_version < '3.12'", false),
            ("a", false),
            ("python_full_version_tool>=1", false),
        ] {
            let r = parser.parse(text).unwrap().requirement;
            assert_eq!(r.patch_variable, patch, "{text}");
            let whole = Req::from_requirement(text.parse().unwrap(), text);
            assert_eq!(whole.patch_variable, patch, "{text}");
        }
    }
}
