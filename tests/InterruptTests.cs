using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using KahaDeploy.Tests.Support;
using NUnit.Framework;

namespace KahaDeploy.Tests;

/// <summary>
/// Issue 10, acceptance 2: Ctrl-C (SIGINT) during each task of a prod Deploy under light load fails no request, leaves
/// Status naming the release that answers through the proxy, writes the history line before the process exits, tells
/// Slack once, and the next Deploy succeeds.
/// </summary>
[NonParallelizable]
public sealed partial class InterruptTests() : SandboxFixture(withSlack: true)
{
    /// <summary>The rule above and below each task's name in the header the tool prints when the task starts.</summary>
    private const string Rule = "═";

    protected override void Prepare()
    {
        Sandbox.WriteConfig(slackWebhook: Slack.WebhookUrl, adjust: config =>
        {
            var prod = config["environments"]!["prod"]!;
            prod["healthTimeoutSeconds"] = 10;
            prod["proxy"] = new JsonObject { ["enabled"] = true, ["healthyInARow"] = 3, ["drainSeconds"] = 1, ["standbySeconds"] = 60 };
            prod["retain"] = 3;
        });
        Sandbox.StartBackingRedis();
    }

    [Test]
    public void Sigint_during_each_task_of_a_prod_deploy_leaves_the_truth_behind()
    {
        // Task headers are printed from --verbosity=verbose up: they say where each run is.
        var first = Sandbox.Tool("--target=Deploy", "--env=prod", "--verbosity=verbose");
        Assert.That(first.ExitCode, Is.EqualTo(0), first.ToString());
        var tasks = TaskHeader().Matches(first.StdOut).Select(m => m.Groups[1].Value).Where(t => t != "Deploy").ToList();
        Assert.That(tasks, Does.Contain("BuildImage").And.Contain("HealthCheck").And.Contain("SwitchTraffic").And.Contain("Drain"), first.StdOut);

        var hit = new List<string>();
        foreach (var task in tasks)
        {
            if (InterruptDeployDuring(task))
            {
                hit.Add(task);
            }
        }

        Assert.That(hit, Does.Contain("BuildImage").And.Contain("RunContainer").And.Contain("SwitchTraffic").And.Contain("Drain"),
            "the slow tasks, before and inside the switch, were interrupted while they ran");

        var final = Sandbox.PushChange("after the interrupts")[..12];
        var next = Sandbox.Tool("--target=Deploy", "--env=prod");
        Assert.That(next.ExitCode, Is.EqualTo(0), next.ToString());
        Assert.That(Http.VersionAt(Sandbox.ProdUrl), Is.EqualTo(final));
        Assert.That(StatusJson.Of(Sandbox, "prod").LiveVersion, Is.EqualTo(final));
    }

