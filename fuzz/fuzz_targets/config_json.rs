//! The config JSON handed over the C ABI (docs/contract.md §2).
#![no_main]

use libfuzzer_sys::fuzz_target;
use wheel_resolver::config::Config;

fuzz_target!(|data: &[u8]| {
    if let Ok(s) = std::str::from_utf8(data) {
        if let Err(e) = Config::from_json(s) {
            assert_eq!(e.code(), "invalid_config", "{e}");
        }
    }
});
