//! The build graph (contract §4.8–4.11): sources, build requirements, build
//! environments, the order and what cannot be built, through the C ABI
//! against real index servers on loopback.

use crate::common;
use crate::parity_cases::case_config;

use std::path::Path;

use common::servers::{config, http_server, plan, pypiserver, test_server};
use common::wheelgen::write_wheel;
use serde_json::{json, Value};

fn warnings(plan: &Value) -> String {
    plan["warnings"].to_string()
}

fn build<'p>(plan: &'p Value, name: &str) -> &'p Value {
    plan["to_build"]
        .as_array()
        .and_then(|a| a.iter().find(|b| b["name"] == name))
        .unwrap_or_else(|| panic!("no build of {name}: {plan}"))
}

/// A `.tar.gz` sdist `{dir}/{stem}.tar.gz` with `{stem}/pyproject.toml`
/// holding `pyproject` (none when `None`).
fn write_tar_gz(dir: &Path, stem: &str, pyproject: Option<&str>) {
    let file = std::fs::File::create(dir.join(format!("{stem}.tar.gz"))).unwrap();
    let gz = flate2::write::GzEncoder::new(file, flate2::Compression::default());
    let mut tar = tar::Builder::new(gz);
    let mut add = |path: String, body: &[u8]| {
        let mut header = tar::Header::new_gnu();
        header.set_size(body.len() as u64);
        header.set_mode(0o644);
        header.set_cksum();
        tar.append_data(&mut header, path, body).unwrap();
    };
    add(format!("{stem}/PKG-INFO"), b"Metadata-Version: 2.1\n");
    if let Some(text) = pyproject {
        add(format!("{stem}/pyproject.toml"), text.as_bytes());
    }
    tar.into_inner().unwrap().finish().unwrap();
}

fn requires(list: &[&str]) -> String {
    let quoted: Vec<String> = list.iter().map(|r| format!("{r:?}")).collect();
    format!(
        "[build-system]\nrequires = [{}]\nbuild-backend = \"setuptools.build_meta\"\n",
        quoted.join(", ")
    )
}

/// The parity case 53 through `resolver_compute_plan`, with `extra` config
/// (a null value removes the key).
fn case_53(extra: Value) -> Option<Value> {
    let case = common::parity_dir().join("53_build_only_versions_markers_extras");
    let server = pypiserver(&case.join("index"))?;
    let url = format!("{}/simple/", server.origin);
    let mut cfg: Value = serde_json::from_str(&case_config(&case, Some(&url))).unwrap();
    for (k, v) in extra.as_object().unwrap() {
        match v {
            Value::Null => drop(cfg.as_object_mut().unwrap().remove(k)),
            v => cfg[k] = v.clone(),
        }
    }
    Some(common::call_ffi(&cfg.to_string()))
}

#[test]
fn a_build_names_its_source_environment_and_parents() {
    let Some(p) = case_53(json!({})) else { return };
    let app = build(&p, "app");
    let source = &app["source"];
    assert_eq!(source["file"], "app-1.0.tar.gz", "{p}");
    let url = source["url"].as_str().unwrap();
    assert!(
        url.starts_with("http://127.0.0.1:") && url.ends_with("/app-1.0.tar.gz"),
        "{url}"
    );
    assert_eq!(source["sha256"].as_str().map(str::len), Some(64), "{p}");
    assert!(
        source["index"].as_str().unwrap().ends_with("/simple/"),
        "{p}"
    );
    assert_eq!(app["build_backend"], "setuptools.build_meta");
    // Added for a build environment: reason, depth 0, the builds needing it.
    let tool = build(&p, "tool");
    assert_eq!(tool["reason"], "build requirement");
    assert_eq!(tool["depth"], 0);
    assert_eq!(tool["parents"], json!(["app"]));
    let fetched: Vec<(Value, Value)> = p["fetch"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["name"].clone(), f["parents"].clone()))
        .collect();
    assert_eq!(
        fetched,
        vec![
            (json!("core"), json!(["app"])),
            (json!("setuptools"), json!(["tool"])),
            (json!("speedup"), json!(["app"])),
        ],
        "{p}"
    );
    assert!(p["fetch"]
        .as_array()
        .unwrap()
        .iter()
        .all(|f| f["reason"] == "build requirement"));
    assert_eq!(p["unbuildable"], json!([]));
}

#[test]
fn off_by_default_the_plan_has_no_build_graph_fields() {
    let Some(off) = case_53(json!({"build_graph": false})) else {
        return;
    };
    let Some(absent) = case_53(json!({"build_graph": null})) else {
        return;
    };
    assert_eq!(off, absent);
    let text = off.to_string();
    for key in [
        "build_order",
        "unbuildable",
        "\"source\"",
        "build_deps",
        "build_requires",
        "build requirement",
    ] {
        assert!(!text.contains(key), "{key} in {text}");
    }
}

