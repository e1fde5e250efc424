using System.Text.RegularExpressions;

namespace KahaDeploy.Services.Slack;

/// <summary>Turns what this run did into the Slack report, and sends it (the run's history and log are <see cref="RunRecorder"/>'s).</summary>
public sealed partial class SlackReport(SlackNotifier slack, RunLogFile runLogFile, GitRepository git)
{
    /// <param name="interruption">when a signal stopped the run: the line that says what serves now, reported instead of <paramref name="error"/>.</param>
    public Task SendAsync(DeployContext context, bool succeeded, Exception? error, string? interruption = null)
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
            context.Run.Version?.Tag,
            $"{context.Performer} ({context.Trigger})",
            DateTimeOffset.UtcNow - context.Run.StartedAt,
            context.Run.FailedTask,
            interruption ?? error?.Message,
            context.Run.Version is { } version && git.RemoteUrl(settings.AppFolder, settings.Remote) is { } remote ? GitHubCommitUrl(remote, version.Commit) : null,
            Interrupted: interruption is not null);
        var logFile = runLogFile.FilePath is { } path ? new SlackNotifier.LogFile(Path.GetFileName(path), runLogFile.ReadAll()) : null;
        return slack.SendAsync(slackSettings, report, succeeded ? null : logFile);
    }

    /// <summary>The commit's page when the remote is on GitHub (https, ssh:// or git@github.com:owner/repo), else null.</summary>
    public static Uri? GitHubCommitUrl(string remoteUrl, string commit)
    {
        var match = GitHubRemote().Match(remoteUrl.Trim());
        return match.Success ? new Uri($"https://github.com/{match.Groups["owner"].Value}/{match.Groups["repo"].Value}/commit/{commit}") : null;
    }

    [GeneratedRegex(@"^(?:https://|ssh://git@|git@)github\.com[:/](?<owner>[A-Za-z0-9_.-]+)/(?<repo>[A-Za-z0-9_.-]+?)(?:\.git)?/?\z")]
    private static partial Regex GitHubRemote();
}
