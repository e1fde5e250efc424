using System.Net.Sockets;
using KahaProxy.Contract;

namespace KahaProxy;

/// <summary>
/// Fails over to a fallback release by itself: the routed release is asked its health path every
/// <see cref="Interval"/>; when it refuses connections, or fails <see cref="FailuresInARow"/> times in a row, or a
/// forwarded request failed and its health path fails too, the first fallback that answers 200 takes the route.
/// With no fallback answering, nothing moves (no flapping onto a dead release); the check goes on.
/// </summary>
public sealed class FailoverMonitor(RouteStore routes, ILogger<FailoverMonitor> log) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(500);
    private const int FailuresInARow = 3;

    // Releases sit on the same host's bridge network: a healthy one connects and answers in milliseconds.
    private readonly HttpClient _client = new(new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(1), PooledConnectionLifetime = TimeSpan.FromSeconds(30) })
    {
        Timeout = TimeSpan.FromSeconds(1),
    };

    private readonly SemaphoreSlim _gate = new(1, 1);
    private int _failures;
    private string? _unanswered;

    protected override async Task ExecuteAsync(CancellationToken stopping)
    {
        using var timer = new PeriodicTimer(Interval);
        while (await timer.WaitForNextTickAsync(stopping))
        {
            if (routes.Current is { HealthPath: not null, Fallbacks.Count: > 0 } route)
            {
                await CheckAsync(route, forwardingFailed: false);
            }
        }
    }

    /// <summary>
    /// Called when a request forwarded to <paramref name="slot"/> failed: checks the routed release at once, so traffic
    /// moves within a request rather than an interval. Returns the route to retry on, or null to leave the error as it is.
    /// </summary>
    public async Task<UpstreamRoute?> AfterForwardingErrorAsync(string? slot)
    {
        if (routes.Current is not { HealthPath: not null, Fallbacks.Count: > 0 } route)
        {
            return null;
        }

        if (route.Slot != slot)
        {
            return route; // Another request failed over already.
        }

        await CheckAsync(route, forwardingFailed: true);
        return routes.Current?.Slot != slot ? routes.Current : null;
    }

    private async Task CheckAsync(UpstreamRoute route, bool forwardingFailed)
    {
        await _gate.WaitAsync();
        try
        {
            if (routes.Current != route)
            {
                return;
            }

            var (ok, answer, refused) = await AskAsync(route.Destination + route.HealthPath);
            if (ok)
            {
                _failures = 0;
                _unanswered = null;
                return;
            }

            _failures++;
            if (!refused && !forwardingFailed && _failures < FailuresInARow)
            {
                return;
            }

            var reason = refused ? answer : $"{route.HealthPath} answered {answer} {_failures} time(s) in a row";
            foreach (var fallback in route.Fallbacks!)
            {
                if ((await AskAsync(fallback.Destination + route.HealthPath)).Ok && routes.FailOver(route, fallback, reason) is { } failover)
                {
                    _failures = 0;
                    _unanswered = null;
                    log.LogWarning("failover: slot {From} stopped answering ({Reason}); traffic now goes to {Destination} (slot {To})",
                        failover.FromSlot, reason, failover.ToDestination, failover.ToSlot);
                    return;
                }
            }

            // Said once per release that stops answering, not every interval.
            if (_unanswered != route.Slot)
            {
                _unanswered = route.Slot;
                log.LogWarning("slot {Slot} stopped answering ({Reason}) and no fallback answers {HealthPath} with 200; the route stays", route.Slot, reason, route.HealthPath);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<(bool Ok, string Answer, bool Refused)> AskAsync(string url)
    {
        try
        {
            using var response = await _client.GetAsync(url);
            return (response.StatusCode == System.Net.HttpStatusCode.OK, ((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture), false);
        }
        catch (HttpRequestException ex)
        {
            // A stopped release's name no longer resolves, a stopping one refuses: either way nothing listens there.
            if (ex.HttpRequestError == HttpRequestError.NameResolutionError
                || ex.InnerException is SocketException { SocketErrorCode: SocketError.HostNotFound or SocketError.TryAgain })
            {
                return (false, "its name no longer resolves (container stopped)", true);
            }

            var refused = ex.InnerException is SocketException { SocketErrorCode: SocketError.ConnectionRefused };
            return (false, refused ? "connection refused" : ex.Message, refused);
        }
        catch (TaskCanceledException)
        {
            return (false, "timeout", false);
        }
    }

    public override void Dispose()
    {
        _client.Dispose();
        _gate.Dispose();
        base.Dispose();
    }
}
