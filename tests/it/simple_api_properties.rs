//! Property tests for the simple-API parsers (PEP 503 HTML, PEP 691 JSON)
//! and the grouping of their files into versions, on the stable toolchain
//! (`fuzz/` has the coverage-guided cargo-fuzz targets for nightly).
//!
//! Properties: no input panics; a generated valid page with N files parses
//! back to those N files (names, yanked and metadata flags) and groups into
//! the right versions with the right yanked state.

use crate::common;

use std::collections::BTreeMap;

use pep440_rs::Version;
use proptest::prelude::*;
use url::Url;
use wheel_resolver::internals::index::files::Project;
use wheel_resolver::internals::index::html;
use wheel_resolver::internals::index::simple_api::{parse_page, IndexFile};

const HTML: Option<&str> = Some("text/html; charset=utf-8");
const JSON: Option<&str> = Some("application/vnd.pypi.simple.v1+json");

fn page_url() -> Url {
    Url::parse("https://idx.example/simple/app/").unwrap()
}

/// Text that looks like markup: tags, attributes, quotes, entities, comments.
fn markup() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            Just("<a ".to_owned()),
            Just("<A HREF=".to_owned()),
            Just("</a>".to_owned()),
            Just("<base href=".to_owned()),
            Just("<!--".to_owned()),
            Just("-->".to_owned()),
            Just(" data-yanked".to_owned()),
            Just(" data-core-metadata=".to_owned()),
            Just("&amp;".to_owned()),
            Just("&#".to_owned()),
            Just("&#x".to_owned()),
            Just(";".to_owned()),
            Just(">".to_owned()),
            Just("=".to_owned()),
            Just("\"".to_owned()),
            Just("'".to_owned()),
            Just("/".to_owned()),
            Just("app-1.0-py3-none-any.whl".to_owned()),
            Just("app-1.0.tar.gz".to_owned()),
            Just("%2B".to_owned()),
            "\\PC{0,6}",
        ],
        0..40,
    )
    .prop_map(|parts| parts.concat())
}

/// JSON-looking text: page keys, values and stray punctuation.
fn json_like() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            Just("{".to_owned()),
            Just("}".to_owned()),
            Just("[".to_owned()),
            Just("]".to_owned()),
            Just(",".to_owned()),
            Just(":".to_owned()),
            Just("\"files\"".to_owned()),
            Just("\"meta\"".to_owned()),
            Just("\"api-version\"".to_owned()),
            Just("\"filename\"".to_owned()),
            Just("\"url\"".to_owned()),
            Just("\"yanked\"".to_owned()),
            Just("\"core-metadata\"".to_owned()),
            Just("\"dist-info-metadata\"".to_owned()),
            Just("\"app-1.0-py3-none-any.whl\"".to_owned()),
            Just("\"//\"".to_owned()),
            Just("true".to_owned()),
            Just("null".to_owned()),
            Just("\"1.0\"".to_owned()),
            "\"\\PC{0,6}\"",
            "-?[0-9]{1,4}",
        ],
        0..40,
    )
    .prop_map(|parts| parts.concat())
}

/// One generated file of a page.
#[derive(Debug, Clone)]
struct GenFile {
    /// Index into the page's versions.
    version: usize,
    /// 0: pure wheel, 1: s390x wheel, 2: `.tar.gz`, 3: `.zip` with the name capitalised.
    kind: u8,
    yanked: bool,
    metadata: bool,
    /// How the file is written (quoting, case, href form, metadata attribute, yank value).
    style: u8,
}

#[derive(Debug, Clone)]
struct GenPage {
    versions: Vec<String>,
    files: Vec<GenFile>,
}

/// Distinct versions (the major number is the position), some local (`+`).
fn versions() -> impl Strategy<Value = Vec<String>> {
    prop::collection::vec(
        prop_oneof![
            Just(String::new()),
            "\\.[0-9]{1,2}",
            "\\.[0-9]{1,2}\\.[0-9]{1,2}",
            "\\.[0-9](a|b|rc)[0-9]",
            "\\.[0-9]\\.post[0-9]",
            "\\.[0-9]\\.dev[0-9]",
            "\\.[0-9]\\+s390x\\.[0-9]",
        ],
        1..8,
    )
    .prop_map(|tails| {
        tails
            .into_iter()
            .enumerate()
            .map(|(i, t)| format!("{i}{t}"))
            .collect()
    })
}

fn gen_page() -> impl Strategy<Value = GenPage> {
    versions().prop_flat_map(|versions| {
        let n = versions.len();
        let file = (0..n, 0u8..4, any::<bool>(), any::<bool>(), any::<u8>()).prop_map(
            |(version, kind, yanked, metadata, style)| GenFile {
                version,
                kind,
                yanked,
                metadata,
                style,
            },
        );
        prop::collection::vec(file, 0..24).prop_map(move |files| GenPage {
            versions: versions.clone(),
            files,
        })
    })
}

