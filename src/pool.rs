//! The process-wide worker pool: every piece of parallel work of every call
//! (the input scan, concurrent index look-ups, and through [`join`]
//! collecting the inputs' requirements and freeing the scan and the plan)
//! runs on it.
//!
//! - **One pool per process, bounded, started lazily.** Worker threads are
//!   spawned the first time a job asks for helpers and only up to
//!   [`threads`] in all, whatever the number of concurrent calls: a call
//!   never starts threads of its own. A worker idle for [`IDLE_EXIT`] exits;
//!   the next job starts it again. Idle workers also give freed memory back
//!   to the OS once no call runs ([`crate::memory`]).
//! - **The caller helps when needed.** A job runs on up to `width` idle
//!   workers; when fewer are idle, the calling thread works too, and when
//!   none has started within [`HELP_AFTER`] the caller does the job itself.
//!   The caller never waits for a worker to become free, only for workers
//!   that joined its job to finish their current item. So a job completes
//!   even when every worker is busy with other calls, when the pool is
//!   nested (a job started from inside a job), or when no thread could be
//!   started at all. (When the workers do it all, the caller's thread — any
//!   of a host's threads — keeps no malloc arena full of freed scan data:
//!   the pool's few long-lived threads do.)
//! - **Failures degrade.** A worker that cannot be spawned (thread limit,
//!   memory) is simply not there: the job runs with fewer helpers, and the
//!   pool tries again at most once per [`SPAWN_RETRY`]. Nothing is printed.
//! - **Panics propagate.** A panic in a job, on any thread, is resumed on
//!   the calling thread once every participant has left the job.
//!
//! Size: `max(available_parallelism, 50)`, at most 64. CPU-bound jobs (the
//! scan) ask for one participant per core ([`cpu_width`]); I/O-bound jobs
//! (index look-ups, which mostly wait on the network) for
//! [`IO_WIDTH`] = 50 (a level of a few dozen projects then costs one or
//! two round trips to a remote index, not one per 8 requests). The pool is sized for the wider of the two, so one
//! call's look-ups get their full concurrency, and the whole process never
//! has more than that many helper threads however many calls run.
//!
//! Its one dependency inside the crate is [`crate::memory::trim_if_idle`],
//! so that the module also compiles alone: `tests/miri-pool` runs its tests
//! under Miri (`make test-miri`), which checks the lifetime-extended job
//! body of `offer` (docs/pool.md).

use std::any::Any;
use std::collections::VecDeque;
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, OnceLock, PoisonError};
use std::time::{Duration, Instant};

/// Participants (caller included) of an I/O-bound job.
pub const IO_WIDTH: usize = 50;
/// The most worker threads the pool ever has.
pub const MAX_THREADS: usize = 64;
/// A caller whose helpers have not started after this long does the job
/// itself.
pub const HELP_AFTER: Duration = Duration::from_millis(2);
/// A worker idle this long exits.
pub const IDLE_EXIT: Duration = Duration::from_secs(30);
/// An idle worker wakes this often (to exit after [`IDLE_EXIT`], and to give
/// memory back once no call runs: `crate::memory`).
pub const IDLE_TICK: Duration = Duration::from_secs(1);
/// After a failed spawn, the pool does not try again for this long.
pub const SPAWN_RETRY: Duration = Duration::from_secs(1);

/// Participants (caller included) of a CPU-bound job: one per core.
pub fn cpu_width() -> usize {
    cores()
}

fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// The most worker threads the pool will run: `max(cores, IO_WIDTH)`,
/// at most [`MAX_THREADS`].
pub fn threads() -> usize {
    cores().clamp(IO_WIDTH, MAX_THREADS)
}

/// Worker threads running now (for the tests).
#[cfg(test)]
pub fn running_threads() -> usize {
    POOL.get().map_or(0, |p| lock(&p.state).workers)
}

