using KahaDeploy.Configuration;

namespace KahaDeploy.Services;

/// <summary>Turns what this run did into the Slack report.</summary>
public sealed class RunReporter(SlackNotifier slack)
{
    public Task ReportAsync(DeployContext context, bool succeeded, Exception? error)
    {
        var settings = context.Settings;
        if (settings.Slack is not { } slackSettings)
        {
            return Task.CompletedTask;
        }

        var report = new SlackNotifier.Report(
            settings.AppName,
            settings.Environment,
            context.TargetName.ToLowerInvariant(),
            succeeded,
            context.Version?.Tag,
            $"{context.Performer} ({context.Trigger})",
            DateTimeOffset.UtcNow - context.StartedAt,
            context.FailedTask,
            error?.Message);
        return slack.SendAsync(slackSettings, report);
    }
}
