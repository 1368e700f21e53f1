//! Stopping a call early: the caller's cancel token and the time budget.
//!
//! A [`Stop`] is what every stage of a call consults: the scan (once per
//! wheel), the stage boundaries in `compute_plan`, and the index client
//! (before every attempt, during back-off pauses, and through a hook that
//! shuts its connections down the moment the token is cancelled, so a
//! request blocked on a silent server returns at once). A stopped call ends
//! with [`ResolverError::Cancelled`] (code `cancelled`) or
//! [`ResolverError::Timeout`] (code `timeout`) and writes nothing.
//!
//! A [`CancelToken`] is shared (cheap to clone) between the thread running
//! the call and the thread cancelling it; the C ABI hands it out as the
//! opaque `ResolverCancel`.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError, Weak};
use std::time::{Duration, Instant};

use crate::error::{ResolverError, Result};

type Hook = Arc<dyn Fn() + Send + Sync>;

#[derive(Default)]
struct Hooks {
    next_id: u64,
    list: Vec<(u64, Hook)>,
}

#[derive(Default)]
struct CancelInner {
    cancelled: AtomicBool,
    hooks: Mutex<Hooks>,
}

/// A cancellation flag shared between a running call and whoever may stop
/// it. Cancelling is idempotent, thread-safe and permanent; one token may be
/// handed to several calls, which are then cancelled together.
#[derive(Clone, Default)]
pub struct CancelToken {
    inner: Arc<CancelInner>,
}

impl std::fmt::Debug for CancelToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CancelToken")
            .field("cancelled", &self.is_cancelled())
            .finish()
    }
}

impl CancelToken {
    /// A token that is not cancelled.
    pub fn new() -> Self {
        Self::default()
    }

    /// Cancels: sets the flag, then runs the hooks registered by running
    /// calls (which interrupt blocking I/O). Never blocks for long.
    pub fn cancel(&self) {
        self.inner.cancelled.store(true, Ordering::SeqCst);
        // Clone the hooks out so that none runs under the lock.
        let hooks: Vec<Hook> = lock(&self.inner.hooks)
            .list
            .iter()
            .map(|(_, h)| h.clone())
            .collect();
        for hook in hooks {
            hook();
        }
    }

    /// Whether [`cancel`](Self::cancel) was called.
    pub fn is_cancelled(&self) -> bool {
        self.inner.cancelled.load(Ordering::SeqCst)
    }

    /// Registers `hook` to run when the token is cancelled (at once if it
    /// already is). The hook is removed when the guard drops.
    pub fn on_cancel(&self, hook: impl Fn() + Send + Sync + 'static) -> HookGuard {
        let hook: Hook = Arc::new(hook);
        let id = {
            let mut hooks = lock(&self.inner.hooks);
            hooks.next_id += 1;
            let id = hooks.next_id;
            hooks.list.push((id, hook.clone()));
            id
        };
        // A cancel that ran before the push missed this hook: run it here.
        // (Running it twice is harmless: hooks are idempotent.)
        if self.is_cancelled() {
            hook();
        }
        HookGuard {
            inner: Arc::downgrade(&self.inner),
            id,
        }
    }
}

/// Removes its hook from the token when dropped.
pub struct HookGuard {
    inner: Weak<CancelInner>,
    id: u64,
}

