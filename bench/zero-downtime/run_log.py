"""The tool's log file of one run (.deploy/ENV/logs/*.log: every message at every verbosity, each line
"2026-12-06T18:58:45.283Z LVL message"), read for the bench: when each of Cake's tasks began and how long it took.

The bench runs the tool as a user does, at the default verbosity, so its output has no task headers and no table of
durations (both cost the run CPU and time on the cores it is measured on); this file has every task all the same.

  python3 run_log.py marks RUNLOG   prints the load generator's marks ("EPOCH_SECONDS phase TASK", and the deploy's
                                    release part at RunContainer) for the tasks of the run
"""
import datetime
import re
import sys

LINE = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z) (\w{3}) (.*)$")
TASK_SETUP = re.compile(r"^Executing custom task setup action \((\w+)\)\.\.\.$")
EXECUTING = re.compile(r"^Executing task: (\w+)$")
SKIPPING = re.compile(r"^Skipping task: (\w+)$")
COMPLETED = re.compile(r"^Completed in (\d+):(\d+):(\d+(?:\.\d+)?)$")
TEARDOWN = "Executing custom teardown action..."
RELEASE_PART = "release: RunContainer … end"


def entries(text):
    """[(epoch seconds, message)] of the lines that start an entry (a message's further lines carry no time)."""
    out = []
    for line in text.splitlines():
        match = LINE.match(line)
        if match:
            at = datetime.datetime.strptime(match.group(1), "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=datetime.timezone.utc)
            out.append((at.timestamp(), match.group(3)))
    return out


def task_starts(lines):
    """[(epoch seconds, name)] of the run's entries(): Setup at the first, each task at its task setup,
    TearDown at the teardown."""
    starts = [(lines[0][0], "Setup")] if lines else []
    for at, message in lines:
        if match := TASK_SETUP.match(message):
            starts.append((at, match.group(1)))
        elif message == TEARDOWN:
            starts.append((at, "TearDown"))
    return starts


def durations(lines):
    """Cake's task durations from the run's entries: [(name, seconds, status)], Setup first (until the first task began);
    a skipped task is "Skipped", one that ran to its end "Succeeded"; one that failed has no entry."""
    starts = task_starts(lines)
    out = []
    if len(starts) > 1:
        out.append(("Setup", starts[1][0] - starts[0][0], "Succeeded"))
    running = None
    for _, message in lines:
        if match := EXECUTING.match(message):
            running = match.group(1)
        elif match := SKIPPING.match(message):
            out.append((match.group(1), 0.0, "Skipped"))
        elif (match := COMPLETED.match(message)) and running is not None:
            out.append((running, int(match.group(1)) * 3600 + int(match.group(2)) * 60 + float(match.group(3)), "Succeeded"))
            running = None
    return out


def marks(lines):
    out = []
    for at, name in task_starts(lines):
        out.append(f"{at:.6f} phase {name}")
        if name == "RunContainer":
            out.append(f"{at:.6f} part {RELEASE_PART}")
    return out


def main(argv):
    if len(argv) != 3 or argv[1] != "marks":
        print("usage: run_log.py marks RUNLOG", file=sys.stderr)
        return 2
    with open(argv[2], encoding="utf-8") as file:
        for line in marks(entries(file.read())):
            print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
