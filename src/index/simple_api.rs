//! The simple repository API: PEP 691 JSON and PEP 503 HTML project pages,
//! with PEP 592 yanking and PEP 658/714 metadata flags.

use serde::Deserialize;
use url::Url;

use super::html;

/// What we ask for: JSON first, HTML as the fallback (PEP 691).
pub const ACCEPT: &str =
    "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.01";

/// One file a project page lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexFile {
    /// The file name (last path segment of its URL).
    pub filename: String,
    /// Absolute URL without fragment (credentials, if any, kept; shown redacted).
    pub url: Url,
    /// Yanked (PEP 592).
    pub yanked: bool,
    /// The index serves `<url>.metadata` (PEP 658/714).
    pub has_metadata: bool,
    /// `Requires-Python` as the page gives it (PEP 691 `requires-python`,
    /// PEP 503 `data-requires-python`), entity-decoded; `None` when absent.
    pub requires_python: Option<String>,
    /// The file's sha256 (lower-case hex) from PEP 691 `hashes` or the URL's
    /// `#sha256=` fragment; `None` when the index gives none.
    pub sha256: Option<String>,
}

/// Parses a project page answered with `content_type` at `page_url`.
/// `Err`: the body is not a valid page of that format. Links that are not
/// an http(s) URL naming a file are left out (see [`for_each_file`]).
#[cfg(any(test, feature = "internals"))]
pub fn parse_page(
    body: &[u8],
    content_type: Option<&str>,
    page_url: &Url,
) -> Result<Vec<IndexFile>, String> {
    let mut files = Vec::new();
    for_each_file(body, content_type, page_url, |f| {
        files.extend(f);
        Ok(())
    })?;
    Ok(files)
}

/// Calls `f` with each file link of a project page, in page order, without
/// keeping the page's links: `Some(file)` for an http(s) link whose URL
/// path names a file, `None` for a link that does not count (another
/// scheme — `javascript:`, `mailto:`, `data:`, `file:`, `ftp:` —, an empty,
/// query-only, fragment-only or directory href, a URL that cannot be
/// resolved). The file name always comes from the URL (PEP 503) or the
/// `filename` field (PEP 691), never from the link text. `f` may stop the
/// walk with an error, which is returned.
pub fn for_each_file(
    body: &[u8],
    content_type: Option<&str>,
    page_url: &Url,
    mut f: impl FnMut(Option<IndexFile>) -> Result<(), String>,
) -> Result<(), String> {
    if is_json(body, content_type) {
        parse_json(body, page_url, &mut f)
    } else {
        let text =
            std::str::from_utf8(body).map_err(|_| "the HTML page is not UTF-8".to_owned())?;
        parse_html(text, page_url, &mut f)
    }
}

/// The byte a JSON page starts with (after white space).
const JSON_OBJECT: u8 = b'{';

/// A JSON page: its media type says so, or, with none given, its body
/// starts as a JSON object.
fn is_json(body: &[u8], content_type: Option<&str>) -> bool {
    let mime = content_type
        .and_then(|c| c.split(';').next())
        .map(|m| m.trim().to_ascii_lowercase())
        .unwrap_or_default();
    mime.ends_with("json")
        || (mime.is_empty() && body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&JSON_OBJECT))
}

#[derive(Deserialize)]
struct JsonMeta {
    #[serde(rename = "api-version", default)]
    api_version: Option<String>,
}

#[derive(Deserialize)]
struct JsonFile {
    filename: String,
    url: String,
    #[serde(default)]
    yanked: Option<serde_json::Value>,
    #[serde(rename = "core-metadata", default)]
    core_metadata: Option<serde_json::Value>,
    #[serde(rename = "dist-info-metadata", default)]
    dist_info_metadata: Option<serde_json::Value>,
    #[serde(rename = "requires-python", default)]
    requires_python: Option<String>,
    #[serde(default)]
    hashes: Option<std::collections::HashMap<String, String>>,
}

/// PEP 691 (read as pip does): `true` or a non-empty string means yanked;
/// for metadata, `true` or a hash dictionary means offered.
fn truthy(v: &Option<serde_json::Value>) -> bool {
    match v {
        None | Some(serde_json::Value::Null) | Some(serde_json::Value::Bool(false)) => false,
        Some(serde_json::Value::String(s)) => !s.is_empty(),
        Some(_) => true,
    }
}

type Sink<'f> = &'f mut dyn FnMut(Option<IndexFile>) -> Result<(), String>;