/// Runs `f(state, i)` for every `i` in `0..n` on up to `width` threads (pool
/// workers, and the caller when needed: [`run`]) and returns the results in index order. Each
/// participating thread makes its own `state` with `init`, once, when it
/// takes its first item.
pub fn map_with<S, R: Send>(
    n: usize,
    width: usize,
    init: impl Fn() -> S + Sync,
    f: impl Fn(&mut S, usize) -> R + Sync,
) -> Vec<R> {
    let out: Result<Vec<R>, std::convert::Infallible> =
        try_map_with(n, width, init, |s, i| Ok(f(s, i)));
    match out {
        Ok(v) => v,
        Err(never) => match never {},
    }
}

/// `f` of every item, in order, computed `chunk` items at a time on up to
/// [`cpu_width`] participants (on the calling thread alone when `items`
/// fit in one chunk): for CPU-bound work over many small items.
pub fn map_chunks<T: Sync, R: Send>(
    items: &[T],
    chunk: usize,
    f: impl Fn(&T) -> R + Sync,
) -> Vec<R> {
    map_chunks_with(items, chunk, || (), |_, item| f(item))
}

/// [`map_chunks`] with a `state` per participating thread, made by `init`
/// when the thread takes its first chunk (as [`map_with`]).
pub fn map_chunks_with<'t, T: Sync, S, R: Send>(
    items: &'t [T],
    chunk: usize,
    init: impl Fn() -> S + Sync,
    f: impl Fn(&mut S, &'t T) -> R + Sync,
) -> Vec<R> {
    let chunk = chunk.max(1);
    let chunks = items.len().div_ceil(chunk);
    let width = if chunks > 1 { cpu_width() } else { 1 };
    let parts: Vec<Vec<R>> = map_with(chunks, width, init, |state, c| {
        items[c * chunk..items.len().min((c + 1) * chunk)]
            .iter()
            .map(|item| f(state, item))
            .collect()
    });
    parts.into_iter().flatten().collect()
}

/// Like [`map_with`], but `f` may fail: after the first error no new item
/// is started, and the error of the lowest index among those that failed is
/// returned.
///
/// Each result is written straight into its item's slot, so the results are
/// in order without a sort and are copied once, into the list returned.
pub fn try_map_with<S, R: Send, E: Send>(
    n: usize,
    width: usize,
    init: impl Fn() -> S + Sync,
    f: impl Fn(&mut S, usize) -> Result<R, E> + Sync,
) -> Result<Vec<R>, E> {
    let next = AtomicUsize::new(0);
    let failed = AtomicBool::new(false);
    // (A `Mutex`, not a `OnceLock`: results need only be `Send`.)
    let slots: Vec<Mutex<Option<Result<R, E>>>> = (0..n).map(|_| Mutex::new(None)).collect();
    let body = || {
        let mut state = None;
        while !failed.load(Ordering::Relaxed) {
            let i = next.fetch_add(1, Ordering::Relaxed);
            if i >= n {
                break;
            }
            let s = state.get_or_insert_with(&init);
            let r = f(s, i);
            if r.is_err() {
                failed.store(true, Ordering::Relaxed);
            }
            // Item `i` is taken by this thread alone.
            *lock(&slots[i]) = Some(r);
        }
    };
    run(width.min(n), &body);
    // The items taken are `0..k` for some `k`, and every participant has
    // left: each of those has its result. An empty slot (an item not
    // started) is there only after a failure, so an error is returned.
    let mut error = None;
    let results: Vec<R> = slots
        .into_iter()
        .filter_map(
            |slot| match slot.into_inner().unwrap_or_else(PoisonError::into_inner)? {
                Ok(r) => Some(r),
                Err(e) => {
                    error.get_or_insert(e);
                    None
                }
            },
        )
        .collect();
    match error {
        Some(e) => Err(e),
        None => Ok(results),
    }
}

