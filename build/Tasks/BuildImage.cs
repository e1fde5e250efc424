using KahaDeploy.Frosting;
using KahaDeploy.Services;

namespace KahaDeploy.Tasks;

[TaskName(nameof(BuildImage))]
[TaskDescription("Builds the app image through the engine, tagged IMAGE:COMMIT and IMAGE:ENV with OCI labels (or pulls the environment's registry image)")]
[IsDependentOn(typeof(DockerPreflight))]
[IsDependentOn(typeof(ReadVersion))]
public sealed class BuildImage(AppImages images) : AsyncFrostingTask<DeployContext>
{
    public override async Task RunAsync(DeployContext context)
    {
        context.Image = context.Settings.PullImage is { } registryImage
            ? await images.PullAsync(context.Settings, registryImage)
            : await images.BuildAsync(context.Settings, context.Version!);
    }
}
