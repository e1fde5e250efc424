using KahaDeploy.Frosting;
using KahaDeploy.Services;

namespace KahaDeploy.Tasks;

[TaskName(nameof(RemoveOlderBackup))]
[TaskDescription("Once the new release is healthy, removes the backup it replaced (NAME_older)")]
[IsDependentOn(typeof(HealthCheck))]
public sealed class RemoveOlderBackup(AppContainers containers) : AsyncFrostingTask<DeployContext>
{
    public override bool ShouldRun(DeployContext context) =>
        context.RunsWhen(nameof(RemoveOlderBackup), context.Settings.Proxy is null, "behind the proxy, Prune keeps the last versions.");

    public override Task RunAsync(DeployContext context) => containers.RemoveOlderBackupAsync(context.Settings);
}
