using KahaDeploy.Frosting;

namespace KahaDeploy.Tasks;

[TaskName(nameof(EnsureProxy))]
[TaskDescription("Creates the environment's proxy container (NAME_proxy, on the public ports) when missing; leaves a running one alone. On a swarm: the proxy service on every node")]
[IsDependentOn(typeof(DockerPreflight))]
public sealed class EnsureProxy(ReleaseStrategies strategies) : AsyncFrostingTask<DeployContext>
{
    public override bool ShouldRun(DeployContext context) => strategies.Runs(context, nameof(EnsureProxy), ReleaseStep.Proxy);

    public override Task RunAsync(DeployContext context) => strategies.For(context.Settings).EnsureProxyAsync(context.Settings);
}
