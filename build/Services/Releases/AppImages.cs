using Cake.Core.Diagnostics;

namespace KahaDeploy.Services.Releases;

/// <summary>The app's images: built through the engine from the checkout, or pulled when the environment names a registry image.</summary>
public sealed class AppImages(DockerConnector docker, LocalBaseImages baseImages, DependencyImages dependencies, GitRepository git, ICakeLog log)
{
    /// <summary>Builds IMAGE:VERSION and IMAGE:ENV with OCI labels.</summary>
    public async Task<AppImage> BuildAsync(DeploySettings settings, ReleaseVersion version)
    {
        var buildArgs = new Dictionary<string, string>();
        foreach (var (argument, image) in settings.BaseImages)
        {
            buildArgs[argument] = await baseImages.EnsureAsync(image, settings.WorkFolder);
        }

        var labels = new Dictionary<string, string>
        {
            ["org.opencontainers.image.revision"] = version.Commit,
            ["org.opencontainers.image.created"] = DateTimeOffset.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ"),
            ["org.opencontainers.image.version"] = version.Tag,
            ["org.opencontainers.image.title"] = settings.AppName,
            [ReleaseNames.AppLabel] = settings.AppName,
        };
        if (git.Subject(settings.AppFolder, version.Commit) is { Length: > 0 } subject)
        {
            labels[ReleaseNames.MessageLabel] = subject;
        }

        if (git.RemoteUrl(settings.AppFolder, settings.Remote) is { } source)
        {
            labels["org.opencontainers.image.source"] = source;
        }

        var tags = new[] { $"{settings.Image}:{version.Tag}", $"{settings.Image}:{settings.Environment}" };
        var request = new ImageBuildRequest(settings.AppFolder, settings.Dockerfile, tags, buildArgs, labels);
        if (settings.DependenciesStage is not null)
        {
            request = await dependencies.BuildOnAsync(settings, request);
        }

        log.Information("Building {0} from {1}.", string.Join(" and ", tags), settings.AppFolder);
        var id = await docker.Engine.BuildImageAsync(
            request,
            line =>
            {
                if (IsBuilderBookkeeping(line))
                {
                    log.Verbose(line);
                }
                else
                {
                    log.Information(line);
                }
            },
            CancellationToken.None);
        log.Information("Built {0} ({1}).", tags[0], id);
        return new AppImage(tags[0], id);
    }

    /// <summary>
    /// Pulls a registry image; its tag names the release, and its OCI revision label (when the image has one) is the commit.
    /// </summary>
    public async Task<(AppImage Image, ReleaseVersion Version)> PullAsync(string reference)
    {
        log.Information("Pulling {0}.", reference);
        if (!await docker.Engine.TryPullImageAsync(reference, line => log.Verbose(line), CancellationToken.None))
        {
            throw new HostSetupException($"Could not pull {reference}; check the image name and that this host can reach its registry (docker login if it is private).");
        }

        var tag = ImageReference.Parse(reference).TagOrLatest;
        var labels = await docker.Engine.GetImageLabelsAsync(reference);
        var commit = labels?.GetValueOrDefault("org.opencontainers.image.revision") is { Length: > 0 } revision ? revision : tag;
        var version = new ReleaseVersion(commit, Dirty: false) { ImageTag = tag };
        log.Information("Release version {0} (commit {1}), pulled as {2}.", version.Tag, commit, reference);
        return (new AppImage(reference, await docker.Engine.GetImageIdAsync(reference) ?? ""), version);
    }

    /// <summary>Why <paramref name="pulled"/> is older than the image <paramref name="live"/> runs (by when each was built), or null when it is not.</summary>
    public async Task<string?> OlderThanAsync(AppImage pulled, ContainerInfo live)
    {
        var built = await docker.Engine.GetImageCreatedAsync(pulled.Id);
        var liveBuilt = await docker.Engine.GetImageCreatedAsync(live.ImageId);
        return built < liveBuilt
            ? $"{pulled.Reference} (built {built:yyyy-MM-dd HH:mm:ss}Z) is older than the live {live.ImageReference} (built {liveBuilt:yyyy-MM-dd HH:mm:ss}Z)"
            : null;
    }

    /// <summary>
    /// The builder's layer ids, cache notes and intermediate containers: at normal verbosity a build shows one line per
    /// step (and what its RUN steps print), the rest is for --verbosity=verbose and the run's log.
    /// </summary>
    private static bool IsBuilderBookkeeping(string line) =>
        line.StartsWith(" ---> ", StringComparison.Ordinal)
        || line.StartsWith("Removing intermediate container ", StringComparison.Ordinal)
        || line.StartsWith("Successfully built ", StringComparison.Ordinal)
        || line.StartsWith("Successfully tagged ", StringComparison.Ordinal);

    public Task<int> RemoveDanglingAsync(DeploySettings settings) =>
        docker.Engine.RemoveDanglingImagesAsync($"{ReleaseNames.AppLabel}={settings.AppName}");
}