    [Test]
    public void A_second_sigint_stops_at_once_status_names_the_release_the_proxy_routes_to_and_a_rollback_finishes_its_switch()
    {
        // A long drain: the window in which the route has moved and the names have not yet followed it.
        Sandbox.WriteConfig(slackWebhook: Slack.WebhookUrl, adjust: config =>
            config["environments"]!["prod"]!["proxy"] = new JsonObject { ["enabled"] = true, ["healthyInARow"] = 1, ["drainSeconds"] = 10 });
        Assert.That(Sandbox.Tool("--target=Deploy", "--env=prod").ExitCode, Is.EqualTo(0));
        var old = Http.VersionAt(Sandbox.ProdUrl);
        var pushed = Sandbox.PushChange("two")[..12];
        var history = Path.Combine(Sandbox.StateFolder("prod"), "history.jsonl");

        string output;
        using (var deploy = Sandbox.StartTool("--target=Deploy", "--env=prod"))
        {
            Assert.That(deploy.WaitForOutput("Draining the replaced release", TimeSpan.FromSeconds(90)), Is.True, deploy.Output);
            deploy.Interrupt();
            Assert.That(deploy.WaitForOutput("finishes the switch first", TimeSpan.FromSeconds(10)), Is.True, deploy.Output);
            deploy.Interrupt();
            Assert.That(deploy.WaitForExit(TimeSpan.FromSeconds(10)), Is.True, "the second SIGINT stopped the run at once, inside the 10 s drain");
            output = deploy.Output;
            Assert.That(deploy.ExitCode, Is.EqualTo(130), output);
        }

        Assert.That(output, Does.Contain("Second SIGINT: stopped at once in Drain; run --target=Status --env=prod to see what serves"));
        var run = JsonNode.Parse(File.ReadAllLines(history).Last())!;
        Assert.That(run["result"]!.GetValue<string>(), Is.EqualTo("interrupted"));
        Assert.That(run["error"]!.GetValue<string>(), Does.StartWith("Second SIGINT: stopped at once in Drain"));

        // The route moved, the names did not: Status says what answers, and how to put the names right.
        Assert.That(Http.VersionAt(Sandbox.ProdUrl), Is.EqualTo(pushed));
        var status = Sandbox.Tool("--target=Status", "--env=prod");
        Assert.That(status.ExitCode, Is.EqualTo(0), status.ToString());
        Assert.That(Regex.Replace(status.StdOut, @"\s+", " "), Does.Contain(
            $"Warning: prod: the proxy routes to {Sandbox.ProdContainer}_next ({pushed}), not to {Sandbox.ProdContainer} ({old}); "
            + "run --target=Deploy --env=prod or --target=Rollback --env=prod to reconcile."));
        Assert.That(StatusJson.Of(Sandbox, "prod").LiveVersion, Is.EqualTo(pushed));

        var next = Sandbox.PushChange("three")[..12];
        // This deploy is not interrupted: it need not wait out the long drain.
        SetDrainSeconds(1);
        var deployNext = Sandbox.Tool("--target=Deploy", "--env=prod");
        Assert.That(deployNext.ExitCode, Is.EqualTo(0), deployNext.ToString());
        Assert.That(Http.VersionAt(Sandbox.ProdUrl), Is.EqualTo(next));
        Assert.That(Sandbox.Tool("--target=Status", "--env=prod").StdOut, Does.Not.Contain("Warning:"));

        // A rollback interrupted once traffic moved finishes its switch and the renaming, then stops. It waits out its drain,
        // so that is only as long as the SIGINT sent when it starts needs to arrive inside it on a busy machine.
        SetDrainSeconds(5);
        var slackBefore = Slack.Messages.Count;
        using (var rollback = Sandbox.StartTool("--target=Rollback", "--env=prod"))
        {
            Assert.That(rollback.WaitForOutput("Draining the replaced release", TimeSpan.FromSeconds(90)), Is.True, rollback.Output);
            rollback.Interrupt();
            Assert.That(rollback.WaitForExit(TimeSpan.FromSeconds(60)), Is.True);
            output = rollback.Output;
            Assert.That(rollback.ExitCode, Is.EqualTo(130), output);
        }

        var line = $"Interrupted by SIGINT after the switch: {pushed} ({Sandbox.ProdContainer}) serves prod, as this run intended";
        Assert.That(ErrorLines(output).Single(), Does.StartWith("Error: " + line), output);
        Assert.That(JsonNode.Parse(File.ReadAllLines(history).Last())!["result"]!.GetValue<string>(), Is.EqualTo("interrupted"));
        Assert.That(Http.VersionAt(Sandbox.ProdUrl), Is.EqualTo(pushed));
        Assert.That(StatusJson.Of(Sandbox, "prod").LiveVersion, Is.EqualTo(pushed));
        Assert.That(Sandbox.Tool("--target=Status", "--env=prod").StdOut, Does.Not.Contain("Warning:"));
        Assert.That(Slack.Messages.Skip(slackBefore).Single()["text"]!.GetValue<string>(), Does.Contain("rollback to prod INTERRUPTED").And.Contain(line));
    }

    private void SetDrainSeconds(int seconds) =>
        Sandbox.AdjustConfig(config => config["environments"]!["prod"]!["proxy"]!["drainSeconds"] = seconds);

