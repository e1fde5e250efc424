"""Writes the zero-downtime section of bench/RESULTS.md from one run of bench/zero-downtime.sh.

Reads, from the run's folder (TMPDIR_RUN): rows.tsv (key, label, command, note), ROW.summary.json (the load generator's
summary), ROW.marks, ROW.raw.csv, ROW.cpu (/proc/stat samples), ROW.status (the tool's exit code), ROW.loadavg,
selftest.json. Everything else comes from the environment the script exports.
"""
import csv
import json
import os
import statistics

e = os.environ
run = e["TMPDIR_RUN"]


def path(name):
    return os.path.join(run, name)


def read_marks(row):
    marks = []
    for line in open(path(f"{row}.marks"), encoding="utf-8"):
        parts = line.rstrip("\n").split(" ", 2)
        if len(parts) >= 2:
            marks.append((float(parts[0]) * 1000, parts[1], parts[2] if len(parts) > 2 else ""))
    return sorted(marks)


CLASSES = [("command", "command"), ("engine", "engine"), ("proxy", "proxy"), ("apps", "apps"), ("load", "load"), ("other", "other")]


def cpu_window(row, start_ms, end_ms):
    """CPU time used by processes between two times, as a share of both cores' time, from cpu_sampler.py's 250 ms samples
    (those whose middle falls in the window): (busy %, {class: %}), or None when the window is shorter than one sample."""
    capacity = 0
    by = {}
    for line in open(path(f"{row}.cpu")):
        sample = json.loads(line)
        middle = sample["t"] - 125
        if start_ms <= middle < end_ms:
            capacity += sample["capacity"]
            for name, ticks in sample["by"].items():
                by[name] = by.get(name, 0) + ticks
    if capacity <= 0:
        return None
    return 100.0 * sum(by.values()) / capacity, {name: 100.0 * t / capacity for name, t in by.items()}


def cpu_busy(row, start_ms, end_ms):
    window = cpu_window(row, start_ms, end_ms)
    return None if window is None else window[0]


def cpu_split(row, start_ms, end_ms):
    window = cpu_window(row, start_ms, end_ms)
    if window is None:
        return "— (shorter than a sample)"
    busy, by = window
    parts = [f"{label} {by.get(key, 0):.0f}" for key, label in CLASSES if by.get(key, 0) >= 0.5]
    return f"{busy:.0f} %" + (f" ({', '.join(parts)})" if parts else "")


def cake_durations(row):
    """Cake's own task summary at the end of the tool's output: [(task, seconds, status)]."""
    import re
    out, table = [], False
    for line in open(path(f"{row}.log"), encoding="utf-8"):
        text = re.sub(r"\x1b\[[0-9;]*m", "", line.split(" ", 1)[1] if " " in line else "").strip()
        if text.startswith("Task") and "Duration" in text:
            table = True
            continue
        match = re.match(r"^(\w+)\s+(\d+):(\d+):(\d+(?:\.\d+)?)\s+(\w+)", text) if table else None
        if match and match.group(1) != "Total":
            out.append((match.group(1), int(match.group(2)) * 3600 + int(match.group(3)) * 60 + float(match.group(4)), match.group(5)))
    return out


def first_output_after(row, at_ms):
    for line in open(path(f"{row}.log"), encoding="utf-8"):
        return float(line.split(" ", 1)[0]) * 1000 - at_ms
    return None


def steps_until_switch(row):
    """Where the time to the switch goes: the process start until its first line, then Cake's durations up to SwitchTraffic."""
    op_at = next(m[0] for m in marks[row] if m[1] == "op")
    parts = [f"start of `./build.sh` (bash, `dotnet`, the host) until its first line {first_output_after(row, op_at) / 1000:.2f} s"]
    for name, secs, status in cake_durations(row):
        if status != "Succeeded":
            continue
        parts.append(f"{name} {secs:.2f} s")
        if name == "SwitchTraffic":
            break
    return ", ".join(parts)


def ms(value):
    if value is None:
        return "—"
    return f"{value:.1f} ms" if value < 100 else f"{value:.0f} ms"


def seconds(value_ms):
    if value_ms is None:
        return "never"
    return f"{value_ms / 1000:.2f} s"


def pct(value):
    return "—" if value is None else f"{value:.0f} %"


