using KahaDeploy.Frosting;
using KahaDeploy.Services;

namespace KahaDeploy.Tasks;

[TaskName(nameof(Prune))]
[TaskDescription("Keeps the last N releases (containers and images) for Rollback --to=SHA and removes older ones, never the live or previous one")]
[IsDependentOn(typeof(DockerPreflight))]
public sealed class Prune(ReleaseSwitch releases) : AsyncFrostingTask<DeployContext>
{
    public override bool ShouldRun(DeployContext context) =>
        context.RunsWhen(nameof(Prune), context.Settings.Proxy is not null, $"{context.Settings.Environment} keeps only NAME and NAME_previous.");

    public override Task RunAsync(DeployContext context) => releases.PruneAsync(context.Settings);
}
