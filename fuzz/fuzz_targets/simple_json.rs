//! PEP 691 JSON project pages, then their file names to versions: the
//! collecting path and the streaming one (`Project::from_page`, the files
//! read one at a time), which must agree.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wheel_resolver::internals::index::files::Project;
use wheel_resolver::internals::index::simple_api::parse_page;

fuzz_target!(|data: &[u8]| {
    let page = url::Url::parse("https://idx.example/simple/app/").unwrap();
    let project = "app".parse().unwrap();
    let ct = Some("application/vnd.pypi.simple.v1+json");
    let collected = parse_page(data, ct, &page)
        .map(|files| Project::from_files(&project, files, &mut Vec::new()));
    let streamed = Project::from_page(&project, data, ct, &page, &mut Vec::new());
    if let (Ok(a), Ok(b)) = (&collected, &streamed) {
        assert_eq!(a.len(), b.len());
        for (_, files) in b.versions() {
            for f in files.iter() {
                let _ = f.to_project_file();
            }
        }
    }
});
