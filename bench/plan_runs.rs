//! `plan_runs CONFIG.json [RUNS]`: computes the plan of a config RUNS times
//! (default 1) in this one process, each with a fresh, empty
//! `index.cache_dir` (a cold HTTP cache), and prints one JSON line per run:
//! its wall time, whether it planned (else the error), and what the
//! transport did in it per `host:port` (`index::stats` deltas: name
//! look-ups, connections opened, TLS handshakes).
//!
//! The DNS cache is process-wide (30 s): only the first run of a process
//! starts with it empty, later ones within the TTL look nothing up. To
//! measure cold runs, run this once per run (as `make realworld` does).

use std::collections::BTreeMap;
use std::time::Instant;

use serde_json::{json, Value};
use wheel_resolver::internals::index::stats::{self, HostStats};

fn fail(message: &str) -> ! {
    eprintln!("plan_runs: {message}");
    std::process::exit(2);
}

/// What the transport did per `host:port` since `before`; hosts with
/// nothing new left out.
fn delta(before: &BTreeMap<String, HostStats>) -> Value {
    let mut hosts = serde_json::Map::new();
    for (host, now) in stats::by_host() {
        let d = now.since(before.get(&host).copied().unwrap_or_default());
        if d != HostStats::default() {
            hosts.insert(
                host,
                json!({"lookups": d.lookups, "connections": d.connections, "handshakes": d.handshakes}),
            );
        }
    }
    Value::Object(hosts)
}

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(path) = args.next() else {
        fail("usage: plan_runs CONFIG.json [RUNS]");
    };
    let runs: usize = match args.next() {
        None => 1,
        Some(n) => n.parse().unwrap_or_else(|_| fail("RUNS is a number")),
    };
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| fail(&format!("{path}: {e}")));
    let mut config: Value =
        serde_json::from_str(&text).unwrap_or_else(|e| fail(&format!("{path}: {e}")));
    if !config["index"].is_object() {
        fail("the config has no `index` object");
    }
    for run in 0..runs {
        let cache = tempfile::tempdir().unwrap_or_else(|e| fail(&format!("tempdir: {e}")));
        config["index"]["cache_dir"] = cache.path().display().to_string().into();
        let config = config.to_string();
        let before: BTreeMap<String, HostStats> = stats::by_host().into_iter().collect();
        let started = Instant::now();
        let result = wheel_resolver::compute_plan(&config);
        let wall = started.elapsed();
        let mut line = json!({
            "run": run,
            "wall_ms": (wall.as_secs_f64() * 1000.0 * 10.0).round() / 10.0,
            "hosts": delta(&before),
        });
        match result {
            Ok(plan) => line["builds"] = plan.to_build.len().into(),
            Err(e) => line["error"] = e.to_string().into(),
        }
        println!("{line}");
    }
}
