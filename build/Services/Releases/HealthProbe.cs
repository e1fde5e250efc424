using Cake.Core.Diagnostics;

namespace KahaDeploy.Services.Releases;

/// <summary>
/// The one poller every wait for a release goes through: the health check of a release in place, the gate of a
/// candidate behind the proxy, the confirmation of a switch. Each says what one question is and when it is enough.
/// </summary>
public sealed class HealthProbe(Interruption interruption, ICakeLog log)
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(2);

    /// <summary>How often a wait that goes on says so at normal verbosity, so a slow start does not look like a hang.</summary>
    private static readonly TimeSpan ProgressEvery = TimeSpan.FromSeconds(5);

    public sealed record Result(bool Healthy, string LastAnswer, TimeSpan Elapsed);

    /// <summary>One question's outcome: whether that is enough, and the answer to show when the wait ends without it.</summary>
    public readonly record struct Answer(bool Enough, string Shown);

    /// <summary>How a wait asks.</summary>
    /// <param name="Interval">the pause between two questions.</param>
    /// <param name="Deadline">how long to keep asking.</param>
    /// <param name="Attempts">at most this many questions, whatever the deadline; null for no limit.</param>
    /// <param name="Progress">the line said every 5 s while it goes on, from the seconds waited and the last answer; null for none.</param>
    /// <param name="StillRunning">asked after each answer that was not enough: false ends the wait, as nothing will answer any more.</param>
    /// <param name="StoppableBefore">what a signal stops the wait before (nothing has moved yet); null when the wait runs to its end.</param>
    public sealed record Plan(
        TimeSpan Interval, TimeSpan Deadline, int? Attempts = null, Func<TimeSpan, string, string>? Progress = null,
        Func<Task<bool>>? StillRunning = null, string? StoppableBefore = null);

    /// <summary>Asks until an answer is enough, the container stops, a signal stops the run, or the deadline or the attempts are used up.</summary>
    public async Task<Result> PollAsync(Plan plan, Func<Task<Answer>> ask)
    {
        var started = DateTimeOffset.UtcNow;
        var last = "no answer yet";
        var nextProgress = started + ProgressEvery;
        for (var attempt = 0; DateTimeOffset.UtcNow - started < plan.Deadline && attempt < (plan.Attempts ?? int.MaxValue); attempt++)
        {
            if (plan.StoppableBefore is { } where)
            {
                interruption.StopIfRequested(where);
            }

            var answer = await ask();
            last = answer.Shown;
            if (answer.Enough)
            {
                return new Result(true, last, DateTimeOffset.UtcNow - started);
            }

            if (plan.Progress is { } progress && DateTimeOffset.UtcNow >= nextProgress)
            {
                log.Information("{0}", progress(DateTimeOffset.UtcNow - started, last));
                nextProgress += ProgressEvery;
            }

            if (plan.StillRunning is { } stillRunning && !await stillRunning())
            {
                return new Result(false, $"the container stopped (last answer: {last})", DateTimeOffset.UtcNow - started);
            }

            await Task.Delay(plan.Interval);
        }

        return new Result(false, last, DateTimeOffset.UtcNow - started);
    }

    public async Task<Result> WaitForHealthyAsync(Uri url, TimeSpan timeout, Func<Task<bool>>? stillRunning = null)
    {
        using var client = new HttpClient { Timeout = RequestTimeout };
        var plan = new Plan(Interval, timeout, StillRunning: stillRunning,
            Progress: (waited, last) => $"Still waiting for {url} to answer 200 ({waited.TotalSeconds:N0} s of {timeout.TotalSeconds:N0}; last answer: {last}).");
        var result = await PollAsync(plan, async () =>
        {
            var answer = await AskAsync(client, url);
            if (answer != "200")
            {
                log.Verbose("{0}: {1}", url, answer);
            }

            return new Answer(answer == "200", answer);
        });
        if (result.Healthy)
        {
            log.Information("{0} answered 200 after {1:N1} s.", url, result.Elapsed.TotalSeconds);
        }

        return result;
    }

    /// <summary>One question: "200", another status code, or why nothing answered.</summary>
    public static async Task<string> AskAsync(HttpClient client, Uri url)
    {
        try
        {
            using var response = await client.GetAsync(url);
            return ((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (HttpRequestException ex)
        {
            return ex.HttpRequestError.ToString();
        }
        catch (TaskCanceledException)
        {
            return "timeout";
        }
    }
}
