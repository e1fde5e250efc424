"""Tests of report.py on the recorded run folder in fixtures/run (see fixtures/README.md): every verdict met and not met,
medians and spreads over rounds, disturbed rows, failed rounds, and the failover section alone.

Run from this folder: python3 -m unittest -v test_report  (tests/BenchReportTests.cs runs it with the other tests)
"""
import contextlib
import io
import json
import os
import shutil
import tempfile
import unittest

import report
import run_log

FIXTURE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures", "run")


class RunFolder:
    """A copy of the fixture run to change: round 1 is the recorded round; more rounds are copies of it."""

    def __init__(self, rounds=1):
        self.folder = tempfile.mkdtemp(prefix="zd-report-test-")
        shutil.copytree(FIXTURE, self.folder, dirs_exist_ok=True)
        for number in range(2, rounds + 1):
            shutil.copytree(self.path("1"), self.path(str(number)))

    def path(self, *names):
        return os.path.join(self.folder, *names)

    def change_summary(self, round_number, key, change):
        file = self.path(str(round_number), f"{key}.summary.json")
        summary = json.loads(report.read(file))
        change(summary)
        report.write(file, json.dumps(summary))

    def change_settings(self, **values):
        settings = json.loads(report.read(self.path("run.json")))
        settings.update(values)
        report.write(self.path("run.json"), json.dumps(settings))

    def keep_rows(self, round_number, keys):
        """The round completed only these rows (rows.tsv lists what a round completed)."""
        file = self.path(str(round_number), "rows.tsv")
        lines = report.read(file).splitlines()
        report.write(file, "".join(line + "\n" for line in lines if line.split("\t")[0] in keys))

    def fail_round(self, round_number, reason, completed):
        self.keep_rows(round_number, completed)
        report.write(self.path(str(round_number), "failed"), reason + "\n")

    def quiet_machine(self, round_number, key):
        """CPU samples of the row with other people's work taken out: the row is not disturbed."""
        file = self.path(str(round_number), f"{key}.cpu")
        samples = [json.loads(line) for line in report.read(file).splitlines()]
        for sample in samples:
            sample["by"]["other"] = 0
        report.write(file, "".join(json.dumps(s) + "\n" for s in samples))

    def system_time(self, round_number, key, ticks):
        """CPU samples of the row as cpu_sampler.py now writes them, with the machine's system time: TICKS in each sample."""
        file = self.path(str(round_number), f"{key}.cpu")
        samples = [json.loads(line) for line in report.read(file).splitlines()]
        for sample in samples:
            sample["stat_system"] = ticks
        report.write(file, "".join(json.dumps(s) + "\n" for s in samples))

    def report(self):
        """Runs report.py's main as the script does: (what it printed, section.md or None, failover-section.md)."""
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            status = report.main(["report.py", self.folder])
        assert status == 0, status
        section = self.path("section.md")
        return (printed.getvalue(), report.read(section) if os.path.exists(section) else None,
                report.read(self.path("failover-section.md")))

    def remove(self):
        shutil.rmtree(self.folder, ignore_errors=True)


def verdict(section, start):
    """The verdict line that starts with START."""
    lines = [line for line in section.splitlines() if line.startswith(start)]
    assert len(lines) == 1, f"{len(lines)} lines start with {start!r}:\n{section}"
    return lines[0]


def table_row(section, label_start):
    return next(line for line in section.splitlines() if line.startswith(f"| {label_start}"))


class ReportTest(unittest.TestCase):
    def run_folder(self, rounds=1):
        folder = RunFolder(rounds)
        self.addCleanup(folder.remove)
        return folder


