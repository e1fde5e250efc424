using KahaDeploy.Frosting;

namespace KahaDeploy.Tasks;

[TaskName(nameof(Logs))]
[ReadOnly]
[DataOnStdout]
[TaskDescription("Shows the app's own output in --env (on a swarm: of every task, each line with its node and task): --tail=N lines (default 100, or all), --since=10m, --follow until Ctrl+C")]
[IsDependentOn(typeof(DockerPreflight))]
public sealed class Logs(ReleaseStrategies strategies, AppOutput output) : AsyncFrostingTask<DeployContext>
{
    public override Task RunAsync(DeployContext context) =>
        strategies.For(context.ReadOnlySettings).Reader.StreamLogsAsync(context.ReadOnlySettings, context.AppLogQuery, output.Write);
}
