using KahaDeploy.Frosting;

namespace KahaDeploy.Tasks;

[TaskName(nameof(Reconcile))]
[TaskDescription("Puts right what an interrupted run or a failover of the proxy left: names follow the proxy's route, a release that never took traffic is removed; a failover is recorded and told to Slack once")]
[IsDependentOn(typeof(Lock))]
[IsDependentOn(typeof(RecoverRenames))]
[IsDependentOn(typeof(EnsureProxy))]
public sealed class Reconcile(ReleaseStrategies strategies) : AsyncFrostingTask<DeployContext>
{
    public override bool ShouldRun(DeployContext context) => strategies.Runs(context, nameof(Reconcile), ReleaseStep.Reconcile);

    public override Task RunAsync(DeployContext context) => strategies.For(context.Settings).ReconcileAsync(context);
}
