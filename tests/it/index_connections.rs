//! Connections and name look-ups of a plan against a loopback index named
//! `localhost` (so that the resolver is exercised): one look-up per host
//! for a whole call, then none while the process-wide DNS cache holds the
//! answer, and at most `index::connect::PER_HOST` connections however many
//! look-up threads ask at once. Counts come from `index::stats`, per
//! `host:port`, so other tests running at the same time do not disturb them.

use crate::common;

use std::collections::BTreeSet;

use common::servers::{app_input, builds, plan, read_log, write_tree, write_wheel, TreeFile};
use serde_json::json;
use wheel_resolver::internals::index::{connect::PER_HOST, dns::TTL, stats};

/// Projects the input requires: more than the connection bound, so that
/// the look-up pool's threads ask at once and have to share (besides
/// `PER_HOST` projects the index does not have).
const PROJECTS: usize = 3 * PER_HOST;

struct Index {
    server: common::servers::Server,
    tree: tempfile::TempDir,
    requires: Vec<String>,
    https: bool,
}

/// A static index of `PROJECTS` projects (one wheel each), answering every
/// request after `latency_ms`, with a request log.
fn index(latency_ms: u32) -> Option<Index> {
    serve(latency_ms, false)
}

/// [`index`], over HTTPS with a self-signed certificate for `localhost`
/// (trust it with `trusted_hosts`) when `https`.
fn serve(latency_ms: u32, https: bool) -> Option<Index> {
    let tree = tempfile::tempdir().unwrap();
    let wheels = tempfile::tempdir().unwrap();
    let names: Vec<String> = (0..PROJECTS).map(|p| format!("proj{p:02}")).collect();
    let projects: Vec<(&str, Vec<TreeFile>)> = names
        .iter()
        .map(|name| {
            let file = format!("{name}-1.0-py3-none-any.whl");
            let wheel = write_wheel(wheels.path(), &file, &[], 0);
            (name.as_str(), vec![TreeFile::plain(wheel)])
        })
        .collect();
    write_tree(tree.path(), &projects, true);
    let log = tree.path().join("requests.log");
    let latency = format!("{}", f64::from(latency_ms) / 1000.0);
    let mut args: Vec<String> = [
        "--ranges",
        "--log",
        log.to_str().unwrap(),
        "--latency",
        &latency,
    ]
    .map(str::to_owned)
    .to_vec();
    if https {
        args.extend(self_signed_certificate(tree.path())?);
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let server = common::servers::test_server(tree.path(), &args, https)?;
    // And as many projects the index does not have: their 404 pages must
    // not cost a connection each.
    let missing = (0..PER_HOST).map(|m| format!("absent{m:02}>=1"));
    let requires = names
        .iter()
        .map(|n| format!("{n}>=1"))
        .chain(missing)
        .collect();
    Some(Index {
        server,
        tree,
        requires,
        https,
    })
}

/// `--cert FILE --key FILE` for a new self-signed certificate for
/// `localhost`, written in `dir`; `None` without the openssl CLI.
fn self_signed_certificate(dir: &std::path::Path) -> Option<[String; 4]> {
    if !common::servers::require(
        common::servers::has_program("openssl", "version"),
        "openssl CLI",
    ) {
        return None;
    }
    let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
    let out = std::process::Command::new("openssl")
        .args([
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
        ])
        .args([
            "-subj",
            "/CN=localhost",
            "-addext",
            "subjectAltName=DNS:localhost",
        ])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output()
        .expect("openssl");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let path = |p: std::path::PathBuf| p.display().to_string();
    Some(["--cert".into(), path(cert), "--key".into(), path(key)])
}

impl Index {
    fn host(&self) -> String {
        format!("localhost:{}", self.server.port)
    }

    /// Plans against this index (no HTTP cache) and returns the counts the
    /// call added and the client ports its requests came from.
    fn plan(&self) -> (stats::HostStats, BTreeSet<u64>) {
        let log = self.tree.path().join("requests.log");
        let _ = std::fs::remove_file(&log);
        let requires: Vec<&str> = self.requires.iter().map(String::as_str).collect();
        let input = app_input(&requires);
        let scheme = if self.https { "https" } else { "http" };
        let mut index = json!({
            "index_url": format!("{scheme}://{}/simple/", self.host()),
            "cache_max_mb": 0,
        });
        if self.https {
            index["trusted_hosts"] = json!([self.host()]);
        }
        let cfg = common::servers::config(input.path(), index, json!({"fallback_latest": true}));
        let before = stats::host(&self.host());
        let result = plan(&cfg);
        let after = stats::host(&self.host());
        assert!(result["error"].is_null(), "{result}");
        assert!(!builds(&result).is_empty(), "{result}");
        let ports = read_log(&log)
            .iter()
            .filter_map(|l| l["port"].as_u64())
            .collect();
        (after.since(before), ports)
    }
}

#[test]
fn a_cold_call_looks_the_host_up_once_and_shares_a_bounded_set_of_connections() {
    let Some(index) = index(20) else {
        return;
    };
    let started = std::time::Instant::now();
    let (first, ports) = index.plan();
    assert_eq!(first.lookups, 1, "{first:?}");
    assert!(
        (1..=PER_HOST as u64).contains(&first.connections),
        "{first:?}"
    );
    assert!(
        ports.len() <= PER_HOST,
        "{} client ports: {ports:?}",
        ports.len()
    );
    assert_eq!(first.handshakes, 0, "plain HTTP: {first:?}");

    // A second call within the cache's lifetime asks nobody.
    let (second, ports) = index.plan();
    if started.elapsed() < TTL {
        assert_eq!(second.lookups, 0, "{second:?}");
    }
    assert!(
        (1..=PER_HOST as u64).contains(&second.connections),
        "{second:?}"
    );
    assert!(
        ports.len() <= PER_HOST,
        "{} client ports: {ports:?}",
        ports.len()
    );
}

#[test]
fn concurrent_calls_share_one_lookup() {
    let Some(index) = index(20) else {
        return;
    };
    let before = stats::host(&index.host());
    std::thread::scope(|s| {
        for _ in 0..3 {
            s.spawn(|| index.plan());
        }
    });
    let all = stats::host(&index.host()).since(before);
    assert_eq!(all.lookups, 1, "{all:?}");
    // Each call has its own client, hence its own connections.
    assert!(all.connections <= 3 * PER_HOST as u64, "{all:?}");
}

#[test]
fn through_a_proxy_the_proxy_host_is_looked_up_once() {
    use wheel_resolver::internals::index::client::Client;
    use wheel_resolver::internals::index::proxy::Proxies;
    use wheel_resolver::internals::index::security::TrustPolicy;

    let Some(index) = index(20) else {
        return;
    };
    let Some((proxy, proxy_log, _dir)) = common::servers::forward_proxy(&[]) else {
        return;
    };
    let proxy_host = format!("localhost:{}", proxy.port);
    let proxy_url = format!("http://{proxy_host}");
    let (proxies, warnings) =
        Proxies::from_lookup(|var| (var == "HTTP_PROXY").then(|| proxy_url.clone()));
    assert!(warnings.is_empty(), "{warnings:?}");
    let client = Client::new(
        TrustPolicy::new(&[]),
        ureq::tls::RootCerts::WebPki,
        Default::default(),
        std::time::Duration::from_secs(10),
        wheel_resolver::internals::stop::Stop::never(),
    )
    .with_proxies(proxies);
    let before = (stats::host(&proxy_host), stats::host(&index.host()));
    std::thread::scope(|s| {
        for p in 0..PROJECTS {
            let (client, index) = (&client, &index);
            s.spawn(move || {
                let url = format!("http://{}/simple/proj{p:02}/", index.host());
                let got = client.fetch(&url.parse().unwrap(), &[], 1 << 20);
                assert!(matches!(&got, Ok(r) if r.status == 200), "{url}: {got:?}");
            });
        }
    });
    let (to_proxy, to_index) = (
        stats::host(&proxy_host).since(before.0),
        stats::host(&index.host()).since(before.1),
    );
    assert_eq!(to_proxy.lookups, 1, "{to_proxy:?}");
    assert!(to_proxy.connections <= PER_HOST as u64, "{to_proxy:?}");
    assert_eq!(
        to_index.lookups, 0,
        "the proxy resolves the index: {to_index:?}"
    );
    assert!(
        !read_log(&proxy_log).is_empty(),
        "the requests went through the proxy"
    );
}

#[test]
fn over_https_each_connection_costs_one_handshake() {
    let Some(index) = serve(20, true) else {
        return;
    };
    let (call, ports) = index.plan();
    assert_eq!(call.lookups, 1, "a new port: one look-up ({call:?})");
    assert!(
        (1..=PER_HOST as u64).contains(&call.connections),
        "{call:?}"
    );
    assert_eq!(call.handshakes, call.connections, "{call:?}");
    assert!(
        ports.len() <= PER_HOST,
        "{} client ports: {ports:?}",
        ports.len()
    );
}
