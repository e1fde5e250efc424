using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using KahaDeploy.Tests.Support;
using KahaProxy.Contract;
using NUnit.Framework;

namespace KahaDeploy.Tests;

/// <summary>
/// Issue 15, the proxy's discovery mode (the proxy a swarm runs on every node): with KAHA_PROXY_DISCOVER=HOST:PORT the
/// proxy sends traffic to the addresses HOST resolves to. On the host engine, app containers sharing a network alias stand
/// in for a service's tasks: Docker's DNS answers the alias with each of their addresses, as it answers tasks.SERVICE.
/// </summary>
[NonParallelizable]
public sealed class ProxyDiscoveryTests() : SandboxFixture(SandboxPer.Class)
{
    private const int AppPort = 3000;
    private string _proxyImage = null!;
    private string _appImage = null!;
    private string _state = null!;
    private Uri _url = null!;

    private string Network => $"{Sandbox.Prefix}_discovery";

    private string Blue => $"{Sandbox.Prefix}-blue";

    private string Green => $"{Sandbox.Prefix}-green";

    protected override void Prepare()
    {
        // The proxy image the tool builds and runs; EnsureProxy makes it without deploying anything.
        Sandbox.WriteConfig(adjust: config => config["environments"]!["prod"]!["proxy"] = new JsonObject { ["enabled"] = true });
        var ensure = Sandbox.Tool("--target=EnsureProxy", "--env=prod");
        Assert.That(ensure.ExitCode, Is.EqualTo(0), ensure.ToString());
        _proxyImage = DockerCli.Inspect($"{Sandbox.ProdContainer}_proxy", "{{.Config.Image}}").Trim();
        Shell.Must("docker", "rm", "-f", $"{Sandbox.ProdContainer}_proxy");

        _appImage = BuildVersionApp(Path.Combine(Sandbox.Folder, "version-app"), $"{Sandbox.Prefix}-version-app");
        Shell.Must("docker", "network", "create", Network);
        _state = Path.Combine(Sandbox.Folder, "discovery-proxy");
        Directory.CreateDirectory(_state);
        var port = FreePort.OnLoopback();
        _url = new Uri($"http://127.0.0.1:{port}/");
        StartApp("a", Blue);
        StartApp("b", Blue);
        Shell.Must("docker", "run", "-d", "--name", $"{Sandbox.Prefix}_proxy", "--network", Network, "-p", $"127.0.0.1:{port}:80",
            "-e", $"{ProxyAdminApi.DiscoverVariable}={Blue}:{AppPort}", "-v", $"{_state}:{ProxyAdminApi.StateFolder}", _proxyImage);
        Assert.That(Within(TimeSpan.FromSeconds(20), Answers).GetAwaiter().GetResult(), Is.True, "the proxy answers: " + Shell.Run("docker", "logs", $"{Sandbox.Prefix}_proxy"));
    }

