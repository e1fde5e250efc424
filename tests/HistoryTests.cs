using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using KahaDeploy.Tests.Support;
using NUnit.Framework;

namespace KahaDeploy.Tests;

/// <summary>Issue 5, acceptances 1 and 2: every run that changes an environment leaves a history line and a log file.</summary>
[NonParallelizable]
public sealed partial class HistoryTests : SandboxFixture
{
    protected override void Prepare()
    {
        Configure(healthTimeoutSeconds: 5);

        // Who deployed is the person: the git user of the server's checkout, not the account the tool runs under.
        Sandbox.Git(Sandbox.Checkout, "config", "user.name", "Dana Dev");
    }

    [Test]
    public void A_deploy_a_failed_deploy_and_a_rollback_are_listed_with_their_logs()
    {
        var v1 = Sandbox.Git(Sandbox.Checkout, "rev-parse", "HEAD");
        var first = Run(ci: false, "--target=Deploy", "--env=dev");
        Assert.That(first.ExitCode, Is.EqualTo(0), first.ToString());
        var v2 = Sandbox.CommitInCheckout("second", dir => File.AppendAllText(Path.Combine(dir, "README.md"), "\nsecond\n"));
        var pushed = Run(ci: false, "--target=Deploy", "--env=dev", "--trigger=github", "--performer=octocat");
        Assert.That(pushed.ExitCode, Is.EqualTo(0), pushed.ToString());
        var v3 = Sandbox.CommitInCheckout("third", dir => File.AppendAllText(Path.Combine(dir, "README.md"), "\nthird\n"));
        Configure(healthTimeoutSeconds: 5, unhealthy: true);
        var failed = Run(ci: false, "--target=Deploy", "--env=dev");
        Assert.That(failed.ExitCode, Is.Not.EqualTo(0), failed.ToString());
        Configure(healthTimeoutSeconds: 5);

        var afterFailure = Status();
        Assert.That(afterFailure["liveBy"]!.GetValue<string>(), Is.EqualTo("octocat (github)"), "v2 is live again, deployed by octocat");
        Assert.That(afterFailure["lastFailedRun"]!["failedTask"]!.GetValue<string>(), Is.EqualTo("HealthCheck"));
        Assert.That(StatusText(), Does.Contain("the last Deploy").And.Contain("failed in HealthCheck"));

        var rollback = Run(ci: true, "--target=Rollback", "--env=dev");
        Assert.That(rollback.ExitCode, Is.EqualTo(0), rollback.ToString());

        var runs = History();
        Assert.That(runs.Select(r => (r["target"]!.GetValue<string>(), r["result"]!.GetValue<string>(), r["trigger"]!.GetValue<string>())), Is.EqualTo(new[]
        {
            ("Deploy", "succeeded", "cli"), ("Deploy", "succeeded", "github"), ("Deploy", "failed", "cli"), ("Rollback", "succeeded", "ci"),
        }));
        Assert.That(runs.Select(r => r["performer"]!.GetValue<string>()), Is.EqualTo(new[] { "Dana Dev", "octocat", "Dana Dev", "Dana Dev" }));
        Assert.That(runs.Select(r => r["commit"]?.GetValue<string>()), Is.EqualTo(new[] { v1, v2, v3, v1 }));
        Assert.That(runs.Select(r => r["previousCommit"]?.GetValue<string>()), Is.EqualTo(new[] { null, v1, v2, v2 }));
        Assert.That(runs[2]["failedTask"]!.GetValue<string>(), Is.EqualTo("HealthCheck"));
        Assert.That(runs[2]["error"]!.GetValue<string>(), Does.Contain("did not answer").And.Contain("the previous version is serving again"));
        Assert.That(runs.Select(r => r["imageId"]?.GetValue<string>()), Has.All.StartsWith("sha256:"));
        foreach (var run in runs)
        {
            var started = DateTimeOffset.Parse(run["started"]!.GetValue<string>());
            var finished = DateTimeOffset.Parse(run["finished"]!.GetValue<string>());
            var seconds = run["durationSeconds"]!.GetValue<double>();
            Assert.That(seconds, Is.GreaterThan(0).And.EqualTo((finished - started).TotalSeconds).Within(0.1));
        }

        Assert.That(runs[2]["durationSeconds"]!.GetValue<double>(), Is.GreaterThan(5), "the failed deploy waited out its 5 s health timeout");

        var logs = runs.Select(r => Path.Combine(Sandbox.StateFolder("dev"), r["log"]!.GetValue<string>())).ToList();
        Assert.That(logs.Select(Path.GetFileName), Has.All.Match(@"^\d{8}T\d{6}\.\d{3}Z-(Deploy|Rollback)-[0-9a-f]{8}\.log$"));
        foreach (var log in logs)
        {
            Assert.That(File.ReadAllLines(log), Has.All.Match(TimestampedLine()), $"every line of {log} starts with its UTC time");
        }

        // The console showed the normal verbosity; the files hold the diagnostic one.
        Assert.That(first.All, Does.Not.Contain("Executing task: BuildImage"));
        Assert.That(File.ReadAllText(logs[0]), Does.Contain("Executing task: BuildImage").And.Contain("Executing task: HealthCheck").And.Contain("git rev-parse"));
        Assert.That(File.ReadAllText(logs[2]), Does.Contain("An error occurred when executing task 'HealthCheck'").And.Contain("did not answer"));
        Assert.That(File.ReadAllText(logs[3]), Does.Contain("Executing task: RestorePrevious").And.Contain($"now runs {v1[..12]}"));

        var table = Sandbox.Tool("--target=History", "--env=dev", "--last=2");
        Assert.That(table.ExitCode, Is.EqualTo(0), table.ToString());
        var text = Regex.Replace(table.StdOut, @"[\s│]+", " ");
        Assert.That(text, Does.Contain("Rollback").And.Contain("failed in").And.Contain("HealthCheck").And.Contain("(ci)").And.Not.Contain("octocat"),
            "--last=2 shows only the failed deploy and the rollback");
        Assert.That(Regex.Replace(table.StdOut, @"\s+", ""), Does.Contain("Itslog:" + logs[2]), "the table points at the failed run's log");

        var afterRollback = Status();
        Assert.That(afterRollback["live"]!["version"]!.GetValue<string>(), Is.EqualTo(v1[..12]));
        Assert.That(afterRollback["liveBy"]!.GetValue<string>(), Is.EqualTo("Dana Dev (ci)"));
        Assert.That(afterRollback["liveSince"]!.GetValue<string>(), Is.EqualTo(runs[3]["finished"]!.GetValue<string>()));
        Assert.That(afterRollback["lastFailedRun"], Is.Null, "the failure came before the version now live");
    }

