using KahaDeploy.Frosting;
using KahaDeploy.Services;

namespace KahaDeploy.Tasks;

[TaskName(nameof(RestorePrevious))]
[TaskDescription("Makes NAME_previous live again and keeps the replaced container as NAME_previous, so a second rollback rolls forward")]
[IsDependentOn(typeof(DockerPreflight))]
[IsDependentOn(typeof(Lock))]
public sealed class RestorePrevious(AppContainers containers) : AsyncFrostingTask<DeployContext>
{
    public override async Task RunAsync(DeployContext context)
    {
        var (restored, replaced) = await containers.SwapWithPreviousAsync(context.Settings);
        context.Version = AppContainers.ReleaseOf(restored);
        context.Image = new AppImage(restored.ImageReference, restored.ImageId);
        context.PreviousCommit = AppContainers.CommitOf(replaced);
    }
}