impl GenPage {
    /// The file name of file `i` (unique: wheels carry the index as build tag).
    fn filename(&self, i: usize) -> String {
        let f = &self.files[i];
        let v = &self.versions[f.version];
        match f.kind {
            0 => format!("app-{v}-{i}-py3-none-any.whl"),
            1 => format!("app-{v}-{i}-cp311-cp311-manylinux2014_s390x.whl"),
            2 => format!("app-{v}.tar.gz"),
            _ => format!("App-{v}.zip"),
        }
    }

    /// The href of file `i`: `+` percent-encoded, in one of several forms,
    /// with or without a hash fragment.
    fn href(&self, i: usize) -> String {
        let style = self.files[i].style;
        let name = self.filename(i).replace('+', "%2B");
        let href = match style % 4 {
            0 => name,
            1 => format!("../../packages/ab/cd/{name}"),
            2 => format!("/packages/{name}"),
            _ => format!("https://files.example/p/{name}"),
        };
        if style & 4 != 0 {
            format!("{href}#sha256=0123abcd")
        } else {
            href
        }
    }

    fn html(&self) -> String {
        let mut out = String::from("<!DOCTYPE html>\n<html><head><title>Links for app</title></head><body>\n<h1>Links for app</h1>\n");
        for (i, f) in self.files.iter().enumerate() {
            let href = self.href(i);
            let s = f.style;
            let mut attrs = match (s >> 3) % 3 {
                0 => format!("href=\"{href}\""),
                1 => format!("HREF='{href}'"),
                // Unquoted: the generated hrefs have no space or `>`.
                _ => format!("href={href}"),
            };
            attrs.push_str(" data-requires-python=\"&gt;=3.8\"");
            if f.yanked {
                // Any value, even none or "false", means yanked (PEP 592).
                attrs.push_str(match (s >> 5) % 3 {
                    0 => " data-yanked",
                    1 => " data-yanked=\"\"",
                    _ => " data-yanked=\"broken &amp; withdrawn\"",
                });
            }
            let key = if s & 0x80 != 0 {
                "data-dist-info-metadata"
            } else {
                "data-core-metadata"
            };
            if f.metadata {
                attrs.push_str(&format!(" {key}=\"sha256=ff00\""));
            } else if s & 0x40 != 0 {
                attrs.push_str(&format!(" {key}=\"false\""));
            }
            let tag = if s & 1 != 0 { "A" } else { "a" };
            out.push_str(&format!(
                "<{tag} {attrs}><span>{}</span></{tag}><br/>\n",
                self.filename(i)
            ));
            if s % 7 == 0 {
                out.push_str("<!-- <a href=\"commented-1.0.tar.gz\">no</a> -->\n");
            }
        }
        out.push_str("</body></html>\n");
        out
    }

    fn json(&self) -> String {
        let files: Vec<serde_json::Value> = self
            .files
            .iter()
            .enumerate()
            .map(|(i, f)| {
                let s = f.style;
                let mut file = serde_json::json!({
                    "filename": self.filename(i),
                    "url": self.href(i),
                    "hashes": {"sha256": "0123abcd"},
                    "requires-python": ">=3.8",
                });
                let obj = file.as_object_mut().unwrap();
                let yanked = match (f.yanked, (s >> 3) % 3) {
                    (true, 0) => Some(serde_json::json!(true)),
                    (true, _) => Some(serde_json::json!("broken")),
                    (false, 0) => None,
                    (false, 1) => Some(serde_json::json!(false)),
                    (false, _) => Some(serde_json::Value::Null),
                };
                if let Some(y) = yanked {
                    obj.insert("yanked".into(), y);
                }
                let key = if s & 0x80 != 0 {
                    "dist-info-metadata"
                } else {
                    "core-metadata"
                };
                let metadata = match (f.metadata, (s >> 5) % 2) {
                    (true, 0) => Some(serde_json::json!(true)),
                    (true, _) => Some(serde_json::json!({"sha256": "ff00"})),
                    (false, 0) => None,
                    (false, _) => Some(serde_json::json!(false)),
                };
                if let Some(m) = metadata {
                    obj.insert(key.into(), m);
                }
                file
            })
            .collect();
        serde_json::json!({
            "meta": {"api-version": "1.1"},
            "name": "app",
            "files": files,
            "versions": self.versions,
        })
        .to_string()
    }

