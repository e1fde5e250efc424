using KahaDeploy.Frosting;

namespace KahaDeploy.Tasks;

[TaskName(nameof(BackupContainer))]
[TaskDescription("Renames the live NAME to NAME_previous, as deploy_kaha.sh did (after a rollback by hand, the NAME_previous that serves is the live one); behind a proxy this happens after the switch, in Drain")]
[IsDependentOn(typeof(DockerPreflight))]
[IsDependentOn(typeof(Lock))]
[IsDependentOn(typeof(RecoverRenames))]
public sealed class BackupContainer(ReleaseStrategies strategies) : AsyncFrostingTask<DeployContext>
{
    public override bool ShouldRun(DeployContext context) => strategies.Runs(context, nameof(BackupContainer), ReleaseStep.Backup);

    public override Task RunAsync(DeployContext context) => strategies.For(context.Settings).PrepareAsync(context);
}
