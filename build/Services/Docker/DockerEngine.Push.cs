using Docker.DotNet;
using Docker.DotNet.Models;

namespace KahaDeploy.Services.Docker;

public sealed partial class DockerEngine
{
    /// <summary>
    /// Pushes <c>REPOSITORY:TAG</c> (the repository starts with its registry, as in <c>registry.internal:5000/kaha</c>) with
    /// the registry's login sent in the X-Registry-Auth header, each layer's final state written to <paramref name="output"/>.
    /// A registry the engine cannot reach, a refused login or a failed upload ends in a <see cref="RegistryPushException"/>
    /// whose one line says which.
    /// </summary>
    public async Task PushImageAsync(string repository, string tag, RegistryLogin? login, Action<string> output, CancellationToken ct)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(repository);
        ArgumentException.ThrowIfNullOrWhiteSpace(tag);
        ArgumentNullException.ThrowIfNull(output);
        var registry = repository.Contains('/', StringComparison.Ordinal) ? repository[..repository.IndexOf('/', StringComparison.Ordinal)] : repository;
        var reference = $"{repository}:{tag}";
        var auth = login is null ? new AuthConfig() : new AuthConfig { Username = login.User, Password = login.Password, ServerAddress = registry };
        var progress = new JsonMessageProgress(output);
        try
        {
            await _client.Images.PushImageAsync(repository, new ImagePushParameters { Tag = tag }, auth, progress, ct).ConfigureAwait(false);
        }
        catch (DockerApiException e)
        {
            throw new RegistryPushException(reference, registry, EngineMessage(e), e);
        }
        catch (Exception e) when (!ct.IsCancellationRequested && IsTransportFailure(e))
        {
            throw new DockerEngineException($"Docker could not push image '{reference}': {TransportMessage(e)}", e);
        }

        progress.Flush();
        if (progress.Error is { } error)
        {
            throw new RegistryPushException(reference, registry, OneLine(error), null);
        }
    }
}
