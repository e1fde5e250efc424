using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using KahaDeploy.Tests.Support;

namespace SwarmBench;

/// <summary>
/// The tool's rows, on the tests' world (<see cref="Sandbox"/>: the sample app in a bare origin, a checkout, a config)
/// with prod as a swarm environment: the manager as DOCKER_HOST, the harness's registry and login, 2 replicas, the
/// public port on every node. Set-up (unmeasured): a Redis service the app reaches by name, and a first Deploy.
/// (t1) a Deploy of a new commit, (t2) a Rollback, (t3) the worker's dockerd stopped under load.
/// </summary>
public sealed class ToolRows(TwoNodeSwarm swarm, SwarmDocker docker, Settings settings, string outDir) : IDisposable
{
    public const int Port = 8082;
    private const string Redis = "swb_redis";
    private static readonly TimeSpan ToolTimeout = TimeSpan.FromMinutes(6);
    private readonly Sandbox _sandbox = new();

    private string Service => _sandbox.ProdContainer;

    private RowRunner Runner => new(swarm.Nodes.Select(n => (n.Name, new Uri($"http://{n.Address}:{Port}/version"))).ToList(), settings);

    public async Task<IReadOnlyList<RowResult>> MeasureAsync(IReadOnlySet<string> wanted, CancellationToken cancel)
    {
        var rows = new List<RowResult>();
        string first;
        try
        {
            first = await SetUpAsync(cancel);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The rows by hand stand without the tool's: say why these are missing rather than lose the run.
            Log.Say($"the tool's rows cannot run: {e.Message}");
            return wanted.Where(w => w.StartsWith('t')).Order().Select(w => RowResult.NotMeasured(w, Title(w), CommandOf(w), $"set-up failed: {e.Message}")).ToList();
        }

        var second = Version(_sandbox.PushChange("a release for the swarm bench"));
        if (wanted.Contains("t1"))
        {
            rows.Add(await Runner.MeasureAsync("t1", Title("t1"), CommandOf("t1"), second,
                token => ToolAsync("t1", token, "--target=Deploy", "--env=prod"), cancel));
        }

        if (wanted.Contains("t2"))
        {
            // Rolls back to the first release when t1 ran, and is a rollback of nothing (an error) when it did not.
            rows.Add(await Runner.MeasureAsync("t2", Title("t2"), CommandOf("t2"), first,
                token => ToolAsync("t2", token, "--target=Rollback", "--env=prod"), cancel));
        }

        if (wanted.Contains("t3"))
        {
            var serving = await VersionAtAsync(swarm.Manager.Address, cancel);
            rows.Add(await Runner.MeasureAsync("t3", Title("t3"), CommandOf("t3"), serving, LoseWorkerAsync, cancel, [swarm.Manager.Name], newVersion: false));
        }

        return rows;
    }

    private static string Title(string row) => row switch
    {
        "t1" => "(t1) the tool's Deploy of a new commit (design (a))",
        "t2" => "(t2) the tool's Rollback",
        _ => "(t3) the worker lost under load (its dockerd stopped)",
    };

    private static string CommandOf(string row) => row switch
    {
        "t1" => "DOCKER_HOST=unix://MANAGER ./build.sh --target=Deploy --env=prod",
        "t2" => "DOCKER_HOST=unix://MANAGER ./build.sh --target=Rollback --env=prod",
        _ => "kill -TERM <the worker's dockerd pid>",
    };

    /// <summary>What the app answers as its version: the commit's first 12 characters.</summary>
    private static string Version(string commit) => commit[..12];

    private async Task<string> SetUpAsync(CancellationToken cancel)
    {
        _sandbox.Secrets["REGISTRY_PASSWORD"] = swarm.RegistryPassword;
        _sandbox.Secrets["DOCKER_HOST"] = swarm.Manager.DockerHost;
        _sandbox.WriteConfig(adjust: config =>
        {
            var prod = config["environments"]!["prod"]!.AsObject();
            // A swarm environment has the overlay network NAME and publishes on every node (no address).
            prod.Remove("network");
            prod["ports"] = new JsonArray($"{Port}:3000");
            prod["redis"] = new JsonObject { ["url"] = $"redis://{Redis}:6379" };
            prod["healthTimeoutSeconds"] = 60;
            prod["swarm"] = new JsonObject
            {
                ["replicas"] = 2,
                ["registry"] = swarm.Registry,
                // Written out: the harness's user is "kaha", which as a secret would be masked in every line the tool prints.
                ["registryUser"] = swarm.RegistryUser,
                ["registryPassword"] = "${REGISTRY_PASSWORD}",
                ["updateParallelism"] = 1,
            };
        });

        // The app's health check asks Redis: a Redis service on the overlay network the tool would make (it keeps one it
        // finds), pinned to the manager (its image is loaded there, not pushed), reached by DNS round robin (no IPVS here).
        var redisImage = (await Command.RunAsync(cancel, "docker", "images", "kaha-local/redis", "--format", "{{.Repository}}:{{.Tag}}")).Split('\n')[0].Trim();
        if (redisImage.Length == 0)
        {
            throw new InvalidOperationException("no kaha-local/redis image on this machine's engine: deploy the sample with a local Redis once");
        }

        await Command.RunAsync(cancel, "sh", "-c", $"docker save '{redisImage}' | docker -H '{swarm.Manager.DockerHost}' load -q");
        await docker.OnManagerAsync(cancel, "network", "create", "--driver", "overlay", "--attachable", "--label", $"org.kaha.app={_sandbox.AppName}", Service);
        await docker.OnManagerAsync(cancel, "service", "create", "--detach=false", "--quiet", "--no-resolve-image", "--name", Redis,
            "--network", Service, "--endpoint-mode", "dnsrr", "--constraint", "node.role==manager", redisImage);

        await ToolAsync("setup", cancel, "--target=Deploy", "--env=prod");
        var first = await VersionAtAsync(swarm.Manager.Address, cancel);
        if (await VersionAtAsync(swarm.Worker.Address, cancel) != first)
        {
            throw new InvalidOperationException($"after the first Deploy the nodes answer different versions");
        }

        Log.Say($"the tool's first release {first} serves on both nodes' port {Port}");
        return first;
    }