class TheRecordedRound(ReportTest):
    def test_writes_both_sections_between_their_markers_with_every_row(self):
        printed, section, failover = self.run_folder().report()

        self.assertTrue(section.startswith("<!-- zero-downtime:begin -->\n") and section.endswith("<!-- zero-downtime:end -->\n"))
        self.assertTrue(failover.startswith("<!-- zero-downtime-failover:begin -->\n") and failover.endswith("<!-- zero-downtime-failover:end -->\n"))
        for label in ["(a) old way", "(a′) old way", "(b) Deploy", "(c) Rollback, warm", "(d) Rollback, stopped", "(r) Rollback asked", "(n) nginx"]:
            self.assertIn("| 1 of 1 |", table_row(section, label))
        self.assertIn("| (failover) `docker kill`", failover)
        self.assertIn("Result: **not all met**", section)
        self.assertIn("verdicts on the median: not all met", printed)

    def test_shows_the_tasks_until_the_switch_from_cakes_durations(self):
        _, section, _ = self.run_folder().report()

        steps = verdict(section, "- Until the switch")
        self.assertIn("(c) start of `./build.sh` (bash, the .NET runtime, the host) until Setup 0.74 s, Setup 0.20 s", steps)
        self.assertIn("RestorePrevious 0.47 s, HealthCheck 1.10 s, SwitchTraffic 0.15 s.", steps)
        self.assertNotIn("Drain", steps, "the steps stop at the switch")
        self.assertNotIn("RecoverRenames", steps, "a skipped task took no part")


class TheRunLog(unittest.TestCase):
    """The tool's own log file of a run gives the task marks and durations the bench no longer asks its output for."""

    def test_marks_each_task_and_the_release_part_at_its_start(self):
        text = report.read(os.path.join(FIXTURE, "1", "d.runlog"))

        marks = run_log.marks(run_log.entries(text))

        self.assertEqual("1796529801.166000 phase Setup", marks[0])
        self.assertEqual(["Setup", "Lock", "DockerPreflight", "RecoverRenames", "EnsureProxy", "Reconcile", "RestorePrevious",
                          "HealthCheck", "SwitchTraffic", "Drain", "NotifySlack", "Rollback", "TearDown"],
                         [m.split(" ", 2)[2] for m in marks if " phase " in m])
        self.assertNotIn("part", " ".join(marks), "a rollback starts no container")

    def test_the_release_part_begins_with_run_container(self):
        text = ("2026-12-06T04:03:21.166Z VRB Executing custom setup action...\n"
                "2026-12-06T04:03:22.000Z DBG Executing custom task setup action (RunContainer)...\n"
                "  a message's second line, without a time\n"
                "2026-12-06T04:03:23.500Z VRB Executing custom teardown action...\n")

        self.assertEqual(["1796529801.166000 phase Setup", "1796529802.000000 phase RunContainer",
                          "1796529802.000000 part release: RunContainer … end", "1796529803.500000 phase TearDown"], run_log.marks(run_log.entries(text)))

    def test_durations_of_tasks_that_ran_skipped_ones_and_one_that_failed(self):
        text = ("2026-12-06T04:03:21.000Z VRB Executing custom setup action...\n"
                "2026-12-06T04:03:21.250Z DBG Executing custom task setup action (Lock)...\n"
                "2026-12-06T04:03:21.250Z VRB Executing task: Lock\n"
                "2026-12-06T04:03:21.280Z VRB Completed in 00:00:00.0301000\n"
                "2026-12-06T04:03:21.280Z DBG Executing custom task setup action (CheckNodes)...\n"
                "2026-12-06T04:03:21.280Z VRB Skipping task: CheckNodes\n"
                "2026-12-06T04:03:21.281Z DBG Executing custom task setup action (HealthCheck)...\n"
                "2026-12-06T04:03:21.281Z VRB Executing task: HealthCheck\n"
                "2026-12-06T04:04:21.281Z ERR kaha_prod did not answer /healthz within 60 s\n")

        self.assertEqual([("Setup", 0.25, "Succeeded"), ("Lock", 0.0301, "Succeeded"), ("CheckNodes", 0.0, "Skipped")],
                         [(name, round(secs, 4), status) for name, secs, status in run_log.durations(run_log.entries(text))])

    def test_no_log_file_no_steps(self):
        folder = RunFolder()
        self.addCleanup(folder.remove)
        os.remove(folder.path("1", "c.runlog"))

        self.assertEqual([], report.Run(folder.folder).rounds[0].steps_until_switch("c"))


