using System.Net.Sockets;
using System.Text.Json;
using Docker.DotNet;

namespace KahaDeploy.Services.Docker;

/// <summary>
/// A thin typed wrapper over the Docker Engine API (Docker.DotNet.Enhanced). Every failure the engine
/// reports comes out as a <see cref="DockerEngineException"/> whose message says in one line what failed
/// and why, e.g. <c>Docker could not start container 'kaha_dev': No such container: kaha_dev</c>.
/// </summary>
/// <remarks>
/// No API version is pinned: the client then sends unversioned paths (<c>/containers/json</c>), which an
/// engine serves at its own newest API version (1.41 for Debian's docker.io 20.10). Pinning <c>1.41</c>
/// works here as well, but would break against newer engines that raised their minimum (Docker 29 requires 1.44).
/// One file per resource: this one holds the connection and the error plumbing every request shares, DockerEngine.Images,
/// .Builds, .Containers, .Logs, .Networks, .Exec, .Records and (Swarm) .Services, .Tasks, .Nodes the requests, and <see cref="EngineMapping"/> the translation
/// between our records and the engine's types.
/// </remarks>
public sealed partial class DockerEngine : IDisposable
{
    /// <summary>The engine socket used when <c>DOCKER_HOST</c> is not set.</summary>
    public const string DefaultEndpoint = "unix:///var/run/docker.sock";

    private const int DefaultTcpPort = 2375;

    /// <summary>The port the docker CLI assumes for <c>tcp://HOST</c> with TLS.</summary>
    private const int DefaultTlsPort = 2376;

    /// <summary>Upper bound for one ordinary request (streams such as builds, pulls and stops have none).</summary>
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromMinutes(5);

    private readonly DockerClient _client;

    /// <param name="tls">for a <c>tcp://</c> endpoint, the certificates to speak TLS with (<see cref="EngineTls.FromEnvironment"/>).</param>
    public DockerEngine(Uri endpoint, EngineTls? tls = null)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        Endpoint = endpoint;
        var builder = new DockerClientBuilder(new DockerConfig(new FixedDockerCliSettings(endpoint.ToString())))
            .WithEndpoint(endpoint)
            .WithTimeout(RequestTimeout);
        if (tls is not null)
        {
            builder = builder.WithAuthProvider(tls.Credentials);
        }

