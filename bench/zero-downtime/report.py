"""Writes the zero-downtime sections of bench/RESULTS.md from one run of bench/zero-downtime.sh.

Usage: report.py RUN_DIR
Writes RUN_DIR/section.md (every row; not with ROWS=failover) and RUN_DIR/failover-section.md, and prints the verdicts.

RUN_DIR holds run.json (the run's settings, section markers and machine, written by the script), selftest.json (the load
generator's self-test) and a folder per round, 1/, 2/, ...: rows.tsv (key, label, command, note of each row the round
completed), versions.json (V1, the version live when the round started, and V2, the commit pushed for it), failed (why the
round stopped, when it did), and per row ROW.summary.json (the load generator's summary), ROW.marks, ROW.raw.csv (every
request), ROW.cpu (cpu_sampler.py's samples), ROW.log (the tool's output, time-stamped), ROW.loadavg and ROW.quiet.

Every figure is the median over the rounds that completed its row, with the spread (min–max) beside it; the verdicts are
taken on the median. A round that failed is named with its reason; the rows it completed before failing still count.
"""
import csv
import json
import math
import os
import statistics
import sys

import run_log

ORDER = ["a", "a2", "b", "c", "r", "d", "n", "failover"]
CPU_CLASSES = ["command", "engine", "proxy", "apps", "load", "other"]
# Issue 18: the warm-standby Rollback brings the old version back within 0.5 s of the command, tool start included.
WARM_ROLLBACK_LIMIT_MS = 500
# Issue 18: a Rollback asked of the running dashboard brings the old version back within 0.1 s of the request.
INPROCESS_ROLLBACK_LIMIT_MS = 100
# Issue 3: p99 during a Deploy at most this many times the idle p99.
DEPLOY_P99_FACTOR = 2
# cpu_sampler.py counts in the clock ticks of the machine it ran on; the script runs this report on that machine.
TICKS_PER_SECOND = os.sysconf("SC_CLK_TCK")
STARTUP_STEP = "start of `./build.sh` (bash, the .NET runtime, the host) until Setup"


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def write(path, text):
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


# --- one round's files ---------------------------------------------------------------------------
class Round:
    def __init__(self, folder):
        self.folder = folder
        self.number = int(os.path.basename(folder))
        failed = self.path("failed")
        self.failure = read(failed).strip() if os.path.exists(failed) else None
        rows = self.path("rows.tsv")
        lines = read(rows).splitlines() if os.path.exists(rows) else []
        self.rows = {key: (label, command, note) for key, label, command, note in (line.split("\t") for line in lines if line.strip())}
        versions = self.path("versions.json")
        self.versions = json.loads(read(versions)) if os.path.exists(versions) else {}
        self._summaries = {}

    def path(self, name):
        return os.path.join(self.folder, name)

    def summary(self, key):
        if key not in self._summaries:
            self._summaries[key] = json.loads(read(self.path(f"{key}.summary.json")))
        return self._summaries[key]

    def marks(self, key):
        marks = []
        for line in read(self.path(f"{key}.marks")).splitlines():
            parts = line.rstrip("\n").split(" ", 2)
            if len(parts) >= 2:
                marks.append((float(parts[0]) * 1000, parts[1], parts[2] if len(parts) > 2 else ""))
        return sorted(marks)

    def mark_at(self, key, kind):
        return next((at for at, k, _ in self.marks(key) if k == kind), None)

    def raw(self, key):
        return list(csv.DictReader(read(self.path(f"{key}.raw.csv")).splitlines()))

    def loadavg(self, key):
        return read(self.path(f"{key}.loadavg")).strip()

    def quiet(self, key):
        """(seconds waited for quiet, % of the cores other work used when the row started, or "-" when it did not wait)."""
        waited, share = (read(self.path(f"{key}.quiet")).split() + ["0", "-"])[:2]
        return waited, share

    def cpu_window(self, key, start_ms, end_ms):
        """CPU time used by processes between two times, as a share of both cores' time, from cpu_sampler.py's 250 ms samples
        (those whose middle falls in the window): (busy %, {class: %}), or None when the window is shorter than one sample."""
        capacity, by = 0, {}
        for sample in self.cpu_samples(key, start_ms, end_ms):
            capacity += sample["capacity"]
            for name, ticks in sample["by"].items():
                by[name] = by.get(name, 0) + ticks
        if capacity <= 0:
            return None
        return 100.0 * sum(by.values()) / capacity, {name: 100.0 * t / capacity for name, t in by.items()}

    def cpu_samples(self, key, start_ms, end_ms):
        """cpu_sampler.py's 250 ms samples whose middle falls between two times (none when a time is missing)."""
        if start_ms is None or end_ms is None:
            return []
        samples = [json.loads(line) for line in read(self.path(f"{key}.cpu")).splitlines()]
        return [s for s in samples if start_ms <= s["t"] - 125 < end_ms]

    def cpu_seconds(self, key):
        """CPU-seconds from the command to its end: {"tool": the command and its children, "engine": dockerd/containerd/shims,
        "kernel": the machine's system time, or None when the samples lack it (recorded before cpu_sampler.py took it)}."""
        samples = self.cpu_samples(key, *self.command_window(key))
        tool, engine = (sum(s["by"].get(name, 0) for s in samples) / TICKS_PER_SECOND for name in ("command", "engine"))
        kernel = sum(s["stat_system"] for s in samples) / TICKS_PER_SECOND if all("stat_system" in s for s in samples) else None
        return {"tool": tool, "engine": engine, "kernel": kernel}

    def cpu_split(self, key, start_ms, end_ms):
        window = self.cpu_window(key, start_ms, end_ms)
        if window is None:
            return "— (shorter than a sample)"
        busy, by = window
        parts = [f"{name} {by.get(name, 0):.0f}" for name in CPU_CLASSES if by.get(name, 0) >= 0.5]
        return f"{busy:.0f} %" + (f" ({', '.join(parts)})" if parts else "")

    def command_window(self, key):
        return self.mark_at(key, "op"), self.mark_at(key, "end")

    def steps_until_switch(self, key):
        """Where the time to the switch goes: [(step, seconds)], the process start until Setup began (the run log's first
        line), then Cake's durations of the tasks that ran (from the run's log file), up to SwitchTraffic."""
        op_at = self.mark_at(key, "op")
        path = self.path(f"{key}.runlog")
        lines = run_log.entries(read(path)) if os.path.exists(path) else []
        starts = run_log.task_starts(lines)
        steps = []
        if starts and op_at is not None:
            steps.append((STARTUP_STEP, starts[0][0] - op_at / 1000))
        for name, secs, status in run_log.durations(lines):
            if status != "Succeeded":
                continue
            steps.append((name, secs))
            if name == "SwitchTraffic":
                break
        return steps


