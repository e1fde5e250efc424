namespace KahaDeploy.Services.Swarm;

/// <summary>A swarm's releases as Rollback finds them: the one the live release replaced, or an image of a commit on the manager.</summary>
public sealed class SwarmReleases(DockerConnector docker, SwarmApp app)
{
    private const string RevisionLabel = "org.opencontainers.image.revision";

    /// <summary>A release to run: its version and the image the nodes pull.</summary>
    public sealed record Target(ReleaseVersion Version, string Image);

    /// <summary>The service as it is, and what Rollback brings back: the previous release, or the one of commit <paramref name="to"/>.</summary>
    public async Task<(SwarmServiceInfo Live, Target Target)> RollbackTargetAsync(DeploySettings settings, string? to)
    {
        var live = await app.InspectAsync(settings)
            ?? throw new RollbackImpossibleException($"{settings.Environment} has no service {settings.Container} on the swarm yet; deploy it first.");
        var target = to is null ? Previous(settings, live) : await OfCommitAsync(settings, to);
        var liveCommit = live.Labels.GetValueOrDefault(ReleaseNames.CommitLabel);
        if (liveCommit is not null && liveCommit == target.Version.Commit)
        {
            throw new RollbackImpossibleException(
                $"{target.Version.Tag} is already live in {settings.Environment}; roll back to another release with --to=SHA (an image in {SwarmImages.Repository(settings)}).");
        }

        return (live, target);
    }

    /// <summary>The release the live one replaced, as the service's labels record it (see <see cref="SwarmApp.PreviousCommitLabel"/>).</summary>
    private static Target Previous(DeploySettings settings, SwarmServiceInfo live)
    {
        if (live.Labels.GetValueOrDefault(SwarmApp.PreviousImageLabel) is not { } image || live.Labels.GetValueOrDefault(SwarmApp.PreviousCommitLabel) is not { } commit)
        {
            throw new RollbackImpossibleException(
                $"the service {settings.Container} has no previous release (it was created by its only deploy); roll back with --to=SHA to an image in {SwarmImages.Repository(settings)}.");
        }

        var tag = live.Labels.GetValueOrDefault(SwarmApp.PreviousVersionLabel) ?? "";
        return new Target(new ReleaseVersion(commit, tag.EndsWith("-dirty", StringComparison.Ordinal)), image);
    }

    /// <summary>The newest image of that commit the manager built and pushed (REGISTRY/IMAGE:VERSION).</summary>
    private async Task<Target> OfCommitAsync(DeploySettings settings, string to)
    {
        var repository = SwarmImages.Repository(settings) + ":";
        var image = (await docker.Engine.ListImagesAsync($"{ReleaseNames.AppLabel}={settings.AppName}"))
            .Where(i => i.Labels.GetValueOrDefault(RevisionLabel)?.StartsWith(to, StringComparison.Ordinal) == true)
            .Select(i => (Image: i, Tag: i.RepoTags.FirstOrDefault(t => t.StartsWith(repository, StringComparison.Ordinal)
                && t[repository.Length..] != settings.Environment)))
            .Where(i => i.Tag is not null)
            .MaxBy(i => i.Image.Created);
        if (image.Tag is null)
        {
            throw new RollbackImpossibleException(
                $"--to={to}: the swarm's manager has no image of that commit in {SwarmImages.Repository(settings)}; deploy it instead: --target=Deploy --sha={to}.");
        }

        var commit = image.Image.Labels[RevisionLabel];
        var tag = image.Tag[repository.Length..];
        return new Target(new ReleaseVersion(commit, tag.EndsWith("-dirty", StringComparison.Ordinal)), image.Tag);
    }
}