    [Test]
    public async Task Traffic_follows_the_name_as_tasks_come_and_go_and_as_the_name_is_switched_without_a_failed_request()
    {
        await using var load = new LoadProbe(_url);
        Assert.That(await Within(TimeSpan.FromSeconds(15), () => load.VersionsSeen.Contains("a") && load.VersionsSeen.Contains("b")), Is.True,
            "both containers of the name take traffic: " + string.Join(", ", load.VersionsSeen.Concat(load.Failures.TakeLast(3))));

        // A task killed under load: a request sent to it before the next resolution waits out the connect timeout (its address
        // is gone: no answer, not even a refusal) and is then sent to the other.
        var killed = load.Elapsed;
        Shell.Must("docker", "kill", $"{Sandbox.Prefix}_a");
        await Task.Delay(2000);
        Assert.That(load.VersionsAfter(killed + TimeSpan.FromSeconds(1.5)), Is.EqualTo(new[] { "b" }), "the killed container left the name");

        // A task that joins gets traffic at the next resolution.
        StartApp("c", Blue);
        var joined = load.Elapsed;
        var joining = Stopwatch.StartNew();
        Assert.That(await Within(TimeSpan.FromSeconds(2), () => load.VersionsAfter(joined).Contains("c")), Is.True, "the joining container gets traffic within ~1 s");
        TestContext.Progress.WriteLine($"a joining container answered {joining.Elapsed.TotalSeconds:N2} s after it started");

        var discovered = await AdminAsync<DiscoveredUpstreams>(HttpMethod.Get, null);
        Assert.That(discovered.Target, Is.EqualTo($"{Blue}:{AppPort}"));
        Assert.That(discovered.Addresses, Has.Count.EqualTo(2).And.All.EndsWith($":{AppPort}"), "b and c, not the killed a");
        Assert.That(discovered.ResolvedAt, Is.GreaterThan(DateTimeOffset.UtcNow - TimeSpan.FromSeconds(2)));

        // Switching the name over the admin API (blue/green services) moves all traffic by the time the answer comes back.
        StartApp("d", Green);
        var switchedTo = await AdminAsync<DiscoveredUpstreams>(HttpMethod.Put, new DiscoveryTarget($"{Green}:{AppPort}"));
        var switched = load.Elapsed;
        Assert.That(switchedTo.Addresses, Has.Count.EqualTo(1));
        await Task.Delay(700);
        await load.StopAsync();
        Assert.That(load.VersionsAfter(switched + TimeSpan.FromSeconds(0.1)), Is.EqualTo(new[] { "d" }), "only the green container answers");
        Assert.That(load.Failures, Is.Empty, string.Join("\n", load.Failures));
        TestContext.Progress.WriteLine($"{load.Requests} requests, {load.Failures.Count} failed");

        // A name that resolves to nothing: one short 503, no hanging request; a target that is not HOST:PORT is refused.
        var empty = await AdminAsync<DiscoveredUpstreams>(HttpMethod.Put, new DiscoveryTarget($"{Sandbox.Prefix}-none:{AppPort}"));
        Assert.That(empty.Addresses, Is.Empty);
        Assert.That(empty.Error, Does.Contain("does not resolve"));
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        using var unavailable = await client.GetAsync(new Uri(_url, "/version"));
        Assert.That(unavailable.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable));
        Assert.That(await unavailable.Content.ReadAsStringAsync(), Is.EqualTo($"No upstream: {Sandbox.Prefix}-none:{AppPort} resolves to no address (no task is up)."));
        using var refused = await Admin().PutAsJsonAsync(ProxyAdminApi.DiscoveryPath, new DiscoveryTarget("no-port"));
        Assert.That(refused.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(await refused.Content.ReadAsStringAsync(), Does.Contain("target must be HOST:PORT"));
    }

    private void StartApp(string version, string alias) =>
        Shell.Must("docker", "run", "-d", "--name", $"{Sandbox.Prefix}_{version}", "--network", Network, "--network-alias", alias,
            "-e", $"VERSION={version}", _appImage);

    /// <summary>A FROM-scratch image of the host's static busybox whose httpd answers /version with {"version": $VERSION}.</summary>
    private static string BuildVersionApp(string folder, string tag)
    {
        Directory.CreateDirectory(folder);
        File.Copy("/bin/busybox", Path.Combine(folder, "busybox"));
        File.WriteAllText(Path.Combine(folder, "Dockerfile"), $$"""
            FROM scratch
            COPY busybox /bin/busybox
            CMD ["/bin/busybox", "sh", "-c", "/bin/busybox mkdir /www && echo \"{\\\"version\\\":\\\"$VERSION\\\",\\\"commit\\\":\\\"$VERSION\\\"}\" > /www/version && exec /bin/busybox httpd -f -p {{AppPort}} -h /www"]
            """);
        Shell.MustIn(folder, "docker", "build", "-q", "-t", tag, ".");
        return tag;
    }

    private bool Answers()
    {
        try
        {
            return Http.VersionAt(_url) is "a" or "b";
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            return false;
        }
    }

    private static async Task<bool> Within(TimeSpan limit, Func<bool> condition)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > limit)
            {
                return false;
            }

            await Task.Delay(50);
        }

        return true;
    }

    private async Task<T> AdminAsync<T>(HttpMethod method, object? body)
    {
        using var client = Admin();
        using var request = new HttpRequestMessage(method, ProxyAdminApi.DiscoveryPath) { Content = body is null ? null : JsonContent.Create(body) };
        using var response = await client.SendAsync(request);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<T>())!;
    }

    /// <summary>The proxy's admin API, on the unix socket in its state folder (as the tool talks to it).</summary>
    private HttpClient Admin()
    {
        var socket = Path.Combine(_state, ProxyAdminApi.SocketName);
        var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (_, cancellation) =>
            {
                var unix = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                await unix.ConnectAsync(new UnixDomainSocketEndPoint(socket), cancellation);
                return new NetworkStream(unix, ownsSocket: true);
            },
        };
        return new HttpClient(handler) { BaseAddress = new Uri("http://localhost"), Timeout = TimeSpan.FromSeconds(5) };
    }
}