def failed(stats):
    kinds = [("connectErrors", "connect"), ("readErrors", "read"), ("writeErrors", "write"), ("timeouts", "timeout"), ("httpErrors", "non-2xx")]
    parts = [f"{stats[k]} {name}" for k, name in kinds if stats[k]]
    return f"**{stats['failed']}**" + (f" ({', '.join(parts)})" if parts else "")


rows = [line.rstrip("\n").split("\t") for line in open(path("rows.tsv"), encoding="utf-8") if line.strip()]
order = ["a", "a2", "b", "c", "d", "n", "failover"]
rows.sort(key=lambda r: order.index(r[0]) if r[0] in order else 99)
summaries = {key: json.load(open(path(f"{key}.summary.json"))) for key, *_ in rows}
marks = {key: read_marks(key) for key, *_ in rows}


def failover_section():
    """The failover row in a section of its own, so that ROWS=failover can refresh it without the other rows."""
    key, label, command, note = next(r for r in rows if r[0] == "failover")
    s = summaries[key]
    operation, switch = s["operation"], s["switches"][0]
    raw = list(csv.DictReader(open(path(f"{key}.raw.csv"))))
    op_at = next(m[0] for m in marks[key] if m[1] == "op")
    bad = sorted(float(r["end_ms"]) for r in raw if r["outcome"] != "Ok" and float(r["start_ms"]) >= op_at)
    last_failure = f"{(bad[-1] - op_at) / 1000:.2f} s" if bad else "none"
    alone = e["ROWS_WANTED"] != "all"
    waited, share = (open(path(f"{key}.quiet")).read().split() + ["0", "-"])[:2]
    busy = f"; other work used {share} % of the cores when the row started (after {waited} s of waiting for quiet)" if share != "-" else ""
    return f"""{e['FAILOVER_BEGIN']}
## Failover: the live release killed behind the proxy

| row | command | requests | failed | last failure after the kill | longest with no good answer | to 100 % standby version | before issue 11 |
|---|---|---|---|---|---|---|---|
| {label} | `{command}` | {operation['requests']:,} | {failed(operation)} | {last_failure} | {ms(s['longestWithoutGoodAnswerMs'])} | {seconds(switch['allTargetAfterMs'])} | 36 s of 502s and timeouts, until the tool ran |

- {note}. The same load as the other rows ({e['CONNECTIONS_N']} keep-alive connections to `GET /version`, a request every
  {e['INTERVAL']} ms each, timeout {int(e['TIMEOUT']) / 1000:g} s); the counts are of the requests started from the kill until the load stopped,
  {e['TAIL']} s after the standby's version answered everywhere. The proxy asks the routed release's health path every 500 ms and fails over
  at once when a connection is refused or its name is gone (a killed or stopped container), after 3 failed answers otherwise; a GET
  that failed on the dead release is sent again to the standby at once.
- The figure before the change is the one the issue reported (`docker kill` of the live release, nothing else done): the proxy kept
  routing to the dead release until the next run of the tool.
- {'Measured alone (`ROWS=failover`)' if alone else 'Measured with the other rows'} on a shared 2-core machine ({e['CPU']}), {e['DATE']}, commit {e['COMMIT']};
  load average {open(path(f"{key}.loadavg")).read().strip()} at the start of the row{busy}.

Produced by (from the repository root):

```sh
{e['INVOCATION']}
```
{e['FAILOVER_END']}
"""


if any(r[0] == "failover" for r in rows):
    open(e["FAILOVER_OUT"], "w", encoding="utf-8").write(failover_section())
if e["ROWS_WANTED"] != "all":
    raise SystemExit(0)

threshold = float(e["QUIET_PERCENT"])


def other_share(row, start_ms, end_ms):
    window = cpu_window(row, start_ms, end_ms)
    return None if window is None else window[1].get("other", 0.0)


