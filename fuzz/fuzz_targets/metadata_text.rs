//! Core-metadata text (a wheel's METADATA, or PEP 658 `.metadata` files).
#![no_main]

use libfuzzer_sys::fuzz_target;
use wheel_resolver::wheel::parse_metadata;

fuzz_target!(|data: &[u8]| {
    if let Ok(s) = std::str::from_utf8(data) {
        let _ = parse_metadata(s);
    }
});
