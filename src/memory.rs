//! Giving freed memory back to the operating system once the process is
//! idle.
//!
//! glibc keeps what a thread freed in that thread's malloc arena; with the
//! pool's workers and the callers' threads each owning one, a service that
//! planned a few large inputs keeps tens of MB per arena resident long after
//! (`malloc_trim(0)` took one from 2.4 GB to 54 MB). So: calls through the C
//! ABI are counted, and once none has run for a second, an idle pool worker
//! calls `malloc_trim(0)` (once per idle period; never while a call runs,
//! so it costs no call anything).
//! Only on glibc; elsewhere this does nothing.

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

static IN_FLIGHT: AtomicUsize = AtomicUsize::new(0);
static TRIM_PENDING: AtomicBool = AtomicBool::new(false);
/// When the last call ended, in ms since [`epoch`].
static LAST_END_MS: AtomicU64 = AtomicU64::new(0);

/// How long the process must have been idle before memory is trimmed.
pub const TRIM_AFTER_IDLE: Duration = Duration::from_secs(1);

fn epoch() -> Instant {
    static EPOCH: OnceLock<Instant> = OnceLock::new();
    *EPOCH.get_or_init(Instant::now)
}

fn now_ms() -> u64 {
    u64::try_from(epoch().elapsed().as_millis()).unwrap_or(u64::MAX)
}

/// Counts one running call while alive.
pub struct CallGuard(());

impl CallGuard {
    /// A call starts.
    pub fn enter() -> Self {
        IN_FLIGHT.fetch_add(1, Ordering::SeqCst);
        CallGuard(())
    }
}

impl Drop for CallGuard {
    fn drop(&mut self) {
        LAST_END_MS.store(now_ms(), Ordering::SeqCst);
        if IN_FLIGHT.fetch_sub(1, Ordering::SeqCst) == 1 {
            TRIM_PENDING.store(true, Ordering::SeqCst);
        }
    }
}

/// Returns free memory to the OS if no call has run for
/// [`TRIM_AFTER_IDLE`] and calls ended since the last trim. Called by idle
/// pool workers.
pub fn trim_if_idle() {
    let quiet = now_ms().saturating_sub(LAST_END_MS.load(Ordering::SeqCst));
    if IN_FLIGHT.load(Ordering::SeqCst) == 0
        && quiet >= TRIM_AFTER_IDLE.as_millis() as u64
        && TRIM_PENDING.swap(false, Ordering::SeqCst)
    {
        trim();
    }
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn trim() {
    // SAFETY: malloc_trim only releases free memory; it is thread-safe.
    unsafe {
        libc::malloc_trim(0);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn trim() {}