class ZeroFailedRequests(ReportTest):
    def test_met_when_no_request_failed(self):
        _, section, _ = self.run_folder().report()

        self.assertEqual(verdict(section, "- (b) Deploy: 0 failed"),
                         "- (b) Deploy: 0 failed requests — **met**: 0 failed of 29,887 requests a round, idle window included (1 of 1 rounds).")

    def test_not_met_when_some_failed(self):
        run = self.run_folder()
        run.change_summary(1, "d", lambda s: s["operation"].update(failed=3, readErrors=3))

        _, section, _ = run.report()

        self.assertIn("**not met**: 3 failed of", verdict(section, "- (d) cold Rollback: 0 failed"))
        self.assertIn("failures in round 1", verdict(section, "- (d) cold Rollback: 0 failed"))
        self.assertIn("**3** (in all rounds: 3 read)", table_row(section, "(d) Rollback"))
        self.assertIn("**met**", verdict(section, "- (c) warm Rollback: 0 failed"))

    def test_failures_in_the_idle_window_count_too(self):
        run = self.run_folder()
        run.change_summary(1, "c", lambda s: s["idle"].update(failed=2))

        _, section, _ = run.report()

        self.assertIn("**not met**: 2 failed of", verdict(section, "- (c) warm Rollback: 0 failed"))
        self.assertIn("(2 failed while idle!)", table_row(section, "(c) | 1"))

    def test_judged_on_the_median_and_the_round_with_failures_named(self):
        run = self.run_folder(rounds=3)
        run.change_summary(2, "b", lambda s: s["operation"].update(failed=5, timeouts=5))

        _, section, _ = run.report()

        line = verdict(section, "- (b) Deploy: 0 failed")
        self.assertIn("**met**: 0 (0–5) failed of", line)
        self.assertIn("failures in round 2 (3 of 3 rounds)", line)
        self.assertIn("**0 (0–5)** (in all rounds: 5 timeout)", table_row(section, "(b) Deploy"))


class WarmRollbackTime(ReportTest):
    def test_met_within_the_limit(self):
        run = self.run_folder()
        run.change_summary(1, "c", lambda s: s["switches"][0].update(allTargetAfterMs=420.0, firstTargetAnswerMs=400.0))

        _, section, _ = run.report()

        line = verdict(section, "- (c) the old version serves all answers")
        self.assertIn("within 0.5 s of the command, tool start included — **met**: 100 % of answers from the old version 0.42 s", line)
        self.assertNotIn("Where the time to the switch went", line)

    def test_not_met_over_the_limit_says_where_the_time_went(self):
        # The branch that crashed with NameError (c_steps) when it first ran.
        _, section, _ = self.run_folder().report()

        line = verdict(section, "- (c) the old version serves all answers")
        self.assertIn("— **not met**: 100 % of answers from the old version 2.31 s after the command", line)
        self.assertIn("Where the time to the switch went (medians): start of `./build.sh` (bash, the .NET runtime, the host) until Setup "
                      "0.74 s, Setup 0.20 s, Lock 0.01 s, DockerPreflight 0.05 s, EnsureProxy 0.54 s, Reconcile 0.10 s, "
                      "RestorePrevious 0.04 s, HealthCheck 0.06 s, SwitchTraffic 0.15 s; the machine's two cores were 97 % busy meanwhile.", line)

    def test_never_reached_is_not_met(self):
        run = self.run_folder()
        run.change_summary(1, "c", lambda s: s["switches"][0].update(allTargetAfterMs=None, firstTargetAnswerMs=None, endsOnTarget=False))

        _, section, _ = run.report()

        self.assertIn("**not met**: 100 % of answers from the old version never after the command", verdict(section, "- (c) the old version"))
        self.assertIn("| never |", table_row(section, "(c) Rollback"))

    def test_median_of_rounds_with_the_spread(self):
        run = self.run_folder(rounds=3)
        for number, ms in [(1, 400.0), (2, 1600.0), (3, 450.0)]:
            run.change_summary(number, "c", lambda s, ms=ms: s["switches"][0].update(allTargetAfterMs=ms))

        _, section, _ = run.report()

        self.assertIn("**met**: 100 % of answers from the old version 0.45 s (0.40–1.60) after the command", verdict(section, "- (c) the old version"))
        self.assertIn("| 0.45 s (0.40–1.60) |", table_row(section, "(c) Rollback"))


