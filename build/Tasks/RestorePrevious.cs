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
        var previous = await containers.PreviousAsync(context.Settings);
        await containers.SwapWithPreviousAsync(context.Settings);
        if (previous is not null && previous.Labels.TryGetValue(AppContainers.CommitLabel, out var commit))
        {
            context.Version = new ReleaseVersion(commit, AppContainers.VersionOf(previous).EndsWith("-dirty", StringComparison.Ordinal));
        }
    }
}
