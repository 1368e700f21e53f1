#!/usr/bin/env python3
"""Writes a synthetic wheelhouse for benchmarks: N wheels, deterministic.

Mix: 40% pure (py3-none-any), 30% x86_64-only, 20% s390x (manylinux2014,
some manylinux_2_28 or musllinux), 10% abi3. Each wheel has 5-30
Requires-Dist with ranges, markers and extras (mostly on other projects of
the corpus, some on projects outside it) and about 20 payload files, so the
archives look like real ones (central directory of ~24 entries).

Every member is deflated, METADATA included, as in real wheels; with
--stored every member is stored (no compression) instead.

Usage: gen_corpus.py N OUT_DIR [--stored]
"""
import random
import sys
import zipfile
from pathlib import Path

STAMP = (2024, 1, 1, 0, 0, 0)
MARKERS = [
    "",
    "; python_version >= '3.8'",
    "; sys_platform == 'win32'",
    "; platform_machine == 's390x'",
    "; extra == 'test'",
    "; python_version < '3.10' and os_name == 'posix'",
    "; implementation_name == 'cpython'",
]


def tag_for(i: int, rng: random.Random) -> str:
    r = rng.random()
    if r < 0.4:
        return "py3-none-any"
    if r < 0.7:
        return "cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64"
    if r < 0.9:
        return rng.choice([
            "cp311-cp311-manylinux_2_17_s390x.manylinux2014_s390x",
            "cp311-cp311-manylinux2014_s390x",
            "cp311-cp311-manylinux_2_28_s390x",
            "cp311-cp311-musllinux_1_1_s390x",
        ])
    return "cp38-abi3-manylinux2014_s390x"


def requirement(n: int, i: int, rng: random.Random) -> str:
    if rng.random() < 0.1:
        target = f"ext{rng.randrange(n // 10 + 1):05d}"  # outside the corpus
    else:
        target = f"p{rng.randrange(n):05d}"
    extra = "[fast]" if rng.random() < 0.1 else ""
    spec = rng.choice([">=0.1", ">=1.0,<3", "~=1.0", "==1.0", "!=2.0", "", ">=1.0.0rc1", "<4"])
    return f"{target}{extra}{spec}{rng.choice(MARKERS)}"


def main() -> int:
    n = int(sys.argv[1])
    out = Path(sys.argv[2])
    method = zipfile.ZIP_STORED if "--stored" in sys.argv[3:] else zipfile.ZIP_DEFLATED
    out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(42)
    payload = b"# payload\n" * 40
    for i in range(n):
        name, version = f"p{i:05d}", "1.0"
        tag = tag_for(i, rng)
        info = f"{name}-{version}.dist-info"
        reqs = [requirement(n, i, rng) for _ in range(rng.randint(5, 30))]
        meta = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\nProvides-Extra: test\n"
        meta += "".join(f"Requires-Dist: {r}\n" for r in reqs)
        meta += "\nA synthetic package for benchmarks.\n" + "Long description. " * 50
        with zipfile.ZipFile(out / f"{name}-{version}-{tag}.whl", "w", method) as z:
            # A ZipInfo's own compress_type is STORED: pass the method on.
            def add(path, data):
                z.writestr(zipfile.ZipInfo(path, STAMP), data, compress_type=method)

            for k in range(20):
                add(f"{name}/mod{k}.py", payload)
            add(f"{info}/METADATA", meta)
            add(f"{info}/WHEEL", f"Wheel-Version: 1.0\nTag: {tag}\n")
            add(f"{info}/RECORD", "")
    return 0


if __name__ == "__main__":
    sys.exit(main())
