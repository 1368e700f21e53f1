//! The C ABI (contract §1).
//!
//! Conventions: every function is prefixed `resolver_`; strings passed in are
//! borrowed for the duration of the call; a string returned by
//! `resolver_compute_plan` or `resolver_fetch_wheels` is owned by the caller and freed only by
//! `resolver_free_string`. Every export runs inside `panic_boundary`, so a
//! panic becomes the `internal` error envelope instead of unwinding into C.
//! There is no global or thread-local mutable state that carries results or
//! errors: calls may run concurrently from any number of threads. (The
//! process-wide worker pool, `crate::pool`, and the panic hook below are
//! the only process-wide state; neither holds anything of a call.)
//!
//! Nothing is ever printed to the host's stderr: the first export called
//! installs a panic hook that stays silent for panics inside an export or on
//! the library's pool threads (they become the `internal` error) and hands
//! every other panic of the process to the hook that was there before.

use std::cell::Cell;
use std::ffi::{c_char, CStr, CString};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Once;

use crate::error::ResolverError;
use crate::stop::CancelToken;

thread_local! {
    /// How many exports are running on this thread (nesting cannot happen
    /// through the C ABI, but costs nothing to allow).
    static IN_EXPORT: Cell<u32> = const { Cell::new(0) };
}

/// Installs, once per process, the panic hook that keeps the library's
/// panics off the host's stderr.
fn silence_library_panics() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let ours = IN_EXPORT.with(Cell::get) > 0 || crate::pool::is_worker_thread();
            if !ours {
                previous(info);
            }
        }));
    });
}

/// Counts this thread as inside an export while alive.
struct ExportScope;

impl ExportScope {
    fn enter() -> Self {
        IN_EXPORT.with(|d| d.set(d.get() + 1));
        ExportScope
    }
}

impl Drop for ExportScope {
    fn drop(&mut self) {
        IN_EXPORT.with(|d| d.set(d.get().saturating_sub(1)));
    }
}

/// Runs `f`, turning a panic into `on_panic()`. Panics inside print nothing.
fn panic_boundary<T>(f: impl FnOnce() -> T, on_panic: impl FnOnce(String) -> T) -> T {
    silence_library_panics();
    let scope = ExportScope::enter();
    let result = catch_unwind(AssertUnwindSafe(f));
    drop(scope);
    match result {
        Ok(v) => v,
        Err(payload) => {
            let msg = payload
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".to_owned());
            on_panic(msg)
        }
    }
}

/// Hands a JSON document to C. JSON text never holds a NUL byte (serde
/// escapes U+0000), so the fallback is unreachable in practice.
fn into_c_string(json: String) -> *mut c_char {
    CString::new(json)
        .unwrap_or_else(|_| {
            CString::from(c"{\"error\":{\"code\":\"internal\",\"message\":\"result held a NUL byte\",\"details\":[]}}")
        })
        .into_raw()
}

fn envelope(err: &ResolverError) -> String {
    err.to_envelope().to_string()
}

/// Computes a plan.
///
/// `config_json` is a NUL-terminated UTF-8 JSON config (contract §2).
/// Returns a newly allocated NUL-terminated UTF-8 JSON document: the plan, or
/// an error envelope `{"error": {"code", "message", "details"}}`. Never
/// returns NULL. NULL, non-UTF-8 or non-JSON input yields an error envelope.
///
/// Ownership: the caller owns the result and must release it with
/// `resolver_free_string` (not `free`).
///
/// Thread safety: safe to call concurrently from any number of threads.
///
/// # Safety
/// `config_json` must be NULL or point to a NUL-terminated string that stays
/// valid and unmodified for the duration of the call.
#[no_mangle]
pub unsafe extern "C" fn resolver_compute_plan(config_json: *const c_char) -> *mut c_char {
    // SAFETY: forwarded under the same contract.
    unsafe { compute(config_json, None) }
}

/// The body of both compute exports.
///
/// # Safety
/// As `resolver_compute_plan`; `cancel`, when given, is alive for the call.
unsafe fn compute(config_json: *const c_char, cancel: Option<&CancelToken>) -> *mut c_char {
    // SAFETY: forwarded under the same contract.
    unsafe {
        json_export(config_json, "config", "config_json", |text| match cancel {
            Some(token) => crate::compute_plan_json_cancellable(text, token),
            None => crate::compute_plan_json(text),
        })
    }
}

