//! `make bench-index`: plans an input whose wheel requires 60 unsatisfied
//! ranges with `fallback_latest` against a local pypiserver serving 60
//! projects × 5 versions, and prints wall times. Prints figures, asserts
//! nothing about time. Needs `pypi-server` (scripts/ci-setup.sh).

use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

mod index_corpus;

use index_corpus::{Corpus, MISSING, PROJECTS, VERSIONS};

const RUNS: usize = 7;

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
    // The wheels for pypiserver, and the same projects as a static PEP 503
    // tree for the resolver's own share of the time (a static server is
    // cheaper per page than pypiserver).
    let corpus = Corpus::write();
    let (packages, tree, requires) = (
        corpus.tree.path().join("packages"),
        corpus.tree.path(),
        &corpus.requires,
    );

    println!(
        "bench-index: {PROJECTS} projects x {VERSIONS} versions, an input requiring {} unsatisfied ranges ({MISSING} on projects no index has: 404 pages), fallback_latest",
        requires.len() - MISSING
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
            .chain([packages.display().to_string()])
            .collect(),
        ),
        (
            "scripts/index_test_server.py (static PEP 503 tree)",
            "python3",
            vec![
                concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/index_test_server.py").to_owned(),
                tree.display().to_string(),
                "--port".to_owned(),
                "{port}".to_owned(),
            ],
        ),
    ];
    for (what, program, args) in servers {
        let (mut server, port) = start(program, &args);
        let result = bench(
            corpus.input.path(),
            &format!("http://127.0.0.1:{port}/simple/"),
        );
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
