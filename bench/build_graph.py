#!/usr/bin/env python3
"""`make bench-build-graph`: what the build graph (contract §4.8–4.11) costs.

Writes, deterministically into a temporary directory, a wheelhouse of 30
x86_64-only wheels (30 builds for manylinux2014_s390x) and a static index
holding the sdist of each: 10-50 MB of incompressible payload with
`pyproject.toml` as the LAST member of the archive, so a reader that streams
the .tar.gz until it finds that member reads the whole file. Their
[build-system] requires `setuptools>=61` (a wheel on the index) and, for two
of every three, the previous sdist's project, so the builds fall into three
waves. The index is scripts/index_test_server.py with 25 ms per request and
the public index's caching headers (pages max-age=600, files immutable).

Plans the wheelhouse with the `plan` example binary, one process per plan,
with and without build_graph, cold (empty HTTP cache) and warm (the cache of
a cold run), and prints for each: wall time (median and range), requests,
the sdist bytes the index served, and peak RSS (the largest of the runs).
Prints figures; asserts nothing about them. Fails, before writing anything,
when the library does not know build_graph.

    bench/build_graph.py --plan-bin target/release/examples/plan
        [--runs 3] [--sdists 30] [--min-mb 10] [--max-mb 50] [--latency-ms 25]

--only-baseline plans without build_graph only (checks this program against
a library that lacks the build graph).
"""
import argparse
import concurrent.futures
import gzip
import hashlib
import io
import json
import os
import random
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
import zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SERVER = os.path.join(ROOT, "scripts", "index_test_server.py")
STAMP = (2024, 1, 1, 0, 0, 0)
CHUNK = 1 << 20


class Payload(io.RawIOBase):
    """`size` pseudo-random (incompressible) bytes from `seed`, read in
    chunks so no archive is ever held in memory whole."""

    def __init__(self, seed, size):
        self.rng, self.left = random.Random(seed), size

    def readable(self):
        return True

    def read(self, n=-1):
        n = self.left if n is None or n < 0 else min(n, self.left)
        self.left -= n
        return self.rng.randbytes(n)


def pyproject(i):
    requires = ['"setuptools>=61"']
    if i % 3:
        requires.append(f'"pkg{i - 1:02d}>=1.0"')  # the previous sdist: a later wave
    return (
        "[build-system]\n"
        f"requires = [{', '.join(requires)}]\n"
        'build-backend = "setuptools.build_meta"\n\n'
        f'[project]\nname = "pkg{i:02d}"\nversion = "1.0"\n'
    ).encode()


def tar_member(tar, name, data=None, fileobj=None, size=None):
    info = tarfile.TarInfo(name)
    info.size = len(data) if data is not None else size
    info.mtime = 1704067200
    info.mode = 0o644
    tar.addfile(info, io.BytesIO(data) if data is not None else fileobj)


def write_sdist(path, i, size):
    """pkgNN-1.0.tar.gz: PKG-INFO, the payload, then pyproject.toml last."""
    top = f"pkg{i:02d}-1.0"
    with open(path, "wb") as raw:
        # mtime fixed and no file name in the gzip header: the same bytes on every run.
        with gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=1, mtime=0, filename="") as gz:
            with tarfile.open(fileobj=gz, mode="w", format=tarfile.PAX_FORMAT) as tar:
                tar_member(tar, f"{top}/PKG-INFO", f"Metadata-Version: 2.1\nName: pkg{i:02d}\nVersion: 1.0\n".encode())
                tar_member(tar, f"{top}/src/payload.bin", fileobj=Payload(i, size), size=size)
                tar_member(tar, f"{top}/pyproject.toml", pyproject(i))


def write_wheel(path, name, version, tag, requires=()):
    info = f"{name}-{version}.dist-info"
    meta = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
    meta += "".join(f"Requires-Dist: {r}\n" for r in requires)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for member, text in (
            (f"{name}/__init__.py", ""),
            (f"{info}/METADATA", meta),
            (f"{info}/WHEEL", f"Wheel-Version: 1.0\nGenerator: bench\nRoot-Is-Purelib: false\nTag: {tag}\n"),
            (f"{info}/RECORD", ""),
        ):
            z.writestr(zipfile.ZipInfo(member, STAMP), text)


def sha256_of(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(CHUNK), b""):
            h.update(block)
    return h.hexdigest()