        _client = builder.Build();
    }

    /// <summary>The engine this instance talks to.</summary>
    public Uri Endpoint { get; }

    /// <summary>The engine endpoint from <c>DOCKER_HOST</c> (<c>unix://</c> or <c>tcp://</c>), else <see cref="DefaultEndpoint"/>.</summary>
    public static Uri ResolveEndpoint(bool tls = false) => ResolveEndpoint(Environment.GetEnvironmentVariable("DOCKER_HOST"), tls);

    /// <summary>The engine endpoint for a <c>DOCKER_HOST</c> value (null or empty: <see cref="DefaultEndpoint"/>).</summary>
    /// <param name="tls">whether TLS is on, which makes a <c>tcp://HOST</c> without a port mean 2376, as for the docker CLI.</param>
    public static Uri ResolveEndpoint(string? dockerHost, bool tls = false)
    {
        var value = dockerHost?.Trim();
        if (string.IsNullOrEmpty(value))
        {
            return new Uri(DefaultEndpoint);
        }

        if (value.StartsWith("unix://", StringComparison.OrdinalIgnoreCase))
        {
            var path = value["unix://".Length..];
            if (!path.StartsWith('/'))
            {
                throw new DockerEngineException($"DOCKER_HOST '{value}' is not usable: a unix socket needs an absolute path, as in unix:///var/run/docker.sock");
            }

            return new Uri("unix://" + path);
        }

        if (value.StartsWith("tcp://", StringComparison.OrdinalIgnoreCase))
        {
            if (!Uri.TryCreate("tcp://" + value["tcp://".Length..], UriKind.Absolute, out var tcp) || tcp.Host.Length == 0)
            {
                throw new DockerEngineException($"DOCKER_HOST '{value}' is not usable: expected tcp://host:port");
            }

            var port = tcp.IsDefaultPort || tcp.Port <= 0 ? (tls ? DefaultTlsPort : DefaultTcpPort) : tcp.Port;
            return new UriBuilder("tcp", tcp.Host, port).Uri;
        }

        throw new DockerEngineException($"DOCKER_HOST '{value}' is not supported: use unix:///path/to/docker.sock or tcp://host:port");
    }

    /// <summary>The engine's version (e.g. <c>20.10.24+dfsg1</c>), or null when nothing answers within <paramref name="timeout"/>.</summary>
    public async Task<string?> TryGetServerVersionAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            var version = await _client.System.GetVersionAsync(cts.Token).ConfigureAwait(false);
            return string.IsNullOrEmpty(version.Version) ? null : version.Version;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return null;
        }
    }

    public void Dispose() => _client.Dispose();

    private static IDictionary<string, IDictionary<string, bool>> Filter(params (string Key, string Value)[] filters)
    {
        var result = new Dictionary<string, IDictionary<string, bool>>();
        foreach (var (key, value) in filters)
        {
            if (!result.TryGetValue(key, out var values))
            {
                result[key] = values = new Dictionary<string, bool>();
            }

            values[value] = true;
        }

        return result;
    }

    private async Task CallAsync(string what, Func<Task> action)
    {
        await CallAsync<bool>(what, async () =>
        {
            await action().ConfigureAwait(false);
            return true;
        }).ConfigureAwait(false);
    }

    private async Task<T> CallAsync<T>(string what, Func<Task<T>> action)
    {
        try
        {
            return await action().ConfigureAwait(false);
        }
        catch (DockerEngineException)
        {
            throw;
        }
        catch (DockerApiException e)
        {
            throw new DockerEngineException($"Docker could not {what}: {EngineMessage(e)}", e);
        }
        catch (Exception e) when (IsTransportFailure(e))
        {
            throw new DockerEngineException($"Docker could not {what}: {TransportMessage(e)}", e);
        }
    }

    private static bool IsTransportFailure(Exception e) =>
        e is HttpRequestException or SocketException or IOException or TimeoutException or OperationCanceledException;

    private string TransportMessage(Exception e)
    {
        for (var inner = e; inner is not null; inner = inner.InnerException)
        {
            if (inner is SocketException socket)
            {
                // A missing unix socket surfaces as "Cannot assign requested address": say what it means.
                var reason = Endpoint.Scheme == "unix" && !File.Exists(Endpoint.LocalPath)
                    ? "the socket does not exist; is dockerd running?"
                    : socket.Message;
                return $"cannot reach the Docker engine at {Endpoint} ({reason})";
            }
        }

        return e is TimeoutException or OperationCanceledException
            ? $"the Docker engine at {Endpoint} did not answer in time"
            : $"lost the connection to the Docker engine at {Endpoint} ({OneLine(e.Message)})";
    }

    /// <summary>The engine's own words from an error response (<c>{"message": "..."}</c>), on one line.</summary>
    private static string EngineMessage(DockerApiException e)
    {
        var body = e.ResponseBody?.Trim();
        if (!string.IsNullOrEmpty(body))
        {
            try
            {
                using var json = JsonDocument.Parse(body);
                if (json.RootElement.ValueKind == JsonValueKind.Object
                    && json.RootElement.TryGetProperty("message", out var message)
                    && message.ValueKind == JsonValueKind.String
                    && !string.IsNullOrWhiteSpace(message.GetString()))
                {
                    return OneLine(message.GetString()!);
                }
            }
            catch (JsonException)
            {
                return OneLine(body);
            }
        }

        return $"the engine answered {(int)e.StatusCode} without a reason";
    }

    private static string OneLine(string text) =>
        string.Join(' ', text.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
}
