//! pip's requirements-file lexical rules: line continuations, comments,
//! options.

/// One logical line: its first physical line number (1-based) and text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    /// First physical line of the logical line.
    pub number: usize,
    /// The text, comments stripped, trimmed; never empty.
    pub text: String,
}

/// pip's `COMMENT_RE`, `(^|\s+)#.*$`: the byte offset where a comment
/// (with the white space before it) starts.
fn comment_start(line: &str) -> Option<usize> {
    let bytes = line.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        if b != b'#' {
            continue;
        }
        if i == 0 {
            return Some(0);
        }
        if bytes[i - 1].is_ascii_whitespace() {
            let mut start = i;
            while start > 0 && bytes[start - 1].is_ascii_whitespace() {
                start -= 1;
            }
            return Some(start);
        }
    }
    None
}

/// Joins continuation lines (a trailing `\`) and strips comments, as pip
/// does: a line that is (or ends in) a comment is never continued, and a
/// comment line inside a continuation ends it.
pub fn logical_lines(content: &str) -> Vec<Line> {
    let mut out = Vec::new();
    let mut pending: Option<(usize, String)> = None;
    let mut emit = |number: usize, text: &str| {
        let text = match comment_start(text) {
            Some(at) => &text[..at],
            None => text,
        };
        let text = text.trim();
        if !text.is_empty() {
            out.push(Line {
                number,
                text: text.to_owned(),
            });
        }
    };
    for (i, raw) in content.lines().enumerate() {
        let number = i + 1;
        let is_comment = comment_start(raw).is_some();
        if !raw.ends_with('\\') || is_comment {
            match pending.take() {
                Some((first, mut joined)) => {
                    if is_comment {
                        joined.push(' ');
                    }
                    joined.push_str(raw);
                    emit(first, &joined);
                }
                None => emit(number, raw),
            }
        } else {
            let part = raw.trim_end_matches('\\');
            match pending.as_mut() {
                Some((_, joined)) => joined.push_str(part),
                None => pending = Some((number, part.to_owned())),
            }
        }
    }
    if let Some((first, joined)) = pending {
        emit(first, &joined);
    }
    out
}

/// A line that starts with an option: the option (`-r`, `--index-url`, …)
/// and its value (after white space or `=`, or glued to a short option).
pub fn split_option(text: &str) -> (&str, &str) {
    if let Some(long) = text.strip_prefix("--") {
        let end = long
            .find(|c: char| c.is_whitespace() || c == '=')
            .map_or(text.len(), |i| i + 2);
        let value = text[end..].trim_start();
        let value = value.strip_prefix('=').unwrap_or(value).trim();
        (&text[..end], value)
    } else {
        // `-r file`, `-rfile`, `-r=file`
        let end = text.char_indices().nth(2).map_or(text.len(), |(i, _)| i);
        let value = text[end..].trim_start();
        let value = value.strip_prefix('=').unwrap_or(value).trim();
        (&text[..end], value)
    }
}

/// pip's per-requirement options: the first white-space separated token
/// that starts with `-` (e.g. `--hash=…`), if any.
pub fn trailing_option(text: &str) -> Option<&str> {
    text.split_whitespace().skip(1).find(|t| t.starts_with('-'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(content: &str) -> Vec<(usize, String)> {
        logical_lines(content)
            .into_iter()
            .map(|l| (l.number, l.text))
            .collect()
    }

    #[test]
    fn comments_blank_lines_and_continuations() {
        let content =
            "# header\n\nfoo==1.0  # pinned\nbar>=1,\\\n  <2\nbaz#notacomment\n  \\\nqux\n";
        assert_eq!(
            texts(content),
            vec![
                (3, "foo==1.0".to_owned()),
                (4, "bar>=1,  <2".to_owned()),
                (6, "baz#notacomment".to_owned()),
                (7, "qux".to_owned()),
            ]
        );
    }

    #[test]
    fn comment_ends_a_continuation() {
        assert_eq!(
            texts("foo \\\n# c \\\nbar\n"),
            vec![(1, "foo".to_owned()), (3, "bar".to_owned())]
        );
        assert_eq!(texts("foo>=1 \\"), vec![(1, "foo>=1".to_owned())]);
    }

    #[test]
    fn options() {
        assert_eq!(split_option("-r other.txt"), ("-r", "other.txt"));
        assert_eq!(split_option("-rother.txt"), ("-r", "other.txt"));
        assert_eq!(
            split_option("--requirement=other.txt"),
            ("--requirement", "other.txt")
        );
        assert_eq!(split_option("--pre"), ("--pre", ""));
        assert_eq!(
            trailing_option("foo==1.0 --hash=sha256:abc"),
            Some("--hash=sha256:abc")
        );
        assert_eq!(trailing_option("foo>=1; python_version >= '3'"), None);
    }
}
