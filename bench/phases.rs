//! Per-phase timings of one plan, for profiling (`perf record` this binary):
//! `cargo run --release --example phases -- CONFIG.json`. Offline configs only.
//! `KEEP_NONE=1` drops every Requires-Dist at scan time (to see what the scan
//! itself costs).
use std::time::Instant;

use wheel_resolver::internals::{planner, requirement, scan, target};
use wheel_resolver::{compute_plan_with, config, plan_to_json};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args().nth(1).ok_or("usage: phases CONFIG.json")?;
    let cfg = config::Config::from_json(&std::fs::read_to_string(path)?)?;
    let target = target::Target::from_config(&cfg)?;

    let t = Instant::now();
    let keep_none = std::env::var_os("KEEP_NONE").is_some();
    let scan = scan::scan_dir(&cfg.input_dir, false, &|r: &requirement::Req| {
        !keep_none && target.keeps(r)
    })?;
    let scan_time = t.elapsed();
    eprintln!("after scan: {}", peak_rss());
    let inputs = planner::PlanInputs {
        config: &cfg,
        target: &target,
        scan: &scan,
        index: None,
        extra_requirements: &[],
        constraints: &[],
    };
    let t = Instant::now();
    let outcome = planner::plan(&inputs)?;
    let plan_time = t.elapsed();
    eprintln!("after plan: {}", peak_rss());
    let t = Instant::now();
    let plan = compute_plan_with(&cfg)?;
    let whole_time = t.elapsed();
    let t = Instant::now();
    let json = plan_to_json(&plan)?;
    let json_time = t.elapsed();
    eprintln!("after whole call and JSON: {}", peak_rss());
    eprintln!(
        "{} wheels: scan {scan_time:?}, plan {plan_time:?}, whole call {whole_time:?}, JSON {json_time:?} ({} bytes, {} jobs)",
        scan.wheels.len(),
        json.len(),
        outcome.jobs.iter().count()
    );
    Ok(())
}

/// VmHWM and VmRSS from /proc/self/status (Linux).
fn peak_rss() -> String {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .filter(|l| l.starts_with("VmHWM") || l.starts_with("VmRSS"))
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect::<Vec<_>>()
        .join(", ")
}
