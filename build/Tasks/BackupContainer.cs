using KahaDeploy.Frosting;

namespace KahaDeploy.Tasks;

[TaskName(nameof(BackupContainer))]
[TaskDescription("Renames the live NAME to NAME_previous, as deploy_kaha.sh did (after a rollback by hand, the NAME_previous that serves is the live one); behind a proxy this happens after the switch, in Drain")]
[IsDependentOn(typeof(DockerPreflight))]
[IsDependentOn(typeof(Lock))]
[IsDependentOn(typeof(RecoverRenames))]
public sealed class BackupContainer(AppContainers containers, Interruption interruption) : AsyncFrostingTask<DeployContext>
{
    public override bool ShouldRun(DeployContext context) =>
        context.RunsWhen(nameof(BackupContainer), context.Settings.Proxy is null, "behind the proxy the live release keeps serving until the switch.");

    public override async Task RunAsync(DeployContext context)
    {
        // Without a proxy the app is down from here until HealthCheck has a release serving again: a signal waits for that.
        interruption.TrafficMoves();
        await containers.FollowManualRollbackAsync(context.Settings);
        context.Run.PreviousCommit = AppContainers.CommitOf(await containers.BackupLiveAsync(context.Settings));
    }
}
