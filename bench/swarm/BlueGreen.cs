using System.Diagnostics;
using System.Net.Http.Json;
using System.Net.Sockets;
using KahaDeploy.Tests.Support;
using KahaProxy.Contract;

namespace SwarmBench;

/// <summary>
/// Row (b), design (b) done by hand: two app services (blue, green) on one overlay network, and the project's proxy as a
/// global service publishing a host-mode port on every node, in discovery mode. A release: green created and converged,
/// then every node's proxy told over its admin API (PUT /admin/discovery) to send traffic to green's tasks, then blue removed.
/// </summary>
public static class BlueGreen
{
    public const int Port = 8081;
    private const string Network = "swb_b";
    private const string Blue = "swb_blue";
    private const string Green = "swb_green";
    private const string Proxy = "swb_bproxy";

    public static async Task<RowResult> MeasureAsync(TwoNodeSwarm swarm, SwarmDocker docker, Settings settings, Images images, CancellationToken cancel)
    {
        var proxyImage = await images.ProxyAsync(cancel);
        await images.AppAsync(cancel);
        // Each node's proxy keeps its admin socket in a folder of its own: the nodes' daemons share this machine's disk.
        var stateRoot = Path.Combine(swarm.Root, "bproxy");
        var sockets = new List<string>();
        foreach (var node in swarm.Nodes)
        {
            var folder = Path.Combine(stateRoot, node.Id);
            Directory.CreateDirectory(folder);
            sockets.Add(Path.Combine(folder, ProxyAdminApi.SocketName));
        }

        var command = $"docker service create {Green} (v2) --detach=false; PUT {ProxyAdminApi.DiscoveryPath} tasks.{Green}:3000 on each node's proxy; docker service rm {Blue}";
        await docker.OnManagerAsync(cancel, "network", "create", "--driver", "overlay", "--attachable", Network);
        try
        {
            await AppServiceAsync(docker, Blue, images.V1, cancel);
            await docker.OnManagerAsync(cancel, "service", "create", "--with-registry-auth", "--detach=false", "--quiet",
                "--name", Proxy, "--mode", "global", "--network", Network,
                "--publish", $"mode=host,target={Port},published={Port}",
                "--env", $"{ProxyAdminApi.PortsVariable}={Port}", "--env", $"{ProxyAdminApi.DiscoverVariable}=tasks.{Blue}:3000",
                "--mount", $"type=bind,source={stateRoot}/{{{{.Node.ID}}}},target={ProxyAdminApi.StateFolder}",
                proxyImage);
            var runner = new RowRunner(swarm.Nodes.Select(n => (n.Name, new Uri($"http://{n.Address}:{Port}/version"))).ToList(), settings);
            return await runner.MeasureAsync("b", "(b) blue/green services, each node's proxy switched (by hand)", command, "v2", async token =>
            {
                var clock = Stopwatch.StartNew();
                await AppServiceAsync(docker, Green, images.V2, token);
                var started = clock.Elapsed;
                await Task.WhenAll(sockets.Select(socket => SwitchAsync(socket, $"tasks.{Green}:3000", token)));
                var switched = clock.Elapsed;
                await docker.OnManagerAsync(token, "service", "rm", Blue);
                return $"green up in {started.TotalSeconds:F1} s, both proxies switched {(switched - started).TotalMilliseconds:F0} ms later, blue removed after {(clock.Elapsed - switched).TotalSeconds:F1} s more";
            }, cancel);
        }
        finally
        {
            await docker.OnManagerAsync(CancellationToken.None, "service", "rm", Proxy, Blue, Green).ContinueWith(_ => { });
            await WaitUntilGoneAsync(docker, Network);
        }
    }

    /// <summary>Two replicas spread over the nodes, DNS round robin, with the health check a release of the tool gets.</summary>
    private static Task<string> AppServiceAsync(SwarmDocker docker, string name, string image, CancellationToken cancel) =>
        docker.OnManagerAsync(cancel, "service", "create", "--with-registry-auth", "--detach=false", "--quiet",
            "--name", name, "--replicas", "2", "--endpoint-mode", "dnsrr", "--network", Network,
            "--placement-pref", "spread=node.id", "--health-cmd", Images.HealthCommand,
            "--health-interval", "1s", "--health-timeout", "2s", "--health-retries", "3", image);

    /// <summary>The proxy's admin API on its unix socket (it answers nowhere else).</summary>
    private static async Task SwitchAsync(string socket, string target, CancellationToken cancel)
    {
        using var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (_, token) =>
            {
                var unix = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                await unix.ConnectAsync(new UnixDomainSocketEndPoint(socket), token);
                return new NetworkStream(unix, ownsSocket: true);
            },
        };
        using var admin = new HttpClient(handler) { BaseAddress = new Uri("http://proxy"), Timeout = TimeSpan.FromSeconds(10) };
        using var answer = await admin.PutAsJsonAsync(ProxyAdminApi.DiscoveryPath, new DiscoveryTarget(target), cancel);
        var found = await answer.Content.ReadFromJsonAsync<DiscoveredUpstreams>(cancel);
        if (!answer.IsSuccessStatusCode || found is null || found.Addresses.Count == 0)
        {
            throw new InvalidOperationException($"the proxy at {socket} did not switch to {target}: {(int)answer.StatusCode} {found}");
        }
    }

    /// <summary>A network goes once its services' tasks are gone, a few seconds after they are removed.</summary>
    private static async Task WaitUntilGoneAsync(SwarmDocker docker, string network)
    {
        for (var i = 0; i < 60; i++)
        {
            try
            {
                await docker.OnManagerAsync(CancellationToken.None, "network", "rm", network);
                return;
            }
            catch (InvalidOperationException e) when (!e.Message.Contains("not found", StringComparison.Ordinal))
            {
                await Task.Delay(500);
            }
            catch (InvalidOperationException)
            {
                return;
            }
        }
    }
}
