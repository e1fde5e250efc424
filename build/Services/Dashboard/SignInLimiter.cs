using System.Collections.Concurrent;
using System.Net;

namespace KahaDeploy.Services.Dashboard;

/// <summary>
/// At most <see cref="Attempts"/> failed sign-ins per client address in <see cref="Window"/>: a guesser gets a handful of
/// tries a minute, a person who mistyped is not locked out for long.
/// </summary>
public sealed class SignInLimiter
{
    public const int Attempts = 5;
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(1);

    private readonly ConcurrentDictionary<IPAddress, Queue<DateTimeOffset>> _failures = new();

    /// <summary>How long the client must wait before it may try again; zero when it may now.</summary>
    public TimeSpan WaitFor(IPAddress client)
    {
        if (!_failures.TryGetValue(client, out var failures))
        {
            return TimeSpan.Zero;
        }

        lock (failures)
        {
            var now = DateTimeOffset.UtcNow;
            while (failures.Count > 0 && now - failures.Peek() >= Window)
            {
                failures.Dequeue();
            }

            return failures.Count < Attempts ? TimeSpan.Zero : failures.Peek() + Window - now;
        }
    }

    public void Failed(IPAddress client)
    {
        var failures = _failures.GetOrAdd(client, _ => new Queue<DateTimeOffset>());
        lock (failures)
        {
            failures.Enqueue(DateTimeOffset.UtcNow);
        }
    }
}
