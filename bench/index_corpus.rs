//! What `bench_index` and `bench_index_latency` share: the corpus (60
//! projects × 5 versions as wheels and as a static PEP 503 tree, and an
//! input wheel requiring an unsatisfied range on each and 5 projects no
//! index has). A module of both,
//! not an example of its own.

use std::io::Write;
use std::path::Path;

pub const PROJECTS: usize = 60;
pub const VERSIONS: usize = 5;
/// Projects the input requires that no index has (each a 404 page).
pub const MISSING: usize = 5;

/// The benchmark's index and input, in temporary directories.
pub struct Corpus {
    /// `packages/` (the wheels, also a pypiserver directory) and
    /// `simple/` (one PEP 503 page per project linking to them).
    pub tree: tempfile::TempDir,
    /// The input directory: one wheel, `app`.
    pub input: tempfile::TempDir,
    /// `app`'s requirements, one range per project, then the missing ones.
    pub requires: Vec<String>,
}

impl Corpus {
    /// Writes the corpus.
    pub fn write() -> Self {
        let tree = tempfile::tempdir().expect("tempdir");
        let input = tempfile::tempdir().expect("tempdir");
        let packages = tree.path().join("packages");
        std::fs::create_dir_all(&packages).expect("mkdir");
        let mut requires = Vec::new();
        for p in 0..PROJECTS {
            let dir = tree.path().join(format!("simple/proj{p:02}"));
            std::fs::create_dir_all(&dir).expect("mkdir");
            let mut links = String::new();
            for v in 0..VERSIONS {
                let f = format!("proj{p:02}-1.{v}-py3-none-any.whl");
                wheel(
                    &packages,
                    &format!("proj{p:02}"),
                    &format!("1.{v}"),
                    "py3-none-any",
                    &[],
                );
                links.push_str(&format!("<a href=\"/packages/{f}\">{f}</a><br>\n"));
            }
            std::fs::write(
                dir.join("index.html"),
                format!("<html><body>\n{links}</body></html>\n"),
            )
            .expect("write page");
            requires.push(format!("proj{p:02}>=1.1,<1.4"));
        }
        requires.extend((0..MISSING).map(|m| format!("absent{m:02}>=1")));
        wheel(
            input.path(),
            "app",
            "1.0",
            "cp311-cp311-manylinux2014_x86_64",
            &requires,
        );
        Self {
            tree,
            input,
            requires,
        }
    }
}

/// Writes `{dist}-{version}-{tag}.whl` in `dir` with METADATA (requiring
/// `requires`) and WHEEL, stored.
fn wheel(dir: &Path, dist: &str, version: &str, tag: &str, requires: &[String]) {
    let path = dir.join(format!("{dist}-{version}-{tag}.whl"));
    let mut zip = zip::ZipWriter::new(std::fs::File::create(path).expect("create wheel"));
    let opts =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    let info = format!("{dist}-{version}.dist-info");
    zip.start_file(format!("{info}/METADATA"), opts)
        .expect("zip");
    let mut md = format!("Metadata-Version: 2.1\nName: {dist}\nVersion: {version}\n");
    for r in requires {
        md.push_str(&format!("Requires-Dist: {r}\n"));
    }
    zip.write_all(md.as_bytes()).expect("zip");
    zip.start_file(format!("{info}/WHEEL"), opts).expect("zip");
    zip.write_all(b"Wheel-Version: 1.0\n").expect("zip");
    zip.finish().expect("zip");
}
