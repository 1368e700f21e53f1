//! A wheel's bytes (input files, or remote wheels read by range requests):
//! end records (central-directory caps, zip64 included), zip central
//! directory + `*.dist-info/METADATA` + Requires-Dist.
#![no_main]

use std::io::Cursor;

use libfuzzer_sys::fuzz_target;
use wheel_resolver::internals::wheel::read_metadata;

fuzz_target!(|data: &[u8]| {
    let project = "app".parse().unwrap();
    let _ = read_metadata(Cursor::new(data), &project);
});
