#!/usr/bin/env bash
# Zero-downtime benchmark (issue 3): the same load on every way of replacing a release, side by side in one run.
#
# 32 keep-alive connections (bench/zero-downtime, a .NET load generator) ask GET /version for the whole of each
# operation; before each one an idle window with the same load gives the baseline latency. Rows:
#   (a)  the old way, as deploy_kaha.sh did: docker stop → docker rename → docker run on the same published port
#   (a′) the same with the seed's app, which ignored SIGTERM (docker stop waits its full 10 s)
#   (b)  ./build.sh --target=Deploy --env=prod    through the proxy (YARP)
#   (c)  ./build.sh --target=Rollback --env=prod  to a warm standby
#   (d)  ./build.sh --target=Rollback --env=prod  to a stopped previous (after the standby window)
#   (r)  the Rollback button of the running dashboard (--target=Dashboard), to the warm standby: switched in its own
#        process, no tool started (issue 18)
#   (n)  the losing option: nginx 1.22 (Debian's nginx-light, in a FROM-scratch image) switched 6 times with nginx -s reload
#   (failover) docker kill of the live release behind the proxy, a warm standby running: failed requests until the proxy
#        has failed over by itself (issue 11; before it, 36 s of 502s and timeouts until the tool ran). Written to its own
#        section of bench/RESULTS.md (<!-- zero-downtime-failover:begin -->), so it can be measured alone: ROWS=failover.
# For each: requests, failed requests (connect/read/write errors, timeouts, non-2xx), p50/p99 idle vs during the command,
# and the time from the command to 100 % of answers coming from the target version. Every row is measured RUNS times (rounds
# of the whole sequence, each deploying a newly pushed commit); bench/zero-downtime/report.py gives each figure's median and
# spread and takes the verdicts on the median. Writes its own section of bench/RESULTS.md (between
# <!-- zero-downtime:begin --> and <!-- zero-downtime:end -->), keeps the rest. A round whose command failed is reported as
# failed, the next round runs, and the script exits 1 after writing the report.
#
# Usage: bench/zero-downtime.sh          (from anywhere; about 6 minutes a round; needs a running Docker engine, root for apt-get)
#   RUNS=5 bench/zero-downtime.sh         rounds (default 5); RUNS=1 for a quick look.
#   ROWS=failover bench/zero-downtime.sh  only the failover row (about 1.5 minutes a round); ROWS unset runs every row.
#   CONNECTIONS=32 INTERVAL_MS=20 WARMUP_SECONDS=15 IDLE_SECONDS=10 STANDBY_SECONDS=20 RELOADS=6 bench/zero-downtime.sh
#   The machine may be shared: before each row (but (c), which must run inside the standby window) the script waits, up to
#   QUIET_WAIT_SECONDS=180 in all, until other work uses less than QUIET_PERCENT=15 % of the two cores; rows measured while
#   others were busy anyway are flagged in the results.
#   DEPENDENCIES_STAGE= bench/zero-downtime.sh   deploys without app.dependenciesStage (node_modules sent and read on every
#   build, as before issue 18); the default, "dependencies", builds the sample's dependencies stage once.
#   KEEP_FILES=DIR keeps the raw files of the run (every request, the marks, the tool's output) in DIR.
# Traffic goes only to 127.0.0.1 and to the containers this script makes; ports are published as 127.0.0.1:PORT:PORT.
# Every container, network and image it makes carries a random prefix (zdbXXXXXX) and is removed on exit, also on failure.
set -euo pipefail
shopt -s extglob

bench="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$bench/.." && pwd)"
results="$bench/RESULTS.md"
begin_marker='<!-- zero-downtime:begin -->'
end_marker='<!-- zero-downtime:end -->'
failover_begin='<!-- zero-downtime-failover:begin -->'
failover_end='<!-- zero-downtime-failover:end -->'
connections="${CONNECTIONS:-32}"
interval_ms="${INTERVAL_MS:-20}"
timeout_ms="${TIMEOUT_MS:-5000}"
idle_seconds="${IDLE_SECONDS:-10}"
warmup_seconds="${WARMUP_SECONDS:-15}"
rows_wanted="${ROWS:-all}"
runs="${RUNS:-5}"
[[ "$runs" =~ ^[1-9][0-9]*$ ]] || { printf 'Error: RUNS=%s is not a number of rounds; use a whole number from 1 (default 5).\n' "$runs" >&2; exit 2; }
case "$rows_wanted" in
  all|failover) ;;
  *) printf 'Error: ROWS=%s is not a selection this script knows; use ROWS=failover (that row alone) or leave ROWS unset (every row).\n' "$rows_wanted" >&2; exit 2 ;;
esac
# Alone, the failover row has no (d) waiting for the standby window to end: a long window keeps the standby running for it.
standby_default=20; [ "$rows_wanted" = failover ] && standby_default=300
standby_seconds="${STANDBY_SECONDS:-$standby_default}"
reloads="${RELOADS:-6}"
reload_gap="${RELOAD_GAP_SECONDS:-3}"
quiet_percent="${QUIET_PERCENT:-15}"
quiet_wait="${QUIET_WAIT_SECONDS:-180}"
dependencies_stage="${DEPENDENCIES_STAGE-dependencies}"
tail_seconds=1