impl Drop for HookGuard {
    fn drop(&mut self) {
        if let Some(inner) = self.inner.upgrade() {
            lock(&inner.hooks).list.retain(|(id, _)| *id != self.id);
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Why a call stops early.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopReason {
    /// The caller cancelled it.
    Cancelled,
    /// The time budget ran out.
    Timeout,
}

/// The cancel token (if any) and the deadline (if any) of one call. Cheap to
/// clone; checking it is an atomic load and a clock read.
#[derive(Clone, Debug, Default)]
pub struct Stop {
    cancel: Option<CancelToken>,
    deadline: Option<Instant>,
    budget_ms: Option<u64>,
}

/// Longest sleep between two looks at the token in [`Stop::sleep`].
const SLEEP_SLICE: Duration = Duration::from_millis(20);

impl Stop {
    /// Never stops.
    #[cfg(any(test, feature = "internals"))]
    pub fn never() -> Self {
        Self::default()
    }

    /// Stops when `cancel` is cancelled or `budget_ms` milliseconds after
    /// `started`.
    pub fn new(cancel: Option<CancelToken>, started: Instant, budget_ms: Option<u64>) -> Self {
        Self {
            cancel,
            deadline: budget_ms.map(|ms| started + Duration::from_millis(ms)),
            budget_ms,
        }
    }

    /// The deadline, if there is a budget.
    pub fn deadline(&self) -> Option<Instant> {
        self.deadline
    }

    /// Time left before the deadline (`None`: no deadline).
    pub fn remaining(&self) -> Option<Duration> {
        self.deadline
            .map(|d| d.saturating_duration_since(Instant::now()))
    }

    /// Why the call should stop now, if it should. Cancellation wins over
    /// an expired budget.
    pub fn reason(&self) -> Option<StopReason> {
        if self.cancel.as_ref().is_some_and(CancelToken::is_cancelled) {
            return Some(StopReason::Cancelled);
        }
        if self.deadline.is_some_and(|d| Instant::now() >= d) {
            return Some(StopReason::Timeout);
        }
        None
    }

    /// Whether the call should stop now.
    #[cfg(any(test, feature = "internals"))]
    pub fn is_stopped(&self) -> bool {
        self.reason().is_some()
    }

    /// `Ok` while the call may go on; otherwise the `cancelled` or `timeout`
    /// error, saying `during` what (e.g. "the input scan").
    pub fn check(&self, during: &str) -> Result<()> {
        match self.reason() {
            None => Ok(()),
            Some(reason) => Err(self.error(reason, during)),
        }
    }

    /// The error for `reason`, saying `during` what it happened.
    pub fn error(&self, reason: StopReason, during: &str) -> ResolverError {
        match reason {
            StopReason::Cancelled => {
                ResolverError::Cancelled(format!("the caller cancelled the call during {during}"))
            }
            StopReason::Timeout => ResolverError::Timeout(format!(
                "the time budget (time_budget_ms{}) ran out during {during}",
                self.budget_ms
                    .map(|ms| format!(" = {ms}"))
                    .unwrap_or_default()
            )),
        }
    }

    /// `err`, unless the call was stopped meanwhile: then the stop's error
    /// (a failure caused by a cancelled or expired call is reported as such,
    /// never as e.g. `index_unreachable`).
    pub fn explain(&self, err: ResolverError, during: &str) -> ResolverError {
        if matches!(err, ResolverError::Cancelled(_) | ResolverError::Timeout(_)) {
            return err;
        }
        match self.reason() {
            Some(reason) => self.error(reason, during),
            None => err,
        }
    }

    /// Sleeps for `pause`, waking early (with the stop's error) when the
    /// call is cancelled or the deadline comes first.
    pub fn sleep(&self, pause: Duration, during: &str) -> Result<()> {
        let until = Instant::now() + pause;
        loop {
            self.check(during)?;
            let now = Instant::now();
            if now >= until {
                return Ok(());
            }
            let mut slice = (until - now).min(SLEEP_SLICE);
            if let Some(left) = self.remaining() {
                slice = slice.min(left);
            }
            std::thread::sleep(slice);
        }
    }

    /// Registers `hook` to run when the call is cancelled; `None` when the
    /// call has no cancel token.
    pub fn on_cancel(&self, hook: impl Fn() + Send + Sync + 'static) -> Option<HookGuard> {
        self.cancel.as_ref().map(|c| c.on_cancel(hook))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;

    #[test]
    fn cancel_is_seen_and_hooks_run_once_registered() {
        let token = CancelToken::new();
        let stop = Stop::new(Some(token.clone()), Instant::now(), None);
        assert!(stop.check("x").is_ok());
        let runs = Arc::new(AtomicUsize::new(0));
        let r = runs.clone();
        let guard = stop
            .on_cancel(move || {
                r.fetch_add(1, Ordering::SeqCst);
            })
            .unwrap();
        token.cancel();
        token.cancel();
        assert_eq!(runs.load(Ordering::SeqCst), 2);
        assert_eq!(stop.check("the scan").unwrap_err().code(), "cancelled");
        drop(guard);
        token.cancel();
        assert_eq!(runs.load(Ordering::SeqCst), 2, "a dropped guard's hook ran");
        // Registered after the cancel: runs at once.
        let r = runs.clone();
        let _g = token.on_cancel(move || {
            r.fetch_add(1, Ordering::SeqCst);
        });
        assert_eq!(runs.load(Ordering::SeqCst), 3);
    }

    #[test]
    fn budget_expires() {
        let stop = Stop::new(None, Instant::now() - Duration::from_secs(1), Some(5));
        let err = stop.check("planning").unwrap_err();
        assert_eq!(err.code(), "timeout");
        assert!(err.to_string().contains("time_budget_ms = 5"), "{err}");
        assert!(Stop::never().check("x").is_ok());
        assert_eq!(Stop::never().remaining(), None);
    }

    #[test]
    fn sleep_wakes_on_cancel() {
        let token = CancelToken::new();
        let stop = Stop::new(Some(token.clone()), Instant::now(), None);
        let t = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(50));
            token.cancel();
        });
        let started = Instant::now();
        let err = stop.sleep(Duration::from_secs(30), "a pause").unwrap_err();
        assert_eq!(err.code(), "cancelled");
        assert!(started.elapsed() < Duration::from_secs(10));
        t.join().unwrap();
    }

    #[test]
    fn explain_prefers_the_stop() {
        let token = CancelToken::new();
        let stop = Stop::new(Some(token.clone()), Instant::now(), None);
        let e = stop.explain(ResolverError::Internal("x".into()), "y");
        assert_eq!(e.code(), "internal");
        token.cancel();
        let e = stop.explain(
            ResolverError::IndexUnreachable {
                url: "u".into(),
                message: "m".into(),
            },
            "planning",
        );
        assert_eq!(e.code(), "cancelled");
    }
}
