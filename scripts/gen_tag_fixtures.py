#!/usr/bin/env python3
"""Regenerates fixtures/tags/*.json: the supported tags Python's `packaging`
yields for an explicit target (CPython version, Linux architecture, glibc or
musl level), independent of the machine this runs on.

The platform list comes from packaging's own `_manylinux.platform_tags` /
`_musllinux.platform_tags` with the libc version and ABI probe pinned to the
target; the tags from `packaging.tags.cpython_tags` + `compatible_tags`,
which is what `sys_tags()` yields on such a machine. `tests/it/supported_tags.rs`
compares the resolver's list with these, in order.

Usage: python3 scripts/gen_tag_fixtures.py   (needs `pip install packaging`)
"""
import json
import pathlib
import re

import packaging
from packaging import _manylinux, _musllinux, tags

PYTHONS = ["3.9", "3.11", "3.12"]
PLATFORMS = ["manylinux2014_s390x", "manylinux_2_28_s390x", "musllinux_1_2_s390x", "manylinux2014_x86_64"]
LEGACY = {"manylinux1": (2, 5), "manylinux2010": (2, 12), "manylinux2014": (2, 17)}


def platforms_for(platform: str) -> list:
    m = re.fullmatch(r"(manylinux1|manylinux2010|manylinux2014|manylinux_(\d+)_(\d+)|musllinux_(\d+)_(\d+))_(.+)", platform)
    if not m:
        raise SystemExit(f"unsupported platform {platform}")
    arch = m.group(6)
    if m.group(1).startswith("musllinux"):
        level = _musllinux._MuslVersion(int(m.group(4)), int(m.group(5)))
        _musllinux._get_musl_version = lambda _exe: level
        plats = list(_musllinux.platform_tags([arch]))
    else:
        glibc = LEGACY.get(m.group(1)) or (int(m.group(2)), int(m.group(3)))
        _manylinux._have_compatible_abi = lambda _exe, _archs: True
        _manylinux._get_glibc_version = lambda: glibc
        # Without the optional `_manylinux` module, packaging trusts the glibc version.
        plats = list(_manylinux.platform_tags([arch]))
    return plats + [f"linux_{arch}"]


# Wheel file names whose reusability on each target packaging decides
# (fixtures/tags/verdicts.json): every parity input plus edge cases.
EXTRA_WHEELS = [
    "a-1.0-cp311-cp311d-manylinux2014_s390x.whl",
    "a-1.0-cp311-abi3-manylinux2014_s390x.whl",
    "a-1.0-cp312-abi3-manylinux2014_s390x.whl",
    "a-1.0-cp32-abi3-linux_s390x.whl",
    "a-1.0-py311-none-manylinux_2_17_s390x.whl",
    "a-1.0-py2.py3-none-manylinux2014_s390x.whl",
    "a-1.0-pp310-pypy310_pp73-manylinux2014_s390x.whl",
    "a-1.0-cp311-none-any.whl",
    "a-1.0-py30-none-any.whl",
    "a-1.0-py312-none-any.whl",
    "a-1.0-cp311-cp311-manylinux_2_5_x86_64.manylinux1_x86_64.whl",
    "a-1.0-cp311-cp311-manylinux_2_16_s390x.whl",
    "a-1.0-cp311-cp311-manylinux_2_27_s390x.whl",
    "a-1.0-cp311-cp311-musllinux_1_2_s390x.whl",
    "a-1.0-cp311-cp311-musllinux_1_3_s390x.whl",
    "a-1.0-cp311-cp311-linux_x86_64.whl",
    "a-1.0-cp311-cp311-win_amd64.whl",
    "a-1.0-cp311-cp311-macosx_11_0_arm64.whl",
    "a-1.0-cp39-abi3-manylinux_2_17_aarch64.manylinux2014_aarch64.whl",
]


def supported_tags(py: str, platform: str) -> list:
    """What sys_tags() yields for CPython `py` on `platform`, in order."""
    version = tuple(int(x) for x in py.split("."))
    cp = f"cp{version[0]}{version[1]}"
    plats = platforms_for(platform)
    return list(tags.cpython_tags(version, abis=[cp], platforms=plats)) + list(
        tags.compatible_tags(version, interpreter=cp, platforms=plats)
    )


def verdicts(root: pathlib.Path) -> None:
    from packaging.utils import parse_wheel_filename

    names = sorted({p.name for p in (root / "fixtures" / "parity").glob("*/input/*.whl")} | set(EXTRA_WHEELS))
    doc = {"generator": f"scripts/gen_tag_fixtures.py with packaging {packaging.__version__}", "targets": {}}
    for py in PYTHONS:
        for platform in PLATFORMS:
            supported = set(supported_tags(py, platform))
            result = {}
            for name in names:
                try:
                    wheel_tags = parse_wheel_filename(name)[3]
                except Exception:
                    continue
                result[name] = bool(wheel_tags & supported)
            doc["targets"][f"{py} {platform}"] = result
    (root / "fixtures" / "tags" / "verdicts.json").write_text(json.dumps(doc, indent=1, sort_keys=True) + "\n")


def main() -> None:
    out = pathlib.Path(__file__).resolve().parent.parent / "fixtures" / "tags"
    out.mkdir(parents=True, exist_ok=True)
    for py in PYTHONS:
        cp = "cp" + py.replace(".", "")
        for platform in PLATFORMS:
            supported = supported_tags(py, platform)
            doc = {
                "generator": f"scripts/gen_tag_fixtures.py with packaging {packaging.__version__}",
                "python": py,
                "platform": platform,
                "tags": [str(t) for t in supported],
            }
            (out / f"{cp}-{platform}.json").write_text(json.dumps(doc, indent=1) + "\n")
            print(f"{cp}-{platform}: {len(supported)} tags")
    verdicts(out.parent.parent)


if __name__ == "__main__":
    main()
