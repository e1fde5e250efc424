using System.Diagnostics;
using System.Text.Json.Nodes;
using KahaDeploy.Tests.Support;
using NUnit.Framework;

namespace KahaDeploy.Tests;

/// <summary>
/// Issue 15, around the release on a two-node swarm: the environment's Redis is a service of its own that keeps its data
/// through deploys, rollbacks and the loss of the node it does not run on (acceptance 5); Status and Logs show every node
/// and task, Releases the images Rollback --to can bring back; with one node's engine stopped under load the other node keeps answering, and the next Deploy succeeds on it
/// and says which node is down (acceptance 4). On the run's swarm (<see cref="SharedSwarm"/>); the node is lost last, and the swarm with it.
/// </summary>
[Category("Swarm")]
[NonParallelizable]
public sealed class SwarmOperationsTests
{
    private TwoNodeSwarm _swarm = null!;
    private Sandbox _sandbox = null!;
    private Dictionary<string, string?> _onManager = null!;
    private int _port;
    private string _hostname = "";
    private string _managerId = "";
    private string _workerId = "";
    private string _redisTask = "";
    private string _first = "";

    private string Redis => _sandbox.ProdContainer + "_redis";

    private Uri UrlOf(SwarmNode node) => new($"http://{node.Address}:{_port}/");

    [OneTimeSetUp]
    public void DeployToTheSwarm()
    {
        _swarm = SharedSwarm.Get();
        _sandbox = new Sandbox();
        _port = FreePort.OnLoopback();
        _managerId = _swarm.Manager.Id;
        _workerId = _swarm.Worker.Id;
        _hostname = _swarm.Manager.Docker("node", "inspect", "--format", "{{.Description.Hostname}}", _managerId);
        _sandbox.Secrets["REGISTRY_PASSWORD"] = _swarm.RegistryPassword;
        _sandbox.WriteConfig(adjust: config =>
        {
            var prod = config["environments"]!["prod"]!.AsObject();
            prod["ports"] = new JsonArray($"{_port}:3000");
            prod["redis"] = new JsonObject { ["local"] = new JsonObject { ["password"] = "${PROD_REDIS_PASSWORD}" } };
            prod["healthTimeoutSeconds"] = 60;
            prod["swarm"] = new JsonObject
            {
                ["replicas"] = 2,
                ["registry"] = _swarm.Registry,
                ["registryUser"] = "${REGISTRY_USER}",
                ["registryPassword"] = "${REGISTRY_PASSWORD}",
                ["updateParallelism"] = 1,
            };
        });
        // The registry's user name is no secret (the sandbox's secrets are checked never to be printed): given beside them.
        _onManager = new Dictionary<string, string?>(_sandbox.Secrets) { ["DOCKER_HOST"] = _swarm.Manager.DockerHost, ["REGISTRY_USER"] = _swarm.RegistryUser };
        Tool("Deploy");
        _redisTask = RedisTasks();
        _first = Sandbox.Git(_sandbox.Checkout, "rev-parse", "HEAD").Trim();
        foreach (var node in _swarm.Nodes)
        {
            AnswersWith(UrlOf(node), _first);
        }
    }

    [OneTimeTearDown]
    public void RemoveTheSwarm()
    {
        _sandbox?.Dispose();
        // The worker's engine was stopped: no other class can use this swarm.
        SharedSwarm.Spent();
    }

    [Test]
    [Order(1)]
    public void Redis_data_outlives_deploys_and_rollbacks_and_status_and_logs_show_every_node_and_task()
    {
        // One Redis for both nodes: a hit counted through one node's proxy is seen through the other's.
        var first = Http.PostHit(UrlOf(_swarm.Manager));
        Assert.That(Http.PostHit(UrlOf(_swarm.Worker)), Is.EqualTo(first + 1));

        var next = _sandbox.PushChange("release 2");
        Tool("Deploy");
        AnswersWith(UrlOf(_swarm.Worker), next);
        Assert.That(Http.Hits(UrlOf(_swarm.Manager)), Is.EqualTo(first + 1), "the deploy kept the data");
        Tool("Rollback");
        AnswersWith(UrlOf(_swarm.Manager), _first);
        Assert.That(Http.PostHit(UrlOf(_swarm.Worker)), Is.EqualTo(first + 2), "the rollback kept the data");
        Assert.That(RedisTasks(), Is.EqualTo(_redisTask), "neither restarted nor moved Redis");
        Assert.That(_swarm.Manager.Docker("volume", "ls", "--format", "{{.Name}}"), Does.Contain(Redis + "_data"), "its data is on a named volume on the manager");

        var status = Tool("Status");
        var version = Http.VersionAt(UrlOf(_swarm.Manager));
        Assert.That(status.StdOut, Does.Contain("healthy (2 of 2 tasks)"), status.ToString());
        // Spread over the nodes is Swarm's preference, not a rule (a busy node may get both): each node is listed, the tasks counted.
        var nodeLines = ProcessResult.Lines(status.StdOut).Where(l => l.StartsWith($"prod: node {_hostname} (", StringComparison.Ordinal)).ToList();
        Assert.That(nodeLines, Has.Count.EqualTo(2), status.ToString());
        foreach (var id in new[] { _managerId, _workerId })
        {
            Assert.That(nodeLines, Has.One.StartsWith($"prod: node {_hostname} ({id[..12]}) ready, "), status.ToString());
        }

        Assert.That(nodeLines.Sum(l => l.Contains($"1 task(s) of {version}", StringComparison.Ordinal) ? 1 : l.Contains($"2 task(s) of {version}", StringComparison.Ordinal) ? 2 : 0),
            Is.EqualTo(2), status.ToString());

        var releases = ProcessResult.Lines(Tool("Releases").StdOut).ToList();
        Assert.That(releases.Single(l => l.Contains(_first[..12], StringComparison.Ordinal)), Does.Contain("live"), string.Join('\n', releases));
        Assert.That(releases.Single(l => l.Contains(next[..12], StringComparison.Ordinal)), Does.Contain("image only"), "Rollback --to brings it back from the registry");
        Assert.That(Tool("History").StdOut, Does.Contain("Rollback"));

        var logs = Tool("Logs", "--tail=20");
        var lines = ProcessResult.Lines(logs.StdOut).Where(l => l.Length > 0).ToList();
        Assert.That(lines, Is.Not.Empty, logs.ToString());
        Assert.That(lines, Has.All.Match(@"^node \S+ \([0-9a-z]{12}\) task \d+: "), logs.ToString());
        foreach (var id in new[] { _managerId, _workerId })
        {
            Assert.That(lines, Has.Some.StartsWith($"node {_hostname} ({id[..12]}) task "), $"the output of the task on {id}");
        }
    }

