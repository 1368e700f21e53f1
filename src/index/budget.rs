//! Bounds on what one call holds of the indexes' answers: the bytes of
//! response bodies in flight (project pages, metadata, wheel reads) and the
//! bytes the parsed project pages keep.

use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::time::Instant;

/// Response bodies (read whole, before parsing) held at once by one call,
/// over every concurrent request: one full project page (64 MiB) and more
/// small answers.
pub const BODY_BYTES_IN_FLIGHT: u64 = 96 * 1024 * 1024;

/// What the project pages being parsed at once by one call may build, as
/// estimated from their size before parsing (an upper bound:
/// `Project::estimate_heap_bytes`).
pub const PARSE_BYTES_IN_FLIGHT: u64 = 64 * 1024 * 1024;

/// What the parsed project pages of one call may keep in all (their file
/// entries: about 64 bytes plus the URL per file, and the versions); more
/// is `index_error`. With the two budgets above, a bound on what one call
/// holds of the indexes' answers: 256 MiB.
pub const MAX_RETAINED_INDEX_BYTES: usize = 96 * 1024 * 1024;

/// A counting semaphore over bytes.
#[derive(Debug)]
pub struct ByteBudget {
    total: u64,
    used: Mutex<u64>,
    freed: Condvar,
}

/// Bytes reserved from a [`ByteBudget`]; given back on drop.
#[derive(Debug)]
pub struct Reservation {
    budget: Arc<ByteBudget>,
    bytes: u64,
}

impl ByteBudget {
    /// A budget of `total` bytes.
    pub fn new(total: u64) -> Arc<Self> {
        Arc::new(Self {
            total,
            used: Mutex::new(0),
            freed: Condvar::new(),
        })
    }

    /// Reserves `bytes` (at most the whole budget), waiting until they are
    /// free or `until` passes (`None` then; `until: None`: no limit). Never
    /// waits when nothing is reserved, so one reservation always goes
    /// through.
    pub fn reserve(self: &Arc<Self>, bytes: u64, until: Option<Instant>) -> Option<Reservation> {
        let bytes = bytes.min(self.total);
        let mut used = self.used.lock().unwrap_or_else(PoisonError::into_inner);
        while *used + bytes > self.total && *used > 0 {
            used = match until {
                None => self
                    .freed
                    .wait(used)
                    .unwrap_or_else(PoisonError::into_inner),
                Some(until) => {
                    let left = until.saturating_duration_since(Instant::now());
                    if left.is_zero() {
                        return None;
                    }
                    self.freed
                        .wait_timeout(used, left)
                        .unwrap_or_else(PoisonError::into_inner)
                        .0
                }
            };
        }
        *used += bytes;
        Some(Reservation {
            budget: self.clone(),
            bytes,
        })
    }

    /// Bytes reserved now.
    #[cfg(any(test, feature = "internals"))]
    pub fn in_use(&self) -> u64 {
        *self.used.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Reservation {
    /// The bytes reserved.
    pub fn bytes(&self) -> u64 {
        self.bytes
    }
}

impl Drop for Reservation {
    fn drop(&mut self) {
        let mut used = self
            .budget
            .used
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        *used -= self.bytes;
        self.budget.freed.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn waits_for_room_and_gives_back_on_drop() {
        let b = ByteBudget::new(100);
        let soon = || Some(Instant::now() + Duration::from_millis(50));
        let a = b.reserve(70, soon()).unwrap();
        assert!(b.reserve(40, soon()).is_none(), "over budget: times out");
        let c = b.reserve(30, soon()).unwrap();
        assert_eq!(b.in_use(), 100);
        drop(a);
        let d = b.reserve(500, soon());
        assert!(d.is_none(), "capped at the whole budget, 30 still held");
        drop(c);
        let d = b.reserve(500, soon()).unwrap();
        assert_eq!(d.bytes(), 100);
        drop(d);
        assert_eq!(b.in_use(), 0);
    }

    #[test]
    fn a_waiter_gets_through_when_another_finishes() {
        let b = ByteBudget::new(100);
        let held = b.reserve(100, Some(Instant::now())).unwrap();
        let b2 = b.clone();
        let t = std::thread::spawn(move || b2.reserve(60, None).map(|r| r.bytes()));
        std::thread::sleep(Duration::from_millis(50));
        drop(held);
        assert_eq!(t.join().unwrap(), Some(60));
    }
}
