using KahaDeploy.Frosting;

namespace KahaDeploy.Tasks;

[TaskName(nameof(Drain))]
[TaskDescription("Lets the replaced release finish its requests, then keeps it as NAME_previous, running as a warm standby for the configured window")]
[IsDependentOn(typeof(SwitchTraffic))]
public sealed class Drain(ReleaseStrategies strategies) : AsyncFrostingTask<DeployContext>
{
    public override bool ShouldRun(DeployContext context) => strategies.Runs(context, nameof(Drain), ReleaseStep.Drain);

    public override Task RunAsync(DeployContext context) => strategies.For(context.Settings).DrainAsync(context);
}
