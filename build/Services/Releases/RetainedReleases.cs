using System.Globalization;

namespace KahaDeploy.Services.Releases;

/// <summary>
/// The releases of an environment that Rollback can go back to, newest first: behind a proxy every retained release
/// (containers, and images of releases once deployed here whose container is gone), without one NAME and NAME_previous.
/// </summary>
public sealed class RetainedReleases(DockerConnector docker, ProxyAdmin admin, GitRepository git, RunHistory history)
{
    public const string Live = "live";
    public const string Standby = "standby";
    public const string Stopped = "stopped";
    public const string ImageOnly = "image only";

    public const string CreatedLabel = "org.opencontainers.image.created";
    public const string RevisionLabel = "org.opencontainers.image.revision";
    private const string ImageVersionLabel = "org.opencontainers.image.version";

    public sealed record RetainedRelease(
        string Commit, string Version, string Message, DateTimeOffset? Built, DateTimeOffset? Deployed, string? DeployedBy, string State,
        string? Container, string Image)
    {
        public string Short => Commit.Length > 12 ? Commit[..12] : Commit;
    }

    /// <summary>What the proxy routes to: whether it answered, its route, and the release container that route names.</summary>
    public sealed record Routing(bool ProxyAnswers, UpstreamRoute? Route, ContainerInfo? Release);

    private DockerEngine Engine => docker.Engine;

    public async Task<IReadOnlyList<RetainedRelease>> ListAsync(DeploySettings settings)
    {
        var containers = settings.Proxy is null
            ? new[] { await Engine.InspectContainerAsync(settings.Container), await Engine.InspectContainerAsync(settings.PreviousContainer) }.OfType<ContainerInfo>().ToList()
            : (await ContainersAsync(settings)).Where(c => c.Name != settings.CandidateContainer).ToList();
        var liveId = await LiveIdAsync(settings, containers);
        var releases = containers.Where(c => AppContainers.CommitOf(c) is not null).Select(c => FromContainer(settings, c, liveId)).ToList();
        if (settings.Proxy is not null)
        {
            releases.AddRange(await ImagesOnlyAsync(settings, containers));
        }

        return releases.OrderByDescending(r => r.Deployed ?? r.Built ?? DateTimeOffset.MinValue).ToList();
    }

    /// <summary>The releases in one line, for an error that asks the user to pick one: "3f2c1ab9e0d4 live, 2d9e0c1f0a1b standby".</summary>
    public async Task<string> SummaryAsync(DeploySettings settings)
    {
        var releases = await ListAsync(settings);
        return releases.Count == 0 ? "none" : string.Join(", ", releases.Select(r => $"{r.Short} {r.State}"));
    }

    /// <summary>Rolling back to the version that serves already would change nothing while saying it did.</summary>
    public async Task RefuseLiveAsync(DeploySettings settings, ContainerInfo? live, string? commit, string what)
    {
        if (commit is not null && AppContainers.CommitOf(live) is { } liveCommit && liveCommit.StartsWith(commit, StringComparison.Ordinal))
        {
            throw new RollbackImpossibleException(
                $"{what} {liveCommit[..Math.Min(12, liveCommit.Length)]}, the version already live in {settings.Environment}; roll back to another retained release"
                + $"{(settings.Proxy is null ? "" : " with --to")} (kept: {await SummaryAsync(settings)}).");
        }
    }

    /// <summary>This environment's app containers that were started behind the proxy.</summary>
    public async Task<IReadOnlyList<ContainerInfo>> ContainersAsync(DeploySettings settings) =>
        (await Engine.ListContainersAsync($"{ReleaseNames.ServiceLabel}={settings.Container}")).Where(c => IsProxiedRelease(settings, c)).ToList();

    /// <summary>
    /// NAME_previous as the retained release <see cref="ListAsync"/> names it, read from its container alone; null when it
    /// was not started behind the proxy. Names follow the route once Reconcile ran, so it is the standby or a stopped release.
    /// </summary>
    public RetainedRelease? Previous(DeploySettings settings, ContainerInfo previous) =>
        IsProxiedRelease(settings, previous) && AppContainers.CommitOf(previous) is not null ? FromContainer(settings, previous, liveId: null) : null;

    private static bool IsProxiedRelease(DeploySettings settings, ContainerInfo container) =>
        container.Labels.GetValueOrDefault(ReleaseNames.ServiceLabel) == settings.Container
        && container.Labels.GetValueOrDefault(ReleaseNames.RoleLabel) == "app" && container.Labels.ContainsKey(ReleaseNames.SlotLabel);

    /// <summary>Asks the proxy which release it routes to; the release is null when no container of this environment has that slot.</summary>
    public Task<Routing> RoutingAsync(DeploySettings settings) => RoutingAsync(settings, releases: null);

