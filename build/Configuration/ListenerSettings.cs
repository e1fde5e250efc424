using System.Net;

namespace KahaDeploy.Configuration;

/// <summary>The listener section of cake-config.json, validated, with defaults filled in and secrets resolved.</summary>
public sealed record ListenerSettings
{
    public required string ConfigFile { get; init; }

    /// <summary>Where the listener keeps its delivery memory and the deploy logs (.deploy/listener).</summary>
    public required string StateFolder { get; init; }

    public required IPAddress Address { get; init; }
    public required int Port { get; init; }
    public required IReadOnlyList<IPNetwork> TrustedProxies { get; init; }
    public required long MaxBodyBytes { get; init; }
    public required TimeSpan RequestTimeout { get; init; }
    public required TimeSpan LockWait { get; init; }
    public required TimeSpan ShutdownGrace { get; init; }

    /// <summary>Lets a client other than the loopback read /status; null: the loopback only.</summary>
    public string? StatusToken { get; init; }

    public GitHubHookSettings? GitHub { get; init; }
    public DockerHubHookSettings? DockerHub { get; init; }

    public string DeployLogFolder => Path.Combine(StateFolder, "deploys");
}

public sealed record GitHubHookSettings(
    string Secret,
    string Repository,
    IReadOnlyDictionary<string, string> Branches,
    IReadOnlyList<IPNetwork> AllowedNetworks);

/// <param name="Images">"REPO:TAG" or "REPO:*" → environment.</param>
/// <param name="PullRepositories">Environment → the repository its pullImage names (without the tag); a pushed tag is pulled from there.</param>
/// <param name="AllowOlder">The keys of <paramref name="Images"/> whose pushes may deploy an image older than the live one.</param>
public sealed record DockerHubHookSettings(
    string Token,
    IReadOnlyDictionary<string, string> Images,
    IReadOnlyDictionary<string, string> PullRepositories,
    IReadOnlyList<CallbackOrigin> CallbackHosts,
    IReadOnlySet<string> AllowOlder);

/// <summary>Where a Docker Hub callback may go: exactly this scheme, host and port.</summary>
public sealed record CallbackOrigin(string Scheme, string Host, int Port)
{
    public bool Allows(Uri callback) =>
        callback.Scheme.Equals(Scheme, StringComparison.OrdinalIgnoreCase)
        && callback.IdnHost.Equals(Host, StringComparison.OrdinalIgnoreCase)
        && callback.Port == Port
        && callback.UserInfo.Length == 0;
}