class InProcessRollback(ReportTest):
    def test_met_within_a_tenth_of_a_second_of_the_request(self):
        _, section, _ = self.run_folder().report()

        self.assertEqual(verdict(section, "- (r) the old version serves all answers"),
                         "- (r) the old version serves all answers within 0.1 s of the request — **met**: 100 % of answers from the old "
                         "version 38.0 ms after the request to the running dashboard (no tool started); the dashboard answered after 46.0 ms.")
        self.assertIn("**met**: 0 failed of", verdict(section, "- (r) in-process Rollback: 0 failed"))
        self.assertIn("| 1 of 1 | 1,650 | **0** |", table_row(section, "(r) Rollback asked of the running dashboard"))

    def test_not_met_over_the_limit_judged_on_the_median(self):
        run = self.run_folder(rounds=3)
        for number, ms in [(1, 90.0), (2, 450.0), (3, 130.0)]:
            run.change_summary(number, "r", lambda s, ms=ms: s["switches"][0].update(allTargetAfterMs=ms))

        printed, section, _ = run.report()

        self.assertIn("— **not met**: 100 % of answers from the old version 130 ms (90.0–450) after the request", verdict(section, "- (r) the old version"))
        self.assertIn("- (r) the old version serves all answers within 0.1 s of the request — **not met**", printed)

    def test_failed_requests_and_a_missing_row_are_not_met(self):
        run = self.run_folder()
        run.change_summary(1, "r", lambda s: s["operation"].update(failed=2, connectErrors=2))

        _, section, _ = run.report()

        self.assertIn("**not met**: 2 failed of", verdict(section, "- (r) in-process Rollback: 0 failed"))

        run.keep_rows(1, ["a", "a2", "b", "c", "d", "n", "failover"])
        _, section, _ = run.report()

        self.assertEqual(verdict(section, "- (r) the old version serves all answers"),
                         "- (r) the old version serves all answers within 0.1 s of the request — **not met**: no round completed the row.")
        self.assertIn("- (r) in-process Rollback: 0 failed requests — **not met**: no round completed the row.", section)


class DeployP99(ReportTest):
    def test_met_at_most_twice_idle(self):
        _, section, _ = self.run_folder().report()

        self.assertEqual(verdict(section, "- (b) p99 during the deploy"),
                         "- (b) p99 during the deploy at most 2× idle — **met**: 1.7× idle; 56.7 ms during vs 33.8 ms idle "
                         "(see “(b) step by step” below).")

    def test_not_met_above_twice_idle(self):
        run = self.run_folder()
        run.change_summary(1, "b", lambda s: s["duringCommand"].update(p99Ms=81.2))

        _, section, _ = run.report()

        self.assertIn("— **not met**: 2.4× idle; 81.2 ms during vs 33.8 ms idle", verdict(section, "- (b) p99 during the deploy"))

    def test_the_ratio_is_the_median_over_rounds_and_the_details_come_from_that_round(self):
        run = self.run_folder(rounds=3)
        run.change_summary(1, "b", lambda s: s["duringCommand"].update(p99Ms=101.4))  # 3.0×
        run.change_summary(3, "b", lambda s: s["duringCommand"].update(p99Ms=84.5))  # 2.5×

        _, section, _ = run.report()

        self.assertIn("— **not met**: 2.5× (1.7–3.0) idle", verdict(section, "- (b) p99 during the deploy"))
        self.assertIn("- Round 3, the one with the median ratio of p99 during the deploy to idle (2.5×).", section)


