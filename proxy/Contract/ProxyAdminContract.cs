namespace KahaProxy.Contract;

// What the deploy tool and kaha-proxy say to each other: the admin API on the proxy's unix socket, the files in its state
// folder and the variables it is started with. This one file is compiled into both (the tool links it, see
// build/Build.csproj), so the two sides cannot drift. Change it with care all the same: a proxy started by an older tool
// keeps running, and a newer tool talks to it: new fields are optional, and the tool copes with a proxy that lacks a path.

/// <summary>The admin API's paths, its socket and the proxy's state files.</summary>
public static class ProxyAdminApi
{
    public const string RoutePath = "/admin/route";
    public const string FailoverPath = "/admin/failover";
    public const string ProbePath = "/admin/probe";
    public const string WarmPath = "/admin/warm";

    /// <summary>
    /// Discovery mode only (404 otherwise): GET reads the discovered addresses (<see cref="DiscoveredUpstreams"/>), PUT a
    /// <see cref="DiscoveryTarget"/> changes the name resolved and answers once it was resolved.
    /// </summary>
    public const string DiscoveryPath = "/admin/discovery";

    /// <summary>The admin API's socket, in the proxy's state folder.</summary>
    public const string SocketName = "admin.sock";

    /// <summary>The route, kept so a restarted proxy comes back routing where it did (the tool writes it for a new proxy too).</summary>
    public const string RouteFileName = "route.json";

    /// <summary>The proxy's published ports, comma-separated.</summary>
    public const string PortsVariable = "KAHA_PROXY_PORTS";

    /// <summary>The proxy's state folder inside its container (default <see cref="StateFolder"/>).</summary>
    public const string StateVariable = "KAHA_PROXY_STATE";

    /// <summary>
    /// HOST:PORT (e.g. tasks.kaha_prod:3000): discovery mode, in which the proxy sends traffic to the addresses HOST resolves
    /// to (a swarm service's healthy tasks), not to a route; unset, the proxy routes as the tool switches it.
    /// </summary>
    public const string DiscoverVariable = "KAHA_PROXY_DISCOVER";

    /// <summary>Where the tool mounts the environment's proxy state folder, inside the proxy's container.</summary>
    public const string StateFolder = "/run/kaha-proxy";
}

/// <summary>
/// Where traffic goes. <paramref name="HealthPath"/> and <paramref name="Fallbacks"/> (other running releases of the
/// environment, such as the warm standby) are sent by tools that know failover; a route without them never fails over.
/// </summary>
public sealed record UpstreamRoute(string Destination, string Slot, string? HealthPath = null, IReadOnlyList<Fallback>? Fallbacks = null);

public sealed record Fallback(string Destination, string Slot);

/// <summary>A switch the proxy made by itself because the routed release stopped answering.</summary>
public sealed record Failover(DateTimeOffset At, string FromSlot, string FromDestination, string ToSlot, string ToDestination, string Reason);

public sealed record ProbeRequest(string Url);

public sealed record ProbeResult(int Status, string Body);

public sealed record WarmRequest(string Url, int Requests, int Concurrency);

public sealed record WarmResult(int Requests, int Ok);

/// <summary>The name a proxy in discovery mode resolves, as HOST:PORT.</summary>
public sealed record DiscoveryTarget(string Target);

/// <summary>
/// What a proxy in discovery mode sends traffic to: <paramref name="Addresses"/> (IP:PORT) as <paramref name="Target"/>
/// resolved at <paramref name="ResolvedAt"/>; <paramref name="Error"/> says why the last resolution failed, if it did.
/// </summary>
public sealed record DiscoveredUpstreams(string Target, IReadOnlyList<string> Addresses, DateTimeOffset? ResolvedAt, string? Error);
