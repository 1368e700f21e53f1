//! One Requires-Dist value (PEP 508 requirement).
#![no_main]

use libfuzzer_sys::fuzz_target;
use wheel_resolver::internals::wheel::RequiresDist;

fuzz_target!(|data: &[u8]| {
    if let Ok(s) = std::str::from_utf8(data) {
        if let Ok(r) = RequiresDist::parse(s) {
            // The text kept (the plan shows it) parses again, alike.
            let again = RequiresDist::parse(&r.text).expect("the kept text parses");
            assert_eq!(again.requirement, r.requirement);
        }
    }
});
