//! `make bench-index-latency`: plans an input whose wheel requires 60
//! unsatisfied ranges (`fallback_latest`) against a static index of 60
//! projects × 5 versions served by `scripts/index_test_server.py` with 25 ms
//! of latency per request and the public index's caching headers (pages
//! `max-age=600`, files `max-age=31536000, immutable`, ETags), and prints
//! cold (empty HTTP cache) and warm (fresh cache, 404 pages included) wall
//! times, request counts
//! and connections (client ports in the server's log), and per plan the
//! name look-ups, connections opened and TLS handshakes the transport counted
//! (`index::stats`). Prints figures; asserts nothing about time.
//!
//! LATENCY_MS and RUNS override the defaults (25, 5); the index is named
//! `localhost` (looked up) unless BENCH_HOST says otherwise (`127.0.0.1`).

use wheel_resolver::internals::index::stats;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

mod index_corpus;

use index_corpus::{Corpus, MISSING, PROJECTS, VERSIONS};

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

struct Run {
    wall: Duration,
    requests: usize,
    connections: usize,
    not_modified: usize,
    builds: usize,
    transport: stats::HostStats,
}

fn plan_once(config: &str, log: &Path) -> Run {
    let _ = std::fs::remove_file(log);
    let before = stats::total();
    let started = Instant::now();
    let plan = match wheel_resolver::compute_plan(config) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("bench-index-latency: the plan failed: {e}");
            std::process::exit(1);
        }
    };
    let wall = started.elapsed();
    let transport = stats::total().since(before);
    let lines: Vec<serde_json::Value> = std::fs::read_to_string(log)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    let mut ports: Vec<u64> = lines.iter().filter_map(|l| l["port"].as_u64()).collect();
    ports.sort_unstable();
    ports.dedup();
    Run {
        wall,
        requests: lines.len(),
        connections: ports.len(),
        not_modified: lines.iter().filter(|l| l["status"] == 304).count(),
        builds: plan.to_build.len(),
        transport,
    }
}

fn report(what: &str, runs: &[Run], goal: &str) {
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let mut walls: Vec<Duration> = runs.iter().map(|r| r.wall).collect();
    walls.sort();
    let r = &runs[0];
    println!(
        "  {what}: min {:.0} ms, median {:.0} ms, max {:.0} ms over {} runs; {} requests ({} answered 304) on {} connections; {} look-ups, {} connections opened, {} TLS handshakes; {} build jobs  [{goal}]",
        ms(walls[0]),
        ms(walls[walls.len() / 2]),
        ms(walls[walls.len() - 1]),
        runs.len(),
        r.requests,
        r.not_modified,
        r.connections,
        r.transport.lookups,
        r.transport.connections,
        r.transport.handshakes,
        r.builds,
    );
}

fn main() {
    let latency_ms = env_number("LATENCY_MS", 25);
    let runs = env_number("RUNS", 5).max(1) as usize;
    let corpus = Corpus::write();
    let (tree, input, requires) = (&corpus.tree, &corpus.input, &corpus.requires);
    let log = tree.path().join("requests.log");
    let mut server = match Command::new("python3")
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/scripts/index_test_server.py"
        ))
        .arg(tree.path())
        .args(["--ranges", "--log"])
        .arg(&log)
        .args(["--latency", &format!("{}", latency_ms as f64 / 1000.0)])
        .args(["--cache-control", "/simple/=max-age=600"])
        .args(["--cache-control", "/packages/=max-age=31536000, immutable"])
        .stdout(Stdio::piped())
        .spawn()
    {
        Ok(c) => c,
        Err(e) => {
            eprintln!("bench-index-latency: cannot start python3 ({e})");
            std::process::exit(2);
        }
    };
    let mut line = String::new();
    BufReader::new(server.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("port line");
    let port: u16 = line
        .trim()
        .strip_prefix("PORT ")
        .and_then(|p| p.parse().ok())
        .expect("PORT n");
    let host = std::env::var("BENCH_HOST").unwrap_or_else(|_| "localhost".into());
    let config = |cache: Option<&Path>| {
        let mut index = serde_json::json!({"index_url": format!("http://{host}:{port}/simple/")});
        match cache {
            Some(dir) => index["cache_dir"] = dir.display().to_string().into(),
            None => index["cache_max_mb"] = 0.into(),
        }
        serde_json::json!({
            "input_dir": input.path().display().to_string(),
            "target_python": "3.11",
            "fallback_latest": true,
            "run_id": "bench",
            "index": index,
        })
        .to_string()
    };
    println!(
        "bench-index-latency: {PROJECTS} projects x {VERSIONS} versions, {} unsatisfied ranges ({MISSING} on projects no index has: 404 pages), fallback_latest; {latency_ms} ms per request; pages max-age=600, files immutable",
        requires.len() - MISSING
    );
    // Warm-up (the system trust store, thread start-up), not counted; the
    // only plan of the process whose host is not in the DNS cache yet.
    let first = plan_once(&config(None), &log).transport;
    println!(
        "  first plan of the process (empty DNS cache): {} look-ups, {} connections opened",
        first.lookups, first.connections
    );
    let no_cache: Vec<Run> = (0..runs).map(|_| plan_once(&config(None), &log)).collect();
    report("no cache        ", &no_cache, "reference");
    let mut cold = Vec::new();
    let warm_dir = tempfile::tempdir().expect("tempdir");
    for i in 0..runs {
        let dir = tempfile::tempdir().expect("tempdir");
        let d = if i == 0 { warm_dir.path() } else { dir.path() };
        cold.push(plan_once(&config(Some(d)), &log));
    }
    report(
        "cold (empty cache)",
        &cold,
        "goal <= 350 ms, <= 1 look-up, <= index::connect::PER_HOST connections",
    );
    let warm: Vec<Run> = (0..runs)
        .map(|_| plan_once(&config(Some(warm_dir.path())), &log))
        .collect();
    report("warm (fresh cache)", &warm, "goal <= 50 ms, 0 requests");
    let _ = server.kill();
    let _ = server.wait();
}
