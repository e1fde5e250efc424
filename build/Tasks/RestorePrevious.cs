using Cake.Core.Diagnostics;
using KahaDeploy.Frosting;

namespace KahaDeploy.Tasks;

[TaskName(nameof(RestorePrevious))]
[TaskDescription("Readies NAME_previous (or the retained release of --to=SHA) to take over; the replaced release becomes NAME_previous, so a second rollback rolls forward")]
[IsDependentOn(typeof(DockerPreflight))]
[IsDependentOn(typeof(Lock))]
[IsDependentOn(typeof(RecoverRenames))]
public sealed class RestorePrevious(ReleaseStrategies strategies) : AsyncFrostingTask<DeployContext>
{
    public override async Task RunAsync(DeployContext context)
    {
        if (context.Settings is { MountSource: true, MountCheckout: true })
        {
            // Said before anything moves: the person at the rollback must not believe the code went back too.
            context.Log.Warning("{0} mounts the checkout {1} (mountCheckout): the rollback brings back the previous image and settings; the code stays what is checked out.",
                context.Settings.Environment, context.Settings.AppFolder);
        }

        await strategies.For(context.Settings).ReadyRollbackAsync(context);
    }
}