class Run:
    def __init__(self, folder):
        self.folder = folder
        self.settings = json.loads(read(os.path.join(folder, "run.json")))
        self.rounds = [Round(os.path.join(folder, name)) for name in sorted((n for n in os.listdir(folder) if n.isdigit()), key=int)]
        selftest = os.path.join(folder, "selftest.json")
        self.selftest = json.loads(read(selftest)) if os.path.exists(selftest) else None

    @property
    def failed_rounds(self):
        return [r for r in self.rounds if r.failure is not None]

    def completed(self, key):
        """The rounds that completed the row."""
        return [r for r in self.rounds if key in r.rows]

    def keys(self):
        present = {key for r in self.rounds for key in r.rows}
        return sorted(present, key=lambda k: ORDER.index(k) if k in ORDER else 99)


# --- numbers -------------------------------------------------------------------------------------
def ms(value):
    if value is None:
        return "—"
    if value == math.inf:
        return "never"
    return f"{value:.1f}" if value < 100 else f"{value:.0f}"


def secs(value_ms):
    if value_ms is None or value_ms == math.inf:
        return "never"
    return f"{value_ms / 1000:.2f}"


def cpu_s(value):
    return f"{value:.2f}"


def count(value):
    return f"{value:,.0f}"


def ratio(value):
    return f"{value:.1f}"


def never_as_inf(value):
    return math.inf if value is None else value


