using KahaDeploy.Frosting;

namespace KahaDeploy.Tasks;

[TaskName(nameof(RemoveOlderBackup))]
[TaskDescription("Once the new release is healthy, removes the backup it replaced (NAME_older) and the code tree only it mounted")]
[IsDependentOn(typeof(HealthCheck))]
public sealed class RemoveOlderBackup(AppContainers containers, ReleaseTrees trees) : AsyncFrostingTask<DeployContext>
{
    public override bool ShouldRun(DeployContext context) =>
        context.RunsWhen(nameof(RemoveOlderBackup), context.Settings.Proxy is null, "behind the proxy, Prune keeps the last versions.");

    public override async Task RunAsync(DeployContext context)
    {
        await containers.RemoveOlderBackupAsync(context.Settings);
        await trees.RemoveUnusedAsync(context.Settings);
    }
}
