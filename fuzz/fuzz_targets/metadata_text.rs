//! Core-metadata text (a wheel's METADATA, or PEP 658 `.metadata` files),
//! and the check that it is the release's own (`Name`, `Version`).
#![no_main]

use libfuzzer_sys::fuzz_target;
use wheel_resolver::internals::wheel::parse_metadata;

fuzz_target!(|data: &[u8]| {
    if let Ok(s) = std::str::from_utf8(data) {
        if let Ok(meta) = parse_metadata(s) {
            let name = "app".parse().unwrap();
            let version = "1.0".parse().unwrap();
            let _ = meta.check_release(&name, &version);
        }
    }
});
