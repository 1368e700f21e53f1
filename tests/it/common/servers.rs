//! Real package-index servers for the index tests, on loopback only:
//! pypiserver (PEP 503 HTML), devpi-server (PEP 691 JSON), `python3 -m
//! http.server` and `scripts/index_test_server.py` (ranges, negotiation,
//! TLS, fault injection). Each server is stopped when its handle drops.
//!
//! When the server software is missing, tests skip with a loud message,
//! except under CI (`CI` set), where they fail: CI installs it
//! (`scripts/ci-setup.sh`).

use std::io::{BufRead, BufReader, Write};

use super::{ffi, wheelgen};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running server, killed on drop.
pub struct Server {
    child: Child,
    /// `http(s)://127.0.0.1:PORT`.
    pub origin: String,
    /// The port.
    pub port: u16,
    /// Kept alive for the server's lifetime (its data directory).
    _dirs: Vec<tempfile::TempDir>,
}

impl Server {
    /// A server already started (its port known), killed on drop.
    pub fn from_child(child: Child, port: u16) -> Self {
        Self {
            child,
            origin: format!("http://127.0.0.1:{port}"),
            port,
            _dirs: Vec::new(),
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Skips (loudly) or, under CI, fails when `what` is unavailable.
/// Returns true when the test should go on.
pub fn require(available: bool, what: &str) -> bool {
    if available {
        return true;
    }
    if std::env::var_os("CI").is_some() {
        panic!("{what} is not installed; CI must install it (scripts/ci-setup.sh)");
    }
    eprintln!();
    eprintln!("!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!");
    eprintln!("!!! SKIPPED: {what} is not installed (run scripts/ci-setup.sh)");
    eprintln!("!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!");
    false
}

/// Is the program on PATH and runnable?
pub fn has_program(program: &str, arg: &str) -> bool {
    Command::new(program)
        .arg(arg)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Can python3 import these modules?
pub fn has_python_modules(modules: &[&str]) -> bool {
    Command::new("python3")
        .arg("-c")
        .arg(format!("import {}", modules.join(", ")))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// A port that was free a moment ago.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

/// Waits until `url_path` on the port answers an HTTP request (any status).
fn wait_http(child: &mut Child, port: u16, url_path: &str, limit: Duration) {
    let start = Instant::now();
    while start.elapsed() < limit {
        if let Ok(Some(status)) = child.try_wait() {
            panic!("the server on port {port} exited early: {status}");
        }
        if let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)) {
            let _ = s.set_read_timeout(Some(Duration::from_secs(2)));
            let req = format!("GET {url_path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n");
            if s.write_all(req.as_bytes()).is_ok() {
                let mut line = String::new();
                if BufReader::new(s).read_line(&mut line).is_ok() && line.starts_with("HTTP/") {
                    return;
                }
            }
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("the server on port {port} did not come up within {limit:?}");
}

/// pypiserver serving `dir` (PEP 503 HTML, Range supported), no auth:
/// `pypi-server run -p PORT -i 127.0.0.1 --disable-fallback -a . -P . DIR`.
/// `None` when pypiserver is missing (and not under CI).
pub fn pypiserver(dir: &Path) -> Option<Server> {
    pypiserver_with(dir, &["-a", ".", "-P", "."], Vec::new())
}

/// pypiserver with extra arguments (e.g. auth).
pub fn pypiserver_with(
    dir: &Path,
    auth_args: &[&str],
    keep: Vec<tempfile::TempDir>,
) -> Option<Server> {
    if !require(
        has_program("pypi-server", "--version"),
        "pypiserver (pypi-server)",
    ) {
        return None;
    }
    let mut server =
        start_on_free_port("pypi-server", "/health", Duration::from_secs(30), |port| {
            let mut command = Command::new("pypi-server");
            command
                .args([
                    "run",
                    "-p",
                    &port.to_string(),
                    "-i",
                    "127.0.0.1",
                    "--disable-fallback",
                ])
                .args(auth_args)
                .arg(dir);
            command
        });
    server._dirs = keep;
    Some(server)
}

/// pypiserver requiring Basic auth for download and list (htpasswd made
/// with passlib).
pub fn pypiserver_auth(dir: &Path, user: &str, password: &str) -> Option<Server> {
    if !require(
        has_program("pypi-server", "--version"),
        "pypiserver (pypi-server)",
    ) || !require(has_python_modules(&["passlib"]), "passlib (for htpasswd)")
    {
        return None;
    }
    let auth_dir = tempfile::tempdir().unwrap();
    let htpasswd = auth_dir.path().join("htpasswd.txt");
    let status = Command::new("python3")
        .arg("-c")
        .arg(
            "import sys\nfrom passlib.apache import HtpasswdFile\n\
             h = HtpasswdFile(sys.argv[1], new=True)\nh.set_password(sys.argv[2], sys.argv[3])\nh.save()",
        )
        .arg(&htpasswd)
        .arg(user)
        .arg(password)
        .status()
        .expect("python3");
    assert!(status.success(), "creating the htpasswd file failed");
    let htpasswd = htpasswd.display().to_string();
    pypiserver_with(
        dir,
        &["-a", "download,list", "-P", &htpasswd],
        vec![auth_dir],
    )
}

/// `python3 -m http.server` serving `dir` (no Range support).
pub fn http_server(dir: &Path) -> Option<Server> {
    if !require(has_program("python3", "--version"), "python3") {
        return None;
    }
    Some(start_on_free_port(
        "python3 -m http.server",
        "/",
        Duration::from_secs(20),
        |port| {
            let mut command = Command::new("python3");
            command
                .args([
                    "-m",
                    "http.server",
                    "--bind",
                    "127.0.0.1",
                    &port.to_string(),
                    "--directory",
                ])
                .arg(dir);
            command
        },
    ))
}

/// Starts `command(port)` on a free port (up to 3 ports: another process
/// may take one meanwhile) and waits until `path` answers over HTTP.
fn start_on_free_port(
    what: &str,
    path: &str,
    wait: Duration,
    command: impl Fn(u16) -> Command,
) -> Server {
    for _ in 0..3 {
        let port = free_port();
        let mut child = command(port)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("start {what}: {e}"));
        std::thread::sleep(Duration::from_millis(200));
        if let Ok(Some(_)) = child.try_wait() {
            continue; // most likely the port was taken meanwhile
        }
        wait_http(&mut child, port, path, wait);
        return Server {
            child,
            origin: format!("http://127.0.0.1:{port}"),
            port,
            _dirs: Vec::new(),
        };
    }
    panic!("{what} did not start");
}

/// `scripts/index_test_server.py DIR ARGS…` (it picks the port and prints it).
/// `https`: the args include `--cert`/`--key`.
pub fn test_server(dir: &Path, args: &[&str], https: bool) -> Option<Server> {
    if !require(has_program("python3", "--version"), "python3") {
        return None;
    }
    let mut child = Command::new("python3")
        .arg(root().join("scripts/index_test_server.py"))
        .arg(dir)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start scripts/index_test_server.py");
    let stdout = child.stdout.take().expect("stdout");
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("the server's port line");
    let port: u16 = line
        .trim()
        .strip_prefix("PORT ")
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("unexpected first line from the test server: {line:?}"));
    let scheme = if https { "https" } else { "http" };
    Some(Server {
        child,
        origin: format!("{scheme}://127.0.0.1:{port}"),
        port,
        _dirs: Vec::new(),
    })
}

/// devpi-server with one volatile index `root/dev` holding `files`; its
/// simple API (PEP 691 JSON) is `{origin}/root/dev/+simple/`.
pub fn devpi(files: &[PathBuf]) -> Option<Server> {
    let ok = require(has_program("devpi-server", "--version"), "devpi-server")
        && require(
            has_program("devpi-init", "--help"),
            "devpi-server (devpi-init)",
        )
        && require(has_program("devpi", "--version"), "devpi-client (devpi)");
    if !ok {
        return None;
    }
    let state = tempfile::tempdir().unwrap();
    let serverdir = state.path().join("server");
    let clientdir = state.path().join("client");
    let run = |cmd: &mut Command| {
        let out = cmd
            .env("DEVPI_CLIENTDIR", &clientdir)
            .output()
            .expect("run a devpi command");
        assert!(
            out.status.success(),
            "{cmd:?} failed:\n{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    };
    run(Command::new("devpi-init")
        .arg("--serverdir")
        .arg(&serverdir)
        .arg("--no-root-pypi"));
    let port = free_port();
    let mut child = Command::new("devpi-server")
        .arg("--serverdir")
        .arg(&serverdir)
        .args([
            "--host",
            "127.0.0.1",
            "--port",
            &port.to_string(),
            "--offline-mode",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start devpi-server");
    wait_http(&mut child, port, "/+api", Duration::from_secs(60));
    let server = Server {
        child,
        origin: format!("http://127.0.0.1:{port}"),
        port,
        _dirs: vec![state],
    };
    run(Command::new("devpi").arg("use").arg(&server.origin));
    run(Command::new("devpi").args(["login", "root", "--password", ""]));
    run(Command::new("devpi").args(["index", "-c", "root/dev", "bases=", "volatile=True"]));
    run(Command::new("devpi").args(["use", "root/dev"]));
    if !files.is_empty() {
        run(Command::new("devpi").arg("upload").args(files));
    }
    Some(server)
}

/// A wheel `{dir}/{name}-{version}-{tag}.whl` with a METADATA listing
/// `requires`; `padding` bytes of incompressible data are stored first (so
/// the METADATA sits far from the file's start).
pub fn write_wheel(dir: &Path, file_name: &str, requires: &[&str], padding: usize) -> PathBuf {
    wheelgen::write_wheel_padded(dir, file_name, requires, padding)
}

/// The METADATA text `write_wheel` puts in a wheel.
pub fn metadata_text(dist: &str, version: &str, requires: &[&str]) -> String {
    wheelgen::metadata_text(dist, version, requires, None)
}

/// A config JSON for `input` with `index` settings (a JSON object) and
/// further top-level fields.
pub fn config(input: &Path, index: serde_json::Value, extra: serde_json::Value) -> String {
    let mut cfg = serde_json::json!({
        "input_dir": input.display().to_string(),
        "target_python": "3.11",
        "target_platform_tag": "manylinux2014_s390x",
        "run_id": "index-test",
        "index": index,
    });
    if let (Some(obj), Some(more)) = (cfg.as_object_mut(), extra.as_object()) {
        for (k, v) in more {
            obj.insert(k.clone(), v.clone());
        }
    }
    cfg.to_string()
}

/// Runs a config through the C ABI.
pub fn plan(config: &str) -> serde_json::Value {
    ffi::call(config)
}

/// `[[name, version, reason], …]` of `to_build`.
pub fn builds(plan: &serde_json::Value) -> Vec<(String, String, String)> {
    plan["to_build"]
        .as_array()
        .unwrap_or_else(|| panic!("not a plan: {plan}"))
        .iter()
        .map(|j| {
            (
                j["name"].as_str().unwrap().to_owned(),
                j["version"].as_str().unwrap().to_owned(),
                j["reason"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// The error code of an envelope (panics on a plan).
pub fn error_code(result: &serde_json::Value) -> String {
    result["error"]["code"]
        .as_str()
        .unwrap_or_else(|| panic!("expected an error, got {result}"))
        .to_owned()
}

/// Request log lines written by `index_test_server.py --log`.
pub fn read_log(path: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect()
}

/// One file of a generated static index.
pub struct TreeFile {
    /// The file to serve (copied under `files/`).
    pub source: PathBuf,
    /// Listed as yanked.
    pub yanked: bool,
    /// Served as `<file>.metadata` and flagged (PEP 658/714) when given.
    pub metadata: Option<String>,
    /// Published as `data-requires-python` / `requires-python` when given.
    pub requires_python: Option<String>,
    /// Published as `#sha256=` / `hashes.sha256` when given.
    pub sha256: Option<String>,
}

impl TreeFile {
    /// A plain, unyanked file without `.metadata`.
    pub fn plain(source: PathBuf) -> Self {
        Self {
            source,
            yanked: false,
            metadata: None,
            requires_python: None,
            sha256: None,
        }
    }

    /// The same file, with Requires-Python `spec` published on the page.
    pub fn requires_python(mut self, spec: &str) -> Self {
        self.requires_python = Some(spec.to_owned());
        self
    }

    /// The same file, with its real sha256 published on the page.
    pub fn with_sha256(mut self) -> Self {
        let out = Command::new("sha256sum")
            .arg(&self.source)
            .output()
            .expect("sha256sum");
        let text = String::from_utf8_lossy(&out.stdout);
        self.sha256 = Some(text.split_whitespace().next().unwrap_or("").to_owned());
        self
    }
}

/// Writes a static simple index under `root`: `simple/<project>/index.html`
/// (PEP 503, with `data-yanked` / `data-core-metadata`) and, with `json`,
/// `simple/<project>/index.json` (PEP 691); files under `files/`.
pub fn write_tree(root: &Path, projects: &[(&str, Vec<TreeFile>)], json: bool) {
    let files_dir = root.join("files");
    std::fs::create_dir_all(&files_dir).unwrap();
    for (project, files) in projects {
        let dir = root.join("simple").join(project);
        std::fs::create_dir_all(&dir).unwrap();
        let mut html = format!("<!DOCTYPE html>\n<html><body><h1>Links for {project}</h1>\n");
        let mut entries = Vec::new();
        for f in files {
            let name = f.source.file_name().unwrap().to_string_lossy().into_owned();
            std::fs::copy(&f.source, files_dir.join(&name)).unwrap();
            let mut attrs = String::new();
            if f.yanked {
                attrs.push_str(" data-yanked=\"\"");
            }
            if let Some(md) = &f.metadata {
                std::fs::write(files_dir.join(format!("{name}.metadata")), md).unwrap();
                attrs.push_str(" data-core-metadata=\"true\" data-dist-info-metadata=\"true\"");
            }
            if let Some(rp) = &f.requires_python {
                let escaped = rp
                    .replace('&', "&amp;")
                    .replace('<', "&lt;")
                    .replace('>', "&gt;");
                attrs.push_str(&format!(" data-requires-python=\"{escaped}\""));
            }
            let hash = f.sha256.as_deref().unwrap_or("00");
            html.push_str(&format!(
                "<a href=\"../../files/{name}#sha256={hash}\"{attrs}>{name}</a><br/>\n"
            ));
            let mut entry = serde_json::json!({
                "filename": name,
                "url": format!("../../files/{name}"),
                "hashes": {},
                "yanked": f.yanked,
                "core-metadata": f.metadata.is_some(),
            });
            if let Some(rp) = &f.requires_python {
                entry["requires-python"] = rp.clone().into();
            }
            if let Some(h) = &f.sha256 {
                entry["hashes"] = serde_json::json!({ "sha256": h });
            }
            entries.push(entry);
        }
        html.push_str("</body></html>\n");
        std::fs::write(dir.join("index.html"), html).unwrap();
        if json {
            let page = serde_json::json!({
                "meta": {"api-version": "1.1"},
                "name": project,
                "files": entries,
            });
            std::fs::write(dir.join("index.json"), page.to_string()).unwrap();
        }
    }
}

/// An input folder with one x86_64-only wheel `app-1.0` requiring `requires`.
pub fn app_input(requires: &[&str]) -> tempfile::TempDir {
    let input = tempfile::tempdir().unwrap();
    write_wheel(
        input.path(),
        "app-1.0-cp311-cp311-manylinux2014_x86_64.whl",
        requires,
        0,
    );
    input
}

/// `[[name, version, depth, parents], …]` of `dependency_expansions`.
pub fn expansions(plan: &serde_json::Value) -> Vec<(String, String, u64, Vec<String>)> {
    plan["dependency_expansions"]
        .as_array()
        .unwrap_or_else(|| panic!("not a plan: {plan}"))
        .iter()
        .map(|j| {
            (
                j["name"].as_str().unwrap().to_owned(),
                j["version"].as_str().unwrap().to_owned(),
                j["depth"].as_u64().unwrap(),
                j["parents"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|p| p.as_str().unwrap().to_owned())
                    .collect(),
            )
        })
        .collect()
}

/// `scripts/forward_proxy.py ARGS…` on loopback, logging to a file: the
/// proxy (its `port`), the log and the directory holding it.
pub fn forward_proxy(args: &[&str]) -> Option<(Server, PathBuf, tempfile::TempDir)> {
    if !require(has_program("python3", "--version"), "python3") {
        return None;
    }
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("proxy.log");
    let mut cmd = Command::new("python3");
    cmd.arg(root().join("scripts/forward_proxy.py"))
        .args(["--log", log.to_str().unwrap()])
        .args(args)
        .stdout(std::process::Stdio::piped());
    let mut child = cmd.spawn().expect("start scripts/forward_proxy.py");
    let mut line = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(child.stdout.take().unwrap()),
        &mut line,
    )
    .unwrap();
    let port: u16 = line.trim().strip_prefix("PORT ").unwrap().parse().unwrap();
    Some((Server::from_child(child, port), log, dir))
}