    [Test]
    public void A_deploy_killed_midway_is_recorded_as_interrupted_by_the_next_run()
    {
        Assert.That(Sandbox.Tool("--target=Deploy", "--env=dev").ExitCode, Is.EqualTo(0));
        Configure(healthTimeoutSeconds: 120, unhealthy: true);
        var logs = Path.Combine(Sandbox.StateFolder("dev"), "logs");
        var before = Directory.GetFiles(logs);

        string killedLog;
        using (var deploy = Sandbox.StartTool("--target=Deploy", "--env=dev"))
        {
            killedLog = WaitForLogLine(logs, before, "/healthz: ", deploy);
            deploy.Kill();
        }

        var history = Path.Combine(Sandbox.StateFolder("dev"), "history.jsonl");
        Assert.That(History().Select(r => r["result"]!.GetValue<string>()), Is.EqualTo(new[] { "succeeded", "interrupted" }),
            "History already shows the killed run for what it is");
        Assert.That(StatusText(), Does.Contain("the last Deploy").And.Contain("interrupted"));

        Configure(healthTimeoutSeconds: 5);
        var next = Sandbox.Tool("--target=Deploy", "--env=dev");

        Assert.That(next.ExitCode, Is.EqualTo(0), next.ToString());
        Assert.That(next.All, Does.Contain("ended without finishing; it is recorded as interrupted"));
        var lines = File.ReadAllLines(history);
        Assert.That(lines, Has.Length.EqualTo(3));
        Assert.That(lines.Select(line => JsonNode.Parse(line)!["result"]!.GetValue<string>()), Is.EqualTo(new[] { "succeeded", "interrupted", "succeeded" }),
            "every line is a whole JSON object");
        var interrupted = JsonNode.Parse(lines[1])!;
        Assert.That(interrupted["target"]!.GetValue<string>(), Is.EqualTo("Deploy"));
        Assert.That(Path.Combine(Sandbox.StateFolder("dev"), interrupted["log"]!.GetValue<string>()), Is.EqualTo(killedLog));
        Assert.That(File.ReadAllLines(killedLog).Last(), Does.Contain("healthz"), "the killed run's log ends where it was killed: in the health check");
        Assert.That(Directory.GetFiles(Path.Combine(Sandbox.StateFolder("dev"), "runs")), Is.Empty, "no run is left marked as in progress");
    }