#[test]
fn build_graph_needs_an_index() {
    let input = tempfile::tempdir().unwrap();
    let cfg = json!({
        "input_dir": input.path().display().to_string(),
        "target_python": "3.11",
        "build_graph": true,
    });
    let result = plan(&cfg.to_string());
    assert_eq!(result["error"]["code"], "invalid_config", "{result}");
    assert!(result.to_string().contains("build_graph"), "{result}");
}

/// A PEP 503 page for `name` under `root/simple/` linking `files` (in
/// `root/files/`).
fn page(root: &Path, name: &str, files: &[&str]) {
    let dir = root.join("simple").join(name);
    std::fs::create_dir_all(&dir).unwrap();
    let links: String = files
        .iter()
        .map(|f| format!("<a href=\"../../files/{f}\">{f}</a>\n"))
        .collect();
    std::fs::write(
        dir.join("index.html"),
        format!("<html><body>{links}</body></html>"),
    )
    .unwrap();
}

/// An index (served by `python3 -m http.server`, no hashes, no ranges) and
/// inputs: sdists in every format, a cycle, a missing build requirement and
/// a build needing an unbuildable one.
fn graph_index(root: &Path, input: &Path) {
    let files = root.join("files");
    std::fs::create_dir_all(&files).unwrap();
    write_wheel(&files, "setuptools-70.0.0-py3-none-any.whl", &[]);
    page(root, "setuptools", &["setuptools-70.0.0-py3-none-any.whl"]);
    write_tar_gz(&files, "app-1.0", Some(&requires(&["setuptools>=61"])));
    let zipped = requires(&["setuptools>=61", "old; python_version < '3'"]);
    common::wheelgen::write_zip(
        &files,
        "zapp-1.0.zip",
        &[("zapp-1.0/pyproject.toml", zipped.as_bytes())],
    );
    std::fs::write(files.join("bapp-1.0.tar.bz2"), b"BZh9 not read").unwrap();
    write_tar_gz(&files, "cyca-1.0", Some(&requires(&["cycb"])));
    write_tar_gz(&files, "cycb-1.0", Some(&requires(&["cyca"])));
    write_tar_gz(&files, "miss-1.0", Some(&requires(&["nothere>=1"])));
    write_tar_gz(&files, "dep-1.0", Some(&requires(&["miss"])));
    for (name, file) in [
        ("app", "app-1.0.tar.gz"),
        ("zapp", "zapp-1.0.zip"),
        ("bapp", "bapp-1.0.tar.bz2"),
        ("cyca", "cyca-1.0.tar.gz"),
        ("cycb", "cycb-1.0.tar.gz"),
        ("miss", "miss-1.0.tar.gz"),
        ("dep", "dep-1.0.tar.gz"),
    ] {
        page(root, name, &[file]);
        write_wheel(
            input,
            &format!("{name}-1.0-cp311-cp311-manylinux2014_x86_64.whl"),
            &[],
        );
    }
}

