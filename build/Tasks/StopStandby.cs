using KahaDeploy.Frosting;

namespace KahaDeploy.Tasks;

[TaskName(nameof(StopStandby))]
[TaskDescription("Run by the tool itself after a switch: once the standby window has passed, stops NAME_previous if it still takes no traffic")]
[IsDependentOn(typeof(DockerPreflight))]
public sealed class StopStandby(ReleaseSwitch releases, DeployLock deployLock) : AsyncFrostingTask<DeployContext>
{
    private static readonly TimeSpan LockWait = TimeSpan.FromMinutes(30);

    public override async Task RunAsync(DeployContext context)
    {
        var settings = context.Settings;
        var slot = context.Slot ?? throw new Configuration.ConfigException("--slot is required for StopStandby; it is run by Deploy and Rollback, not by hand.");
        await deployLock.AcquireAsync(settings, context.TargetName, LockWait);
        await releases.StopStandbyAsync(settings, slot);
    }
}
