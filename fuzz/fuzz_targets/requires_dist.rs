//! One Requires-Dist value (PEP 508 requirement).
#![no_main]

use libfuzzer_sys::fuzz_target;
use wheel_resolver::wheel::RequiresDist;

fuzz_target!(|data: &[u8]| {
    if let Ok(s) = std::str::from_utf8(data) {
        if let Ok(r) = RequiresDist::parse(s) {
            // What parsed displays and re-parses (the plan shows it).
            let _ = r.requirement.to_string();
        }
    }
});
