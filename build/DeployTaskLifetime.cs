using Cake.Core;
using KahaDeploy.Frosting;

namespace KahaDeploy;

/// <summary>Remembers which task failed, for the failure report.</summary>
public sealed class DeployTaskLifetime : FrostingTaskLifetime<DeployContext>
{
    public override void Teardown(DeployContext context, ITaskTeardownContext info)
    {
        if (!info.Successful && !info.Skipped)
        {
            context.FailedTask ??= info.Task.Name;
        }
    }
}
