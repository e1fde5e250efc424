using KahaDeploy.Configuration;

namespace KahaDeploy.Services;

/// <summary>
/// What runs where: the live and previous container of an environment, with a health answer for the live one,
/// since when it is live and who made it so (from the history), the last failed run if it came after, and where the
/// environment's own Redis keeps its data.
/// </summary>
public sealed class StatusReader(AppContainers containers, RunHistory history)
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
        string? RedisData);

    public async Task<EnvironmentStatus> ReadAsync(DeploySettings settings)
    {
        var live = await containers.LiveAsync(settings);
        var previous = await containers.PreviousAsync(settings);
        var health = live is { Running: true } ? await AskHealthAsync(new Uri(settings.AppUrl, settings.HealthPath)) : "down";

        // The live version became live with the last run that succeeded with its commit (a deploy, or a rollback to it).
        var runs = history.Read(settings.EnvironmentStateFolder);
        var madeLive = live is null ? null : runs.LastOrDefault(r => r.Result == RunRecord.Succeeded && r.Commit == AppContainers.CommitOf(live));
        var lastFailed = runs.LastOrDefault(r => r.Result is RunRecord.Failed or RunRecord.Interrupted);
        return new EnvironmentStatus(
            settings.Environment,
            settings.AppUrl.ToString(),
            health,
            Describe(live),
            Describe(previous),
            madeLive?.Finished ?? DeployedAt(live),
            madeLive is null ? live?.Labels.GetValueOrDefault(AppContainers.DeployedByLabel) : $"{madeLive.Performer} ({madeLive.Trigger})",
            lastFailed is not null && lastFailed.Started > (madeLive?.Started ?? DateTimeOffset.MinValue) ? lastFailed : null,
            settings.LocalRedis?.DataFolder);
    }

    private static async Task<string> AskHealthAsync(Uri url)
    {
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(3) };
        var answer = await HealthProbe.AskAsync(client, url);
        return answer == "200" ? "healthy" : $"unhealthy ({answer})";
    }

    private static DateTimeOffset? DeployedAt(ContainerInfo? container) =>
        container?.Labels.GetValueOrDefault(AppContainers.DeployedAtLabel) is { } text && DateTimeOffset.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, out var time) ? time : null;

    public static ContainerStatus? Describe(ContainerInfo? container) =>
        container is null
            ? null
            : new ContainerStatus(
                container.Name,
                container.State,
                container.ImageReference,
                container.Labels.GetValueOrDefault(AppContainers.VersionLabel),
                AppContainers.CommitOf(container),
                container.StartedAt,
                container.Labels.GetValueOrDefault(AppContainers.DeployedByLabel));
}
