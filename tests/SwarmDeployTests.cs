using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using KahaDeploy.Tests.Support;
using NUnit.Framework;

namespace KahaDeploy.Tests;

/// <summary>
/// Issue 15, acceptance 1 to 3, on a real two-node swarm (<see cref="TwoNodeSwarm"/>): the tool drives the manager
/// (DOCKER_HOST), pushes to the harness's registry with its login, and the app runs as a service of 2 tasks behind a proxy
/// on each node. Load goes to both nodes' addresses all along: a deploy, a release failing its health check, a Rollback
/// and a Rollback --to fail no request. The run's swarm (<see cref="SharedSwarm"/>) and one sandbox for the class; the tests run in order, each starting
/// from what the one before left.
/// </summary>
[Category("Swarm")]
[NonParallelizable]
public sealed class SwarmDeployTests() : SandboxFixture(SandboxPer.Class, withSlack: true)
{
    private TwoNodeSwarm _swarm = null!;
    private Process? _redis;
    private Dictionary<string, string?> _environment = null!;
    private string _first = null!;
    private string _second = null!;

    protected override void Prepare()
    {
        _swarm = SharedSwarm.Get();
        // The app's health needs Redis: one on the harness's bridge, which the tasks reach through their node.
        var redisPort = FreePort.OnLoopback();
        var redisPassword = "swarm-redis-" + Guid.NewGuid().ToString("N")[..12];
        _redis = Process.Start(new ProcessStartInfo("redis-server",
            ["--bind", _swarm.BridgeAddress, "--port", redisPort.ToString(CultureInfo.InvariantCulture), "--requirepass", redisPassword, "--save", "", "--appendonly", "no"])
        {
            RedirectStandardOutput = true,
        })!;
        Sandbox.Secrets["REGISTRY_PASSWORD"] = _swarm.RegistryPassword;
        Sandbox.Secrets["PROD_REDIS_PASSWORD"] = redisPassword;
        Sandbox.WriteConfig(Slack.WebhookUrl, adjust: config =>
        {
            var prod = config["environments"]!["prod"]!.AsObject();
            prod["ports"] = new JsonArray($"{Sandbox.ProdPort}:3000");
            prod["redis"] = new JsonObject { ["url"] = $"redis://:${{PROD_REDIS_PASSWORD}}@{_swarm.BridgeAddress}:{redisPort}" };
            prod["healthTimeoutSeconds"] = 10;
            prod["swarm"] = new JsonObject
            {
                ["replicas"] = 2,
                ["registry"] = _swarm.Registry,
                // Written out: the harness's user is "kaha", which as a secret would be masked (and counted as leaked) everywhere.
                ["registryUser"] = _swarm.RegistryUser,
                ["registryPassword"] = "${REGISTRY_PASSWORD}",
                ["updateParallelism"] = 1,
            };
        });
        _environment = new Dictionary<string, string?>(Sandbox.Secrets) { ["DOCKER_HOST"] = _swarm.Manager.DockerHost };
        _first = Sandbox.PushChange("one")[..12];
        var deploy = Tool("--target=Deploy", "--env=prod");
        Assert.That(deploy.ExitCode, Is.EqualTo(0), deploy.ToString());
        // A new service's tasks enter Swarm's DNS a moment after they run, and each proxy looks every 500 ms.
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (_swarm.Nodes.Any(n => !Answers(NodeUrl(n))) && DateTime.UtcNow < deadline)
        {
            Thread.Sleep(250);
        }
    }

    protected override void Stop()
    {
        _redis?.Kill();
        _redis?.WaitForExit();
        _redis?.Dispose();
        SharedSwarm.RemoveServices(Sandbox.ProdContainer);
    }

    [Test]
    [Order(1)]
    public void A_deploy_under_load_on_both_nodes_fails_no_request_and_both_nodes_serve_the_new_version_from_the_registry()
    {
        foreach (var node in _swarm.Nodes)
        {
            Assert.That(Http.VersionAt(NodeUrl(node)), Is.EqualTo(_first), $"the first deploy serves on {node.Name}");
        }

        _second = Sandbox.PushChange("two")[..12];

        var (deploy, loads) = UnderLoad(() => Tool("--target=Deploy", "--env=prod"));

        Assert.That(deploy.ExitCode, Is.EqualTo(0), deploy.ToString());
        // (The masker hides the harness's registry user, "kaha", wherever it appears: the image's name is not compared.)
        Assert.That(deploy.All, Does.Match($@"Pushing {Regex.Escape(_swarm.Registry)}/\S+:{_second}\."), "the new image went to the registry");
        Assert.That(deploy.All, Does.Match($@"node \S+ \(\w+\): task [12] running {_second}"), "each task's state is shown as it changes");
        Assert.That(deploy.All, Does.Contain($"all 2 task(s) run {_second} and are healthy"));
        Assert.That(deploy.All, Does.Contain($"{_second} is live on the swarm as {Sandbox.ProdContainer} (2 task(s)) (deployed in").And.Contain($"previous {_first} stays in the registry for Rollback"));
        foreach (var (node, load) in loads)
        {
            Assert.That(load.Requests, Is.GreaterThan(50), node.Name);
            Assert.That(load.Failures, Is.Empty, node.Name);
            Assert.That(load.LastVersion, Is.EqualTo(_second), $"{node.Name} serves the new version");
            // A service pins its image by digest: the node's copy has no tag, its repository names the registry.
            Assert.That(node.Docker("image", "ls", "--format", "{{.Repository}}"), Does.Contain($"{_swarm.Registry}/{Sandbox.Image}"), $"{node.Name} pulled from the registry");
        }

        Assert.That(Tasks(), Is.EqualTo(new[] { $"{_second} running", $"{_second} running" }), "both tasks run it, one on each node:\n" + ServicePs());
        var taskIds = _swarm.Manager.Docker("service", "ps", "-q", "--filter", "desired-state=running", Sandbox.ProdContainer).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(taskIds.Select(id => _swarm.Manager.Docker("inspect", "--format", "{{.NodeID}}", id)).Distinct().Count(), Is.EqualTo(2),
            "spread over both nodes (by node id: they share a hostname)");
    }

