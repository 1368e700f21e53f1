#!/usr/bin/env python3
"""Writes the bundled example input: examples/service/input/*.whl.

A typical web service's dependency set, as a wheelhouse downloaded on an
x86_64 laptop would hold it: pure wheels, x86_64-only wheels, some s390x
wheels (one needing a newer glibc, one for musl) and an abi3 wheel. The
wheels are small but real zip archives with METADATA; the script is
deterministic (fixed timestamps), so re-running it changes nothing.
"""
import pathlib
import sys
import zipfile

WHEELS = [
    # (distribution, version, tag, Requires-Dist)
    ("billing_service", "1.4.0", "py3-none-any", ["fastapi==0.110.0", "uvicorn>=0.29", "orjson>=3.9", "psycopg2-binary>=2.9", "cryptography>=42", "PyYAML>=6.0", "grpcio>=1.60", "prometheus-client==0.20.0", "SQLAlchemy<2.1,>=2.0"]),
    ("fastapi", "0.110.0", "py3-none-any", ["starlette<0.37.0,>=0.36.3", "pydantic!=1.8,!=1.8.1,<3.0.0,>=1.7.4", "typing-extensions>=4.8.0", 'email-validator>=2.0.0; extra == "all"']),
    ("starlette", "0.36.3", "py3-none-any", ["anyio<5,>=3.4.0", 'typing-extensions>=3.10.0; python_version < "3.10"']),
    ("anyio", "4.3.0", "py3-none-any", ["idna>=2.8", "sniffio>=1.1", 'exceptiongroup>=1.0.2; python_version < "3.11"']),
    ("idna", "3.6", "py3-none-any", []),
    ("sniffio", "1.3.1", "py3-none-any", []),
    ("pydantic", "2.6.4", "py3-none-any", ["annotated-types>=0.4.0", "pydantic-core==2.16.3", "typing-extensions>=4.6.1"]),
    ("pydantic_core", "2.16.3", "cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64", ["typing-extensions!=4.7.0,>=4.6.0"]),
    ("typing_extensions", "4.10.0", "py3-none-any", []),
    ("uvicorn", "0.29.0", "py3-none-any", ["click>=7.0", "h11>=0.8", 'uvloop!=0.15.0,!=0.15.1,>=0.14.0; (sys_platform != "win32" and (sys_platform != "cygwin" and platform_python_implementation != "PyPy")) and extra == "standard"', 'colorama>=0.4; sys_platform == "win32"']),
    ("click", "8.1.7", "py3-none-any", ['colorama; platform_system == "Windows"']),
    ("h11", "0.14.0", "py3-none-any", []),
    ("numpy", "1.26.4", "cp311-cp311-manylinux_2_17_s390x.manylinux2014_s390x", []),
    ("orjson", "3.9.15", "cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64", []),
    ("cryptography", "42.0.5", "cp39-abi3-manylinux_2_28_s390x", ["cffi>=1.12; platform_python_implementation != \"PyPy\""]),
    ("cffi", "1.16.0", "cp311-cp311-manylinux_2_17_s390x.manylinux2014_s390x", ["pycparser"]),
    ("psycopg2_binary", "2.9.9", "cp311-cp311-musllinux_1_1_s390x", []),
    ("PyYAML", "6.0.1", "cp311-cp311-manylinux_2_17_s390x.manylinux2014_s390x", []),
    ("grpcio", "1.62.1", "cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64", []),
    ("protobuf", "4.25.3", "cp37-abi3-manylinux2014_s390x", []),
]

STAMP = (2024, 3, 1, 0, 0, 0)


def write_wheel(out: pathlib.Path, dist: str, version: str, tag: str, requires: list) -> None:
    name = f"{dist}-{version}-{tag}.whl"
    info = f"{dist}-{version}.dist-info"
    py, abi, plat = tag.split("-")
    meta = [f"Metadata-Version: 2.1", f"Name: {dist}", f"Version: {version}"]
    meta += [f"Requires-Dist: {r}" for r in requires]
    wheel = ["Wheel-Version: 1.0", "Generator: make_example.py", f"Root-Is-Purelib: {'true' if plat == 'any' else 'false'}"]
    wheel += [f"Tag: {p}-{a}-{pl}" for p in py.split(".") for a in abi.split(".") for pl in plat.split(".")]
    files = {
        f"{dist.lower()}/__init__.py": f'__version__ = "{version}"\n',
        f"{info}/METADATA": "\n".join(meta) + "\n\n" + f"{dist} example package.\n",
        f"{info}/WHEEL": "\n".join(wheel) + "\n",
    }
    record = "".join(f"{p},,\n" for p in files) + f"{info}/RECORD,,\n"
    files[f"{info}/RECORD"] = record
    with zipfile.ZipFile(out / name, "w", zipfile.ZIP_DEFLATED) as z:
        for path, text in files.items():
            zi = zipfile.ZipInfo(path, STAMP)
            zi.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(zi, text)


def main() -> int:
    root = pathlib.Path(sys.argv[1]) if len(sys.argv) > 1 else pathlib.Path(__file__).resolve().parent.parent / "examples/service/input"
    root.mkdir(parents=True, exist_ok=True)
    for old in root.glob("*.whl"):
        old.unlink()
    for dist, version, tag, requires in WHEELS:
        write_wheel(root, dist, version, tag, requires)
    print(f"wrote {len(WHEELS)} wheels to {root}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
