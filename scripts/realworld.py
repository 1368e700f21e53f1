#!/usr/bin/env python3
"""Opt-in, needs the public network (never run in CI): plans a real web
service's wheelhouse (shared/realworld/) for an IBM Z target against a real
package index and prints what the plan fetches, builds and why; with the
build graph (build_graph, on unless --no-build-graph or REALWORLD_BUILD_GRAPH=0),
also each build's sdist, the waves the builds can run in and what cannot be
built. A library without build_graph is noted and planned without it.

    make realworld [REALWORLD_PYTHON=3.11.9] [REALWORLD_PLATFORM=manylinux2014_s390x] [REALWORLD_RUNS=10]

Then, with --runs-bin (the `plan_runs` example), the same plan REALWORLD_RUNS
times cold, each in its own process with a fresh cache_dir (an empty HTTP
cache and an empty DNS cache), and as many times in one process (after the
first, names come from the process's DNS cache): per run the wall time and
per host the name look-ups, connections and TLS handshakes; then min, median,
max and spread. It fails (exit 1) when a run takes over 2 s or looks a host
up more than once.

The index URL comes from RESOLVER_INDEX_URL, else PIP_INDEX_URL, else pip's
own default; no registry host is written here. The wheelhouse is downloaded
once with pip into target/realworld/wheelhouse (as shared/realworld/README.md
does) and reused. TLS is verified against the system trust store.
"""
import argparse
import collections
import json
import os
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def index_url():
    for var in ("RESOLVER_INDEX_URL", "PIP_INDEX_URL"):
        if os.environ.get(var):
            return os.environ[var]
    from pip._internal.models.index import PyPI  # pip's own default

    return PyPI.simple_url


def download(requirements, wheelhouse):
    if os.path.isdir(wheelhouse) and any(f.endswith(".whl") for f in os.listdir(wheelhouse)):
        return
    os.makedirs(wheelhouse, exist_ok=True)
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--only-binary=:all:", "--python-version", "3.11",
         "--platform", "manylinux2014_x86_64", "--platform", "manylinux_2_17_x86_64",
         "--platform", "manylinux_2_28_x86_64", "-d", wheelhouse, "-r", requirements],
        check=True,
    )


def plan(args, config):
    """Runs the plan binary on config: (plan or error document, seconds)."""
    path = os.path.join(args.work, "config.json")
    with open(path, "w") as f:
        json.dump(config, f, indent=2)
    started = time.monotonic()
    out = subprocess.run([args.plan_bin, path], capture_output=True, text=True)
    return json.loads(out.stdout), time.monotonic() - started


MAX_RUN_SECONDS = 2.0
MAX_LOOKUPS_PER_HOST = 1


