//! Stopping a call: the cancel handle of the C ABI and the time budget, in
//! every stage (before the start, during the scan, during a stalled index
//! request). Bounds on elapsed time are generous (a loaded 2-core machine);
//! what they tell apart is "stopped" from "ran to the end" (30 s timeouts).

use crate::common;

use std::ffi::{CStr, CString};
use std::io::Read;
use std::net::TcpListener;
use std::path::Path;
use std::sync::OnceLock;
use std::thread;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use wheel_resolver::ffi::{
    resolver_cancel, resolver_cancel_free, resolver_cancel_new, resolver_compute_plan_cancellable,
    resolver_free_string, ResolverCancel,
};

/// A cancel handle that may be shared with another thread.
#[derive(Clone, Copy)]
struct Handle(*mut ResolverCancel);
// SAFETY: the C ABI documents the handle as usable from any thread.
unsafe impl Send for Handle {}
unsafe impl Sync for Handle {}

impl Handle {
    fn new() -> Self {
        let h = resolver_cancel_new();
        assert!(!h.is_null());
        Handle(h)
    }
    fn cancel(self) {
        unsafe { resolver_cancel(self.0) }
    }
    fn free(self) {
        unsafe { resolver_cancel_free(self.0) }
    }
}

fn call(config: &str, handle: Option<Handle>) -> Value {
    let c = CString::new(config).unwrap();
    unsafe {
        let out =
            resolver_compute_plan_cancellable(c.as_ptr(), handle.map_or(std::ptr::null(), |h| h.0));
        assert!(!out.is_null());
        let text = CStr::from_ptr(out).to_str().unwrap().to_owned();
        resolver_free_string(out);
        serde_json::from_str(&text).unwrap()
    }
}

/// Plans `config` with a cancel handle that another thread cancels
/// `after` the start; returns the result and how long the call took.
fn call_cancelled_after(config: &str, after: Duration) -> (Value, Duration) {
    let handle = Handle::new();
    let canceller = thread::spawn(move || {
        thread::sleep(after);
        handle.cancel();
    });
    let started = Instant::now();
    let result = call(config, Some(handle));
    let took = started.elapsed();
    canceller.join().unwrap();
    handle.free();
    (result, took)
}

fn code(v: &Value) -> &str {
    v["error"]["code"].as_str().unwrap_or("(a plan)")
}

fn message(v: &Value) -> &str {
    v["error"]["message"].as_str().unwrap_or("")
}

/// 4,000 small wheels (shared by the tests of this file): a scan of them
/// takes longer than the 3 ms of the time budget below (about 12 ms in an
/// optimised build on 2 cores, far longer in a debug build).
fn big_input() -> &'static Path {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        for i in 0..4000 {
            common::servers::write_wheel(
                dir.path(),
                &format!("pkg{i}-1.0-py3-none-any.whl"),
                &["six>=1", "idna; python_version < \"3\""],
                0,
            );
        }
        dir
    })
    .path()
}

fn offline_config(input: &Path, extra: Value) -> String {
    let mut cfg = json!({
        "input_dir": input.display().to_string(),
        "target_python": "3.11",
        "run_id": "cancel-test",
    });
    for (k, v) in extra.as_object().unwrap() {
        cfg[k] = v.clone();
    }
    cfg.to_string()
}

#[test]
fn null_handle_computes_normally() {
    let input = common::servers::app_input(&[]);
    let plan = call(&offline_config(input.path(), json!({})), None);
    assert_eq!(plan["run_id"], "cancel-test", "{plan}");
}

#[test]
fn cancelled_before_the_start_writes_nothing() {
    let input = common::servers::app_input(&[]);
    let out = tempfile::tempdir().unwrap();
    let plan_path = out.path().join("plan.json");
    let handle = Handle::new();
    handle.cancel();
    handle.cancel(); // idempotent
    let result = call(
        &offline_config(input.path(), json!({"plan_path": plan_path})),
        Some(handle),
    );
    assert_eq!(code(&result), "cancelled", "{result}");
    assert!(result["error"]["details"].is_array(), "{result}");
    assert!(!plan_path.exists());
    assert_eq!(std::fs::read_dir(out.path()).unwrap().count(), 0);
    handle.free();
    // A fresh handle does not inherit the cancel.
    let handle = Handle::new();
    let plan = call(&offline_config(input.path(), json!({})), Some(handle));
    assert_eq!(plan["run_id"], "cancel-test", "{plan}");
    handle.free();
    unsafe {
        resolver_cancel(std::ptr::null());
        resolver_cancel_free(std::ptr::null_mut());
    }
}

