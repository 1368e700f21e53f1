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
/// `Err`: the body is not a valid page of that format.
pub fn parse_page(
    body: &[u8],
    content_type: Option<&str>,
    page_url: &Url,
) -> Result<Vec<IndexFile>, String> {
    let mime = content_type
        .and_then(|c| c.split(';').next())
        .map(|m| m.trim().to_ascii_lowercase())
        .unwrap_or_default();
    let is_json = mime.ends_with("json")
        || (mime.is_empty() && body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{'));
    if is_json {
        parse_json(body, page_url)
    } else {
        let text =
            std::str::from_utf8(body).map_err(|_| "the HTML page is not UTF-8".to_owned())?;
        Ok(parse_html(text, page_url))
    }
}

#[derive(Deserialize)]
struct JsonPage {
    #[serde(default)]
    meta: Option<JsonMeta>,
    files: Vec<JsonFile>,
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

fn parse_json(body: &[u8], page_url: &Url) -> Result<Vec<IndexFile>, String> {
    let page: JsonPage = serde_json::from_slice(body)
        .map_err(|e| format!("not a PEP 691 JSON project page: {e}"))?;
    if let Some(version) = page.meta.and_then(|m| m.api_version) {
        if version.split('.').next() != Some("1") {
            return Err(format!(
                "unsupported simple API version {version} (major version 1 is supported)"
            ));
        }
    }
    let mut files = Vec::with_capacity(page.files.len());
    for f in page.files {
        let Some((url, fragment_hash)) = resolve(page_url, &f.url) else {
            continue;
        };
        let sha256 = f
            .hashes
            .as_ref()
            .and_then(|h| h.get("sha256"))
            .and_then(|h| sha256_hex(h))
            .or(fragment_hash);
        files.push(IndexFile {
            filename: f.filename,
            url,
            yanked: truthy(&f.yanked),
            has_metadata: truthy(&f.core_metadata) || truthy(&f.dist_info_metadata),
            requires_python: non_empty(f.requires_python),
            sha256,
        });
    }
    Ok(files)
}

fn parse_html(text: &str, page_url: &Url) -> Vec<IndexFile> {
    let page = html::parse(text);
    let base = page
        .base
        .as_deref()
        .and_then(|b| page_url.join(b).ok())
        .unwrap_or_else(|| page_url.clone());
    page.anchors
        .iter()
        .filter_map(|a| {
            let (url, sha256) = resolve(&base, a.attr("href")?)?;
            let filename = file_name(&url).unwrap_or_else(|| a.text.clone());
            if filename.is_empty() {
                return None;
            }
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
        })
        .collect()
}

/// `href` against `base`, fragment dropped, with the `sha256=` hash the
/// fragment carried (if any); `None` if unusable.
fn resolve(base: &Url, href: &str) -> Option<(Url, Option<String>)> {
    let mut url = base.join(href.trim()).ok()?;
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

/// The percent-decoded last path segment.
fn file_name(url: &Url) -> Option<String> {
    let last = url.path_segments()?.next_back()?;
    if last.is_empty() {
        return None;
    }
    Some(
        percent_encoding::percent_decode_str(last)
            .decode_utf8_lossy()
            .into_owned(),
    )
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

    #[test]
    fn json_errors() {
        let ct = Some("application/vnd.pypi.simple.v1+json");
        assert!(parse_page(b"{not json", ct, &page()).is_err());
        assert!(parse_page(br#"{"name":"x"}"#, ct, &page()).is_err());
        let v2 = br#"{"meta":{"api-version":"2.0"},"files":[]}"#;
        assert!(parse_page(v2, ct, &page()).unwrap_err().contains("2.0"));
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
    fn sniffs_without_content_type() {
        let files = parse_page(br#" {"files":[]}"#, None, &page()).unwrap();
        assert!(files.is_empty());
        let files = parse_page(br#"<a href="a-1.zip">a</a>"#, None, &page()).unwrap();
        assert_eq!(files.len(), 1);
    }
}
