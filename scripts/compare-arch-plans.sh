#!/usr/bin/env bash
# Plans every offline parity case (fixtures/parity/*, those without an index/
# folder) and the bundled example (examples/service) with two builds of
# examples/plan.rs, e.g. the x86_64 one and the s390x one under qemu-user,
# with a fixed run_id, and fails unless both print byte-identical documents
# (plans, or error envelopes) with the same exit status.
#
#   scripts/compare-arch-plans.sh HOST_PLAN_BINARY "CROSS_COMMAND"
#
# CROSS_COMMAND is split on white space ("qemu-s390x -L /usr/s390x-linux-gnu
# target/s390x-unknown-linux-gnu/cross-test/examples/plan").
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

[[ $# -eq 2 ]] || { echo "usage: $0 HOST_PLAN_BINARY \"CROSS_COMMAND\"" >&2; exit 2; }
host=$1
read -r -a cross <<<"$2"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# config.json of a case with input_dir made absolute and a fixed run_id.
write_config() { # SRC_CONFIG BASE_DIR DEST
    python3 - "$@" <<'PY'
import json, os, sys
src, base, dest = sys.argv[1:]
with open(src) as f:
    cfg = json.load(f)
for key in ("input_dir", "requirements", "constraints", "history_db"):
    if isinstance(cfg.get(key), str) and not os.path.isabs(cfg[key]):
        cfg[key] = os.path.join(os.path.abspath(base), cfg[key])
cfg["run_id"] = "arch-compare"
with open(dest, "w") as f:
    json.dump(cfg, f)
PY
}

compared=0
failed=0
compare() { # NAME CONFIG
    local name=$1 cfg=$2 hs=0 cs=0
    "$host" "$cfg" >"$tmp/host.json" 2>"$tmp/host.err" || hs=$?
    "${cross[@]}" "$cfg" >"$tmp/cross.json" 2>"$tmp/cross.err" || cs=$?
    compared=$((compared + 1))
    if [[ $hs -ne $cs ]] || ! cmp -s "$tmp/host.json" "$tmp/cross.json" || [[ ! -s "$tmp/host.json" ]]; then
        failed=$((failed + 1))
        echo "DIFFER: $name (exit $hs vs $cs)" >&2
        diff <(python3 -m json.tool "$tmp/host.json" 2>&1) <(python3 -m json.tool "$tmp/cross.json" 2>&1) | head -20 >&2 || true
        cat "$tmp/host.err" "$tmp/cross.err" >&2
    fi
}

for dir in fixtures/parity/*/; do
    name=$(basename "$dir")
    [[ -f "$dir/config.json" && ! -d "$dir/index" ]] || continue
    write_config "$dir/config.json" "$dir" "$tmp/$name.json"
    compare "$name" "$tmp/$name.json"
done
write_config examples/service/config.json . "$tmp/example.json"
compare examples/service "$tmp/example.json"

echo "compare-arch-plans: $compared plans compared, $failed differ"
[[ $failed -eq 0 && $compared -gt 0 ]]
