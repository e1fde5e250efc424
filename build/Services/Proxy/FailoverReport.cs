using System.Globalization;
using Cake.Core.Diagnostics;
using ProxyFailover = KahaProxy.Contract.Failover;

namespace KahaDeploy.Services.Proxy;

/// <summary>
/// What the proxy did by itself: its last failover, described with the releases it moved between, for Status; recorded
/// once in the history (result <c>failover</c>) and told to Slack once, by the first run that finds it unrecorded.
/// </summary>
public sealed class FailoverReport(ProxyAdmin admin, RetainedReleases retained, RunHistory history, SlackClient slack, SecretMasker masker, ICakeLog log)
{
    public const string Target = "Failover";

    public sealed record Failover(DateTimeOffset At, string From, string? FromCommit, string To, string? ToCommit, string? ToVersion, string Reason, string Advice)
    {
        public string Line(string environment) =>
            $"{environment}: the proxy failed over at {At.UtcDateTime:yyyy-MM-dd HH:mm:ss}Z from {From} to {To}: {Reason}; {Advice}.";
    }

    /// <summary>The proxy's last failover while the release it moved to still takes the route; null otherwise, or when the proxy does not answer.</summary>
    public async Task<Failover?> CurrentAsync(DeploySettings settings)
    {
        ProxyFailover? failover;
        UpstreamRoute? route;
        try
        {
            failover = await admin.LastFailoverAsync(settings);
            route = failover is null ? null : await admin.CurrentRouteAsync(settings);
        }
        catch (Exception ex) when (ex is HttpRequestException or System.Net.Sockets.SocketException or TaskCanceledException)
        {
            return null;
        }

        if (failover is null || route?.Slot != failover.ToSlot)
        {
            return null; // A deploy or rollback has moved the route since: the failover is history.
        }

        var releases = await retained.ContainersAsync(settings);
        var from = releases.FirstOrDefault(r => r.Labels.GetValueOrDefault(ReleaseNames.SlotLabel) == failover.FromSlot);
        var to = releases.FirstOrDefault(r => r.Labels.GetValueOrDefault(ReleaseNames.SlotLabel) == failover.ToSlot);
        var env = settings.Environment;
        return new Failover(
            failover.At,
            Describe(from, failover.FromSlot),
            AppContainers.CommitOf(from),
            Describe(to, failover.ToSlot),
            AppContainers.CommitOf(to),
            to is null ? null : AppContainers.VersionOf(to),
            $"the live release stopped answering ({failover.Reason})",
            $"run --target=Deploy --env={env} to bring a new release, or investigate {from?.Name ?? "the release that stopped"} ('docker logs {from?.Name ?? settings.Container}')");
    }

    /// <summary>Records the current failover in the history and tells Slack, unless a run did so already.</summary>
    public async Task RecordAsync(DeploySettings settings)
    {
        if (await CurrentAsync(settings) is not { } failover)
        {
            return;
        }

        var id = "failover-" + failover.At.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
        if (history.Read(settings.EnvironmentStateFolder).Any(r => r.Id == id))
        {
            return;
        }

        var line = failover.Line(settings.Environment);
        log.Warning(line);
        history.Record(settings.EnvironmentStateFolder, new RunRecord
        {
            Id = id,
            Environment = settings.Environment,
            Target = Target,
            Trigger = "proxy",
            Performer = settings.Proxy!.Container,
            Commit = failover.ToCommit,
            Version = failover.ToVersion,
            PreviousCommit = failover.FromCommit,
            Started = failover.At,
            Finished = failover.At,
            DurationSeconds = 0,
            Result = RunRecord.FailedOver,
            Error = $"from {failover.From}: {failover.Reason}",
        });
        if (settings.Slack is { } slackSettings)
        {
            var text = masker.Apply($":warning: {settings.AppName} {line}");
            if (await slack.PostWebhookAsync(slackSettings, new System.Text.Json.Nodes.JsonObject { ["text"] = text }))
            {
                log.Information("Slack: told the channel (failover).");
            }
        }
    }

    private static string Describe(ContainerInfo? release, string slot) =>
        release is null ? $"slot {slot} (its container is gone)" : $"{AppContainers.VersionOf(release)} ({release.Name})";
}
