using KahaDeploy.Frosting;

namespace KahaDeploy.Tasks;

[TaskName(nameof(Drain))]
[TaskDescription("Lets the replaced release finish its requests, then keeps it as NAME_previous, running as a warm standby for the configured window")]
[IsDependentOn(typeof(SwitchTraffic))]
public sealed class Drain(ReleaseSwitch releases, StandbyTimer standby, Interruption interruption) : AsyncFrostingTask<DeployContext>
{
    public override bool ShouldRun(DeployContext context) =>
        context.RunsWhen(nameof(Drain), context.Settings.Proxy is not null, $"{context.Settings.Environment} has no proxy.");

    public override async Task RunAsync(DeployContext context)
    {
        var settings = context.Settings;
        await releases.PromoteAsync(settings, settings.Proxy!.Drain);
        interruption.TrafficSettled();
        if (await releases.StandbySlotAsync(settings) is { } slot)
        {
            context.Run.StandbyUntil = standby.Schedule(settings, slot, settings.Proxy!.Standby);
        }
    }
}
