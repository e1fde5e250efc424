using KahaDeploy.Configuration;

namespace KahaDeploy.Services;

/// <summary>What runs where: the live and previous container of an environment, with a health answer for the live one.</summary>
public sealed class StatusReader(AppContainers containers)
{
    public sealed record ContainerStatus(
        string Name, string State, string Image, string? Version, string? Commit, DateTimeOffset? StartedAt, string? DeployedBy);

    public sealed record EnvironmentStatus(string Environment, string Url, string Health, ContainerStatus? Live, ContainerStatus? Previous);

    public async Task<EnvironmentStatus> ReadAsync(DeploySettings settings)
    {
        var live = await containers.LiveAsync(settings);
        var previous = await containers.PreviousAsync(settings);
        var health = live is { Running: true } ? await AskHealthAsync(new Uri(settings.AppUrl, settings.HealthPath)) : "down";
        return new EnvironmentStatus(settings.Environment, settings.AppUrl.ToString(), health, Describe(live), Describe(previous));
    }

    private static async Task<string> AskHealthAsync(Uri url)
    {
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(3) };
        var answer = await HealthProbe.AskAsync(client, url);
        return answer == "200" ? "healthy" : $"unhealthy ({answer})";
    }

    public static ContainerStatus? Describe(ContainerInfo? container) =>
        container is null
            ? null
            : new ContainerStatus(
                container.Name,
                container.State,
                container.ImageReference,
                container.Labels.GetValueOrDefault(AppContainers.VersionLabel),
                container.Labels.GetValueOrDefault(AppContainers.CommitLabel),
                container.StartedAt,
                container.Labels.GetValueOrDefault(AppContainers.DeployedByLabel));
}
