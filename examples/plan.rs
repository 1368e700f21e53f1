//! Prints the plan for a config file: `cargo run --example plan -- config.json`.
fn main() {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: plan CONFIG.json");
        std::process::exit(2);
    };
    let config = match std::fs::read_to_string(&path) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("{path}: {e}");
            std::process::exit(2);
        }
    };
    let out = wheel_resolver::compute_plan_json(&config);
    println!("{out}");
    if out.starts_with("{\"error\"") {
        std::process::exit(1);
    }
}
