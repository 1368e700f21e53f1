//! Inputs the cargo-fuzz targets (`fuzz/`) found crashing, kept as ordinary
//! tests so `cargo test` on stable guards the fixes.

use wheel_resolver::internals::index::range_reader::parse_content_range;

/// `content_range`: an END of u64::MAX made `end + 1 - start` (in
/// `RemoteFile::open` and `RangeReader::fetch`) overflow, a panic in debug
/// builds and a wrapped length in release. A range must end inside the
/// complete length (RFC 9110 14.4), so such a header is now rejected.
#[test]
fn content_range_end_at_u64_max() {
    for header in [
        "bytes 0-18446744073709551615/1",
        "bytes 0-18446744073709551615/18446744073709551615",
        "bytes 18446744073709551615-18446744073709551615/5",
        "bytes 5-10/10",
    ] {
        assert_eq!(parse_content_range(header), None, "{header}");
    }
    assert_eq!(
        parse_content_range("bytes 0-18446744073709551614/18446744073709551615"),
        Some((0, u64::MAX - 1, u64::MAX))
    );
    assert_eq!(parse_content_range("bytes 10-19/100"), Some((10, 19, 100)));
}

/// `requires_dist` / `metadata_text`: pep508_rs 0.9 sliced the word after a
/// marker expression by its char count, panicking inside a multi-byte
/// character (caught by `catch_unwind` in production, but printed on the
/// host's stderr and fatal under the fuzzer). Such text is now rejected
/// before the parser sees it.
#[test]
fn requires_dist_non_ascii_after_marker() {
    use wheel_resolver::internals::wheel::{parse_metadata, RequiresDist};
    let found = "pytest ; extra == \";te\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0st )\u{1}\0\0extra == \"test\u{52d}";
    for bad in [
        found,
        "a ; extra == \"x\" \u{52d}",
        "a ; extra == \"x\"\u{e9}\u{e9}",
        "a ; extra == \"x\" \"\u{e9}\u{e9}\"",
        "a ; (extra == \"x\") \u{e9}\u{e9}",
        "a ; extra == \"\u{e9}",
    ] {
        let err = RequiresDist::parse(bad).unwrap_err();
        assert!(err.to_string().contains("non-ASCII"), "{bad:?}: {err}");
    }
    // Non-ASCII marker values are still fine.
    for good in [
        "a ; extra == \"\u{e9}\u{e9}\"",
        "a ; \"\u{e9}\u{e9}\" == platform_release",
        "a ; platform_release in '\u{e9}\u{e9} x' and extra == 'x'",
    ] {
        assert!(RequiresDist::parse(good).is_ok(), "{good:?}");
    }
    let md =
        "Metadata-Version: 2.1\nName: a\nRequires-Dist: pytest; extra == \"t\" \u{712}\u{712}\n";
    assert!(parse_metadata(md).is_err());
}
