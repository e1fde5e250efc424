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

    /// <summary>The admin API's socket, in the proxy's state folder.</summary>
    public const string SocketName = "admin.sock";

    /// <summary>The route, kept so a restarted proxy comes back routing where it did (the tool writes it for a new proxy too).</summary>
    public const string RouteFileName = "route.json";

    /// <summary>The proxy's published ports, comma-separated.</summary>
    public const string PortsVariable = "KAHA_PROXY_PORTS";

    /// <summary>The proxy's state folder inside its container (default <see cref="StateFolder"/>).</summary>
    public const string StateVariable = "KAHA_PROXY_STATE";

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
