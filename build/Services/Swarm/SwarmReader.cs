namespace KahaDeploy.Services.Swarm;

/// <summary>What a swarm environment shows: the app service's releases, what runs on which node, and every task's output.</summary>
public sealed class SwarmReader(DockerConnector docker, RetainedReleases retained, SwarmStatus status, SwarmLogs logs) : IReleaseReader
{
    /// <summary>
    /// On a swarm, the releases are the images the manager built and pushed (REGISTRY/IMAGE:VERSION), one per commit: the
    /// one the service runs is live, any other Rollback --to brings back from the registry.
    /// </summary>
    public async Task<IReadOnlyList<RetainedReleases.RetainedRelease>> ListAsync(DeploySettings settings)
    {
        var service = await docker.Engine.InspectServiceAsync(settings.Container);
        var liveCommit = service?.Labels.GetValueOrDefault(ReleaseNames.CommitLabel);
        var repository = SwarmImages.Repository(settings) + ":";
        var images = await docker.Engine.ListImagesAsync($"{ReleaseNames.AppLabel}={settings.AppName}");
        return images
            .Where(i => i.Labels.ContainsKey(RetainedReleases.RevisionLabel))
            .Select(i => (Image: i, Tag: i.RepoTags.FirstOrDefault(t => t.StartsWith(repository, StringComparison.Ordinal) && t[repository.Length..] != settings.Environment)))
            .Where(i => i.Tag is not null)
            .GroupBy(i => i.Image.Labels[RetainedReleases.RevisionLabel])
            .Select(g => g.OrderByDescending(i => i.Image.Created).First())
            .Select(i =>
            {
                var commit = i.Image.Labels[RetainedReleases.RevisionLabel];
                var live = commit == liveCommit;
                return new RetainedReleases.RetainedRelease(
                    commit,
                    i.Tag![repository.Length..],
                    retained.MessageOf(settings, i.Image.Labels, commit),
                    RetainedReleases.Time(i.Image.Labels.GetValueOrDefault(RetainedReleases.CreatedLabel)) ?? i.Image.Created,
                    live ? RetainedReleases.Time(service!.Labels.GetValueOrDefault(ReleaseNames.DeployedAtLabel)) : null,
                    live ? service!.Labels.GetValueOrDefault(ReleaseNames.DeployedByLabel) : null,
                    live ? RetainedReleases.Live : RetainedReleases.ImageOnly,
                    live ? settings.Container : null,
                    i.Tag);
            })
            .OrderByDescending(r => r.Deployed ?? r.Built ?? DateTimeOffset.MinValue)
            .ToList();
    }

    public async Task<StatusReader.Observed> ObserveAsync(DeploySettings settings)
    {
        var service = await status.ReadAsync(settings);
        // The Redis data is on a named volume on its node (see SwarmRedis), not in a folder here.
        return new StatusReader.Observed(service.Live, service.Previous, service.Health, service.DeployedAt, null, [], null, service.Nodes);
    }

    public Task StreamLogsAsync(DeploySettings settings, LogQuery query, Action<string, ContainerLogLine> output) => logs.StreamAsync(settings, query, output);
}
