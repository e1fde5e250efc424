namespace KahaDeploy.Services.Webhooks;

/// <summary>
/// Decides which refusals of strangers (a client outside the allowed networks, a wrong token) get a log line: the
/// first from an address, then one a minute with the count of those in between. A flood of junk then cannot fill the
/// disk, nor push the real decisions out of /status.
/// </summary>
public sealed class RefusalLog(TimeProvider time)
{
    public RefusalLog()
        : this(TimeProvider.System)
    {
    }

    private static readonly TimeSpan Window = TimeSpan.FromMinutes(1);

    /// <summary>Beyond this many addresses in one window, the newest share one line: memory stays bounded under a spread flood.</summary>
    private const int Tracked = 10_000;

    private const string Others = "other addresses";

    private readonly object _gate = new();
    private readonly Dictionary<string, (DateTimeOffset Since, int Unlogged)> _sources = [];

    /// <returns>
    /// Null when this refusal is only counted; otherwise what to add to its log line: "" for the first, or how many
    /// went unlogged since the last line.
    /// </returns>
    public string? Note(string? client)
    {
        var now = time.GetUtcNow();
        var key = client ?? "?";
        lock (_gate)
        {
            if (!_sources.ContainsKey(key) && _sources.Count >= Tracked)
            {
                foreach (var old in _sources.Where(s => now - s.Value.Since >= Window).Select(s => s.Key).ToList())
                {
                    _sources.Remove(old);
                }

                key = _sources.Count >= Tracked ? Others : key;
            }

            if (_sources.TryGetValue(key, out var seen) && now - seen.Since < Window)
            {
                _sources[key] = seen with { Unlogged = seen.Unlogged + 1 };
                return null;
            }

            _sources[key] = (now, 0);
            return seen.Unlogged > 0
                ? $" ({seen.Unlogged} more from {key} since {seen.Since.UtcDateTime:HH:mm:ss} UTC, not logged one by one)"
                : "";
        }
    }
}
