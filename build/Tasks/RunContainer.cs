using KahaDeploy.Frosting;

namespace KahaDeploy.Tasks;

[TaskName(nameof(RunContainer))]
[TaskDescription("Starts the new release with the environment's options: as NAME (dev and stage mount the app folder), or beside the live one behind a proxy")]
[IsDependentOn(typeof(BuildImage))]
[IsDependentOn(typeof(BackupContainer))]
public sealed class RunContainer(AppContainers containers, ReleaseSwitch releases) : AsyncFrostingTask<DeployContext>
{
    public override async Task RunAsync(DeployContext context)
    {
        if (context.Settings.Proxy is not null)
        {
            context.Run.PreviousCommit = AppContainers.CommitOf(await containers.LiveAsync(context.Settings));
            context.Run.Candidate = await releases.StartCandidateAsync(context.Settings, context.Run.Version!, context.Run.Image!.Reference, context.Performer);
            return;
        }

        try
        {
            await containers.RunReleaseAsync(context.Settings, context.Run.Version!, context.Run.Image!.Reference, context.Performer);
        }
        catch
        {
            await containers.RestorePreviousAsync(context.Settings);
            throw;
        }
    }
}
