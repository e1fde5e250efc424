#!/usr/bin/env bash
# Start-up benchmark (issue 2): how long does the runner take to start when nothing changed?
#
# Measures, side by side in one hyperfine run, a warm `./build.sh --tree` of our host against
# Cake's own script runner (`dotnet cake`, Cake.Tool 7.0.0 as a local tool) on bench/startup/build.cake,
# a Cake script with the same task graph; plus a warm `./build.sh --target=Deploy --env=prod --dryrun`.
# Also records the peak RSS of one run of each. Writes its own section of bench/RESULTS.md.
#
# Usage: bench/startup.sh          (from anywhere; re-runnable; no network but the NuGet feed and, for a missing package, Debian's)
#   RUNS=15 WARMUP=2 bench/startup.sh   to change the number of runs.
set -euo pipefail

bench="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$bench/.." && pwd)"
results="$bench/RESULTS.md"
runs="${RUNS:-15}"
warmup="${WARMUP:-2}"
target_seconds=1
begin_marker='<!-- startup:begin -->'
end_marker='<!-- startup:end -->'

# A build that build.sh may have to do must leave no MSBuild node or compiler server behind.
export MSBUILDDISABLENODEREUSE=1 DOTNET_CLI_USE_MSBUILD_SERVER=0 UseSharedCompilation=false
export DOTNET_NOLOGO=1

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

say() { printf '==> %s\n' "$*" >&2; }

# --- tools -------------------------------------------------------------------------------------
need_apt=()
command -v hyperfine >/dev/null || need_apt+=(hyperfine)
[ -x /usr/bin/time ] || need_apt+=(time)
command -v python3 >/dev/null || need_apt+=(python3)
if [ ${#need_apt[@]} -gt 0 ]; then
  say "installing ${need_apt[*]} (Debian packages)"
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi
command -v dotnet >/dev/null || { echo "Error: dotnet is not on PATH." >&2; exit 1; }

# (a) Cake.Tool 7.0.0 as a local tool: the manifest is bench/.config/dotnet-tools.json, so every
# `dotnet cake` below runs with bench/ as its working directory.
say "restoring Cake.Tool 7.0.0 (local tool, bench/.config/dotnet-tools.json)"
(cd "$bench" && dotnet tool restore >/dev/null)
cake_version="$(cd "$bench" && dotnet cake --version | tr -d '\r' | tail -n 1)"
case "$cake_version" in
  7.0.0*) ;;
  *) echo "Error: expected Cake 7.0.0 from the tool manifest, got '$cake_version'." >&2; exit 1 ;;
esac

# Cake writes its tools folder (and, with the script cache on, the compiled script) next to the
# script; start from none, so the cached row below really compiles once in the warm-up.
rm -rf "$bench/startup/tools"

# --- (b) warm both -----------------------------------------------------------------------------
say "warming ./build.sh (builds the host only if a source changed)"
(cd "$root" && ./build.sh --tree >"$tmp/kaha-tree.txt")
(cd "$root" && ./build.sh --description >"$tmp/kaha-description.txt")
say "warming dotnet cake (compiles the script)"
(cd "$bench" && dotnet cake startup/build.cake --tree >"$tmp/cake-tree.txt")
(cd "$bench" && dotnet cake startup/build.cake --description >"$tmp/cake-description.txt")
(cd "$bench" && CAKE_SETTINGS_ENABLESCRIPTCACHE=true dotnet cake startup/build.cake --tree >/dev/null)
(cd "$root" && ./build.sh --target=Deploy --env=prod --dryrun >/dev/null)

# The Cake script must still have the host's graph, or the comparison is off.
graph_note=""
if ! diff -u "$tmp/kaha-tree.txt" "$tmp/cake-tree.txt" >"$tmp/graph.diff" \
   || ! diff -u "$tmp/kaha-description.txt" "$tmp/cake-description.txt" >>"$tmp/graph.diff"; then
  say "WARNING: bench/startup/build.cake no longer matches the host's task graph (see RESULTS.md)"
  graph_note="yes"
fi

# --- (c) measure -------------------------------------------------------------------------------
stamp="$root/build/bin/tool/.built"
stamp_before="$(stat -c %Y "$stamp" 2>/dev/null || echo none)"
load_before="$(cut -d' ' -f1-3 /proc/loadavg)"