/// The body of every export that takes a JSON document and returns one:
/// `input` (the argument `arg`, reported under the error field `field`)
/// read as UTF-8 and handed to `run`, whose JSON is handed to C. A NULL or
/// non-UTF-8 input becomes an `invalid_config` envelope, a panic the
/// `internal` one; the call counts as running for `crate::memory`.
///
/// # Safety
/// `input` must be NULL or point to a NUL-terminated string that stays valid
/// and unmodified for the duration of the call.
unsafe fn json_export(
    input: *const c_char,
    field: &str,
    arg: &str,
    run: impl FnOnce(&str) -> String,
) -> *mut c_char {
    let _running = crate::memory::CallGuard::enter();
    let json = panic_boundary(
        || {
            if input.is_null() {
                return envelope(&ResolverError::config(field, format!("{arg} is NULL")));
            }
            // SAFETY: non-NULL and, per the contract above, NUL-terminated and valid for the call.
            let bytes = unsafe { CStr::from_ptr(input) }.to_bytes();
            match std::str::from_utf8(bytes) {
                Ok(text) => run(text),
                Err(e) => envelope(&ResolverError::config(
                    field,
                    format!("{arg} is not valid UTF-8 (at byte {})", e.valid_up_to()),
                )),
            }
        },
        |msg| envelope(&ResolverError::Internal(format!("panic: {msg}"))),
    );
    panic_boundary(
        || into_c_string(json),
        |msg| into_c_string(envelope(&ResolverError::Internal(format!("panic: {msg}")))),
    )
}

/// A cancel handle: lets the caller stop a running
/// `resolver_compute_plan_cancellable` from another thread. Opaque; made by
/// `resolver_cancel_new`, released by `resolver_cancel_free`.
pub struct ResolverCancel {
    token: CancelToken,
}

/// Creates a cancel handle (not cancelled). Never returns NULL (the process
/// aborts on out-of-memory, as every allocation of the library does).
///
/// Ownership: the caller owns the handle and releases it with
/// `resolver_cancel_free` once no call using it is running any more.
///
/// Thread safety: the handle may be used from any thread.
#[no_mangle]
pub extern "C" fn resolver_cancel_new() -> *mut ResolverCancel {
    panic_boundary(
        || {
            Box::into_raw(Box::new(ResolverCancel {
                token: CancelToken::new(),
            }))
        },
        |_| std::ptr::null_mut(),
    )
}

/// Cancels: every `resolver_compute_plan_cancellable` call running with this
/// handle, or started with it later, returns the `cancelled` error envelope
/// and writes nothing. A running call notices within milliseconds between
/// stages and wheels; an index request blocked on a silent server is
/// interrupted at once (its connection is shut down); a TCP connect in
/// progress is bounded by `index.timeout_seconds`. A call that has already
/// produced its plan is not affected.
///
/// Idempotent, never blocks for long, callable from any thread while a call
/// with this handle runs on another. NULL is a no-op.
///
/// # Safety
/// `cancel` must be NULL or a handle from `resolver_cancel_new` that has not
/// been freed.
#[no_mangle]
pub unsafe extern "C" fn resolver_cancel(cancel: *const ResolverCancel) {
    if cancel.is_null() {
        return;
    }
    panic_boundary(
        || {
            // SAFETY: per the contract, a live handle from `resolver_cancel_new`.
            unsafe { &*cancel }.token.cancel();
        },
        |_| (),
    );
}

/// Releases a cancel handle. NULL is a no-op.
///
/// # Safety
/// `cancel` must be NULL or a handle from `resolver_cancel_new` that has not
/// been freed, and no call using it may still be running (free it after
/// `resolver_compute_plan_cancellable` returned, and after any other thread
/// is done calling `resolver_cancel` on it).
#[no_mangle]
pub unsafe extern "C" fn resolver_cancel_free(cancel: *mut ResolverCancel) {
    if cancel.is_null() {
        return;
    }
    panic_boundary(
        || {
            // SAFETY: per the contract, from `Box::into_raw` in `resolver_cancel_new`, freed once.
            drop(unsafe { Box::from_raw(cancel) });
        },
        |_| (),
    );
}

/// Computes a plan like `resolver_compute_plan`, stoppable through `cancel`
/// (see `resolver_cancel`): a cancelled call returns the error envelope with
/// code `cancelled` and writes nothing. `cancel` may be NULL (then this is
/// `resolver_compute_plan`). Same result, ownership and thread-safety rules
/// as `resolver_compute_plan`; one handle may serve several calls at once
/// (cancelling it stops them all).
///
/// # Safety
/// `config_json` as for `resolver_compute_plan`; `cancel` must be NULL or a
/// live handle from `resolver_cancel_new` that is not freed before this call
/// returns.
#[no_mangle]
pub unsafe extern "C" fn resolver_compute_plan_cancellable(
    config_json: *const c_char,
    cancel: *const ResolverCancel,
) -> *mut c_char {
    // SAFETY: per the contract, NULL or a live handle for the whole call.
    let token = (!cancel.is_null()).then(|| unsafe { &(*cancel).token });
    // SAFETY: forwarded under the same contract.
    unsafe { compute(config_json, token) }
}

