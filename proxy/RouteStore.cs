using System.Text.Json;
using KahaProxy.Contract;
using Yarp.ReverseProxy.Configuration;

namespace KahaProxy;

/// <summary>The one upstream, kept in a file so a restarted proxy comes back routing where it did; the last failover beside it.</summary>
public sealed class RouteStore(string stateFile)
{
    public const string ClusterId = "release";
    private readonly object _gate = new();
    private readonly string _failoverFile = Path.Combine(Path.GetDirectoryName(stateFile)!, "failover.json");
    private InMemoryConfigProvider? _provider;

    public UpstreamRoute? Current { get; private set; } = Load<UpstreamRoute>(stateFile);

    public Failover? LastFailover { get; private set; } = Load<Failover>(Path.Combine(Path.GetDirectoryName(stateFile)!, "failover.json"));

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
        lock (_gate)
        {
            Apply(route);
        }
    }

    /// <summary>
    /// Routes to <paramref name="to"/> if the route is still <paramref name="from"/> (the tool may have switched meanwhile);
    /// the release left keeps a place among the fallbacks, so one restarted by hand can take traffic again.
    /// </summary>
    public Failover? FailOver(UpstreamRoute from, Fallback to, string reason)
    {
        lock (_gate)
        {
            if (Current != from)
            {
                return null;
            }

            var fallbacks = (from.Fallbacks ?? []).Where(f => f.Slot != to.Slot).Append(new Fallback(from.Destination, from.Slot)).ToList();
            var failover = new Failover(DateTimeOffset.UtcNow, from.Slot, from.Destination, to.Slot, to.Destination, reason);
            // Recorded before the switch: a proxy killed between the two still tells the tool why the route may move.
            Write(_failoverFile, failover);
            LastFailover = failover;
            Apply(new UpstreamRoute(to.Destination, to.Slot, from.HealthPath, fallbacks));
            return failover;
        }
    }

    private void Apply(UpstreamRoute route)
    {
        Write(stateFile, route);
        Current = route;
        _provider!.Update(Routes(), Clusters());
    }

    private static void Write<T>(string file, T value)
    {
        var temporary = file + ".tmp";
        File.WriteAllText(temporary, JsonSerializer.Serialize(value));
        File.Move(temporary, file, overwrite: true);
    }

    private static T? Load<T>(string file) where T : class
    {
        try
        {
            return File.Exists(file) ? JsonSerializer.Deserialize<T>(File.ReadAllText(file)) : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
