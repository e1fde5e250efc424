using System.Net;
using ZeroDowntimeLoad;

namespace SwarmBench;

/// <summary>
/// The zero-downtime bench's load generator (<see cref="Load"/>), once per node: the same number of keep-alive connections
/// on each node's public address, one clock for all, so that a row's figures cover both nodes and each node's alone.
/// </summary>
public sealed class TwoNodeLoad
{
    private readonly Clock _clock = new();
    private readonly List<(string Node, Load Load)> _loads;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _running;

    public TwoNodeLoad(IEnumerable<(string Node, Uri Url)> targets, int connectionsEach, TimeSpan interval, TimeSpan timeout)
    {
        _loads = targets.Select(t =>
        {
            if (t.Url.Scheme != "http" || !IPAddress.TryParse(t.Url.Host, out _))
            {
                throw new ArgumentException($"the load goes to http://ADDRESS:PORT/ of the bench's own nodes, not {t.Url}");
            }

            return (t.Node, new Load(t.Url, connectionsEach, interval, timeout, _clock));
        }).ToList();
        _running = Task.WhenAll(_loads.Select(l => l.Load.RunAsync(_stop.Token)));
        ConnectionsEach = connectionsEach;
    }

    public int ConnectionsEach { get; }

    public double NowMs => _clock.NowMs;

    public bool AllAnswered => _loads.All(l => l.Load.ConnectionsAnswered == ConnectionsEach);

    /// <summary>Lets every connection finish the request in flight (stopping never makes a failure).</summary>
    public async Task StopAsync()
    {
        await _stop.CancelAsync();
        await _running;
    }

    /// <summary>Every request of every node, versions interned into one table; with the node that was asked.</summary>
    public (IReadOnlyList<(string Node, Record Record)> Records, Versions Versions) Merged()
    {
        var versions = new Versions();
        var records = _loads.SelectMany(l => l.Load.Records.Select(r =>
                (l.Node, r with { Version = versions.Of(r.Version < 0 ? null : l.Load.Versions.Name(r.Version)) })))
            .OrderBy(x => x.Item2.Start)
            .ToList();
        return (records, versions);
    }

    public IEnumerable<string> FailureSamples => _loads.SelectMany(l => l.Load.FailureSamples.Select(s => $"node {l.Node}: {s}"));
}