def write_corpus(tree, n, min_mb, max_mb):
    """The input wheelhouse and the index tree (packages/, simple/<project>/);
    returns (input dir, total sdist bytes)."""
    inp, packages = os.path.join(tree, "input"), os.path.join(tree, "packages")
    os.makedirs(inp)
    os.makedirs(packages)
    files = {}  # project -> [file]
    total = 0
    for i in range(n):
        name = f"pkg{i:02d}"
        write_wheel(os.path.join(inp, f"{name}-1.0-cp311-cp311-manylinux2014_x86_64.whl"),
                    name, "1.0", "cp311-cp311-manylinux2014_x86_64")
        # Sizes spread evenly over [min, max] MB, in a fixed shuffled order.
        step = (max_mb - min_mb) / max(n - 1, 1)
        size = int((min_mb + step * ((i * 7) % n)) * 1_000_000)
        sdist = os.path.join(packages, f"{name}-1.0.tar.gz")
        write_sdist(sdist, i, size)
        total += os.path.getsize(sdist)
        files[name] = [f"{name}-1.0.tar.gz"]
    setuptools = "setuptools-70.0.0-py3-none-any.whl"
    write_wheel(os.path.join(packages, setuptools), "setuptools", "70.0.0", "py3-none-any")
    files["setuptools"] = [setuptools]
    for project, names in files.items():
        page = os.path.join(tree, "simple", project)
        os.makedirs(page)
        links = "".join(
            f'<a href="/packages/{f}#sha256={sha256_of(os.path.join(packages, f))}">{f}</a><br>\n'
            for f in names)
        with open(os.path.join(page, "index.html"), "w") as out:
            out.write(f"<!DOCTYPE html><html><body>\n{links}</body></html>\n")
    return inp, total


def start_server(tree, log, latency_ms):
    proc = subprocess.Popen(
        [sys.executable, SERVER, tree, "--ranges", "--log", log, "--latency", str(latency_ms / 1000),
         "--cache-control", "/simple/=max-age=600",
         "--cache-control", "/packages/=max-age=31536000, immutable"],
        stdout=subprocess.PIPE, text=True)
    line = proc.stdout.readline().strip()
    if not line.startswith("PORT "):
        proc.kill()
        sys.exit(f"bench-build-graph: the index server did not start ({line!r})")
    return proc, int(line.split()[1])


def plan_once(plan_bin, config, work, log):
    """One plan in its own process: (wall seconds, peak RSS bytes, plan,
    requests, sdist bytes served)."""
    path = os.path.join(work, "config.json")
    with open(path, "w") as f:
        json.dump(config, f)
    if os.path.exists(log):
        os.remove(log)
    started = time.monotonic()
    proc = subprocess.Popen([plan_bin, path], stdout=subprocess.PIPE)
    out = proc.stdout.read()
    _, _, usage = os.wait4(proc.pid, 0)
    wall = time.monotonic() - started
    doc = json.loads(out)
    if "error" in doc:
        err = doc["error"]
        sys.exit(f"bench-build-graph: the plan failed: {err['code']}: {err['message']}")
    lines = []
    if os.path.exists(log):
        with open(log) as f:
            lines = [json.loads(l) for l in f if l.strip()]
    sdist_bytes = sum(l["bytes"] for l in lines if l["path"].split("#")[0].endswith((".tar.gz", ".zip")))
    return wall, usage.ru_maxrss * 1024, doc, len(lines), sdist_bytes


def floor_once(tree, port, connections=16):
    """The floor of a cold build graph: the minimal work it cannot avoid,
    every sdist's page and file fetched, `connections` at a time (as the
    library's bound per host), and the whole file inflated (pyproject.toml
    is last), by curl and gzip, with no planning, parsing or caching.
    Returns the wall seconds."""
    names = sorted(os.listdir(os.path.join(tree, "packages")))
    sdists = [n for n in names if n.endswith(".tar.gz")]
    base = f"http://127.0.0.1:{port}"

    def one(name):
        project = name.split("-")[0]
        subprocess.run(["curl", "-sf", "-o", "/dev/null", f"{base}/simple/{project}/"], check=True)
        subprocess.run(f"curl -sf {base}/packages/{name} | gzip -dc > /dev/null",
                       shell=True, check=True)

    started = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(connections) as pool:
        list(pool.map(one, sdists))
    return time.monotonic() - started


def lacks_build_graph(plan_bin, work, input_dir):
    """True when the library refuses build_graph as an unknown field (it
    predates the build graph); asked without an index, a library that has it
    refuses the config for want of one instead."""
    path = os.path.join(work, "probe.json")
    with open(path, "w") as f:
        json.dump({"input_dir": input_dir, "target_python": "3.11", "build_graph": True}, f)
    out = subprocess.run([plan_bin, path], capture_output=True, text=True).stdout
    return "unknown field `build_graph`" in out


