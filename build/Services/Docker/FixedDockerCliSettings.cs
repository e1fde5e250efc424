using Docker.DotNet;

namespace KahaDeploy.Services.Docker;

/// <summary>
/// Docker CLI settings that name the endpoint outright, so building a client never reads
/// DOCKER_CONTEXT or ~/.docker/config.json (the endpoint was already resolved by <see cref="DockerEngine.ResolveEndpoint(bool)"/>).
/// </summary>
internal sealed class FixedDockerCliSettings(string dockerHost) : IDockerCliSettings
{
    public string DockerConfig => "";

    public string DockerHost => dockerHost;

    public string DockerTlsVerify => "";

    public string DockerContext => "";
}
