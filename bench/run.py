#!/usr/bin/env python3
"""`make bench`: plans synthetic corpora through the C ABI and the Go CLI and
prints wall time, CPU time and peak RSS of each (median of several runs,
each run a fresh process). Figures only; nothing here asserts a time.

With --floor BIN, each corpus is also read by the floor (bench/floor: the
minimal program that does only the unavoidable work of a scan), in paired
runs alternating with the resolver, and the table gives resolver / floor for
wall time, CPU time, peak RSS and page faults.

With --ladder BIN as well (bench/ladder.rs), each rung of the scan ladder
(`read`: the library's METADATA reader alone; `parse`: the scan parsing
every Requires-Dist and keeping none; `scan`: the scan as a plan runs it;
`plan`: the whole call) is paired with the floor the same way, to show
where along a plan the time goes past the floor's.

Usage: run.py BENCH_PLAN_BIN GO_CLI_BIN [--floor FLOOR_BIN [--ladder LADDER_BIN]] [--sizes 2000,10000] [--runs 5]
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def measure(argv, env=None, faults=None):
    """Runs argv; returns (wall_ms, cpu_ms, maxrss_kb, stdout) via wait4
    (maxrss_kb includes this Python process's pages that the fork copied:
    the programs print their own VmHWM, which the tables use where given);
    appends the page faults (minor + major) to `faults` when given."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    out, err = proc.stdout.read(), proc.stderr.read()
    _, status, ru = os.wait4(proc.pid, 0)
    wall = (time.perf_counter() - start) * 1e3
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        sys.exit(f"{argv[0]} failed ({proc.returncode}): {err.decode()[:500]}")
    if faults is not None:
        faults.append(ru.ru_minflt + ru.ru_majflt)
    return wall, (ru.ru_utime + ru.ru_stime) * 1e3, ru.ru_maxrss, out


# The rungs of bench/ladder.rs, each doing what the one before does and more.
LADDER_RUNGS = ("read", "parse", "scan", "plan")


