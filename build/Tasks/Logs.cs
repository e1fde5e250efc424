using KahaDeploy.Frosting;

namespace KahaDeploy.Tasks;

[TaskName(nameof(Logs))]
[ReadOnly]
[DataOnStdout]
[TaskDescription("Shows the app's own output in --env: --tail=N lines (default 100, or all), --since=10m, --follow until Ctrl+C")]
[IsDependentOn(typeof(DockerPreflight))]
public sealed class Logs(AppContainers containers, AppOutput output) : AsyncFrostingTask<DeployContext>
{
    public override Task RunAsync(DeployContext context) =>
        containers.StreamLogsAsync(context.ReadOnlySettings, context.AppLogQuery, line => output.Write(context.ReadOnlySettings.Container, line));
}
