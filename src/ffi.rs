//! The C ABI (contract section 1).
//!
//! Conventions: every function is prefixed `resolver_`; strings passed in are
//! borrowed for the duration of the call; a string returned by
//! `resolver_compute_plan` or `resolver_fetch_wheels` is owned by the caller and freed only by
//! `resolver_free_string`. Every export runs inside `panic_boundary`, so a
//! panic becomes the `internal` error envelope instead of unwinding into C.
//! There is no global or thread-local mutable state: calls may run
//! concurrently from any number of threads.

use std::ffi::{c_char, CStr, CString};
use std::panic::{catch_unwind, AssertUnwindSafe};

use crate::error::ResolverError;

/// Runs `f`, turning a panic into `on_panic()`.
fn panic_boundary<T>(f: impl FnOnce() -> T, on_panic: impl FnOnce(String) -> T) -> T {
    match catch_unwind(AssertUnwindSafe(f)) {
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
/// `config_json` is a NUL-terminated UTF-8 JSON config (contract section 2).
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
    let json = panic_boundary(
        || {
            if config_json.is_null() {
                return envelope(&ResolverError::config("config", "config_json is NULL"));
            }
            // SAFETY: non-NULL and, per the contract above, NUL-terminated and valid for the call.
            let bytes = unsafe { CStr::from_ptr(config_json) }.to_bytes();
            match std::str::from_utf8(bytes) {
                Ok(text) => crate::compute_plan_json(text),
                Err(e) => envelope(&ResolverError::config(
                    "config",
                    format!(
                        "config_json is not valid UTF-8 (at byte {})",
                        e.valid_up_to()
                    ),
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

/// Downloads a plan's `fetch` entries into a directory (contract section 8).
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
    let json = panic_boundary(
        || {
            if request_json.is_null() {
                return envelope(&ResolverError::config("request", "request_json is NULL"));
            }
            // SAFETY: non-NULL and, per the contract above, NUL-terminated and valid for the call.
            let bytes = unsafe { CStr::from_ptr(request_json) }.to_bytes();
            match std::str::from_utf8(bytes) {
                Ok(text) => crate::download::fetch_wheels_json(text),
                Err(e) => envelope(&ResolverError::config(
                    "request",
                    format!(
                        "request_json is not valid UTF-8 (at byte {})",
                        e.valid_up_to()
                    ),
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

/// Frees a string returned by `resolver_compute_plan` or
/// `resolver_fetch_wheels`. NULL is a no-op.
///
/// Thread safety: any thread may free a result, whichever thread computed
/// it; each result must be freed exactly once.
///
/// # Safety
/// `s` must be NULL or a pointer returned by `resolver_compute_plan` or
/// `resolver_fetch_wheels` that has not been freed yet.
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