disturbed = {}
table = []
conditions = []
for key, label, command, note in rows:
    s = summaries[key]
    idle, during, operation = s["idle"], s["duringCommand"], s["operation"]
    switches = s["switches"]
    if len(switches) == 1:
        converge = seconds(switches[0]["allTargetAfterMs"])
        took = f"{s['commandSeconds']:.2f} s"
    else:
        values = [w["allTargetAfterMs"] for w in switches]
        converge = ("never, " if None in values else "") + (
            f"median {seconds(statistics.median([v for v in values if v is not None]))}, "
            f"max {seconds(max(v for v in values if v is not None))} ({len(values)} switches)" if any(v is not None for v in values) else "")
        m = marks[key]
        durations = [done[0] - start[0] for start, done in zip([x for x in m if x[1] == "phase"], [x for x in m if x[1] == "done"])]
        took = f"{len(durations)} × median {statistics.median(durations) / 1000:.2f} s" if durations else "—"
    table.append(f"| {label} | `{command}` | {operation['requests']:,} | {failed(operation)} | {ms(idle['p50Ms'])} → {ms(during['p50Ms'])} "
                 f"| {ms(idle['p99Ms'])} → {ms(during['p99Ms'])} | {ms(s['idleLongestWithoutGoodAnswerMs'])} → {ms(s['longestWithoutGoodAnswerMs'])} "
                 f"| {converge} | {took} |")
    op_at = next(m[0] for m in marks[key] if m[1] == "op")
    end_at = next((m[0] for m in marks[key] if m[1] == "end"), None)
    idle_at = next((m[0] for m in marks[key] if m[1] == "idle"), None)
    loadavg = open(path(f"{key}.loadavg")).read().strip()
    others = [v for v in (other_share(key, idle_at, op_at), other_share(key, op_at, end_at)) if v is not None]
    if others and max(others) > threshold:
        disturbed[key] = max(others)
    waited, share = (open(path(f"{key}.quiet")).read().split() + ["0", "-"])[:2]
    idle_note = "" if idle["failed"] == 0 else f" ({idle['failed']} failed while idle!)"
    conditions.append(f"| {label.split(' ')[0]}{' ⚠ disturbed' if key in disturbed else ''} | {waited} s | {idle['requestsPerSecond']:,.0f}{idle_note} | {during['requestsPerSecond']:,.0f} "
                      f"| {cpu_split(key, idle_at, op_at)} | {cpu_split(key, op_at, end_at)} | {loadavg} "
                      f"| {operation['foundClosedByServer']} | {operation['newConnections']} | {ms(during['maxMs'])} |")


def row_summary(key):
    return summaries.get(key)


# --- targets ---------------------------------------------------------------------------------
verdicts = []
all_met = True
for key, name in [("b", "(b) Deploy"), ("c", "(c) warm Rollback"), ("d", "(d) cold Rollback")]:
    s = row_summary(key)
    n = s["operation"]["failed"] + s["idle"]["failed"]
    ok = n == 0
    all_met &= ok
    verdicts.append(f"- {name}: 0 failed requests — **{'met' if ok else 'not met'}** ({n} failed of {s['operation']['requests'] + s['idle']['requests']:,}, idle window included).")
c = row_summary("c")["switches"][0]
ok = c["allTargetAfterMs"] is not None and c["allTargetAfterMs"] <= 1500
all_met &= ok
verdicts.append(f"- (c) the old version restored within 1.5 s of the command, tool start included — **{'met' if ok else 'not met'}**: "
                f"100 % of answers from {e['V1']} {seconds(c['allTargetAfterMs'])} after the command (first answer from it after "
                f"{seconds(c['firstTargetAnswerMs'])}); the command itself returned after {row_summary('c')['commandSeconds']:.2f} s "
                f"(it then drains the replaced release for the configured drainSeconds: 2 s)."
                + ("" if ok else f" Where the time to the switch went: {c_steps}; the machine's two cores were "
                   f"{pct(cpu_busy('c', next(m[0] for m in marks['c'] if m[1] == 'op'), next(m[0] for m in marks['c'] if m[1] == 'end')))} busy meanwhile."))
b = row_summary("b")
p99_idle, p99_b = b["idle"]["p99Ms"], b["duringCommand"]["p99Ms"]
ok = p99_b <= 2 * p99_idle
all_met &= ok
verdicts.append(f"- (b) p99 during the deploy at most 2× idle — **{'met' if ok else 'not met'}**: {ms(p99_b)} during vs {ms(p99_idle)} idle "
                f"({p99_b / p99_idle:.1f}×); by part: " + ", ".join(f"{p['name'].split(':')[0]} {ms(p['stats']['p99Ms'])}" for p in b["parts"])
                + " (see “(b) step by step” below).")
proxy_idle = {k: row_summary(k)["idle"]["p99Ms"] for k in ("b", "c", "d")}
lowest = min(proxy_idle, key=lambda k: proxy_idle[k])
verdicts.append("  The verdict leans on the idle baseline, which moves from window to window: idle p99 through the same proxy in this run was "
                + ", ".join(f"{ms(v)} before ({k})" for k, v in proxy_idle.items())
                + (f"; against the lowest, p99 during (b) is {p99_b / proxy_idle[lowest]:.1f}× idle." if lowest != "b" else "."))