# The first row is the one the target is about; keep it first.
names=(
  "kaha-deploy, --tree"
  "Cake 7.0.0 runner, --tree (default settings)"
  "Cake 7.0.0 runner, --tree (script cache on)"
  "kaha-deploy, Deploy dry run"
)
cmds=(
  "./build.sh --tree"
  "cd bench && dotnet cake startup/build.cake --tree"
  "cd bench && CAKE_SETTINGS_ENABLESCRIPTCACHE=true dotnet cake startup/build.cake --tree"
  "./build.sh --target=Deploy --env=prod --dryrun"
)
hf=(hyperfine --warmup "$warmup" --runs "$runs" --style basic --export-json "$tmp/hyperfine.json")
for i in "${!cmds[@]}"; do hf+=(-n "${names[$i]}" "${cmds[$i]}"); done

say "measuring (hyperfine, $warmup warm-up + $runs runs each)"
(cd "$root" && "${hf[@]}") >&2

say "measuring peak RSS (one run each, /usr/bin/time -f %M)"
: >"$tmp/rss.txt"
for cmd in "${cmds[@]}"; do
  (cd "$root" && /usr/bin/time -o "$tmp/one-rss.txt" -f %M sh -c "$cmd" >/dev/null 2>&1)
  tail -n 1 "$tmp/one-rss.txt" >>"$tmp/rss.txt"
done

for i in "${!cmds[@]}"; do printf '%s\t%s\n' "${names[$i]}" "${cmds[$i]}"; done >"$tmp/rows.tsv"

load_after="$(cut -d' ' -f1-3 /proc/loadavg)"
stamp_after="$(stat -c %Y "$stamp" 2>/dev/null || echo none)"

# --- (d) write bench/RESULTS.md ---------------------------------------------------------------
cpu="$(grep -m1 '^model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
mem_gib="$(awk '/^MemTotal:/ { printf "%.1f", $2 / 1048576 }' /proc/meminfo)"
os="$(. /etc/os-release && echo "$PRETTY_NAME"), kernel $(uname -r)"
sdk="$(dotnet --version)"
runtime="$(dotnet --list-runtimes | awk '$1 == "Microsoft.NETCore.App" { v = $2 } END { print v }')"
commit="$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)"
if [ -n "$(git -C "$root" status --porcelain -- build Directory.Build.props global.json build.sh 2>/dev/null || true)" ]; then
  commit="$commit + uncommitted changes to the host"
fi
# The hyperfine command line, quoted so that it can be pasted into a shell.
quote() {
  local arg out=()
  for arg in "$@"; do
    if [[ "$arg" =~ ^[A-Za-z0-9_./=:,+-]+$ ]]; then out+=("$arg"); else out+=("'${arg//\'/\'\\\'\'}'"); fi
  done
  printf '%s' "${out[*]}"
}
hf_line="$(quote "${hf[@]}")"
hf_line="${hf_line//"$tmp"/\$TMP}"

export RESULTS_JSON="$tmp/hyperfine.json" RESULTS_ROWS="$tmp/rows.tsv" RESULTS_RSS="$tmp/rss.txt" RESULTS_OUT="$tmp/section.md" \
  RESULTS_GRAPH_DIFF="$( [ -n "$graph_note" ] && echo "$tmp/graph.diff" )" \
  TARGET_SECONDS="$target_seconds" CPU="$cpu" MEM_GIB="$mem_gib" NPROC="$(nproc)" OS="$os" \
  SDK="$sdk" RUNTIME="$runtime" CAKE_VERSION="$cake_version" HF_VERSION="$(hyperfine --version)" \
  DATE="$(date -u '+%Y-%m-%d %H:%M UTC')" COMMIT="$commit" HF_LINE="$hf_line" \
  LOAD_BEFORE="$load_before" LOAD_AFTER="$load_after" \
  REBUILT="$( [ "$stamp_before" != "$stamp_after" ] && echo yes )" \
  BEGIN_MARKER="$begin_marker" END_MARKER="$end_marker"
python3 - <<'PY'
import json, os

e = os.environ
results = json.load(open(e["RESULTS_JSON"]))["results"]
rows_in = [line.rstrip("\n").split("\t", 1) for line in open(e["RESULTS_ROWS"]) if line.strip()]
rss = [int(line.split()[-1]) for line in open(e["RESULTS_RSS"]) if line.strip()]
target = float(e["TARGET_SECONDS"])

