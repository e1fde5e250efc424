using KahaDeploy.Frosting;

namespace KahaDeploy.Tasks;

[TaskName(nameof(DockerPreflight))]
[TaskDescription("Connects to the Docker engine (DOCKER_HOST or the default socket); installs and starts docker.io on a Debian host run as root")]
public sealed class DockerPreflight(DockerConnector docker) : AsyncFrostingTask<DeployContext>
{
    public override Task RunAsync(DeployContext context) => docker.ConnectAsync();
}
