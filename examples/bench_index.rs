//! `make bench-index`: plans an input whose wheel requires 60 unsatisfied
//! ranges with `fallback_latest` against a local pypiserver serving 60
//! projects × 5 versions, and prints wall times. Prints figures, asserts
//! nothing about time. Needs `pypi-server` (scripts/ci-setup.sh).

use std::io::Write;
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const PROJECTS: usize = 60;
const VERSIONS: usize = 5;
const RUNS: usize = 7;

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

/// Starts `program args…` on a free port and waits until it accepts.
fn start(program: &str, args: &[String]) -> (std::process::Child, u16) {
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port");
    let args: Vec<String> = args
        .iter()
        .map(|a| a.replace("{port}", &port.to_string()))
        .collect();
    let mut child = match Command::new(program)
        .args(&args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
    {
        Ok(child) => child,
        Err(e) => {
            eprintln!("bench-index: cannot start {program} ({e}); run scripts/ci-setup.sh");
            std::process::exit(2);
        }
    };
    let up = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        if up.elapsed() > Duration::from_secs(30) {
            let _ = child.kill();
            eprintln!("bench-index: {program} did not come up");
            std::process::exit(2);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    (child, port)
}

/// Plans `RUNS` times against `index_url`; returns the wall times and the
/// number of build jobs.
fn bench(input: &Path, index_url: &str) -> Result<(Vec<Duration>, usize), String> {
    let config = serde_json::json!({
        "input_dir": input.display().to_string(),
        "target_python": "3.11",
        "fallback_latest": true,
        "run_id": "bench",
        "index": {"index_url": index_url},
    })
    .to_string();
    let mut times = Vec::new();
    let mut builds = 0;
    for _ in 0..RUNS {
        let started = Instant::now();
        let plan = wheel_resolver::compute_plan(&config).map_err(|e| e.to_string())?;
        times.push(started.elapsed());
        builds = plan.to_build.len();
    }
    Ok((times, builds))
}

fn report(what: &str, times: &[Duration]) {
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let mut rest = times[1..].to_vec();
    rest.sort();
    println!(
        "  {what}: first call {:.1} ms; next {} calls: min {:.1} ms, median {:.1} ms, max {:.1} ms",
        ms(times[0]),
        rest.len(),
        ms(rest[0]),
        ms(rest[rest.len() / 2]),
        ms(rest[rest.len() - 1])
    );
}

fn main() {
    let packages = tempfile::tempdir().expect("tempdir");
    let input = tempfile::tempdir().expect("tempdir");
    let mut requires = Vec::new();
    for p in 0..PROJECTS {
        for v in 0..VERSIONS {
            wheel(
                packages.path(),
                &format!("proj{p:02}"),
                &format!("1.{v}"),
                "py3-none-any",
                &[],
            );
        }
        requires.push(format!("proj{p:02}>=1.1,<1.4"));
    }
    wheel(
        input.path(),
        "app",
        "1.0",
        "cp311-cp311-manylinux2014_x86_64",
        &requires,
    );

    // The same projects as a static PEP 503 tree, for the resolver's own
    // share of the time (a static server is cheaper per page than pypiserver).
    let tree = tempfile::tempdir().expect("tempdir");
    // The wheels too: the chosen releases' metadata is read (contract-2 4.4).
    let tree_packages = tree.path().join("packages");
    std::fs::create_dir_all(&tree_packages).expect("mkdir");
    for entry in std::fs::read_dir(packages.path()).expect("read packages") {
        let entry = entry.expect("entry");
        std::fs::copy(entry.path(), tree_packages.join(entry.file_name())).expect("copy");
    }
    for p in 0..PROJECTS {
        let dir = tree.path().join(format!("simple/proj{p:02}"));
        std::fs::create_dir_all(&dir).expect("mkdir");
        let links: String = (0..VERSIONS)
            .map(|v| {
                let f = format!("proj{p:02}-1.{v}-py3-none-any.whl");
                format!("<a href=\"/packages/{f}\">{f}</a><br>\n")
            })
            .collect();
        std::fs::write(
            dir.join("index.html"),
            format!("<html><body>\n{links}</body></html>\n"),
        )
        .expect("write page");
    }

    println!(
        "bench-index: {PROJECTS} projects x {VERSIONS} versions, an input requiring {} unsatisfied ranges, fallback_latest",
        requires.len()
    );
    let servers: [(&str, &str, Vec<String>); 2] = [
        (
            "pypiserver (PEP 503)",
            "pypi-server",
            [
                "run",
                "-p",
                "{port}",
                "-i",
                "127.0.0.1",
                "--disable-fallback",
                "-a",
                ".",
                "-P",
                ".",
            ]
            .iter()
            .map(|s| (*s).to_owned())
            .chain([packages.path().display().to_string()])
            .collect(),
        ),
        (
            "scripts/index_test_server.py (static PEP 503 tree)",
            "python3",
            vec![
                concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/index_test_server.py").to_owned(),
                tree.path().display().to_string(),
                "--port".to_owned(),
                "{port}".to_owned(),
            ],
        ),
    ];
    for (what, program, args) in servers {
        let (mut server, port) = start(program, &args);
        let result = bench(input.path(), &format!("http://127.0.0.1:{port}/simple/"));
        let _ = server.kill();
        let _ = server.wait();
        match result {
            Ok((times, builds)) => {
                report(&format!("{what}, {builds} build jobs"), &times);
            }
            Err(e) => {
                eprintln!("bench-index: the plan failed: {e}");
                std::process::exit(1);
            }
        }
    }
}