#[test]
fn sources_in_every_format_unbuildable_jobs_and_the_cache() {
    let (root, input, cache) = (
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
    );
    graph_index(root.path(), input.path());
    let Some(server) = http_server(root.path()) else {
        return;
    };
    let origin = server.origin.clone();
    let run = |cache: &Path| {
        plan(&config(
            input.path(),
            json!({"index_url": format!("{origin}/simple/")}),
            json!({"build_graph": true, "cache_dir": cache.display().to_string(),
                   "overrides": {"app": {"source_url": format!("http://user:pw@127.0.0.1:{}/files/app-1.0.tar.gz", server.port),
                                         "source_sha256": "ab".repeat(32)}}}),
        ))
    };
    let p = run(cache.path());
    let app = build(&p, "app");
    assert_eq!(app["source"]["index"], Value::Null, "{p}");
    assert_eq!(app["source"]["sha256"], "ab".repeat(32));
    assert!(
        !app["source"]["url"].as_str().unwrap().contains("pw"),
        "{p}"
    );
    assert_eq!(app["build_requires"], json!(["setuptools>=61"]));
    assert_eq!(app["build_deps"], json!(["setuptools==70.0.0"]));
    assert_eq!(
        build(&p, "zapp")["build_requires"],
        json!(["setuptools>=61"]),
        "{p}"
    );
    let bapp = build(&p, "bapp");
    assert_eq!(bapp["source"]["file"], "bapp-1.0.tar.bz2");
    assert_eq!(bapp["build_requires"], Value::Null);
    assert!(
        warnings(&p).contains("bapp 1.0: the build requirements of bapp-1.0.tar.bz2 are unknown"),
        "{p}"
    );
    assert_eq!(
        p["build_order"],
        json!([["app==1.0", "bapp==1.0", "zapp==1.0"]]),
        "{p}"
    );
    let reasons: Vec<(String, String)> = p["unbuildable"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| {
            (
                u["name"].as_str().unwrap().into(),
                u["reason"].as_str().unwrap().into(),
            )
        })
        .collect();
    let want = [
        ("cyca", "build cycle: cyca==1.0 -> cycb==1.0 -> cyca==1.0"),
        ("cycb", "build cycle: cycb==1.0 -> cyca==1.0 -> cycb==1.0"),
        ("dep", "build requirement unbuildable: miss==1.0"),
        ("miss", "build requirement missing: nothere>=1"),
    ];
    let want: Vec<(String, String)> = want
        .iter()
        .map(|(a, b)| ((*a).into(), (*b).into()))
        .collect();
    assert_eq!(reasons, want, "{p}");
    assert!(
        warnings(&p).contains("dep 1.0: cannot be built: build requirement unbuildable: miss==1.0")
    );

    // A warm plan reads no sdist: spoiled now, the zip is still known.
    std::fs::write(root.path().join("files/zapp-1.0.zip"), b"not a zip").unwrap();
    let warm = run(cache.path());
    assert_eq!(
        build(&warm, "zapp")["build_requires"],
        json!(["setuptools>=61"]),
        "{warm}"
    );
    let cold = run(tempfile::tempdir().unwrap().path());
    assert_eq!(
        build(&cold, "zapp")["build_requires"],
        Value::Null,
        "{cold}"
    );
}

#[test]
fn build_environments_are_bounded_by_build_graph_max_jobs() {
    let (root, input) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    graph_index(root.path(), input.path());
    let Some(server) = http_server(root.path()) else {
        return;
    };
    let p = plan(&config(
        input.path(),
        json!({"index_url": format!("{}/simple/", server.origin)}),
        json!({"build_graph": true, "build_graph_max_jobs": 0}),
    ));
    assert!(p.get("fetch").is_none(), "{p}");
    assert!(
        warnings(&p).contains("build_graph_max_jobs = 0: not planned: nothere, setuptools"),
        "{p}"
    );
    assert_eq!(build(&p, "app")["build_deps"], json!([]), "{p}");
}

/// A loopback HTTP server (one thread per connection, `Connection: close`)
/// serving `pages` (path → body) and streaming `file` at `file_path`, that
/// records how many bytes of each answer the socket took before the client
/// went away: a `.tar.gz` sdist read only until its `pyproject.toml` is
/// dropped early, and the server sees far fewer bytes go out than it has.
struct CountingServer {
    origin: String,
    /// (path, bytes of the body written).
    sent: std::sync::Arc<std::sync::Mutex<Vec<(String, u64)>>>,
}

impl CountingServer {
    fn start(pages: Vec<(String, String)>, file_path: String, file: std::path::PathBuf) -> Self {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let origin = format!("http://{}", listener.local_addr().unwrap());
        let sent = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let log = sent.clone();
        std::thread::spawn(move || {
            for conn in listener.incoming().flatten() {
                let (pages, file_path, file, log) =
                    (pages.clone(), file_path.clone(), file.clone(), log.clone());
                std::thread::spawn(move || {
                    let Some((path, n)) = answer(conn, &pages, &file_path, &file) else {
                        return;
                    };
                    log.lock().unwrap().push((path, n));
                });
            }
        });
        Self { origin, sent }
    }