    /// Checks parsed files against the generated ones, then their grouping.
    fn check(&self, parsed: Vec<IndexFile>) -> Result<(), TestCaseError> {
        prop_assert_eq!(parsed.len(), self.files.len());
        for (i, (p, f)) in parsed.iter().zip(&self.files).enumerate() {
            let name = self.filename(i);
            prop_assert_eq!(&p.filename, &name);
            prop_assert_eq!(p.yanked, f.yanked, "yanked of {}", name);
            prop_assert_eq!(p.has_metadata, f.metadata, "metadata of {}", name);
            prop_assert!(p.url.fragment().is_none(), "{}", p.url);
            let encoded = name.replace('+', "%2B");
            prop_assert!(p.url.path().ends_with(&encoded), "{} {}", p.url, encoded);
        }
        let mut expected: BTreeMap<Version, (usize, bool)> = BTreeMap::new();
        for f in &self.files {
            let v: Version = self.versions[f.version].parse().unwrap();
            let e = expected.entry(v).or_insert((0, true));
            e.0 += 1;
            e.1 &= f.yanked;
        }
        let mut warnings = Vec::new();
        let project = Project::from_files(&"app".parse().unwrap(), parsed, &mut warnings);
        prop_assert!(warnings.is_empty(), "{:?}", warnings);
        let got: BTreeMap<Version, (usize, bool)> = project
            .versions()
            .map(|(v, files)| (v.clone(), (files.len(), files.all_yanked())))
            .collect();
        prop_assert_eq!(got, expected);
        Ok(())
    }
}

proptest! {
    #![proptest_config(common::proptest_config(256))]

    #[test]
    fn html_never_panics(s in markup(), raw in prop::collection::vec(any::<u8>(), 0..512)) {
        let page = page_url();
        let _ = html::parse(&s);
        let _ = html::decode_entities(&s);
        for body in [s.as_bytes(), &raw] {
            for ct in [HTML, None, Some("text/plain")] {
                if let Ok(files) = parse_page(body, ct, &page) {
                    let _ = Project::from_files(&"app".parse().unwrap(), files, &mut Vec::new());
                }
            }
        }
    }

    #[test]
    fn html_text_never_panics(s in "\\PC{0,300}") {
        let _ = html::parse(&s);
        let _ = parse_page(s.as_bytes(), HTML, &page_url());
    }

    #[test]
    fn json_never_panics(s in json_like(), raw in prop::collection::vec(any::<u8>(), 0..512)) {
        let page = page_url();
        for body in [s.as_bytes(), &raw] {
            for ct in [JSON, None, Some("application/json; charset=utf-8")] {
                if let Ok(files) = parse_page(body, ct, &page) {
                    let _ = Project::from_files(&"app".parse().unwrap(), files, &mut Vec::new());
                }
            }
        }
    }

    #[test]
    fn json_pages_with_arbitrary_values_never_panic(
        name in "\\PC{0,30}",
        href in "\\PC{0,40}",
        yanked in prop_oneof![Just(serde_json::Value::Null), any::<bool>().prop_map(serde_json::Value::from), "\\PC{0,5}".prop_map(serde_json::Value::from), any::<i64>().prop_map(serde_json::Value::from)],
        api in "\\PC{0,6}",
    ) {
        let body = serde_json::json!({
            "meta": {"api-version": api},
            "files": [{"filename": name, "url": href, "yanked": yanked, "core-metadata": yanked}],
        }).to_string();
        if let Ok(files) = parse_page(body.as_bytes(), JSON, &page_url()) {
            prop_assert!(files.len() <= 1);
            let _ = Project::from_files(&"app".parse().unwrap(), files, &mut Vec::new());
        }
    }

    #[test]
    fn html_pages_round_trip(page in gen_page()) {
        let html = page.html();
        let parsed = parse_page(html.as_bytes(), HTML, &page_url()).unwrap();
        let streamed = Project::from_page(&"app".parse().unwrap(), html.as_bytes(), HTML, &page_url(), &mut Vec::new()).unwrap();
        prop_assert_eq!(streamed.len(), parsed.len());
        page.check(parsed)?;
        // Without a Content-Type, a page starting with `<` is HTML.
        let sniffed = parse_page(html.as_bytes(), None, &page_url()).unwrap();
        page.check(sniffed)?;
    }

    #[test]
    fn json_pages_round_trip(page in gen_page()) {
        let json = page.json();
        let parsed = parse_page(json.as_bytes(), JSON, &page_url()).unwrap();
        page.check(parsed)?;
        // Without a Content-Type, a page starting with `{` is JSON.
        let sniffed = parse_page(json.as_bytes(), None, &page_url()).unwrap();
        page.check(sniffed)?;
    }
}
