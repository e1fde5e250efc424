using Cake.Core.Diagnostics;
using KahaDeploy.Frosting;

namespace KahaDeploy.Tasks;

[TaskName(nameof(RestorePrevious))]
[TaskDescription("Readies NAME_previous (or the retained release of --to=SHA) to take over; the replaced release becomes NAME_previous, so a second rollback rolls forward")]
[IsDependentOn(typeof(DockerPreflight))]
[IsDependentOn(typeof(Lock))]
[IsDependentOn(typeof(RecoverRenames))]
public sealed class RestorePrevious(AppContainers containers, ReleaseSwitch releases, RetainedReleases retained, Interruption interruption)
    : AsyncFrostingTask<DeployContext>
{
    public override async Task RunAsync(DeployContext context)
    {
        if (context.Settings is { MountSource: true, MountCheckout: true })
        {
            // Said before anything moves: the person at the rollback must not believe the code went back too.
            context.Log.Warning("{0} mounts the checkout {1} (mountCheckout): the rollback brings back the previous image and settings; the code stays what is checked out.",
                context.Settings.Environment, context.Settings.AppFolder);
        }

        if (context.Settings.Proxy is not null)
        {
            // Behind the proxy nothing changes until HealthCheck and SwitchTraffic: here the target is only made ready.
            var live = await containers.LiveAsync(context.Settings);
            var release = await releases.RollbackTargetAsync(context.Settings, context.RollbackTo);
            context.Run.StartChanges();
            context.Run.Candidate = await releases.ReadyRollbackAsync(context.Settings, release, context.Performer);
            var target = (await containers.InspectAsync(context.Run.Candidate.Container))!;
            context.Run.Version = AppContainers.ReleaseOf(target);
            context.Run.Image = new AppImage(target.ImageReference, target.ImageId);
            context.Run.PreviousCommit = live is null ? null : AppContainers.CommitOf(live);
            return;
        }

        if (context.RollbackTo is not null)
        {
            throw new RollbackImpossibleException($"--to needs a proxy in front of {context.Settings.Environment} (retained releases); deploy that commit instead: --target=Deploy --sha={context.RollbackTo}.");
        }

        var previous = await containers.PreviousAsync(context.Settings);
        await retained.RefuseLiveAsync(context.Settings, await containers.LiveAsync(context.Settings), AppContainers.CommitOf(previous), $"{context.Settings.PreviousContainer} runs");
        context.Run.StartChanges();

        // As BackupContainer: the swap and the health check that follows it run to their end.
        interruption.TrafficMoves();
        var (restored, replaced) = await containers.SwapWithPreviousAsync(context.Settings);
        context.Run.Version = AppContainers.ReleaseOf(restored);
        context.Run.Image = new AppImage(restored.ImageReference, restored.ImageId);
        context.Run.PreviousCommit = AppContainers.CommitOf(replaced);
    }
}