#[test]
fn cancel_during_the_scan() {
    let input = big_input();
    let out = tempfile::tempdir().unwrap();

    // When the scan starts depends on the build and the machine (about
    // 1 ms into an optimised call, tens of ms under qemu), and an optimised
    // build scans these 4,000 wheels in about 12 ms: a cancel after one
    // fixed delay can land before the scan or after it. So the delay
    // doubles from 1 ms until a cancel lands in the scan; every cancelled
    // call, wherever it landed, writes nothing.
    let mut landed = false;
    for ms in (0..12).map(|i| 1u64 << i) {
        let plan_path = out.path().join(format!("plan-{ms}.json"));
        let config = offline_config(input, json!({"plan_path": plan_path}));
        let (result, took) = call_cancelled_after(&config, Duration::from_millis(ms));
        assert!(took < Duration::from_secs(10), "took {took:?}");
        if code(&result) != "cancelled" {
            // Done before the cancel came: a later one cannot land sooner.
            assert_eq!(result["run_id"], "cancel-test", "{result}");
            break;
        }
        assert!(!plan_path.exists(), "{result}");
        if message(&result).contains("input scan") {
            landed = true;
            break;
        }
    }
    assert!(landed, "no cancel landed in the input scan");

    // The same input without a cancel plans (the scan itself is fine).
    let plan = call(&offline_config(input, json!({})), None);
    assert_eq!(plan["reuse"].as_array().map(Vec::len), Some(4000));
}

#[test]
fn the_budget_bounds_the_scan() {
    let input = big_input();
    let result = call(&offline_config(input, json!({"time_budget_ms": 3})), None);
    assert_eq!(code(&result), "timeout", "{result}");
    assert!(message(&result).contains("time budget"), "{result}");
    // Through the plain entry point too.
    let result = common::servers::plan(&offline_config(input, json!({"time_budget_ms": 3})));
    assert_eq!(code(&result), "timeout", "{result}");
}

/// A loopback server that accepts connections and never answers.
struct SilentServer {
    origin: String,
}

fn silent_server() -> SilentServer {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let origin = format!("http://{}", listener.local_addr().unwrap());
    thread::spawn(move || {
        let mut held = Vec::new();
        for conn in listener.incoming() {
            let Ok(mut conn) = conn else { return };
            // Read the request so the client is waiting on the answer.
            let mut buf = [0u8; 1024];
            let _ = conn.set_read_timeout(Some(Duration::from_millis(200)));
            let _ = conn.read(&mut buf);
            held.push(conn);
        }
    });
    SilentServer { origin }
}

fn stalled_index_config(server: &SilentServer, extra: Value) -> (tempfile::TempDir, String) {
    let input = common::servers::app_input(&["dep>=1"]);
    let config = common::servers::config(
        input.path(),
        json!({"index_url": format!("{}/simple/", server.origin), "timeout_seconds": 30}),
        extra,
    );
    (input, config)
}

#[test]
fn cancel_reaches_a_stalled_index_request() {
    let server = silent_server();
    let out = tempfile::tempdir().unwrap();
    let plan_path = out.path().join("plan.json");
    let (_input, config) = stalled_index_config(
        &server,
        json!({"fallback_latest": true, "plan_path": plan_path}),
    );
    let (result, took) = call_cancelled_after(&config, Duration::from_millis(300));
    assert_eq!(code(&result), "cancelled", "{result}");
    assert!(
        message(&result).contains("a request to http://127.0.0.1"),
        "{result}"
    );
    assert!(!plan_path.exists());
    // 30 s per attempt, 3 attempts, if the cancel did not reach the request.
    assert!(took < Duration::from_secs(10), "took {took:?}");
}

#[test]
fn the_budget_is_a_timeout_in_a_stalled_index_request() {
    let server = silent_server();
    let (_input, config) = stalled_index_config(
        &server,
        json!({"fallback_latest": true, "time_budget_ms": 400}),
    );
    let started = Instant::now();
    let result = call(&config, None);
    let took = started.elapsed();
    assert_eq!(code(&result), "timeout", "{result}");
    assert!(message(&result).contains("time budget"), "{result}");
    assert!(
        message(&result).contains("a request to http://127.0.0.1"),
        "{result}"
    );
    assert!(took < Duration::from_secs(10), "took {took:?}");
}

#[test]
fn many_calls_share_one_handle() {
    let server = silent_server();
    let (_input, config) = stalled_index_config(&server, json!({"fallback_latest": true}));
    let handle = Handle::new();
    let calls: Vec<_> = (0..4)
        .map(|_| {
            let config = config.clone();
            thread::spawn(move || call(&config, Some(handle)))
        })
        .collect();
    thread::sleep(Duration::from_millis(300));
    handle.cancel();
    for c in calls {
        let result = c.join().unwrap();
        assert_eq!(code(&result), "cancelled", "{result}");
    }
    handle.free();
}
