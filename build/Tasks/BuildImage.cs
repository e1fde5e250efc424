using KahaDeploy.Frosting;

namespace KahaDeploy.Tasks;

[TaskName(nameof(BuildImage))]
[TaskDescription("Builds the app image through the engine, tagged IMAGE:COMMIT and IMAGE:ENV with OCI labels (on a swarm: pushed to its registry), or pulls the environment's registry image (pullImage, or --image=REPO:TAG)")]
[IsDependentOn(typeof(DockerPreflight))]
[IsDependentOn(typeof(ReadVersion))]
public sealed class BuildImage(AppImages images, SwarmImages swarmImages) : AsyncFrostingTask<DeployContext>
{
    public override async Task RunAsync(DeployContext context)
    {
        if (context.PullImage is { } registryImage)
        {
            (context.Run.Image, context.Run.Version) = await images.PullAsync(registryImage);
        }
        else
        {
            context.Run.Image = await images.BuildAsync(context.Settings, context.Run.Version!);
            if (context.Settings.Swarm is not null)
            {
                // Before anything changes: a registry that refuses the image stops the deploy with the app untouched.
                context.Run.Image = await swarmImages.PushAsync(context.Settings, context.Run.Image, context.Run.Version!);
            }
        }
    }
}