def skewed_corpus(n, out):
    """n wheels, each with 30 requirements on one hub project (distinct pins
    and ranges): the many-requirements-on-one-project case."""
    import zipfile
    out.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        reqs = [f"hub=={i % 500}.{k}" if k % 3 == 0 else f"hub>={k}.0,<{k + i % 7 + 1}.0" for k in range(30)]
        meta = f"Metadata-Version: 2.1\nName: s{i:05d}\nVersion: 1.0\n" + "".join(f"Requires-Dist: {r}\n" for r in reqs)
        with zipfile.ZipFile(out / f"s{i:05d}-1.0-py3-none-any.whl", "w") as z:
            z.writestr(f"s{i:05d}-1.0.dist-info/METADATA", meta)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("bench_plan")
    ap.add_argument("go_cli")
    ap.add_argument("--floor", help="the floor binary (bench/floor)")
    ap.add_argument("--ladder", help="the scan ladder binary (bench/ladder.rs), paired with the floor")
    ap.add_argument("--sizes", default="2000,10000")
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    print(f"machine: {os.cpu_count()} cores, {os.uname().machine}, {os.uname().release}")
    rows = []
    floor_rows = []
    ladder_rows = []
    with tempfile.TemporaryDirectory(prefix="resolver-bench-") as tmp:
        tmp = Path(tmp)
        corpora = []
        for n in sizes:
            for stored in (False, True) if n == sizes[-1] else (False,):
                d = tmp / f"corpus-{n}{'-stored' if stored else ''}"
                t = time.perf_counter()
                subprocess.run([sys.executable, HERE / "gen_corpus.py", str(n), d] + (["--stored"] if stored else []),
                               check=True)
                size = sum(p.stat().st_size for p in d.iterdir())
                label = f"{n} wheels" + (" (stored)" if stored else "")
                print(f"corpus {label}: generated in {time.perf_counter() - t:.1f} s, {size / 1e6:.1f} MB")
                corpora.append((label, n, d, True))
        d = tmp / "skewed-2000"
        skewed_corpus(2000, d)
        # Not on the scan ladder, which follows the goal's corpora: this one
        # is there for the planner's many-requirements-on-one-project case.
        corpora.append(("2000 wheels x 30 reqs on one project", 2000, d, False))

        for label, n, d, on_ladder in corpora:
            cfg = {"input_dir": str(d), "target_python": "3.11", "target_platform_tag": "manylinux2014_s390x",
                   "run_id": "bench", "expansion": {"max_depth": 2, "max_jobs": 50}}
            cfg_path = tmp / f"config-{n}-{d.name}.json"
            cfg_path.write_text(json.dumps(cfg))
            # C ABI: the plan call itself (in-process timer) and the whole
            # process; paired with the floor when it is given.
            inner, outer, cpu_inner, cpu, rss, faults = [], [], [], [], [], []
            fw, fc, fr, ff = [], [], [], []
            for _ in range(args.runs):
                w, c, r, out = measure([args.bench_plan, str(cfg_path)], faults=faults)
                line = json.loads(out)
                inner.append(line["wall_ms"]); outer.append(w); rss.append(line["maxrss_kb"])
                cpu_inner.append(line["cpu_ms"]); cpu.append(c)
                if args.floor:
                    w2, c2, _, out2 = measure([args.floor, str(d)], faults=ff)
                    fw.append(w2); fc.append(c2); fr.append(json.loads(out2)["maxrss_kb"])
            if args.floor:
                med = statistics.median
                ratios = [a / b for a, b in zip(outer, fw)]
                floor_rows.append((label, med(outer), med(fw), med(ratios), med(cpu), med(fc), max(rss), max(fr),
                                   med(faults), med(ff)))
            if args.floor and args.ladder and on_ladder:
                for rung in LADDER_RUNGS:
                    lw, fw2 = [], []
                    for _ in range(args.runs):
                        lw.append(measure([args.ladder, rung, str(cfg_path)])[0])
                        fw2.append(measure([args.floor, str(d)])[0])
                    ratios = [a / b for a, b in zip(lw, fw2)]
                    ladder_rows.append((label, rung, statistics.median(lw), statistics.median(fw2),
                                        statistics.median(ratios)))
            rows.append((label, "C ABI (resolver_compute_plan)", statistics.median(inner), statistics.median(cpu_inner),
                         max(rss), line["reuse"], line["build"]))
            gw, gc, gr = [], [], []
            for _ in range(args.runs):
                outdir = tmp / "go-out"
                w, c, r, _ = measure([args.go_cli, "--input", str(d), "--output", str(outdir), "--python", "3.11",
                                      "--platform-tag", "manylinux2014_s390x", "--run-id", "bench"])
                gw.append(w); gc.append(c); gr.append(r)
            rows.append((label, "Go CLI (whole process)", statistics.median(gw), statistics.median(gc), max(gr), "", ""))

    print()
    print(f"{'corpus':<38} {'path':<30} {'wall ms':>9} {'cpu ms':>9} {'peak RSS MB':>12} {'reuse':>6} {'build':>6}")
    for label, path, wall, cpu, rss, reuse, build in rows:
        print(f"{label:<38} {path:<30} {wall:>9.1f} {cpu:>9.1f} {rss / 1024:>12.1f} {reuse!s:>6} {build!s:>6}")
    c_abi = {label: wall for label, path, wall, *_ in rows if path.startswith("C ABI")}
    if len(sizes) >= 2:
        a, b = sizes[0], sizes[-1]
        wa, wb = c_abi[f"{a} wheels"], c_abi[f"{b} wheels"]
        print(f"\nscaling (C ABI): {wa / a * 1e3:.1f} us/wheel at {a}, {wb / b * 1e3:.1f} us/wheel at {b} "
              f"(x{wb / wa:.2f} time for x{b / a:.0f} wheels)")
    print(f"(median of {args.runs} runs each; peak RSS is the max over runs)")
    if floor_rows:
        print("\nresolver (C ABI, whole process) against the floor (bench/floor), paired runs:")
        print(f"{'corpus':<38} {'wall ms':>15} {'wall x':>7} {'cpu ms':>15} {'cpu x':>6} {'peak RSS MB':>15} "
              f"{'RSS x':>6} {'faults':>15} {'faults x':>8}")
        for label, w, fw, wr, c, fc, r, fr, f, ff in floor_rows:
            print(f"{label:<38} {w:>7.1f}/{fw:<7.1f} {wr:>7.2f} {c:>7.1f}/{fc:<7.1f} {c / fc:>6.2f} "
                  f"{r / 1024:>7.1f}/{fr / 1024:<7.1f} {r / fr:>6.2f} {f:>7.0f}/{ff:<7.0f} {f / ff:>8.2f}")
        print("(wall x: median of the per-pair ratios; the others: ratio of the medians)")
    if ladder_rows:
        print("\nthe scan ladder (bench/ladder.rs, whole processes) against the floor, paired runs:")
        print(f"{'corpus':<38} {'rung':<6} {'wall ms':>15} {'wall x':>7}")
        for label, rung, w, fw, wr in ladder_rows:
            print(f"{label:<38} {rung:<6} {w:>7.1f}/{fw:<7.1f} {wr:>7.2f}")
        print("(read: the library's METADATA reader alone; parse: the scan, every Requires-Dist parsed, none kept;\n"
              " scan: as a plan scans; plan: the whole call with its JSON. wall x: median of the per-pair ratios)")


if __name__ == "__main__":
    main()