/// Runs `main` on the calling thread and `side` on an idle worker at
/// once, and returns what each returned once both have. When no worker is
/// idle (or none takes `side` before `main` is done), the caller runs
/// `side` after `main`. For work the result need not wait for but the call
/// must finish: freeing a large structure while the result is written,
/// collecting a list while another is made. A panic in either is resumed
/// on the caller once both are done.
pub fn join<S: Send, M>(side: impl FnOnce() -> S + Send, main: impl FnOnce() -> M) -> (S, M) {
    let side = Mutex::new(Some(side));
    let side_out = Mutex::new(None);
    let body = || {
        let task = lock(&side).take();
        if let Some(side) = task {
            let out = side();
            *lock(&side_out) = Some(out);
        }
    };
    // SAFETY: settled below, before `body` goes out of scope; `main`, the
    // one thing in between that could unwind, runs inside `catch_unwind`.
    let job = unsafe { offer(&body, 1) };
    let mine = catch_unwind(AssertUnwindSafe(main));
    settle(&job);
    // `side`, if no worker took it.
    let side_panic = catch_unwind(AssertUnwindSafe(body)).err();
    let m = match mine {
        Ok(m) => m,
        Err(p) => resume_unwind(p),
    };
    if let Some(p) = side_panic.or_else(|| lock(&job.job.panic).take()) {
        resume_unwind(p);
    }
    // `side` ran (on a worker, or just above) and did not panic.
    match side_out
        .into_inner()
        .unwrap_or_else(PoisonError::into_inner)
    {
        Some(s) => (s, m),
        None => unreachable!("pool::join: the side task did not run"),
    }
}

