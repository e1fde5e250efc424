using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;

namespace ZeroDowntimeLoad;

/// <summary>Wall-clock milliseconds since the Unix epoch, read from a monotonic clock (so it agrees with the driver's marks).</summary>
public sealed class Clock
{
    private readonly long _origin = Stopwatch.GetTimestamp();
    private readonly double _originUnixMs = (DateTime.UtcNow - DateTime.UnixEpoch).TotalMilliseconds;

    public double NowMs => _originUnixMs + Stopwatch.GetElapsedTime(_origin).TotalMilliseconds;
}

/// <summary>One request: when it started and ended (Unix ms), how it ended, which version answered.</summary>
public readonly record struct Record(double Start, double End, Outcome Outcome, short Status, short Version, bool NewConnection, bool FoundClosed);

/// <summary>Versions seen, interned to small numbers; -1 is none.</summary>
public sealed class Versions
{
    private readonly ConcurrentDictionary<string, short> _index = new();
    private readonly List<string> _names = [];

    public short Of(string? version)
    {
        if (version is null)
        {
            return -1;
        }

        return _index.GetOrAdd(version, v =>
        {
            lock (_names)
            {
                _names.Add(v);
                return (short)(_names.Count - 1);
            }
        });
    }

    public string Name(short index) => index < 0 ? "" : _names[index];

    public IReadOnlyList<string> All
    {
        get
        {
            lock (_names)
            {
                return _names.ToList();
            }
        }
    }
}

/// <summary>
/// N connections, each sending GET in a loop: one request at a time, a new one every <c>interval</c> (or at once when the
/// last answer took longer; with interval 0, back to back like wrk). Runs until told to stop, then lets every
/// connection finish the request it has in flight, so stopping never makes a failure.
/// </summary>
public sealed class Load(Uri url, int connections, TimeSpan interval, TimeSpan timeout, Clock clock)
{
    private readonly List<Record>[] _records = Enumerable.Range(0, connections).Select(_ => new List<Record>(64 * 1024)).ToArray();
    private readonly int[] _answered = new int[connections];
    private readonly ConcurrentQueue<string> _failureSamples = new();

    public Versions Versions { get; } = new();

    /// <summary>A few failure details (time, kind, detail), for the log.</summary>
    public IReadOnlyCollection<string> FailureSamples => _failureSamples;

    /// <summary>How many connections have had at least one good answer.</summary>
    public int ConnectionsAnswered => _answered.Count(a => a > 0);

    public IEnumerable<Record> Records => _records.SelectMany(r => r);

    public Task RunAsync(CancellationToken stop)
    {
        var endpoint = new IPEndPoint(IPAddress.Parse(url.Host), url.Port);
        var request = RawHttpConnection.GetRequest(url);
        // Spread the first requests over one interval, so the connections do not move in lockstep.
        return Task.WhenAll(Enumerable.Range(0, connections).Select(i =>
            Task.Run(() => LoopAsync(i, endpoint, request, interval * i / connections, stop))));
    }

    private async Task LoopAsync(int index, IPEndPoint endpoint, byte[] request, TimeSpan offset, CancellationToken stop)
    {
        using var connection = new RawHttpConnection(endpoint, request);
        var records = _records[index];
        var next = clock.NowMs + offset.TotalMilliseconds;
        while (!stop.IsCancellationRequested)
        {
            var wait = next - clock.NowMs;
            if (wait > 0.5)
            {
                try
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(wait), stop);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }

            var start = clock.NowMs;
            var answer = await connection.GetAsync(timeout);
            var end = clock.NowMs;
            records.Add(new Record(start, end, answer.Outcome, (short)answer.Status, Versions.Of(answer.Version), answer.NewConnection, answer.FoundClosed));
            if (answer.Outcome == Outcome.Ok)
            {
                _answered[index]++;
            }
            else if (_failureSamples.Count < 200)
            {
                _failureSamples.Enqueue($"{end:F1} connection {index}: {answer.Outcome} {(answer.Status > 0 ? answer.Status : "")} {answer.Detail}".TrimEnd());
            }

            next = Math.Max(next + interval.TotalMilliseconds, clock.NowMs);
            if (answer.Outcome == Outcome.ConnectError && interval < TimeSpan.FromMilliseconds(1))
            {
                await Task.Delay(1, CancellationToken.None); // a refused connect returns at once: do not spin
            }
        }
    }
}