    [Test]
    [Order(2)]
    public void A_release_failing_its_health_check_under_load_fails_no_request_and_the_old_version_serves_on_both_nodes()
    {
        Sandbox.PushBrokenRelease();
        var before = Slack.Messages.Count;

        var (deploy, loads) = UnderLoad(() => Tool("--target=Deploy", "--env=prod"));

        Assert.That(deploy.ExitCode, Is.Not.EqualTo(0), deploy.ToString());
        // Swarm rolls back by itself (or, for a task it does not count as failed, the tool does).
        Expect.OneErrorLine(deploy, "did not take on the swarm (", "rolled the update back; on node", "before it was healthy",
            $"Swarm rolled {Sandbox.ProdContainer} back: {_second} serves again");
        foreach (var (node, load) in loads)
        {
            Assert.That(load.Failures, Is.Empty, node.Name);
            Assert.That(load.VersionsSeen, Is.EqualTo(new[] { _second }), $"only the old version answered on {node.Name}");
        }

        Assert.That(Tasks(), Is.EqualTo(new[] { $"{_second} running", $"{_second} running" }), ServicePs() + deploy);
        var told = Slack.Messages.Skip(before).Select(m => m["text"]!.GetValue<string>()).ToList();
        Assert.That(told, Has.Some.Contain("FAILED").And.Some.Contain("did not take on the swarm"), string.Join("\n", told));
        Sandbox.PushFixedRelease();
    }

    [Test]
    [Order(3)]
    public void Rollback_and_rollback_to_a_commit_under_load_fail_no_request()
    {
        var (rollback, loads) = UnderLoad(() => Tool("--target=Rollback", "--env=prod"));

        Assert.That(rollback.ExitCode, Is.EqualTo(0), rollback.ToString());
        foreach (var (node, load) in loads)
        {
            Assert.That(load.Failures, Is.Empty, node.Name);
            Assert.That(load.LastVersion, Is.EqualTo(_first), $"{node.Name} serves the previous version");
        }

        var (to, toLoads) = UnderLoad(() => Tool("--target=Rollback", "--env=prod", $"--to={_second[..7]}"));

        Assert.That(to.ExitCode, Is.EqualTo(0), to.ToString());
        foreach (var (node, load) in toLoads)
        {
            Assert.That(load.Failures, Is.Empty, node.Name);
            Assert.That(load.LastVersion, Is.EqualTo(_second), $"{node.Name} serves the commit asked for");
        }

        Assert.That(Tasks(), Is.EqualTo(new[] { $"{_second} running", $"{_second} running" }), ServicePs());
    }

    private ProcessResult Tool(params string[] arguments) => Sandbox.ToolWith(_environment, arguments);

    private static bool Answers(Uri url)
    {
        try
        {
            Http.VersionAt(url);
            return true;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return false;
        }
    }

    private Uri NodeUrl(SwarmNode node) => new($"http://{node.Address}:{Sandbox.ProdPort}/");

    private (ProcessResult Result, List<(SwarmNode Node, LoadProbe Load)> Loads) UnderLoad(Func<ProcessResult> run)
    {
        var loads = _swarm.Nodes.Select(n => (n, new LoadProbe(NodeUrl(n), connections: 2))).ToList();
        var result = run();
        foreach (var (_, load) in loads)
        {
            load.StopAsync().GetAwaiter().GetResult();
        }

        return (result, loads);
    }

    /// <summary>The version and state of each task Swarm wants running, as the manager lists them.</summary>
    private IReadOnlyList<string> Tasks() =>
        _swarm.Manager.Docker("service", "ps", "--filter", "desired-state=running", "--format", "{{.Image}} {{.CurrentState}}", Sandbox.ProdContainer)
            .Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => $"{l.Split(' ')[0].Split('@')[0].Split(':')[^1]} {l.Split(' ')[1].ToLowerInvariant()}")
            .ToList();

    private string ServicePs() => _swarm.Manager.Docker("service", "ps", "--no-trunc", Sandbox.ProdContainer);
}
