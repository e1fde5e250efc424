using KahaDeploy.Frosting;
using KahaDeploy.Services;

namespace KahaDeploy.Tasks;

[TaskName(nameof(RunContainer))]
[TaskDescription("Starts the new NAME from the new image with the environment's options (dev and stage mount the app folder)")]
[IsDependentOn(typeof(BuildImage))]
[IsDependentOn(typeof(BackupContainer))]
public sealed class RunContainer(AppContainers containers) : AsyncFrostingTask<DeployContext>
{
    public override async Task RunAsync(DeployContext context)
    {
        try
        {
            await containers.RunReleaseAsync(context.Settings, context.Version!, context.Image!.Reference, context.Performer);
        }
        catch
        {
            await containers.RestorePreviousAsync(context.Settings);
            throw;
        }
    }
}
