//! Just enough HTML for PEP 503 pages: `<a>` elements with their attributes
//! and text, and `<base href>`. Tolerant of what real indexes emit (any case,
//! unquoted attributes, comments, missing `</a>`).

/// One `<a>` element.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Anchor {
    /// Attributes, names lower-cased, values entity-decoded (`None`: no value).
    pub attrs: Vec<(String, Option<String>)>,
    /// The text, entity-decoded and trimmed.
    pub text: String,
}

impl Anchor {
    /// The attribute `name` (lower case): `None` when absent, `Some("")` when
    /// present without a value.
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_deref().unwrap_or(""))
    }
}

/// The anchors of a page, and its `<base href>` if any.
#[derive(Debug, Default)]
#[cfg(any(test, feature = "internals"))]
pub struct Page {
    /// `<base href>`.
    pub base: Option<String>,
    /// Every `<a>`, in order.
    pub anchors: Vec<Anchor>,
}

/// Extracts anchors and the base URL.
#[cfg(any(test, feature = "internals"))]
pub fn parse(html: &str) -> Page {
    let mut anchors = Vec::new();
    for_each_anchor(html, |a| anchors.push(a));
    Page {
        base: base_href(html),
        anchors,
    }
}

/// The first `<base href>` of the page (it applies to every link, wherever
/// it stands).
pub fn base_href(html: &str) -> Option<String> {
    let mut found = None;
    scan(html, |name, attrs, _| {
        if name == "base" {
            found = attrs
                .into_iter()
                .find(|(n, _)| n == "href")
                .and_then(|(_, v)| v);
        }
        found.is_none()
    });
    found
}

/// Calls `f` with every `<a>`, in order, without keeping them: the memory
/// of a page is the page, whatever the number of anchors. An anchor's text
/// ends at the next tag (`</a>`, or any other tag: an unclosed `<a>` never
/// swallows the anchors after it).
pub fn for_each_anchor(html: &str, mut f: impl FnMut(Anchor)) {
    scan(html, |name, attrs, text| {
        if name == "a" {
            f(Anchor {
                attrs,
                text: decode_entities(text).trim().to_owned(),
            });
        }
        true
    });
}

/// Walks the `<a>` and `<base>` tags: `f(name, attributes, text up to the
/// next tag)`; stops when `f` returns false.
fn scan(html: &str, mut f: impl FnMut(&str, Vec<(String, Option<String>)>, &str) -> bool) {
    let mut rest = html;
    while let Some(lt) = rest.find('<') {
        rest = &rest[lt + 1..];
        if let Some(after) = rest.strip_prefix("!--") {
            rest = after.find("-->").map_or("", |end| &after[end + 3..]);
            continue;
        }
        let name_len = rest
            .find(|c: char| c.is_ascii_whitespace() || c == '>' || c == '/')
            .unwrap_or(rest.len());
        let is = |tag: &str| rest[..name_len].eq_ignore_ascii_case(tag);
        let name = if is("a") {
            "a"
        } else if is("base") {
            "base"
        } else {
            continue;
        };
        rest = &rest[name_len..];
        let (attrs, after) = attributes(rest);
        rest = after;
        let end = rest.find('<').unwrap_or(rest.len());
        if !f(name, attrs, &rest[..end]) {
            return;
        }
        rest = &rest[end..];
    }
}

/// Parses attributes up to the closing `>`; returns them and what follows.
fn attributes(mut s: &str) -> (Vec<(String, Option<String>)>, &str) {
    let mut attrs = Vec::new();
    loop {
        s = s.trim_start_matches(|c: char| c.is_ascii_whitespace() || c == '/');
        if s.is_empty() {
            return (attrs, s);
        }
        if let Some(after) = s.strip_prefix('>') {
            return (attrs, after);
        }
        let name_len = s
            .find(|c: char| c.is_ascii_whitespace() || c == '=' || c == '>' || c == '/')
            .unwrap_or(s.len())
            .max(1);
        let name = s[..name_len].to_ascii_lowercase();
        s = s[name_len..].trim_start_matches(|c: char| c.is_ascii_whitespace());
        let value = if let Some(after) = s.strip_prefix('=') {
            let after = after.trim_start_matches(|c: char| c.is_ascii_whitespace());
            let (raw, next) = match after.chars().next() {
                Some(q @ ('"' | '\'')) => {
                    let body = &after[1..];
                    match body.find(q) {
                        Some(end) => (&body[..end], &body[end + 1..]),
                        None => (body, ""),
                    }
                }
                _ => {
                    let end = after
                        .find(|c: char| c.is_ascii_whitespace() || c == '>')
                        .unwrap_or(after.len());
                    (&after[..end], &after[end..])
                }
            };
            s = next;
            Some(decode_entities(raw))
        } else {
            None
        };
        attrs.push((name, value));
    }
}

