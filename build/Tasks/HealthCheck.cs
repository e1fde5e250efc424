using KahaDeploy.Frosting;

namespace KahaDeploy.Tasks;

[TaskName(nameof(HealthCheck))]
[TaskDescription("Waits for the new release to answer the health path with 200 (behind a proxy: N times in a row, before any traffic); otherwise keeps the old one serving and fails")]
[IsDependentOn(typeof(DockerPreflight))]
public sealed class HealthCheck(ReleaseStrategies strategies) : AsyncFrostingTask<DeployContext>
{
    public override Task RunAsync(DeployContext context) => strategies.For(context.Settings).WaitHealthyAsync(context);
}
