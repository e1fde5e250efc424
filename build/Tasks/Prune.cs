using KahaDeploy.Frosting;

namespace KahaDeploy.Tasks;

[TaskName(nameof(Prune))]
[TaskDescription("Keeps the last N releases (containers, images, code trees) for Rollback --to=SHA and removes older ones, never the live or previous one")]
[IsDependentOn(typeof(DockerPreflight))]
public sealed class Prune(ReleaseSwitch releases, ReleaseTrees trees) : AsyncFrostingTask<DeployContext>
{
    public override bool ShouldRun(DeployContext context) =>
        context.RunsWhen(nameof(Prune), context.Settings.Proxy is not null, $"{context.Settings.Environment} keeps only NAME and NAME_previous.");

    public override async Task RunAsync(DeployContext context)
    {
        await releases.PruneAsync(context.Settings);
        await trees.RemoveUnusedAsync(context.Settings);
    }
}
