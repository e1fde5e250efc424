using Cake.Core.Diagnostics;

namespace KahaDeploy.Services.Swarm;

/// <summary>
/// A swarm's nodes take their images from the registry: an image built on the manager is pushed there as
/// REGISTRY/IMAGE:VERSION and REGISTRY/IMAGE:ENV before anything changes.
/// </summary>
public sealed class SwarmImages(DockerConnector docker, ICakeLog log)
{
    public static string Repository(DeploySettings settings) => $"{settings.Swarm!.Registry}/{settings.Image}";

    /// <summary>Pushes the built image; returns it as the nodes pull it.</summary>
    public async Task<AppImage> PushAsync(DeploySettings settings, AppImage built, ReleaseVersion version)
    {
        var repository = Repository(settings);
        foreach (var tag in new[] { version.Tag, settings.Environment })
        {
            await PushAsync(settings, built.Id, repository, tag);
        }

        return new AppImage($"{repository}:{version.Tag}", built.Id);
    }

    /// <summary>Tags <paramref name="image"/> as REPOSITORY:TAG and pushes it with the swarm's registry login.</summary>
    public async Task PushAsync(DeploySettings settings, string image, string repository, string tag)
    {
        await docker.Engine.TagImageAsync(image, repository, tag);
        log.Information("Pushing {0}:{1}.", repository, tag);
        await docker.Engine.PushImageAsync(repository, tag, settings.Swarm!.Login, line => log.Verbose(line), CancellationToken.None);
    }
}