def fmt(seconds):
    return f"{seconds * 1000:.0f} ms" if seconds < 1 else f"{seconds:.2f} s"

base = results[0]["mean"]
rows = []
for r, kb, (runner, command) in zip(results, rss, rows_in):
    rows.append(f"| {runner} | `{command}` | {fmt(r['mean'])} ± {fmt(r['stddev'])} | {fmt(r['min'])} | {fmt(r['max'])} "
                f"| {kb / 1024:.0f} MiB | {r['mean'] / base:.1f}× |")

tree = results[0]
met = tree["mean"] <= target and tree["max"] <= target
verdict = (f"**met**: a warm `./build.sh --tree` takes {fmt(tree['mean'])} on average, {fmt(tree['max'])} at worst"
           if met else
           f"**not met**: a warm `./build.sh --tree` takes {fmt(tree['mean'])} on average, {fmt(tree['max'])} at worst")
cake, cached = results[1], results[2]

notes = []
if e.get("REBUILT"):
    notes.append("**Warning:** the host was rebuilt while this ran (a source in build/ changed), so some runs include a build. Run it again.")
if e.get("RESULTS_GRAPH_DIFF"):
    diff = open(e["RESULTS_GRAPH_DIFF"]).read().strip()
    notes.append("**Warning:** `bench/startup/build.cake` no longer has the host's task graph; update it. Difference:\n\n```diff\n" + diff + "\n```")
else:
    notes.append("`bench/startup/build.cake` checked equal: `dotnet cake --tree` and `--description` print exactly what `./build.sh --tree` and `--description` print.")

load_note = ""
try:
    if max(float(e["LOAD_BEFORE"].split()[0]), float(e["LOAD_AFTER"].split()[0])) > 0.5:
        load_note = " The machine was not idle (see the load average), so the spread is wider than on a quiet machine."
except ValueError:
    pass

section = f"""{e['BEGIN_MARKER']}
## Start-up: a warm `./build.sh --tree` against Cake's script runner

Target (issue 2): a warm `./build.sh --tree` — nothing changed, so nothing is rebuilt — takes **≤ 1 s**.
Result: {verdict}.

| runner | command | mean ± stddev | min | max | peak RSS | vs `./build.sh --tree` |
|---|---|---|---|---|---|---|
{chr(10).join(rows)}

- Warm means: the host was already built (`build.sh` only checks file times, then runs `dotnet build/bin/tool/kaha-deploy.dll`, published ReadyToRun),
  the Cake tool was restored and the script had been run before. Each row had {len(results[0]['times'])} timed runs after warm-up, all in one `hyperfine` run.
- Cake, as shipped, compiles `build.cake` with Roslyn on every run (the script cache is off by default), so its default row is what a
  Cake user waits for each time; the “script cache on” row (`CAKE_SETTINGS_ENABLESCRIPTCACHE=true`) is Cake at its fastest.
  Our host is {cake['mean'] / base:.1f}× faster than the default and {cached['mean'] / base:.1f}× faster than the cached script.
- `dotnet cake` goes through the SDK's tool resolution (a `dotnet` process that reads the tool manifest) and then starts Cake in a
  second process; peak RSS is that of the largest single process of a run (GNU time's `%M`).
- The dry run needs no Docker and no secrets: it reads `cake-config.json`, decides which tasks would run for `prod` and prints them.
{chr(10).join("- " + n for n in notes)}{chr(10) + "- " + load_note.strip() if load_note else ""}

Machine: {e['NPROC']} cores ({e['CPU']}), {e['MEM_GIB']} GiB memory, {e['OS']}; .NET SDK {e['SDK']} (runtime {e['RUNTIME']}),
Cake.Tool {e['CAKE_VERSION']}, {e['HF_VERSION']}; load average {e['LOAD_BEFORE']} before, {e['LOAD_AFTER']} after.
Measured {e['DATE']} at commit {e['COMMIT']}.

Produced by `bench/startup.sh`, which ran (from the repository root):

```sh
{e['HF_LINE']}
```
{e['END_MARKER']}
"""
open(e["RESULTS_OUT"], "w").write(section)
PY

. "$bench/results-section.sh"
write_results_section "$results" "$begin_marker" "$end_marker" "$tmp/section.md"

say "wrote the startup section of ${results#"$root"/}"
sed -n "/^$begin_marker\$/,/^$end_marker\$/p" "$results" | sed -n '/^| runner/,/^$/p'
