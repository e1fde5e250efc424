using KahaDeploy.Frosting;

namespace KahaDeploy.Tasks;

[TaskName(nameof(Reconcile))]
[TaskDescription("Puts right what an interrupted run or a failover of the proxy left: names follow the proxy's route, a release that never took traffic is removed; a failover is recorded and told to Slack once")]
[IsDependentOn(typeof(Lock))]
[IsDependentOn(typeof(RecoverRenames))]
[IsDependentOn(typeof(EnsureProxy))]
public sealed class Reconcile(ReleaseSwitch releases, FailoverReport failovers) : AsyncFrostingTask<DeployContext>
{
    public override bool ShouldRun(DeployContext context) =>
        context.RunsWhen(nameof(Reconcile), context.Settings.Proxy is not null, $"{context.Settings.Environment} has no proxy.");

    public override async Task RunAsync(DeployContext context)
    {
        await failovers.RecordAsync(context.Settings);
        await releases.ReconcileAsync(context.Settings);
    }
}
