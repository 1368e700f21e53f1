//! Byte budgets on a reader: every byte read through a [`Metered`] reader
//! is counted on its [`Meter`], and none is read past the meter's limit.

use std::cell::Cell;
use std::io::{Read, Seek, SeekFrom};
use std::rc::Rc;

/// The bytes read through the [`Metered`] readers that share it, against a
/// limit. `tripped` records that a reader wanted more than the limit, so the
/// caller can name the limit whatever error the reader's consumer reports.
#[derive(Debug)]
pub(super) struct Meter {
    used: Cell<u64>,
    limit: Cell<u64>,
    tripped: Cell<bool>,
}

impl Meter {
    pub(super) fn new(limit: u64) -> Rc<Self> {
        Rc::new(Self {
            used: Cell::new(0),
            limit: Cell::new(limit),
            tripped: Cell::new(false),
        })
    }

    /// The bytes still allowed.
    pub(super) fn left(&self) -> u64 {
        self.limit.get().saturating_sub(self.used.get())
    }

    pub(super) fn set_limit(&self, limit: u64) {
        self.limit.set(limit);
    }

    /// Whether a read went past the limit.
    pub(super) fn tripped(&self) -> bool {
        self.tripped.get()
    }
}

/// A reader that stops at its meter's limit.
///
/// At the limit it reads one byte more, into a scratch byte that is never
/// handed on: a stream that ends exactly there reads as ended, one that goes
/// on fails (and trips the meter).
pub(super) struct Metered<R> {
    inner: R,
    meter: Rc<Meter>,
}

impl<R> Metered<R> {
    pub(super) fn new(inner: R, meter: Rc<Meter>) -> Self {
        Self { inner, meter }
    }
}

impl<R: Read> Read for Metered<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        let left = self.meter.left();
        if left == 0 {
            let mut probe = [0u8; 1];
            return match self.inner.read(&mut probe)? {
                0 => Ok(0),
                _ => {
                    self.meter.tripped.set(true);
                    Err(std::io::Error::other("over the byte limit"))
                }
            };
        }
        let want = buf.len().min(usize::try_from(left).unwrap_or(usize::MAX));
        let n = self.inner.read(&mut buf[..want])?;
        self.meter.used.set(self.meter.used.get() + n as u64);
        Ok(n)
    }
}

impl<R: Seek> Seek for Metered<R> {
    fn seek(&mut self, pos: SeekFrom) -> std::io::Result<u64> {
        self.inner.seek(pos)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stream_that_ends_at_the_limit_is_read_whole() {
        let meter = Meter::new(4);
        let mut out = Vec::new();
        Metered::new(&b"abcd"[..], meter.clone())
            .read_to_end(&mut out)
            .unwrap();
        assert_eq!(out, b"abcd");
        assert!(!meter.tripped());
    }

    #[test]
    fn a_stream_that_goes_on_past_the_limit_fails_and_trips() {
        let meter = Meter::new(4);
        let mut out = Vec::new();
        let err = Metered::new(&b"abcde"[..], meter.clone()).read_to_end(&mut out);
        assert!(err.is_err());
        assert_eq!(out, b"abcd");
        assert!(meter.tripped());
        assert_eq!(meter.left(), 0);
    }
}