fn parse_json(body: &[u8], page_url: &Url, f: Sink<'_>) -> Result<(), String> {
    let mut de = serde_json::Deserializer::from_slice(body);
    let mut failure = None;
    let seed = PageSeed {
        page_url,
        f,
        failure: &mut failure,
    };
    let result = serde::de::DeserializeSeed::deserialize(seed, &mut de).and_then(|()| de.end());
    if let Some(e) = failure {
        return Err(e);
    }
    result.map_err(|e| format!("not a PEP 691 JSON project page: {e}"))
}

/// Reads a PEP 691 page one file at a time: the files are handed to the
/// sink as they are read, never collected.
struct PageSeed<'a, 'f> {
    page_url: &'a Url,
    f: Sink<'f>,
    /// An error of the sink (kept apart from JSON syntax errors).
    failure: &'a mut Option<String>,
}

impl<'de> serde::de::DeserializeSeed<'de> for PageSeed<'_, '_> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> serde::de::Visitor<'de> for PageSeed<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a PEP 691 project page (an object with `files`)")
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        use serde::de::Error;
        let (mut seen_files, mut seen_meta) = (false, false);
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            match key.as_ref() {
                // A key given twice would make the page mean whichever half
                // a reader keeps: refused, as serde's derive refuses it.
                "files" if seen_files => return Err(A::Error::duplicate_field("files")),
                "meta" if seen_meta => return Err(A::Error::duplicate_field("meta")),
                "files" => {
                    seen_files = true;
                    map.next_value_seed(FilesSeed {
                        page_url: self.page_url,
                        f: &mut *self.f,
                        failure: &mut *self.failure,
                    })?;
                }
                "meta" => {
                    seen_meta = true;
                    let meta: Option<JsonMeta> = map.next_value()?;
                    if let Some(version) = meta.and_then(|m| m.api_version) {
                        if version.split('.').next() != Some("1") {
                            *self.failure = Some(format!(
                                "unsupported simple API version {version} (major version 1 is supported)"
                            ));
                            return Err(A::Error::custom("unsupported version"));
                        }
                    }
                }
                _ => {
                    map.next_value::<serde::de::IgnoredAny>()?;
                }
            }
        }
        if !seen_files {
            return Err(A::Error::missing_field("files"));
        }
        Ok(())
    }
}

struct FilesSeed<'a, 'f> {
    page_url: &'a Url,
    f: &'a mut (dyn FnMut(Option<IndexFile>) -> Result<(), String> + 'f),
    failure: &'a mut Option<String>,
}

impl<'de> serde::de::DeserializeSeed<'de> for FilesSeed<'_, '_> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> serde::de::Visitor<'de> for FilesSeed<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a list of files")
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(file) = seq.next_element::<JsonFile>()? {
            if let Err(e) = (self.f)(json_file(file, self.page_url)) {
                *self.failure = Some(e);
                return Err(serde::de::Error::custom("stopped"));
            }
        }
        Ok(())
    }
}

/// One PEP 691 file entry; `None` when its URL is not http(s) or it has
/// no file name.
fn json_file(f: JsonFile, page_url: &Url) -> Option<IndexFile> {
    let (url, fragment_hash) = resolve(page_url, &f.url)?;
    let filename = f.filename.trim();
    if filename.is_empty() || filename.contains('/') {
        return None;
    }
    let sha256 = f
        .hashes
        .as_ref()
        .and_then(|h| h.get("sha256"))
        .and_then(|h| sha256_hex(h))
        .or(fragment_hash);
    Some(IndexFile {
        filename: filename.to_owned(),
        url,
        yanked: truthy(&f.yanked),
        has_metadata: truthy(&f.core_metadata) || truthy(&f.dist_info_metadata),
        requires_python: non_empty(f.requires_python),
        sha256,
    })
}

fn parse_html(text: &str, page_url: &Url, f: Sink<'_>) -> Result<(), String> {
    let base = html::base_href(text)
        .and_then(|b| page_url.join(&b).ok())
        .filter(|b| matches!(b.scheme(), "http" | "https"))
        .unwrap_or_else(|| page_url.clone());
    let mut result = Ok(());
    html::for_each_anchor(text, |a| {
        if result.is_err() {
            return;
        }
        let Some(href) = a.attr("href") else {
            return; // not a link at all (a named anchor)
        };
        result = f(html_file(&a, href, &base));
    });
    result
}