/// Decodes `&amp;`, `&lt;`, `&gt;`, `&quot;`, `&apos;`, `&#NN;` and `&#xHH;`;
/// anything else is kept as written.
pub fn decode_entities(s: &str) -> String {
    if !s.contains('&') {
        return s.to_owned();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        rest = &rest[amp..];
        let decoded = rest.find(';').filter(|&semi| semi <= 10).and_then(|semi| {
            let entity = &rest[1..semi];
            let c = match entity {
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                _ => entity.strip_prefix('#').and_then(|num| {
                    let code = match num.strip_prefix(['x', 'X']) {
                        Some(hex) => u32::from_str_radix(hex, 16).ok(),
                        None => num.parse().ok(),
                    };
                    code.and_then(char::from_u32)
                }),
            };
            c.map(|c| (c, semi + 1))
        });
        match decoded {
            Some((c, len)) => {
                out.push(c);
                rest = &rest[len..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anchors_attributes_and_entities() {
        let html = r#"<!DOCTYPE html><html><head><BASE HREF="https://files.example/base/">
<!-- <a href="commented-out.whl">x</a> -->
</head><body>
<a href="/p/a-1.0.tar.gz#sha256=00" data-requires-python="&gt;=3.8">a-1.0.tar.gz</a><br/>
<A HREF='a-1.1-py3-none-any.whl' data-yanked data-core-metadata="sha256=ab">a-1.1-py3-none-any.whl</A>
<a href=a-2.0.zip data-yanked="bad &amp; broken"><span>a-2.0.zip</span></a>
<a href="x&#38;y&#x26;z.zip">unclosed
</body></html>"#;
        let page = parse(html);
        assert_eq!(page.base.as_deref(), Some("https://files.example/base/"));
        assert_eq!(page.anchors.len(), 4);
        let a = &page.anchors[0];
        assert_eq!(a.attr("href"), Some("/p/a-1.0.tar.gz#sha256=00"));
        assert_eq!(a.attr("data-requires-python"), Some(">=3.8"));
        assert_eq!(a.attr("data-yanked"), None);
        assert_eq!(a.text, "a-1.0.tar.gz");
        let b = &page.anchors[1];
        assert_eq!(b.attr("href"), Some("a-1.1-py3-none-any.whl"));
        assert_eq!(b.attr("data-yanked"), Some(""));
        assert_eq!(b.attr("data-core-metadata"), Some("sha256=ab"));
        let c = &page.anchors[2];
        assert_eq!(c.attr("href"), Some("a-2.0.zip"));
        assert_eq!(c.attr("data-yanked"), Some("bad & broken"));
        assert_eq!(c.text, "", "the text ends at the next tag");
        assert_eq!(page.anchors[3].attr("href"), Some("x&y&z.zip"));
    }

    #[test]
    fn an_unclosed_anchor_ends_at_the_next_tag() {
        let page = parse(
            "<a href=a-1.zip>a-1.zip<br><a href=a-2.zip>a-2.zip</a><A HREF=a-3.zip>a-3 <b>x</b></a><a href=a-4.zip>",
        );
        let hrefs: Vec<_> = page.anchors.iter().map(|a| a.attr("href")).collect();
        assert_eq!(
            hrefs,
            [
                Some("a-1.zip"),
                Some("a-2.zip"),
                Some("a-3.zip"),
                Some("a-4.zip")
            ]
        );
        assert_eq!(page.anchors[0].text, "a-1.zip");
        assert_eq!(page.anchors[2].text, "a-3");
        assert_eq!(
            base_href("<a href=x>x</a><base href='/b/'>").as_deref(),
            Some("/b/")
        );
    }

    #[test]
    fn garbage_does_not_panic() {
        for s in [
            "<",
            "<a",
            "<a href=",
            "<a href=\"x",
            "&",
            "&#;",
            "&#xZZ;",
            "<!--",
            "<a >é</a",
        ] {
            let _ = parse(s);
        }
        assert_eq!(decode_entities("a&b&#65;&unknown;"), "a&bA&unknown;");
    }
}
