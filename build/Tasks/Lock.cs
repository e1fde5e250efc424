using KahaDeploy.Frosting;
using KahaDeploy.Services;

namespace KahaDeploy.Tasks;

[TaskName(nameof(Lock))]
[TaskDescription("Takes the environment's deploy lock, so two changes never overlap (--lock-wait=SECONDS waits for it)")]
public sealed class Lock(DeployLock deployLock) : AsyncFrostingTask<DeployContext>
{
    public override Task RunAsync(DeployContext context) =>
        deployLock.AcquireAsync(context.Settings.EnvironmentStateFolder, context.Settings.Environment, context.TargetName, context.LockWait);
}
