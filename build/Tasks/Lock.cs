using KahaDeploy.Frosting;

namespace KahaDeploy.Tasks;

[TaskName(nameof(Lock))]
[TaskDescription("Takes the environment's deploy lock on the Docker engine, so two changes never overlap (--lock-wait=SECONDS waits for it), and checks that the environment belongs to this checkout (--take-over moves it here)")]
[IsDependentOn(typeof(DockerPreflight))]
public sealed class Lock(DeployLock deployLock, EnvironmentOwner owner) : AsyncFrostingTask<DeployContext>
{
    public override async Task RunAsync(DeployContext context)
    {
        await deployLock.AcquireAsync(context.Settings, context.TargetName, context.LockWait);
        await owner.ClaimAsync(context.Settings, context.TakeOver);
    }
}
