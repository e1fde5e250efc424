using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Cake.Core.Diagnostics;
using KahaDeploy.Configuration;

namespace KahaDeploy.Services;

/// <summary>
/// Posts a deploy report to a Slack incoming webhook. Retries what Slack says is worth retrying
/// (429 with Retry-After, 5xx, timeouts) and never throws: a Slack outage must not fail a deploy.
/// </summary>
public sealed class SlackNotifier(ICakeLog log, SecretMasker masker)
{
    private const int Attempts = 3;
    private static readonly TimeSpan LongestWait = TimeSpan.FromSeconds(10);

    public sealed record Report(
        string App,
        string Environment,
        string Action,
        bool Succeeded,
        string? Version,
        string TriggeredBy,
        TimeSpan Duration,
        string? FailedTask = null,
        string? Error = null);

    public async Task<bool> SendAsync(SlackSettings slack, Report report)
    {
        var payload = Render(report);
        using var client = new HttpClient { Timeout = slack.Timeout };
        for (var attempt = 1; attempt <= Attempts; attempt++)
        {
            TimeSpan? retryAfter;
            try
            {
                using var response = await client.PostAsJsonAsync(slack.WebhookUrl, payload);
                var body = (await response.Content.ReadAsStringAsync()).Trim();
                if (response.IsSuccessStatusCode)
                {
                    log.Information("Slack: told the channel ({0}).", report.Succeeded ? "success" : "failure");
                    return true;
                }

                var reason = $"{(int)response.StatusCode} {Shorten(masker.Apply(body))}";
                if (response.StatusCode == HttpStatusCode.TooManyRequests)
                {
                    retryAfter = response.Headers.RetryAfter?.Delta ?? TimeSpan.FromSeconds(1);
                }
                else if ((int)response.StatusCode >= 500)
                {
                    retryAfter = TimeSpan.FromSeconds(attempt);
                }
                else
                {
                    log.Warning("Slack refused the message ({0}); check the webhook URL secret. The deploy itself is not affected.", reason);
                    return false;
                }

                log.Warning("Slack answered {0} (attempt {1} of {2}).", reason, attempt, Attempts);
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                log.Warning("Slack did not answer: {0} (attempt {1} of {2}).", masker.Apply(ex.Message), attempt, Attempts);
                retryAfter = TimeSpan.FromSeconds(attempt);
            }

            if (attempt < Attempts)
            {
                await Task.Delay(retryAfter.Value < LongestWait ? retryAfter.Value : LongestWait);
            }
        }

        log.Warning("Slack was not told about this run after {0} attempts. The deploy itself is not affected.", Attempts);
        return false;
    }

    /// <summary>Block Kit with a plain-text fallback, every field masked.</summary>
    public JsonObject Render(Report report)
    {
        var icon = report.Succeeded ? ":white_check_mark:" : ":x:";
        var headline = report.Succeeded
            ? $"{report.App} {report.Action} to {report.Environment} succeeded"
            : $"{report.App} {report.Action} to {report.Environment} FAILED";
        var fields = new JsonArray
        {
            Field("Environment", report.Environment),
            Field("Version", report.Version ?? "unknown"),
            Field("Triggered by", report.TriggeredBy),
            Field("Duration", $"{report.Duration.TotalSeconds:N1} s"),
        };
        if (!report.Succeeded)
        {
            fields.Add(Field("Failed task", report.FailedTask ?? "unknown"));
        }

        var blocks = new JsonArray
        {
            new JsonObject
            {
                ["type"] = "header",
                ["text"] = new JsonObject { ["type"] = "plain_text", ["text"] = Limit(masker.Apply(headline), 150) },
            },
            new JsonObject { ["type"] = "section", ["fields"] = fields },
        };
        if (!report.Succeeded && report.Error is not null)
        {
            blocks.Add(new JsonObject
            {
                ["type"] = "section",
                ["text"] = new JsonObject { ["type"] = "mrkdwn", ["text"] = Limit($"*Error*\n```{masker.Apply(report.Error)}```", 3000) },
            });
        }

        var text = $"{icon} {headline}: version {report.Version ?? "unknown"}, by {report.TriggeredBy}, {report.Duration.TotalSeconds:N1} s"
                   + (report.Succeeded ? "" : $"; {report.FailedTask} failed: {report.Error}");
        return new JsonObject { ["text"] = masker.Apply(text), ["blocks"] = blocks };
    }

    private JsonObject Field(string name, string value) =>
        new() { ["type"] = "mrkdwn", ["text"] = Limit(masker.Apply($"*{name}*\n{value}"), 2000) };

    private static string Limit(string text, int max) => text.Length <= max ? text : text[..(max - 1)] + "…";

    private static string Shorten(string body) => body.Length <= 80 ? body : body[..80];
}