def spread(values, number, unit=""):
    """The median of the rounds' values, then their spread: "14.8 ms (12.1–17.5)"; the value alone when all are the same; "—"
    with none."""
    values = [v for v in values if v is not None]
    if not values:
        return "—"
    mid = statistics.median(values)
    text = number(mid) + (unit if mid != math.inf else "")
    if min(values) != max(values):
        text += f" ({number(min(values))}–{number(max(values))})"
    return text


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def median_round(rounds, value):
    """The round whose value is the median (the lower one of the middle two): the one whose details the report shows."""
    ranked = sorted((r for r in rounds if value(r) is not None), key=value)
    return ranked[(len(ranked) - 1) // 2] if ranked else None


def stat(summary, part, name):
    stats = summary.get(part)
    return None if stats is None else stats.get(name)


def failed_cell(summaries):
    """Failed requests of the command (median and spread) and what kinds of failure occurred in any round."""
    kinds = [("connectErrors", "connect"), ("readErrors", "read"), ("writeErrors", "write"), ("timeouts", "timeout"), ("httpErrors", "non-2xx")]
    totals = {name: sum(s["operation"][k] for s in summaries) for k, name in kinds}
    seen = [f"{n} {name}" for name, n in totals.items() if n]
    return f"**{spread([s['operation']['failed'] for s in summaries], count)}**" + (f" (in all rounds: {', '.join(seen)})" if seen else "")


def all_target_ms(summary):
    """From the command until 100 % of answers came from the target (math.inf: never); several switches: their median."""
    values = [never_as_inf(w["allTargetAfterMs"]) for w in summary["switches"]]
    return statistics.median(values) if values else math.inf


def reload_seconds(rnd, key):
    marks = rnd.marks(key)
    durations = [done[0] - start[0] for start, done in zip([m for m in marks if m[1] == "phase"], [m for m in marks if m[1] == "done"])]
    return statistics.median(durations) / 1000 if durations else None


def deploy_p99_ratio(summary):
    idle, during = stat(summary, "idle", "p99Ms"), stat(summary, "duringCommand", "p99Ms")
    return during / idle if idle and during is not None else None


def disturbed(run, rnd, key):
    """The % of the cores other work used in the row's idle window or during its command, when above the threshold."""
    threshold = float(run.settings["QUIET_PERCENT"])
    op_at, end_at = rnd.command_window(key)
    windows = [rnd.cpu_window(key, rnd.mark_at(key, "idle"), op_at), rnd.cpu_window(key, op_at, end_at)]
    others = [w[1].get("other", 0.0) for w in windows if w is not None]
    return max(others) if others and max(others) > threshold else None


def rounds_text(rounds):
    return ", ".join(str(r.number) for r in rounds)


def failed_rounds_lines(run):
    return [f"- ✗ Round {r.number} failed: {r.failure.rstrip('.')}. The rows it completed before that are counted; the others have one "
            "round fewer." for r in run.failed_rounds]


# --- targets -------------------------------------------------------------------------------------
def verdicts(run):
    """([verdict lines], all met): each target judged on the median over the rounds that completed its row."""
    lines, all_met = [], not run.failed_rounds
    n_rounds = len(run.rounds)
    for key, name in [("b", "(b) Deploy"), ("c", "(c) warm Rollback"), ("d", "(d) cold Rollback"), ("r", "(r) in-process Rollback")]:
        done = run.completed(key)
        if not done:
            all_met = False
            lines.append(f"- {name}: 0 failed requests — **not met**: no round completed the row.")
            continue
        failures = [r.summary(key)["operation"]["failed"] + r.summary(key)["idle"]["failed"] for r in done]
        requests = [r.summary(key)["operation"]["requests"] + r.summary(key)["idle"]["requests"] for r in done]
        ok = median(failures) == 0
        all_met &= ok
        with_failures = [r for r, f in zip(done, failures) if f]
        lines.append(f"- {name}: 0 failed requests — **{'met' if ok else 'not met'}**: {spread(failures, count)} failed of "
                     f"{spread(requests, count)} requests a round, idle window included"
                     + (f"; failures in round{'s' if len(with_failures) > 1 else ''} {rounds_text(with_failures)}" if with_failures else "")
                     + f" ({len(done)} of {n_rounds} rounds).")

    done = run.completed("c")
    if done:
        times = [all_target_ms(r.summary("c")) for r in done]
        ok = median(times) <= WARM_ROLLBACK_LIMIT_MS
        all_met &= ok
        line = (f"- (c) the old version serves all answers within {WARM_ROLLBACK_LIMIT_MS / 1000:g} s of the command, tool start included "
                f"— **{'met' if ok else 'not met'}**: 100 % of answers from the old version {spread(times, secs, ' s')} after the command "
                f"(first answer from it after {spread([never_as_inf(r.summary('c')['switches'][0]['firstTargetAnswerMs']) for r in done], secs, ' s')}); "
                f"the command itself returned after {spread([r.summary('c')['commandSeconds'] * 1000 for r in done], secs, ' s')} "
                f"(it then drains the replaced release for the configured drainSeconds: 2 s).")
        if not ok:
            busy = [rnd.cpu_window("c", *rnd.command_window("c")) for rnd in done]
            line += (f" Where the time to the switch went (medians): {steps_text(done, 'c')}; the machine's two cores were "
                     f"{spread([b[0] for b in busy if b is not None], lambda v: f'{v:.0f}', ' %')} busy meanwhile.")
        lines.append(line)
    else:
        all_met = False
        lines.append(f"- (c) the old version serves all answers within {WARM_ROLLBACK_LIMIT_MS / 1000:g} s of the command — **not met**: "
                     "no round completed the row.")

    lines.append(inprocess_verdict(run))
    all_met &= lines[-1].startswith(f"- (r) the old version serves all answers within {INPROCESS_ROLLBACK_LIMIT_MS / 1000:g} s of the request — **met**")

    done = run.completed("b")
    ratios = [deploy_p99_ratio(r.summary("b")) for r in done]
    if any(v is not None for v in ratios):
        ok = median(ratios) <= DEPLOY_P99_FACTOR
        all_met &= ok
        lines.append(f"- (b) p99 during the deploy at most {DEPLOY_P99_FACTOR}× idle — **{'met' if ok else 'not met'}**: "
                     f"{spread(ratios, ratio, '×')} idle; {spread([stat(r.summary('b'), 'duringCommand', 'p99Ms') for r in done], ms, ' ms')} "
                     f"during vs {spread([stat(r.summary('b'), 'idle', 'p99Ms') for r in done], ms, ' ms')} idle (see “(b) step by step” below).")
        idle = {k: median([stat(r.summary(k), "idle", "p99Ms") for r in run.completed(k)]) for k in ("b", "c", "d")}
        known = {k: v for k, v in idle.items() if v}
        lowest = min(known, key=known.get)
        during_b = median([stat(r.summary("b"), "duringCommand", "p99Ms") for r in done])
        lines.append("  The verdict leans on the idle baseline, which moves from window to window: the median idle p99 through the same proxy "
                     "was " + ", ".join(f"{ms(v)} ms before ({k})" for k, v in known.items())
                     + (f"; against the lowest, the median p99 during (b) is {during_b / known[lowest]:.1f}× idle." if lowest != "b" else "."))
    else:
        all_met = False
        lines.append(f"- (b) p99 during the deploy at most {DEPLOY_P99_FACTOR}× idle — **not met**: "
                     + ("no round completed the row." if not done else "no round has both an idle p99 and one during the deploy."))

    if done:
        cost = [r.cpu_seconds("b") for r in done]
        kernel = [c["kernel"] for c in cost]
        lines.append("- (b) the deploy's cost on this host, CPU-seconds from the command to its end (the figure p99 follows, steadier on a "
                     f"shared machine): tool {spread([c['tool'] for c in cost], cpu_s, ' s')} (the command and what it starts), engine "
                     f"{spread([c['engine'] for c in cost], cpu_s, ' s')} (dockerd, containerd, shims: the image build), kernel "
                     + (f"{spread(kernel, cpu_s, ' s')} (the whole machine's system time, the others' included)." if None not in kernel
                        else "not sampled (this run's CPU samples have no system time)."))

    shaken = {key: [(r, disturbed(run, r, key)) for r in run.completed(key)] for key in ("b", "c", "d")}
    shaken = {key: [(r, share) for r, share in pairs if share is not None] for key, pairs in shaken.items()}
    shaken = {key: pairs for key, pairs in shaken.items() if pairs}
    if shaken:
        lines.append("- ⚠ " + "; ".join(f"({key}) in round{'s' if len(pairs) > 1 else ''} {rounds_text([r for r, _ in pairs])}" for key, pairs in shaken.items())
                     + f" {'was' if sum(len(p) for p in shaken.values()) == 1 else 'were'} measured while other work on the machine used up to "
                     f"{max(share for pairs in shaken.values() for _, share in pairs):.0f} % of the two cores (see *Conditions* below): their "
                     "latencies and times say more about that work than about the tool. Failed-request counts still hold. Run again on a "
                     "quiet machine before trusting the latency verdicts.")
    lines += failed_rounds_lines(run)
    return lines, all_met


def inprocess_verdict(run):
    """(r): from the dashboard's request until 100 % of answers came from the old version, on the median."""
    start = f"- (r) the old version serves all answers within {INPROCESS_ROLLBACK_LIMIT_MS / 1000:g} s of the request"
    done = run.completed("r")
    if not done:
        return f"{start} — **not met**: no round completed the row."
    times = [all_target_ms(r.summary("r")) for r in done]
    return (f"{start} — **{'met' if median(times) <= INPROCESS_ROLLBACK_LIMIT_MS else 'not met'}**: 100 % of answers from the old "
            f"version {spread(times, ms, ' ms')} after the request to the running dashboard (no tool started); the dashboard answered "
            f"after {spread([r.summary('r')['commandSeconds'] * 1000 for r in done], ms, ' ms')}.")


def steps_text(rounds, key):
    """The median of each step until the switch over the rounds: "Setup 0.46 s, ..."."""
    per_round = [rnd.steps_until_switch(key) for rnd in rounds]
    names = []
    for steps in per_round:
        names += [name for name, _ in steps if name not in names]
    return ", ".join(f"{name} {median([dict(steps).get(name) for steps in per_round]):.2f} s" for name in names) or "no step recorded"


# --- the section -----------------------------------------------------------------------------------
def table_row(run, key):
    done = run.completed(key)
    summaries = [r.summary(key) for r in done]
    label, command, _ = done[0].rows[key]
    if key == "n":
        took = f"{len(summaries[0]['switches'])} × {spread([reload_seconds(r, key) * 1000 if reload_seconds(r, key) is not None else None for r in done], secs, ' s')}"
    else:
        took = spread([s["commandSeconds"] * 1000 for s in summaries], secs, " s")

    def arrow(name):
        return (f"{spread([stat(s, 'idle', name) for s in summaries], ms, ' ms')} → "
                f"{spread([stat(s, 'duringCommand', name) for s in summaries], ms, ' ms')}")

    return (f"| {label} | `{command}` | {len(done)} of {len(run.rounds)} | {spread([s['operation']['requests'] for s in summaries], count)} "
            f"| {failed_cell(summaries)} | {arrow('p50Ms')} | {arrow('p99Ms')} "
            f"| {spread([s['idleLongestWithoutGoodAnswerMs'] for s in summaries], ms, ' ms')} → {spread([s['longestWithoutGoodAnswerMs'] for s in summaries], ms, ' ms')} "
            f"| {spread([all_target_ms(s) for s in summaries], secs, ' s')} | {took} |")


def conditions_row(run, rnd, key):
    s = rnd.summary(key)
    idle, during, operation = s["idle"], s["duringCommand"], s["operation"]
    op_at, end_at = rnd.command_window(key)
    waited, _ = rnd.quiet(key)
    idle_note = "" if idle["failed"] == 0 else f" ({idle['failed']} failed while idle!)"
    shaken = " ⚠ disturbed" if disturbed(run, rnd, key) is not None else ""
    return (f"| {rnd.rows[key][0].split(' ')[0]} | {rnd.number}{shaken} | {waited} s | {idle['requestsPerSecond']:,.0f}{idle_note} | {during['requestsPerSecond']:,.0f} "
            f"| {rnd.cpu_split(key, rnd.mark_at(key, 'idle'), op_at)} | {rnd.cpu_split(key, op_at, end_at)} | {rnd.loadavg(key)} "
            f"| {operation['foundClosedByServer']} | {operation['newConnections']} | {ms(during['maxMs'])} ms |")


def phase_rows(rnd, key, phases):
    out = []
    for p in phases:
        st = p["stats"]
        out.append(f"| {p['name']} | {st['seconds']:.2f} s | {st['requests']:,} | {st['failed']} | {ms(st['p50Ms'])} ms | {ms(st['p99Ms'])} ms "
                   f"| {ms(st['maxMs'])} ms | {rnd.cpu_split(key, p['fromMs'], p['fromMs'] + st['seconds'] * 1000)} |")
    return out


def p99_of(latencies):
    latencies = sorted(latencies)
    return latencies[max(0, -(-99 * len(latencies) // 100) - 1)] if latencies else None


def deploy_details(run):
    """(b) step by step, from the round with the median p99 ratio."""
    rnd = median_round(run.completed("b"), lambda r: deploy_p99_ratio(r.summary("b")))
    if rnd is None:
        return "No round completed (b)."
    b = rnd.summary("b")
    p99_idle = b["idle"]["p99Ms"]
    limit = DEPLOY_P99_FACTOR * p99_idle
    over = [p for p in b["phases"] if p["stats"]["p99Ms"] is not None and p["stats"]["p99Ms"] > limit and p["stats"]["requests"] >= 50]
    v2 = rnd.versions.get("V2")
    raw = rnd.raw("b")
    new = [float(r["end_ms"]) for r in raw if r["outcome"] == "Ok" and r["version"] == v2]
    first_new = min(new) if new else None
    switch_window = [float(r["end_ms"]) - float(r["start_ms"]) for r in raw
                     if r["outcome"] == "Ok" and first_new is not None and first_new <= float(r["start_ms"]) < first_new + 500]

    def window_text(p):
        return rnd.cpu_split("b", p["fromMs"], p["fromMs"] + p["stats"]["seconds"] * 1000)

    def p99_medians(key):
        return (f"{ms(median([stat(r.summary(key), 'idle', 'p99Ms') for r in run.completed(key)]))} ms to "
                f"{ms(median([stat(r.summary(key), 'duringCommand', 'p99Ms') for r in run.completed(key)]))} ms")

    findings = [
        f"Round {rnd.number}, the one with the median ratio of p99 during the deploy to idle ({deploy_p99_ratio(b):.1f}×). "
        f"Idle p99 {ms(p99_idle)} ms, so the target is {ms(limit)} ms. " + "; ".join(
            f"{'The' if i == 0 else 'the'} {p['name'].split(':')[0]} part ({p['name'].split(': ', 1)[-1]}, {p['stats']['seconds']:.1f} s) has p99 "
            f"{ms(p['stats']['p99Ms'])} ms, CPU {window_text(p)}" for i, p in enumerate(b["parts"])) + ".",
        ("Tasks with p99 above 2× idle (and at least 50 requests): "
         + "; ".join(f"{p['name']} {ms(p['stats']['p99Ms'])} ms (CPU {window_text(p)})" for p in over) + ".") if over
        else "No task with at least 50 requests has a p99 above 2× idle.",
        (f"The switch itself: the requests started in the first 0.5 s after the first answer from the new release have p99 "
         f"{ms(p99_of(switch_window))} ms (max {ms(max(switch_window))} ms, {len(switch_window)} requests). " if switch_window
         else "No request of the round was answered by the new release. ")
        + (f"For comparison (medians over the rounds), switching to a release that has been running for a while, (c), moves p99 from "
           f"{p99_medians('c')}; " if run.completed("c") else "")
        + (f"switching to one just started, (d), from {p99_medians('d')}." if run.completed("d") else ""),
        "CPU classes: *command* is the tool and what it starts (dotnet, npm, git, and its standby timer, a shell that starts the tool again when the window ends), "
        "*engine* dockerd/containerd/shims/docker-proxy (the image build runs there), *proxy* the proxy container, *apps* this run's "
        "app and Redis containers, *load* the load generator, *other* the rest of the machine (other people's work).",
    ]
    header = "| {} | took | requests | failed | p50 | p99 | max | CPU of both cores: busy (by whom, % of both cores) |\n|---|---|---|---|---|---|---|---|"
    return "\n".join([
        "\n".join("- " + line for line in findings), "",
        header.format("part of the deploy"), *phase_rows(rnd, "b", b["parts"]), "",
        header.format("task of the tool (from the run's log file)"), *phase_rows(rnd, "b", b["phases"]),
    ])


def nginx_details(run):
    """Each reload of the round with the median number of failed requests."""
    rnd = median_round(run.completed("n"), lambda r: r.summary("n")["operation"]["failed"])
    if rnd is None:
        return "No round completed (n)."
    n = rnd.summary("n")
    raw = rnd.raw("n")
    bounds = [w["atMs"] for w in n["switches"]] + [n["stoppedMs"]]
    lines = [f"Round {rnd.number}, the one with the median number of failed requests ({n['operation']['failed']}).", "",
             "| reload | to | requests until the next | failed | idle keep-alive connections nginx closed | to 100 % target |",
             "|---|---|---|---|---|---|"]
    for i, w in enumerate(n["switches"]):
        window = [r for r in raw if bounds[i] <= float(r["start_ms"]) < bounds[i + 1]]
        kinds = {}
        for r in window:
            if r["outcome"] != "Ok":
                kinds[r["outcome"]] = kinds.get(r["outcome"], 0) + 1
        closed = sum(1 for r in window if r["found_closed"] == "1")
        bad = sum(kinds.values())
        lines.append(f"| {i + 1} | {w['target']} | {len(window):,} | {bad}{' (' + ', '.join(f'{v} {k}' for k, v in kinds.items()) + ')' if kinds else ''} "
                     f"| {closed} | {secs(never_as_inf(w['allTargetAfterMs']))}{' s' if w['allTargetAfterMs'] is not None else ''} |")
    return "\n".join(lines)


def old_way_steps(run, key):
    done = run.completed(key)
    if not done:
        return "not measured"
    names = [p["name"] for p in done[0].summary(key)["phases"]]
    return ", ".join(f"{name} {spread([next((p['stats']['seconds'] * 1000 for p in r.summary(key)['phases'] if p['name'] == name), None) for r in done], secs, ' s')}"
                     for name in names)


def zero_downtime_section(run):
    """(the section's text, all targets met)."""
    e = run.settings
    lines, all_met = verdicts(run)
    keys = [k for k in run.keys() if k != "failover"]
    shaken = any(disturbed(run, r, k) is not None for k in ("b", "c", "d") for r in run.completed(k))
    selftest = run.selftest
    selftest_text = (f"HttpClient: {selftest['httpClientFinding']}.\nThe raw client counts that request as a read error (all {len(selftest['checks'])} "
                     f"self-test checks {'passed' if selftest['passed'] else 'did NOT pass'})." if selftest else "The self-test left no result.")
    rounds = len(run.rounds)
    section = f"""{e['BEGIN_MARKER']}
## Zero downtime: the old way, our proxy, and nginx, under the same load

Targets: (b), (c), (d) fail no request and p99 during (b) is at most {DEPLOY_P99_FACTOR}× idle (issue 3); (c) brings the old version back
within {WARM_ROLLBACK_LIMIT_MS / 1000:g} s of the command, tool start included (issue 18; issue 3 asked 1.5 s); (r) fails no request and brings it
back within {INPROCESS_ROLLBACK_LIMIT_MS / 1000:g} s of the request to the running dashboard (issue 18). Each row ran in {rounds} round{'s' if rounds > 1 else ''};
every figure below is the **median** over the rounds, with the spread (min–max) in parentheses, and the verdicts are taken on the
median. Result: **{'all met' if all_met else 'not all met'}**{' — ⚠ but partly measured while other work kept the machine busy, see below' if shaken else ''}.

{chr(10).join(lines)}

| row | command | rounds | requests | failed | p50 idle → during | p99 idle → during | longest with no good answer, idle → during | to 100 % target version | command took |
|---|---|---|---|---|---|---|---|---|---|
{chr(10).join(table_row(run, k) for k in keys)}

- Rounds: the script runs the whole sequence of rows {rounds} time{'s' if rounds > 1 else ''} (`RUNS`), each round deploying a commit pushed for it:
  (b), (c) right after it, (r) right after (c), (d) after the standby window, then (a), (a′), (n) and (failover). A round whose command failed stops
  there and is named above; the rows it completed count. *rounds* says how many rounds each row's figures come from.
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
- *to 100 % target version*: from the command until the first good answer from the target version (the version live when the round
  started, or the commit pushed for it, as the app's `{{"version": ...}}` says) that came after the last answer that was not one (an
  answer from the other version, or a failure): from that answer on, every answer came from the target.
- *longest with no good answer*: the longest stretch in which none of the {e['CONNECTIONS_N']} connections got a good answer (of any version),
  in the idle window and from the command until the load stopped: the downtime a user sees, including requests that hang
  instead of failing (in (a), connection attempts hang while the new container is created, and succeed when it listens).
- (a) and (a′) run the tool's own images of v1 and v2 as `deploy_kaha.sh` did: published directly on 127.0.0.1:PORT:PORT, no proxy.
  The sample app handles SIGTERM (it stops accepting, finishes in-flight requests, closes idle keep-alive connections, exits;
  3 s grace), so `docker stop` is short: {old_way_steps(run, 'a')}. The seed's app did not handle SIGTERM; node as PID 1 then ignores it and
  `docker stop` waits its full 10 s grace before SIGKILL — row (a′), an app with no handler (`node -e`, `--init=false`): {old_way_steps(run, 'a2')}.
- (b), (c), (d) run the tool as a user does, from the repository root, with `--config=` pointing at this run's own config
  (unique names, app served from a bare git origin, Redis run by `--target=StartRedis --env=backing`): proxy
  `healthyInARow` 3, `drainSeconds` 2, `standbySeconds` {e['STANDBY']} (short, so that (d) finds the previous release stopped), and no
  Redis backup before a change (`backups.beforeDeploy` false: the rows measure the switch, not a BGSAVE that would come first).
  (b) deploys v2 (pull, `npm ci` on the host, image build, start beside, gate, switch, drain); (c) returns to v1, the warm standby;
  (d) waits until the standby timer has stopped the standby (r) left, then returns to it.
- (r) asks the Rollback of the dashboard that runs all along (`--target=Dashboard`, started once for the run), as its button does:
  `bench/zero-downtime/dashboard_rollback.py` signs in and opens the confirmation page first, then sends the confirmed form; the
  time counts from that request. (c) left v2 as the warm standby, so the dashboard switches to it in its own process, under the
  lock, and lets the names, the standby window, the history and Slack follow, as the Rollback target does.
- Until the switch, step by step (each task's duration from the run's log file, medians over the rounds): (c) {steps_text(run.completed('c'), 'c')}; (d) {steps_text(run.completed('d'), 'd')}.
- (n) nginx {e['NGINX']} from Debian's `nginx-light`, in a FROM-scratch image built from the host's binary, the libraries `ldd` lists,
  busybox, `mime.types`, an `/etc/passwd` with `nobody` and `/var/lib/nginx`, `/var/log/nginx`, `/run`; `worker_processes 2`,
  an upstream with `keepalive 32` pointing at one of two app containers (v1, v2); each switch rewrites the upstream file, runs
  `nginx -t`, then `nginx -s reload` (both with `docker exec`).

### (b) step by step: where the deploy's p99 comes from

{deploy_details(run)}

### (n) nginx: each reload

{nginx_details(run)}

An idle keep-alive connection the server closed is noticed by the client before it sends (as browsers and HttpClient do) and
reopened: counted in the column above, not as a failure. A request that was sent on a connection the old worker closed at that very
moment gets no answer: a read error.

### Conditions of each row, round by round

| row | round | waited for quiet | req/s idle | req/s during | CPU idle window | CPU during the command | load average at the start | server-closed idle connections | new connections | max latency during |
|---|---|---|---|---|---|---|---|---|---|---|
{chr(10).join(conditions_row(run, r, k) for k in keys for r in run.completed(k))}

Before each row but (c) (which has to run inside the standby window) the script waited, from a budget of {e['QUIET_WAIT']} s for the whole run,
until other work used less than {e['QUIET_PERCENT']} % of the cores; a row is marked *disturbed* when other work still used more than that in its idle
window or during its command. CPU is the CPU time processes used, as a share of both cores (100 % = both busy), from the per-process times in `/proc` sampled
every 250 ms by `bench/zero-downtime/cpu_sampler.py`, split by who used it (the classes are explained under (b)); the kernel's own
work outside processes (loopback networking) is not in it, nor processes that started and ended between two samples. The
machine may be shared: *other* is everyone else's work. Compare rows of the same run.

### The load generator's client

`bench/zero-downtime` speaks HTTP/1.1 on plain sockets instead of using `HttpClient`, because `SocketsHttpHandler` sends a request again,
silently, when the reused keep-alive connection it went out on is closed before any answer: exactly the failure a proxy reload causes.
Its self-test checks this every run against a local server that drops the second request on a connection: {selftest_text}

Machine: {e['NPROC']} cores ({e['CPU']}), {e['MEM_GIB']} GiB memory, {e['OS']}; Docker engine {e['DOCKER']}; .NET SDK {e['SDK']}
(runtime {e['RUNTIME']}); node {e['NODE']}; nginx {e['NGINX']}; load average {e['LOAD_BEFORE']} before, {e['LOAD_AFTER']} after.
Measured {e['DATE']} at commit {e['COMMIT']}.

Produced by (from the repository root):

```sh
{e['INVOCATION']}
```
{e['END_MARKER']}
"""
    return section, all_met, lines


# --- the failover section --------------------------------------------------------------------------
def last_failure_ms(rnd, key):
    """From the kill to the end of the last failed request, or None when none failed."""
    op_at = rnd.mark_at(key, "op")
    bad = [float(r["end_ms"]) for r in rnd.raw(key) if r["outcome"] != "Ok" and float(r["start_ms"]) >= op_at]
    return max(bad) - op_at if bad else None


def failover_section(run):
    """The failover row in a section of its own, so that ROWS=failover can refresh it without the other rows."""
    e = run.settings
    key = "failover"
    done = run.completed(key)
    rounds = len(run.rounds)
    if done:
        summaries = [r.summary(key) for r in done]
        lasts = [last_failure_ms(r, key) for r in done]
        failing = [v for v in lasts if v is not None]
        last = "none" if not failing else (f"{spread(failing, secs, ' s')} (in {len(failing)} of {len(done)} round{'s' if len(done) > 1 else ''})")
        row = (f"| {done[0].rows[key][0]} | `{done[0].rows[key][1]}` | {len(done)} of {rounds} | {spread([s['operation']['requests'] for s in summaries], count)} "
               f"| {failed_cell(summaries)} | {last} | {spread([s['longestWithoutGoodAnswerMs'] for s in summaries], ms, ' ms')} "
               f"| {spread([all_target_ms(s) for s in summaries], secs, ' s')} | 36 s of 502s and timeouts, until the tool ran |")
        notes = "; ".join(f"round {r.number}: {r.rows[key][2]}" for r in done)
        shares = [r.quiet(key) for r in done]
        busy = ("; other work used " + ", ".join(f"{share} %" for _, share in shares) + " of the cores when the row started (after "
                + ", ".join(f"{waited} s" for waited, _ in shares) + " of waiting for quiet)") if all(share != "-" for _, share in shares) else ""
        loads = ", ".join(r.loadavg(key) for r in done)
    else:
        row = f"| (failover) `docker kill` of the live release, warm standby running | `docker kill kaha_prod` | 0 of {rounds} | — | — | — | — | — | 36 s of 502s and timeouts, until the tool ran |"
        notes, busy, loads = "no round completed the row", "", "—"
    alone = e["ROWS_WANTED"] != "all"
    failures = failed_rounds_lines(run)
    return f"""{e['FAILOVER_BEGIN']}
## Failover: the live release killed behind the proxy

| row | command | rounds | requests | failed | last failure after the kill | longest with no good answer | to 100 % standby version | before issue 11 |
|---|---|---|---|---|---|---|---|---|
{row}
{(chr(10) + chr(10).join(failures) + chr(10)) if failures else ''}
- Each figure is the median over the rounds that completed the row, with the spread (min–max) in parentheses ({notes}). The same load
  as the other rows ({e['CONNECTIONS_N']} keep-alive connections to `GET /version`, a request every {e['INTERVAL']} ms each, timeout
  {int(e['TIMEOUT']) / 1000:g} s); the counts are of the requests started from the kill until the load stopped, {e['TAIL']} s after the
  standby's version answered everywhere. The proxy asks the routed release's health path every 500 ms and fails over
  at once when a connection is refused or its name is gone (a killed or stopped container), after 3 failed answers otherwise; a GET
  that failed on the dead release is sent again to the standby at once.
- The figure before the change is the one the issue reported (`docker kill` of the live release, nothing else done): the proxy kept
  routing to the dead release until the next run of the tool.
- {'Measured alone (`ROWS=failover`)' if alone else 'Measured with the other rows'} on a shared 2-core machine ({e['CPU']}), {e['DATE']}, commit {e['COMMIT']};
  load average {loads} at the start of the row{busy}.

Produced by (from the repository root):

```sh
{e['INVOCATION']}
```
{e['FAILOVER_END']}
"""


def main(argv):
    if len(argv) != 2:
        print("Usage: report.py RUN_DIR", file=sys.stderr)
        return 2
    run = Run(argv[1])
    write(os.path.join(run.folder, "failover-section.md"), failover_section(run))
    if run.settings["ROWS_WANTED"] == "all":
        section, all_met, lines = zero_downtime_section(run)
        write(os.path.join(run.folder, "section.md"), section)
        print(f"Zero downtime over {len(run.rounds)} round(s), verdicts on the median: {'all met' if all_met else 'not all met'}")
        print("\n".join(lines))
    else:
        print("\n".join(failed_rounds_lines(run)) or f"Failover over {len(run.rounds)} round(s): no round failed")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
