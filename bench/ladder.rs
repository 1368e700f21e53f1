//! One rung of the scan ladder: how far along the work of a plan the
//! resolver's time goes past the floor's (`bench/floor`). Each rung does
//! all of the one before it and one thing more, in its own process, so that
//! `farm-bench` can pair it with the floor:
//!
//! - `read`: the wheels listed and sorted, each one's file name parsed and
//!   its METADATA read by the library's own reader (`wheel::tail`: one
//!   positioned read of the tail, one inflater per thread, CRC checked) on
//!   the pool's threads as the scan reads them (2 on a 2-core machine, as
//!   the floor), its `Requires-Dist` lines counted (the floor's work);
//! - `parse`: the library's scan, every Requires-Dist parsed and none kept;
//! - `scan`: the scan as a plan runs it (those the target selects kept);
//! - `plan`: the whole call, its JSON included (as through the C ABI).
//!
//! `cargo run --release --example ladder -- RUNG CONFIG.json` (offline
//! configs; `make bench` pairs every rung with the floor).
use std::fs::File;
use std::os::unix::fs::MetadataExt;
use std::path::Path;

use wheel_resolver::internals::wheel::tail::{Tail, TailReader};
use wheel_resolver::internals::wheel::WheelFilename;
use wheel_resolver::internals::{pool, scan, target};
use wheel_resolver::{compute_plan_json, config};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let (Some(rung), Some(path)) = (args.next(), args.next()) else {
        return Err("usage: ladder read|parse|scan|plan CONFIG.json".into());
    };
    let text = std::fs::read_to_string(path)?;
    // The `plan` rung's call parses the config itself, as through the C ABI.
    let cfg = || config::Config::from_json(&text);
    match rung.as_str() {
        "read" => {
            let (wheels, requires_dist) = read_all(&cfg()?.input_dir)?;
            println!("read: {wheels} wheels, {requires_dist} Requires-Dist");
        }
        "parse" => {
            let scan = scan::scan_dir(&cfg()?.input_dir, false, &|_| false)?;
            println!("parse: {} wheels", scan.wheels.len());
        }
        "scan" => {
            let cfg = cfg()?;
            let target = target::Target::from_config(&cfg)?;
            let scan = scan::scan_dir(&cfg.input_dir, false, &|r| target.keeps(r))?;
            let kept: usize = scan.wheels.iter().map(|w| w.requires_dist.len()).sum();
            println!(
                "scan: {} wheels, {kept} Requires-Dist kept",
                scan.wheels.len()
            );
        }
        "plan" => {
            let json = compute_plan_json(&text);
            println!("plan: {} bytes", json.len());
        }
        other => return Err(format!("unknown rung `{other}`").into()),
    }
    Ok(())
}

/// The `read` rung: every `*.whl` of `dir` read on the pool's threads, as
/// the scan reads them (`pool::try_map_with`, one reader per thread); the
/// number of wheels and of their `Requires-Dist` lines, or an error naming
/// the first wheel this reader could not read (a rung that skipped one
/// would be cheaper than the floor's work, not a measure of it).
fn read_all(dir: &Path) -> Result<(usize, usize), String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.ends_with(".whl"))
        .collect();
    names.sort_unstable();
    let counts = pool::try_map_with(
        names.len(),
        pool::cpu_width(),
        TailReader::default,
        |reader, i| {
            read_one(dir, &names[i], reader).ok_or_else(|| format!("{}: not read", names[i]))
        },
    )?;
    Ok((counts.len(), counts.iter().sum()))
}

/// The `Requires-Dist` lines of one wheel's METADATA; `None` when it
/// cannot be read this way.
fn read_one(dir: &Path, name: &str, reader: &mut TailReader) -> Option<usize> {
    let filename: WheelFilename = name.parse().ok()?;
    let file = File::open(dir.join(name)).ok()?;
    let len = file.metadata().ok()?.size();
    match reader.read(&file, len, &filename.name).ok()? {
        Tail::Metadata(bytes) => Some(
            std::str::from_utf8(bytes)
                .ok()?
                .lines()
                .take_while(|l| !l.is_empty())
                .filter(|l| {
                    l.len() > 14 && l.as_bytes()[..14].eq_ignore_ascii_case(b"requires-dist:")
                })
                .count(),
        ),
        _ => None,
    }
}