/// Downloads a plan's `fetch` entries into a directory (contract §8).
///
/// `request_json` is a NUL-terminated UTF-8 JSON document
/// `{"config": <config>, "plan": <plan> | "fetch": [<fetch entry>…],
/// "dest_dir": "<dir>"}`: the config's `index` settings (credentials by
/// origin, trust, proxies, timeouts) and `time_budget_ms` apply; each file is
/// verified against its sha256, written to a temporary file in `dest_dir`
/// and renamed into place; files already there with the right sha256 are
/// not fetched again. Returns a newly allocated NUL-terminated UTF-8 JSON
/// document: the report `{"dest_dir", "files": [{file, path, status,
/// bytes, sha256, verified, error?}…], "downloaded", "present", "failed"}`
/// (a file that fails is reported, the call still succeeds), or an error
/// envelope for the request as a whole. Never returns NULL. NULL, non-UTF-8
/// or non-JSON input yields an error envelope.
///
/// Ownership: the caller owns the result and must release it with
/// `resolver_free_string` (not `free`).
///
/// Thread safety: safe to call concurrently from any number of threads
/// (calls writing the same files into the same directory are safe too: each
/// file is renamed into place whole).
///
/// # Safety
/// `request_json` must be NULL or point to a NUL-terminated string that
/// stays valid and unmodified for the duration of the call.
#[no_mangle]
pub unsafe extern "C" fn resolver_fetch_wheels(request_json: *const c_char) -> *mut c_char {
    // SAFETY: forwarded under the same contract.
    unsafe { fetch(request_json, None) }
}

/// Downloads like `resolver_fetch_wheels`, stoppable through `cancel` (see
/// `resolver_cancel`): a cancelled call returns the `cancelled` error
/// envelope; files already renamed into place stay, partial ones are
/// removed. `cancel` may be NULL.
///
/// # Safety
/// `request_json` as for `resolver_fetch_wheels`; `cancel` must be NULL or a
/// live handle from `resolver_cancel_new` that is not freed before this call
/// returns.
#[no_mangle]
pub unsafe extern "C" fn resolver_fetch_wheels_cancellable(
    request_json: *const c_char,
    cancel: *const ResolverCancel,
) -> *mut c_char {
    // SAFETY: per the contract, NULL or a live handle for the whole call.
    let token = (!cancel.is_null()).then(|| unsafe { &(*cancel).token });
    // SAFETY: forwarded under the same contract.
    unsafe { fetch(request_json, token) }
}

/// The body of both fetch exports.
///
/// # Safety
/// As `resolver_fetch_wheels`; `cancel`, when given, is alive for the call.
unsafe fn fetch(request_json: *const c_char, cancel: Option<&CancelToken>) -> *mut c_char {
    // SAFETY: forwarded under the same contract.
    unsafe {
        json_export(request_json, "request", "request_json", |text| {
            crate::download::fetch_wheels_json(text, cancel)
        })
    }
}

/// Frees a string returned by `resolver_compute_plan`,
/// `resolver_compute_plan_cancellable`, `resolver_fetch_wheels` or
/// `resolver_fetch_wheels_cancellable`. NULL is a no-op.
///
/// Thread safety: any thread may free a result, whichever thread computed
/// it; each result must be freed exactly once.
///
/// # Safety
/// `s` must be NULL or a pointer returned by one of the exports above that
/// has not been freed yet.
#[no_mangle]
pub unsafe extern "C" fn resolver_free_string(s: *mut c_char) {
    if s.is_null() {
        return;
    }
    panic_boundary(
        || {
            // SAFETY: per the contract, `s` came from `CString::into_raw` in this library.
            drop(unsafe { CString::from_raw(s) });
        },
        |_| (),
    );
}

/// The library version, e.g. `0.1.0`: a static NUL-terminated string that
/// must not be freed. Safe to call from any thread.
#[no_mangle]
pub extern "C" fn resolver_version() -> *const c_char {
    const VERSION: &CStr =
        match CStr::from_bytes_with_nul(concat!(env!("CARGO_PKG_VERSION"), "\0").as_bytes()) {
            Ok(v) => v,
            Err(_) => c"unknown",
        };
    VERSION.as_ptr()
}
