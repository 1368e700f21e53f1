//! The one way the integration tests run a plan: through the C ABI
//! (`resolver_compute_plan`), the result freed with `resolver_free_string`.

use std::ffi::{CStr, CString};

use serde_json::Value;

/// The plan or error envelope `config` gives, as JSON.
pub fn call(config: &str) -> Value {
    let c = CString::new(config).expect("a config without NUL bytes");
    // SAFETY: `c` is a valid NUL-terminated string for the call; the
    // result is a string the library allocated, freed once below.
    unsafe {
        let out = wheel_resolver::ffi::resolver_compute_plan(c.as_ptr());
        assert!(!out.is_null(), "resolver_compute_plan returned NULL");
        let text = CStr::from_ptr(out)
            .to_str()
            .expect("UTF-8 result")
            .to_owned();
        wheel_resolver::ffi::resolver_free_string(out);
        serde_json::from_str(&text).expect("JSON result")
    }
}
