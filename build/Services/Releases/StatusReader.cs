
namespace KahaDeploy.Services.Releases;

/// <summary>
/// What runs where: the live and previous container of an environment, with a health answer for the live one,
/// since when it is live and who made it so (from the history), the last failed run if it came after, and where the
/// environment's own Redis keeps its data. Behind a proxy the live release is the one the proxy routes to, not the one
/// named NAME: when they differ, a warning says so; when the proxy failed over by itself, when, from what to what, and what to do.
/// </summary>
public sealed class StatusReader(AppContainers containers, RetainedReleases releases, RunHistory history, FailoverReport failovers, SwarmStatus swarm)
{
    public sealed record ContainerStatus(
        string Name, string State, string Image, string? Version, string? Commit, DateTimeOffset? StartedAt, string? DeployedBy);

    public sealed record EnvironmentStatus(
        string Environment,
        string Url,
        string Health,
        ContainerStatus? Live,
        ContainerStatus? Previous,
        DateTimeOffset? LiveSince,
        string? LiveBy,
        RunRecord? LastFailedRun,
        string? RedisData,
        FailoverReport.Failover? Failover,
        IReadOnlyList<string> Warnings,
        IReadOnlyList<SwarmStatus.NodeStatus>? Nodes = null);

    public async Task<EnvironmentStatus> ReadAsync(DeploySettings settings)
    {
        if (settings.Swarm is not null)
        {
            var service = await swarm.ReadAsync(settings);
            return WithHistory(settings, service.Live, service.Previous, service.Health, service.DeployedAt, null, [], service.Nodes);
        }

        var warnings = new List<string>();
        if (RenameJournal.PendingWarning(settings) is { } pending)
        {
            // Read-only: the renames are left to the next Deploy or Rollback; the releases below are what the engine and the proxy show now.
            warnings.Add(pending);
        }

        var live = settings.Proxy is null ? await containers.LiveAsync(settings) : await RoutedAsync(settings, warnings);
        var previous = await containers.PreviousAsync(settings);
        var health = live is { Running: true } ? await AskHealthAsync(new Uri(settings.AppUrl, settings.HealthPath)) : "down";
        var failover = settings.Proxy is null ? null : await failovers.CurrentAsync(settings);
        return WithHistory(settings, Describe(live), Describe(previous), health, DeployedAt(live), failover, warnings, null);
    }

    /// <summary>The status with since when and by whom the live version runs, and a failed run that came after, from the history.</summary>
    private EnvironmentStatus WithHistory(DeploySettings settings, ContainerStatus? live, ContainerStatus? previous, string health,
        DateTimeOffset? deployedAt, FailoverReport.Failover? failover, IReadOnlyList<string> warnings, IReadOnlyList<SwarmStatus.NodeStatus>? nodes)
    {
        // The live version became live with the last run that succeeded with its commit (a deploy, or a rollback to it).
        var runs = history.Read(settings.EnvironmentStateFolder);
        var madeLive = live is null ? null : runs.LastOrDefault(r => r.Result == RunRecord.Succeeded && r.Commit == live.Commit);
        var lastFailed = runs.LastOrDefault(r => r.Result is RunRecord.Failed or RunRecord.Interrupted);
        return new EnvironmentStatus(
            settings.Environment,
            settings.AppUrl.ToString(),
            health,
            live,
            previous,
            madeLive?.Finished ?? deployedAt,
            madeLive is null ? live?.DeployedBy : $"{madeLive.Performer} ({madeLive.Trigger})",
            lastFailed is not null && lastFailed.Started > (madeLive?.Started ?? DateTimeOffset.MinValue) ? lastFailed : null,
            settings.Swarm is null ? settings.LocalRedis?.DataFolder : null,
            failover,
            warnings,
            nodes);
    }

    /// <summary>The release the proxy routes to, asked of the proxy and the engine; a disagreement with the names is a warning with its fix.</summary>
    private async Task<ContainerInfo?> RoutedAsync(DeploySettings settings, List<string> warnings)
    {
        var named = await containers.LiveAsync(settings);
        var routing = await releases.RoutingAsync(settings);
        var env = settings.Environment;
        var fix = $"run --target=Deploy --env={env} or --target=Rollback --env={env} to reconcile";
        if (!routing.ProxyAnswers)
        {
            if (named is not null)
            {
                warnings.Add($"{env}: the proxy {settings.Proxy!.Container} does not answer, so nothing reaches {settings.AppUrl}; run --target=Deploy --env={env} to start it again.");
            }

            return named;
        }

        if (routing.Route is null)
        {
            if (named is not null)
            {
                warnings.Add($"{env}: the proxy routes nowhere, yet {named.Name} ({AppContainers.VersionOf(named)}) exists; {fix}.");
            }

            return named;
        }

        if (routing.Release is not { } routed)
        {
            warnings.Add($"{env}: the proxy routes to {routing.Route.Destination}, which no container of {env} serves; {fix}.");
            return named;
        }

        if (routed.Name != settings.Container)
        {
            warnings.Add($"{env}: the proxy routes to {routed.Name} ({AppContainers.VersionOf(routed)}), not to {settings.Container}"
                + (named is null ? "" : $" ({AppContainers.VersionOf(named)})") + $"; {fix}.");
        }

        if (!routed.Running)
        {
            warnings.Add($"{env}: the proxy routes to {routed.Name}, which the engine reports {routed.State}; {fix}.");
        }

        return routed;
    }

    private static async Task<string> AskHealthAsync(Uri url)
    {
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(3) };
        var answer = await HealthProbe.AskAsync(client, url);
        return answer == "200" ? "healthy" : $"unhealthy ({answer})";
    }

    private static DateTimeOffset? DeployedAt(ContainerInfo? container) =>
        container?.Labels.GetValueOrDefault(ReleaseNames.DeployedAtLabel) is { } text && DateTimeOffset.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, out var time) ? time : null;

    public static ContainerStatus? Describe(ContainerInfo? container) =>
        container is null
            ? null
            : new ContainerStatus(
                container.Name,
                container.State,
                container.ImageReference,
                container.Labels.GetValueOrDefault(ReleaseNames.VersionLabel),
                AppContainers.CommitOf(container),
                container.StartedAt,
                container.Labels.GetValueOrDefault(ReleaseNames.DeployedByLabel));
}