export MSBUILDDISABLENODEREUSE=1 DOTNET_CLI_USE_MSBUILD_SERVER=0 UseSharedCompilation=false DOTNET_NOLOGO=1

say() { printf '==> %s\n' "$*" >&2; }
# Inside a round, the message is also kept in the round's folder: the report names the round as failed and why.
die() {
  printf 'Error: %s\n' "$*" >&2
  [ -z "$round_dir" ] || printf '%s\n' "$*" >"$round_dir/failed"
  exit 1
}

prefix="zdb$(od -An -N3 -tx1 /dev/urandom | tr -d ' \n')"
tmp="$(mktemp -d /tmp/kaha-bench-zd.XXXXXX)"
sandbox="$tmp/sandbox"
# What the tool keeps outside the checkout (the proxy's route and admin socket) goes under this run's folder, removed with
# it, instead of /var/lib/kaha-deploy/PREFIX, which every run used to leave behind.
export KAHA_DEPLOY_DATA_HOME="$tmp/data-home"
config="$sandbox/cake-config.json"
load_pid=""
sampler_pid=""
dashboard_pid=""
round_dir=""
printf '%s\n' "$quiet_wait" >"$tmp/quiet-budget"

# --- cleanup: everything this run made, also on failure ---------------------------------------
# Also the EXIT trap of a round's subshell, where errexit is on: a process that already ended is no failure.
stop_row_processes() {
  if [ -n "$load_pid" ]; then kill "$load_pid" 2>/dev/null || true; wait "$load_pid" 2>/dev/null || true; fi
  if [ -n "$sampler_pid" ]; then kill "$sampler_pid" 2>/dev/null || true; wait "$sampler_pid" 2>/dev/null || true; fi
  load_pid=""; sampler_pid=""
}
cleanup() {
  local status=$?
  set +e
  trap - EXIT INT TERM
  stop_row_processes
  if [ -n "$dashboard_pid" ]; then kill "$dashboard_pid" 2>/dev/null; wait "$dashboard_pid" 2>/dev/null; fi
  # The tool leaves a timer process per proxy environment (the warm-standby window); end ours, by its recorded pid,
  # and only when that pid still runs the tool on this run's config.
  local pidfile pid
  for pidfile in "$sandbox"/.deploy/*/standby.pid; do
    [ -f "$pidfile" ] || continue
    pid="$(tr -dc '0-9' <"$pidfile")"
    if [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] && tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline" | grep -qF -- "--config=$config"; then
      kill "$pid" 2>/dev/null
    fi
  done
  local containers networks images
  containers="$(docker ps -aq --filter "name=^${prefix}_" 2>/dev/null)"
  [ -n "$containers" ] && docker rm -f -v $containers >/dev/null 2>&1
  networks="$(docker network ls -q --filter "name=^${prefix}_" 2>/dev/null)"
  [ -n "$networks" ] && docker network rm $networks >/dev/null 2>&1
  images="$(docker images --format '{{.Repository}}:{{.Tag}}' 2>/dev/null | grep "^${prefix}-" || true)"
  [ -n "$images" ] && docker rmi -f $images >/dev/null 2>&1
  # Builds of this run's app that no tag names any more (a tag moved to a newer build) carry its app label.
  images="$(docker images -q --filter "label=org.kaha.app=$prefix" 2>/dev/null | sort -u)"
  [ -n "$images" ] && docker rmi -f $images >/dev/null 2>&1
  if [ -n "${KEEP_FILES:-}" ] && [ -d "$tmp" ]; then
    mkdir -p "$KEEP_FILES" && cp -r "$tmp"/*.* "$tmp"/+([0-9]) "$KEEP_FILES"/ 2>/dev/null
  fi
  if [ "$status" -ne 0 ] && [ -d "$tmp" ]; then
    mkdir -p /tmp/kaha-bench-zd-failed
    cp -r "$tmp"/*.log "$tmp"/*.json "$tmp"/+([0-9]) /tmp/kaha-bench-zd-failed/ 2>/dev/null
    say "failed; the logs of this run are in /tmp/kaha-bench-zd-failed/"
  fi
  rm -rf "$tmp"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- tools -------------------------------------------------------------------------------------
need_apt=()
[ "$rows_wanted" = failover ] || [ -x /usr/sbin/nginx ] || need_apt+=(nginx-light)
[ -x /bin/busybox ] || need_apt+=(busybox-static)
command -v curl >/dev/null || need_apt+=(curl)
command -v python3 >/dev/null || need_apt+=(python3)
if [ ${#need_apt[@]} -gt 0 ]; then
  say "installing ${need_apt[*]} (Debian packages)"
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi
command -v dotnet >/dev/null || die "dotnet is not on PATH."
command -v git >/dev/null || die "git is not on PATH."
docker info >/dev/null 2>&1 || die "no Docker engine answers; start dockerd (see .ci/run) and run again."

say "building the load generator (bench/zero-downtime)"
dotnet build "$bench/zero-downtime/ZeroDowntimeLoad.csproj" -c Release -nologo -v quiet -clp:NoSummary >"$tmp/loadgen-build.log" 2>&1 \
  || { cat "$tmp/loadgen-build.log" >&2; die "the load generator did not build."; }
loadgen="$bench/zero-downtime/bin/Release/net10.0/zero-downtime-load.dll"
say "self-test of the load generator's client"
dotnet "$loadgen" self-test --summary="$tmp/selftest.json" >/dev/null || { cat "$tmp/selftest.json" >&2; die "the load generator's self-test failed."; }

# --- helpers -----------------------------------------------------------------------------------
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

version_at() { curl -s --max-time 1 "http://127.0.0.1:$1/version" | python3 -c 'import json, sys; print(json.load(sys.stdin)["version"])' 2>/dev/null || true; }

# wait_for_version PORT VERSION SECONDS: until GET /version answers VERSION (bounded)
wait_for_version() {
  local i
  for i in $(seq 1 $(($3 * 10))); do
    [ "$(version_at "$1")" = "$2" ] && return 0
    sleep 0.1
  done
  return 1
}

state_of() { docker inspect --format '{{.State.Status}}' "$1" 2>/dev/null || echo missing; }

# wait_quiet ROW: waits (from the run's budget) until processes that are not this run's use < QUIET_PERCENT of the cores.
# The budget left is kept in a file: each round runs in a subshell of its own.
wait_quiet() {
  local share waited=0 quiet_budget
  quiet_budget="$(cat "$tmp/quiet-budget")"
  while :; do
    share="$(python3 "$bench/zero-downtime/cpu_sampler.py" --others 2 "$$" "$config" "$prefix" || echo 0)"; share="${share:-0}"
    waited=$((waited + 2))
    [ "$share" -lt "$quiet_percent" ] && break
    if [ "$quiet_budget" -le 0 ]; then
      say "row $1: other work uses ${share} % of the cores and the wait budget is spent; measuring anyway"
      break
    fi
    say "row $1: other work uses ${share} % of the cores; waiting for it to calm down (${quiet_budget} s of waiting left)"
    sleep 3
    waited=$((waited + 3)); quiet_budget=$((quiet_budget - 5))
  done
  printf '%s\n' "$quiet_budget" >"$tmp/quiet-budget"
  printf '%s %s\n' "$waited" "$share" >"$round_dir/$1.quiet"
}

# The current row's files: $round_dir/ROW.marks (the marks the load generator reads), .summary.json, .cpu, .log
row=""
mark() { printf '%s %s\n' "$EPOCHREALTIME" "$*" >>"$round_dir/$row.marks"; }

# start_load ROW PORT: the load runs; an idle window of IDLE_SECONDS is marked and waited out.
start_load() {
  row="$1"
  : >"$round_dir/$row.marks"
  rm -f "$round_dir/$row.stop" "$round_dir/$row.ready"
  dotnet "$loadgen" run --url="http://127.0.0.1:$2/version" --connections="$connections" --interval-ms="$interval_ms" \
    --timeout-ms="$timeout_ms" --marks="$round_dir/$row.marks" --stop-file="$round_dir/$row.stop" --summary="$round_dir/$row.summary.json" \
    --ready-file="$round_dir/$row.ready" --raw="$round_dir/$row.raw.csv" --max-seconds=480 2>>"$round_dir/$row.load.log" &
  load_pid=$!
  # CPU use of the machine every 250 ms, split by who used it (bench/zero-downtime/cpu_sampler.py), until the row ends.
  python3 "$bench/zero-downtime/cpu_sampler.py" "$round_dir/$row.cpu" "$round_dir/$row.stop" "$$" "$load_pid" "$config" "$prefix" 480 &
  sampler_pid=$!
  local i
  for i in $(seq 1 150); do [ -f "$round_dir/$row.ready" ] && break; sleep 0.1; done
  [ -f "$round_dir/$row.ready" ] || die "the load generator did not start (row $row)."
  grep -q "^$connections/$connections " "$round_dir/$row.ready" || die "row $row: not every connection answered before the idle window: $(cat "$round_dir/$row.ready")"
  printf '%s\n' "$(cut -d' ' -f1-3 /proc/loadavg)" >"$round_dir/$row.loadavg"
  mark idle
  sleep "$idle_seconds"
}

# warm_up PORT: the same load, unmeasured, for WARMUP_SECONDS, so that a process just started (the proxy after the first
# deploy, an app container, nginx) is not measured while it is still cold (.NET tiered JIT, V8) in the idle window.
warm_up() {
  dotnet "$loadgen" run --url="http://127.0.0.1:$1/version" --connections="$connections" --interval-ms="$interval_ms" \
    --timeout-ms="$timeout_ms" --marks="$round_dir/warmup.marks" --stop-file="$round_dir/warmup.stop" --summary="$round_dir/warmup-$1.json" \
    --max-seconds="$warmup_seconds" 2>>"$round_dir/warmup.log" || die "the warm-up load failed: $(tail -n 3 "$round_dir/warmup.log")"
}

# stop_load: the tail (so a failure just after the command is counted), then the summary.
stop_load() {
  sleep "$tail_seconds"
  touch "$round_dir/$row.stop"
  wait "$load_pid" || die "the load generator failed (row $row): $(tail -n 5 "$round_dir/$row.load.log")"
  load_pid=""
  wait "$sampler_pid" 2>/dev/null || true
  sampler_pid=""
  [ -s "$round_dir/$row.summary.json" ] || die "row $row: no summary from the load generator."
  say "row $row: $(tail -n 1 "$round_dir/$row.load.log")"
}

# tool_marked ARGS...: runs ./build.sh with this run's config as a user does (default verbosity: no task headers or table
# of durations on the cores being measured), its output time-stamped into ROW.log; then marks each of its tasks as a phase,
# and the tool's own start-up before them, from the run's log file (every message of every verbosity, with its time),
# which is kept as ROW.runlog. Sets tool_status.
tool_marked() {
  mark phase "(start-up)"
  set +e
  (cd "$root" && timeout 300 ./build.sh "$@" --config="$config" 2>&1) | {
    # No process per line (it would delay the tool on a busy machine).
    while IFS= read -r line; do printf '%s %s\n' "$EPOCHREALTIME" "$line" >>"$round_dir/$row.log"; done
  }
  tool_status=${PIPESTATUS[0]}
  set -e
  local run_log
  run_log="$(sed -n 's/\x1b\[[0-9;]*m//g; s/^[0-9.]* Run [0-9a-f]*: .*; log: \(.*\.log\)$/\1/p' "$round_dir/$row.log" | tail -n 1)"
  if [ -n "$run_log" ] && [ -f "$run_log" ]; then
    cp "$run_log" "$round_dir/$row.runlog"
    python3 "$bench/zero-downtime/run_log.py" marks "$round_dir/$row.runlog" >>"$round_dir/$row.marks"
  fi
}

run_tool_row() { # ROW PORT TARGET_VERSION ARGS...: one tool command under load
  local name="$1" port="$2" target="$3"; shift 3
  [ "$name" = c ] && printf '0 -\n' >"$round_dir/$name.quiet" || wait_quiet "$name"
  # The proxy and the first release were just created: warm them up first. (c) must not wait; (d) finds them warm.
  [ "$name" = b ] && warm_up "$port"
  start_load "$name" "$port"
  mark op "$target"
  mark part "build: start-up … BuildImage"
  local began=$EPOCHREALTIME
  tool_marked "$@"
  mark end
  local ended=$EPOCHREALTIME
  printf '%s\n' "$tool_status" >"$round_dir/$name.status"
  wait_for_version "$port" "$target" 30 || true
  stop_load
  say "row $name: ./build.sh $* exited $tool_status after $(python3 -c "print(f'{$ended - $began:.2f}')") s"
  [ "$tool_status" -eq 0 ] || { sed 's/\x1b\[[0-9;]*m//g' "$round_dir/$name.log" | tail -n 30 >&2; die "row $name: the tool failed."; }
}

# --- the app and the tool's config (as tests/Support/Sandbox.cs sets them up) ------------------
say "sandbox $prefix: the sample app in a bare origin, a deploy checkout, a config with unique names"
mkdir -p "$sandbox"
git init --quiet --bare --initial-branch=master "$sandbox/origin.git"
mkdir -p "$sandbox/author"
(cd "$root/sample" && tar --exclude=./node_modules -cf - .) | tar -xf - -C "$sandbox/author"
gitc() { git -C "$1" -c user.name="kaha bench" -c user.email=bench@kaha-deploy.invalid "${@:2}"; }
gitc "$sandbox/author" init --quiet --initial-branch=master
gitc "$sandbox/author" add -A
gitc "$sandbox/author" commit --quiet -m "sample app"
gitc "$sandbox/author" remote add origin "$sandbox/origin.git"
gitc "$sandbox/author" push --quiet origin master
git clone --quiet "$sandbox/origin.git" "$sandbox/app"

prod_port="$(free_port)"; old_port="$(free_port)"; seed_port="$(free_port)"; nginx_port="$(free_port)"; dashboard_port="$(free_port)"
image="${prefix}-kaha"
container="${prefix}_prod"
network="${prefix}_prodnet"
redis_container="${prefix}_prod_redis"
export PROD_REDIS_PASSWORD="bench-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
export PROD_DB_PASSWORD="bench-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
export DASHBOARD_PASSWORD="bench-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
# prod takes no Redis backup before a change (backups.beforeDeploy, on for prod by default): the rows measure the switch of
# releases, not the snapshot (redis-cli --rdb in a scratch container, 6.4 s here), which would come first in (b), (c), (d)
# and (r) alike; bench/RESULTS.md gives its cost apart.
dependencies_key=""
[ -z "$dependencies_stage" ] || dependencies_key=", \"dependenciesStage\": \"$dependencies_stage\""
cat >"$config" <<EOF
{
  "\$schema": "$root/cake-config.schema.json",
  "app": { "name": "$prefix", "folder": "app", "port": $prod_port, "baseImages": { "NODE_IMAGE": "node:20-bookworm-slim" }$dependencies_key },
  "environments": {
    "backing": {
      "container": "${prefix}_backing", "image": "$image", "network": "$network",
      "ports": ["127.0.0.1:$prod_port:$prod_port"],
      "redis": { "local": { "container": "$redis_container", "dataFolder": "redis-data/prod", "password": "\${PROD_REDIS_PASSWORD}" } }
    },
    "prod": {
      "container": "$container", "image": "$image", "network": "$network",
      "ports": ["127.0.0.1:$prod_port:$prod_port"],
      "env": { "NODE_ENV": "production", "DB_PASSWORD": "\${PROD_DB_PASSWORD}" },
      "mountSource": false, "gitPull": true,
      "redis": { "url": "redis://:\${PROD_REDIS_PASSWORD}@$redis_container:6379" },
      "restart": "always", "healthTimeoutSeconds": 60,
      "proxy": { "enabled": true, "healthyInARow": 3, "drainSeconds": 2, "standbySeconds": $standby_seconds },
      "retain": 5, "backups": { "beforeDeploy": false }
    }
  },
  "dashboard": { "port": $dashboard_port, "password": "\${DASHBOARD_PASSWORD}" }
}
EOF

say "setting up: Redis for prod (--target=StartRedis --env=backing), then the first release through the proxy"
row="setup"
(cd "$root" && ./build.sh --target=StartRedis --env=backing --config="$config") >"$tmp/setup.log" 2>&1 || { tail -n 30 "$tmp/setup.log" >&2; die "StartRedis failed."; }
(cd "$root" && ./build.sh --target=Deploy --env=prod --config="$config") >>"$tmp/setup.log" 2>&1 || { tail -n 30 "$tmp/setup.log" >&2; die "the first Deploy failed."; }
v1="$(git -C "$sandbox/origin.git" rev-parse HEAD | cut -c1-12)"
wait_for_version "$prod_port" "$v1" 20 || die "prod does not answer $v1 after the first deploy."
if [ "$rows_wanted" = all ]; then
  say "starting the dashboard (--target=Dashboard) for row (r)"
  (cd "$root" && exec ./build.sh --target=Dashboard --config="$config") >"$tmp/dashboard.log" 2>&1 &
  dashboard_pid=$!
  for _ in $(seq 1 300); do curl -sf -o /dev/null "http://127.0.0.1:$dashboard_port/signin" && break; sleep 0.2; done
  curl -sf -o /dev/null "http://127.0.0.1:$dashboard_port/signin" || { tail -n 30 "$tmp/dashboard.log" >&2; die "the dashboard does not answer."; }
fi

# push_release MESSAGE: a new commit in the origin; prints its version as the app answers it (12 characters).
push_release() {
  echo "$1" >>"$sandbox/author/README.md"
  gitc "$sandbox/author" commit --quiet -am "$1"
  gitc "$sandbox/author" push --quiet origin master
  git -C "$sandbox/origin.git" rev-parse HEAD | cut -c1-12
}

add_row() { printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" >>"$round_dir/rows.tsv"; } # key, label, command, note

# --- (b), (c), (r), (d): Deploy, then Rollback to the warm standby (the tool, then the dashboard), then to a stopped previous ---
proxy_rows() {
  say "(b) Deploy v2 through the proxy, under load"
  run_tool_row b "$prod_port" "$v2" --target=Deploy --env=prod
  add_row b "(b) Deploy through the proxy (YARP)" "./build.sh --target=Deploy --env=prod" \
    "previous after the deploy: $(state_of "${container}_previous")"
  local standby_state
  standby_state="$(state_of "${container}_previous")"

  say "(c) Rollback to the warm standby ($container""_previous is $standby_state)"
  [ "$standby_state" = running ] || die "after the deploy ${container}_previous is $standby_state, not a running warm standby."
  run_tool_row c "$prod_port" "$v1" --target=Rollback --env=prod
  grep -q "is running as a warm standby" "$round_dir/c.log" || die "(c) did not roll back to a warm standby (see the tool's output)."
  add_row c "(c) Rollback, warm standby" "./build.sh --target=Rollback --env=prod" "${container}_previous was running (standby window ${standby_seconds} s)"

  # (c) left v2 as the warm standby: (r) returns to it at once, inside its window, as (c) did to v1.
  say "(r) Rollback asked of the running dashboard, to the warm standby $v2"
  [ "$(state_of "${container}_previous")" = running ] || die "after (c) ${container}_previous is $(state_of "${container}_previous"), not a running warm standby."
  printf '0 -\n' >"$round_dir/r.quiet"
  local switched_before
  switched_before="$(grep -c "switched to the warm standby" "$tmp/dashboard.log" || true)"
  start_load r "$prod_port"
  python3 "$bench/zero-downtime/dashboard_rollback.py" "http://127.0.0.1:$dashboard_port/" prod "$(git -C "$sandbox/origin.git" rev-parse "$v2^{commit}")" \
    "$v2" "$round_dir/r.marks" >"$round_dir/r.log" 2>&1 || die "(r) the dashboard's rollback failed: $(tail -n 3 "$round_dir/r.log")"
  wait_for_version "$prod_port" "$v2" 30 || true
  stop_load
  [ "$(grep -c "switched to the warm standby" "$tmp/dashboard.log" || true)" -gt "$switched_before" ] \
    || die "(r) the dashboard did not switch in its own process: $(tail -n 5 "$tmp/dashboard.log")"
  add_row r "(r) Rollback asked of the running dashboard, warm standby" "POST /env/prod/rollback (the dashboard's Rollback button)" \
    "${container}_previous was running; the dashboard switched in its own process"

  say "(d) waiting for the standby window (${standby_seconds} s) to stop ${container}_previous"
  for _ in $(seq 1 $((standby_seconds * 2 + 60))); do
    [ "$(state_of "${container}_previous")" = exited ] && break
    sleep 0.5
  done
  [ "$(state_of "${container}_previous")" = exited ] || die "${container}_previous was not stopped after the standby window (state: $(state_of "${container}_previous"))."
  say "(d) Rollback to the stopped previous"
  run_tool_row d "$prod_port" "$v1" --target=Rollback --env=prod
  grep -q "which was stopped" "$round_dir/d.log" || die "(d) did not start a stopped previous (see the tool's output)."
  add_row d "(d) Rollback, stopped previous" "./build.sh --target=Rollback --env=prod" "${container}_previous had been stopped by the standby timer"
}

# --- (a) the old way -------------------------------------------------------------------------------
# The tool's images of v1 and v2, run as deploy_kaha.sh ran them: published directly, no proxy.
old="${prefix}_old"
app_env=(-e NODE_ENV=production -e "REDIS_URL=redis://:${PROD_REDIS_PASSWORD}@${redis_container}:6379")
old_run() { # NAME PORT VERSION [COMMAND...]
  local name="$1" port="$2" version="$3"; shift 3
  docker run -d --init=false --name "$name" --network "$network" -p "127.0.0.1:$port:$port" -e "PORT=$port" -e "APP_VERSION=$version" \
    "${app_env[@]}" --restart always "$image:$version" "$@" >/dev/null
}
old_way_row() { # ROW NAME PORT [COMMAND...]
  local name="$1" live="$2" port="$3"; shift 3
  # A round that failed in this row left its containers.
  docker rm -f "$live" "${live}_previous" >/dev/null 2>&1 || true
  old_run "$live" "$port" "$v1" "$@"
  wait_for_version "$port" "$v1" 30 || die "row $name: the old-way container does not answer."
  wait_quiet "$name"
  warm_up "$port"
  start_load "$name" "$port"
  mark op "$v2"
  mark phase "docker stop"
  docker stop "$live" >/dev/null
  mark phase "docker rename"
  docker rename "$live" "${live}_previous"
  mark phase "docker run"
  old_run "$live" "$port" "$v2" "$@"
  mark end
  wait_for_version "$port" "$v2" 30 || die "row $name: the new old-way container does not answer."
  stop_load
  docker rm -f "$live" "${live}_previous" >/dev/null
}
old_command="docker stop kaha_prod && docker rename kaha_prod kaha_prod_previous && docker run -d --name kaha_prod -p 127.0.0.1:PORT:PORT … kaha:NEW"
# The seed's app did not handle SIGTERM: node as PID 1 then ignores it and docker stop waits its 10 s grace.
seed_server='const http = require("http"); http.createServer((q, s) => { const b = JSON.stringify({ version: process.env.APP_VERSION }); s.writeHead(200, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(b) }); s.end(b); }).listen(Number(process.env.PORT));'

old_way_rows() {
  say "(a) the old way: docker stop → rename → run, with the sample app (it handles SIGTERM)"
  old_way_row a "$old" "$old_port"
  add_row a "(a) old way: stop → rename → run (sample app, handles SIGTERM)" "$old_command" ""

  say "(a′) the old way with an app that ignores SIGTERM (node -e as PID 1, --init=false)"
  old_way_row a2 "${prefix}_seed" "$seed_port" node -e "$seed_server"
  add_row a2 "(a′) old way, the app ignoring SIGTERM as the seed's did (node -e with no handler as PID 1, --init=false)" "$old_command" ""
}

# --- (n) nginx with nginx -s reload --------------------------------------------------------------
# The image once for the run; the containers in every round (for that round's v1 and v2).
build_nginx_image() {
  say "(n) nginx: building a FROM-scratch image from this host's nginx $(nginx -v 2>&1 | sed 's/.*nginx\///')"
  local ctx="$tmp/nginx-image"
  mkdir -p "$ctx/rootfs/etc/nginx/kaha" "$ctx/rootfs/var/lib/nginx" "$ctx/rootfs/var/log/nginx" "$ctx/rootfs/run" "$ctx/rootfs/tmp" "$ctx/rootfs/bin"
  cp -L --parents /usr/sbin/nginx "$ctx/rootfs/"
  for lib in $(ldd /usr/sbin/nginx | grep -o '/[^ ]*'); do cp -L --parents "$lib" "$ctx/rootfs/"; done
  cp /bin/busybox "$ctx/rootfs/bin/busybox"
  ln -s busybox "$ctx/rootfs/bin/sh"
  cp /etc/nginx/mime.types "$ctx/rootfs/etc/nginx/mime.types"
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$ctx/rootfs/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' >"$ctx/rootfs/etc/group"
  cat >"$ctx/rootfs/etc/nginx/nginx.conf" <<NGINX
user nobody nogroup;
worker_processes 2;
pid /run/nginx.pid;
error_log stderr warn;
events { worker_connections 1024; }
http {
  include /etc/nginx/mime.types;
  access_log off;
  include /etc/nginx/kaha/upstream.conf;
  server {
    listen $nginx_port;
    location / {
      proxy_pass http://app;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host \$host;
    }
  }
}
NGINX
  printf 'FROM scratch\nCOPY rootfs/ /\nCMD ["/usr/sbin/nginx", "-g", "daemon off;"]\n' >"$ctx/Dockerfile"
  docker build -q -t "${prefix}-nginx:local" "$ctx" >"$tmp/nginx-build.log" 2>&1 || { cat "$tmp/nginx-build.log" >&2; die "the nginx image did not build."; }
}

ngx="${prefix}_nginx"
ngx_apps=("${prefix}_ngx_v1" "${prefix}_ngx_v2")
ip_of() { docker inspect --format "{{(index .NetworkSettings.Networks \"$network\").IPAddress}}" "$1"; }
upstream() { # VERSION-INDEX: points nginx at that app container (written beside, then moved: never half a file)
  printf 'upstream app {\n  server %s:3000;\n  keepalive 32;\n}\n' "$(ip_of "${ngx_apps[$1]}")" >"$tmp/nginx-conf/upstream.conf.new"
  mv "$tmp/nginx-conf/upstream.conf.new" "$tmp/nginx-conf/upstream.conf"
}

nginx_row() {
  docker rm -f "$ngx" "${ngx_apps[@]}" >/dev/null 2>&1 || true
  docker run -d --name "${ngx_apps[0]}" --network "$network" -e PORT=3000 -e "APP_VERSION=$v1" "${app_env[@]}" "$image:$v1" >/dev/null
  docker run -d --name "${ngx_apps[1]}" --network "$network" -e PORT=3000 -e "APP_VERSION=$v2" "${app_env[@]}" "$image:$v2" >/dev/null
  mkdir -p "$tmp/nginx-conf"
  upstream 0
  docker run -d --name "$ngx" --network "$network" -p "127.0.0.1:$nginx_port:$nginx_port" -v "$tmp/nginx-conf:/etc/nginx/kaha:ro" "${prefix}-nginx:local" >/dev/null
  wait_for_version "$nginx_port" "$v1" 30 || { docker logs "$ngx" 2>&1 | tail -n 20 >&2; die "nginx does not answer $v1."; }
  docker exec "$ngx" nginx -t -q || die "nginx -t fails in the nginx container."

  say "(n) nginx: $reloads switches between v1 and v2 with nginx -s reload, ${reload_gap} s apart, under load"
  wait_quiet n
  warm_up "$nginx_port"
  start_load n "$nginx_port"
  local i index target
  for i in $(seq 1 "$reloads"); do
    index=$((i % 2)); target=$([ "$index" -eq 1 ] && echo "$v2" || echo "$v1")
    if [ "$i" -eq 1 ]; then mark op "$target"; else mark switch "$target"; fi
    mark phase "reload $i"
    upstream "$index"
    docker exec "$ngx" nginx -t -q
    docker exec "$ngx" nginx -s reload
    mark done "reload $i"
    sleep "$reload_gap"
  done
  mark end
  stop_load
  docker rm -f "$ngx" "${ngx_apps[@]}" >/dev/null
  add_row n "(n) nginx 1.22, $reloads × \`nginx -s reload\` between two app containers" \
    "write upstream.conf; docker exec NGINX nginx -t && docker exec NGINX nginx -s reload (×$reloads, ${reload_gap} s apart)" ""
}

# --- (failover) docker kill of the live release; the proxy fails over to the warm standby by itself ------------
failover_row() {
  say "(failover) deploying a third release, so that the one live before it is the warm standby"
  wait_quiet failover
  warm_up "$prod_port"
  local v3 standby_version
  v3="$(push_release "failover release $round")"
  (cd "$root" && ./build.sh --target=Deploy --env=prod --config="$config") >"$round_dir/failover-setup.log" 2>&1 || { tail -n 30 "$round_dir/failover-setup.log" >&2; die "(failover) the Deploy of $v3 failed."; }
  wait_for_version "$prod_port" "$v3" 20 || die "(failover) prod does not answer $v3 after its deploy."
  standby_version="$(docker inspect --format '{{index .Config.Labels "org.kaha.version"}}' "${container}_previous")"
  start_load failover "$prod_port"
  [ "$(state_of "${container}_previous")" = running ] || die "(failover) ${container}_previous ($standby_version) is $(state_of "${container}_previous"), not a running warm standby."
  say "(failover) docker kill $container ($v3) under load; ${container}_previous ($standby_version) is the warm standby"
  mark op "$standby_version"
  mark phase "docker kill"
  docker kill "$container" >/dev/null
  wait_for_version "$prod_port" "$standby_version" 30 || die "(failover) the standby $standby_version did not take over within 30 s."
  mark end
  stop_load
  add_row failover "(failover) \`docker kill\` of the live release, warm standby running" "docker kill kaha_prod" \
    "live $v3, standby $standby_version"
}

# --- the rounds ----------------------------------------------------------------------------------
# One round: every row once, in the order (c) and (d) need. v1 is what prod answers when the round starts (the failover of
# the round before leaves its standby live), v2 a commit pushed for the round. Its files go to its own folder, $tmp/ROUND/.
run_round() {
  : >"$round_dir/rows.tsv"
  v1="$(version_at "$prod_port")"
  [ -n "$v1" ] || die "prod does not answer at the start of round $round."
  v2=""
  if [ "$rows_wanted" = all ]; then
    v2="$(push_release "release $round")"
    say "round $round: v1 $v1 (live), v2 $v2 (pushed)"
  fi
  printf '{"V1": "%s", "V2": "%s"}\n' "$v1" "$v2" >"$round_dir/versions.json"
  if [ "$rows_wanted" = all ]; then
    proxy_rows
    old_way_rows
    nginx_row
  fi
  failover_row
}

[ "$rows_wanted" = failover ] || build_nginx_image
load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
failed_rounds=0
for round in $(seq 1 "$runs"); do
  round_dir="$tmp/$round"
  mkdir -p "$round_dir"
  say "round $round of $runs"
  # A failure ends its round, not the run: the round's load generator and sampler are stopped, the next round runs, and
  # the report names the round as failed (die keeps the reason in $round_dir/failed).
  set +e
  (
    set -e
    trap stop_row_processes EXIT
    trap 'exit 130' INT TERM
    run_round
  )
  round_status=$?
  set -e
  [ "$round_status" -ne 130 ] || exit 130
  if [ "$round_status" -ne 0 ]; then
    failed_rounds=$((failed_rounds + 1))
    [ -s "$round_dir/failed" ] || printf 'a command of the round exited %s (see its logs)\n' "$round_status" >"$round_dir/failed"
    say "round $round failed: $(cat "$round_dir/failed")"
  fi
done
round_dir=""
load_after="$(cut -d' ' -f1-3 /proc/loadavg)"

# --- write bench/RESULTS.md ----------------------------------------------------------------------
cpu="$(grep -m1 '^model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
mem_gib="$(awk '/^MemTotal:/ { printf "%.1f", $2 / 1048576 }' /proc/meminfo)"
os="$(. /etc/os-release && echo "$PRETTY_NAME"), kernel $(uname -r)"
commit="$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)"
if [ -n "$(git -C "$root" status --porcelain -- build proxy bench/zero-downtime bench/zero-downtime.sh 2>/dev/null || true)" ]; then
  commit="$commit + uncommitted changes"
fi
invocation="bench/zero-downtime.sh"
for v in RUNS ROWS CONNECTIONS INTERVAL_MS TIMEOUT_MS WARMUP_SECONDS IDLE_SECONDS STANDBY_SECONDS RELOADS RELOAD_GAP_SECONDS QUIET_PERCENT QUIET_WAIT_SECONDS; do
  [ -n "${!v:-}" ] && invocation="$v=${!v} $invocation"
done
# Set but empty means something here: no dependencies stage.
[ -n "${DEPENDENCIES_STAGE+set}" ] && invocation="DEPENDENCIES_STAGE=$DEPENDENCIES_STAGE $invocation"

# What the report needs besides the rounds' files: the run's settings, markers and machine, in $tmp/run.json.
export BEGIN_MARKER="$begin_marker" END_MARKER="$end_marker" FAILOVER_BEGIN="$failover_begin" FAILOVER_END="$failover_end" \
  CPU="$cpu" MEM_GIB="$mem_gib" NPROC="$(nproc)" OS="$os" SDK="$(dotnet --version)" \
  RUNTIME="$(dotnet --list-runtimes | awk '$1 == "Microsoft.NETCore.App" { v = $2 } END { print v }')" \
  DOCKER="$(docker version --format '{{.Server.Version}} (API {{.Server.APIVersion}})')" NODE="$(node --version 2>/dev/null || echo none)" \
  NGINX="$(nginx -v 2>&1 | sed 's/^nginx version: //')" DATE="$(date -u '+%Y-%m-%d %H:%M UTC')" COMMIT="$commit" INVOCATION="$invocation" \
  LOAD_BEFORE="$load_before" LOAD_AFTER="$load_after" CONNECTIONS_N="$connections" INTERVAL="$interval_ms" TIMEOUT="$timeout_ms" \
  IDLE="$idle_seconds" WARMUP="$warmup_seconds" QUIET_PERCENT="$quiet_percent" QUIET_WAIT="$quiet_wait" STANDBY="$standby_seconds" \
  TAIL="$tail_seconds" RELOADS_N="$reloads" ROWS_WANTED="$rows_wanted" RUNS_N="$runs"
python3 -c 'import json, os, sys; json.dump({k: os.environ[k] for k in sys.argv[2:]}, open(sys.argv[1], "w"), indent=1)' "$tmp/run.json" \
  BEGIN_MARKER END_MARKER FAILOVER_BEGIN FAILOVER_END CPU MEM_GIB NPROC OS SDK RUNTIME DOCKER NODE NGINX DATE COMMIT INVOCATION \
  LOAD_BEFORE LOAD_AFTER CONNECTIONS_N INTERVAL TIMEOUT IDLE WARMUP QUIET_PERCENT QUIET_WAIT STANDBY TAIL RELOADS_N ROWS_WANTED RUNS_N
# Writes $tmp/section.md and $tmp/failover-section.md, and prints the verdicts.
python3 "$bench/zero-downtime/report.py" "$tmp"

. "$bench/results-section.sh"
write_results_section "$results" "$failover_begin" "$failover_end" "$tmp/failover-section.md"
say "wrote the failover section of ${results#"$root"/}"
sed -n "/^$failover_begin\$/,/^$failover_end\$/p" "$results" | sed -n '/^| row/,/^$/p'
if [ "$rows_wanted" = all ]; then
  write_results_section "$results" "$begin_marker" "$end_marker" "$tmp/section.md"
  say "wrote the zero-downtime section of ${results#"$root"/}"
  sed -n "/^$begin_marker\$/,/^$end_marker\$/p" "$results" | sed -n '/^| row/,/^$/p'
fi
[ "$failed_rounds" -eq 0 ] || die "$failed_rounds of $runs rounds failed (the report above says where and why)."
