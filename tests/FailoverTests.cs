using System.Diagnostics;
using System.Text.Json.Nodes;
using KahaDeploy.Tests.Support;
using NUnit.Framework;

namespace KahaDeploy.Tests;

/// <summary>
/// Issue 11, item 3: behind the proxy, a live release that stops answering (killed, or stopped by hand) is replaced by the
/// warm standby within seconds, by the proxy itself; the tool reports it in Status, the history and Slack, once.
/// </summary>
[NonParallelizable]
public sealed class FailoverTests() : SandboxFixture(withSlack: true)
{
    /// <summary>From the kill to the last failed request: a few health checks of the proxy, 500 ms apart.</summary>
    private static readonly TimeSpan FailoverBound = TimeSpan.FromSeconds(3);

    private string _v1 = null!;
    private string _v2 = null!;

    protected override void Prepare()
    {
        Sandbox.WriteConfig(Slack.WebhookUrl, adjust: config =>
        {
            var prod = config["environments"]!["prod"]!;
            prod["healthTimeoutSeconds"] = 8;
            prod["proxy"] = new JsonObject { ["enabled"] = true, ["healthyInARow"] = 2, ["drainSeconds"] = 1, ["standbySeconds"] = 600 };
        });
        Sandbox.StartBackingRedis();
        Assert.That(Sandbox.Tool("--target=Deploy", "--env=prod").ExitCode, Is.EqualTo(0));
        _v1 = Http.VersionAt(Sandbox.ProdUrl);
        _v2 = Sandbox.PushChange("two")[..12];
        var second = Sandbox.Tool("--target=Deploy", "--env=prod");
        Assert.That(second.ExitCode, Is.EqualTo(0), second.ToString());
        Assert.That(DockerCli.State(Previous), Is.EqualTo("running"), "the replaced release is a warm standby");
    }

    private string Previous => $"{Sandbox.ProdContainer}_previous";

    [Test]
    public void A_killed_live_release_fails_over_to_the_standby_and_the_next_deploy_reports_it_once()
    {
        var load = new LoadProbe(Sandbox.ProdUrl);
        Thread.Sleep(1000);
        var killed = load.Elapsed;
        Shell.Must("docker", "kill", Sandbox.ProdContainer);
        Thread.Sleep(5000);
        await_(load.StopAsync());

        ReportFailures("docker kill", load, killed);
        Assert.That(load.FailureTimes.Where(t => t > killed + FailoverBound), Is.Empty, string.Join("\n", load.Failures));
        Assert.That(load.VersionsAfter(killed + FailoverBound), Is.EqualTo(new[] { _v1 }), "only the standby answers");

        var status = Sandbox.Tool("--target=Status", "--env=prod");
        Assert.That(status.ExitCode, Is.EqualTo(0), status.ToString());
        Assert.That(status.StdOut, Does.Contain($"prod: the proxy failed over at").And.Contain($"from {_v2} ({Sandbox.ProdContainer})")
            .And.Contain($"to {_v1} ({Previous})").And.Contain("run --target=Deploy --env=prod to bring a new release"));
        Assert.That(FailoverMessages(), Is.Empty, "Slack hears of it from the next run");

        // The next deploy records it (and tells Slack) even when it fails itself; the one after that does not again.
        Sandbox.PushBrokenRelease();
        // The broken release waits out the whole health timeout, the class's for healthy releases is longer than it needs.
        var failed = Sandbox.WithHealthTimeout("prod", 4, () => Sandbox.Tool("--target=Deploy", "--env=prod"));
        Assert.That(failed.ExitCode, Is.Not.EqualTo(0), failed.ToString());
        Assert.That(Http.VersionAt(Sandbox.ProdUrl), Is.EqualTo(_v1));
        var fixedCommit = Sandbox.PushFixedRelease();
        var deploy = Sandbox.Tool("--target=Deploy", "--env=prod");
        Assert.That(deploy.ExitCode, Is.EqualTo(0), deploy.ToString());
        Assert.That(Http.CommitAt(Sandbox.ProdUrl), Is.EqualTo(fixedCommit));

        Assert.That(FailoverMessages(), Has.Count.EqualTo(1), string.Join("\n", Slack.Messages));
        Assert.That(FailoverMessages()[0], Does.Contain($"from {_v2}").And.Contain($"to {_v1}"));
        var history = Sandbox.Tool("--target=History", "--env=prod", "--json");
        var failovers = JsonNode.Parse(history.StdOut)!["runs"]!.AsArray().Where(r => r!["result"]!.GetValue<string>() == "failover").ToList();
        Assert.That(failovers, Has.Count.EqualTo(1), history.StdOut);
        Assert.That(failovers[0]!["version"]!.GetValue<string>(), Is.EqualTo(_v1));
        Assert.That(Sandbox.Tool("--target=Status", "--env=prod").StdOut, Does.Not.Contain("failed over"), "a deploy since moved the route");
    }

