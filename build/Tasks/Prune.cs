using KahaDeploy.Frosting;

namespace KahaDeploy.Tasks;

[TaskName(nameof(Prune))]
[TaskDescription("Keeps the last N releases (containers, images, code trees) for Rollback --to=SHA and removes older ones, never the live or previous one")]
[IsDependentOn(typeof(DockerPreflight))]
public sealed class Prune(ReleaseStrategies strategies, ReleaseTrees trees) : AsyncFrostingTask<DeployContext>
{
    public override bool ShouldRun(DeployContext context) => strategies.Runs(context, nameof(Prune), ReleaseStep.Prune);

    public override async Task RunAsync(DeployContext context)
    {
        await strategies.For(context.Settings).PruneAsync(context);
        await trees.RemoveUnusedAsync(context.Settings);
    }
}