/// Runs `body` on up to `width` threads at once: idle pool workers, and the
/// calling thread when fewer than `width` workers are idle or none starts
/// within [`HELP_AFTER`]; returns when every participant has returned from
/// it. `body` is expected to share its work out itself (e.g. an atomic
/// counter), so that once one participant returns, all work is handed out.
pub fn run(width: usize, body: &(dyn Fn() + Sync)) {
    if width <= 1 {
        body();
        return;
    }
    // SAFETY: settled below before returning, and nothing in between
    // unwinds (`body` runs inside `catch_unwind`); with no helper nothing
    // was queued, so there is nothing to settle.
    let offered = unsafe { offer(body, width) };
    let (job, helpers) = (&offered.job, offered.helpers);
    let mut mine = Ok(());
    if helpers == 0 {
        body();
        return;
    } else if helpers < width {
        mine = catch_unwind(AssertUnwindSafe(body));
    } else {
        // The workers do it all: their threads (and malloc arenas) live as
        // long as the pool, where the caller's may be any of a host's
        // threads, each keeping an arena of freed scan results. The caller
        // steps in if no worker has started shortly (all busy, CPU starved).
        let waiting_since = Instant::now();
        let mut p = lock(&job.progress);
        loop {
            if p.finished > 0 {
                break;
            }
            if p.started == 0 && waiting_since.elapsed() >= HELP_AFTER {
                drop(p);
                mine = catch_unwind(AssertUnwindSafe(body));
                break;
            }
            p = job
                .done
                .wait_timeout(p, HELP_AFTER)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
    }
    settle(&offered);
    if let Err(p) = mine {
        resume_unwind(p);
    }
    let theirs = lock(&job.panic).take();
    if let Some(p) = theirs {
        resume_unwind(p);
    }
}

/// A job queued for up to `wanted` idle workers ([`Offered::helpers`] of
/// them; 0: the caller runs `body` alone).
///
/// # Safety
/// The caller must [`settle`] it before `body` goes out of scope, on every
/// path (an unwinding one too): a worker may call `body` until then.
unsafe fn offer(body: &(dyn Fn() + Sync), wanted: usize) -> Offered {
    // SAFETY: the pointer is only dereferenced by workers that registered in
    // `job.progress` under the pool lock while the entry was queued; the
    // caller settles the job before `body` goes out of scope, which removes
    // every entry still queued and waits for `active` to reach zero, so
    // `body` outlives every use.
    let body_ptr: *const (dyn Fn() + Sync + 'static) =
        unsafe { std::mem::transmute::<*const (dyn Fn() + Sync + '_), _>(body as *const _) };
    let job = Arc::new(Job {
        body: JobBody(body_ptr),
        progress: Mutex::new(Progress::default()),
        done: Condvar::new(),
        panic: Mutex::new(None),
    });
    let pool = pool();
    let helpers = pool.submit(&job, wanted);
    Offered { job, helpers }
}

/// Takes what no worker picked up of an offered job out of the queue and
/// waits for the workers inside its body to return.
fn settle(offered: &Offered) {
    pool().withdraw(&offered.job);
    let mut p = lock(&offered.job.progress);
    while p.active > 0 {
        p = offered
            .job
            .done
            .wait(p)
            .unwrap_or_else(PoisonError::into_inner);
    }
}

/// A job [`offer`]ed to the pool.
struct Offered {
    job: Arc<Job>,
    /// Workers it was queued for.
    helpers: usize,
}

/// The body of a job, on the stack of the thread that runs [`run`].
struct JobBody(*const (dyn Fn() + Sync));
// SAFETY: the body is `Sync`, and `run` keeps it alive while any worker can
// reach it (see there).
unsafe impl Send for JobBody {}
unsafe impl Sync for JobBody {}

/// Who works on a job.
#[derive(Default)]
struct Progress {
    /// Workers inside `body` now.
    active: usize,
    /// Workers that entered `body`.
    started: usize,
    /// Workers that returned from `body` (all work was handed out then).
    finished: usize,
}

struct Job {
    body: JobBody,
    progress: Mutex<Progress>,
    done: Condvar,
    panic: Mutex<Option<Box<dyn Any + Send>>>,
}

#[derive(Default)]
struct State {
    queue: VecDeque<Arc<Job>>,
    workers: usize,
    idle: usize,
    last_spawn_failure: Option<Instant>,
    spawned: usize,
}

struct Pool {
    state: Mutex<State>,
    work: Condvar,
    max: usize,
}

static POOL: OnceLock<Pool> = OnceLock::new();

fn pool() -> &'static Pool {
    POOL.get_or_init(|| Pool {
        state: Mutex::new(State::default()),
        work: Condvar::new(),
        max: threads(),
    })
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Pool {
    /// Queues `job` for as many of `wanted` helpers as there are idle
    /// workers (starting more, up to the bound, when too few are idle) and
    /// returns that number; 0 means the caller runs the job alone.
    fn submit(&'static self, job: &Arc<Job>, wanted: usize) -> usize {
        let mut st = lock(&self.state);
        let queued = st.queue.len();
        let missing = (wanted + queued).saturating_sub(st.idle);
        let can_grow = st
            .last_spawn_failure
            .is_none_or(|t| t.elapsed() >= SPAWN_RETRY);
        if missing > 0 && can_grow {
            let room = self.max - st.workers;
            for _ in 0..missing.min(room) {
                st.spawned += 1;
                let name = format!("wheel-resolver-{}", st.spawned);
                match spawn_worker(name, move || self.work_loop()) {
                    Ok(_) => {
                        st.workers += 1;
                        st.idle += 1;
                    }
                    Err(_) => {
                        st.last_spawn_failure = Some(Instant::now());
                        break;
                    }
                }
            }
        }
        let helpers = wanted.min(st.idle.saturating_sub(queued));
        for _ in 0..helpers {
            st.queue.push_back(job.clone());
        }
        drop(st);
        for _ in 0..helpers {
            self.work.notify_one();
        }
        helpers
    }

    /// Takes the job's entries no worker picked up out of the queue.
    fn withdraw(&self, job: &Arc<Job>) {
        lock(&self.state).queue.retain(|j| !Arc::ptr_eq(j, job));
    }

    fn work_loop(&'static self) {
        WORKER.with(|w| w.set(true));
        let mut idle_for = Duration::ZERO;
        let mut st = lock(&self.state);
        loop {
            if let Some(job) = st.queue.pop_front() {
                // Registered under the pool lock: `withdraw` + the wait for
                // `progress.active` in `run` cannot miss this worker.
                {
                    let mut p = lock(&job.progress);
                    p.active += 1;
                    p.started += 1;
                }
                st.idle -= 1;
                drop(st);
                // SAFETY: see `run`.
                let body = unsafe { &*job.body.0 };
                if let Err(p) = catch_unwind(AssertUnwindSafe(body)) {
                    lock(&job.panic).get_or_insert(p);
                }
                {
                    let mut p = lock(&job.progress);
                    p.active -= 1;
                    p.finished += 1;
                    job.done.notify_all();
                }
                drop(job);
                st = lock(&self.state);
                st.idle += 1;
                idle_for = Duration::ZERO;
                continue;
            }
            let (guard, timeout) = self
                .work
                .wait_timeout(st, IDLE_TICK)
                .unwrap_or_else(PoisonError::into_inner);
            st = guard;
            if timeout.timed_out() && st.queue.is_empty() {
                idle_for += IDLE_TICK;
                if idle_for >= IDLE_EXIT {
                    st.workers -= 1;
                    st.idle -= 1;
                    drop(st);
                    crate::memory::trim_if_idle();
                    return;
                }
                drop(st);
                crate::memory::trim_if_idle();
                st = lock(&self.state);
            } else {
                idle_for = Duration::ZERO;
            }
        }
    }
}

/// Starts a worker thread; in tests, fails on demand.
fn spawn_worker(name: String, f: impl FnOnce() + Send + 'static) -> std::io::Result<()> {
    #[cfg(test)]
    if tests::FAIL_SPAWNS.load(Ordering::SeqCst) {
        return Err(std::io::Error::other("spawn failure forced by a test"));
    }
    std::thread::Builder::new().name(name).spawn(f).map(drop)
}

thread_local! {
    static WORKER: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Whether the current thread is one of the pool's workers.
pub fn is_worker_thread() -> bool {
    WORKER.with(|w| w.get())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) static FAIL_SPAWNS: AtomicBool = AtomicBool::new(false);

    /// `n` loop rounds, or a tenth of them under Miri (`make test-miri`),
    /// which interprets every step: the same cases, fewer repetitions.
    const fn scaled(n: usize) -> usize {
        if cfg!(miri) {
            n / 10
        } else {
            n
        }
    }

    #[test]
    fn failed_spawns_degrade_to_fewer_threads() {
        FAIL_SPAWNS.store(true, Ordering::SeqCst);
        // Whatever the pool has (other tests share it), every job completes
        // and no spawn failure is an error or a panic.
        let handles: Vec<_> = (0..8)
            .map(|_| std::thread::spawn(|| map_with(scaled(500), 64, || (), |_, i| i).len()))
            .collect();
        let done: Vec<usize> = handles.into_iter().map(|h| h.join().unwrap()).collect();
        FAIL_SPAWNS.store(false, Ordering::SeqCst);
        assert_eq!(done, vec![scaled(500); 8]);
    }

    #[test]
    fn results_keep_index_order() {
        let v = map_with(
            scaled(1000),
            4,
            || 0usize,
            |count, i| {
                *count += 1;
                i * 2
            },
        );
        assert_eq!(v, (0..scaled(1000)).map(|i| i * 2).collect::<Vec<_>>());
        assert!(running_threads() <= threads());
    }

    #[test]
    fn first_error_by_index_stops_the_job() {
        let fail_at_3_and_5 = |seen: &AtomicUsize, i: usize| {
            seen.fetch_add(1, Ordering::Relaxed);
            if i == 3 || i == 5 {
                Err(i)
            } else {
                Ok(i)
            }
        };
        // On one thread, nothing after the first error starts.
        let seen = AtomicUsize::new(0);
        let r: Result<Vec<usize>, usize> =
            try_map_with(scaled(10_000), 1, || (), |_, i| fail_at_3_and_5(&seen, i));
        assert_eq!(r, Err(3));
        assert_eq!(seen.load(Ordering::Relaxed), 4);
        // On several, the lowest-index error, whichever failed first: items
        // are taken in order and every item taken is finished, so 0..=3 ran,
        // and no item ran twice. (How many items start before the others
        // see the stop depends on scheduling: the threads holding items 3
        // and 5 can be preempted while another runs through every item, as
        // happened under qemu on a busy host.)
        let runs: Vec<AtomicUsize> = (0..scaled(10_000)).map(|_| AtomicUsize::new(0)).collect();
        let r: Result<Vec<usize>, usize> = try_map_with(
            scaled(10_000),
            8,
            || (),
            |_, i| fail_at_3_and_5(&runs[i], i),
        );
        assert_eq!(r, Err(3));
        let runs: Vec<usize> = runs.iter().map(|n| n.load(Ordering::Relaxed)).collect();
        assert_eq!(runs[..4], [1, 1, 1, 1]);
        assert!(runs.iter().all(|&n| n <= 1));
    }

    #[test]
    fn nested_jobs_complete() {
        let v = map_with(
            16,
            8,
            || (),
            |_, i| map_with(16, 8, || (), |_, j| i * j).iter().sum::<usize>(),
        );
        assert_eq!(v[3], 3 * (0..16).sum::<usize>());
    }

    #[test]
    fn many_concurrent_callers_never_exceed_the_bound() {
        let handles: Vec<_> = (0..32)
            .map(|_| {
                std::thread::spawn(|| {
                    map_with(
                        scaled(200),
                        IO_WIDTH,
                        || (),
                        |_, i| {
                            std::thread::sleep(Duration::from_micros(50));
                            i
                        },
                    )
                    .len()
                })
            })
            .collect();
        for h in handles {
            assert_eq!(h.join().unwrap(), scaled(200));
        }
        assert!(running_threads() <= threads());
    }

    #[test]
    fn join_runs_both_and_returns_main() {
        for _ in 0..scaled(200) {
            let side_ran = AtomicBool::new(false);
            let data = vec![1u64; 1000];
            let r = join(
                || {
                    drop(data);
                    side_ran.store(true, Ordering::SeqCst);
                    "side"
                },
                || 6 * 7,
            );
            assert_eq!(r, ("side", 42));
            assert!(side_ran.load(Ordering::SeqCst));
        }
        // Nested inside a job (no idle worker may be left): still both.
        let v = map_with(8, 8, || (), |_, i| join(|| i, || i + 1));
        assert_eq!(v, (0..8).map(|i| (i, i + 1)).collect::<Vec<_>>());
    }

    #[test]
    fn a_panic_in_join_reaches_the_caller() {
        let r = std::panic::catch_unwind(|| join(|| panic!("side"), || 1));
        assert!(r.is_err());
        let r = std::panic::catch_unwind(|| join(|| (), || -> u8 { panic!("main") }));
        assert!(r.is_err());
        assert_eq!(join(|| (), || 3), ((), 3));
    }

    #[test]
    fn a_panic_reaches_the_caller() {
        let r = std::panic::catch_unwind(|| {
            map_with(
                100,
                4,
                || (),
                |_, i| {
                    if i == 57 {
                        panic!("item 57");
                    }
                    i
                },
            )
        });
        assert!(r.is_err());
        // The pool still works afterwards.
        assert_eq!(map_with(10, 4, || (), |_, i| i).len(), 10);
    }
}
