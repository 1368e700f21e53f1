//! A remote file read through HTTP range requests, as `Read + Seek`, so the
//! zip reader fetches only the tail (end of central directory), the central
//! directory and the METADATA entry of a wheel. A server that ignores
//! `Range` answers the whole file, which is then read from memory (capped).

use std::io::{self, Cursor, Read, Seek, SeekFrom};

use url::Url;

use super::cached_client::CachedClient;
use crate::error::{index_error, ResolverError, Result};

/// The first request asks for this much of the file's end.
pub const TAIL: u64 = 64 * 1024;
/// Later requests fetch at least this much.
const CHUNK: u64 = 64 * 1024;

/// A remote file: ranges fetched on demand, or the whole body.
pub enum RemoteFile<'c> {
    /// The server honours ranges.
    Ranged(RangeReader<'c>),
    /// The server sent everything.
    Whole(Cursor<Vec<u8>>),
}

impl<'c> RemoteFile<'c> {
    /// Opens `url` by asking for its last [`TAIL`] bytes; at most `cap` bytes
    /// are ever transferred.
    pub fn open(client: &'c CachedClient, url: &Url, cap: u64) -> Result<Option<Self>> {
        let range = format!("bytes=-{TAIL}");
        let headers = [("Range", range.as_str()), ("Accept-Encoding", "identity")];
        let Some(resp) = client.get(url, &headers, cap)? else {
            return Ok(None);
        };
        if resp.status != 206 {
            return Ok(Some(Self::Whole(Cursor::new(resp.body))));
        }
        let (start, end, len) = resp
            .content_range
            .as_deref()
            .and_then(parse_content_range)
            .ok_or_else(|| index_error(url, "a 206 answer without a valid Content-Range"))?;
        if end + 1 - start != resp.body.len() as u64 || end >= len {
            return Err(index_error(
                url,
                "the Content-Range does not match the body",
            ));
        }
        let fetched = resp.body.len() as u64;
        Ok(Some(Self::Ranged(RangeReader {
            client,
            url: resp.url,
            len,
            pos: 0,
            segments: vec![(start, resp.body)],
            fetched,
            requests: 1,
            cap,
            error: None,
        })))
    }

    /// The error behind a failed read, if it came from the network.
    pub fn take_error(&mut self) -> Option<ResolverError> {
        match self {
            Self::Ranged(r) => r.error.take(),
            Self::Whole(_) => None,
        }
    }
}

impl Read for RemoteFile<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Self::Ranged(r) => r.read(buf),
            Self::Whole(c) => c.read(buf),
        }
    }
}

impl Seek for RemoteFile<'_> {
    fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        match self {
            Self::Ranged(r) => r.seek(pos),
            Self::Whole(c) => c.seek(pos),
        }
    }
}

/// `bytes START-END/LEN` → (START, END, LEN). Public for the fuzz targets.
#[doc(hidden)]
pub fn parse_content_range(v: &str) -> Option<(u64, u64, u64)> {
    let rest = v.trim().strip_prefix("bytes")?.trim_start();
    let (range, len) = rest.split_once('/')?;
    let (start, end) = range.split_once('-')?;
    let (start, end, len) = (
        start.trim().parse().ok()?,
        end.trim().parse().ok()?,
        len.trim().parse().ok()?,
    );
    // The range must end inside the complete length (RFC 9110 14.4), which
    // also keeps `end + 1` from overflowing (found by fuzz/content_range).
    (start <= end && end < len).then_some((start, end, len))
}

/// Ranges of one remote file fetched on demand and kept.
pub struct RangeReader<'c> {
    client: &'c CachedClient,
    url: Url,
    len: u64,
    pos: u64,
    /// `(offset, bytes)` pieces fetched so far.
    segments: Vec<(u64, Vec<u8>)>,
    fetched: u64,
    requests: u32,
    cap: u64,
    error: Option<ResolverError>,
}

impl RangeReader<'_> {
    fn fetch(&mut self, start: u64, want: u64) -> io::Result<()> {
        let end = (start + want.max(CHUNK)).min(self.len) - 1;
        if self.fetched + (end + 1 - start) > self.cap {
            return Err(self.fail(index_error(
                &self.url,
                &format!(
                    "reading the wheel's metadata would transfer more than {} bytes",
                    self.cap
                ),
            )));
        }
        let range = format!("bytes={start}-{end}");
        let headers = [("Range", range.as_str()), ("Accept-Encoding", "identity")];
        let resp = match self.client.get(&self.url, &headers, self.cap) {
            Ok(Some(r)) => r,
            Ok(None) => {
                return Err(self.fail(index_error(&self.url, "the file vanished (HTTP 404)")))
            }
            Err(e) => return Err(self.fail(e)),
        };
        self.requests += 1;
        self.fetched += resp.body.len() as u64;
        let segment = if resp.status == 206 {
            match resp.content_range.as_deref().and_then(parse_content_range) {
                Some((s, e, _)) if e + 1 - s == resp.body.len() as u64 => (s, resp.body),
                _ => {
                    return Err(self.fail(index_error(
                        &self.url,
                        "a 206 answer without a matching Content-Range",
                    )))
                }
            }
        } else {
            (0, resp.body)
        };
        self.segments.push(segment);
        Ok(())
    }

    fn fail(&mut self, e: ResolverError) -> io::Error {
        let shown = e.to_string();
        self.error = Some(e);
        io::Error::other(shown)
    }

    fn find(&self, pos: u64) -> Option<&[u8]> {
        self.segments.iter().find_map(|(start, data)| {
            let off = pos.checked_sub(*start)?;
            let off = usize::try_from(off).ok()?;
            (off < data.len()).then(|| &data[off..])
        })
    }
}

impl Read for RangeReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() || self.pos >= self.len {
            return Ok(0);
        }
        if self.find(self.pos).is_none() {
            self.fetch(self.pos, buf.len() as u64)?;
        }
        let Some(data) = self.find(self.pos) else {
            let e = index_error(&self.url, "the server did not send the range asked for");
            return Err(self.fail(e));
        };
        let n = data.len().min(buf.len());
        buf[..n].copy_from_slice(&data[..n]);
        self.pos += n as u64;
        Ok(n)
    }
}

impl Seek for RangeReader<'_> {
    fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        let target = match pos {
            SeekFrom::Start(p) => Some(p),
            SeekFrom::End(d) => self.len.checked_add_signed(d),
            SeekFrom::Current(d) => self.pos.checked_add_signed(d),
        };
        let Some(target) = target else {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "seek before the start of the file",
            ));
        };
        self.pos = target;
        Ok(target)
    }
}

#[cfg(test)]
mod tests {
    use super::parse_content_range;

    #[test]
    fn content_range() {
        assert_eq!(parse_content_range("bytes 10-19/100"), Some((10, 19, 100)));
        assert_eq!(parse_content_range("bytes 0-0/1"), Some((0, 0, 1)));
        assert_eq!(parse_content_range("bytes 5-4/10"), None);
        assert_eq!(parse_content_range("bytes */10"), None);
        assert_eq!(parse_content_range("items 1-2/3"), None);
    }
}