bad = [k for k in ("b", "c", "d") if k in disturbed]
if bad:
    verdicts.append(f"- ⚠ Rows {', '.join('(' + k + ')' for k in bad)} were measured while other work on the machine used up to "
                    f"{max(disturbed[k] for k in bad):.0f} % of the two cores (see *Conditions* below): their latencies and times say more "
                    "about that work than about the tool. Failed-request counts still hold. Run again on a quiet machine before trusting "
                    "the latency verdicts.")

# --- (b) step by step --------------------------------------------------------------------------
def phase_rows(key, phases):
    out = []
    for p in phases:
        st = p["stats"]
        split = cpu_split(key, p["fromMs"], p["fromMs"] + st["seconds"] * 1000)
        out.append(f"| {p['name']} | {st['seconds']:.2f} s | {st['requests']:,} | {st['failed']} | {ms(st['p50Ms'])} | {ms(st['p99Ms'])} "
                   f"| {ms(st['maxMs'])} | {split} |")
    return out


b_parts = phase_rows("b", b["parts"])
b_phases = phase_rows("b", b["phases"])
parts_by_name = {p["name"].split(":")[0]: p for p in b["parts"]}
limit = 2 * p99_idle
over = [p for p in b["phases"] if p["stats"]["p99Ms"] is not None and p["stats"]["p99Ms"] > limit and p["stats"]["requests"] >= 50]
def describe_part(name):
    p = parts_by_name.get(name)
    if p is None:
        return f"no {name} part"
    return (f"{ms(p['stats']['p99Ms'])} in the {p['name'].split(':')[0]} part ({p['name'].split(': ', 1)[1]}, {p['stats']['seconds']:.1f} s, "
            f"CPU {cpu_split('b', p['fromMs'], p['fromMs'] + p['stats']['seconds'] * 1000)})")