    [Test]
    public void A_deploy_killed_in_its_teardown_after_its_work_is_recorded_as_succeeded()
    {
        Assert.That(Sandbox.Tool("--target=Deploy", "--env=dev").ExitCode, Is.EqualTo(0));
        var v2 = Sandbox.CommitInCheckout("second", dir => File.AppendAllText(Path.Combine(dir, "README.md"), "\nsecond\n"));
        var history = Path.Combine(Sandbox.StateFolder("dev"), "history.jsonl");
        var kept = history + ".kept";
        using (var deploy = Sandbox.StartTool("--target=Deploy", "--env=dev", "--verbosity=verbose"))
        {
            // Once the run has read its history, the file becomes a FIFO: writing the run's line in the teardown then
            // waits for a reader, which holds the run exactly there, after its last task, for the kill.
            Assert.That(deploy.WaitForOutput("\n HealthCheck ", TimeSpan.FromSeconds(120)), Is.True, deploy.Output);
            File.Move(history, kept);
            Shell.Must("mkfifo", history);
            Assert.That(deploy.WaitForOutput("\n NotifySlack ", TimeSpan.FromSeconds(60)), Is.True, deploy.Output);
            Thread.Sleep(TimeSpan.FromSeconds(2));
            Assert.That(deploy.WaitForExit(TimeSpan.Zero), Is.False, "the run waits in its teardown");
            deploy.Kill();
        }

        File.Delete(history);
        File.Move(kept, history);
        Assert.That(Http.CommitAt(Sandbox.DevUrl), Is.EqualTo(v2), "the killed run's release serves");
        Assert.That(History().Select(r => r["result"]!.GetValue<string>()), Is.EqualTo(new[] { "succeeded", "succeeded" }),
            "the run killed after its work is recorded as succeeded");
        var next = Sandbox.Tool("--target=Deploy", "--env=dev");
        Assert.That(next.ExitCode, Is.EqualTo(0), next.ToString());
        Assert.That(next.All, Does.Not.Contain("recorded as interrupted"));
        Assert.That(File.ReadAllLines(history).Select(line => JsonNode.Parse(line)!["result"]!.GetValue<string>()),
            Is.EqualTo(new[] { "succeeded", "succeeded", "succeeded" }));
    }

    [Test]
    public void Only_the_newest_logs_are_kept()
    {
        Sandbox.WriteConfig(adjust: config => config["environments"]!["dev"]!["keepLogs"] = 2);

        // A rollback with nothing to roll back to fails at once, but is a run all the same.
        for (var i = 0; i < 3; i++)
        {
            Assert.That(Sandbox.Tool("--target=Rollback", "--env=dev").ExitCode, Is.Not.EqualTo(0));
        }

        var runs = History();
        Assert.That(runs, Has.Count.EqualTo(3), "the history keeps every run");
        var kept = Directory.GetFiles(Path.Combine(Sandbox.StateFolder("dev"), "logs")).Select(Path.GetFileName).Order().ToList();
        Assert.That(kept, Is.EqualTo(runs.Skip(1).Select(r => Path.GetFileName(r["log"]!.GetValue<string>())).Order()));
    }

    [GeneratedRegex(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (DBG|VRB|INF|WRN|ERR|FTL) ")]
    private static partial Regex TimestampedLine();

    /// <summary>
    /// dev mounts the checkout into the container, so a release made unhealthy by its code would take the restored
    /// previous version down with it; the sample app's FAIL_HEALTH makes only the new container unhealthy.
    /// </summary>
    private void Configure(int healthTimeoutSeconds, bool unhealthy = false) =>
        Sandbox.WriteConfig(adjust: config =>
        {
            config["environments"]!["dev"]!["healthTimeoutSeconds"] = healthTimeoutSeconds;
            config["environments"]!["dev"]!["env"] = unhealthy ? new JsonObject { ["FAIL_HEALTH"] = "1" } : new JsonObject();
        });

    /// <summary>Runs the tool as from a terminal (<paramref name="ci"/> false) or from a CI job.</summary>
    private ProcessResult Run(bool ci, params string[] arguments) =>
        Sandbox.ToolWith(new Dictionary<string, string?>(Sandbox.Secrets) { ["CI"] = ci ? "true" : null }, arguments);

    private List<JsonNode> History()
    {
        var result = Sandbox.Tool("--target=History", "--env=dev", "--json");
        Assert.That(result.ExitCode, Is.EqualTo(0), result.ToString());
        return JsonNode.Parse(result.StdOut)!["runs"]!.AsArray().Select(r => r!).ToList();
    }

    private JsonNode Status()
    {
        var result = Sandbox.Tool("--target=Status", "--env=dev", "--json");
        Assert.That(result.ExitCode, Is.EqualTo(0), result.ToString());
        return JsonNode.Parse(result.StdOut)!["environments"]![0]!;
    }

    /// <summary>What Status prints, as one line: the table wraps long text at the terminal's width.</summary>
    private string StatusText()
    {
        var result = Sandbox.Tool("--target=Status", "--env=dev");
        Assert.That(result.ExitCode, Is.EqualTo(0), result.ToString());
        return Regex.Replace(result.StdOut, @"\s+", " ");
    }

    /// <summary>The new log file in <paramref name="folder"/> once it holds <paramref name="text"/>.</summary>
    private static string WaitForLogLine(string folder, string[] before, string text, Tool.Running run)
    {
        var deadline = DateTime.UtcNow.AddMinutes(3);
        while (DateTime.UtcNow < deadline)
        {
            if (Directory.GetFiles(folder).Except(before).SingleOrDefault() is { } log && File.ReadAllText(log).Contains(text, StringComparison.Ordinal))
            {
                return log;
            }

            Thread.Sleep(100);
        }

        throw new TimeoutException($"The run never logged \"{text}\"; it printed:\n{run.Output}");
    }
}