class DeployCpuSeconds(ReportTest):
    # The recorded (b) has 32 CPU samples between the command and its end (cpu_sampler.py counts in 1/100 s).
    def test_tool_engine_and_kernel_as_the_median_of_rounds_with_the_spread(self):
        run = self.run_folder(rounds=3)
        for number, ticks in [(1, 10), (2, 5), (3, 20)]:
            run.system_time(number, "b", ticks)

        _, section, _ = run.report()

        self.assertEqual(verdict(section, "- (b) the deploy's cost on this host"),
                         "- (b) the deploy's cost on this host, CPU-seconds from the command to its end (the figure p99 follows, steadier "
                         "on a shared machine): tool 0.81 s (the command and what it starts), engine 0.99 s (dockerd, containerd, shims: "
                         "the image build), kernel 3.20 s (1.60–6.40) (the whole machine's system time, the others' included).")

    def test_samples_without_system_time_leave_the_kernel_out(self):
        run = self.run_folder(rounds=2)
        run.system_time(2, "b", 10)

        _, section, _ = run.report()

        self.assertIn("engine 0.99 s (dockerd, containerd, shims: the image build), kernel not sampled (this run's CPU samples have no "
                      "system time).", verdict(section, "- (b) the deploy's cost on this host"))


class DisturbedRows(ReportTest):
    def test_rows_measured_while_others_were_busy_are_flagged(self):
        _, section, _ = self.run_folder().report()

        self.assertIn("- ⚠ (b) in round 1; (c) in round 1; (d) in round 1 were measured while other work on the machine used up to 63 %", section)
        self.assertIn("Result: **not all met** — ⚠ but partly measured while other work kept the machine busy", section)
        self.assertIn("| (b) | 1 ⚠ disturbed |", section)

    def test_a_quiet_machine_gives_no_warning(self):
        run = self.run_folder()
        for key in ("a", "a2", "b", "c", "d", "n"):
            run.quiet_machine(1, key)

        _, section, _ = run.report()

        self.assertNotIn("⚠", section)
        self.assertIn("| (b) | 1 | 27 s |", section)

    def test_only_the_disturbed_round_is_named(self):
        run = self.run_folder(rounds=2)
        for key in ("b", "c", "d"):
            run.quiet_machine(1, key)
        run.quiet_machine(2, "c")
        run.quiet_machine(2, "d")

        _, section, _ = run.report()

        self.assertIn("- ⚠ (b) in round 2 was measured while other work", section)


class AllMet(ReportTest):
    def test_all_met_on_a_quiet_machine_with_a_fast_warm_rollback(self):
        run = self.run_folder()
        for key in ("a", "a2", "b", "c", "d", "n"):
            run.quiet_machine(1, key)
        run.change_summary(1, "c", lambda s: s["switches"][0].update(allTargetAfterMs=380.0))

        printed, section, _ = run.report()

        self.assertIn("Result: **all met**.", section)
        self.assertIn("verdicts on the median: all met", printed)


