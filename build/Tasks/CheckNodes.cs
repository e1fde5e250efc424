using KahaDeploy.Frosting;

namespace KahaDeploy.Tasks;

[TaskName(nameof(CheckNodes))]
[TaskDescription("On a swarm: says which nodes are down before a release (it then runs on the nodes that are up)")]
[IsDependentOn(typeof(DockerPreflight))]
public sealed class CheckNodes(DownNodes nodes) : AsyncFrostingTask<DeployContext>
{
    public override bool ShouldRun(DeployContext context) =>
        context.RunsWhen(nameof(CheckNodes), context.Settings.Swarm is not null, $"{context.Settings.Environment} runs on this server alone.");

    public override Task RunAsync(DeployContext context) => nodes.WarnAsync();
}
