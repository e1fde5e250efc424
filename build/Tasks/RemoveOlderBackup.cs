using KahaDeploy.Frosting;

namespace KahaDeploy.Tasks;

[TaskName(nameof(RemoveOlderBackup))]
[TaskDescription("Once the new release is healthy, removes the backup it replaced (NAME_older) and the code tree only it mounted")]
[IsDependentOn(typeof(HealthCheck))]
public sealed class RemoveOlderBackup(ReleaseStrategies strategies, ReleaseTrees trees) : AsyncFrostingTask<DeployContext>
{
    public override bool ShouldRun(DeployContext context) => strategies.Runs(context, nameof(RemoveOlderBackup), ReleaseStep.RemoveOlderBackup);

    public override async Task RunAsync(DeployContext context)
    {
        await strategies.For(context.Settings).RemoveOlderBackupAsync(context);
        await trees.RemoveUnusedAsync(context.Settings);
    }
}
