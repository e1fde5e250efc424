namespace KahaDeploy.Services.Releases;

/// <summary>
/// What an environment on this server shows (in place or behind its proxy): its containers, NAME and NAME_previous or the
/// retained releases, and the live one's output. Behind a proxy the live release is the one the proxy routes to, not the
/// one named NAME: when they differ, a warning says so; when the proxy failed over by itself, the failover says when,
/// from what to what, and what to do.
/// </summary>
public sealed class ServerReader(AppContainers containers, RetainedReleases releases, FailoverReport failovers) : IReleaseReader
{
    public Task<IReadOnlyList<RetainedReleases.RetainedRelease>> ListAsync(DeploySettings settings) => releases.ListAsync(settings);

    public Task StreamLogsAsync(DeploySettings settings, LogQuery query, Action<string, ContainerLogLine> output) =>
        containers.StreamLogsAsync(settings, query, line => output(settings.Container, line));

    public async Task<StatusReader.Observed> ObserveAsync(DeploySettings settings)
    {
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
        return new StatusReader.Observed(
            StatusReader.Describe(live), StatusReader.Describe(previous), health, DeployedAt(live), failover, warnings, settings.LocalRedis?.DataFolder);
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
        RetainedReleases.Time(container?.Labels.GetValueOrDefault(ReleaseNames.DeployedAtLabel));
}