    /// The bytes sent for `path`, once its answer is over (waits for it).
    fn sent_for(&self, path: &str) -> u64 {
        let start = std::time::Instant::now();
        while start.elapsed() < std::time::Duration::from_secs(20) {
            let log = self.sent.lock().unwrap();
            if let Some((_, n)) = log.iter().find(|(p, _)| p == path) {
                return *n;
            }
            drop(log);
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        panic!("{path} was never answered: {:?}", self.sent.lock().unwrap());
    }
}

/// Answers one request on `conn`: (its path, body bytes written).
fn answer(
    mut conn: std::net::TcpStream,
    pages: &[(String, String)],
    file_path: &str,
    file: &Path,
) -> Option<(String, u64)> {
    use std::io::{BufRead, Read, Write};
    let mut reader = std::io::BufReader::new(conn.try_clone().ok()?);
    let mut request = String::new();
    reader.read_line(&mut request).ok()?;
    let path = request.split_whitespace().nth(1)?.to_owned();
    let mut line = String::new();
    while reader.read_line(&mut line).ok()? > 2 {
        line.clear();
    }
    let head = |len: u64, status: &str| {
        format!("HTTP/1.1 {status}\r\nContent-Length: {len}\r\nConnection: close\r\n\r\n")
    };
    if path == file_path {
        let mut body = std::fs::File::open(file).ok()?;
        let len = body.metadata().ok()?.len();
        conn.write_all(head(len, "200 OK").as_bytes()).ok()?;
        let (mut written, mut chunk) = (0u64, vec![0u8; 64 * 1024]);
        loop {
            let n = body.read(&mut chunk).ok()?;
            if n == 0 || conn.write_all(&chunk[..n]).is_err() {
                return Some((path, written));
            }
            written += n as u64;
        }
    }
    let body = pages
        .iter()
        .find(|(p, _)| *p == path)
        .map(|(_, b)| b.as_str());
    let status = if body.is_some() {
        "200 OK"
    } else {
        "404 Not Found"
    };
    let body = body.unwrap_or("none");
    conn.write_all(head(body.len() as u64, status).as_bytes())
        .ok()?;
    conn.write_all(body.as_bytes()).ok()?;
    Some((path, body.len() as u64))
}

#[test]
fn a_tar_gz_sdist_is_read_only_as_far_as_its_pyproject() {
    let (root, input) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    // pyproject.toml first, then 64 MiB the reader never needs.
    let sdist = root.path().join("big-1.0.tar.gz");
    let gz = flate2::write::GzEncoder::new(
        std::fs::File::create(&sdist).unwrap(),
        flate2::Compression::none(),
    );
    let mut tar = tar::Builder::new(gz);
    let mut add = |path: &str, size: u64, body: &mut dyn std::io::Read| {
        let mut header = tar::Header::new_gnu();
        header.set_size(size);
        header.set_mode(0o644);
        header.set_cksum();
        tar.append_data(&mut header, path, body).unwrap();
    };
    let pyproject = "[build-system]\nrequires = []\nbuild-backend = \"flit_core.buildapi\"\n";
    add(
        "big-1.0/pyproject.toml",
        pyproject.len() as u64,
        &mut pyproject.as_bytes(),
    );
    let payload: u64 = 64 << 20;
    add(
        "big-1.0/payload.bin",
        payload,
        &mut std::io::Read::take(std::io::repeat(7), payload),
    );
    tar.into_inner().unwrap().finish().unwrap();
    let size = std::fs::metadata(&sdist).unwrap().len();
    write_wheel(
        input.path(),
        "big-1.0-cp311-cp311-manylinux2014_x86_64.whl",
        &[],
    );
    let page =
        "<html><body><a href=\"../../files/big-1.0.tar.gz\">big-1.0.tar.gz</a></body></html>";
    let server = CountingServer::start(
        vec![("/simple/big/".to_owned(), page.to_owned())],
        "/files/big-1.0.tar.gz".to_owned(),
        sdist,
    );
    let p = plan(&config(
        input.path(),
        json!({"index_url": format!("{}/simple/", server.origin)}),
        json!({"build_graph": true}),
    ));
    let big = build(&p, "big");
    assert_eq!(big["build_requires"], json!([]), "{p}");
    assert_eq!(big["build_backend"], "flit_core.buildapi", "{p}");
    let sent = server.sent_for("/files/big-1.0.tar.gz");
    assert!(
        sent < size / 4,
        "{sent} of the sdist's {size} bytes went out: it was not streamed"
    );
}

#[test]
fn the_sdists_are_read_concurrently() {
    let (root, input) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let files = root.path().join("files");
    std::fs::create_dir_all(&files).unwrap();
    let names: Vec<String> = (0..6).map(|i| format!("slow{i}")).collect();
    for name in &names {
        write_tar_gz(&files, &format!("{name}-1.0"), Some(&requires(&[])));
        page(root.path(), name, &[&format!("{name}-1.0.tar.gz")]);
        write_wheel(
            input.path(),
            &format!("{name}-1.0-cp311-cp311-manylinux2014_x86_64.whl"),
            &[],
        );
    }
    // Each sdist takes 1.5 s to answer: read one after another, the six
    // would take 9 s.
    let Some(server) = test_server(root.path(), &["--delay", "/files/=1.5"], false) else {
        return;
    };
    let started = std::time::Instant::now();
    let p = plan(&config(
        input.path(),
        json!({"index_url": format!("{}/simple/", server.origin)}),
        json!({"build_graph": true}),
    ));
    let took = started.elapsed();
    for name in &names {
        assert_eq!(build(&p, name)["build_requires"], json!([]), "{p}");
    }
    assert!(took < std::time::Duration::from_secs(6), "{took:?}: {p}");
}