/// One anchor as a file; `None` when it does not link to an http(s) URL
/// whose path ends in a file name.
fn html_file(a: &html::Anchor, href: &str, base: &Url) -> Option<IndexFile> {
    let (url, sha256) = resolve(base, href)?;
    let filename = file_name(&url)?;
    let offered = |attr: &str| {
        a.attr(attr)
            .is_some_and(|v| !v.eq_ignore_ascii_case("false"))
    };
    Some(IndexFile {
        filename,
        url,
        yanked: a.attr("data-yanked").is_some(),
        has_metadata: offered("data-core-metadata") || offered("data-dist-info-metadata"),
        requires_python: non_empty(a.attr("data-requires-python").map(str::to_owned)),
        sha256,
    })
}

/// `href` against `base`, fragment dropped, with the `sha256=` hash the
/// fragment carried (if any); `None` if unusable: empty, or not http(s).
fn resolve(base: &Url, href: &str) -> Option<(Url, Option<String>)> {
    let href = href.trim();
    if href.is_empty() {
        return None;
    }
    let mut url = base.join(href).ok()?;
    if !matches!(url.scheme(), "http" | "https") || url.cannot_be_a_base() {
        return None;
    }
    let hash = url
        .fragment()
        .and_then(|f| f.strip_prefix("sha256="))
        .and_then(sha256_hex);
    url.set_fragment(None);
    Some((url, hash))
}

/// A sha256 digest as 64 hex digits, lower-cased; `None` otherwise.
fn sha256_hex(h: &str) -> Option<String> {
    let h = h.trim();
    (h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit())).then(|| h.to_ascii_lowercase())
}

/// `None` for an absent or blank value.
fn non_empty(s: Option<String>) -> Option<String> {
    s.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty())
}

