using KahaDeploy.Frosting;

namespace KahaDeploy.Tasks;

[TaskName(nameof(SwitchTraffic))]
[TaskDescription("Points the proxy at the healthy new release, then confirms through the public port that it is the one answering")]
public sealed class SwitchTraffic(ReleaseStrategies strategies) : AsyncFrostingTask<DeployContext>
{
    public override bool ShouldRun(DeployContext context) => strategies.Runs(context, nameof(SwitchTraffic), ReleaseStep.Switch);

    public override Task RunAsync(DeployContext context) => strategies.For(context.Settings).SwitchAsync(context);
}
