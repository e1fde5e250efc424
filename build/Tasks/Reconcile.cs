using KahaDeploy.Frosting;
using KahaDeploy.Services;

namespace KahaDeploy.Tasks;

[TaskName(nameof(Reconcile))]
[TaskDescription("Puts right what an interrupted run left: names follow the proxy's route, a release that never took traffic is removed")]
[IsDependentOn(typeof(Lock))]
[IsDependentOn(typeof(RecoverRenames))]
[IsDependentOn(typeof(EnsureProxy))]
public sealed class Reconcile(ReleaseSwitch releases) : AsyncFrostingTask<DeployContext>
{
    public override bool ShouldRun(DeployContext context) =>
        context.RunsWhen(nameof(Reconcile), context.Settings.Proxy is not null, $"{context.Settings.Environment} has no proxy.");

    public override Task RunAsync(DeployContext context) => releases.ReconcileAsync(context.Settings);
}