    private async Task<Routing> RoutingAsync(DeploySettings settings, IReadOnlyList<ContainerInfo>? releases)
    {
        UpstreamRoute? route;
        try
        {
            route = await admin.CurrentRouteAsync(settings);
        }
        catch (Exception ex) when (ex is HttpRequestException or System.Net.Sockets.SocketException or TaskCanceledException)
        {
            return new Routing(false, null, null);
        }

        if (route is null)
        {
            return new Routing(true, null, null);
        }

        releases ??= await ContainersAsync(settings);
        return new Routing(true, route, releases.FirstOrDefault(r => r.Labels.GetValueOrDefault(ReleaseNames.SlotLabel) == route.Slot));
    }

    /// <summary>Behind a proxy the live release is the one it routes to (none when it does not answer); without one, a running NAME.</summary>
    private async Task<string?> LiveIdAsync(DeploySettings settings, IReadOnlyList<ContainerInfo> containers)
    {
        if (settings.Proxy is null)
        {
            return containers.FirstOrDefault(c => c.Name == settings.Container && c.Running)?.Id;
        }

        var route = (await RoutingAsync(settings, containers)).Route;
        return containers.FirstOrDefault(c => route is not null && c.Running && c.Labels.GetValueOrDefault(ReleaseNames.SlotLabel) == route.Slot)?.Id;
    }

    private RetainedRelease FromContainer(DeploySettings settings, ContainerInfo container, string? liveId) =>
        new(AppContainers.CommitOf(container)!,
            AppContainers.VersionOf(container),
            MessageOf(settings, container.Labels, AppContainers.CommitOf(container)!),
            Time(container.Labels.GetValueOrDefault(CreatedLabel)),
            Time(container.Labels.GetValueOrDefault(ReleaseNames.DeployedAtLabel)),
            container.Labels.GetValueOrDefault(ReleaseNames.DeployedByLabel),
            container.Id == liveId ? Live : container.Running ? Standby : Stopped,
            container.Name,
            container.ImageReference);

    /// <summary>Images of commits once live here whose container is gone (removed by hand, or kept when pruning failed).</summary>
    private async Task<IEnumerable<RetainedRelease>> ImagesOnlyAsync(DeploySettings settings, IReadOnlyList<ContainerInfo> containers)
    {
        var deployedHere = history.Read(settings.EnvironmentStateFolder)
            .Where(r => r.Result == RunRecord.Succeeded && r.Commit is not null).Select(r => r.Commit!).ToHashSet(StringComparer.Ordinal);
        var used = containers.Select(c => c.ImageId).ToHashSet(StringComparer.Ordinal);
        var commits = containers.Select(AppContainers.CommitOf).ToHashSet(StringComparer.Ordinal);
        var images = await Engine.ListImagesAsync($"{ReleaseNames.AppLabel}={settings.AppName}");
        return images
            .Where(i => !used.Contains(i.Id) && i.Labels.GetValueOrDefault(RevisionLabel) is { } commit && deployedHere.Contains(commit) && !commits.Contains(commit))
            .Select(i => (Image: i, Tag: i.RepoTags.FirstOrDefault(t => t.StartsWith(settings.Image + ":", StringComparison.Ordinal) && !t.EndsWith(":" + settings.Environment, StringComparison.Ordinal))))
            .Where(i => i.Tag is not null)
            .GroupBy(i => i.Image.Labels[RevisionLabel])
            .Select(g => g.OrderByDescending(i => i.Image.Created).First())
            .Select(i => new RetainedRelease(
                i.Image.Labels[RevisionLabel],
                i.Image.Labels.GetValueOrDefault(ImageVersionLabel) ?? ImageReference.Parse(i.Tag!).TagOrLatest,
                MessageOf(settings, i.Image.Labels, i.Image.Labels[RevisionLabel]),
                Time(i.Image.Labels.GetValueOrDefault(CreatedLabel)) ?? i.Image.Created,
                null, null, ImageOnly, null, i.Tag!));
    }

    /// <summary>The commit's subject from the image's label (set by BuildImage), else from the checkout's history, else empty.</summary>
    public string MessageOf(DeploySettings settings, IReadOnlyDictionary<string, string> labels, string commit) =>
        labels.GetValueOrDefault(ReleaseNames.MessageLabel) is { Length: > 0 } message
            ? message
            : git.IsRepository(settings.AppFolder) ? git.Subject(settings.AppFolder, commit) ?? "" : "";

    /// <summary>A time the tool wrote into a label (round-trip format); null when the label is absent or unreadable.</summary>
    public static DateTimeOffset? Time(string? text) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time) ? time : null;
}
