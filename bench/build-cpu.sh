#!/usr/bin/env bash
# CPU-seconds of a deploy's image build (issue 18), with and without app.dependenciesStage, side by side in one run.
#
# A copy of the sample app (node_modules installed once with npm ci) is built ROUNDS times per mode with
# `./build.sh --target=BuildImage --env=prod`, each round after a commit that changes server.js, as a deploy of a new
# commit does; the two modes alternate, so that other work on a shared machine weighs on both alike. Per build:
#   tool    the command and its children (user + system time, from /usr/bin/time)
#   engine  dockerd, containerd, shims, runc (bench/zero-downtime/cpu_sampler.py's 250 ms samples over the build)
#   kernel  the machine's system time over the build (/proc/stat: everyone's, so the noisiest of the three)
# The engine serves everyone on the machine: builds of other people land in *engine* too. Medians are reported.
# Writes its section of bench/RESULTS.md (between <!-- build-cpu:begin --> and <!-- build-cpu:end -->).
#
# Usage: bench/build-cpu.sh            (from anywhere; about 2 minutes; needs a running Docker engine and npm)
#   ROUNDS=7 bench/build-cpu.sh        builds per mode (default 7)
# Makes images named zbcXXXXX-* only, and removes them on exit.
set -euo pipefail

bench="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$bench/.." && pwd)"
rounds="${ROUNDS:-7}"
[[ "$rounds" =~ ^[1-9][0-9]*$ ]] || { printf 'Error: ROUNDS=%s is not a number of builds; use a whole number from 1 (default 7).\n' "$rounds" >&2; exit 2; }
prefix="zbc$(od -An -N3 -tx1 /dev/urandom | tr -d ' \n')"
work="$(mktemp -d)"
sampler=""
cleanup() {
  [ -n "$sampler" ] && { touch "$work/stop"; wait "$sampler" 2>/dev/null || true; }
  docker images --format '{{.Repository}}:{{.Tag}}' | grep "^$prefix" | xargs -r docker rmi -f >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
commit() { git -C "$work/app" -c user.name=bench -c user.email=bench@example.invalid commit --quiet "$@"; }

mkdir "$work/app"
(cd "$root/sample" && tar --exclude=./node_modules -cf - .) | tar -xf - -C "$work/app"
git -C "$work/app" init --quiet --initial-branch=master
git -C "$work/app" add -A && commit -m "sample app"
(cd "$work/app" && npm ci --omit=dev >/dev/null)
for mode in with without; do
  stage=""; [ "$mode" = with ] && stage=', "dependenciesStage": "dependencies"'
  cat >"$work/$mode.json" <<EOF
{ "app": { "name": "$prefix", "folder": "app", "port": 3000, "baseImages": { "NODE_IMAGE": "node:20-bookworm-slim" }$stage },
  "environments": { "prod": { "container": "${prefix}_prod", "image": "$prefix-$mode", "ports": ["127.0.0.1:1:3000"], "gitPull": false, "npmInstall": false } } }
EOF
done

cd "$root"
# Unmeasured: builds the tool when its sources changed, the base image, the dependency image and the builder's cache.
for mode in with without; do ./build.sh --target=BuildImage --env=prod --config="$work/$mode.json" >/dev/null; done
python3 "$bench/zero-downtime/cpu_sampler.py" "$work/cpu" "$work/stop" $$ 0 "$work/none" "$prefix" 3600 &
sampler=$!
load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
for i in $(seq 1 "$rounds"); do
  echo "// round $i" >>"$work/app/server.js" && commit -am "round $i"
  for mode in with without; do
    start="$(date +%s.%N)"
    /usr/bin/time -f "%U %S" -o "$work/time" ./build.sh --target=BuildImage --env=prod --config="$work/$mode.json" >"$work/$mode.$i.log" 2>&1
    echo "$mode $start $(date +%s.%N) $(cat "$work/time") $(grep -o 'Sending build context to Docker ([^)]*)' "$work/$mode.$i.log" | tail -1 | tr -d '()' | awk '{print $6 $7}')" >>"$work/builds"
  done
done
touch "$work/stop"; wait "$sampler"; sampler=""
load_after="$(cut -d' ' -f1-3 /proc/loadavg)"

python3 - "$work" "$rounds" "$load_before" "$load_after" "$(git -C "$root" rev-parse --short=12 HEAD)" >"$work/section.md" <<'PY'
import json, os, re, statistics, sys
work, rounds, load_before, load_after, commit = sys.argv[1:]
ticks = os.sysconf("SC_CLK_TCK")
samples = [json.loads(line) for line in open(f"{work}/cpu")]
builds = {}
for line in open(f"{work}/builds"):
    mode, start, end, user, system, context = line.split()
    start, end = float(start) * 1000, float(end) * 1000
    # each sample holds the 250 ms before its time: those ending after the start, up to one sample past the end
    window = [s for s in samples if start < s["t"] <= end + 250]
    builds.setdefault(mode, []).append({
        "wall": (end - start) / 1000, "tool": float(user) + float(system), "context": re.sub(r"^([\d.]+)", r"\1 ", context),
        "engine": sum(s["by"].get("engine", 0) for s in window) / ticks,
        "kernel": sum(s["stat_system"] for s in window) / ticks,
        "other": sum(s["by"].get("other", 0) for s in window) / ticks})

def cell(mode, key):
    values = [b[key] for b in builds[mode]]
    return f"{statistics.median(values):.2f} s ({min(values):.2f}–{max(values):.2f})"

print("<!-- build-cpu:begin -->\n## CPU-seconds of a deploy's image build, with and without the dependencies stage\n")
print(f"Each mode built {rounds} times, alternating, each after a commit changing `server.js`; medians, with the spread (min–max).\n")
print("| `app.dependenciesStage` | context sent | tool | engine | kernel (whole machine) | wall | others' processes meanwhile |")
print("|---|---|---|---|---|---|---|")
for mode, label in (("without", "not set: `node_modules` in every build's context"), ("with", "`dependencies` (the sample's)")):
    print(f"| {label} | {builds[mode][0]['context']} | {cell(mode, 'tool')} | {cell(mode, 'engine')} | {cell(mode, 'kernel')} | {cell(mode, 'wall')} | {cell(mode, 'other')} |")
print(f"""
*tool* is `./build.sh` and its children (user + system time); *engine* dockerd, containerd, shims and runc (everyone's builds
included: the engine is shared); *kernel* the machine's system time during the build (everyone's). Load average {load_before}
before, {load_after} after; commit {commit}. Produced by `bench/build-cpu.sh` (ROUNDS={rounds}).
<!-- build-cpu:end -->""")
PY
cat "$work/section.md"
. "$bench/results-section.sh"
write_results_section "$bench/RESULTS.md" "<!-- build-cpu:begin -->" "<!-- build-cpu:end -->" "$work/section.md"
