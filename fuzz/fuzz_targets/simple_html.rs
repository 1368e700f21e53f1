//! PEP 503 HTML project pages, then their file names to versions: the
//! collecting path (`parse_page` + `Project::from_files`) and the streaming
//! one the index uses (`Project::from_page`: link hygiene, the per-page cap,
//! the compact layout), which must agree; then every accessor.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wheel_resolver::internals::index::files::Project;
use wheel_resolver::internals::index::simple_api::parse_page;

fuzz_target!(|data: &[u8]| {
    let page = url::Url::parse("https://idx.example/simple/app/").unwrap();
    let project = "app".parse().unwrap();
    let ct = Some("text/html; charset=utf-8");
    let collected = parse_page(data, ct, &page)
        .map(|files| Project::from_files(&project, files, &mut Vec::new()));
    let streamed = Project::from_page(&project, data, ct, &page, &mut Vec::new());
    if let (Ok(a), Ok(b)) = (&collected, &streamed) {
        assert_eq!(a.len(), b.len());
        assert_eq!(a.version_count(), b.version_count());
        for (version, files) in b.versions() {
            for f in files.iter() {
                assert_eq!(f.version(), version);
                let owned = f.to_project_file();
                assert!(owned.file.url.scheme().starts_with("http"));
                assert_eq!(owned.wheel.is_some(), f.is_wheel());
            }
        }
    }
    assert_eq!(collected.is_ok(), streamed.is_ok() || streamed.as_ref().is_err_and(|e| e.contains("cap")));
    // Content sniffing (no Content-Type).
    let _ = parse_page(data, None, &page);
});
