using KahaDeploy.Frosting;

namespace KahaDeploy.Tasks;

[TaskName(nameof(RunContainer))]
[TaskDescription("Starts the new release with the environment's options: as NAME (dev and stage mount the app folder), or beside the live one behind a proxy")]
[IsDependentOn(typeof(BuildImage))]
[IsDependentOn(typeof(BackupContainer))]
public sealed class RunContainer(ReleaseStrategies strategies) : AsyncFrostingTask<DeployContext>
{
    public override Task RunAsync(DeployContext context) => strategies.For(context.Settings).StartAsync(context);
}
