using Cake.Core.Diagnostics;
using KahaDeploy.Frosting;

namespace KahaDeploy.Tasks;

[TaskName(nameof(SkipIfOlderImage))]
[TaskDescription("Ends a push deploy of a pulled image (--only-forward), changing nothing, when the image was built before the live one")]
[IsDependentOn(typeof(BuildImage))]
public sealed class SkipIfOlderImage(RetainedReleases retained, AppContainers containers, AppImages images) : AsyncFrostingTask<DeployContext>
{
    public override bool ShouldRun(DeployContext context) =>
        context.RunsWhen(nameof(SkipIfOlderImage), context.OnlyForward && context.PullImage is not null,
            "only a push deploy of a pulled image (--only-forward) is held to moving forward.");

    public override async Task RunAsync(DeployContext context)
    {
        // An image's age is known only once it is pulled: the listener could not tell when the push came.
        var live = (await retained.ListAsync(context.Settings)).FirstOrDefault(r => r.State == RetainedReleases.Live);
        if (live?.Container is not null && await containers.InspectAsync(live.Container) is { } running
            && await images.OlderThanAsync(context.Run.Image!, running) is { } older)
        {
            // The listener reads this line (DeployRunner.IgnoredPrefix).
            context.Log.Information("{0}{1}; nothing changed (a push deploy only moves forward; allowOlder on the listener.dockerHub.images mapping deploys older images).",
                DeployRunner.IgnoredPrefix, older);
            context.Run.FinishEarly();
        }
    }
}
