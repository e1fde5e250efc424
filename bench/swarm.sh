#!/usr/bin/env bash
# Swarm benchmark (issue 15): a real two-node swarm with a registry on this machine, the same load on both nodes, and every
# way of replacing the app side by side in one run.
#
# 32 keep-alive connections in all (16 on each node's public address, bench/zero-downtime's load generator) ask
# GET /version for the whole of each row; before each row an idle window with the same load gives the baseline latency. Rows:
#   (p)  plain Swarm: a global service publishing its own port in host mode, `docker service update --image` (stop-first,
#        as a host-mode port forces it)
#   (b)  design (b) by hand: two app services (blue, green) behind the project's proxy running as a global service on every
#        node; the switch is each node's proxy told over its admin API to discover the other service
#   (t1) the tool's Deploy of a new commit (design (a): Swarm's start-first rolling update, proxies discovering tasks by DNS)
#   (t2) the tool's Rollback
#   (t3) the loss of one node under load: the worker's dockerd stopped by its pid (SIGTERM)
# For each: requests, failed requests (per node too), p50/p99 idle vs during the command, the time from the command to 100 %
# of answers coming from the target version, the longest stretch without any good answer. Writes its own section of
# bench/RESULTS.md (between <!-- swarm:begin --> and <!-- swarm:end -->) and keeps the rest.
#
# Usage: bench/swarm.sh   (from anywhere, as root: it makes a bridge, namespaces and two dockerds; about 5 minutes; needs the
#                          machine's Docker engine, docker-registry and apache2-utils as .ci/run installs them)
#   ROWS=p,b bench/swarm.sh   only these rows (default p,b,t1,t2,t3; t3 comes last whatever the order, it loses a node)
#   CONNECTIONS=32 INTERVAL_MS=20 TIMEOUT_MS=5000 WARMUP_SECONDS=10 IDLE_SECONDS=8 TAIL_SECONDS=30 bench/swarm.sh
#   KEEP_FILES=DIR keeps the run's files (the rows as JSON, the driver's log) in DIR.
# Traffic goes only to 127.0.0.1 and to the swarm's own namespaces (10.213.X.0/24, made by the harness). The swarm, its
# registry, namespaces, bridge and FORWARD rule are removed on exit, also on failure or Ctrl-C (the driver tears down
# before it exits).
set -euo pipefail

bench="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$bench/.." && pwd)"
results="$bench/RESULTS.md"
begin_marker='<!-- swarm:begin -->'
end_marker='<!-- swarm:end -->'
rows="${ROWS:-p,b,t1,t2,t3}"
connections="${CONNECTIONS:-32}"
[[ "$rows" =~ ^(p|b|t1|t2|t3)(,(p|b|t1|t2|t3))*$ ]] \
  || { printf 'Error: ROWS=%s names a row this script does not have; use a comma-separated list of p, b, t1, t2, t3 (default all).\n' "$rows" >&2; exit 2; }
[[ "$connections" =~ ^[1-9][0-9]*$ ]] && [ $((connections % 2)) -eq 0 ] \
  || { printf 'Error: CONNECTIONS=%s must be an even number (half on each node; default 32).\n' "$connections" >&2; exit 2; }
export CONNECTIONS="$connections"
export MSBUILDDISABLENODEREUSE=1 DOTNET_CLI_USE_MSBUILD_SERVER=0 UseSharedCompilation=false DOTNET_NOLOGO=1