/// The percent-decoded last path segment; `None` when the path ends in `/`
/// (a directory, the page itself, `../`, `?page=2`, `#x`) or the segment
/// decodes to something that is no file name (`/`, `..`).
fn file_name(url: &Url) -> Option<String> {
    let last = url.path_segments()?.next_back()?;
    let name = percent_encoding::percent_decode_str(last)
        .decode_utf8_lossy()
        .into_owned();
    let usable = !name.trim().is_empty()
        && name != "."
        && name != ".."
        && !name.contains(['/', '\\'])
        && !name.chars().any(char::is_control);
    usable.then_some(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page() -> Url {
        Url::parse("https://idx.example/root/dev/+simple/lib/").unwrap()
    }

    #[test]
    fn json_page() {
        let body = br#"{"meta":{"api-version":"1.1"},"name":"lib","files":[
            {"filename":"lib-1.0-py3-none-any.whl","url":"../../+f/ab/lib-1.0-py3-none-any.whl#sha256=00","hashes":{}},
            {"filename":"lib-2.0.tar.gz","url":"https://files.example/lib-2.0.tar.gz","hashes":{},"yanked":"broken","core-metadata":false},
            {"filename":"lib-3.0-py3-none-any.whl","url":"lib-3.0-py3-none-any.whl","hashes":{"sha256":"ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef0123456789"},"requires-python":">=3.8","yanked":false,"core-metadata":{"sha256":"ff"}},
            {"filename":"lib-4.0-py3-none-any.whl","url":"lib-4.0-py3-none-any.whl","hashes":{},"yanked":true,"dist-info-metadata":true}
        ]}"#;
        let files = parse_page(body, Some("application/vnd.pypi.simple.v1+json"), &page()).unwrap();
        assert_eq!(files.len(), 4);
        assert_eq!(
            files[0].url.as_str(),
            "https://idx.example/root/dev/+f/ab/lib-1.0-py3-none-any.whl"
        );
        assert!(!files[0].yanked && !files[0].has_metadata);
        assert!(files[1].yanked && !files[1].has_metadata);
        assert!(!files[2].yanked && files[2].has_metadata);
        assert!(files[3].yanked && files[3].has_metadata);
        assert_eq!(files[2].requires_python.as_deref(), Some(">=3.8"));
        assert_eq!(
            files[2].sha256.as_deref(),
            Some("abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789")
        );
        assert_eq!(files[0].sha256, None, "a short digest is no sha256");
        assert_eq!(files[1].requires_python, None);
        assert_eq!(
            files[2].url.as_str(),
            "https://idx.example/root/dev/+simple/lib/lib-3.0-py3-none-any.whl"
        );
    }

    /// A body that is not JSON although it starts as an object.
    const NOT_JSON: &[u8] = b"{not json";

    #[test]
    fn json_errors() {
        let ct = Some("application/vnd.pypi.simple.v1+json");
        assert!(parse_page(NOT_JSON, ct, &page()).is_err());
        assert!(parse_page(br#"{"name":"x"}"#, ct, &page()).is_err());
        let v2 = br#"{"meta":{"api-version":"2.0"},"files":[]}"#;
        assert!(parse_page(v2, ct, &page()).unwrap_err().contains("2.0"));
        for twice in [
            &br#"{"files": [], "files": [{"filename": "x-1.0.tar.gz", "url": "x-1.0.tar.gz", "hashes": {}}]}"#[..],
            br#"{"files": [{"filename": "x-1.0.tar.gz", "url": "x-1.0.tar.gz", "hashes": {}}], "files": []}"#,
            br#"{"meta": {"api-version": "1.0"}, "files": [], "meta": {"api-version": "1.1"}}"#,
        ] {
            let err = parse_page(twice, ct, &page()).unwrap_err();
            assert!(err.contains("duplicate field"), "{err}");
        }
    }

    #[test]
    fn html_page() {
        let body = br#"<html><body>
            <a href="/packages/lib-1.0-py3-none-any.whl#sha256=00">lib-1.0-py3-none-any.whl</a>
            <a href="../../packages/lib%2B-2.0.tar.gz" data-yanked="">lib+-2.0.tar.gz</a>
            <a href="lib-3.0-py3-none-any.whl" data-dist-info-metadata="sha256=aa">x</a>
            <a href="lib-4.0-py3-none-any.whl#sha256=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef" data-core-metadata="false" data-requires-python="&gt;=3.9,&lt;4">x</a>
            <a>no href</a>
        </body></html>"#;
        let files = parse_page(body, Some("text/html; charset=utf-8"), &page()).unwrap();
        let names: Vec<&str> = files.iter().map(|f| f.filename.as_str()).collect();
        assert_eq!(
            names,
            [
                "lib-1.0-py3-none-any.whl",
                "lib+-2.0.tar.gz",
                "lib-3.0-py3-none-any.whl",
                "lib-4.0-py3-none-any.whl"
            ]
        );
        assert_eq!(
            files[0].url.as_str(),
            "https://idx.example/packages/lib-1.0-py3-none-any.whl"
        );
        assert!(files[1].yanked);
        assert!(files[2].has_metadata);
        assert!(!files[3].has_metadata);
        assert_eq!(files[3].requires_python.as_deref(), Some(">=3.9,<4"));
        assert_eq!(
            files[3].sha256.as_deref(),
            Some("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")
        );
        assert_eq!(files[2].requires_python, None);
    }

    #[test]
    fn only_http_links_naming_a_file_count() {
        let body = br##"<base href="javascript:void(0)/">
            <a href="javascript:alert(1)">lib-98.0.tar.gz</a>
            <a href="mailto:x@example.org">lib-97.0.tar.gz</a>
            <a href="data:text/plain,lib-96.0.tar.gz">x</a>
            <a href="file:///tmp/lib-95.0.tar.gz">x</a>
            <a href="ftp://h/lib-94.0.tar.gz">x</a>
            <a href="">lib-93.0.tar.gz</a>
            <a href="?page=2">lib-92.0.tar.gz</a>
            <a href="../">lib-91.0.tar.gz</a>
            <a href="#lib-90.0.tar.gz">x</a>
            <a href="%2E%2E">x</a>
            <a name="top">lib-89.0.tar.gz</a>
            <a href="lib-1.0.tar.gz?token=1">x</a>
            <a href="HTTPS://files.example/lib-2.0.tar.gz">x</a>"##;
        let mut skipped = 0;
        let mut names = Vec::new();
        for_each_file(body, Some("text/html"), &page(), |f| {
            match f {
                Some(f) => names.push(f.url.to_string()),
                None => skipped += 1,
            }
            Ok(())
        })
        .unwrap();
        assert_eq!(
            names,
            [
                "https://idx.example/root/dev/+simple/lib/lib-1.0.tar.gz?token=1",
                "https://files.example/lib-2.0.tar.gz"
            ]
        );
        assert_eq!(skipped, 10, "the named anchor is no link");
        let json = br#"{"files":[
            {"filename":"lib-9.0.tar.gz","url":"javascript:alert(1)"},
            {"filename":"","url":"lib-1.0.tar.gz"},
            {"filename":"../lib-1.0.tar.gz","url":"lib-1.0.tar.gz"},
            {"filename":"lib-1.0.tar.gz","url":"lib-1.0.tar.gz"}]}"#;
        let files = parse_page(json, Some("application/json"), &page()).unwrap();
        assert_eq!(files.len(), 1);
    }

    #[test]
    fn sniffs_without_content_type() {
        let files = parse_page(br#" {"files":[]}"#, None, &page()).unwrap();
        assert!(files.is_empty());
        let files = parse_page(br#"<a href="a-1.zip">a</a>"#, None, &page()).unwrap();
        assert_eq!(files.len(), 1);
    }
}
