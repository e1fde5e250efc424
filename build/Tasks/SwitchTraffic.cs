using KahaDeploy.Frosting;

namespace KahaDeploy.Tasks;

[TaskName(nameof(SwitchTraffic))]
[TaskDescription("Points the proxy at the healthy new release, then confirms through the public port that it is the one answering")]
public sealed class SwitchTraffic(ReleaseSwitch releases, Interruption interruption) : AsyncFrostingTask<DeployContext>
{
    public override bool ShouldRun(DeployContext context) =>
        context.RunsWhen(nameof(SwitchTraffic), context.Settings.Proxy is not null, $"{context.Settings.Environment} has no proxy.");

    public override Task RunAsync(DeployContext context)
    {
        // From the switch until Drain has renamed the releases, a signal waits: the names must end up following the route.
        interruption.TrafficMoves();
        return releases.SwitchAsync(context.Settings, context.Run.Candidate!);
    }
}
