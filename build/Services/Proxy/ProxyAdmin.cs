using System.Net.Http.Json;
using System.Net.Sockets;

namespace KahaDeploy.Services.Proxy;

/// <summary>Talks to an environment's proxy through its admin API, which listens only on a unix socket in the proxy's state folder.</summary>
public sealed class ProxyAdmin
{
    /// <summary>
    /// The admin socket and the persisted route, bind-mounted into the proxy. Beside the environment's other data that
    /// outlives the checkout, not under .deploy: 'rm -rf .deploy' or 'git clean -xfd' would cut the tool off from a proxy
    /// that still serves, and block every Deploy and Rollback.
    /// </summary>
    public static string StateFolder(DeploySettings settings) => Path.Combine(DataHome.For(settings.AppName, settings.Environment), "proxy");

    public static string Socket(string stateFolder) => Path.Combine(stateFolder, ProxyAdminApi.SocketName);

    public Task<UpstreamRoute?> CurrentRouteAsync(DeploySettings settings) => CurrentRouteAsync(StateFolder(settings));

    /// <summary>The route of the proxy whose state folder is <paramref name="stateFolder"/> (a proxy created with an earlier one too).</summary>
    public async Task<UpstreamRoute?> CurrentRouteAsync(string stateFolder)
    {
        using var client = Client(stateFolder);
        using var response = await client.GetAsync(ProxyAdminApi.RoutePath);
        response.EnsureSuccessStatusCode();
        var text = await response.Content.ReadAsStringAsync();
        return text is "" or "null" ? null : System.Text.Json.JsonSerializer.Deserialize<UpstreamRoute>(text, Json);
    }

    /// <summary>The last failover of the proxy; null when it never failed over, or predates failover.</summary>
    public async Task<Failover?> LastFailoverAsync(DeploySettings settings)
    {
        using var client = Client(settings);
        using var response = await client.GetAsync(ProxyAdminApi.FailoverPath);
        if (response.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            return null;
        }

        response.EnsureSuccessStatusCode();
        var text = await response.Content.ReadAsStringAsync();
        return text is "" or "null" ? null : System.Text.Json.JsonSerializer.Deserialize<Failover>(text, Json);
    }

    public async Task SwitchAsync(DeploySettings settings, UpstreamRoute route)
    {
        using var client = Client(settings);
        using var response = await client.PutAsJsonAsync(ProxyAdminApi.RoutePath, route, Json);
        if (!response.IsSuccessStatusCode)
        {
            throw new ProxyException($"The proxy refused the switch to {route.Destination}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }
    }

    /// <summary>One request to <paramref name="url"/>, sent by the proxy from inside the environment's network.</summary>
    public async Task<ProbeResult> ProbeAsync(DeploySettings settings, string url)
    {
        using var client = Client(settings);
        using var response = await client.PostAsJsonAsync(ProxyAdminApi.ProbePath, new ProbeRequest(url), Json);
        return await response.Content.ReadFromJsonAsync<ProbeResult>(Json) ?? new ProbeResult(0, "no answer");
    }

    /// <summary>
    /// <paramref name="requests"/> requests to <paramref name="url"/>, <paramref name="concurrency"/> at a time, sent by the
    /// proxy through the client it forwards with; null when the proxy is older than this call.
    /// </summary>
    public async Task<int?> WarmAsync(DeploySettings settings, string url, int requests, int concurrency)
    {
        using var client = Client(settings);
        client.Timeout = TimeSpan.FromSeconds(60);
        using var response = await client.PostAsJsonAsync(ProxyAdminApi.WarmPath, new WarmRequest(url, requests, concurrency), Json);
        if (response.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            return null;
        }

        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<WarmResult>(Json))?.Ok ?? 0;
    }

    public Task<bool> AnswersAsync(DeploySettings settings) => AnswersAsync(StateFolder(settings));

    public async Task<bool> AnswersAsync(string stateFolder)
    {
        try
        {
            await CurrentRouteAsync(stateFolder);
            return true;
        }
        catch (Exception ex) when (ex is HttpRequestException or SocketException or TaskCanceledException)
        {
            return false;
        }
    }

    private static readonly System.Text.Json.JsonSerializerOptions Json = ProxyAdminJson.Default.Options;

    private static HttpClient Client(DeploySettings settings) => Client(StateFolder(settings));

    private static HttpClient Client(string stateFolder)
    {
        var socket = Socket(stateFolder);
        var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (_, cancellation) =>
            {
                var unix = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                try
                {
                    await unix.ConnectAsync(new UnixDomainSocketEndPoint(socket), cancellation);
                    return new NetworkStream(unix, ownsSocket: true);
                }
                catch
                {
                    unix.Dispose();
                    throw;
                }
            },
        };
        return new HttpClient(handler) { BaseAddress = new Uri("http://localhost"), Timeout = TimeSpan.FromSeconds(5) };
    }
}

public sealed class ProxyException(string message) : Exception(message);

/// <summary>
/// The admin API's messages, read and written by code generated at compile time: a rollback talks to the proxy three
/// times, and building the same by reflection cost every run's start (issue 18).
/// </summary>
[System.Text.Json.Serialization.JsonSourceGenerationOptions(System.Text.Json.JsonSerializerDefaults.Web)]
[System.Text.Json.Serialization.JsonSerializable(typeof(UpstreamRoute))]
[System.Text.Json.Serialization.JsonSerializable(typeof(Failover))]
[System.Text.Json.Serialization.JsonSerializable(typeof(ProbeRequest))]
[System.Text.Json.Serialization.JsonSerializable(typeof(ProbeResult))]
[System.Text.Json.Serialization.JsonSerializable(typeof(WarmRequest))]
[System.Text.Json.Serialization.JsonSerializable(typeof(WarmResult))]
internal sealed partial class ProxyAdminJson : System.Text.Json.Serialization.JsonSerializerContext;
