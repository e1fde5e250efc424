using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Json;

namespace KahaDeploy.Tests.Support;

/// <summary>
/// Steady light load on the app's public port while a test deploys or rolls back: a few keep-alive connections,
/// each asking /version in a loop. Records every answer, so a test can count failures and see which version served.
/// </summary>
public sealed class LoadProbe : IAsyncDisposable
{
    private readonly ConcurrentQueue<(TimeSpan At, string? Version, string? Failure)> _answers = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly List<Task> _loops;

    private sealed record VersionAnswer(string Version, string Commit);

    public LoadProbe(Uri baseUrl, int connections = 4)
    {
        _loops = Enumerable.Range(0, connections).Select(_ => Task.Run(() => LoopAsync(new Uri(baseUrl, "/version")))).ToList();
    }

    public int Requests => _answers.Count;

    /// <summary>Time since the load started, on the clock the answers are recorded with.</summary>
    public TimeSpan Elapsed => _clock.Elapsed;

    /// <summary>When each failed request ended, on <see cref="Elapsed"/>'s clock.</summary>
    public IReadOnlyList<TimeSpan> FailureTimes => _answers.Where(a => a.Failure is not null).Select(a => a.At).OrderBy(a => a).ToList();

    /// <summary>The versions that answered after <paramref name="from"/>.</summary>
    public IReadOnlyList<string> VersionsAfter(TimeSpan from) =>
        _answers.Where(a => a.Version is not null && a.At > from).OrderBy(a => a.At).Select(a => a.Version!).Distinct().ToList();

    public IReadOnlyList<string> Failures => _answers.Where(a => a.Failure is not null).Select(a => $"{a.At.TotalSeconds:N2}s {a.Failure}").ToList();

    /// <summary>The version of the last answers, once the load has stopped.</summary>
    public string? LastVersion => _answers.Where(a => a.Version is not null).MaxBy(a => a.At).Version;

    public IReadOnlyList<string> VersionsSeen => _answers.Where(a => a.Version is not null).OrderBy(a => a.At).Select(a => a.Version!).Distinct().ToList();

    public async Task<LoadProbe> StopAsync()
    {
        await Task.Delay(300);
        _stop.Cancel();
        await Task.WhenAll(_loops);
        return this;
    }

    private async Task LoopAsync(Uri url)
    {
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                using var response = await client.GetAsync(url, _stop.Token);
                if (response.IsSuccessStatusCode)
                {
                    var answer = await response.Content.ReadFromJsonAsync<VersionAnswer>(_stop.Token);
                    _answers.Enqueue((_clock.Elapsed, answer!.Version, null));
                }
                else
                {
                    _answers.Enqueue((_clock.Elapsed, null, $"HTTP {(int)response.StatusCode}"));
                }
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or IOException)
            {
                _answers.Enqueue((_clock.Elapsed, null, ex.GetType().Name + ": " + ex.Message));
            }

            await Task.Delay(15);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_stop.IsCancellationRequested)
        {
            _stop.Cancel();
            await Task.WhenAll(_loops);
        }
    }
}
