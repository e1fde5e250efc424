using KahaDeploy.Frosting;
using KahaDeploy.Services;

namespace KahaDeploy.Tasks;

[TaskName(nameof(BackupContainer))]
[TaskDescription("Renames the live NAME to NAME_previous (an older backup is removed), as deploy_kaha.sh did")]
[IsDependentOn(typeof(DockerPreflight))]
[IsDependentOn(typeof(Lock))]
public sealed class BackupContainer(AppContainers containers) : AsyncFrostingTask<DeployContext>
{
    public override async Task RunAsync(DeployContext context) =>
        context.PreviousCommit = AppContainers.CommitOf(await containers.BackupLiveAsync(context.Settings));
}