    /// <summary>One deploy of a new commit, interrupted when it prints <paramref name="task"/>'s header; false when the run ended before.</summary>
    private bool InterruptDeployDuring(string task)
    {
        var before = Http.VersionAt(Sandbox.ProdUrl);
        var pushed = Sandbox.PushChange("interrupted in " + task)[..12];
        var history = Path.Combine(Sandbox.StateFolder("prod"), "history.jsonl");
        var runsBefore = File.ReadAllLines(history).Length;
        var slackBefore = Slack.Messages.Count;
        var load = new LoadProbe(Sandbox.ProdUrl);

        bool interrupted;
        string output;
        int exitCode;
        string[] runsAtExit;
        using (var deploy = Sandbox.StartTool("--target=Deploy", "--env=prod", "--verbosity=verbose"))
        {
            interrupted = deploy.WaitForOutput($"{Rule}\n {task} ", TimeSpan.FromSeconds(90));
            if (interrupted)
            {
                deploy.Interrupt();
            }

            Assert.That(deploy.WaitForExit(TimeSpan.FromSeconds(90)), Is.True, $"the deploy interrupted in {task} ended");
            runsAtExit = File.ReadAllLines(history);
            output = deploy.Output;
            exitCode = deploy.ExitCode;
        }

        load.StopAsync().GetAwaiter().GetResult();
        TestContext.Progress.WriteLine($"SIGINT {(interrupted ? "in" : "missed")} {task}: exit {exitCode}, {load.Requests} requests; {ErrorLines(output).LastOrDefault()}");
        var context = $"SIGINT in {task}:\n{output}";
        Assert.That(load.Failures, Is.Empty, context);

        var answering = Http.VersionAt(Sandbox.ProdUrl);
        var run = JsonNode.Parse(runsAtExit.Last())!;
        Assert.That(runsAtExit, Has.Length.EqualTo(runsBefore + 1), "the run's history line was written before the process exited: " + context);
        Assert.That(Directory.GetFiles(Path.Combine(Sandbox.StateFolder("prod"), "runs")), Is.Empty, "no run is left marked as in progress");

        if (run["result"]!.GetValue<string>() == "interrupted")
        {
            Assert.That(exitCode, Is.EqualTo(130), context);
            var line = ErrorLines(output).Single();
            Assert.That(line, Does.StartWith("Error: Interrupted by SIGINT").And.Contain($"{answering} ").And.Contain("serves prod"), "the one error line says what serves: " + context);
            Assert.That(run["error"]!.GetValue<string>(), Is.EqualTo(line["Error: ".Length..]));
            Assert.That(answering, Is.EqualTo(line.Contains("after the switch") ? pushed : before), context);
            Assert.That(DockerCli.State($"{Sandbox.ProdContainer}_next"), Is.Null, "what the run started before the switch is undone: " + context);
            Assert.That(Slack.Messages.Skip(slackBefore).Single()["text"]!.GetValue<string>(), Does.Contain("prod INTERRUPTED").And.Contain(line["Error: ".Length..]));
        }
        else
        {
            Assert.That(run["result"]!.GetValue<string>(), Is.EqualTo("succeeded"), context);
            Assert.That(exitCode, Is.EqualTo(0), context);
            Assert.That(answering, Is.EqualTo(pushed), context);
            Assert.That(Slack.Messages.Skip(slackBefore).Single()["text"]!.GetValue<string>(), Does.Contain("prod succeeded"));
        }

        var status = Sandbox.Tool("--target=Status", "--env=prod", "--json");
        var env = JsonNode.Parse(status.StdOut)!["environments"]![0]!;
        Assert.That(env["live"]!["version"]!.GetValue<string>(), Is.EqualTo(answering), "Status names the release that answers through the proxy: " + context);
        Assert.That(env["warnings"]!.AsArray(), Is.Empty, "the names follow the route: " + context);
        return interrupted;
    }

    /// <summary>The run's error lines; stdout and stderr arrive through two pipes, so where they fall in the output is not fixed.</summary>
    private static List<string> ErrorLines(string output) =>
        output.Split('\n').Where(l => l.StartsWith("Error: ", StringComparison.Ordinal)).Select(l => l.TrimEnd()).ToList();

    [GeneratedRegex($"^{Rule}+\n ([A-Za-z]+) *\n{Rule}+$", RegexOptions.Multiline)]
    private static partial Regex TaskHeader();
}
