using System.Text.Json;
using Yarp.ReverseProxy.Configuration;

namespace KahaProxy;

public sealed record UpstreamRoute(string Destination, string Slot);

public sealed record ProbeRequest(string Url);

public sealed record ProbeResult(int Status, string Body);

public sealed record WarmRequest(string Url, int Requests, int Concurrency);

public sealed record WarmResult(int Requests, int Ok);

/// <summary>The one upstream, kept in a file so a restarted proxy comes back routing where it did.</summary>
public sealed class RouteStore(string stateFile)
{
    public const string ClusterId = "release";
    private InMemoryConfigProvider? _provider;

    public UpstreamRoute? Current { get; private set; } = Load(stateFile);

    public IReadOnlyList<RouteConfig> Routes() => Current is null
        ? []
        : [new RouteConfig { RouteId = "all", ClusterId = ClusterId, Match = new RouteMatch { Path = "{**catch-all}" } }];

    public IReadOnlyList<ClusterConfig> Clusters() => Current is null
        ? []
        : [new ClusterConfig
        {
            ClusterId = ClusterId,
            Destinations = new Dictionary<string, DestinationConfig> { [Current.Slot] = new() { Address = Current.Destination } },
        }];

    public void Attach(InMemoryConfigProvider provider) => _provider = provider;

    public void Switch(UpstreamRoute route)
    {
        var temporary = stateFile + ".tmp";
        File.WriteAllText(temporary, JsonSerializer.Serialize(route));
        File.Move(temporary, stateFile, overwrite: true);
        Current = route;
        _provider!.Update(Routes(), Clusters());
    }

    private static UpstreamRoute? Load(string file)
    {
        try
        {
            return File.Exists(file) ? JsonSerializer.Deserialize<UpstreamRoute>(File.ReadAllText(file)) : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