    [Test]
    [Order(2)]
    public async Task A_node_lost_under_load_the_other_keeps_answering_and_the_next_deploy_runs_there_and_says_so()
    {
        var hits = Http.Hits(UrlOf(_swarm.Manager));
        await using var survivor = new LoadProbe(UrlOf(_swarm.Manager));
        await using var lost = new LoadProbe(UrlOf(_swarm.Worker));
        await Task.Delay(500);

        var running = _swarm.Manager.Docker("service", "ps", "--quiet", "--filter", "desired-state=running", _sandbox.ProdContainer).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var placement = _swarm.Manager.Docker(["inspect", "--format", "{{.NodeID}} {{.Status.State}}", .. running]) + $" (worker {_workerId})";
        StopWorkerEngine();
        var clock = Stopwatch.StartNew();
        while (!_swarm.Manager.Docker("node", "inspect", "--format", "{{.Status.State}}", _workerId).Contains("down", StringComparison.Ordinal))
        {
            Assert.That(clock.Elapsed, Is.LessThan(TimeSpan.FromSeconds(60)), "the manager never listed the worker down");
            await Task.Delay(500);
        }

        TestContext.Progress.WriteLine($"worker listed down after {clock.Elapsed.TotalSeconds:F1} s");
        var next = _sandbox.PushChange("release after a node loss");
        var deploy = Tool("Deploy");
        await survivor.StopAsync();
        await lost.StopAsync();

        if (survivor.Failures.Count > 0)
        {
            // The worker's tasks' logs cannot be read any more: only what the manager has.
            TestContext.Progress.WriteLine($"tasks before the loss:\n{placement}\n" +
                                           Shell.Run("docker", "-H", _swarm.Manager.DockerHost, "service", "logs", "--tail", "10", _sandbox.ProdContainer + "_proxy").StdOut);
        }

        Assert.That(deploy.All, Does.Contain($"node {_hostname} ({_workerId[..12]}) is down: "), deploy.ToString());
        Assert.That(survivor.Failures, Is.Empty, "the surviving node's proxy kept answering");
        Assert.That(survivor.Requests, Is.GreaterThan(50));
        Assert.That(lost.Failures, Is.Not.Empty, "the lost node's address stopped answering (else the node was not lost)");
        AnswersWith(UrlOf(_swarm.Manager), next);
        Assert.That(Http.Hits(UrlOf(_swarm.Manager)), Is.EqualTo(hits), "Redis lives on the manager: losing the worker lost no data");

        var status = Tool("Status");
        Assert.That(status.StdOut, Does.Contain($"prod: node {_hostname} ({_workerId[..12]}) is down: "), status.ToString());
        Assert.That(status.StdOut, Does.Contain("healthy (2 of 2 tasks)"), "both tasks run on the manager now");
    }

    /// <summary>
    /// Waits until the node answers with <paramref name="commit"/>. Its proxy asks Swarm's DNS for the healthy tasks every
    /// 500 ms: for a moment after a run ends it may still reach a replaced task that is stopping, or, after the first
    /// deploy, find none yet.
    /// </summary>
    private static void AnswersWith(Uri url, string commit)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        var answer = "";
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                answer = Http.CommitAt(url);
                if (answer == commit)
                {
                    return;
                }
            }
            catch (HttpRequestException e)
            {
                answer = e.Message;
            }

            Thread.Sleep(200);
        }

        Assert.Fail($"{url} answers {answer}, not {commit}");
    }

    /// <summary>As a crash or a shutdown stops it: SIGTERM to the worker's dockerd, by the pid the harness started.</summary>
    private void StopWorkerEngine()
    {
        using var daemon = Process.GetProcessById(_swarm.Worker.Pid!.Value);
        Shell.Must("kill", "-TERM", daemon.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.That(daemon.WaitForExit(TimeSpan.FromSeconds(40)), Is.True, "the worker's dockerd stopped");
    }

    /// <summary>The ids of the Redis service's tasks, all of them (a restart or a move would add one).</summary>
    private string RedisTasks() => _swarm.Manager.Docker("service", "ps", "--quiet", "--no-trunc", Redis);

    private ProcessResult Tool(string target, params string[] arguments)
    {
        var result = _sandbox.ToolWith(_onManager, [$"--target={target}", "--env=prod", .. arguments]);
        Assert.That(result.ExitCode, Is.EqualTo(0), result.ToString());
        return result;
    }
}
