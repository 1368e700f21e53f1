//! `Content-Range` headers of range answers (wheel METADATA over HTTP).
#![no_main]

use libfuzzer_sys::fuzz_target;
use wheel_resolver::internals::index::range_reader::parse_content_range;

fuzz_target!(|data: &[u8]| {
    if let Ok(s) = std::str::from_utf8(data) {
        if let Some((start, end, len)) = parse_content_range(s) {
            assert!(start <= end && end < len, "{s:?}");
            // What `RemoteFile::open` and `RangeReader::fetch` compute from it.
            let _ = end + 1 - start;
        }
    }
});
