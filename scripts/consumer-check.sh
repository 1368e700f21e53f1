#!/usr/bin/env bash
# `make consumer-check` (CI runs it): proves that a Go service in another
# repository can depend on github.com/wheel-refinery/resolver/go-binding
# without a Rust build tree, as it would on a tagged release.
#
#  1. The module as a release commit holds it: go-binding/ (without bin/)
#     with the `make dist` archives, header and SHA256SUMS, copied to a temp
#     directory with no target/ or include/ beside it; checksums verified.
#  2. A throwaway consumer module (scripts/consumer-check/main.go) requires
#     it through a local `replace`, is vendored (`go mod vendor` must keep
#     lib/: includebuild.go), and is built for linux/amd64 and linux/s390x,
#     module mode and vendor mode, with no CGO_* flags (CC for s390x only).
#  3. Both binaries plan the bundled example (examples/service/config.json,
#     fixed run_id): natively and under qemu-s390x; the plans must be equal.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
repo=$PWD
QEMU=(qemu-s390x -L /usr/s390x-linux-gnu)
MODULE=github.com/wheel-refinery/resolver/go-binding
say() { echo "consumer-check: $*"; }

tmp=$(mktemp -d)
trap 'chmod -R u+w "$tmp" 2>/dev/null; rm -rf "$tmp"' EXIT

# 1. The released module.
[[ -f go-binding/lib/SHA256SUMS ]] || { echo "consumer-check: run make dist first" >&2; exit 1; }
mkdir -p "$tmp/release"
tar -C "$repo" --exclude=go-binding/bin -cf - go-binding | tar -C "$tmp/release" -xf -
(cd "$tmp/release/go-binding/lib" && sha256sum --quiet -c SHA256SUMS)
say "module copied to $tmp/release/go-binding, checksums verified"

# 2. The consumer.
mkdir -p "$tmp/consumer"
cp scripts/consumer-check/main.go "$tmp/consumer/main.go"
cp go-binding/go.sum "$tmp/consumer/go.sum"
cat >"$tmp/consumer/go.mod" <<MOD
module example.com/plan-consumer

go 1.22

require $MODULE v0.1.0

replace $MODULE => ../release/go-binding
MOD
cd "$tmp/consumer"
unset CGO_CFLAGS CGO_LDFLAGS CGO_CPPFLAGS
export CGO_ENABLED=1 GOOS=linux GOFLAGS=
go mod tidy
GOARCH=amd64 go build -o plan-amd64 .
GOARCH=s390x CC=s390x-linux-gnu-gcc go build -o plan-s390x .
go mod vendor
for f in lib/linux_amd64/libwheel_resolver.a lib/linux_s390x/libwheel_resolver.a lib/include/wheel_resolver.h; do
    [[ -f "vendor/$MODULE/$f" ]] || { echo "consumer-check: go mod vendor left out $f" >&2; exit 1; }
done
GOARCH=amd64 go build -mod=vendor -o plan-amd64-vendor .
GOARCH=s390x CC=s390x-linux-gnu-gcc go build -mod=vendor -o plan-s390x-vendor .
say "built for linux/amd64 and linux/s390x (module and vendor mode)"
for b in plan-amd64 plan-amd64-vendor plan-s390x plan-s390x-vendor; do
    machine=$(readelf -h "$b" | sed -n 's/^ *Machine: *//p')
    say "$b: $machine, $(du -h "$b" | cut -f1)"
    if readelf -d "$b" | grep -q wheel_resolver; then
        echo "consumer-check: $b needs libwheel_resolver.so" >&2; exit 1
    fi
done
readelf -h plan-s390x | grep -q 'IBM S/390' || { echo "consumer-check: plan-s390x is not s390x" >&2; exit 1; }

# 3. Plan the bundled example on both.
python3 - "$repo/examples/service/config.json" "$repo" config.json <<'PY'
import json, os, sys
src, base, dest = sys.argv[1:]
cfg = json.load(open(src))
cfg["input_dir"] = os.path.join(base, cfg["input_dir"])
cfg["run_id"] = "consumer-check"
json.dump(cfg, open(dest, "w"))
PY
./plan-amd64 config.json >plan-amd64.json
"${QEMU[@]}" ./plan-s390x config.json >plan-s390x.json
"${QEMU[@]}" ./plan-s390x-vendor config.json >plan-s390x-vendor.json
cmp plan-amd64.json plan-s390x.json
cmp plan-amd64.json plan-s390x-vendor.json
python3 - plan-s390x.json <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))
print("consumer-check: s390x plan of examples/service under qemu: %d reuse, %d build, %d missing, %d expansions"
      % (len(p["reuse"]), len(p["to_build"]), len(p["missing_requirements"]), len(p["dependency_expansions"])))
PY
say "ok: the amd64 and s390x (qemu) plans are byte-identical"
