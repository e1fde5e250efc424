using System.Text;
using System.Text.Json.Nodes;
using Cake.Core.Diagnostics;

namespace KahaDeploy.Services.Slack;

/// <summary>
/// Tells Slack how a run ended. Success: one compact message. Failure: the failing task and the error, with the run's
/// log uploaded when a bot token is configured, else its last lines in the message; a failed upload falls back to
/// the message, so the failure is never lost. Every text is masked.
/// </summary>
public sealed class SlackNotifier(SlackClient slack, SecretMasker masker, ICakeLog log)
{
    /// <summary>How many of the log's last lines a failure message carries when the log cannot be uploaded.</summary>
    public const int TailLines = 20;

    public sealed record Report(
        string App,
        string Environment,
        string Action,
        bool Succeeded,
        string? Version,
        string TriggeredBy,
        TimeSpan Duration,
        string? FailedTask = null,
        string? Error = null,
        Uri? CommitUrl = null,
        bool Interrupted = false);

    /// <summary>The run's log, for a failure report.</summary>
    public sealed record LogFile(string Name, byte[] Content);

    public async Task SendAsync(SlackSettings settings, Report report, LogFile? logFile)
    {
        if (!report.Succeeded && settings.Upload is { } upload && logFile is not null)
        {
            if (await UploadAsync(settings, upload, report, logFile))
            {
                log.Information("Slack: told the channel (failure), with the log attached.");
                return;
            }

            log.Warning("The log could not be uploaded to Slack; the failure goes to the webhook with the log's last {0} lines.", TailLines);
        }

        var tail = report.Succeeded || logFile is null ? null : LastLines(logFile.Content, TailLines);
        if (await slack.PostWebhookAsync(settings, Render(report, tail)))
        {
            log.Information("Slack: told the channel ({0}).", report.Succeeded ? "success" : "failure");
        }
    }

    /// <summary>Block Kit with a plain-text fallback: one section for a success, the details and <paramref name="logTail"/> for a failure.</summary>
    public JsonObject Render(Report report, string? logTail = null)
    {
        if (report.Succeeded)
        {
            return new JsonObject
            {
                ["text"] = masker.Apply($":white_check_mark: {Headline(report)}: version {report.Version ?? "unknown"}, by {report.TriggeredBy}, {Seconds(report)}"),
                ["blocks"] = new JsonArray(Section(
                    $":white_check_mark: *{Headline(report)}*: version {VersionLink(report)} · by {report.TriggeredBy} · {Seconds(report)}")),
            };
        }

        var blocks = new JsonArray
        {
            new JsonObject
            {
                ["type"] = "header",
                ["text"] = new JsonObject { ["type"] = "plain_text", ["text"] = Limit(masker.Apply(Headline(report)), 150) },
            },
            new JsonObject
            {
                ["type"] = "section",
                ["fields"] = new JsonArray
                {
                    Field("Environment", report.Environment),
                    Field("Version", VersionLink(report)),
                    Field("Triggered by", report.TriggeredBy),
                    Field("Duration", Seconds(report)),
                    Field(report.Interrupted ? "Stopped before" : "Failed task", report.FailedTask ?? "unknown"),
                },
            },
        };
        if (report.Error is not null)
        {
            blocks.Add(Section($"*Error*\n```{report.Error}```"));
        }

        if (logTail is not null)
        {
            blocks.Add(Section($"*Last lines of the log*\n```{LastCharacters(logTail, 2900)}```"));
        }

        return new JsonObject { ["text"] = masker.Apply(FailureText(report)), ["blocks"] = blocks };
    }

    /// <summary>files.getUploadURLExternal → the bytes to upload_url → files.completeUploadExternal with the failure as the comment.</summary>
    private async Task<bool> UploadAsync(SlackSettings settings, SlackUpload upload, Report report, LogFile logFile)
    {
        var content = logFile.Content;
        var target = await slack.CallAsync(settings, upload, "files.getUploadURLExternal", new Dictionary<string, string>
        {
            ["filename"] = logFile.Name,
            ["length"] = content.Length.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        if (target?["upload_url"]?.GetValue<string>() is not { } uploadUrl || target["file_id"]?.GetValue<string>() is not { } fileId
            || !await slack.UploadAsync(settings, uploadUrl, content))
        {
            return false;
        }

        var done = await slack.CallAsync(settings, upload, "files.completeUploadExternal", new Dictionary<string, string>
        {
            ["files"] = new JsonArray(new JsonObject { ["id"] = fileId, ["title"] = logFile.Name }).ToJsonString(),
            ["channel_id"] = upload.Channel,
            ["initial_comment"] = masker.Apply($":x: {FailureText(report)}"),
        });
        return done is not null;
    }

    private static string Headline(Report report) =>
        $"{report.App} {report.Action} to {report.Environment} {(report.Succeeded ? "succeeded" : report.Interrupted ? "INTERRUPTED" : "FAILED")}";

    private static string FailureText(Report report) =>
        $"{Headline(report)}: version {report.Version ?? "unknown"}, by {report.TriggeredBy}, {Seconds(report)}; "
        + (report.Interrupted ? report.Error : $"{report.FailedTask ?? "a task"} failed: {report.Error}");

    private static string VersionLink(Report report) =>
        report.CommitUrl is null ? report.Version ?? "unknown" : $"<{report.CommitUrl}|{report.Version}>";

    private static string Seconds(Report report) => $"{report.Duration.TotalSeconds:N1} s";

    private JsonObject Section(string markdown) =>
        new() { ["type"] = "section", ["text"] = new JsonObject { ["type"] = "mrkdwn", ["text"] = Limit(masker.Apply(markdown), 3000) } };

    private JsonObject Field(string name, string value) =>
        new() { ["type"] = "mrkdwn", ["text"] = Limit(masker.Apply($"*{name}*\n{value}"), 2000) };

    private static string LastLines(byte[] content, int count)
    {
        var lines = Encoding.UTF8.GetString(content).TrimEnd('\n').Split('\n');
        return string.Join('\n', lines[Math.Max(0, lines.Length - count)..]);
    }

    private static string LastCharacters(string text, int max) => text.Length <= max ? text : "…" + text[^(max - 1)..];

    private static string Limit(string text, int max) => text.Length <= max ? text : text[..(max - 1)] + "…";
}
