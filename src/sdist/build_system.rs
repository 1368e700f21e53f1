//! The `[build-system]` table of a `pyproject.toml` (PEP 517 / PEP 518),
//! with the defaults that stand where the file, the table or a key is
//! absent.
//!
//! Nesting: the `toml` crate stops at a nesting depth of 80 arrays, inline
//! tables or dotted-key levels with a parse error ("max recursion depth"),
//! so a deeply nested document cannot overflow the stack; no pre-check is
//! needed here (the `toml` dependency must keep its `unbounded` feature
//! off).

use super::SdistError;

/// The backend when `build-backend` is absent (PEP 517).
pub const DEFAULT_BUILD_BACKEND: &str = "setuptools.build_meta:__legacy__";
/// The requirements when there is no `pyproject.toml`, no `[build-system]`
/// table or no `requires` key (PEP 518).
pub const DEFAULT_REQUIRES: &[&str] = &["setuptools>=40.8.0"];

/// What an sdist says it is built with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildSystem {
    /// `build-backend` as written, else [`DEFAULT_BUILD_BACKEND`].
    pub backend: String,
    /// The `requires` strings as written (markers not evaluated, nor the
    /// strings parsed as PEP 508), else [`DEFAULT_REQUIRES`].
    pub requires: Vec<String>,
}

impl BuildSystem {
    /// The build system of an sdist without `pyproject.toml`.
    pub fn pep517_default() -> Self {
        Self {
            backend: DEFAULT_BUILD_BACKEND.to_owned(),
            requires: default_requires(),
        }
    }

    /// The build system that the bytes of a `pyproject.toml` declare.
    pub fn from_pyproject(bytes: &[u8]) -> Result<Self, SdistError> {
        let text = std::str::from_utf8(bytes).map_err(|_| SdistError::NotUtf8)?;
        Self::from_pyproject_text(text)
    }

    /// The build system that the text of a `pyproject.toml` declares.
    pub fn from_pyproject_text(text: &str) -> Result<Self, SdistError> {
        let doc: toml::Table = text.parse().map_err(|e: toml::de::Error| {
            // The message and where, not the error's Display: that quotes
            // the offending line, which may be a megabyte long.
            let at = e.span().map(|s| format!(" at byte {}", s.start));
            SdistError::InvalidToml(format!("{}{}", e.message(), at.unwrap_or_default()))
        })?;
        let Some(table) = doc.get("build-system") else {
            return Ok(Self::pep517_default());
        };
        let invalid = |what: &str| SdistError::InvalidBuildSystem(what.to_owned());
        let table = table
            .as_table()
            .ok_or_else(|| invalid("build-system is not a table"))?;
        let backend = match table.get("build-backend") {
            None => DEFAULT_BUILD_BACKEND.to_owned(),
            Some(toml::Value::String(s)) => s.clone(),
            Some(_) => return Err(invalid("build-backend is not a string")),
        };
        let requires = match table.get("requires") {
            None => default_requires(),
            Some(toml::Value::Array(items)) => items
                .iter()
                .map(|v| v.as_str().map(str::to_owned))
                .collect::<Option<Vec<_>>>()
                .ok_or_else(|| invalid("requires holds an item that is not a string"))?,
            Some(_) => return Err(invalid("requires is not an array")),
        };
        Ok(Self { backend, requires })
    }
}

fn default_requires() -> Vec<String> {
    DEFAULT_REQUIRES.iter().map(|s| (*s).to_owned()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<BuildSystem, SdistError> {
        BuildSystem::from_pyproject_text(text)
    }

    #[test]
    fn backend_and_requires_as_written() {
        let bs = parse(
            "[build-system]\nrequires = [\"meson-python>=0.15\", \"numpy>=2.0 ; python_version>='3.9'\"]\n\
             build-backend = \"mesonpy\"\n",
        )
        .unwrap();
        assert_eq!(bs.backend, "mesonpy");
        assert_eq!(
            bs.requires,
            ["meson-python>=0.15", "numpy>=2.0 ; python_version>='3.9'"]
        );
    }

    #[test]
    fn no_table_gives_both_defaults() {
        let bs = parse("[project]\nname = \"x\"\n").unwrap();
        assert_eq!(bs, BuildSystem::pep517_default());
        assert_eq!(bs.backend, "setuptools.build_meta:__legacy__");
        assert_eq!(bs.requires, ["setuptools>=40.8.0"]);
    }

    #[test]
    fn requires_without_backend_gives_the_legacy_backend() {
        let bs = parse("[build-system]\nrequires = [\"setuptools\", \"wheel\"]\n").unwrap();
        assert_eq!(bs.backend, DEFAULT_BUILD_BACKEND);
        assert_eq!(bs.requires, ["setuptools", "wheel"]);
    }

    #[test]
    fn backend_without_requires_gives_the_default_requires() {
        let bs = parse("[build-system]\nbuild-backend = \"flit_core.buildapi\"\n").unwrap();
        assert_eq!(bs.backend, "flit_core.buildapi");
        assert_eq!(bs.requires, DEFAULT_REQUIRES);
    }

    #[test]
    fn empty_requires_stays_empty() {
        let bs = parse("[build-system]\nrequires = []\n").unwrap();
        assert!(bs.requires.is_empty());
    }

    #[test]
    fn wrong_types_are_errors() {
        for text in [
            "build-system = 3\n",
            "[build-system]\nrequires = \"setuptools\"\n",
            "[build-system]\nrequires = [\"setuptools\", 3]\n",
            "[build-system]\nbuild-backend = [\"x\"]\n",
        ] {
            assert!(
                matches!(parse(text), Err(SdistError::InvalidBuildSystem(_))),
                "{text}"
            );
        }
    }

    #[test]
    fn invalid_toml_and_encoding_are_errors() {
        assert!(matches!(
            parse("[build-system\n"),
            Err(SdistError::InvalidToml(_))
        ));
        assert!(matches!(
            BuildSystem::from_pyproject(b"[build-system]\nrequires = [\"\xff\"]\n"),
            Err(SdistError::NotUtf8)
        ));
    }

    #[test]
    fn deep_nesting_is_a_parse_error_not_a_stack_overflow() {
        for (open, close) in [("[", "]"), ("{a=", "}")] {
            let depth = 100_000;
            let text = format!("a = {}1{}\n", open.repeat(depth), close.repeat(depth));
            let err = parse(&text).unwrap_err();
            assert!(matches!(err, SdistError::InvalidToml(_)), "{err}");
            assert!(err.to_string().contains("recursion"), "{err}");
        }
        let dotted = format!("{} = 1\n", vec!["a"; 100_000].join("."));
        assert!(matches!(parse(&dotted), Err(SdistError::InvalidToml(_))));
    }
}
