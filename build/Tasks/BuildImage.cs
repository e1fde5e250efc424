using KahaDeploy.Frosting;

namespace KahaDeploy.Tasks;

[TaskName(nameof(BuildImage))]
[TaskDescription("Builds the app image through the engine, tagged IMAGE:COMMIT and IMAGE:ENV with OCI labels (on a swarm: pushed to its registry), or pulls the environment's registry image (pullImage, or --image=REPO:TAG)")]
[IsDependentOn(typeof(DockerPreflight))]
[IsDependentOn(typeof(ReadVersion))]
public sealed class BuildImage(AppImages images, ReleaseStrategies strategies) : AsyncFrostingTask<DeployContext>
{
    public override async Task RunAsync(DeployContext context)
    {
        if (context.PullImage is { } registryImage)
        {
            (context.Run.Image, context.Run.Version) = await images.PullAsync(registryImage);
        }
        else
        {
            var built = await images.BuildAsync(context.Settings, context.Run.Version!);
            context.Run.Image = await strategies.For(context.Settings).PublishImageAsync(context.Settings, built, context.Run.Version!);
        }
    }
}