def row(label, runs):
    walls = sorted(r[0] for r in runs)
    r = runs[0]
    mb = lambda b: b / 1e6
    print(f"  {label:<28} wall median {statistics.median(walls):6.2f} s "
          f"(min {walls[0]:.2f}, max {walls[-1]:.2f}, {len(walls)} runs); "
          f"{r[3]:4d} requests; sdist bytes served {mb(r[4]):7.1f} MB; "
          f"peak RSS {mb(max(x[1] for x in runs)):6.1f} MB")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--plan-bin", required=True, help="the `plan` example binary")
    ap.add_argument("--runs", type=int, default=int(os.environ.get("RUNS", "3")))
    ap.add_argument("--sdists", type=int, default=30)
    ap.add_argument("--min-mb", type=float, default=10)
    ap.add_argument("--max-mb", type=float, default=50)
    ap.add_argument("--latency-ms", type=float, default=float(os.environ.get("LATENCY_MS", "25")))
    ap.add_argument("--only-baseline", action="store_true",
                    help="plan without build_graph only (for a library without the build graph)")
    args = ap.parse_args()
    runs = max(args.runs, 1)

    with tempfile.TemporaryDirectory(prefix="bench-build-graph-") as tmp:
        probe_input = os.path.join(ROOT, "fixtures", "parity", "01_basic", "input")
        if not args.only_baseline and lacks_build_graph(args.plan_bin, tmp, probe_input):
            print("bench-build-graph: this library does not know the config field build_graph "
                  "(contract §4.8–4.11): build it from a tree that has the build graph "
                  "(or pass --only-baseline to plan without it)", file=sys.stderr)
            return 1
        tree = os.path.join(tmp, "tree")
        started = time.monotonic()
        input_dir, total = write_corpus(tree, args.sdists, args.min_mb, args.max_mb)
        print(f"bench-build-graph: {args.sdists} builds for manylinux2014_s390x, their sdists "
              f"{args.min_mb:g}-{args.max_mb:g} MB each ({total / 1e6:.0f} MB, pyproject.toml last), "
              f"written in {time.monotonic() - started:.1f} s; {args.latency_ms:g} ms per request; "
              "pages max-age=600, files immutable")
        log = os.path.join(tmp, "requests.log")
        server, port = start_server(tree, log, args.latency_ms)
        try:
            modes = [("without build_graph", False)] + ([] if args.only_baseline else [("build_graph", True)])
            for label, graph in modes:
                def config(cache):
                    c = {"input_dir": input_dir, "target_python": "3.11",
                         "target_platform_tag": "manylinux2014_s390x", "run_id": "bench",
                         "index": {"index_url": f"http://127.0.0.1:{port}/simple/", "cache_dir": cache}}
                    if graph:
                        c["build_graph"] = True
                    return c
                # Warm-up (page cache, the trust store), not counted.
                plan_once(args.plan_bin, config(tempfile.mkdtemp(dir=tmp)), tmp, log)
                warm_cache = tempfile.mkdtemp(dir=tmp)
                cold = [plan_once(args.plan_bin, config(warm_cache if i == 0 else tempfile.mkdtemp(dir=tmp)), tmp, log)
                        for i in range(runs)]
                warm = [plan_once(args.plan_bin, config(warm_cache), tmp, log) for _ in range(runs)]
                doc = cold[0][2]
                print(f"{label}: {len(doc['to_build'])} build jobs, {len(doc.get('fetch', []))} fetch", end="")
                if graph:
                    if "build_order" not in doc:
                        print()
                        print("bench-build-graph: the plan has no build_order although build_graph is on",
                              file=sys.stderr)
                        return 1
                    print(f"; {sum(map(len, doc['build_order']))} builds in {len(doc['build_order'])} waves, "
                          f"{len(doc['unbuildable'])} unbuildable", end="")
                print()
                row("cold (empty cache)", cold)
                row("warm (cache of a cold run)", warm)
                if graph:
                    floors = sorted(floor_once(tree, port) for _ in range(runs))
                    print(f"  {'floor (curl | gzip -d)':<28} wall median {statistics.median(floors):6.2f} s "
                          f"(min {floors[0]:.2f}, max {floors[-1]:.2f}, {len(floors)} runs): every sdist "
                          "fetched 16 at a time and inflated whole, nothing else; cold ÷ floor "
                          f"{statistics.median(r[0] for r in cold) / statistics.median(floors):.2f}")
        finally:
            server.kill()
            server.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