say() { printf '==> %s\n' "$*" >&2; }
die() { printf 'Error: %s\n' "$*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || die "the swarm harness makes a bridge, namespaces and dockerds: run as root."
command -v dotnet >/dev/null || die "dotnet is not on PATH."
docker info >/dev/null 2>&1 || die "no Docker engine answers; start dockerd (see .ci/run) and run again."
for tool in docker-registry htpasswd nsenter iptables; do
  command -v "$tool" >/dev/null || die "$tool is missing; install docker-registry and apache2-utils as .ci/run does."
done

tmp="$(mktemp -d /tmp/kaha-bench-swarm.XXXXXX)"
driver_pid=""
cleanup() {
  local status=$?
  set +e
  trap - EXIT INT TERM
  # The driver tears its swarm down when told to stop; wait for it rather than leave dockerds behind.
  if [ -n "$driver_pid" ] && kill -0 "$driver_pid" 2>/dev/null; then kill -TERM "$driver_pid"; wait "$driver_pid"; fi
  if [ -n "${KEEP_FILES:-}" ]; then mkdir -p "$KEEP_FILES" && cp -r "$tmp"/. "$KEEP_FILES"/; fi
  rm -rf "$tmp"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say "building the driver (bench/swarm: the tests' swarm harness and bench/zero-downtime's load generator)"
dotnet build "$bench/swarm/SwarmBench.csproj" -c Release -nologo -v quiet -clp:NoSummary >"$tmp/driver-build.log" 2>&1 \
  || { cat "$tmp/driver-build.log" >&2; die "the driver did not build."; }
if [[ "$rows" == *[bt]* ]]; then
  # (b) runs the proxy the tool was published with; the t rows run the tool.
  say "building the tool (./build.sh publishes it and its proxy to build/bin/tool when a source changed)"
  (cd "$root" && ./build.sh --tree) >"$tmp/tool-build.log" 2>&1 || { cat "$tmp/tool-build.log" >&2; die "the tool did not build."; }
fi

load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
started="$(date +%s)"
status=0
# In a session of its own: a Ctrl-C at the terminal must not reach the swarm's dockerds and registry (the driver's children)
# before the driver has taken them down; it reaches this script, whose cleanup sends the driver SIGTERM and waits for its
# tear-down. In the background and waited for, so that the trap runs at once. (setsid execs the driver in place: this
# script's children lead no process group.)
setsid dotnet "$bench/swarm/bin/Release/net10.0/swarm-bench.dll" --out="$tmp" --rows="$rows" 2>"$tmp/driver.log" &
driver_pid=$!
tail -n +1 -f --pid="$driver_pid" "$tmp/driver.log" >&2 &
wait "$driver_pid" || status=$?
driver_pid=""
load_after="$(cut -d' ' -f1-3 /proc/loadavg)"
elapsed=$(($(date +%s) - started))
[ -s "$tmp/rows.md" ] || die "the driver wrote no rows (exit $status); see its output above."

cpu="$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)"
memory="$(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)"
os="$(. /etc/os-release && echo "$PRETTY_NAME"), kernel $(uname -r)"
commit="$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)"
[ -z "$(git -C "$root" status --porcelain 2>/dev/null)" ] || commit="$commit + uncommitted changes"
dockerd_version="$(docker version --format '{{.Server.Version}}')"
invocation="ROWS=$rows CONNECTIONS=$connections INTERVAL_MS=${INTERVAL_MS:-20} TIMEOUT_MS=${TIMEOUT_MS:-5000} WARMUP_SECONDS=${WARMUP_SECONDS:-10} IDLE_SECONDS=${IDLE_SECONDS:-8} TAIL_SECONDS=${TAIL_SECONDS:-30} bench/swarm.sh"

{
  printf '%s\n' "$begin_marker"
  printf '## Swarm: replacing the app on a two-node swarm under load\n\n'
  printf 'Issue 15: the same load (%s keep-alive connections, %s on each node'"'"'s public address, `GET /version` every %s ms each)\n' \
    "$connections" "$((connections / 2))" "${INTERVAL_MS:-20}"
  printf 'on every way of replacing the app, on one two-node swarm (the tests'"'"' harness: a dockerd per node in its own network namespace,\n'
  printf 'a registry with htpasswd on the bridge). Failed = connect, read and write errors, timeouts (%s ms) and non-2xx answers, counted from\n' "${TIMEOUT_MS:-5000}"
  printf 'the command until the load stopped; idle = the %s s before the command; "100 %% target after" = from the command until every answer\n' "${IDLE_SECONDS:-8}"
  printf 'came from the target version; "longest gap" = the longest stretch in which no connection on any node got a good answer (and on each node alone).\n\n'
  cat "$tmp/rows.md"
  printf '\nMachine: %s cores (%s), %s memory, %s; .NET SDK %s, Docker Engine %s (the nodes run the same dockerd);\n' \
    "$(nproc)" "$cpu" "$memory" "$os" "$(dotnet --version)" "$dockerd_version"
  printf 'load average %s before, %s after.\n' "$load_before" "$load_after"
  # A 1-minute load average above half a core before or after the run: others were using the machine.
  if awk -v a="${load_before%% *}" -v b="${load_after%% *}" 'BEGIN { exit !(a > 0.5 || b > 0.5) }'; then
    printf '**The machine was busy with other work during the run**: compare rows of this run, and re-run on a quiet machine\n'
    printf 'before trusting latencies.\n'
  fi
  printf 'Measured %s at commit %s; the run took %s s.\n\n' "$(date -u '+%Y-%m-%d %H:%M UTC')" "$commit" "$elapsed"
  printf 'Produced by `bench/swarm.sh` (the driver is `bench/swarm/`), run from the repository root as:\n\n```sh\n%s\n```\n' "$invocation"
  printf '%s\n' "$end_marker"
} >"$tmp/section.md"
. "$bench/results-section.sh"
write_results_section "$results" "$begin_marker" "$end_marker" "$tmp/section.md"
say "wrote the swarm section of $results (exit $status)"
exit "$status"
