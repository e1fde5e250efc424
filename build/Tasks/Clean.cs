using Cake.Common.IO;
using Cake.Core.Diagnostics;
using KahaDeploy.Frosting;

namespace KahaDeploy.Tasks;

[TaskName(nameof(Clean))]
[TaskDescription("Clears the tool's work folder and this app's dangling images")]
[IsDependentOn(typeof(DockerPreflight))]
public sealed class Clean(AppImages images) : AsyncFrostingTask<DeployContext>
{
    public override async Task RunAsync(DeployContext context)
    {
        context.Run.StartChanges();
        context.EnsureDirectoryExists(context.Settings.WorkFolder);
        context.CleanDirectory(context.Settings.WorkFolder);
        var removed = await images.RemoveDanglingAsync(context.Settings);
        context.Log.Information("Removed {0} dangling image(s) of {1}.", removed, context.Settings.AppName);
    }
}
