//! PEP 691 JSON project pages, then their file names to versions.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wheel_resolver::index::files::Project;
use wheel_resolver::index::simple_api::parse_page;

fuzz_target!(|data: &[u8]| {
    let page = url::Url::parse("https://idx.example/simple/app/").unwrap();
    if let Ok(files) = parse_page(data, Some("application/vnd.pypi.simple.v1+json"), &page) {
        let project = "app".parse().unwrap();
        let mut warnings = Vec::new();
        let _ = Project::from_files(&project, files, &mut warnings);
    }
});
