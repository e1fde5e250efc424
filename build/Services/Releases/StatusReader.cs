
namespace KahaDeploy.Services.Releases;

/// <summary>
/// What runs where: the live and previous release of an environment with a health answer, as its mode's reader sees them
/// (<see cref="IReleaseReader"/>), since when it is live and who made it so (from the history), the last failed run if it
/// came after, and where the environment's own Redis keeps its data.
/// </summary>
public sealed class StatusReader(ReleaseStrategies strategies, RunHistory history)
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

    /// <summary>What an environment's <see cref="IReleaseReader"/> sees running, before the history says since when and by whom.</summary>
    public sealed record Observed(
        ContainerStatus? Live,
        ContainerStatus? Previous,
        string Health,
        DateTimeOffset? DeployedAt,
        FailoverReport.Failover? Failover,
        IReadOnlyList<string> Warnings,
        string? RedisData,
        IReadOnlyList<SwarmStatus.NodeStatus>? Nodes = null);

    public async Task<EnvironmentStatus> ReadAsync(DeploySettings settings) =>
        WithHistory(settings, await strategies.For(settings).Reader.ObserveAsync(settings));

    /// <summary>The status with since when and by whom the live version runs, and a failed run that came after, from the history.</summary>
    private EnvironmentStatus WithHistory(DeploySettings settings, Observed seen)
    {
        var live = seen.Live;
        // The live version became live with the last run that succeeded with its commit (a deploy, or a rollback to it).
        var runs = history.Read(settings.EnvironmentStateFolder);
        var madeLive = live is null ? null : runs.LastOrDefault(r => r.Result == RunRecord.Succeeded && r.Commit == live.Commit);
        var lastFailed = runs.LastOrDefault(r => r.Result is RunRecord.Failed or RunRecord.Interrupted);
        return new EnvironmentStatus(
            settings.Environment,
            settings.AppUrl.ToString(),
            seen.Health,
            live,
            seen.Previous,
            madeLive?.Finished ?? seen.DeployedAt,
            madeLive is null ? live?.DeployedBy : $"{madeLive.Performer} ({madeLive.Trigger})",
            lastFailed is not null && lastFailed.Started > (madeLive?.Started ?? DateTimeOffset.MinValue) ? lastFailed : null,
            seen.RedisData,
            seen.Failover,
            seen.Warnings,
            seen.Nodes);
    }

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