def p99_of(latencies):
    latencies = sorted(latencies)
    return latencies[max(0, -(-99 * len(latencies) // 100) - 1)] if latencies else None


# The first half second of the new release taking traffic, from every request of (b).
b_raw = list(csv.DictReader(open(path("b.raw.csv"))))
b_new = [float(r["end_ms"]) for r in b_raw if r["outcome"] == "Ok" and r["version"] == e["V2"]]
first_new = min(b_new) if b_new else None
switch_window = [float(r["end_ms"]) - float(r["start_ms"]) for r in b_raw
                 if r["outcome"] == "Ok" and first_new is not None and first_new <= float(r["start_ms"]) < first_new + 500]
c_s, d_s = row_summary("c"), row_summary("d")


def window_text(p):
    return cpu_split("b", p["fromMs"], p["fromMs"] + p["stats"]["seconds"] * 1000)


b_finding_lines = [
    f"Idle p99 {ms(p99_idle)}, so the target is {ms(limit)}. " + "; ".join(
        f"{'The' if i == 0 else 'the'} {p['name'].split(':')[0]} part ({p['name'].split(': ', 1)[1]}, {p['stats']['seconds']:.1f} s) has p99 "
        f"{ms(p['stats']['p99Ms'])}, CPU {window_text(p)}" for i, p in enumerate(b["parts"])) + ".",
    ("Tasks with p99 above 2× idle (and at least 50 requests): "
     + "; ".join(f"{p['name']} {ms(p['stats']['p99Ms'])} (CPU {window_text(p)})" for p in over) + ".") if over
    else "No task with at least 50 requests has a p99 above 2× idle.",
    f"The switch itself: the requests started in the first 0.5 s after the first answer from the new release have p99 "
    f"{ms(p99_of(switch_window))} (max {ms(max(switch_window) if switch_window else None)}, {len(switch_window)} requests). "
    f"For comparison, switching to a release that has been running for a while, (c), moves p99 from {ms(c_s['idle']['p99Ms'])} to "
    f"{ms(c_s['duringCommand']['p99Ms'])}; switching to one just started, (d), from {ms(d_s['idle']['p99Ms'])} to {ms(d_s['duringCommand']['p99Ms'])}.",
    "CPU classes: *command* is the tool and what it starts (dotnet, npm, git, and its standby timer, a second dotnet process), "
    "*engine* dockerd/containerd/shims/docker-proxy (the image build runs there), *proxy* the proxy container, *apps* this run's "
    "app and Redis containers, *load* the load generator, *other* the rest of the machine (other people's work).",
]
b_finding = "\n".join("- " + line for line in b_finding_lines)

c_steps = steps_until_switch("c")
d_steps = steps_until_switch("d")
d = row_summary("d")["switches"][0]

# --- nginx: per reload -------------------------------------------------------------------------
n = row_summary("n")
per_switch = []
raw = list(csv.DictReader(open(path("n.raw.csv"))))
bounds = [w["atMs"] for w in n["switches"]] + [n["stoppedMs"]]
for i, w in enumerate(n["switches"]):
    window = [r for r in raw if bounds[i] <= float(r["start_ms"]) < bounds[i + 1]]
    bad = [r for r in window if r["outcome"] != "Ok"]
    kinds = {}
    for r in bad:
        kinds[r["outcome"]] = kinds.get(r["outcome"], 0) + 1
    closed = sum(1 for r in window if r["found_closed"] == "1")
    per_switch.append(f"| {i + 1} | {w['target']} | {len(window):,} | {len(bad)}{' (' + ', '.join(f'{v} {k}' for k, v in kinds.items()) + ')' if kinds else ''} "
                      f"| {closed} | {seconds(w['allTargetAfterMs'])} |")

selftest = json.load(open(path("selftest.json")))
a = row_summary("a")
a2 = row_summary("a2")
a_steps = ", ".join(f"{p['name']} {p['stats']['seconds']:.2f} s" for p in a["phases"])
a2_steps = ", ".join(f"{p['name']} {p['stats']['seconds']:.2f} s" for p in a2["phases"])

section = f"""{e['BEGIN_MARKER']}
## Zero downtime: the old way, our proxy, and nginx, under the same load

Targets (issue 3): (b), (c), (d) fail no request; (c) brings the old version back within 1.5 s of the command, tool start
included; p99 during (b) at most 2× idle. Result: **{'all met' if all_met else 'not all met'}**{' — ⚠ but partly measured while other work kept the machine busy, see below' if bad else ''}.

{chr(10).join(verdicts)}

| row | command | requests | failed | p50 idle → during | p99 idle → during | longest with no good answer, idle → during | to 100 % target version | command took |
|---|---|---|---|---|---|---|---|---|
{chr(10).join(table)}

- Load: {e['CONNECTIONS_N']} keep-alive connections to `GET /version` on 127.0.0.1 for the whole of each row, each sending one request at a
  time and a new one every {e['INTERVAL']} ms (≈ {int(e['CONNECTIONS_N']) * 1000 // max(1, int(e['INTERVAL']))} requests/s offered; at once when an answer took longer), timeout {int(e['TIMEOUT']) / 1000:g} s;
  the load generator is `bench/zero-downtime` (plain sockets, see below). Each row first has an **idle** window of {e['IDLE']} s with the same
  load (the p50/p99 on the left of each arrow), then the command. Rows whose serving processes were just started ((a), (a′), (n), and
  (b), whose proxy and first release the set-up had just created) get {e['WARMUP']} s of the same load, unmeasured, before the idle window,
  so that the idle baseline is not that of a cold process (.NET's tiered JIT, V8); (c) follows (b) at once and (d) finds the proxy warm.
- *requests* and *failed* count every request started from the command until the load stopped ({e['TAIL']} s after the target version
  answered, so late failures are counted); *during* is the latency of the requests started while the command ran. *Failed* is what
  wrk counts: connect errors (refused), read errors (the connection closed or reset before a complete answer), write errors,
  timeouts, and non-2xx answers. Latency percentiles are of the successful requests.
- *to 100 % target version*: from the command until the first good answer from the target version (v1 `{e['V1']}`, v2 `{e['V2']}`,
  as the app's `{{"version": ...}}` says) that came after the last answer that was not one (an answer from the other version, or
  a failure): from that answer on, every answer came from the target.
- *longest with no good answer*: the longest stretch in which none of the {e['CONNECTIONS_N']} connections got a good answer (of any version),
  in the idle window and from the command until the load stopped: the downtime a user sees, including requests that hang
  instead of failing (in (a), connection attempts hang while the new container is created, and succeed when it listens).
- (a) and (a′) run the tool's own images of v1 and v2 as `deploy_kaha.sh` did: published directly on 127.0.0.1:PORT:PORT, no proxy.
  The sample app handles SIGTERM (it stops accepting, finishes in-flight requests, closes idle keep-alive connections, exits;
  3 s grace), so `docker stop` is short: {a_steps}. The seed's app did not handle SIGTERM; node as PID 1 then ignores it and
  `docker stop` waits its full 10 s grace before SIGKILL — row (a′), an app with no handler (`node -e`, `--init=false`): {a2_steps}.
- (b), (c), (d) run the tool as a user does, from the repository root, with `--config=` pointing at this run's own config
  (unique names, app served from a bare git origin, Redis run by `--target=StartRedis --env=backing`): proxy
  `healthyInARow` 3, `drainSeconds` 2, `standbySeconds` {e['STANDBY']} (short, so that (d) finds the previous release stopped).
  (b) deploys v2 (pull, `npm ci` on the host, image build, start beside, gate, switch, drain); (c) returns to v1, the warm standby;
  (d) waits until the standby timer has stopped v2, then returns to it.
- Until the switch, step by step (Cake's own task durations): (c) {c_steps}; (d) {d_steps}.
- (n) nginx {e['NGINX']} from Debian's `nginx-light`, in a FROM-scratch image built from the host's binary, the libraries `ldd` lists,
  busybox, `mime.types`, an `/etc/passwd` with `nobody` and `/var/lib/nginx`, `/var/log/nginx`, `/run`; `worker_processes 2`,
  an upstream with `keepalive 32` pointing at one of two app containers (v1, v2); each switch rewrites the upstream file, runs
  `nginx -t`, then `nginx -s reload` (both with `docker exec`).

### (b) step by step: where the deploy's p99 comes from

{b_finding}

| part of the deploy | took | requests | failed | p50 | p99 | max | CPU of both cores: busy (by whom, % of both cores) |
|---|---|---|---|---|---|---|---|
{chr(10).join(b_parts)}

| task of the tool (Cake's task headers) | took | requests | failed | p50 | p99 | max | CPU of both cores: busy (by whom, % of both cores) |
|---|---|---|---|---|---|---|---|
{chr(10).join(b_phases)}

### (n) nginx: each reload

| reload | to | requests until the next | failed | idle keep-alive connections nginx closed | to 100 % target |
|---|---|---|---|---|---|
{chr(10).join(per_switch)}

An idle keep-alive connection the server closed is noticed by the client before it sends (as browsers and HttpClient do) and
reopened: counted in the column above, not as a failure. A request that was sent on a connection the old worker closed at that very
moment gets no answer: a read error.

### Conditions of each row

| row | waited for quiet | req/s idle | req/s during | CPU idle window | CPU during the command | load average at the start | server-closed idle connections | new connections | max latency during |
|---|---|---|---|---|---|---|---|---|---|
{chr(10).join(conditions)}

Before each row but (c) (which has to run inside the standby window) the script waited, from a budget of 180 s, until other work
used less than {e['QUIET_PERCENT']} % of the cores; a row is marked *disturbed* when other work still used more than that in its idle
window or during its command. CPU is the CPU time processes used, as a share of both cores (100 % = both busy), from the per-process times in `/proc` sampled
every 250 ms by `bench/zero-downtime/cpu_sampler.py`, split by who used it (the classes are explained under (b)); the kernel's own
work outside processes (loopback networking) is not in it, nor processes that started and ended between two samples. The
machine may be shared: *other* is everyone else's work. Compare rows of the same run.

### The load generator's client

`bench/zero-downtime` speaks HTTP/1.1 on plain sockets instead of using `HttpClient`, because `SocketsHttpHandler` sends a request again,
silently, when the reused keep-alive connection it went out on is closed before any answer: exactly the failure a proxy reload causes.
Its self-test checks this every run against a local server that drops the second request on a connection: HttpClient: {selftest['httpClientFinding']}.
The raw client counts that request as a read error (all {len(selftest['checks'])} self-test checks {'passed' if selftest['passed'] else 'did NOT pass'}).

Machine: {e['NPROC']} cores ({e['CPU']}), {e['MEM_GIB']} GiB memory, {e['OS']}; Docker engine {e['DOCKER']}; .NET SDK {e['SDK']}
(runtime {e['RUNTIME']}); node {e['NODE']}; nginx {e['NGINX']}; load average {e['LOAD_BEFORE']} before, {e['LOAD_AFTER']} after.
Measured {e['DATE']} at commit {e['COMMIT']}.

Produced by (from the repository root):

```sh
{e['INVOCATION']}
```
{e['END_MARKER']}
"""
open(e["RESULTS_OUT"], "w", encoding="utf-8").write(section)
