"""CPU use of the whole machine, split by who used it, every 250 ms, for bench/zero-downtime.sh.

Usage: cpu_sampler.py OUT STOP_FILE DRIVER_PID LOAD_PID CONFIG PREFIX [MAX_SECONDS]
       cpu_sampler.py --others SECONDS DRIVER_PID CONFIG PREFIX    prints the % of both cores that class "other" used over SECONDS

Writes one JSON line per interval: {"t": end of the interval (Unix ms), "capacity": clock ticks the cores had in the interval
(wall time × cores × CLK_TCK), "by": {class: clock ticks of CPU time used}, "stat_system": the machine's system time in the
interval (/proc/stat's system + irq + softirq: the kernel's work for every process and outside them), "stat_total"/"stat_busy": the
same interval as /proc/stat counts it (for reference only: on this VM, under the benchmark's load, /proc/stat counted fewer ticks than wall time
and less busy time than the processes' own times add up to, so the shares are computed from the per-process times)}. CPU time the kernel spends outside processes (e.g. softirq work for loopback
networking) is in no class. Classes:
  load        the load generator (LOAD_PID)
  command     what the row runs: processes started by the driver (./build.sh, dotnet, npm, git, the docker CLI) and the tool's
              own timer (any process whose command line names this run's config)
  engine      dockerd, containerd, containerd-shim, runc, docker-proxy
  proxy       this run's proxy container (NAME_proxy, or the nginx one)
  apps        this run's other containers (the app releases, Redis)
  other       everything else on the machine (other containers, other people's work)
Per process it counts the CPU time used since the previous sample (a process first seen counts all of its time if it started
after the previous sample), so short-lived processes such as npm's are counted too, up to their last sample.
Stops when STOP_FILE exists, or after MAX_SECONDS (default 480).
"""
import json
import os
import re
import subprocess
import sys
import time

if sys.argv[1] == "--others":
    quiet_seconds = float(sys.argv[2])
    out_path, stop_file, load_pid = os.devnull, "", "0"
    driver_pid, config, prefix = sys.argv[3:6]
    max_seconds = quiet_seconds
else:
    quiet_seconds = None
    out_path, stop_file, driver_pid, load_pid, config, prefix = sys.argv[1:7]
    max_seconds = float(sys.argv[7]) if len(sys.argv) > 7 else 480.0
driver_pid, load_pid = int(driver_pid), int(load_pid)
me = os.getpid()
ENGINE = {"dockerd", "containerd", "runc", "docker-proxy", "docker-init"}
CONTAINER_ID = re.compile(r"[0-9a-f]{64}")

container_names = {}
classes = {}   # (pid, starttime) -> class
last = {}      # (pid, starttime) -> utime + stime at the previous sample


def read(path):
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError:
        return None


def stat(pid):
    raw = read(f"/proc/{pid}/stat")
    if raw is None:
        return None
    text = raw.decode(errors="replace")
    comm = text[text.index("(") + 1:text.rindex(")")]
    rest = text[text.rindex(")") + 2:].split()
    return comm, int(rest[1]), int(rest[11]) + int(rest[12]), int(rest[19])


def container_of(pid):
    raw = read(f"/proc/{pid}/cgroup")
    match = CONTAINER_ID.search(raw.decode(errors="replace")) if raw else None
    if not match:
        return None
    cid = match.group(0)
    if cid not in container_names:
        try:
            name = subprocess.run(["docker", "inspect", "--format", "{{.Name}}", cid], capture_output=True, text=True, timeout=5).stdout.strip()
        except (OSError, subprocess.TimeoutExpired):
            name = ""
        container_names[cid] = name.lstrip("/")
    return container_names[cid]


def classify(pid, comm, ppid, parents):
    if pid == load_pid:
        return "load"
    name = container_of(pid)
    if name is not None:
        if name.startswith(prefix + "_"):
            return "proxy" if name.endswith("_proxy") or name.endswith("_nginx") else "apps"
        return "other"
    if comm in ENGINE or comm.startswith("containerd-shim"):
        return "engine"
    cmdline = (read(f"/proc/{pid}/cmdline") or b"").replace(b"\0", b" ").decode(errors="replace")
    if "--config=" + config in cmdline:
        return "command"
    seen, p = set(), ppid
    while p > 1 and p not in seen:
        if p == driver_pid:
            return "command"
        seen.add(p)
        p = parents.get(p, 0)
    return "other"


def machine():
    """(total, busy, system) ticks since boot; the fields are user nice system idle iowait irq softirq steal."""
    fields = read("/proc/stat").split(b"\n", 1)[0].split()[1:9]
    values = [int(v) for v in fields]
    return sum(values), sum(values) - values[3] - values[4], values[2] + values[5] + values[6]


def uptime_ticks():
    return float(read("/proc/uptime").split()[0]) * os.sysconf("SC_CLK_TCK")


ticks_per_second = os.sysconf("SC_CLK_TCK")
cores = os.cpu_count() or 1
started = time.time()
previous_time = started
previous_total, previous_busy, previous_system = machine()
previous_uptime = uptime_ticks()
others = capacity = 0.0
with open(out_path, "w") as out:
    while not (stop_file and os.path.exists(stop_file)) and time.time() - started < max_seconds:
        time.sleep(0.25)
        processes = {}
        for entry in os.listdir("/proc"):
            if entry.isdigit() and int(entry) != me:
                info = stat(int(entry))
                if info:
                    processes[int(entry)] = info
        parents = {pid: info[1] for pid, info in processes.items()}
        by = {}
        current = {}
        for pid, (comm, ppid, cpu, start) in processes.items():
            key = (pid, start)
            if key not in classes:
                classes[key] = classify(pid, comm, ppid, parents)
            before = last.get(key, 0 if start > previous_uptime else cpu)
            by[classes[key]] = by.get(classes[key], 0) + max(0, cpu - before)
            current[key] = cpu
        last = current
        total, busy, system = machine()
        now = time.time()
        out.write(json.dumps({"t": now * 1000, "capacity": (now - previous_time) * cores * ticks_per_second, "by": by,
                              "stat_system": system - previous_system,
                              "stat_total": total - previous_total, "stat_busy": busy - previous_busy}) + "\n")
        out.flush()
        others += by.get("other", 0)
        capacity += (now - previous_time) * cores * ticks_per_second
        previous_total, previous_busy, previous_system, previous_uptime, previous_time = total, busy, system, uptime_ticks(), now
if quiet_seconds is not None:
    print(round(100 * others / capacity) if capacity else 0)
