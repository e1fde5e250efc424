using KahaDeploy.Frosting;

namespace KahaDeploy.Tasks;

[TaskName(nameof(CheckNodes))]
[TaskDescription("On a swarm: says which nodes are down before a release (it then runs on the nodes that are up)")]
[IsDependentOn(typeof(DockerPreflight))]
public sealed class CheckNodes(ReleaseStrategies strategies) : AsyncFrostingTask<DeployContext>
{
    public override bool ShouldRun(DeployContext context) => strategies.Runs(context, nameof(CheckNodes), ReleaseStep.Nodes);

    public override Task RunAsync(DeployContext context) => strategies.For(context.Settings).CheckNodesAsync(context.Settings);
}
