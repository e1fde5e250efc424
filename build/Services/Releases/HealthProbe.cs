using Cake.Core.Diagnostics;

namespace KahaDeploy.Services.Releases;

/// <summary>Asks an app's health URL until it answers 200, or the time is up.</summary>
public sealed class HealthProbe(ICakeLog log)
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(2);

    /// <summary>How often a wait that goes on says so at normal verbosity, so a slow start does not look like a hang.</summary>
    private static readonly TimeSpan ProgressEvery = TimeSpan.FromSeconds(5);

    public sealed record Result(bool Healthy, string LastAnswer, TimeSpan Elapsed);

    public async Task<Result> WaitForHealthyAsync(Uri url, TimeSpan timeout, Func<Task<bool>>? stillRunning = null)
    {
        using var client = new HttpClient { Timeout = RequestTimeout };
        var started = DateTimeOffset.UtcNow;
        var lastAnswer = "no answer yet";
        var nextProgress = started + ProgressEvery;
        while (DateTimeOffset.UtcNow - started < timeout)
        {
            lastAnswer = await AskAsync(client, url);
            if (lastAnswer == "200")
            {
                var elapsed = DateTimeOffset.UtcNow - started;
                log.Information("{0} answered 200 after {1:N1} s.", url, elapsed.TotalSeconds);
                return new Result(true, lastAnswer, elapsed);
            }

            log.Verbose("{0}: {1}", url, lastAnswer);
            if (DateTimeOffset.UtcNow >= nextProgress)
            {
                log.Information("Still waiting for {0} to answer 200 ({1:N0} s of {2:N0}; last answer: {3}).",
                    url, (DateTimeOffset.UtcNow - started).TotalSeconds, timeout.TotalSeconds, lastAnswer);
                nextProgress += ProgressEvery;
            }

            if (stillRunning is not null && !await stillRunning())
            {
                lastAnswer = $"the container stopped (last answer: {lastAnswer})";
                break;
            }

            await Task.Delay(Interval);
        }

        return new Result(false, lastAnswer, DateTimeOffset.UtcNow - started);
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
