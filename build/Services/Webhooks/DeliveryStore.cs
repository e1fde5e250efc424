using System.Text.Json;

namespace KahaDeploy.Services.Webhooks;

/// <summary>
/// Remembers deliveries by (hook id, delivery id): one whose deploy succeeded is a duplicate when it comes again; one
/// whose deploy failed runs again, as GitHub's "Redeliver" is meant to. The succeeded ones are kept on disk, so a
/// restart does not deploy a replayed delivery again. Also keeps the last decisions for /status.
/// </summary>
public sealed class DeliveryStore
{
    private const int KeptInMemory = 10_000;
    private const int KeptOnDisk = 1_000;
    private const int Shown = 50;

    private readonly object _gate = new();
    private readonly string _file;
    private readonly Dictionary<DeliveryKey, Entry> _entries = [];
    private readonly Queue<DeliveryKey> _order = new();
    private readonly Queue<Decision> _recent = new();

    private sealed record Entry(string DeployId, DeployState State);

    private sealed record Stored(string Source, string Hook, string Delivery, string Deploy);

    /// <summary>A decision on one delivery, as /status shows it.</summary>
    public sealed record Decision(DateTimeOffset At, string Source, string Delivery, string? Client, int Status, string Message, string? Deploy);

    /// <summary>What a delivery turned out to be.</summary>
    public enum Outcome
    {
        /// <summary>New, or its earlier deploy failed: a deploy was asked for.</summary>
        Accepted,

        /// <summary>Its deploy is queued or running.</summary>
        InFlight,

        /// <summary>Its deploy succeeded already.</summary>
        Duplicate,
    }

    private DeliveryStore(string file) => _file = file;

    public static DeliveryStore Open(string file, Action<string> warn)
    {
        var store = new DeliveryStore(file);
        if (!File.Exists(file))
        {
            return store;
        }

        try
        {
            foreach (var stored in JsonSerializer.Deserialize<List<Stored>>(File.ReadAllBytes(file)) ?? [])
            {
                store.Remember(new DeliveryKey(stored.Source, stored.Hook, stored.Delivery), new Entry(stored.Deploy, DeployState.Succeeded));
            }
        }
        catch (JsonException)
        {
            warn($"{file} is not valid JSON; starting without the deliveries it held (a replay of one of them would deploy again).");
        }

        return store;
    }

    /// <summary>Asks for a deploy through <paramref name="enqueue"/> unless the delivery is a duplicate or already in flight.</summary>
    public (Outcome Outcome, string DeployId, bool Started) Claim(DeliveryKey key, Func<DeployQueue.Enqueued> enqueue)
    {
        lock (_gate)
        {
            if (_entries.TryGetValue(key, out var entry) && entry.State is DeployState.Succeeded)
            {
                return (Outcome.Duplicate, entry.DeployId, false);
            }

            if (entry?.State is DeployState.Queued)
            {
                return (Outcome.InFlight, entry.DeployId, false);
            }

            var (job, started) = enqueue();
            Remember(key, new Entry(job.Id, DeployState.Queued));
            return (Outcome.Accepted, job.Id, started);
        }
    }

    /// <summary>Whether a deploy of this delivery succeeded already (it is then answered as a duplicate, whatever else holds).</summary>
    public bool HasSucceeded(DeliveryKey key)
    {
        lock (_gate)
        {
            return _entries.TryGetValue(key, out var entry) && entry.State is DeployState.Succeeded;
        }
    }

    /// <summary>The deliveries of a deploy taken over from the last run of the listener (queue.json) are in flight again.</summary>
    public void Resumed(DeployJob job)
    {
        lock (_gate)
        {
            foreach (var request in job.Requests)
            {
                Remember(request.Delivery, new Entry(job.Id, DeployState.Queued));
            }
        }
    }

    /// <summary>Records how the deploy of these deliveries ended.</summary>
    public void Finish(DeployJob job)
    {
        lock (_gate)
        {
            foreach (var request in job.Requests)
            {
                Remember(request.Delivery, new Entry(job.Id, job.State));
            }

            if (job.State is DeployState.Succeeded)
            {
                Save();
            }
        }
    }

    public void Record(Decision decision)
    {
        lock (_gate)
        {
            _recent.Enqueue(decision);
            while (_recent.Count > Shown)
            {
                _recent.Dequeue();
            }
        }
    }

    /// <summary>The last decisions, newest first.</summary>
    public IReadOnlyList<Decision> Recent()
    {
        lock (_gate)
        {
            return _recent.Reverse().ToList();
        }
    }

    private void Remember(DeliveryKey key, Entry entry)
    {
        if (!_entries.ContainsKey(key))
        {
            _order.Enqueue(key);
        }

        _entries[key] = entry;
        while (_order.Count > KeptInMemory)
        {
            _entries.Remove(_order.Dequeue());
        }
    }

    private void Save()
    {
        var succeeded = _order.Where(key => _entries[key].State is DeployState.Succeeded)
            .TakeLast(KeptOnDisk)
            .Select(key => new Stored(key.Source, key.Hook, key.Delivery, _entries[key].DeployId))
            .ToList();
        Directory.CreateDirectory(Path.GetDirectoryName(_file)!);
        var temporary = _file + ".tmp";
        File.WriteAllBytes(temporary, JsonSerializer.SerializeToUtf8Bytes(succeeded));
        File.Move(temporary, _file, overwrite: true);
    }
}