    /// <summary>The tool as a user runs it, its output kept in OUT/tool-NAME.log; fails with its Error line(s).</summary>
    private async Task<string?> ToolAsync(string name, CancellationToken cancel, params string[] arguments)
    {
        var clock = Stopwatch.StartNew();
        using var tool = _sandbox.StartTool(arguments);
        await Task.Run(() =>
        {
            while (!tool.WaitForExit(TimeSpan.FromMilliseconds(200)))
            {
                if (cancel.IsCancellationRequested || clock.Elapsed > ToolTimeout)
                {
                    // Ctrl-C as a user would: the tool stops waiting and says so (Swarm finishes on its own).
                    tool.Interrupt();
                    if (!tool.WaitForExit(TimeSpan.FromSeconds(30)))
                    {
                        tool.Kill();
                    }

                    cancel.ThrowIfCancellationRequested();
                    throw new TimeoutException($"the tool ({string.Join(' ', arguments)}) did not end within {ToolTimeout.TotalMinutes:N0} minutes");
                }
            }
        }, CancellationToken.None);
        await File.WriteAllTextAsync(Path.Combine(outDir, $"tool-{name}.log"), tool.Output, CancellationToken.None);
        if (tool.ExitCode != 0)
        {
            var errors = ProcessResult.Lines(tool.Output).Where(l => l.StartsWith("Error:", StringComparison.Ordinal)).ToList();
            throw new InvalidOperationException($"{string.Join(' ', arguments)} exited {tool.ExitCode}: {(errors.Count > 0 ? string.Join(" ", errors) : "no Error line; see tool-" + name + ".log")}");
        }

        return $"{string.Join(' ', arguments)} took {clock.Elapsed.TotalSeconds:F1} s";
    }

    /// <summary>(t3): SIGTERM to the worker's dockerd by its pid, then until Swarm has both replicas running on the manager.</summary>
    private async Task<string?> LoseWorkerAsync(CancellationToken cancel)
    {
        var clock = Stopwatch.StartNew();
        await Command.RunAsync(cancel, "kill", "-TERM", swarm.Worker.Pid!.Value.ToString(CultureInfo.InvariantCulture));
        TimeSpan? down = null, rescheduled = null;
        while (clock.Elapsed < TimeSpan.FromSeconds(90) && rescheduled is null)
        {
            await Task.Delay(250, cancel);
            if (down is null && (await docker.OnManagerAsync(cancel, "node", "ls", "--format", "{{.Status}}")).Contains("Down", StringComparison.Ordinal))
            {
                down = clock.Elapsed;
            }

            var running = (await docker.OnManagerAsync(cancel, "service", "ps", Service, "--filter", "desired-state=running", "--format", "{{.CurrentState}}"))
                .Split('\n').Count(state => state.StartsWith("Running", StringComparison.Ordinal));
            if (down is not null && running >= 2)
            {
                rescheduled = clock.Elapsed;
            }
        }

        return $"the manager listed the worker Down after {Seconds(down)}; both replicas ran on the manager again after {Seconds(rescheduled)}. " +
               "The worker's own address answers nothing from the stop on (no balancer in front of the nodes here): its failures are by design, " +
               "the manager's count and the gap and 100 % columns are the manager's alone";

        static string Seconds(TimeSpan? at) => at is null ? "more than 90 s" : $"{at.Value.TotalSeconds:F1} s";
    }

    /// <summary>The version a node's proxy answers, once it answers one (it finds a new service's tasks within a second).</summary>
    private static async Task<string> VersionAtAsync(string address, CancellationToken cancel)
    {
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var url = $"http://{address}:{Port}/version";
        var clock = Stopwatch.StartNew();
        for (var attempt = 0; ; attempt++, await Task.Delay(250, cancel))
        {
            try
            {
                var answer = await client.GetFromJsonAsync<JsonObject>(url, cancel);
                if (attempt > 0)
                {
                    Log.Say($"{url} answers {clock.Elapsed.TotalSeconds:F1} s after it was first asked");
                }

                return answer?["version"]?.GetValue<string>() ?? throw new InvalidOperationException($"{url} answered no version");
            }
            catch (HttpRequestException e) when (clock.Elapsed < TimeSpan.FromSeconds(30))
            {
                if (attempt == 0)
                {
                    Log.Say($"{url}: {e.Message}; asking again every 250 ms");
                }
            }
        }
    }

    public void Dispose() => _sandbox.Dispose();
}