    [Test]
    public void The_seeds_manual_rollback_under_load_ends_with_the_standby_serving()
    {
        var load = new LoadProbe(Sandbox.ProdUrl);
        Thread.Sleep(1000);
        var stopped = load.Elapsed;
        Shell.Must("docker", "stop", Sandbox.ProdContainer);
        Shell.Must("docker", "start", Previous);
        Thread.Sleep(3000);
        await_(load.StopAsync());

        ReportFailures("docker stop; docker start NAME_previous", load, stopped);
        Assert.That(load.FailureTimes.Where(t => t > stopped + FailoverBound), Is.Empty, string.Join("\n", load.Failures));
        Assert.That(load.LastVersion, Is.EqualTo(_v1));
        Assert.That(StatusJson.Of(Sandbox, "prod").LiveVersion, Is.EqualTo(_v1));
    }

    [Test]
    public void Without_a_running_standby_nothing_moves_and_Status_says_the_live_release_is_down()
    {
        Shell.Must("docker", "stop", Previous);
        Shell.Must("docker", "kill", Sandbox.ProdContainer);
        Thread.Sleep(4000);

        var status = StatusJson.Of(Sandbox, "prod");
        Assert.That((status.LiveVersion, status.LiveState, status.Health), Is.EqualTo((_v2, "exited", "down")));
        Assert.That(Sandbox.Tool("--target=Status", "--env=prod").StdOut, Does.Not.Contain("failed over"));
        var proxyLog = Shell.Run("docker", "logs", $"{Sandbox.ProdContainer}_proxy").All;
        Assert.That(proxyLog, Does.Not.Contain("failover:"));
        Assert.That(proxyLog.Split('\n').Count(l => l.Contains("no fallback answers", StringComparison.Ordinal)), Is.EqualTo(1), "said once, not every check");
    }

    private IReadOnlyList<string> FailoverMessages() =>
        Slack.Messages.Select(m => m["text"]!.GetValue<string>()).Where(t => t.Contains("failed over", StringComparison.Ordinal)).ToList();

    private static void ReportFailures(string what, LoadProbe load, TimeSpan from)
    {
        var failures = load.FailureTimes;
        TestContext.Out.WriteLine($"{what}: {load.Requests} requests, {failures.Count} failed"
            + (failures.Count == 0 ? "" : $", the last {(failures.Max() - from).TotalSeconds:N2} s after it"));
    }

    private static void await_(Task task) => task.GetAwaiter().GetResult();
}

/// <summary>Issue 11, item 3, without a proxy: the seed's manual rollback must not wedge later deploys on a taken port.</summary>
[NonParallelizable]
public sealed class ManualRollbackWithoutProxyTests : SandboxFixture
{
    [Test]
    public void A_deploy_after_docker_stop_NAME_docker_start_NAME_previous_succeeds_and_a_failed_one_leaves_a_release_serving()
    {
        WriteDevConfig(failHealth: false);
        Assert.That(Sandbox.Tool("--target=Deploy", "--env=dev").ExitCode, Is.EqualTo(0));
        var v1 = Http.VersionAt(Sandbox.DevUrl);
        Sandbox.CommitInCheckout("second", dir => File.AppendAllText(Path.Combine(dir, "README.md"), "\nsecond\n"));
        Assert.That(Sandbox.Tool("--target=Deploy", "--env=dev").ExitCode, Is.EqualTo(0));
        var previous = $"{Sandbox.DevContainer}_previous";

        Shell.Must("docker", "stop", Sandbox.DevContainer);
        Shell.Must("docker", "start", previous);
        Assert.That(VersionOnceUp(), Is.EqualTo(v1));

        // A release that fails its health check: the one that served by hand serves again.
        WriteDevConfig(failHealth: true);
        Sandbox.CommitInCheckout("third", dir => File.AppendAllText(Path.Combine(dir, "README.md"), "\nthird\n"));
        var failed = Sandbox.Tool("--target=Deploy", "--env=dev");
        Assert.That(failed.ExitCode, Is.Not.EqualTo(0), failed.ToString());
        Assert.That(failed.All, Does.Not.Contain("port is already allocated"));
        Assert.That(Http.VersionAt(Sandbox.DevUrl), Is.EqualTo(v1), failed.ToString());

        WriteDevConfig(failHealth: false);
        var deploy = Sandbox.Tool("--target=Deploy", "--env=dev");
        Assert.That(deploy.ExitCode, Is.EqualTo(0), deploy.ToString());
        var v3 = Sandbox.Git(Sandbox.Checkout, "rev-parse", "HEAD")[..12];
        Assert.That(Http.VersionAt(Sandbox.DevUrl), Is.EqualTo(v3));
        Assert.That(DockerCli.Inspect(previous, "{{.Config.Labels}}"), Does.Contain(v1), "the release that served before is the rollback target");
    }

    /// <summary>The version a release started by hand answers with, once it listens.</summary>
    private string VersionOnceUp()
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                return Http.VersionAt(Sandbox.DevUrl);
            }
            catch (HttpRequestException) when (clock.Elapsed < TimeSpan.FromSeconds(20))
            {
                Thread.Sleep(200);
            }
        }
    }

    private void WriteDevConfig(bool failHealth) => Sandbox.WriteConfig(adjust: config =>
    {
        var dev = config["environments"]!["dev"]!;
        dev["healthTimeoutSeconds"] = 5;
        if (failHealth)
        {
            dev["env"] = new JsonObject { ["FAIL_HEALTH"] = "1" };
        }
    });
}
