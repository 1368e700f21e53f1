//! PEP 427 wheel file names (input directory listings, index pages).
#![no_main]

use libfuzzer_sys::fuzz_target;
use wheel_resolver::internals::wheel::WheelFilename;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(w) = s.parse::<WheelFilename>() {
        // A parsed name keeps what it was parsed from.
        assert!(!w.raw_name().is_empty());
        assert!(!w.python_tags().is_empty() && !w.abi_tags().is_empty() && !w.platform_tags().is_empty());
    }
});