class FailedRounds(ReportTest):
    def test_a_round_that_failed_is_named_and_its_completed_rows_still_count(self):
        run = self.run_folder(rounds=2)
        run.fail_round(2, "zdb1_prod_previous was not stopped after the standby window (state: running).", completed=["b", "c"])

        printed, section, failover = run.report()

        failure = ("- ✗ Round 2 failed: zdb1_prod_previous was not stopped after the standby window (state: running). The rows it "
                   "completed before that are counted; the others have one round fewer.")
        self.assertIn(failure, section.splitlines())
        self.assertIn(failure, printed.splitlines())
        self.assertIn(failure, failover.splitlines())
        self.assertIn("Result: **not all met**", section)
        self.assertIn("| 2 of 2 |", table_row(section, "(b) Deploy"))
        self.assertIn("| 1 of 2 |", table_row(section, "(d) Rollback"))
        self.assertIn("| 1 of 2 |", failover)

    def test_a_round_that_failed_before_any_row(self):
        run = self.run_folder(rounds=2)
        run.fail_round(2, "prod does not answer at the start of round 2.", completed=[])

        _, section, _ = run.report()

        self.assertIn("- ✗ Round 2 failed: prod does not answer at the start of round 2. The rows", section)
        self.assertIn("| 1 of 2 |", table_row(section, "(c) Rollback"))

    def test_no_round_completed_anything(self):
        run = self.run_folder(rounds=2)
        run.fail_round(1, "the first row failed", completed=[])
        run.fail_round(2, "a command of the round exited 1 (see its logs)", completed=[])

        printed, section, failover = run.report()

        self.assertIn("- (b) Deploy: 0 failed requests — **not met**: no round completed the row.", section)
        self.assertIn("- (c) the old version serves all answers within 0.5 s of the command — **not met**: no round completed the row.", section)
        self.assertIn("- (b) p99 during the deploy at most 2× idle — **not met**: no round completed the row.", section)
        self.assertIn("- (r) the old version serves all answers within 0.1 s of the request — **not met**: no round completed the row.", section)
        self.assertIn("No round completed (b).", section)
        self.assertNotIn("CPU-seconds", section)
        self.assertIn("No round completed (n).", section)
        self.assertIn("| 0 of 2 |", failover)
        self.assertIn("- ✗ Round 1 failed: the first row failed.", printed)


class FailoverAlone(ReportTest):
    def failover_run(self, rounds=1):
        run = self.run_folder(rounds)
        run.change_settings(ROWS_WANTED="failover", INVOCATION="ROWS=failover bench/zero-downtime.sh")
        for number in range(1, rounds + 1):
            run.keep_rows(number, ["failover"])
        return run

    def test_writes_only_the_failover_section(self):
        printed, section, failover = self.failover_run().report()

        self.assertIsNone(section)
        self.assertIn("| (failover) `docker kill` of the live release, warm standby running | `docker kill kaha_prod` | 1 of 1 | 1,015 | **0** "
                      "| none | 1168 ms | 1.32 s |", failover)
        self.assertIn("- Measured alone (`ROWS=failover`)", failover)
        self.assertIn("ROWS=failover bench/zero-downtime.sh", failover)
        self.assertEqual(printed, "Failover over 1 round(s): no round failed\n")

    def test_failed_requests_after_the_kill_with_rounds(self):
        run = self.failover_run(rounds=3)
        op_at = float(report.read(run.path("2", "failover.marks")).splitlines()[1].split()[0]) * 1000
        raw = run.path("2", "failover.raw.csv")
        report.write(raw, report.read(raw) + f"{op_at + 10:.3f},{op_at + 760:.3f},ReadError,0,,0,0\n")
        run.change_summary(2, "failover", lambda s: s["operation"].update(failed=1, readErrors=1))
        run.change_summary(3, "failover", lambda s: s["switches"][0].update(allTargetAfterMs=2100.0))

        _, _, failover = run.report()

        self.assertIn("| 3 of 3 | 1,015 | **0 (0–1)** (in all rounds: 1 read) | 0.76 s (in 1 of 3 rounds) | 1168 ms | 1.32 s (1.32–2.10) |", failover)

    def test_a_failed_round_is_reported(self):
        run = self.failover_run(rounds=2)
        run.fail_round(1, "(failover) the standby 9e914838d26b did not take over within 30 s.", completed=[])

        printed, _, failover = run.report()

        self.assertIn("| 1 of 2 |", failover)
        self.assertIn("- ✗ Round 1 failed: (failover) the standby 9e914838d26b did not take over within 30 s. The rows", printed)


if __name__ == "__main__":
    unittest.main()