def plan_runs(args, config, runs):
    """Runs the plan_runs binary: one JSON line per run."""
    path = os.path.join(args.work, "config-runs.json")
    with open(path, "w") as f:
        json.dump(config, f, indent=2)
    out = subprocess.run([args.runs_bin, path, str(runs)], capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(f"plan_runs failed: {out.stderr.strip()}")
    return [json.loads(line) for line in out.stdout.splitlines() if line.startswith("{")]


def print_runs(title, label, runs):
    """Each run, then min/median/max and spread; the runs' failures (each
    named `label` run k)."""
    print(f"\n{title}:")
    failures = []
    for k, r in enumerate(runs, 1):
        hosts = "; ".join(f"{h}: {s['lookups']} look-ups, {s['connections']} connections, "
                          f"{s['handshakes']} TLS handshakes" for h, s in sorted(r["hosts"].items()))
        print(f"  run {k:2}: {r['wall_ms'] / 1000:.2f} s; {hosts or 'no network'}")
        if "error" in r:
            failures.append(f"{label} run {k}: {r['error']}")
        if r["wall_ms"] > MAX_RUN_SECONDS * 1000:
            failures.append(f"{label} run {k} took {r['wall_ms'] / 1000:.2f} s (> {MAX_RUN_SECONDS} s)")
        for h, s in r["hosts"].items():
            if s["lookups"] > MAX_LOOKUPS_PER_HOST:
                failures.append(f"{label} run {k} looked {h} up {s['lookups']} times (> {MAX_LOOKUPS_PER_HOST})")
    walls = sorted(r["wall_ms"] / 1000 for r in runs)
    if walls:
        print(f"  min {walls[0]:.2f} s, median {statistics.median(walls):.2f} s, max {walls[-1]:.2f} s; "
              f"spread {walls[-1] - walls[0]:.2f} s (max/min {walls[-1] / walls[0]:.2f})")
    return failures


def timed_runs(args, config):
    """args.runs cold runs (a process each), then args.runs in one process;
    a failure list (empty when every run is within bounds)."""
    cold = [r for _ in range(args.runs) for r in plan_runs(args, config, 1)]
    failures = print_runs(f"{args.runs} cold runs (a process each: empty HTTP and DNS caches)",
                          "cold", cold)
    warm_dns = plan_runs(args, config, args.runs)
    failures += print_runs(f"{args.runs} runs in one process (fresh HTTP cache each; "
                           "DNS cached after the first)", "in-process", warm_dns)
    return failures


def print_build_graph(doc):
    """The waves the builds can run in (each build with its build
    environment's builds and fetches), then what cannot be built and why."""
    jobs = {f"{b['name']}=={b['version']}": b for b in doc["to_build"]}
    waves = doc["build_order"]
    print(f"\nbuild order: {sum(map(len, waves))} builds in {len(waves)} waves, "
          f"{len(doc['unbuildable'])} unbuildable")
    for k, wave in enumerate(waves, 1):
        print(f"  wave {k}:")
        for pin in wave:
            job = jobs.get(pin, {})
            builds = [d for d in job.get("build_deps", []) if d in jobs]
            requires = job.get("build_requires")
            print(f"    {pin}: {job.get('build_backend')}; requires "
                  f"{', '.join(requires) if requires is not None else '(unknown)'}"
                  f"; {len(job.get('build_deps', []))} in its environment"
                  + (f", built here: {', '.join(builds)}" if builds else ""))
    if doc["unbuildable"]:
        print("\ncannot be built:")
        for u in doc["unbuildable"]:
            print(f"  {u['name']} {u['version']}: {u['reason']}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--plan-bin", required=True, help="the `plan` example binary")
    ap.add_argument("--runs-bin", help="the `plan_runs` example binary: time cold runs")
    ap.add_argument("--runs", type=int, default=int(os.environ.get("REALWORLD_RUNS", "10")))
    ap.add_argument("--requirements", default=os.path.join(ROOT, "..", "shared", "realworld", "webservice.txt"))
    ap.add_argument("--work", default=os.path.join(ROOT, "target", "realworld"))
    ap.add_argument("--python", default=os.environ.get("REALWORLD_PYTHON", "3.11"))
    ap.add_argument("--platform", default=os.environ.get("REALWORLD_PLATFORM", "manylinux2014_s390x"))
    ap.add_argument("--max-depth", type=int, default=4)
    ap.add_argument("--max-jobs", type=int, default=200)
    ap.add_argument("--no-build-graph", dest="build_graph", action="store_false",
                    default=os.environ.get("REALWORLD_BUILD_GRAPH", "1") != "0")
    args = ap.parse_args()

    wheelhouse = os.path.join(args.work, "wheelhouse")
    download(args.requirements, wheelhouse)
    config = {
        "input_dir": wheelhouse,
        "target_python": args.python,
        "target_platform_tag": args.platform,
        "fallback_latest": True,
        "index": {"index_url": index_url(), "fetch_compatible_wheels": True, "timeout_seconds": 30},
        "expansion": {"max_depth": args.max_depth, "max_jobs": args.max_jobs},
        "plan_path": os.path.join(args.work, "plan.json"),
    }
    if args.build_graph:
        config["build_graph"] = True
    doc, took = plan(args, config)
    if "unknown field `build_graph`" in doc.get("error", {}).get("message", ""):
        print("note: this library has no build_graph (contract §4.8–4.11); planned without the build graph\n")
        del config["build_graph"]
        doc, took = plan(args, config)
    if "error" in doc:
        print(json.dumps(doc, indent=2))
        return 1
    wheels = len([f for f in os.listdir(wheelhouse) if f.endswith(".whl")])
    print(f"{wheels} input wheels, python {doc['python_version']}, {doc['platform_tag']}: "
          f"{len(doc['reuse'])} reuse, {len(doc.get('fetch', []))} fetch, {len(doc['to_build'])} build, "
          f"{len(doc['missing_requirements'])} missing, {len(doc['skipped'])} skipped, "
          f"{len(doc['warnings'])} warnings; planned in {took:.1f} s; plan at {config['plan_path']}")
    print("\nfetch (a wheel for the target exists on the index):")
    for f in doc.get("fetch", []):
        print(f"  {f['name']} {f['version']}: {f['file']} ({f['reason']})")
    print("\nbuild:")
    for b in doc["to_build"]:
        why = b["reason"]
        if b.get("incompatible"):
            why += f" ({b['incompatible']['kind']})"
        if b["parents"]:
            why += f", for {', '.join(b['parents'])}"
        if "source" in b:
            why += f"; from {b['source']['file']}" if b["source"] else "; no source"
        print(f"  {b['name']} {b['version']}: {why}")
    reasons = collections.Counter(b["reason"] for b in doc["to_build"])
    print("\nbuild reasons:", dict(reasons))
    if "build_order" in doc:
        print_build_graph(doc)
    for key in ("missing_requirements", "skipped", "warnings"):
        if doc[key]:
            print(f"\n{key}:")
            for item in doc[key]:
                print("  ", item if isinstance(item, str) else json.dumps(item))
    if args.runs_bin and args.runs > 0:
        del config["plan_path"]
        failures = timed_runs(args, config)
        if failures:
            print("\nFAILED:\n  " + "\n  ".join(failures))
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
